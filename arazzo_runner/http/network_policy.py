"""Where a run may send requests: host allow/deny lists, private networks, client certificates.

* ``allow_hosts`` / ``deny_hosts``: shell-style globs (``*.example.com``, ``api.?.internal``)
  matched against the request's host after normalisation (:func:`canonical_host`): case, a
  trailing dot, brackets, percent-encoding, and the other spellings of an IP address
  (``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``, ``::ffff:127.0.0.1``) are all read as
  the address a connection would reach. A deny match always refuses; when ``allow_hosts`` is
  given, a host must match one of them. A deny entry that is an address or a network
  (``169.254.169.254``, ``10.0.0.0/8``) also refuses a *name* that resolves into it (DNS).
* ``deny_private_networks``: the host is resolved (DNS) and the request refused when *any* of its
  addresses is loopback, link-local (``169.254.169.254``, the cloud metadata service, included),
  private (RFC 1918, ``fc00::/7``), unspecified, reserved or multicast. The check runs before
  every request; the connection then resolves the name again, so a DNS server that changes its
  answer between the two (rebinding) is not covered.
* ``client_certs``: host → ``(certificate, key)`` PEM files presented for mutual TLS to that
  host only (the run's own client gets one transport per host).

A refused request fails its step with :class:`NetworkPolicyError`; it is never sent.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from .errors import HttpError

Resolver = Callable[[str, int], Sequence[str]]


class NetworkPolicyError(HttpError):
    """A request the network policy refuses (never sent)."""


def _resolve(host: str, port: int) -> list[str]:
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


@dataclass(frozen=True)
class NetworkPolicy:
    allow_hosts: tuple[str, ...] = ()
    deny_hosts: tuple[str, ...] = ()
    deny_private_networks: bool = False
    #: host → (certificate file, key file or None)
    client_certs: Mapping[str, tuple[str, str | None]] = field(default_factory=dict)
    resolver: Resolver = _resolve

    @property
    def restricts(self) -> bool:
        return bool(self.allow_hosts or self.deny_hosts or self.deny_private_networks)

    def check_host(self, url: httpx.URL | str) -> None:
        """Raise :class:`NetworkPolicyError` when the lists refuse ``url``'s host (no DNS)."""
        raw = (httpx.URL(url) if isinstance(url, str) else url).host or ""
        host = canonical_host(raw)
        shown = host if host == raw.lower() else f"{raw} (= {host})"
        for pattern in self.deny_hosts:
            if host_matches(host, pattern):
                raise NetworkPolicyError(f"host {shown!r} is refused by --deny-host {pattern!r}")
        if self.allow_hosts and not any(host_matches(host, p) for p in self.allow_hosts):
            raise NetworkPolicyError(
                f"host {shown!r} is not allowed (--allow-host {', '.join(self.allow_hosts)})"
            )

    def check_addresses(self, url: httpx.URL, addresses: Sequence[str]) -> None:
        host = (url.host or "").lower()
        for address in addresses:
            for pattern in self.deny_hosts:
                if _network(pattern) is not None and host_matches(canonical_host(address), pattern):
                    raise NetworkPolicyError(
                        f"host {host!r} resolves to {address}, refused by --deny-host {pattern!r}"
                    )
            kind = private_kind(address) if self.deny_private_networks else None
            if kind is not None:
                raise NetworkPolicyError(
                    f"host {host!r} resolves to {address}, a {kind} address (--deny-private-networks)"
                )

    def _resolves(self, url: httpx.URL) -> bool:
        """Whether the check needs the host's addresses: private networks denied, or an address
        denied by ``--deny-host`` while the host is a name (an address was matched as it is)."""
        if self.deny_private_networks:
            return True
        if _is_address(canonical_host(url.host or "")):
            return False
        return any(_network(pattern) is not None for pattern in self.deny_hosts)

    def check(self, url: httpx.URL) -> None:
        """Both checks, resolving the host when an address rule needs it (blocking DNS)."""
        self.check_host(url)
        if self._resolves(url):
            self.check_addresses(url, self._addresses(url))

    async def check_async(self, url: httpx.URL) -> None:
        """:meth:`check` resolving through the event loop."""
        import asyncio

        self.check_host(url)
        if self._resolves(url):
            if self.resolver is not _resolve:
                addresses = list(self.resolver(url.host, _port(url)))
            else:
                infos = await asyncio.get_running_loop().getaddrinfo(
                    url.host, _port(url), type=socket.SOCK_STREAM
                )
                addresses = [str(info[4][0]) for info in infos]
            self.check_addresses(url, addresses)

    def _addresses(self, url: httpx.URL) -> list[str]:
        try:
            return list(self.resolver(url.host, _port(url)))
        except OSError as exc:
            raise NetworkPolicyError(f"cannot resolve {url.host!r} to check it: {exc}") from None

    def ssl_contexts(self) -> dict[str, ssl.SSLContext]:
        """host → a TLS context presenting that host's client certificate (and trusting what
        httpx trusts: certifi, ``SSL_CERT_FILE``)."""
        contexts: dict[str, ssl.SSLContext] = {}
        for host, (cert, key) in self.client_certs.items():
            context = httpx.create_ssl_context()
            context.load_cert_chain(cert, key)
            contexts[host] = context
        return contexts

    def mounts(self, *, asynchronous: bool = False) -> dict[str, Any]:
        """httpx ``mounts`` presenting each host's client certificate to that host only (httpx's
        own transports; async runs' own clients mount lean ones: ``http.clients.new_async_client``)."""
        transport = httpx.AsyncHTTPTransport if asynchronous else httpx.HTTPTransport
        return {f"https://{host}": transport(verify=context) for host, context in self.ssl_contexts().items()}


