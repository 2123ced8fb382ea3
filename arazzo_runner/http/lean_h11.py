"""HTTP/1.1 framing by h11 for the lean transport: the first framing, kept selectable.

h11 (the sans-I/O protocol machine httpx already depends on, through httpcore) writes the request and
reads the response as events. It is pure Python: its event machinery was most of the transport's cost
(bench/RESULTS.md), so :mod:`.lean_httptools` is the default; this one stays for comparison and as a
fallback (``LeanAsyncTransport(framing="h11")``, ``ARAZZO_HTTP_TRANSPORT=lean-h11``).
"""

from __future__ import annotations

from typing import Any

import h11
import httpx

from .lean_connection import COALESCE, MAX_HEAD_BYTES, LeanConnection, ResponseHead, disconnected


class H11Connection(LeanConnection):
    """One connection and its h11 state machine."""

    __slots__ = ("h11",)

    def __init__(self) -> None:
        super().__init__()
        self.h11 = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=MAX_HEAD_BYTES)

    def finished(self) -> bool:
        connection = self.h11
        if connection.our_state is h11.DONE and connection.their_state is h11.DONE:
            try:
                connection.start_next_cycle()
            except h11.LocalProtocolError:  # the server asked to close: not reused
                return False
        # Bytes after the end of the answer are not the start of the next one: not reused either.
        return (
            connection.our_state is h11.IDLE
            and connection.their_state is h11.IDLE
            and not connection.trailing_data[0]
        )

    async def send_request(self, request: httpx.Request, timeout: float | None) -> None:
        try:
            h11_request = h11.Request(
                method=request.method.encode("ascii"),
                target=request.url.raw_path,
                headers=request.headers.raw,
            )
            # One write (one send syscall) for a small request's head, body and end; a large body
            # goes out in pieces of about COALESCE bytes, so memory stays bounded while streaming.
            pending = [self.h11.send(h11_request) or b""]
            size = len(pending[0])
            async for chunk in request.stream:  # type: ignore[union-attr]
                if chunk:
                    data = self.h11.send(h11.Data(data=chunk)) or b""
                    pending.append(data)
                    size += len(data)
                    if size >= COALESCE:
                        await self.write(b"".join(pending), timeout, request)
                        pending, size = [], 0
            pending.append(self.h11.send(h11.EndOfMessage()) or b"")
            await self.write(b"".join(pending), timeout, request)
        except h11.LocalProtocolError as exc:
            raise httpx.LocalProtocolError(str(exc), request=request) from None

    async def _next_event(self, timeout: float | None, request: httpx.Request) -> Any:
        """The next h11 event from the server, reading from the socket as needed."""
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from None
            if event is not h11.NEED_DATA:
                return event
            data = await self.read(timeout, request)
            if not data and self.h11.their_state is h11.SEND_RESPONSE:
                raise disconnected(request)
            self.h11.receive_data(data)

    async def receive_head(self, request: httpx.Request, timeout: float | None) -> ResponseHead:
        while True:
            event = await self._next_event(timeout, request)
            if isinstance(event, h11.Response):
                return ResponseHead(event.status_code, event.headers.raw_items(), bytes(event.reason))
            if not isinstance(event, h11.InformationalResponse):  # 1xx (e.g. 100 Continue): keep reading
                raise httpx.RemoteProtocolError(
                    f"unexpected {type(event).__name__} before the response", request=request
                )

    async def receive_body(self, request: httpx.Request, timeout: float | None) -> bytes | None:
        while True:
            event = await self._next_event(timeout, request)
            if isinstance(event, h11.Data):
                return bytes(event.data)
            if isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return None
