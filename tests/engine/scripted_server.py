"""A real HTTP server on 127.0.0.1 that answers from a script and records every request.

A script maps ``(METHOD, path-or-X-Amz-Target)`` to a list of responses served in order (the
last one repeats). A response is ``(status, body)`` or ``(status, body, headers)``; the special
status ``"reset"`` closes the connection without answering; a header ``x-test-delay: <seconds>``
is not sent but makes the server wait that long before it answers.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class ScriptedServer:
    script: dict[tuple[str, str], list[tuple]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _served: dict[tuple[str, str], int] = field(default_factory=lambda: defaultdict(int))

    def __post_init__(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            disable_nagle_algorithm = True
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode("utf-8", "replace")
                path = self.path
                key_target = self.headers.get("x-amz-target")
                self_key = (self.command, key_target or path.split("?")[0])
                owner.requests.append(Recorded(self.command, path, dict(self.headers.items()), body))
                answers = owner.script.get(self_key) or owner.script.get((self.command, "*"))
                if not answers:
                    self._send(404, {"message": f"no script for {self_key}"}, {})
                    return
                index = min(owner._served[self_key], len(answers) - 1)
                owner._served[self_key] += 1
                status, payload, *rest = answers[index]
                if status == "reset":
                    self.close_connection = True
                    self.connection.close()
                    return
                headers = dict(rest[0]) if rest else {}
                delay = float(headers.pop("x-test-delay", 0))
                if delay:  # answer late (step timeout tests); the client may be gone by then
                    time.sleep(delay)
                try:
                    self._send(status, payload, headers)
                except OSError:
                    self.close_connection = True

            def _send(self, status: int, payload: Any, headers: dict[str, str]) -> None:
                data = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
                self.send_response(status)
                self.send_header("content-type", headers.pop("content-type", "application/json"))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # Polls for shutdown every 50 ms, not socketserver's 500: close() waited ~0.5 s per server.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self, script: dict[tuple[str, str], list[tuple]]) -> None:
        self.script = script
        self.requests.clear()
        self._served.clear()

    def count(self, key: str) -> int:
        return sum(
            1
            for r in self.requests
            if r.headers.get("x-amz-target", r.headers.get("X-Amz-Target")) == key
            or r.path.split("?")[0] == key
        )

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
