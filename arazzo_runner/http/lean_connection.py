"""One connection of the lean asyncio transport: the socket side every HTTP/1.1 framing shares.

Why a module of its own: the lean transport frames HTTP/1.1 in two ways (:mod:`.lean_httptools`, the
default, and :mod:`.lean_h11`, the first one, kept selectable); both sit on the same asyncio stream
pair, with the same timeouts, the same httpx exception types and the same bound on a response head,
so that part is written once, here, and the pool (:mod:`.lean_transport`) sees one interface:

``send_request`` → ``receive_head`` → ``receive_body`` until it returns ``None`` → ``finished``
(whether the exchange ended cleanly and the server keeps the connection: then it may be reused).
"""

from __future__ import annotations

import asyncio

import httpx

#: Bytes asked of the socket per read (and the stream reader's buffer limit).
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


class LeanConnection:
    """An HTTP/1.1 connection over an asyncio stream pair; a framing subclass reads and writes HTTP."""

    __slots__ = ("idle_since", "reader", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.idle_since = 0.0

    # -- the framing's part ------------------------------------------------------------------------
    async def send_request(self, request: httpx.Request, timeout: float | None) -> None:
        """Write the request (head and body); ``timeout`` bounds each wait for the socket to drain."""
        raise NotImplementedError

    async def receive_head(self, request: httpx.Request, timeout: float | None) -> ResponseHead:
        """Read up to the final (non-1xx) response head; ``timeout`` bounds each read."""
        raise NotImplementedError

    async def receive_body(self, request: httpx.Request, timeout: float | None) -> bytes | None:
        """The next piece of the response body, ``None`` once the body has ended."""
        raise NotImplementedError

    def finished(self) -> bool:
        """True when the exchange ended cleanly and the server keeps the connection open."""
        raise NotImplementedError

    # -- the socket's part -------------------------------------------------------------------------
    def reusable(self) -> bool:
        """True when the last exchange finished and the server has not closed the socket since."""
        return self.finished() and not self.writer.is_closing() and not self.reader.at_eof()

    def close(self) -> None:
        if not self.writer.is_closing():
            self.writer.close()

    async def write(self, data: bytes, timeout: float | None, request: httpx.Request) -> None:
        try:
            self.writer.write(data)
            if self.writer.transport.get_write_buffer_size() > READ_SIZE:
                async with asyncio.timeout(timeout):
                    await self.writer.drain()
        except TimeoutError:
            raise httpx.WriteTimeout("timed out writing the request", request=request) from None
        except OSError as exc:
            raise httpx.WriteError(str(exc) or type(exc).__name__, request=request) from None

    async def read(self, timeout: float | None, request: httpx.Request) -> bytes:
        """The next bytes from the server (``b""`` once it has closed its side)."""
        try:
            async with asyncio.timeout(timeout):
                return await self.reader.read(READ_SIZE)
        except TimeoutError:
            raise httpx.ReadTimeout("timed out reading the response", request=request) from None
        except OSError as exc:
            raise httpx.ReadError(str(exc) or type(exc).__name__, request=request) from None


def disconnected(request: httpx.Request) -> httpx.RemoteProtocolError:
    """The server closed the connection before answering: a kept-alive connection it had dropped
    (retry policies read this as httpcore's own message for the same case)."""
    return httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)


def head_too_large(request: httpx.Request) -> httpx.RemoteProtocolError:
    return httpx.RemoteProtocolError(
        f"the response head is larger than {MAX_HEAD_BYTES // 1024} KiB", request=request
    )
