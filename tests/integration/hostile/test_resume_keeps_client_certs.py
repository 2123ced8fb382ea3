"""``resume`` presents the run's client certificate again (issue 25, point 1).

The resumed run used to get a plain ``httpx.Client``: no mutual-TLS mounts, so a server that
requires the client certificate refused every request after the resume.
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from tls_certs import MutualTlsEchoServer

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
    server = MutualTlsEchoServer(tmp_path, monkeypatch)
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    cert, key = server.certs["client"]
    settings = RunSettings(
        servers=(("api", server.url),),
        client_certs=(("127.0.0.1", cert, key),),
    )

    def crash(request: httpx.Request) -> None:
        raise Crash("killed with the request in flight")

    with server:
        document = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
        with pytest.raises(Crash):
            document.run(
                "w", {}, environment=settings.environment(), journal=tmp_path / "runs.db",
                client=httpx.Client(event_hooks={"request": [crash]}),
            )  # fmt: skip
        (record,) = arazzo_runner.list_runs(journal=tmp_path / "runs.db")
        assert record.settings["clientCerts"] == [["127.0.0.1", cert, key]]
        result = resume(record.id, journal=tmp_path / "runs.db")  # a GET in doubt: sent again
    assert result.succeeded, result.error
    assert server.seen == ["client"]
