"""A small real shop API on 127.0.0.1 (random port) for the ``arazzo test`` tests, and helpers."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).resolve().parent / "data"
SECRET_KEY = "sekret-order-key-123"


class ShopServer:
    """``GET /items/{id}``; ``POST /orders`` (item 3: 409 OutOfStock); ``GET /together/{name}``
    answers only when two such requests are in flight at once (a barrier; 503 after 10 s alone)."""

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=10)
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self) -> None:
                owner.requests.append(("GET", self.path, dict(self.headers.items())))
                parts = self.path.strip("/").split("/")
                if parts[0] == "items":
                    self._send(200, {"id": int(parts[1]), "name": f"item {parts[1]}"})
                elif parts[0] == "together":
                    try:
                        owner.barrier.wait()
                    except threading.BrokenBarrierError:
                        self._send(503, {"code": "Alone", "message": "the other request never came"})
                        return
                    self._send(200, {"name": parts[1]})
                else:
                    self._send(404, {"message": "no such path"})

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.requests.append(("POST", self.path, dict(self.headers.items())))
                if body.get("item") == 3:
                    self._send(409, {"code": "OutOfStock", "message": "item 3 is out of stock"})
                else:
                    self._send(201, {"orderId": "o-1"})

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a client that went away mid-answer (an interrupted suite) is not news

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ShopServer:
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.barrier.abort()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def shop() -> Iterator[ShopServer]:
    with ShopServer() as server:
        yield server


@pytest.fixture
def suite(tmp_path: Path) -> Path:
    """A copy of the test documents in a fresh folder (reports and recordings go beside them)."""
    import shutil

    target = tmp_path / "suite"
    shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("README.md"))
    return target


@pytest.fixture
def arazzo(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """Run ``arazzo ARGS`` in this process; returns (exit code, stdout, stderr)."""
    from arazzo_runner.cli.main import main

    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run
