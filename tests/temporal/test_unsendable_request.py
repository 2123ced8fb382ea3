"""A request no worker can complete fails its step (as a lost connection does locally), not the run's machinery."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import Worker

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal import SEND_ACTIVITY
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import new_request, submit
from arazzo_runner.temporal.workflow import ArazzoRun
from tests.conftest import DATA


@activity.defn(name=SEND_ACTIVITY)
async def broken_send(task: dict) -> dict:
    raise ApplicationError("this worker cannot reach the API", non_retryable=True)


def test_activity_failure_fails_the_step_with_the_reason(temporal_server, task_queue) -> None:
    document = arazzo_runner.load(DATA / "engine" / "control.arazzo.yaml")

    async def go() -> dict:
        client = await connect(TemporalTarget(temporal_server.address))
        async with Worker(client, task_queue=task_queue, workflows=[ArazzoRun], activities=[broken_send]):
            request = new_request(
                document,
                "failureEnd",
                {},
                options=RunOptions(pacing=PollPacing(interval=0)),
                servers={"api": "http://127.0.0.1:9"},
            )
            handle = await submit(client, request, task_queue=task_queue)
            return await asyncio.wait_for(handle.result(), 60)

    result = asyncio.run(go())
    assert result["status"] == "failed"
    assert result["error"]["type"] == "failure_end"  # the step's onFailure 'end' decided, as locally
    call = result["steps"][0]
    assert call["stepId"] == "call" and call["status"] == "failed"
    assert "not completed by any worker: this worker cannot reach the API" in call["reason"]
