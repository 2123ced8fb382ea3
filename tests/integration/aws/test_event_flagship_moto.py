"""The event-driven flagship end to end: SageMaker emulator → moto's EventBridge → rule → SQS → receive.

``workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml`` runs unmodified against the
emulator (SigV4 verified) and moto's server (signature checking on), with ``AWS_ENDPOINT_URL_SQS``
pointing at moto. The emulator's jobs move on with time (phases of 50 ms) and every state change is
published to EventBridge; on the happy path the run makes no DescribeTrainingJob call. The fallback
(no event within the step's 15 minutes) runs with an injected clock, so nothing waits for real.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.aws.training_events import EventBridgePublisher, EventPump, route_to_queue
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.http import AwsEnvironment
from tests.moto_servers import admin_access_key, moto_server

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml"
INPUTS = json.loads(
    (ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.inputs.json").read_text()
)
MOTO_PROCESS = ROOT / "tests" / "integration" / "http" / "moto_process.py"


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[str, str, str]]:
    with moto_server(MOTO_PROCESS, "3") as url:
        yield (url, *admin_access_key(url, "events"))


def _session(key: str, secret: str):
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials(key, secret)
    return session


@pytest.fixture
def stack(moto, monkeypatch):
    """A fresh event queue with its EventBridge rule, an emulator trusting the moto user's key, a run environment."""
    url, key, secret = moto
    session = _session(key, secret)
    events = session.create_client("events", region_name="us-east-1", endpoint_url=url)
    sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=url)
    queue = f"training-events-{uuid.uuid4().hex[:8]}"
    queue_url = route_to_queue(events, sqs, queue, rule=f"rule-{queue}")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", url)
    emulator = SageMakerEmulator(
        credentials={key: secret}, in_progress=3, advance="time", seconds_per_phase=0.05
    )
    with EmulatorServer(emulator) as server:
        environment = RunEnvironment(
            servers={"sagemakerApi": server.url},
            aws=AwsEnvironment(session=session, region="us-east-1"),
        )
        yield emulator, EventBridgePublisher(events), environment, sqs, queue, queue_url


def _inputs(queue: str, name: str) -> dict:
    return {**INPUTS, "trainingJobName": name, "eventQueue": queue}


@pytest.mark.parametrize(
    ("directive", "status"), [("", "Completed"), ("--fail", "Failed"), ("--stop", "Stopped")]
)
def test_the_run_waits_for_its_events_with_zero_describes(stack, directive: str, status: str) -> None:
    emulator, publisher, environment, sqs, queue, queue_url = stack
    name = f"train-{uuid.uuid4().hex[:6]}{directive}"
    document = arazzo_runner.load(WORKFLOW)
    with EventPump(emulator, publisher, interval=0.02):
        # Another job's events share the queue: the run must leave them there.
        emulator.jobs.create_training_job({"TrainingJobName": "someone-elses-job", "OutputDataConfig": {}})
        result = document.run("train-and-wait-for-event", _inputs(queue, name), environment=environment)
    assert result.succeeded, result.error
    assert result.outputs["trainingJobStatus"] == status
    assert result.outputs["describedTrainingJobStatus"] is None
    assert emulator.count("CreateTrainingJob") == 1
    assert emulator.count("DescribeTrainingJob") == 0
    received = [s for s in result.steps if s.step_id == "waitForStateChange"]
    assert len(received) >= 2 and received[-1].outputs["trainingJobStatus"] == status
    others = []
    while batch := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages"):
        others += [json.loads(m["Body"])["detail"]["TrainingJobName"] for m in batch]
    assert others and set(others) == {"someone-elses-job"}


def test_no_event_in_time_falls_back_to_one_describe(stack) -> None:
    emulator, _, environment, sqs, queue, queue_url = stack  # no EventPump: no events at all
    name = f"train-{uuid.uuid4().hex[:6]}--polls0"  # the first describe shows Completed
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"detail": {"TrainingJobName": "other"}}))
    ticks = iter(range(0, 10**9, 500))  # each reading of the clock is 500 s later: 900 s pass at once
    document = arazzo_runner.load(WORKFLOW)
    result = document.run(
        "train-and-wait-for-event", _inputs(queue, name), environment=environment, clock=lambda: next(ticks)
    )
    assert result.succeeded, result.error
    waited = next(s for s in result.steps if s.step_id == "waitForStateChange")
    assert waited.status == "failed" and "within 900 s (timeout)" in (waited.reason or "")
    assert result.outputs["describedTrainingJobStatus"] == "Completed"
    assert emulator.count("DescribeTrainingJob") == 1
