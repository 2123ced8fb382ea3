"""Where a run may send requests: host allow/deny lists, private networks, client certificates.

* ``allow_hosts`` / ``deny_hosts``: shell-style globs (``*.example.com``, ``api.?.internal``)
  matched against the request's host, case-insensitively. A deny match always refuses; when
  ``allow_hosts`` is given, a host must match one of them.
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

    def check_host(self, url: httpx.URL) -> None:
        """Raise :class:`NetworkPolicyError` when the lists refuse ``url``'s host (no DNS)."""
        host = (url.host or "").lower()
        for pattern in self.deny_hosts:
            if fnmatch.fnmatchcase(host, pattern.lower()):
                raise NetworkPolicyError(f"host {host!r} is refused by --deny-host {pattern!r}")
        if self.allow_hosts and not any(fnmatch.fnmatchcase(host, p.lower()) for p in self.allow_hosts):
            raise NetworkPolicyError(
                f"host {host!r} is not allowed (--allow-host {', '.join(self.allow_hosts)})"
            )

    def check_addresses(self, url: httpx.URL, addresses: Sequence[str]) -> None:
        host = (url.host or "").lower()
        for address in addresses:
            kind = private_kind(address)
            if kind is not None:
                raise NetworkPolicyError(
                    f"host {host!r} resolves to {address}, a {kind} address (--deny-private-networks)"
                )

    def check(self, url: httpx.URL) -> None:
        """Both checks, resolving the host when private networks are denied (blocking DNS)."""
        self.check_host(url)
        if self.deny_private_networks:
            self.check_addresses(url, self._addresses(url))

    async def check_async(self, url: httpx.URL) -> None:
        """:meth:`check` resolving through the event loop."""
        import asyncio

        self.check_host(url)
        if self.deny_private_networks:
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
