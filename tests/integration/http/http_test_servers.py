"""Small HTTP servers on 127.0.0.1 for the HTTP layer's integration tests.

* :class:`EchoServer` answers every request with JSON describing exactly what arrived (method,
  raw request target as sent on the wire, headers, body), so tests assert on the wire form.
* :class:`ScriptedServer` plays a list of answers in order (status/headers/body, ``"reset"`` to
  drop the connection, ``"hang"`` to never answer), then echoes; it counts the requests.
* Both answer ``POST /oauth/token`` as a tiny OAuth2 token endpoint (client credentials grant,
  client authenticated with HTTP Basic against ``server.oauth_clients``): tokens ``token-1``,
  ``token-2``… valid ``server.oauth_expires_in`` seconds; a wrong client gets 401
  ``invalid_client``. Token requests are recorded like any other.

Both set ``disable_nagle_algorithm`` (``http.server`` writes headers and body separately; with
Nagle and delayed ACKs each request would cost ~40 ms on loopback).
"""

from __future__ import annotations

import base64
import json
import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN_PATH = "/oauth/token"


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        record = {
            "method": self.command,
            "target": self.path,
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": base64.b64encode(body).decode("ascii"),
        }
        self.server.received.append(record)
        if self.command == "POST" and self.path.split("?", 1)[0] == TOKEN_PATH:
            self._token(body)
            return
        action = self.server.next_action()
        if action == "reset":
            # SO_LINGER 0: close sends RST, as a crashed server would
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return
        if action == "hang":
            self.server.release.wait(5)
            self.close_connection = True
            return
        if action is None:
            status, headers, payload = 200, {"Content-Type": "application/json"}, json.dumps(record).encode()
        else:
            status, headers, payload = action
            if isinstance(payload, str):
                payload = payload.encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _token(self, body: bytes) -> None:
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        auth = self.headers.get("Authorization", "")
        client = None
        if auth.startswith("Basic "):
            client = tuple(base64.b64decode(auth[6:]).decode().split(":", 1))
        elif "client_id" in form:
            client = (form["client_id"], form.get("client_secret", ""))
        if form.get("grant_type") != "client_credentials":
            status, answer = 400, {"error": "unsupported_grant_type"}
        elif client is None or self.server.oauth_clients.get(client[0]) != client[1]:
            status, answer = 401, {"error": "invalid_client", "error_description": "unknown client"}
        else:
            self.server.tokens_issued += 1
            status = 200
            answer = {
                "access_token": f"token-{self.server.tokens_issued}",
                "token_type": "Bearer",
                "expires_in": self.server.oauth_expires_in,
                "scope": form.get("scope", ""),
            }
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[dict[str, Any]] = []
        self.script: list[Any] = []
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.oauth_clients: dict[str, str] = {}
        self.oauth_expires_in = 3600
        self.tokens_issued = 0

    def next_action(self) -> Any:
        with self._lock:
            return self.script.pop(0) if self.script else None


class EchoServer:
    """Start with ``with EchoServer() as server:``; ``server.url`` is the base URL."""

    @property
    def oauth(self) -> _Server:
        """The token endpoint's settings: ``oauth_clients``, ``oauth_expires_in``, ``tokens_issued``."""
        return self._server

    def __init__(self) -> None:
        self._server = _Server()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def received(self) -> list[dict[str, Any]]:
        return self._server.received

    def play(self, *actions: Any) -> None:
        """Queue answers: ``(status, headers, body)``, ``"reset"`` or ``"hang"``; then echo."""
        self._server.received.clear()
        self._server.script[:] = list(actions)

    def __enter__(self) -> EchoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.release.set()
        self._server.shutdown()
        self._server.server_close()


ScriptedServer = EchoServer


def free_port() -> int:
    """A port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
