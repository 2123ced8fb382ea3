"""A server's answer can never crash the run (issue 17, point 1): bodies too deep, not what they
claim, in an unknown charset, or holding NaN, against the unmodified flagship on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

import arazzo_runner
from arazzo_runner.body_parsing import MAX_DEPTH
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.engine.events import StepFinished, Warning
from tests.conftest import FLAGSHIP

from .test_flagship import CREATE, DESCRIBE, INPUTS

FAST = RunOptions(pacing=PollPacing(interval=0))
ARN = "arn:aws:sagemaker:us-east-1:1:training-job/job-1"
AMZ = "application/x-amz-json-1.1"


@pytest.fixture(scope="module")
def doc():
    return arazzo_runner.load(FLAGSHIP)


def run(doc, server, describe: tuple) -> tuple[arazzo_runner.RunResult, list]:
    server.reset({("POST", CREATE): [(200, {"TrainingJobArn": ARN})], ("POST", DESCRIBE): [describe]})
    events: list = []
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST, on_event=events.append)
    return result, events


def nested(depth: int) -> bytes:
    return b'{"TrainingJobStatus": "Completed", "x": ' + b"[" * depth + b"]" * depth + b"}"


def test_body_nested_2000_deep_fails_the_step_not_the_run(doc, server) -> None:
    result, _ = run(doc, server, (200, nested(2000), {"content-type": AMZ}))
    assert result.status == "failed"
    poll = result.step("pollTrainingJob")
    assert poll.status == "failed"
    assert f"nested deeper than {MAX_DEPTH} levels" in poll.last.reason
    # The job that was created is not lost: its ARN is in the result.
    assert result.step("createTrainingJob").outputs["trainingJobArn"] == ARN
    json.dumps(result.to_dict(), allow_nan=False)


def test_body_at_the_depth_limit_goes_through_every_consumer(doc, server) -> None:
    """Events (redacted), outputs and the JSON result all walk a body at the limit without trouble."""
    result, events = run(doc, server, (200, nested(MAX_DEPTH - 1), {"content-type": AMZ}))
    assert result.status == "succeeded", result.error
    assert any(type(e).__name__ == "ResponseReceived" for e in events)
    json.dumps(result.to_dict(), allow_nan=False)


def test_json_that_is_not_json_fails_the_step_that_reads_it(doc, server) -> None:
    result, _ = run(doc, server, (200, b"<html>gateway timeout</html>", {"content-type": AMZ}))
    assert result.status == "failed"
    reason = result.step("pollTrainingJob").last.reason
    assert "cannot be read: invalid JSON" in reason and AMZ in reason


def test_unknown_charset_is_read_as_utf8_with_a_warning(doc, server) -> None:
    body = json.dumps({"TrainingJobStatus": "Completed"}).encode()
    result, events = run(doc, server, (200, body, {"content-type": f"{AMZ}; charset=x-no-such-charset"}))
    assert result.status == "succeeded", result.error
    assert result.outputs["trainingJobStatus"] == "Completed"
    assert any(isinstance(e, Warning) and "x-no-such-charset" in e.message for e in events)


def test_nan_and_infinity_become_null_with_a_warning(doc, server) -> None:
    body = b'{"TrainingJobStatus": "Completed", "ModelArtifacts": {"S3ModelArtifacts": NaN}, "x": -Infinity}'
    result, events = run(doc, server, (200, body, {"content-type": AMZ}))
    assert result.status == "succeeded", result.error
    assert result.outputs["modelArtifacts"] is None
    assert any(isinstance(e, Warning) and "non-finite" in e.message for e in events)
    text = json.dumps(result.to_dict(), allow_nan=False)  # strict JSON: raises on NaN
    assert "NaN" not in text


def test_unreadable_body_of_a_step_that_does_not_read_it_is_a_warning(tmp_path, server) -> None:
    doc = arazzo_runner.load(_pets_document(tmp_path, outputs=False))
    server.reset({("GET", "/pets"): [(200, b"{not json", {"content-type": "application/json"})]})
    events: list = []
    result = doc.run(None, {}, servers={"pets": server.url}, on_event=events.append)
    assert result.status == "succeeded", result.error
    assert any(isinstance(e, Warning) and "invalid JSON" in e.message for e in events)
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert finished[-1].status == "succeeded"


def _pets_document(tmp_path, *, outputs: bool) -> str:
    (tmp_path / "pets.openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: pets, version: '1'}\nservers: [{url: 'http://127.0.0.1:9'}]\n"
        "paths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: {'200': {description: ok}}\n"
    )
    out = "      outputs: {first: $response.body#/0}\n" if outputs else ""
    (tmp_path / "flow.arazzo.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: pets, url: ./pets.openapi.yaml, type: openapi}]\n"
        "workflows:\n- workflowId: list\n  steps:\n    - stepId: list\n      operationId: listPets\n" + out
    )
    return str(tmp_path / "flow.arazzo.yaml")
