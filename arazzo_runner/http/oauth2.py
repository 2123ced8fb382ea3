"""OAuth 2.0 client credentials (RFC 6749 §4.4) as an ``httpx.Auth``, with a per-run token cache.

Why an auth flow and not a separate HTTP client: the token request is yielded from
``auth_flow``, so it goes through the run's own client (same transport, timeouts, proxies, test
transport) in sync and async drivers alike, and the token is fetched lazily, on the first
request that needs it.

* The token is fetched once and kept in a :class:`TokenCache` shared by the run (key: token URL,
  client id, scopes), so every step and every source using the same client shares one token.
  Fetching is single-flight: concurrent runs sharing the cache (threads, or tasks on one event
  loop) wait for the one token request in flight instead of each sending their own.
* It is refreshed *before* it expires: when less than ``refresh_margin`` seconds (default 30) or
  a tenth of its lifetime, whichever is smaller, remain. A token without ``expires_in`` is kept
  until the API answers 401.
* A 401 to a request sent with a cached token drops the token, fetches a new one and resends
  the request once (the token may have been revoked early).
* The client authenticates to the token endpoint with HTTP Basic (``client_secret_basic``, the
  method every server must support, RFC 6749 §2.3.1), or in the form body when
  ``client_auth="body"`` (``client_secret_post``).
* The clock is injected (``time.monotonic`` by default), so tests never sleep.

Errors from the token endpoint become a :class:`CredentialsError` naming the scheme, the token
URL and the server's ``error`` / ``error_description``; never the client secret or a token.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import weakref
from collections.abc import AsyncGenerator, Callable, Generator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from .auths import Origin, OriginScoped
from .errors import CredentialsError

Clock = Callable[[], float]
TokenKey = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _Token:
    value: str = ""
    #: Clock time after which the token is refreshed (``None``: until a 401).
    refresh_at: float | None = None

    def __repr__(self) -> str:
        return f"_Token(refresh_at={self.refresh_at!r})"


class TokenCache:
    """Access tokens by (token URL, client id, scopes), shared by every request of a run."""

    def __init__(self, clock: Clock = time.monotonic, *, refresh_margin: float = 30.0) -> None:
        self.clock = clock
        self.refresh_margin = refresh_margin
        self._tokens: dict[TokenKey, _Token] = {}
        self._lock = threading.Lock()
        #: How many tokens were fetched (tests and run statistics).
        self.fetches = 0
        #: Single flight: one token request per key at a time, whatever the number of runs.
        self._fetching: dict[TokenKey, threading.Lock] = {}
        self._fetching_async: weakref.WeakKeyDictionary[Any, dict[TokenKey, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"TokenCache(tokens={len(self._tokens)})"

    def get(self, key: TokenKey) -> str | None:
        with self._lock:
            token = self._tokens.get(key)
        if token is None or (token.refresh_at is not None and self.clock() >= token.refresh_at):
            return None
        return token.value

    def put(self, key: TokenKey, value: str, expires_in: float | None) -> None:
        refresh_at = None
        if expires_in is not None:
            margin = min(self.refresh_margin, expires_in / 10)
            refresh_at = self.clock() + expires_in - margin
        with self._lock:
            self._tokens[key] = _Token(value, refresh_at)
            self.fetches += 1

    def drop(self, key: TokenKey) -> None:
        with self._lock:
            self._tokens.pop(key, None)

    def fetch_lock(self, key: TokenKey) -> threading.Lock:
        """The lock a thread holds while it fetches the token for ``key``."""
        with self._lock:
            return self._fetching.setdefault(key, threading.Lock())

    def async_fetch_lock(self, key: TokenKey) -> asyncio.Lock:
        """The running event loop's lock a task holds while it fetches the token for ``key``."""
        loop = asyncio.get_running_loop()
        with self._lock:
            return self._fetching_async.setdefault(loop, {}).setdefault(key, asyncio.Lock())


