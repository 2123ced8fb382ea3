"""The flagship workflow, unmodified, through the real engine, SigV4 and a local server."""

from __future__ import annotations

import asyncio
import json

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP

CREATE = "SageMaker.CreateTrainingJob"
DESCRIBE = "SageMaker.DescribeTrainingJob"
INPUTS = {
    "trainingJobName": "job-1",
    "trainingImage": "123.dkr.ecr.us-east-1.amazonaws.com/xgb:1",
    "roleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
    "s3OutputPath": "s3://bucket/out",
    "instanceType": "ml.m5.large",
    "instanceCount": 1,
    "volumeSizeInGB": 10,
    "maxRuntimeInSeconds": 3600,
}
FAST = RunOptions(pacing=PollPacing(interval=0))


@pytest.fixture(scope="module")
def doc():
    return arazzo_runner.load(FLAGSHIP)


def describe(status: str | None, **extra: object) -> tuple[int, dict]:
    body: dict = {"TrainingJobName": "job-1", **extra}
    if status is not None:
        body["TrainingJobStatus"] = status
    return (200, body, {"content-type": "application/x-amz-json-1.1"})


def script(terminal: str | None, in_progress: int = 3, **extra: object) -> dict:
    return {
        ("POST", CREATE): [(200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/job-1"})],
        ("POST", DESCRIBE): [describe("InProgress", SecondaryStatus="Training")] * in_progress
        + [describe(terminal, SecondaryStatus=terminal or "", **extra)],
    }


@pytest.mark.parametrize("terminal", ["Completed", "Failed", "Stopped"])
def test_loop_ends_on_each_terminal_status(doc, server, terminal: str) -> None:
    artifacts = {"S3ModelArtifacts": "s3://bucket/out/job-1/output/model.tar.gz"}
    server.reset(script(terminal, in_progress=4, ModelArtifacts=artifacts))
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST)
    assert result.status == "succeeded", result.error
    assert result.outputs == {
        "trainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/job-1",
        "trainingJobStatus": terminal,
        "modelArtifacts": artifacts["S3ModelArtifacts"],
    }
    # Exactly one create and N+1 describes for a job InProgress N times.
    assert server.count(CREATE) == 1
    assert server.count(DESCRIBE) == 5
    assert result.step("pollTrainingJob").attempts == 5
    assert result.requests == 6


def test_body_without_status_ends_the_loop(doc, server) -> None:
    server.reset(script(None, in_progress=1))
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST)
    assert result.status == "succeeded"
    assert result.outputs["trainingJobStatus"] is None
    assert server.count(DESCRIBE) == 2


def test_request_is_signed_and_optional_inputs_left_out(doc, server) -> None:
    server.reset(script("Completed", in_progress=0))
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST)
    assert result.succeeded
    create = server.requests[0]
    assert create.headers["X-Amz-Target"] == CREATE
    assert create.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert create.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETESTKEY/")
    assert "/us-east-1/sagemaker/aws4_request" in create.headers["Authorization"]
    assert create.path == "/"
    # InputDataConfig was not given: it is left out, not sent as null (AWS rejects null members).
    assert "InputDataConfig" not in create.body
    assert create.body["AlgorithmSpecification"] == {
        "TrainingImage": INPUTS["trainingImage"],
        "TrainingInputMode": "File",
    }
    assert create.body["ResourceConfig"]["InstanceCount"] == 1  # a number stays a number


def test_poll_loop_is_paced_with_backoff(doc, server) -> None:
    server.reset(script("Completed", in_progress=4))
    slept: list[float] = []
    options = RunOptions(pacing=PollPacing(interval=2, backoff=2, max_interval=5, jitter=0))
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=options, sleep=slept.append)
    assert result.succeeded
    assert slept == [2, 4, 5, 5]


@pytest.mark.parametrize("transport", ["lean", "lean-h11", "httpx"])
def test_async_run(doc, server, monkeypatch: pytest.MonkeyPatch, transport: str) -> None:
    monkeypatch.setenv("ARAZZO_HTTP_TRANSPORT", transport)
    server.reset(script("Completed", in_progress=2))
    result = asyncio.run(doc.run_async(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST))
    assert result.status == "succeeded"
    assert result.outputs["trainingJobStatus"] == "Completed"
    assert server.count(DESCRIBE) == 3


def test_iter_run_yields_events_and_returns_the_result(doc, server) -> None:
    server.reset(script("Completed", in_progress=1))
    events = doc.iter_run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST)
    kinds = []
    while True:
        try:
            kinds.append(next(events).kind)
        except StopIteration as stop:
            result = stop.value
            break
    assert result.succeeded
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("request_built") == 3
    assert "criterion_evaluated" in kinds and "action_chosen" in kinds


def test_connection_refused_fails_the_run(doc) -> None:
    result = doc.run(
        None, INPUTS, servers={"sagemakerApi": "http://127.0.0.1:9"}, options=FAST, sleep=lambda s: None
    )
    assert result.status == "failed"
    assert result.error.step_id == "createTrainingJob"
    assert result.error.type == "step_failed"
    assert "connect" in result.error.message.lower()