_IPV4_PART = re.compile(r"0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*")
_GLOB = re.compile(r"[*?\[]")


def _inet_aton(host: str) -> str | None:
    """The dotted quad the C library's ``inet_aton`` (what ``getaddrinfo`` uses) reads ``host`` as:
    one to four parts, each decimal, octal (leading ``0``) or hex (``0x``), the last filling the
    remaining bytes (``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``0177.0.0.1``); ``None`` otherwise."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_IPV4_PART.fullmatch(p) and p != "0x" for p in parts):
        return None
    values = [int(p, 16) if p.startswith("0x") else int(p, 8) if p.startswith("0") else int(p) for p in parts]
    *front, last = values
    if any(v > 255 for v in front) or last >= 256 ** (4 - len(front)):
        return None
    number = 0
    for value in front:
        number = number * 256 + value
    number = number * 256 ** (4 - len(front)) + last
    return str(ipaddress.IPv4Address(number))


def canonical_host(host: str) -> str:
    """``host`` as the address or name a connection reaches: lower case, no brackets, no trailing
    dot, percent-decoded, an IPv6 zone dropped, any IPv4 spelling (``127.1``, ``0x7f000001``...)
    as its dotted quad, an IPv6 address compressed, and an IPv4-mapped one as its IPv4 address."""
    from urllib.parse import unquote

    text = unquote(host).strip().lower()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    text = text.rstrip(".") or text
    if ":" in text:
        try:
            ip6 = ipaddress.IPv6Address(text.split("%", 1)[0])
        except ValueError:
            return text
        mapped = ip6.ipv4_mapped
        return str(mapped) if mapped is not None else ip6.compressed
    return _inet_aton(text) or text


def _network(pattern: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """The network a ``--deny-host``/``--allow-host`` entry names (an address or a CIDR), else ``None``."""
    text = pattern.strip()
    if _GLOB.search(text.replace("[", "", 1) if text.startswith("[") else text):
        return None
    address, slash, bits = text.partition("/")
    canonical = canonical_host(address)
    if not _is_address(canonical):
        return None
    try:
        return ipaddress.ip_network(canonical + (slash + bits if slash else ""), strict=False)
    except ValueError:
        return None


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def host_matches(host: str, pattern: str) -> bool:
    """Whether the (canonical) ``host`` matches a ``--deny-host``/``--allow-host`` entry: an address
    or network by value (any spelling on either side), otherwise a case-insensitive glob."""
    network = _network(pattern)
    if network is not None:
        if not _is_address(host):
            return False
        return ipaddress.ip_address(host) in network
    glob = pattern.strip().lower()
    if glob.startswith("[") and glob.endswith("]"):
        glob = glob[1:-1]
    return fnmatch.fnmatchcase(host, glob.rstrip(".") or glob)


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


def private_kind(address: str) -> str | None:
    """``"loopback"``, ``"link-local"``, ``"private"``... for addresses a public API never has."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "private", "reserved", "multicast"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None


def parse_client_cert(text: str) -> tuple[str, tuple[str, str | None]]:
    """``host=cert.pem[,key.pem]`` → ``(host, (cert, key))``; raises ValueError."""
    host, sep, files = text.partition("=")
    if not sep or not host or not files:
        raise ValueError(f"expected HOST=CERT.pem[,KEY.pem], got {text!r}")
    cert, _, key = files.partition(",")
    return host.strip().lower(), (cert.strip(), key.strip() or None)
