"""The ``arazzo.receive`` activity on its own (temporalio's ActivityEnvironment, a scripted transport).

What the dev-server tests cannot pin down: a long wait is cut into rounds no longer than
``round_seconds`` with a heartbeat between them, it ends at the workflow's ``until`` whichever
attempt runs it, the matched message is held (not consumed) and only ``arazzo.acknowledge``
deletes it, and a cancellation reaches a receive that is waiting. The clock is injected.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from temporalio.testing import ActivityEnvironment

from arazzo_runner.engine.needs import Receive
from arazzo_runner.messaging import Message
from arazzo_runner.temporal.message_activities import MessageActivities

START = 1_000_000.0
NEED = Receive("w", "waitForStateChange", "sqs", "", "events", "job-1", (), 900.0)


class ScriptedTransport:
    """Answers each receive with the next scripted message (None: the round waited all its time)."""

    def __init__(self, clock: list[float], script: list[Message | None]) -> None:
        self.clock = clock
        self.script = list(script)
        self.calls: list[float] = []  # each round's timeout
        self.acknowledged: list[str] = []
        self.waiting = threading.Event()
        self.release = threading.Event()
        self.block = False

    def receive(self, address: str, accept: Any, timeout: float, clock: Any):
        self.calls.append(timeout)
        if self.block:
            self.waiting.set()
            self.release.wait(10)
            return None
        while self.script:
            message = self.script.pop(0)
            if message is None:
                break
            if accept(message):
                return replace(message, ack_token=f"receipt-{message.message_id}")  # held
        self.clock[0] += timeout
        return None

    def ack(self, token: Any) -> None:
        self.acknowledged.append(token)


class Environment:
    def __init__(self, transport: ScriptedTransport) -> None:
        self.messaging = self
        self.transport = transport

    def get(self, protocol: str, host: str = "", bindings: Any = None) -> ScriptedTransport:
        return self.transport


def _message(job: str, message_id: str) -> Message:
    return Message(headers={"correlationId": job}, payload={"job": job}, message_id=message_id)


def _setup(script: list[Message | None]):
    clock = [START]
    transport = ScriptedTransport(clock, script)
    activities = MessageActivities(
        lambda servers: Environment(transport), round_seconds=20, clock=lambda: clock[0]
    )
    env = ActivityEnvironment()
    env.info = replace(env.info, heartbeat_timeout=timedelta(seconds=30))
    heartbeats: list[Any] = []
    env.on_heartbeat = lambda *details: heartbeats.append(details)
    return clock, transport, activities, env, heartbeats


def _task(until: float, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "servers": {},
        "need": NEED.to_json(),
        "until": until,
        "startedAt": START,
        "skip": list(skip),
    }


def test_a_long_wait_is_rounds_with_a_heartbeat_between_and_ends_at_until() -> None:
    _clock, transport, activities, env, heartbeats = _setup([])
    answer = asyncio.run(env.run(activities.receive, _task(START + 50)))
    assert transport.calls == [20, 20, 10]
    assert [d for d in heartbeats if d] == [({"rounds": 0},), ({"rounds": 1},), ({"rounds": 2},)]
    assert answer["delivery"]["message"] is None and answer["receipt"] is None
    assert answer["delivery"]["durationMs"] == 50_000  # the whole wait, as the step saw it
    activities.close()


def test_no_round_is_longer_than_the_heartbeat_timeout() -> None:
    """What a dead worker's last long poll hid is visible again when another worker takes over."""
    _, transport, activities, env, _ = _setup([])
    env.info = replace(env.info, heartbeat_timeout=timedelta(seconds=8))
    asyncio.run(env.run(activities.receive, _task(START + 20)))
    assert transport.calls == [8, 8, 4]
    activities.close()


def test_a_retried_attempt_waits_only_until_the_same_until() -> None:
    clock, transport, activities, env, _ = _setup([])
    clock[0] = START + 45  # a first attempt's worker died after 45 s of the 50
    asyncio.run(env.run(activities.receive, _task(START + 50)))
    assert transport.calls == [5]
    activities.close()


def test_the_matched_message_is_held_and_deleted_only_by_acknowledge() -> None:
    _clock, transport, activities, env, _ = _setup([None, _message("job-9", "m-9"), _message("job-1", "m-1")])
    answer = asyncio.run(env.run(activities.receive, _task(START + 900)))
    delivery = answer["delivery"]
    assert delivery["message"] == {
        "headers": {"correlationId": "job-1"},
        "payload": {"job": "job-1"},
        "messageId": "m-1",
    }
    assert answer["receipt"] == "receipt-m-1"
    assert transport.calls[-1] == 20
    assert transport.acknowledged == []
    task = {"servers": {}, "need": NEED.to_json(), "receipt": answer["receipt"]}
    asyncio.run(ActivityEnvironment().run(activities.acknowledge, task))
    assert transport.acknowledged == ["receipt-m-1"]
    assert (activities.received, activities.acknowledged) == (1, 1)
    activities.close()


def test_a_message_the_run_recorded_is_acknowledged_again_not_delivered_twice() -> None:
    _clock, transport, activities, env, _ = _setup([_message("job-1", "m-1"), _message("job-1", "m-2")])
    answer = asyncio.run(env.run(activities.receive, _task(START + 900, skip=("m-1",))))
    assert transport.acknowledged == ["receipt-m-1"]  # the lost acknowledgement, done now
    assert answer["delivery"]["messageId"] == "m-2" and answer["receipt"] == "receipt-m-2"
    activities.close()


def test_a_waiting_receive_is_cancelled() -> None:
    _clock, transport, activities, env, _ = _setup([])
    transport.block = True

    async def scenario() -> None:
        running = asyncio.create_task(env.run(activities.receive, _task(START + 900)))
        await asyncio.get_running_loop().run_in_executor(None, transport.waiting.wait, 10)
        env.cancel()
        with pytest.raises(asyncio.CancelledError):
            await running

    try:
        asyncio.run(scenario())
    finally:
        transport.release.set()
        activities.close()
