"""``resume`` presents the run's client certificate again (issue 25, point 1).

The resumed run used to get a plain ``httpx.Client``: no mutual-TLS mounts, so a server that
requires the client certificate refused every request after the resume.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from echo_document import write_echo_document
from tls_certs import MutualTlsEchoServer

import arazzo_runner
from arazzo_runner.journal import resume
from arazzo_runner.run_settings import RunSettings


class Crash(BaseException):
    """The process dies with the request in flight (nothing in the drivers catches it)."""


def test_a_resumed_run_presents_its_client_certificate(tmp_path: Path, monkeypatch) -> None:
    server = MutualTlsEchoServer(tmp_path, monkeypatch)
    doc = write_echo_document(tmp_path)
    cert, key = server.certs["client"]
    settings = RunSettings(
        servers=(("api", server.url),),
        client_certs=(("127.0.0.1", cert, key),),
    )

    def crash(request: httpx.Request) -> None:
        raise Crash("killed with the request in flight")

    with server:
        document = arazzo_runner.load(doc)
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
