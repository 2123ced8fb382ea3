"""``resume`` presents the run's client certificate again (issue 25, point 1).

The resumed run used to get a plain ``httpx.Client``: no mutual-TLS mounts, so a server that
requires the client certificate refused every request after the resume.
"""

from __future__ import annotations

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from tls_certs import make_certificates

import arazzo_runner
from arazzo_runner.journal import resume
from arazzo_runner.run_settings import RunSettings

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1"},
    "paths": {"/echo": {"get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}}}},
}
ARAZZO = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  steps:
  - {stepId: echo, operationId: echo, successCriteria: [{condition: $statusCode == 200}]}
"""


class Crash(BaseException):
    """The process dies with the request in flight (nothing in the drivers catches it)."""


def test_a_resumed_run_presents_its_client_certificate(tmp_path: Path, monkeypatch) -> None:
    certs = make_certificates(tmp_path)
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            peer = self.connection.getpeercert() or {}
            seen.append(dict(x[0] for x in peer.get("subject", ())).get("commonName", ""))
            self.send_response(200)
            self.send_header("content-length", "2")
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certs["server"])
    context.load_verify_locations(certs["ca"][0])
    context.verify_mode = ssl.CERT_REQUIRED  # no client certificate: no handshake
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("SSL_CERT_FILE", certs["ca"][0])  # trust the test CA
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    cert, key = certs["client"]
    settings = RunSettings(
        servers=(("api", f"https://127.0.0.1:{server.server_address[1]}"),),
        client_certs=(("127.0.0.1", cert, key),),
    )

    def crash(request: httpx.Request) -> None:
        raise Crash("killed with the request in flight")

    try:
        document = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
        with pytest.raises(Crash):
            document.run(
                "w", {}, environment=settings.environment(), journal=tmp_path / "runs.db",
                client=httpx.Client(event_hooks={"request": [crash]}),
            )  # fmt: skip
        (record,) = arazzo_runner.list_runs(journal=tmp_path / "runs.db")
        assert record.settings["clientCerts"] == [["127.0.0.1", cert, key]]
        result = resume(record.id, journal=tmp_path / "runs.db")  # a GET in doubt: sent again
    finally:
        server.shutdown()
        server.server_close()
    assert result.succeeded, result.error
    assert seen == ["client"]
