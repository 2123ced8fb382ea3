"""The secret battery finds nothing in any span name, attribute, event, status or metric attribute.

The same batteries the other outputs use: the recording one (secret inputs, API keys in header
and query, cookies, STS credentials in an answer: tests/recording/test_secrets.py) and the
hostile one (a server reflecting every credential it got, an AWS session token among them:
tests/integration/hostile/test_reflected_secrets.py).
"""

from __future__ import annotations

import json
import sys

import httpx
import pytest

import arazzo_runner
from tests.conftest import FLAGSHIP, ROOT, flagship_inputs

# The hostile battery's modules import their servers as ``hostile_servers`` (its conftest's way).
sys.path.insert(0, str(ROOT / "tests" / "integration" / "hostile"))
import hostile_servers

from tests.integration.hostile.test_reflected_secrets import (
    API_KEY,
    ARAZZO,
    BEARER,
    OPENAPI,
    QUERY_KEY,
    SESSION,
)
from tests.recording.test_secrets import EVERY_SECRET, HERE, SECRETS, _echo

from .conftest import Captured

INPUTS = flagship_inputs()


@pytest.fixture(scope="module")
def reflecting():
    with hostile_servers.ReflectingServer() as server:
        yield server


def everything(captured: Captured) -> str:
    """Every text the telemetry holds, as one string."""
    parts: list[str] = []
    for span in captured.spans():
        parts.append(span.name)
        parts.append(json.dumps(dict(span.attributes or {}), default=str))
        parts.append(str(span.status.description))
        for event in span.events:
            parts.append(event.name + json.dumps(dict(event.attributes or {}), default=str))
        for link in span.links:
            parts.append(json.dumps(dict(link.attributes or {}), default=str))
    for points in captured.metrics().values():
        for point in points:
            parts.append(json.dumps(dict(point.attributes or {}), default=str))
    return "\n".join(parts)


def test_recording_battery_leaves_nothing_in_telemetry(captured) -> None:
    document = arazzo_runner.load(HERE / "secrets.arazzo.yaml")
    with httpx.Client(transport=httpx.MockTransport(_echo)) as client:
        result = document.run(None, {"user": "ann", **SECRETS}, client=client, telemetry=captured.telemetry)
    assert result.succeeded, result.error
    text = everything(captured)
    assert "url.full" in text and "sessionKey=" in text  # the request span is there, its key redacted
    for secret in EVERY_SECRET:
        assert secret not in text, secret


def test_reflected_api_keys_and_bearer_leave_nothing(captured, reflecting, tmp_path, monkeypatch) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    monkeypatch.setenv("ARAZZO_API_KEY_API_KEY", API_KEY)
    monkeypatch.setenv("ARAZZO_API_Q_API_KEY", QUERY_KEY)
    monkeypatch.setenv("ARAZZO_API_BEARER_TOKEN", BEARER)
    document = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
    result = document.run(None, {}, servers={"api": reflecting.url}, telemetry=captured.telemetry)
    assert result.succeeded, result.error
    text = everything(captured)
    assert "http.response.status_code" in text
    for secret in (API_KEY, QUERY_KEY, BEARER):
        assert secret not in text, secret


def test_reflected_aws_session_token_and_secret_key_leave_nothing(captured, reflecting, monkeypatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDREFLECT")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "reflect/secret-key-value")
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION)
    document = arazzo_runner.load(FLAGSHIP)
    document.run(None, INPUTS, servers={"sagemakerApi": reflecting.url}, telemetry=captured.telemetry)
    text = everything(captured)
    assert "aws-api" in text
    assert SESSION not in text
    assert "reflect/secret-key-value" not in text


def test_a_followed_temporal_run_masks_secret_inputs_too(captured) -> None:
    """The submitting process's spans (from the events it follows) use the run's own redactor."""
    from arazzo_runner.engine import events as ev
    from arazzo_runner.telemetry.temporal import submission

    document = arazzo_runner.load(HERE / "secrets.arazzo.yaml")
    inputs = {"user": "ann", **SECRETS}
    with submission(captured.telemetry, "login", None, document=document, inputs=inputs) as listener:
        assert listener is not None
        for event in [
            ev.RunStarted("login", {}, at=1.0),
            ev.Warning(f"the server said {SECRETS['pin']} and {SECRETS['apiToken']}", at=1.5),
            ev.RunFinished("login", "succeeded", {}, None, 1, 1000.0, at=2.0),
        ]:
            listener(event)
    text = everything(captured)
    assert "the server said" in text
    for secret in SECRETS.values():
        assert secret not in text, secret
