"""Issue 16 point 11: work a poll loop or many async runs share is done once, or off the event loop."""

from __future__ import annotations

import asyncio
import json
import threading

import pytest

import arazzo_runner
from arazzo_runner.drivers import environment as environment_module
from arazzo_runner.engine import PollPacing, RunOptions

OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "secured", "version": "1"},
    "components": {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}},
    "paths": {"/job": {"get": {"operationId": "getJob", "responses": {"200": {"description": "ok"}}}}},
}
ARAZZO = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: api.json}]
workflows:
- workflowId: w
  inputs: {type: object, properties: {apiKey: {type: string}}}
  steps:
  - stepId: poll
    operationId: getJob
    x-security:
    - schemeName: key
      values: {apiKey: $inputs.apiKey}
    onSuccess:
    - {name: again, type: goto, stepId: poll, criteria: [{condition: $response.body#/done == false}]}
"""


def test_x_security_endpoint_built_once_per_step(tmp_path, server, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    doc = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
    built = []
    real = environment_module.endpoint_for

    def counting(*args, **kwargs):
        built.append(kwargs.get("x_security"))
        return real(*args, **kwargs)

    monkeypatch.setattr(environment_module, "endpoint_for", counting)
    server.reset({("GET", "/job"): [(200, {"done": False})] * 4 + [(200, {"done": True})]})
    result = doc.run(
        "w", {"apiKey": "k-1"}, servers={"api": server.url}, options=RunOptions(pacing=PollPacing(interval=0))
    )
    assert result.succeeded, result.error
    assert len(server.requests) == 5
    assert [r.headers["X-Api-Key"] for r in server.requests] == ["k-1"] * 5
    assert len(built) == 1


def test_async_runs_validate_off_the_event_loop(tmp_path, server, monkeypatch: pytest.MonkeyPatch) -> None:
    from arazzo_runner.http import validation

    (tmp_path / "api.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "doc.arazzo.yaml").write_text(ARAZZO)
    doc = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
    threads = []
    real = validation.validate_exchange

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(validation, "validate_exchange", recording)
    server.reset({("GET", "/job"): [(200, {"done": True})]})
    options = RunOptions(pacing=PollPacing(interval=0), validate="warn")
    result = asyncio.run(doc.run_async("w", {"apiKey": "k"}, servers={"api": server.url}, options=options))
    assert result.succeeded, result.error
    assert threads and threading.main_thread() not in threads  # the loop runs on the main thread
    sync = doc.run("w", {"apiKey": "k"}, servers={"api": server.url}, options=options)
    assert sync.succeeded and threads[-1] is threading.main_thread()  # sync runs validate in place