def test_aws_error_fails_the_step_with_its_code(doc, server) -> None:
    server.reset(
        {
            ("POST", CREATE): [
                (
                    400,
                    {"__type": "ResourceInUse", "message": "Training job names must be unique"},
                    {"content-type": "application/x-amz-json-1.1"},
                )
            ]
        }
    )
    events = []
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST, on_event=events.append)
    assert result.status == "failed"
    assert "$statusCode == 200" in result.error.message
    received = [e for e in events if e.kind == "response_received"]
    assert received[0].error_code == "ResourceInUse"


def test_inputs_are_validated_before_any_request(doc, server) -> None:
    server.reset(script("Completed"))
    bad = {**INPUTS, "instanceCount": "two"}
    del bad["roleArn"]
    with pytest.raises(arazzo_runner.UsageError) as info:
        doc.run(None, bad, servers={"sagemakerApi": server.url}, options=FAST)
    assert "'roleArn' is required" in str(info.value)
    assert "instanceCount: 'two' is not of type 'integer'" in str(info.value)
    assert server.requests == []


def test_events_are_json_serialisable_and_hold_no_secret(doc, server) -> None:
    server.reset(script("Completed", in_progress=1))
    events = []
    doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST, on_event=events.append)
    text = json.dumps([e.to_dict() for e in events], default=str)
    assert "test/secret/key/never/printed" not in text
    assert "AWS4-HMAC-SHA256" not in text  # Authorization is redacted


def test_concurrent_runs_on_one_document_do_not_leak(doc, server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server.reset(script("Completed", in_progress=2))

    def one(i: int):
        return doc.run(
            None,
            {**INPUTS, "trainingJobName": f"job-{i}"},
            servers={"sagemakerApi": server.url},
            options=FAST,
        )

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(16)))
    assert all(r.succeeded for r in results)
    assert all(r.step("createTrainingJob").attempts == 1 for r in results)
    creates = sorted(
        r.body["TrainingJobName"] for r in server.requests if r.headers["X-Amz-Target"] == CREATE
    )
    assert creates == sorted(f"job-{i}" for i in range(16))


def test_secret_inputs_never_reach_errors_or_events(tmp_path, server) -> None:
    from tests.unit.document.helpers import write_doc

    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  inputs:
    type: object
    required: [apiToken]
    properties:
      apiToken: {type: string, minLength: 40}
      password: {type: string, format: password}
  steps:
  - stepId: s
    operationId: listPets
    parameters:
    - {name: limit, in: query, value: $inputs.password}
    - {name: X-Token, in: header, value: 'Bearer {$inputs.apiToken}'}
    outputs: {echo: $request.header.X-Token}
  outputs: {echo: $steps.s.outputs.echo}
""",
    )
    doc = arazzo_runner.load(path)
    with pytest.raises(arazzo_runner.UsageError) as info:
        doc.run("w", {"apiToken": "tok-SECRET-short"})
    assert "tok-SECRET-short" not in str(info.value)
    server.reset({("GET", "/pets"): [(200, [])]})
    events = []
    token = "tok-" + "S" * 40
    result = doc.run(
        "w",
        {"apiToken": token, "password": "hunter2-pass"},
        servers={"pets": server.url},
        on_event=events.append,
    )
    assert result.succeeded, result.error
    assert server.requests[0].headers["X-Token"] == f"Bearer {token}"  # sent for real...
    text = json.dumps([e.to_dict() for e in events], default=str)
    assert token not in text and "hunter2-pass" not in text  # ...but never reported
    assert "***" in text
    # The result keeps real values for the program that asked; its masked view is for printing.
    assert result.outputs["echo"] == f"Bearer {token}"
    assert token not in json.dumps(result.to_dict(masked=True))


def test_validation_reports_and_strict_fails(doc, server) -> None:
    bad = {
        ("POST", CREATE): [(200, {"TrainingJobArn": 12345}, {"content-type": "application/x-amz-json-1.1"})]
    }
    bad[("POST", DESCRIBE)] = [describe("Completed")]
    server.reset(bad)
    events = []
    options = RunOptions(pacing=PollPacing(interval=0), validate="warn")
    result = doc.run(
        None, INPUTS, servers={"sagemakerApi": server.url}, options=options, on_event=events.append
    )
    assert result.succeeded
    warnings = [e.message for e in events if e.kind == "warning" and e.message.startswith("OpenAPI")]
    assert any("TrainingJobArn" in w or "/TrainingJobArn" in w for w in warnings), warnings
    server.reset(bad)
    strict = RunOptions(pacing=PollPacing(interval=0), validate="strict")
    result = doc.run(None, INPUTS, servers={"sagemakerApi": server.url}, options=strict)
    assert result.status == "failed"
    assert "does not match the OpenAPI description" in result.error.message
