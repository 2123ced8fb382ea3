"""The event flagship on Temporal: the receive is a durable, heartbeating activity; workers may die.

``workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml`` runs unmodified on a real dev
server, against the SageMaker emulator (SigV4 verified) whose state changes go to moto's EventBridge
(signature checking on), a rule routing them to an SQS queue that the ``arazzo.receive`` activity
long-polls (``AWS_ENDPOINT_URL_SQS`` pointing at moto, in the worker as a user would set it).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator

import pytest
from temporalio.api.enums.v1 import PendingActivityState

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.aws.training_events import EventBridgePublisher, EventPump, route_to_queue
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import new_request, submit
from tests.conftest import ROOT
from tests.moto_servers import admin_access_key, moto_server
from tests.temporal.conftest import PROMPT, THROWAWAY, run_on_temporal
from tests.temporal.test_worker_failover import STICKY, identities, wait_until
from tests.temporal.worker_process import WorkerProcess

WORKFLOW = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml"
INPUTS = json.loads(
    (ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.inputs.json").read_text()
)
MOTO_PROCESS = ROOT / "tests" / "integration" / "http" / "moto_process.py"


@pytest.fixture(scope="module")
def moto() -> Iterator[tuple[str, str, str]]:
    with moto_server(MOTO_PROCESS, "3") as url:
        yield (url, *admin_access_key(url, "temporal-events"))


class Stack:
    """A fresh queue with its EventBridge rule, and clients on moto as the test's own user."""

    def __init__(self, url: str, key: str, secret: str) -> None:
        import botocore.session

        session = botocore.session.Session()
        session.set_credentials(key, secret)
        self.events = session.create_client("events", region_name="us-east-1", endpoint_url=url)
        self.sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=url)
        self.queue = f"training-events-{uuid.uuid4().hex[:8]}"
        self.queue_url = route_to_queue(self.events, self.sqs, self.queue, rule=f"rule-{self.queue}")
        self.publisher = EventBridgePublisher(self.events)
        self.credentials = {key: secret}

    def left_on_queue(self) -> list[str]:
        """The job names of the events still on the queue (visible now)."""
        names: list[str] = []
        while batch := self.sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages"
        ):
            names += [json.loads(m["Body"])["detail"]["TrainingJobName"] for m in batch]
        return names


@pytest.fixture
def stack(moto, monkeypatch) -> Stack:
    url, key, secret = moto
    # The worker's own credentials and endpoint, as a user sets them for `arazzo worker`.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", url)
    return Stack(url, key, secret)


def _inputs(stack: Stack, name: str) -> dict:
    return {**INPUTS, "trainingJobName": name, "eventQueue": stack.queue}


def _expected(name: str, status: str = "Completed") -> dict:
    return {
        "trainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "trainingJobStatus": status,
        "modelArtifacts": f"s3://amzn-s3-demo-bucket/xgboost/output/{name}/output/model.tar.gz"
        if status == "Completed"
        else None,
        "describedTrainingJobStatus": None,
    }


def test_event_flagship_on_temporal_exact_outputs_zero_describes(temporal_server, task_queue, stack) -> None:
    emulator = SageMakerEmulator(
        credentials=stack.credentials, in_progress=3, advance="time", seconds_per_phase=0.05
    )
    name = f"evt-{uuid.uuid4().hex[:6]}"
    document = arazzo_runner.load(WORKFLOW)
    with EmulatorServer(emulator) as server, EventPump(emulator, stack.publisher, interval=0.02) as pump:
        # Another job's events share the queue: the run must leave them there.
        emulator.jobs.create_training_job({"TrainingJobName": "someone-elses-job", "OutputDataConfig": {}})
        result, events, _ = asyncio.run(
            run_on_temporal(
                temporal_server.address,
                task_queue,
                document,
                None,
                _inputs(stack, name),
                servers={"sagemakerApi": server.url},
            )
        )
    assert not pump.errors
    assert result["status"] == "succeeded", result["error"]
    assert result["outputs"] == _expected(name)
    assert emulator.count("CreateTrainingJob") == 1
    assert emulator.count("DescribeTrainingJob") == 0
    received = [e for e in events if e.kind == "message_received"]
    waits = [s for s in result["steps"] if s["stepId"] == "waitForStateChange"]
    assert len(received) == len(waits) >= 2
    assert len({e.message_id for e in received}) == len(received)  # each event delivered once
    assert waits[-1]["outputs"]["trainingJobStatus"] == "Completed"
    assert all(w["status"] == "succeeded" for w in waits)
    others = stack.left_on_queue()
    assert others and set(others) == {"someone-elses-job"}  # ours consumed, theirs left


async def _progress(address: str, run_id: str) -> tuple[int, str | None, str | None]:
    """(messages the run has received, the worker running its pending receive, that receive's state)."""
    client = await connect(TemporalTarget(address))
    handle = client.get_workflow_handle(run_id)
    events = (await handle.query("events"))["events"]
    received = sum(1 for e in events if e["kind"] == "message_received")
    description = await handle.describe()
    for pending in description.raw_description.pending_activities:
        if pending.activity_type.name == "arazzo.receive":
            return received, pending.last_worker_identity, PendingActivityState.Name(pending.state)
    return received, None, None


