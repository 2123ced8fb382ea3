"""The unmodified flagship through the engine, real SigV4 and the local SageMaker emulator."""

from __future__ import annotations

import pytest

import arazzo_runner
from arazzo_runner.aws.emulator_faults import Fault
from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP, flagship_inputs

INPUTS = flagship_inputs()
FAST = RunOptions(pacing=PollPacing(interval=0))


@pytest.fixture(autouse=True)
def emulator_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def doc():
    return arazzo_runner.load(FLAGSHIP)


@pytest.fixture
def server():
    with EmulatorServer(SageMakerEmulator(in_progress=4, stopping=0)) as server:
        yield server


def run(doc, server, name: str, **kwargs):
    kwargs.setdefault("options", FAST)
    kwargs.setdefault("sleep", lambda seconds: None)
    return doc.run(None, {**INPUTS, "trainingJobName": name}, servers={"sagemakerApi": server.url}, **kwargs)


def test_completed_after_n_in_progress(doc, server) -> None:
    result = run(doc, server, "e2e-completed")
    assert result.status == "succeeded", result.error
    assert result.outputs == {
        "trainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/e2e-completed",
        "trainingJobStatus": "Completed",
        "modelArtifacts": "s3://amzn-s3-demo-bucket/xgboost/output/e2e-completed/output/model.tar.gz",
    }
    # Exactly one create and N+1 describes for a job InProgress N times.
    assert server.emulator.count("CreateTrainingJob") == 1
    assert server.emulator.count("DescribeTrainingJob") == 5


@pytest.mark.parametrize(
    ("suffix", "status"), [("fail", "Failed"), ("stop", "Stopped"), ("maxruntime", "Stopped")]
)
def test_other_terminal_statuses_end_the_loop(doc, server, suffix: str, status: str) -> None:
    result = run(doc, server, f"e2e--polls2-{suffix}")
    # The flagship ends on any status but InProgress: the run completes and reports the status.
    assert result.status == "succeeded", result.error
    assert result.outputs["trainingJobStatus"] == status
    assert server.emulator.count("DescribeTrainingJob") == 3
    poll = result.step("pollTrainingJob").last
    if status == "Failed":
        assert poll.outputs["failureReason"]


def test_throttled_describes_are_retried_by_the_transport(doc, server) -> None:
    server.emulator.add_fault(Fault(code="ThrottlingException", operation="DescribeTrainingJob", times=2))
    slept: list[float] = []
    events = []
    result = run(doc, server, "e2e-throttled", sleep=slept.append, on_event=events.append)
    assert result.status == "succeeded", result.error
    assert result.outputs["trainingJobStatus"] == "Completed"
    retries = [e for e in events if e.kind == "transport_retried"]
    assert [e.reason for e in retries] == ["ThrottlingException", "ThrottlingException"]
    assert len(slept) == 2  # botocore-style backoff, through the injected sleeper
    assert result.requests == 1 + 5 + 2
    assert result.transport_retries == 2


def test_500_after_create_then_resource_in_use_names_the_same_job(doc, server) -> None:
    # The emulator creates the job, then answers 500; the transport retries; the retry meets
    # ResourceInUse for the job this run just created.
    server.emulator.add_fault(
        Fault(code="InternalFailure", status=500, operation="CreateTrainingJob", when="after")
    )
    result = run(doc, server, "e2e-created-once")
    creates = [c for c in server.emulator.calls if c.operation == "CreateTrainingJob"]
    assert [(c.status, c.code) for c in creates] == [(500, "InternalFailure"), (400, "ResourceInUse")]
    assert result.status == "failed"
    message = result.error.message
    assert "ResourceInUse came from a transport retry" in message
    assert "the one this run created, not a second one" in message


def test_wrong_secret_is_rejected_with_a_plain_reason(doc, server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-right-secret")
    events = []
    result = run(doc, server, "e2e-badsig", on_event=events.append)
    assert result.status == "failed"
    codes = [e.error_code for e in events if e.kind == "response_received"]
    assert codes == ["SignatureDoesNotMatch"]
    assert [(c.operation, c.code) for c in server.emulator.calls] == [
        ("CreateTrainingJob", "SignatureDoesNotMatch")
    ]
    assert result.error.step_id == "createTrainingJob"


def test_strict_validation_passes_on_the_emulator(doc, server) -> None:
    events = []
    options = RunOptions(pacing=PollPacing(interval=0), validate="strict")
    result = run(doc, server, "e2e-validated", options=options, on_event=events.append)
    assert result.status == "succeeded", result.error
    assert [e.message for e in events if e.kind == "warning" and e.message.startswith("OpenAPI")] == []
