"""Issue 17 in the core itself (plain data, no sockets): an unreadable body fails the step that
reads it, warnings are masked, and credentials learned from sent requests mask what is reported,
without ever entering a snapshot."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from arazzo_runner import load
from arazzo_runner.engine import Execution
from arazzo_runner.engine.events import StepFinished, Warning
from arazzo_runner.engine.needs import Done, Exchange, Response, SentRequest

DATA = Path(__file__).resolve().parent.parent / "data" / "engine"
START = 1_750_000_000.0
TOKEN = "s3cr3t-token-from-the-environment"


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("hostile")
    shutil.copy(DATA / "api.openapi.yaml", folder)
    (folder / "flow.arazzo.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: ./api.openapi.yaml, type: openapi}]\n"
        "workflows:\n"
        "- workflowId: readsBody\n  steps:\n  - stepId: call\n    operationId: flaky\n"
        "    outputs: {status: $response.body#/status}\n"
        "- workflowId: ignoresBody\n  steps:\n  - stepId: call\n    operationId: flaky\n"
        "    outputs: {code: $statusCode}\n"
    )
    return load(folder / "flow.arazzo.yaml")


def not_json(*warnings: str) -> Exchange:
    return Exchange(
        SentRequest("GET", f"http://127.0.0.1:1/flaky?api_key={TOKEN}x", (("authorization", f"Bearer {TOKEN}"),)),
        Response(
            502,
            (("content-type", "application/json"),),
            f"<html>bad gateway, you sent {TOKEN}</html>",
            problem="invalid JSON: Expecting value: line 1 column 1 (char 0)",
            warnings=warnings,
        ),
        received_at=START,
    )


def run(doc, workflow_id: str, exchange: Exchange) -> tuple[Done, list]:
    ex = Execution(doc, workflow_id)
    ex.next(START)
    events = ex.drain()
    ex.feed(exchange, START + 1)
    done = ex.next(START + 1)
    assert isinstance(done, Done)
    return done, events + ex.drain()


def test_a_step_reading_an_unreadable_body_fails_naming_status_and_content_type(doc) -> None:
    done, _ = run(doc, "readsBody", not_json())
    step = done.result.steps[0]
    assert step.status == "failed"
    assert step.reason.startswith(
        "the response body (HTTP 502, application/json) cannot be read: invalid JSON: Expecting value"
    )


def test_a_step_not_reading_it_runs_on_with_masked_warnings(doc) -> None:
    done, events = run(doc, "ignoresBody", not_json(f"charset 'x-{TOKEN}' is unknown; read as UTF-8"))
    warnings = [e.message for e in events if isinstance(e, Warning)]
    assert any("cannot be read" in w and w.endswith("; kept as text") for w in warnings), warnings
    assert any("is unknown; read as UTF-8" in w for w in warnings), warnings
    assert not any(TOKEN in w for w in warnings)  # learned from the request's Authorization header
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert finished[0].status == "failed"  # a 502 without criteria is not a success
    assert TOKEN not in json.dumps(done.result.to_dict(masked=True), default=str)


def test_learned_credentials_stay_out_of_snapshots_and_are_learned_again_after_a_restore(doc) -> None:
    ex = Execution(doc, "ignoresBody")
    ex.next(START)
    ex.drain()
    snapshot = ex.snapshot()  # the request is handed out, not answered
    ex.feed(not_json(), START + 1)
    assert TOKEN in ex.masker.values
    ex.drain()
    assert TOKEN not in json.dumps(ex.snapshot()["state"]["inputs"])  # masking data is not run state
    restored = Execution.restore(doc, snapshot)
    assert TOKEN not in restored.masker.values and TOKEN not in json.dumps(snapshot)
    restored.next(START + 2)  # the request in doubt, handed out again; signed and fed again
    restored.feed(not_json(), START + 3)
    assert TOKEN in restored.masker.values
    assert not any(TOKEN in getattr(e, "message", "") for e in restored.drain())
