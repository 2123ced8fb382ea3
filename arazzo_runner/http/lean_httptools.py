"""HTTP/1.1 framing by httptools for the lean transport (the default).

Why: h11's pure-Python event machinery was most of the lean transport's cost (bench/RESULTS.md).
httptools (MagicStack's binding of llhttp, the C parser uvicorn and Node use) parses the response;
the request head is one ``bytes.join``, checked by one regular expression as strictly as h11 checks
it (httpx does not validate header names or values: a CR or LF in a value must never reach the wire).

What this module decides that the parser does not know:

* the request's method: an answer to ``HEAD`` ends with its head, whatever length it declares (each
  exchange gets a fresh parser, so the next answer is parsed from its first byte);
* interim 1xx answers are skipped; a switch of protocol (101, ``Upgrade``) is a protocol error;
* a body with neither ``Content-Length`` nor chunked coding ends when the server closes the
  connection (llhttp has no "end of input" call in httptools); any other body cut short by a close
  is a protocol error, as is a close before any byte of the answer (the retry-safe case of a
  kept-alive connection the server had dropped);
* the head (status line, headers, interim answers) is bounded by ``MAX_HEAD_BYTES``;
* bytes after the end of the answer are not the start of the next one: the connection is not reused.
"""

from __future__ import annotations

import re

import httptools
import httpx

from .lean_connection import COALESCE, MAX_HEAD_BYTES, LeanConnection, ResponseHead, disconnected

#: A header line as h11 accepts it for sending: a token, ``": "``, a value without NUL, CR, LF or
#: whitespace at either end. Deterministic (the character classes do not overlap): linear time.
_HEADER_LINE = rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+: (?:[^\x00\s]+(?:[ \t]+[^\x00\s]+)*)?\r\n"
_ONE_HEADER = re.compile(_HEADER_LINE)
_HEADER_LINES = re.compile(rb"(?:%s)*" % _HEADER_LINE)
#: The request line's method and target, as h11 accepts them.
_METHOD_AND_TARGET = re.compile(rb"[-!#$%&'*+.^_`|~0-9a-zA-Z]+ [^\x00\s]+")


class RequestHead:
    """A request's head as bytes, with what its headers say about the body and the connection."""

    __slots__ = ("close", "data", "lowered")

    def __init__(self, request: httpx.Request) -> None:
        """Raises ``httpx.LocalProtocolError`` for a request line or header h11 would refuse to send."""
        raw = request.headers.raw
        if raw and raw[0][0].lower() != b"host":  # h11 writes Host first; the rest keep their order
            raw = sorted(raw, key=lambda item: item[0].lower() != b"host")
        lines = b"\r\n".join(map(b": ".join, raw)) + b"\r\n" if raw else b""
        # One line per header (a CR LF inside a value would make a valid-looking line of its own).
        if _HEADER_LINES.fullmatch(lines) is None or lines.count(b"\n") != len(raw):
            for name, value in raw:
                if _ONE_HEADER.fullmatch(b"%s: %s\r\n" % (name, value)) is None:
                    raise httpx.LocalProtocolError(f"Illegal header {name!r}", request=request)
        start = b"%s %s" % (request.method.encode("ascii"), request.url.raw_path)
        if _METHOD_AND_TARGET.fullmatch(start) is None:
            raise httpx.LocalProtocolError(f"Illegal request line {start!r}", request=request)
        self.data = b"%s HTTP/1.1\r\n%s\r\n" % (start, lines)
        #: The header lines in lower case, each after a CRLF, so ``b"\r\nname: value\r\n" in lowered``
        #: finds a whole header line and nothing inside a value.
        self.lowered = b"\r\n" + lines.lower()
        self.close = b"\r\nconnection: close\r\n" in self.lowered

    @property
    def chunked(self) -> bool:
        return b"\r\ntransfer-encoding: chunked\r\n" in self.lowered

    def check_length(self, request: httpx.Request, sent: int, *, partial: bool = False) -> None:
        """The body matches its ``Content-Length`` (none declared: no body), as h11 insists."""
        if b"\r\ncontent-length: %d\r\n" % sent in self.lowered or (
            not sent and b"\r\ncontent-length:" not in self.lowered
        ):
            return
        declared = int(request.headers.get("content-length", "0"))
        if sent > declared or (sent < declared and not partial):
            raise httpx.LocalProtocolError(
                f"the request body is {sent} bytes, its Content-Length says {declared}", request=request
            )