class ClientCredentialsAuth(OriginScoped):
    """``Authorization: Bearer <token>`` with a token from the scheme's ``tokenUrl``."""

    requires_response_body = True

    def __init__(
        self,
        scheme_name: str,
        token_url: str,
        client_id: str,
        client_secret: str,
        *,
        scopes: Sequence[str] = (),
        cache: TokenCache,
        origins: Iterable[Origin] | None,
        client_auth: str = "basic",
    ) -> None:
        super().__init__(origins)
        self.scheme_name = scheme_name
        self.token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self.scopes = tuple(scopes)
        self._cache = cache
        self._client_auth = client_auth
        self._key: TokenKey = (token_url, client_id, self.scopes)

    def __repr__(self) -> str:
        return f"ClientCredentialsAuth(scheme={self.scheme_name!r}, token_url={self.token_url!r})"

    def scoped_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._cache.get(self._key)
        fresh = token is None
        if token is None:
            token = yield from self._fetch_once()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and not fresh:
            self._cache.drop(self._key)
            token = yield from self._fetch_once()
            request.headers["Authorization"] = f"Bearer {token}"
            yield request

    async def async_auth_flow(self, request: httpx.Request) -> AsyncGenerator[httpx.Request, httpx.Response]:
        """As :meth:`auth_flow`; concurrent runs wait for one token request instead of each sending one."""
        if not self.applies_to(request):
            yield request
            return
        token = self._cache.get(self._key)
        fresh = token is None
        for attempt in range(2):
            if token is None:
                async with self._cache.async_fetch_lock(self._key):
                    token = self._cache.get(self._key)  # fetched by another run while this one waited
                    if token is None:
                        answer = yield self.token_request()
                        await answer.aread()
                        token = self._store(answer)
            request.headers["Authorization"] = f"Bearer {token}"
            response = yield request
            if attempt or response.status_code != 401 or fresh:
                return
            self._cache.drop(self._key)
            token = None

    def token_request(self) -> httpx.Request:
        """The token request (``grant_type=client_credentials``), client authenticated as configured."""
        form = {"grant_type": "client_credentials"}
        if self.scopes:
            form["scope"] = " ".join(self.scopes)
        if self._client_auth == "body":
            form["client_id"] = self._client_id
            form["client_secret"] = self._client_secret
        request = httpx.Request("POST", self.token_url, data=form, headers={"Accept": "application/json"})
        if self._client_auth != "body":
            next(httpx.BasicAuth(self._client_id, self._client_secret).auth_flow(request))
        return request

    def _fetch_once(self) -> Generator[httpx.Request, httpx.Response, str]:
        """The token, fetched by this thread unless another one fetched it while this one waited."""
        with self._cache.fetch_lock(self._key):
            token = self._cache.get(self._key)
            if token is None:
                token = self._store((yield self.token_request()))
        return token

    def _store(self, response: httpx.Response) -> str:
        value, expires_in = self._read_token(response)
        self._cache.put(self._key, value, expires_in)
        return value

    def _read_token(self, response: httpx.Response) -> tuple[str, float | None]:
        where = f"OAuth2 scheme {self.scheme_name!r}: the token endpoint {self.token_url}"
        try:
            data = json.loads(response.content or b"null")
        except ValueError:
            data = None
        if response.status_code >= 400 or not isinstance(data, dict):
            detail = ""
            if isinstance(data, dict) and data.get("error"):
                detail = f": {data['error']}"
                if data.get("error_description"):
                    detail += f" ({data['error_description']})"
            hint = ""
            if response.status_code in (400, 401):
                hint = " — check the client id and secret given for this scheme"
            raise CredentialsError(f"{where} answered HTTP {response.status_code}{detail}{hint}")
        token = data.get("access_token")
        if not isinstance(token, str) or not token:
            raise CredentialsError(f"{where} answered without an access_token")
        expires_in = data.get("expires_in")
        try:
            lifetime = float(expires_in) if expires_in is not None else None
        except (TypeError, ValueError):
            lifetime = None
        return token, lifetime
