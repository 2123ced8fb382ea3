"""A lean HTTP/1.1 keep-alive transport for asyncio fleets, behind httpx's own seam.

Why: thousands of concurrent runs spend most of their CPU in httpcore's pool bookkeeping (an idle scan
on every request start and finish, an expiry check per idle connection through anyio), not in HTTP.
This transport keeps httpx on top (``httpx.AsyncClient``, its ``Auth`` flows, SigV4 signing,
``MockTransport`` tests and HAR replay are unchanged: they sit above or beside the transport) and does
only what a fleet needs below it: HTTP/1.1 over asyncio protocols with a small pool.

Two framings share that pool and its connections (:mod:`.lean_connection`): ``framing="httptools"``
(the default, :mod:`.lean_httptools`: llhttp's C parser reads the answer, the request head is one
``bytes.join``) and ``framing="h11"`` (:mod:`.lean_h11`: the sans-I/O protocol machine httpx already
depends on; the first framing, pure Python, kept for comparison and as a fallback). Every wire test
runs on both.

What it does, and what it deliberately does not:

* one pool of connections per origin (scheme, host, port); idle connections are reused last-in
  first-out, dropped after ``keepalive_expiry`` seconds or when the server has closed them; at most
  ``max_connections`` connections in all (a request waits for a slot up to the pool timeout);
* httpx's timeouts (connect, read, write, pool, from the request's ``timeout`` extension) and its
  exception types (``ConnectError``, ``ReadTimeout``, ``RemoteProtocolError``…), so retry policies
  and error messages do not care which transport ran;
* bodies: Content-Length, chunked and close-delimited responses; streamed, so a caller that reads
  the body in chunks can stop early (the connection is then closed, not reused); request bodies of
  any httpx kind (bytes, streams, chunked);
* TLS with the system's (certifi's) roots, ALPN ``http/1.1``, optional client certificate;
* interim 1xx answers skipped; answers to ``HEAD`` and 204 / 304 answers without a body; a response
  head bounded (``MAX_HEAD_BYTES``); a malformed answer, or a server closing before it answered
  (a kept-alive connection it had dropped: httpcore's retry-safe message), is ``RemoteProtocolError``;
* no HTTP/2, no proxies (httpx's proxy mounts still route proxied origins through its own transport),
  no retries of its own: a request is sent once, as httpcore does.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import httpx

from .lean_connection import LeanConnection
from .lean_h11 import H11Connection
from .lean_httptools import HttptoolsConnection

__all__ = ["FRAMINGS", "Framing", "LeanAsyncTransport"]

_Origin = tuple[str, str, int]
Framing = Literal["httptools", "h11"]
#: The framings by name: the connection class that reads and writes HTTP/1.1 for each.
FRAMINGS: dict[str, type[LeanConnection]] = {"httptools": HttptoolsConnection, "h11": H11Connection}


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout


@dataclass
class _Pool:
    """Idle connections per origin and the slots that bound connections in all (one per event loop)."""

    slots: asyncio.Semaphore
    idle: dict[_Origin, deque[LeanConnection]] = field(default_factory=dict)


class _ResponseStream(httpx.AsyncByteStream):
    """The response body, read from the connection as the caller iterates; closing returns the
    connection to the pool when the exchange finished cleanly, and closes it otherwise."""

    def __init__(
        self,
        transport: LeanAsyncTransport,
        pool: _Pool,
        origin: _Origin,
        connection: LeanConnection,
        request: httpx.Request,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._pool = pool
        self._origin = origin
        self._connection: LeanConnection | None = connection
        self._request = request
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        try:
            while (chunk := await connection.receive_body(self._request, self._read_timeout)) is not None:
                yield chunk
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        self._transport._release(self._pool, self._origin, connection)


class LeanAsyncTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 keep-alive pool on asyncio streams (see the module docstring)."""

    def __init__(
        self,
        *,
        max_connections: int = 100,
        max_keepalive_connections: int | None = None,
        keepalive_expiry: float = 5.0,
        verify: bool | ssl.SSLContext = True,
        cert: tuple[str, str | None] | None = None,
        framing: Framing = "httptools",
    ) -> None:
        """``framing``: ``"httptools"`` (the default) or ``"h11"``, which reads and writes HTTP/1.1."""
        if framing not in FRAMINGS:
            raise ValueError(f"unknown framing {framing!r}: one of {', '.join(FRAMINGS)}")
        self._connection_class = FRAMINGS[framing]
        self._max_connections = max_connections
        self._max_keepalive = (
            max_keepalive_connections if max_keepalive_connections is not None else max_connections
        )
        self._keepalive_expiry = keepalive_expiry
        self._verify = verify
        self._cert = cert
        self._ssl_context: ssl.SSLContext | None = None
        self._pools: dict[asyncio.AbstractEventLoop, _Pool] = {}
        self._closed = False

    # -- pool ------------------------------------------------------------------------------------
    def _pool(self) -> _Pool:
        loop = asyncio.get_running_loop()
        pool = self._pools.get(loop)
        if pool is None:
            pool = self._pools[loop] = _Pool(asyncio.Semaphore(self._max_connections))
        return pool

    def _take_idle(self, pool: _Pool, origin: _Origin) -> LeanConnection | None:
        idle = pool.idle.get(origin)
        if not idle:
            return None
        expired_before = time.monotonic() - self._keepalive_expiry
        while idle:
            connection = idle.pop()
            if connection.idle_since >= expired_before and connection.reusable():
                return connection
            connection.close()
        return None

    def _release(self, pool: _Pool, origin: _Origin, connection: LeanConnection) -> None:
        """Give back the connection's slot, keeping the connection when it can carry another request."""
        pool.slots.release()
        if self._closed or not connection.reusable():
            connection.close()
            return
        idle = pool.idle.setdefault(origin, deque())
        if len(idle) >= self._max_keepalive:
            idle.popleft().close()
        connection.idle_since = time.monotonic()
        idle.append(connection)

    def _context(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            # httpx's own rule, as its default transport applies it: a given context as it is, else
            # SSL_CERT_FILE / SSL_CERT_DIR when set (a company's CA), else certifi's bundle.
            context = httpx.create_ssl_context(verify=self._verify, trust_env=True)
            if self._cert is not None and not isinstance(self._verify, ssl.SSLContext):
                context.load_cert_chain(self._cert[0], self._cert[1])
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def _connect(
        self, origin: _Origin, timeout: float | None, request: httpx.Request
    ) -> LeanConnection:
        scheme, host, port = origin
        tls = self._context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                _, connection = await asyncio.get_running_loop().create_connection(
                    self._connection_class,
                    host,
                    port,
                    ssl=tls,
                    server_hostname=host if tls is not None else None,
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        return connection

    # -- httpx seam ------------------------------------------------------------------------------
    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._closed:
            raise RuntimeError("the transport is closed")
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {url.scheme!r}", request=request)
        origin = (url.scheme, url.host, url.port or (443 if url.scheme == "https" else 80))
        timeouts = _timeouts(request)
        pool = self._pool()
        slots = pool.slots
        if slots.locked():  # every connection busy: wait for one, bounded by the pool timeout
            try:
                async with asyncio.timeout(timeouts.get("pool")):
                    await slots.acquire()
            except TimeoutError:
                raise httpx.PoolTimeout("timed out waiting for a connection", request=request) from None
        else:  # a free slot: taken at once (no timer to arm and cancel)
            await slots.acquire()
        connection: LeanConnection | None = None
        try:
            connection = self._take_idle(pool, origin) or await self._connect(
                origin, timeouts.get("connect"), request
            )
            await connection.send_request(request, timeouts.get("write"))
            head = await connection.receive_head(request, timeouts.get("read"))
        except BaseException:
            pool.slots.release()
            if connection is not None:
                connection.close()
            raise
        return httpx.Response(
            status_code=head.status,
            headers=head.headers,
            stream=_ResponseStream(self, pool, origin, connection, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": head.reason},
            request=request,
        )

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            for idle in pool.idle.values():
                while idle:
                    idle.pop().close()
        self._pools.clear()