def test_sigkilled_worker_mid_receive_another_takes_over_event_consumed_once(
    temporal_server, task_queue, stack
) -> None:
    clock = [1000.0]  # the emulator's: the test decides when the job changes state
    emulator = SageMakerEmulator(
        credentials=stack.credentials,
        in_progress=2,
        advance="time",
        seconds_per_phase=10,
        clock=lambda: clock[0],
    )
    pump = EventPump(emulator, stack.publisher)  # not started: the test publishes with pump.pump()
    name = f"evt-failover-{uuid.uuid4().hex[:6]}"
    document = arazzo_runner.load(WORKFLOW)
    with EmulatorServer(emulator) as server:
        first = WorkerProcess(temporal_server.address, task_queue, *STICKY).wait_ready()
        second = None
        try:

            async def start() -> str:
                client = await connect(TemporalTarget(temporal_server.address))
                request = new_request(
                    document,
                    None,
                    _inputs(stack, name),
                    servers={"sagemakerApi": server.url},
                    heartbeat_timeout=2,  # a dead worker's receive goes to another after 2 s
                )
                return (await submit(client, request, task_queue=task_queue)).id

            run_id = asyncio.run(start())
            wait_until(lambda: emulator.count("CreateTrainingJob") == 1)
            pump.pump()  # the job's first state change: the first receive takes it...
            progress = lambda: asyncio.run(_progress(temporal_server.address, run_id))  # noqa: E731
            # ...and the run waits for the next one, in a receive running on the first worker.
            wait_until(lambda: progress() == (1, first.identity, "PENDING_ACTIVITY_STATE_STARTED"))
            first.kill()
            second = WorkerProcess(temporal_server.address, task_queue).wait_ready()
            # The receive is retried on the second worker once the first's heartbeat is missed.
            wait_until(lambda: progress() == (1, second.identity, "PENDING_ACTIVITY_STATE_STARTED"))
            # The job moves on one state at a time; each change is published once the run has
            # received the one before (SQS does not keep order). The dead worker's last long poll
            # (a round no longer than the heartbeat timeout) has most likely ended by then; were it
            # still open, it would take the first of them: hidden for the hold (30 s), not lost.
            published = stack.publisher.published
            while True:
                clock[0] += 10
                pump.pump()
                if stack.publisher.published == published:
                    break  # the job is terminal: nothing changed
                published = stack.publisher.published
                wait_until(lambda: progress()[0] == published, timeout=90)  # noqa: B023
            assert published >= 3

            async def result() -> dict:
                client = await connect(TemporalTarget(temporal_server.address))
                return await asyncio.wait_for(client.get_workflow_handle(run_id).result(), 90)

            outcome = asyncio.run(result())
            assert outcome["status"] == "succeeded", outcome["error"]
            assert outcome["outputs"] == _expected(name)
            assert emulator.count("CreateTrainingJob") == 1
            assert emulator.count("DescribeTrainingJob") == 0
            waits = [s for s in outcome["steps"] if s["stepId"] == "waitForStateChange"]
            # Every state change received exactly once, in order, and none left on the queue.
            assert len(waits) == published and all(w["status"] == "succeeded" for w in waits)
            assert waits[-1]["outputs"]["trainingJobStatus"] == "Completed"
            assert stack.left_on_queue() == []
            who = asyncio.run(identities(temporal_server.address, run_id))
            assert who[0] == first.identity and who[-1] == second.identity
        finally:
            first.close()
            if second is not None:
                second.close()


def test_a_long_event_run_continues_as_new_and_receives_every_event_once(stack) -> None:
    from arazzo_runner.temporal.devserver import DevServer

    emulator = SageMakerEmulator(
        credentials=stack.credentials, in_progress=4, advance="time", seconds_per_phase=0.1
    )
    name = f"evt-long-{uuid.uuid4().hex[:6]}"
    # Temporal suggests continue-as-new past 25 history events (a received event costs ~12).
    with (
        DevServer(
            dynamic_config=("limit.historyCount.suggestContinueAsNew=25", *PROMPT), pragmas=THROWAWAY
        ) as temporal,
        EmulatorServer(emulator) as server,
        EventPump(emulator, stack.publisher, interval=0.02),
    ):
        result, _, handle = asyncio.run(
            run_on_temporal(
                temporal.address,
                f"test-{uuid.uuid4().hex[:8]}",
                arazzo_runner.load(WORKFLOW),
                None,
                _inputs(stack, name),
                servers={"sagemakerApi": server.url},
            )
        )

        async def executions() -> int:
            client = await connect(TemporalTarget(temporal.address))
            return len([w async for w in client.list_workflows(f"WorkflowId = '{handle.id}'")])

        assert asyncio.run(executions()) >= 2  # it did continue as new
    assert result["status"] == "succeeded", result["error"]
    assert result["outputs"] == _expected(name)
    assert emulator.count("CreateTrainingJob") == 1 and emulator.count("DescribeTrainingJob") == 0
    waits = [s for s in result["steps"] if s["stepId"] == "waitForStateChange"]
    assert len(waits) == stack.publisher.published  # every state change once, across executions
    assert stack.left_on_queue() == []
