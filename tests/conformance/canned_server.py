"""A small HTTP server on 127.0.0.1 that answers from scripted response queues.

One server serves a whole test session. Each conformance case gets its own *scenario*: a URL
prefix (``/s17``) under which the case's routes live, so cases never see each other's queues or
requests, and nothing has to be reset between them.

A route is ``"METHOD /path"`` (a path may hold ``{name}`` templates that match one segment) or
``"*"`` (any request). Its queue is consumed one response per request; the last response repeats
once the queue is down to it (the usearazzo test transport's rule: a one-element queue is a
constant). Routes are tried in the order given; the first that matches answers. A request no route
matches gets the scenario's ``fallback`` response (404 unless set). Every request is recorded.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Canned:
    """One scripted response. A ``body`` that is not ``str``/``bytes`` is sent as JSON."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Mapping[str, Any] | Canned) -> Canned:
        if isinstance(spec, Canned):
            return spec
        return cls(int(spec.get("status", 200)), spec.get("body"), dict(spec.get("headers") or {}))

    def encode(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if self.body is None:
            return b"", headers
        if isinstance(self.body, bytes):
            return self.body, headers
        if isinstance(self.body, str):
            headers.setdefault("Content-Type", "text/plain")
            return self.body.encode(), headers
        headers.setdefault("Content-Type", "application/json")
        return json.dumps(self.body).encode(), headers


@dataclass(frozen=True)
class Recorded:
    """A request the server received (path relative to the scenario's prefix)."""

    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    body: bytes

    @property
    def line(self) -> str:
        """``"GET /pet/7"`` (no query): handy in assertions."""
        return f"{self.method} {self.path}"

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class _Route:
    def __init__(self, key: str, responses: Iterable[Mapping[str, Any] | Canned]) -> None:
        self.key = key
        self.queue = [Canned.of(r) for r in responses]
        if not self.queue:
            raise ValueError(f"route {key!r} has no responses")
        if key == "*":
            self.method, self.pattern = None, None
        else:
            method, _, path = key.partition(" ")
            self.method = method.upper()
            parts = re.split(r"(\{[^}/]+\})", path)
            regex = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
            self.pattern = re.compile(f"^{regex}$")

    def matches(self, method: str, path: str) -> bool:
        if self.pattern is None:
            return True
        return method == self.method and self.pattern.match(path) is not None

    def take(self) -> Canned:
        return self.queue.pop(0) if len(self.queue) > 1 else self.queue[0]


class Scenario:
    """The routes and the request log of one case."""

    def __init__(self, server: CannedServer, prefix: str, routes: Iterable[tuple[str, Any]]) -> None:
        self.prefix = prefix
        self.base_url = f"http://127.0.0.1:{server.port}{prefix}"
        self.routes = [_Route(key, responses) for key, responses in routes]
        self.fallback = Canned(404, {"error": "no canned response for this request"})
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    def answer(self, request: Recorded) -> Canned:
        with self._lock:
            self.requests.append(request)
            for route in self.routes:
                if route.matches(request.method, request.path):
                    return route.take()
            return self.fallback

    @property
    def lines(self) -> list[str]:
        return [r.line for r in self.requests]


class CannedServer:
    """A threaded ``http.server`` on an ephemeral loopback port; use as a context manager."""

    def __init__(self) -> None:
        self._scenarios: dict[str, Scenario] = {}
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are written separately (DESIGN.md)

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                url = urlsplit(self.path)
                prefix, _, rest = url.path.lstrip("/").partition("/")
                scenario = owner._scenarios.get(f"/{prefix}")
                if scenario is None:
                    canned = Canned(404, {"error": f"no scenario {prefix!r}"})
                else:
                    recorded = Recorded(
                        self.command,
                        "/" + rest,
                        tuple(parse_qsl(url.query, keep_blank_values=True)),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                    canned = scenario.answer(recorded)
                payload, headers = canned.encode()
                self.send_response(canned.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if payload and self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    def scenario(self, routes: Mapping[str, Any] | Iterable[tuple[str, Any]] = ()) -> Scenario:
        """A fresh prefix serving ``routes`` (``{"GET /pet/{id}": [resp, ...], "*": [...]}``)."""
        items = list(routes.items()) if isinstance(routes, Mapping) else list(routes)
        with self._lock:
            prefix = f"/s{next(self._counter)}"
            scenario = Scenario(self, prefix, items)
            self._scenarios[prefix] = scenario
        return scenario

    def start(self) -> CannedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> CannedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
