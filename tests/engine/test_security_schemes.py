"""OpenAPI security schemes applied by runs: credentials from the environment, or a clear note."""

from __future__ import annotations

import json

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "secured", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}},
    "security": [{"key": []}],
    "paths": {"/things": {"get": {"operationId": "listThings", "responses": {"200": {"description": "ok"}}}}},
}
ARAZZO = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  steps:
  - {stepId: list, operationId: listThings, successCriteria: [{condition: $statusCode == 200}]}
"""


@pytest.fixture
def doc(tmp_path):
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    return arazzo_runner.load(tmp_path / "doc.arazzo.yaml")


def test_api_key_from_the_environment(doc, server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ARAZZO_API_KEY_API_KEY", "k-123456789")
    server.reset({("GET", "/things"): [(200, [])]})
    events = []
    result = doc.run(
        "w",
        {},
        servers={"api": server.url},
        options=RunOptions(pacing=PollPacing(interval=0)),
        on_event=events.append,
    )
    assert result.succeeded, result.error
    assert server.requests[0].headers["X-Api-Key"] == "k-123456789"
    assert "k-123456789" not in json.dumps([e.to_dict() for e in events], default=str)


def test_missing_credentials_are_named_when_the_server_refuses(
    doc, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ARAZZO_API_KEY_API_KEY", "ARAZZO_KEY_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    server.reset({("GET", "/things"): [(401, {"message": "no key"})]})
    result = doc.run("w", {}, servers={"api": server.url}, options=RunOptions(pacing=PollPacing(interval=0)))
    assert result.status == "failed"
    assert "X-Api-Key" not in server.requests[0].headers
    assert "ARAZZO_KEY_API_KEY" in result.error.message


def test_redocly_x_security_on_a_step(tmp_path, server) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "x.arazzo.yaml").write_text(
        ARAZZO.replace(
            "  - {stepId: list, operationId: listThings, successCriteria: [{condition: $statusCode == 200}]}",
            """  inputs: {type: object, properties: {apiKey: {type: string}}}
  steps:
  - stepId: list
    operationId: listThings
    successCriteria: [{condition: $statusCode == 200}]
    x-security:
    - schemeName: key
      values: {apiKey: $inputs.apiKey}""",
        ).replace("  steps:\n  inputs:", "  inputs:")
    )
    doc = arazzo_runner.load(tmp_path / "x.arazzo.yaml")
    server.reset({("GET", "/things"): [(200, [])]})
    result = doc.run(
        "w",
        {"apiKey": "from-x-security"},
        servers={"api": server.url},
        options=RunOptions(pacing=PollPacing(interval=0)),
    )
    assert result.succeeded, result.error
    assert server.requests[0].headers["X-Api-Key"] == "from-x-security"


def test_api_keys_under_custom_names_never_reach_events(
    tmp_path, server, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = json.loads(json.dumps(OPENAPI))
    spec["components"]["securitySchemes"] = {
        "q": {"type": "apiKey", "in": "query", "name": "key"},
        "h": {"type": "apiKey", "in": "header", "name": "X-Secret"},
    }
    spec["security"] = [{"q": [], "h": []}]
    (tmp_path / "api.json").write_text(json.dumps(spec))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    doc = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
    monkeypatch.setenv("ARAZZO_API_Q_API_KEY", "SUPERSECRETQ")
    monkeypatch.setenv("ARAZZO_API_H_API_KEY", "SUPERSECRETH")
    server.reset({("GET", "/things"): [(200, [])]})
    events = []
    result = doc.run(
        "w",
        {},
        servers={"api": server.url},
        options=RunOptions(pacing=PollPacing(interval=0)),
        on_event=events.append,
    )
    assert result.succeeded, result.error
    assert server.requests[0].path == "/things?key=SUPERSECRETQ"  # sent for real...
    assert server.requests[0].headers["X-Secret"] == "SUPERSECRETH"
    text = json.dumps([e.to_dict() for e in events], default=str)
    assert "SUPERSECRET" not in text  # ...never shown
