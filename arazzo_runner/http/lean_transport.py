"""A lean HTTP/1.1 keep-alive transport for asyncio fleets, behind httpx's own seam.

Why: thousands of concurrent runs spend most of their CPU in httpcore's pool bookkeeping (an idle scan
on every request start and finish, an expiry check per idle connection through anyio), not in HTTP.
This transport keeps httpx on top (``httpx.AsyncClient``, its ``Auth`` flows, SigV4 signing,
``MockTransport`` tests and HAR replay are unchanged: they sit above or beside the transport) and does
only what a fleet needs below it: HTTP/1.1 over asyncio streams, framed by h11 (the sans-I/O protocol
machine httpx already depends on), with a small pool.

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
* no HTTP/2, no proxies (httpx's proxy mounts still route proxied origins through its own transport),
  no retries of its own: a request is sent once, as httpcore does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import h11
import httpx

__all__ = ["LeanAsyncTransport"]

_READ_SIZE = 64 * 1024
#: Request bytes gathered before a write: a whole small request goes out in one send.
_COALESCE = 64 * 1024
_Origin = tuple[str, str, int]


def _timeouts(request: httpx.Request) -> dict[str, float | None]:
    timeout: dict[str, float | None] = request.extensions.get("timeout", {})
    return timeout


class _Connection:
    """One HTTP/1.1 connection: an asyncio stream pair and its h11 state."""

    __slots__ = ("h11", "idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(our_role=h11.CLIENT)
        self.idle_since = 0.0

    def reusable(self) -> bool:
        """True when both sides finished the exchange and the server has not closed the socket."""
        return (
            self.h11.our_state is h11.IDLE
            and self.h11.their_state is h11.IDLE
            and not self.writer.is_closing()
            and not self.reader.at_eof()
        )

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()

    async def write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        try:
            self.writer.write(data)
            if self.writer.transport.get_write_buffer_size() > _READ_SIZE:
                async with asyncio.timeout(timeout):
                    await self.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("timed out writing the request", request=request) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from None

    async def next_event(self, timeout: float | None, request: httpx.Request) -> Any:
        """The next h11 event from the server, reading from the socket as needed."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from None
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout):
                    data = await self.reader.read(_READ_SIZE)
            except TimeoutError:
                raise httpx.ReadTimeout("timed out reading the response", request=request) from None
            except OSError as exc:
                raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                )
            self.h11.receive_data(data)


@dataclass
class _Pool:
    """Idle connections per origin and the slots that bound connections in all (one per event loop)."""

    slots: asyncio.Semaphore
    idle: dict[_Origin, deque[_Connection]] = field(default_factory=dict)


class _ResponseStream(httpx.AsyncByteStream):
    """The response body, read from the connection as the caller iterates; closing returns the
    connection to the pool when the exchange finished cleanly, and closes it otherwise."""

    def __init__(
        self,
        transport: LeanAsyncTransport,
        pool: _Pool,
        origin: _Origin,
        connection: _Connection,
        request: httpx.Request,
        read_timeout: float | None,
    ) -> None:
        self._transport = transport
        self._pool = pool
        self._origin = origin
        self._connection: _Connection | None = connection
        self._request = request
        self._read_timeout = read_timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        connection = self._connection
        if connection is None:
            return
        try:
            while True:
                event = await connection.next_event(self._read_timeout, self._request)
                if isinstance(event, h11.Data):
                    yield bytes(event.data)
                elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                    return
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if connection.h11.our_state is h11.DONE and connection.h11.their_state is h11.DONE:
            with contextlib.suppress(h11.LocalProtocolError):  # the server asked to close: not reused
                connection.h11.start_next_cycle()
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
    ) -> None:
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

    def _take_idle(self, pool: _Pool, origin: _Origin) -> _Connection | None:
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

    def _release(self, pool: _Pool, origin: _Origin, connection: _Connection) -> None:
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
            if isinstance(self._verify, ssl.SSLContext):
                context = self._verify
            else:
                import certifi

                context = ssl.create_default_context(cafile=certifi.where())
                if not self._verify:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                if self._cert is not None:
                    context.load_cert_chain(self._cert[0], self._cert[1])
            context.set_alpn_protocols(["http/1.1"])
            self._ssl_context = context
        return self._ssl_context

    async def _connect(self, origin: _Origin, timeout: float | None, request: httpx.Request) -> _Connection:
        scheme, host, port = origin
        tls = self._context() if scheme == "https" else None
        try:
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, ssl=tls, server_hostname=host if tls is not None else None, limit=_READ_SIZE
                )
        except TimeoutError:
            raise httpx.ConnectTimeout(f"timed out connecting to {host}:{port}", request=request) from None
        except (OSError, ssl.SSLError) as exc:
            raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None
        return _Connection(reader, writer)

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
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await pool.slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout("timed out waiting for a connection", request=request) from None
        connection: _Connection | None = None
        try:
            connection = self._take_idle(pool, origin) or await self._connect(
                origin, timeouts.get("connect"), request
            )
            head = await self._exchange(connection, request, timeouts)
        except BaseException:
            pool.slots.release()
            if connection is not None:
                connection.close()
            raise
        return httpx.Response(
            status_code=head.status_code,
            headers=head.headers.raw_items(),
            stream=_ResponseStream(self, pool, origin, connection, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/1.1", "reason_phrase": bytes(head.reason)},
            request=request,
        )

    async def _exchange(
        self, connection: _Connection, request: httpx.Request, timeouts: dict[str, float | None]
    ) -> h11.Response:
        """Send the request and read the response head (the body is read by the response stream)."""
        write_timeout = timeouts.get("write")
        h11_request = h11.Request(
            method=request.method.encode("ascii"), target=request.url.raw_path, headers=request.headers.raw
        )
        try:
            # One write (one send syscall) for a small request's head, body and end; a large body
            # goes out in pieces of about _COALESCE bytes, so memory stays bounded while streaming.
            pending = [connection.h11.send(h11_request) or b""]
            size = len(pending[0])
            async for chunk in request.stream:  # type: ignore[union-attr]
                if chunk:
                    data = connection.h11.send(h11.Data(data=chunk)) or b""
                    pending.append(data)
                    size += len(data)
                    if size >= _COALESCE:
                        await connection.write(b"".join(pending), write_timeout, request)
                        pending, size = [], 0
            pending.append(connection.h11.send(h11.EndOfMessage()) or b"")
            await connection.write(b"".join(pending), write_timeout, request)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from None
        read_timeout = timeouts.get("read")
        while True:
            event = await connection.next_event(read_timeout, request)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):  # 1xx (e.g. 100 Continue): keep reading
                raise httpx.RemoteProtocolError(
                    f"unexpected {type(event).__name__} before the response", request=request
                )

    async def aclose(self) -> None:
        self._closed = True
        for pool in self._pools.values():
            for idle in pool.idle.values():
                while idle:
                    idle.pop().close()
        self._pools.clear()
