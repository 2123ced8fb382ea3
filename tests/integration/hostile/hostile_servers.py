"""Small hostile HTTP servers on 127.0.0.1, written on raw sockets so they can misbehave freely.

Each server answers every connection with one ``behaviour(conn)``: drip bytes, inflate, lie
about sizes. The hostile-input battery of issue 17 met them; they stay here as integration tests.
Servers stop on ``close()``; drippers stop as soon as the client hangs up.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable

Behaviour = Callable[[socket.socket], None]


class HostileServer:
    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            try:
                _read_request(conn)
                self.behaviour(conn)
            except OSError:  # the client hung up: that is the point
                pass

    def close(self) -> None:
        self._stop.set()
        self.listener.close()
        self.thread.join(timeout=5)

    def __enter__(self) -> HostileServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _read_request(conn: socket.socket) -> None:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        rest += conn.recv(65536)


def head(status: int = 200, content_type: str = "application/json", **headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status} OK", f"Content-Type: {content_type}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def drip_body(interval: float = 0.02, length: int = 10_000_000) -> Behaviour:
    """Headers at once, then one byte every ``interval`` seconds (never trips a read timeout)."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(head(Content_Length=str(length)) + b"[")
        while True:
            time.sleep(interval)
            conn.sendall(b"1")

    return behave


def drip_headers(interval: float = 0.02) -> Behaviour:
    """The status line, then one header byte every ``interval`` seconds."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while True:
            time.sleep(interval)
            conn.sendall(b"a")

    return behave


def gzip_bomb(inflated: int) -> Behaviour:
    """A small gzip body that inflates to ``inflated`` bytes of JSON whitespace."""
    body = gzip.compress(b"[" + b" " * (inflated - 2) + b"]", compresslevel=9)

    def behave(conn: socket.socket) -> None:
        conn.sendall(head(Content_Encoding="gzip", Content_Length=str(len(body))) + body)

    return behave


def endless_body(chunk: int = 65536) -> Behaviour:
    """A chunked body that never ends."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(head(Transfer_Encoding="chunked"))
        piece = b" " * chunk
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        while True:
            conn.sendall(frame)

    return behave


def declared_huge() -> Behaviour:
    """Declares a 10 GB body (and sends a little of it)."""

    def behave(conn: socket.socket) -> None:
        conn.sendall(head(Content_Length=str(10 * 1024**3)) + b"[" + b" " * 1000)
        time.sleep(0.5)

    return behave


class ReflectingServer:
    """Echoes every request back: headers and query in a JSON body and in response headers.

    For SigV4 (AWS JSON) requests it answers like SageMaker, with the security token as the
    job's ARN, so the flagship carries it into its outputs.
    """

    def __init__(self) -> None:
        import json
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
        from urllib.parse import parse_qsl, urlsplit

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                if length:
                    self.rfile.read(length)
                headers = dict(self.headers.items())
                query = dict(parse_qsl(urlsplit(self.path).query))
                token = headers.get("X-Amz-Security-Token", "none")
                body = {
                    "headers": headers,
                    "query": query,
                    "TrainingJobArn": token,
                    "TrainingJobStatus": "Completed",
                    "FailureReason": f"echo {token} {headers.get('Authorization', '')}",
                }
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("x-echo", " ".join(headers.values()))
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ReflectingServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
