"""Small ``httpx.Auth`` building blocks for OpenAPI security schemes, each limited to one origin.

Why these exist instead of plain ``httpx.BasicAuth``: an auth made for a source must never send
its credential to another server (a redirect, an absolute URL in a later step, an OAuth2 token
endpoint on another host). Every auth here takes the ``origins`` (scheme, host, port) it may
touch and passes any other request through unchanged, as :class:`.sigv4.SigV4Auth` does.

* :class:`ApiKeyAuth` puts a key in a header, the query string or a cookie (replacing a value of
  the same name, so the last scheme applied wins, as in Redocly's ``x-security``);
* :class:`HeaderAuth` sets ``Authorization: <scheme> <token>`` (bearer, OAuth2 access tokens);
* :class:`ScopedAuth` limits any other ``httpx.Auth`` (httpx's Basic and Digest) to the origins;
* :class:`ChainAuth` applies several auths in order (an AND of schemes); a request an auth makes
  for itself (an OAuth2 token request) is sent as is, never through the other auths.

No ``repr`` shows a credential.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Sequence
from urllib.parse import quote

import httpx

Origin = tuple[str, str, int]

_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: httpx.URL | str) -> Origin:
    """``(scheme, host, port)`` with the default port filled in, host lower-cased (RFC 6454)."""
    url = httpx.URL(url) if isinstance(url, str) else url
    scheme = url.scheme.lower()
    return (scheme, url.host.lower(), url.port or _DEFAULT_PORTS.get(scheme, 0))


class OriginScoped(httpx.Auth):
    """Base: ``applies_to(request)`` is true only for the origins the credential belongs to."""

    def __init__(self, origins: Iterable[Origin] | None) -> None:
        self._origins = frozenset(origins) if origins is not None else None

    def applies_to(self, request: httpx.Request) -> bool:
        return self._origins is None or origin_of(request.url) in self._origins

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """A request to another origin goes out untouched: the credential never leaves its own."""
        if self.applies_to(request):
            yield from self.scoped_flow(request)
        else:
            yield request

    def scoped_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """The credential's flow for a request to one of its origins."""
        raise NotImplementedError


class ApiKeyAuth(OriginScoped):
    """An OpenAPI ``apiKey`` scheme: ``name`` in ``location`` (``header``, ``query``, ``cookie``)."""

    def __init__(self, name: str, location: str, value: str, *, origins: Iterable[Origin] | None) -> None:
        if location not in ("header", "query", "cookie"):
            raise ValueError(f"apiKey location must be header, query or cookie, not {location!r}")
        super().__init__(origins)
        self.name = name
        self.location = location
        self._value = value

    def __repr__(self) -> str:
        return f"ApiKeyAuth(name={self.name!r}, location={self.location!r})"

    def apply(self, request: httpx.Request) -> None:
        if self.location == "header":
            request.headers[self.name] = self._value
        elif self.location == "query":
            request.url = _with_query_param(request.url, self.name, self._value)
        else:
            _set_cookie(request, self.name, self._value)

    def scoped_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        self.apply(request)
        yield request


def _with_query_param(url: httpx.URL, name: str, value: str) -> httpx.URL:
    """``url`` with ``name=value`` (percent-encoded) replacing any parameter of that name.

    The rest of the query is kept byte for byte: re-encoding it could change what the request
    builder wrote (and what a SigV4 signature covers).
    """
    encoded_name = quote(name, safe="")
    kept = [
        part
        for part in url.query.decode("ascii").split("&")
        if part and part.split("=", 1)[0] not in (name, encoded_name)
    ]
    kept.append(f"{encoded_name}={quote(value, safe='')}")
    return url.copy_with(query="&".join(kept).encode("ascii"))


def _set_cookie(request: httpx.Request, name: str, value: str) -> None:
    """Add ``name=value`` to the ``Cookie`` header, replacing a cookie of the same name."""
    existing = request.headers.get("cookie", "")
    pairs = [p.strip() for p in existing.split(";") if p.strip() and p.strip().split("=", 1)[0] != name]
    pairs.append(f"{name}={value}")
    request.headers["Cookie"] = "; ".join(pairs)


class HeaderAuth(OriginScoped):
    """``Authorization: <scheme> <token>`` (``Bearer`` for bearer tokens and OAuth2 access tokens)."""

    def __init__(self, token: str, *, scheme: str = "Bearer", origins: Iterable[Origin] | None) -> None:
        super().__init__(origins)
        self.scheme = scheme
        self._token = token

    def __repr__(self) -> str:
        return f"HeaderAuth(scheme={self.scheme!r})"

    def scoped_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"{self.scheme} {self._token}"
        yield request


class ScopedAuth(OriginScoped):
    """Run ``inner`` (e.g. ``httpx.BasicAuth``, ``httpx.DigestAuth``) only for the given origins."""

    def __init__(self, inner: httpx.Auth, *, origins: Iterable[Origin] | None, label: str = "") -> None:
        super().__init__(origins)
        self._inner = inner
        self._label = label or type(inner).__name__
        self.requires_request_body = inner.requires_request_body
        self.requires_response_body = inner.requires_response_body

    def __repr__(self) -> str:
        return f"ScopedAuth({self._label})"

    def scoped_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield from self._inner.auth_flow(request)


class ChainAuth(httpx.Auth):
    """Apply ``auths`` in order (later ones win on the same header, query parameter or cookie).

    Each auth may answer a request with more requests (Digest's challenge, an OAuth2 retry after
    a 401): those that are the original request go through the auths after it; any other request
    an auth makes (a token request to another endpoint) goes out untouched.
    """

    def __init__(self, auths: Sequence[httpx.Auth]) -> None:
        self.auths = tuple(auths)
        self.requires_request_body = any(a.requires_request_body for a in self.auths)
        self.requires_response_body = any(a.requires_response_body for a in self.auths)

    def __repr__(self) -> str:
        return f"ChainAuth({', '.join(map(repr, self.auths))})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        yield from self._chain(0, request)

    def _chain(
        self, index: int, request: httpx.Request
    ) -> Generator[httpx.Request, httpx.Response, httpx.Response]:
        if index == len(self.auths):
            response = yield request
            return response
        flow = self.auths[index].auth_flow(request)
        outgoing = next(flow)
        while True:
            if outgoing is request:
                response = yield from self._chain(index + 1, outgoing)
            else:
                response = yield outgoing
            try:
                outgoing = flow.send(response)
            except StopIteration:
                return response


def combine(auths: Sequence[httpx.Auth]) -> httpx.Auth | None:
    """``None`` for no auth, the auth itself for one, a :class:`ChainAuth` for several."""
    if not auths:
        return None
    if len(auths) == 1:
        return auths[0]
    return ChainAuth(auths)
