"""One connection of the lean asyncio transport: the socket side every HTTP/1.1 framing shares.

Why a module of its own: the lean transport frames HTTP/1.1 in two ways (:mod:`.lean_httptools`, the
default, and :mod:`.lean_h11`, the first one, kept selectable); both sit on the same asyncio protocol,
with the same timeouts, the same httpx exception types, the same flow control and the same bound on a
response head, so that part is written once, here, and the pool (:mod:`.lean_transport`) sees one
interface:

``send_request`` → ``receive_head`` → ``receive_body`` until it returns ``None`` → ``finished``
(whether the exchange ended cleanly and the server keeps the connection: then it may be reused).

Why an ``asyncio.Protocol`` rather than asyncio's streams: a framing can parse bytes as they arrive
(``data_received``) and wake the waiting request only when there is something for it (a whole head,
a piece of body, an error), and a read timeout costs no timer per read: each connection keeps one
deadline and at most one timer, moved forward lazily when it fires early (``asyncio.timeout`` per
read was about a tenth of a request's cost in the transport alone).
"""

from __future__ import annotations

import asyncio
from typing import cast

import httpx

#: Bytes a framing may hold unread before the socket stops reading (flow control).
READ_SIZE = 64 * 1024
#: Request bytes gathered before a write: a whole small request goes out in one send.
COALESCE = 64 * 1024
#: The most a response head may take (status line, headers, interim 1xx answers), as httpcore bounds it:
#: a server sending endless headers is a protocol error, not a memory leak.
MAX_HEAD_BYTES = 100 * 1024


class ResponseHead:
    """What the pool needs from a response head to make an ``httpx.Response``."""

    __slots__ = ("headers", "reason", "status")

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], reason: bytes) -> None:
        self.status = status
        self.headers = headers
        self.reason = reason


class LeanConnection(asyncio.Protocol):
    """An HTTP/1.1 connection as an asyncio protocol; a framing subclass reads and writes HTTP.

    The base keeps what arrives in a buffer for :meth:`read` (a framing that pulls bytes, like h11's);
    a framing that parses as bytes arrive overrides :meth:`data_received` and calls :meth:`wake`.
    """

    __slots__ = (
        "_buffer",
        "_deadline",
        "_drain",
        "_loop",
        "_read_paused",
        "_timed_out",
        "_timer",
        "_waiter",
        "_write_paused",
        "eof",
        "idle_since",
        "transport",
    )

    def __init__(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self.idle_since = 0.0
        #: The server closed its side, or the connection is gone.
        self.eof = False
        self._buffer: list[bytes] = []
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._deadline = 0.0
        self._timed_out = False
        self._read_paused = self._write_paused = False
        self._drain: asyncio.Future[None] | None = None

    # -- the framing's part ------------------------------------------------------------------------
    async def send_request(self, request: httpx.Request, timeout: float | None) -> None:
        """Write the request (head and body); ``timeout`` bounds each wait for the socket to drain."""
        raise NotImplementedError

    async def receive_head(self, request: httpx.Request, timeout: float | None) -> ResponseHead:
        """Read up to the final (non-1xx) response head; ``timeout`` bounds each wait for bytes."""
        raise NotImplementedError

    async def receive_body(self, request: httpx.Request, timeout: float | None) -> bytes | None:
        """The next piece of the response body, ``None`` once the body has ended."""
        raise NotImplementedError

    def finished(self) -> bool:
        """True when the exchange ended cleanly and the server keeps the connection open."""
        raise NotImplementedError

    # -- asyncio's protocol callbacks --------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport (uvloop's are not subclasses of asyncio's classes: no isinstance check).
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self._buffer.append(data)
        self.hold(sum(map(len, self._buffer)))
        self.wake()

    def eof_received(self) -> bool:
        self.eof = True
        self.wake()
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.eof = True
        self.wake()
        self._stop_timer()
        self.resume_writing()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        drain, self._drain = self._drain, None
        if drain is not None and not drain.done():
            drain.set_result(None)

    # -- the socket's part -------------------------------------------------------------------------
    def reusable(self) -> bool:
        """True when the last exchange finished and the server has not closed the socket since."""
        transport = self.transport
        return self.finished() and not self.eof and transport is not None and not transport.is_closing()

    def close(self) -> None:
        self._stop_timer()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def wake(self) -> None:
        """Wake the request waiting in :meth:`wait` (there is something for it, or the socket closed)."""
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def hold(self, unread: int) -> None:
        """Flow control: stop reading the socket while ``unread`` bytes wait for the caller."""
        if self.transport is None:
            return
        if unread > READ_SIZE:
            if not self._read_paused:
                self._read_paused = True
                self.transport.pause_reading()
        elif self._read_paused:
            self._read_paused = False
            self.transport.resume_reading()

    async def wait(self, timeout: float | None, request: httpx.Request) -> None:
        """Until :meth:`wake`; ``httpx.ReadTimeout`` after ``timeout`` seconds without it."""
        self._waiter = waiter = self._loop.create_future()
        if timeout is not None:
            self._deadline = deadline = self._loop.time() + timeout
            timer = self._timer
            if timer is None or timer.when() > deadline:
                if timer is not None:
                    timer.cancel()
                self._timer = self._loop.call_at(deadline, self._on_timer)
        try:
            await waiter
        finally:
            self._waiter = None
        if self._timed_out:
            self._timed_out = False
            raise httpx.ReadTimeout("timed out reading the response", request=request)

    def _on_timer(self) -> None:
        """The one timer fired: time out the waiting request if its deadline passed, else wait on."""
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return
        if self._loop.time() >= self._deadline:
            self._timed_out = True
            waiter.set_result(None)
        else:  # a later read moved the deadline forward since the timer was set
            self._timer = self._loop.call_at(self._deadline, self._on_timer)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def read(self, timeout: float | None, request: httpx.Request) -> bytes:
        """The bytes that arrived since the last read, waiting for some (``b""`` once the server closed)."""
        while not self._buffer:
            if self.eof:
                return b""
            await self.wait(timeout, request)
        data = b"".join(self._buffer)
        self._buffer.clear()
        self.hold(0)
        return data

    async def write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        transport = self.transport
        if self.eof or transport is None or transport.is_closing():
            raise httpx.WriteError("the connection is closed", request=request)
        transport.write(data)
        if not self._write_paused:
            return
        self._drain = drain = self._loop.create_future()
        try:
            async with asyncio.timeout(timeout):
                await drain
        except TimeoutError:
            raise httpx.WriteTimeout("timed out writing the request", request=request) from None
        if self.eof:
            raise httpx.WriteError("the server closed the connection", request=request)


def disconnected(request: httpx.Request) -> httpx.RemoteProtocolError:
    """The server closed the connection before answering: a kept-alive connection it had dropped
    (retry policies read this as httpcore's own message for the same case)."""
    return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
