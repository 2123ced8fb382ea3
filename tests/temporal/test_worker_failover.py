"""Workers die and are replaced; runs go on with exactly the requests they need."""

from __future__ import annotations

import asyncio
import time

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import new_request, submit
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS
from tests.temporal.worker_process import WorkerProcess

#: Polls 1.5 s apart, no backoff or jitter: the worker is killed while the run waits on a timer.
PACED = RunOptions(pacing=PollPacing(interval=1.5, backoff=1.0, jitter=0.0))


def wait_until(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def identities(address: str, run_id: str) -> list[str]:
    """Who completed each workflow task and started each request, in history order."""
    client = await connect(TemporalTarget(address))
    history = await client.get_workflow_handle(run_id).fetch_history()
    found = []
    for event in history.events:
        if event.HasField("workflow_task_completed_event_attributes"):
            found.append(event.workflow_task_completed_event_attributes.identity)
        elif event.HasField("activity_task_started_event_attributes"):
            found.append(event.activity_task_started_event_attributes.identity)
    return found


def test_sigkilled_worker_mid_poll_another_finishes_with_one_create(temporal_server, task_queue) -> None:
    document = arazzo_runner.load(FLAGSHIP)
    with EmulatorServer(SageMakerEmulator(in_progress=3, stopping=0)) as emulator:
        first = WorkerProcess(temporal_server.address, task_queue).wait_ready()
        second = None
        try:

            async def start():
                client = await connect(TemporalTarget(temporal_server.address))
                request = new_request(
                    document,
                    None,
                    {**FLAGSHIP_INPUTS, "trainingJobName": "tmp-failover"},
                    options=PACED,
                    servers={"sagemakerApi": emulator.url},
                )
                return (await submit(client, request, task_queue=task_queue)).id

            run_id = asyncio.run(start())
            # The create is done and the first poll answered InProgress: the run now sleeps on a timer.
            wait_until(lambda: emulator.emulator.count("DescribeTrainingJob") >= 1)
            time.sleep(0.5)
            first.kill()
            assert emulator.emulator.count("DescribeTrainingJob") == 1
            second = WorkerProcess(temporal_server.address, task_queue).wait_ready()

            async def result():
                client = await connect(TemporalTarget(temporal_server.address))
                return await asyncio.wait_for(client.get_workflow_handle(run_id).result(), 90)

            outcome = asyncio.run(result())
            assert outcome["status"] == "succeeded", outcome["error"]
            assert outcome["outputs"] == {
                "trainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/tmp-failover",
                "trainingJobStatus": "Completed",
                "modelArtifacts": "s3://amzn-s3-demo-bucket/xgboost/output/tmp-failover/output/model.tar.gz",
            }
            assert emulator.emulator.count("CreateTrainingJob") == 1
            assert emulator.emulator.count("DescribeTrainingJob") == 4
            who = asyncio.run(identities(temporal_server.address, run_id))
            assert who[0] == first.identity  # the first worker started the run and sent the create...
            assert who[-1] == second.identity  # ...the second finished it
            assert second.stop() == 3  # the three polls after the kill, nothing else
        finally:
            first.close()
            if second is not None:
                second.close()


#: Polls 0.5 s apart: under the local-wait limit, so each wait is taken inside its local read.
FOLDED = RunOptions(pacing=PollPacing(interval=0.5, backoff=1.0, jitter=0.0))


def test_sigkilled_worker_mid_local_reads_loses_only_reads(temporal_server, task_queue) -> None:
    """Killed while its polls are local activities (their markers not yet written: the workflow task
    is still open), the worker loses those reads; the next worker sends them again — reads only:
    the create was a regular activity, recorded before the first poll, and is never sent twice."""
    document = arazzo_runner.load(FLAGSHIP)
    with EmulatorServer(SageMakerEmulator(in_progress=8, stopping=0)) as emulator:
        first = WorkerProcess(temporal_server.address, task_queue).wait_ready()
        second = None
        try:

            async def start():
                client = await connect(TemporalTarget(temporal_server.address))
                request = new_request(
                    document,
                    None,
                    {**FLAGSHIP_INPUTS, "trainingJobName": "tmp-failover-local"},
                    options=FOLDED,
                    servers={"sagemakerApi": emulator.url},
                )
                return (await submit(client, request, task_queue=task_queue)).id

            run_id = asyncio.run(start())
            wait_until(lambda: emulator.emulator.count("DescribeTrainingJob") >= 3)
            first.kill()
            lost = emulator.emulator.count("DescribeTrainingJob")
            second = WorkerProcess(temporal_server.address, task_queue).wait_ready()

            async def result():
                client = await connect(TemporalTarget(temporal_server.address))
                return await asyncio.wait_for(client.get_workflow_handle(run_id).result(), 120)

            outcome = asyncio.run(result())
            assert outcome["status"] == "succeeded", outcome["error"]
            assert outcome["outputs"]["trainingJobStatus"] == "Completed"
            assert emulator.emulator.count("CreateTrainingJob") == 1
            polls = [s for s in outcome["steps"] if s["stepId"] == "pollTrainingJob"]
            # the second worker sent every poll the result holds: the first one's were lost with it
            assert second.stop() == len(polls)
            assert emulator.emulator.count("DescribeTrainingJob") == lost + len(polls)
            who = asyncio.run(identities(temporal_server.address, run_id))
            assert who[0] == first.identity and who[-1] == second.identity
        finally:
            first.close()
            if second is not None:
                second.close()
