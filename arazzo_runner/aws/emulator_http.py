"""A small asyncio HTTP/1.1 server for the emulator: keep-alive, Content-Length bodies, one write per answer.

Why not ``http.server``: it writes headers and body separately (Nagle and delayed ACKs cost
~40 ms per request on loopback unless disabled) and spends a thread per connection; benchmarks
of the runner will drive thousands of polls through this server. The handler is a plain
function ``HttpRequest -> HttpResponse`` run on the event loop (the emulator's work is
microseconds), so the server is also trivially testable without sockets.

:class:`BackgroundServer` runs the loop in a daemon thread for tests and in-process use; the
``python -m`` entry point runs it in the main thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Self

from ..background import Background

MAX_HEAD = 64 * 1024
MAX_BODY = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request as received: method, raw target (path and query), headers in order, body."""

    method: str
    target: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None


@dataclass(frozen=True, slots=True)
class HttpResponse:
    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = field(default_factory=tuple)


Handler = Callable[[HttpRequest], HttpResponse]


def _encode(response: HttpResponse, keep_alive: bool) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [f"HTTP/1.1 {response.status} {reason}"]
    lines += [f"{k}: {v}" for k, v in response.headers]
    lines.append(f"Content-Length: {len(response.body)}")
    if not keep_alive:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + response.body


async def _serve_connection(
    handler: Handler, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                return
            request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
            parts = request_line.split(" ")
            if len(parts) != 3:
                writer.write(_encode(HttpResponse(400, b"bad request line"), False))
                return
            method, target, version = parts
            headers = tuple(
                (name.strip(), value.strip())
                for name, _, value in (line.partition(":") for line in header_lines if line)
            )
            lowered = {k.lower(): v for k, v in headers}
            if "chunked" in lowered.get("transfer-encoding", "").lower():
                writer.write(_encode(HttpResponse(411, b"send Content-Length"), False))
                return
            length = int(lowered.get("content-length") or 0)
            if length > MAX_BODY:
                writer.write(_encode(HttpResponse(413, b"body too large"), False))
                return
            body = await reader.readexactly(length) if length else b""
            connection = lowered.get("connection", "").lower()
            keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
            response = handler(HttpRequest(method, target, headers, body))
            writer.write(_encode(response, keep_alive))
            await writer.drain()
            if not keep_alive:
                return
    except (ConnectionError, asyncio.IncompleteReadError):
        return
    except (
        asyncio.CancelledError
    ):  # the server is shutting down: end quietly (no "exception never retrieved")
        return
    finally:
        with contextlib.suppress(Exception):
            writer.close()
            await writer.wait_closed()


async def start_server(handler: Handler, host: str = "127.0.0.1", port: int = 0) -> asyncio.Server:
    """Listen on ``host:port`` (0: any free port) and serve ``handler``."""
    return await asyncio.start_server(
        lambda r, w: _serve_connection(handler, r, w), host, port, limit=MAX_HEAD, reuse_address=True
    )


def server_url(server: asyncio.Server) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"http://{host}:{port}"


class BackgroundServer(Background):
    """Serve ``handler`` from an event loop in a daemon thread (``with BackgroundServer(h) as s: s.url``)."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0) -> None:
        self._handler = handler
        self._host = host
        self._port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def start(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._server = loop.run_until_complete(start_server(self._handler, self._host, self._port))
                self.url = server_url(self._server)
            except BaseException as exc:  # reported to start()'s caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                # Close the listener and drop open keep-alive connections (wait_closed() would
                # wait for clients that keep theirs open).
                self._server.close()
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                if tasks:
                    loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=run, name="sagemaker-emulator", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