class HttptoolsConnection(LeanConnection):
    """One connection; a fresh ``httptools.HttpResponseParser`` per exchange, this object its callbacks."""

    __slots__ = (
        "_body",
        "_done",
        "_failure",
        "_head_done",
        "_head_only",
        "_headers",
        "_interim",
        "_keep_alive",
        "_must_close",
        "_parser",
        "_reason",
        "_received",
        "_unread",
    )

    def __init__(self) -> None:
        super().__init__()
        self._start(False, True)

    def _start(self, head_only: bool, close: bool) -> None:
        """A new exchange: a fresh parser; ``close``: the request asked the server to close after it."""
        self._parser = httptools.HttpResponseParser(self)
        self._head_only = head_only
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []
        self._unread = 0  # bytes in _body
        self._received = 0  # bytes of this answer so far (counted up to the end of its head)
        self._failure: str | None = None  # what was wrong with the answer
        self._head_done = self._done = self._interim = self._keep_alive = False
        self._must_close = close  # a request that said "Connection: close" leaves nothing to reuse

    # -- llhttp's callbacks (called from inside feed_data) ---------------------------------------
    def on_message_begin(self) -> None:
        if self._done:
            self._must_close = True

    def on_status(self, reason: bytes) -> None:
        self._reason += reason

    def on_header(self, name: bytes, value: bytes) -> None:
        if not self._head_done:  # trailers of a chunked body are not headers of the response
            self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        if self._parser.get_status_code() < 200:
            self._interim = True
            return
        self._head_done = True
        if self._head_only:
            self._done = True
            self._keep_alive = self._parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        if self._done:
            self._must_close = True
        else:
            self._body.append(body)
            self._unread += len(body)

    def on_message_complete(self) -> None:
        if self._interim:  # 1xx: forget it, the real answer follows
            self._interim = False
            self._reason, self._headers = b"", []
        elif not self._done:
            self._done = True
            self._keep_alive = self._parser.should_keep_alive()

    # -- the exchange ----------------------------------------------------------------------------
    def finished(self) -> bool:
        return self._done and self._keep_alive and not self._must_close

    async def send_request(self, request: httpx.Request, timeout: float | None) -> None:
        head = RequestHead(request)
        self._start(request.method == "HEAD", head.close)
        try:
            body = request.content  # bytes bodies were read when the request was made
        except httpx.RequestNotRead:
            await self._send_streamed(request, head, timeout)
            return
        if head.chunked:
            body = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
        else:
            head.check_length(request, len(body))
        await self.write(head.data + body if body else head.data, timeout, request)

    async def _send_streamed(self, request: httpx.Request, head: RequestHead, timeout: float | None) -> None:
        """A streamed body: written in pieces of about COALESCE bytes, chunk-coded when declared so."""
        chunked = head.chunked
        pending, size, sent = [head.data], len(head.data), 0
        async for chunk in request.stream:  # type: ignore[union-attr]
            if not chunk:
                continue
            sent += len(chunk)
            if chunked:
                chunk = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            else:
                head.check_length(request, sent, partial=True)
            pending.append(chunk)
            size += len(chunk)
            if size >= COALESCE:
                await self.write(b"".join(pending), timeout, request)
                pending, size = [], 0
        if chunked:
            pending.append(b"0\r\n\r\n")
        else:
            head.check_length(request, sent)
        await self.write(b"".join(pending), timeout, request)

    # -- bytes in, answer out ------------------------------------------------------------------------
    def data_received(self, data: bytes) -> None:
        """Parse as bytes arrive; wake the request once there is something for it."""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._failure = "the server switched protocols"
        except httptools.HttpParserError as exc:
            if self._done:  # garbage after a complete answer: that answer stands, the connection goes
                self._must_close = True
            else:
                self._failure = f"malformed response: {exc}"
        if not self._head_done:
            self._received += len(data)
            if self._received > MAX_HEAD_BYTES and self._failure is None:
                self._failure = f"the response head is larger than {MAX_HEAD_BYTES // 1024} KiB"
            if self._failure is None:
                return  # nothing for the request yet
        self.hold(self._unread)
        self.wake()

    async def receive_head(self, request: httpx.Request, timeout: float | None) -> ResponseHead:
        while not self._head_done:
            if self._failure is not None:
                raise httpx.RemoteProtocolError(self._failure, request=request)
            if self.eof:
                if self._received:
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection in the response head", request=request
                    )
                raise disconnected(request)
            await self.wait(timeout, request)
        return ResponseHead(self._parser.get_status_code(), self._headers, self._reason)

    async def receive_body(self, request: httpx.Request, timeout: float | None) -> bytes | None:
        while not self._body:
            if self._failure is not None:
                raise httpx.RemoteProtocolError(self._failure, request=request)
            if self._done:
                return None
            if self.eof:
                if not self._delimited_by_close():
                    raise httpx.RemoteProtocolError(
                        "the server closed the connection before the end of the body", request=request
                    )
                self._done = True  # the close ends the body; keep-alive stays False
                return None
            await self.wait(timeout, request)
        body = self._body
        self._body, self._unread = [], 0
        self.hold(0)
        return body[0] if len(body) == 1 else b"".join(body)

    def _delimited_by_close(self) -> bool:
        """The body has neither a Content-Length nor chunked coding: it ends when the server closes."""
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == b"content-length" or (
                lowered == b"transfer-encoding" and value.lower().rstrip().endswith(b"chunked")
            ):
                return False
        return True
