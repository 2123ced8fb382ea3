"""The sync and asyncio drivers run one plan (issue 27, point 4): the order of a run, the journal
rule included, is written once (``drivers.loops._run_plan``), and each driver only performs its
effects. So the same run, driven either way over a real server, makes the same journal calls
with the same events in the same order, sends the same requests and ends with the same result.
"""

from __future__ import annotations

import asyncio
from typing import Any

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment, run_async, run_sync
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.engine.core import Execution
from tests.conftest import FLAGSHIP

from .test_flagship import INPUTS, script

PACED = RunOptions(pacing=PollPacing(interval=5))


class CallLog:
    """A journal hook that writes nothing and lists what the driver asked of it, in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, list[str]]] = []

    def transition(self, execution: Execution, need: Any, events: list[Any]) -> Any:
        self.calls.append(("transition", type(need).__name__, [e.kind for e in events]))
        return need

    def observe(self, events: list[Any]) -> None:
        self.calls.append(("observe", "", [e.kind for e in events]))

    def deduplication_id(self, execution: Execution, need: Any) -> str:
        return "id"

    def delivered(self, execution: Execution, need: Any, delivery: Any) -> None:
        self.calls.append(("delivered", type(need).__name__, []))

    async def transition_async(self, execution: Execution, need: Any, events: list[Any]) -> Any:
        return self.transition(execution, need, events)

    async def delivered_async(self, execution: Execution, need: Any, delivery: Any) -> None:
        self.delivered(execution, need, delivery)


def _ticking() -> Any:
    """A clock that moves one second a reading: both drivers read it at the same points."""
    now = [1_700_000_000.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    return clock


def test_sync_and_async_drivers_make_the_same_calls_in_the_same_order(server) -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    environment = RunEnvironment(servers={"sagemakerApi": server.url})
    seen: dict[str, Any] = {}

    def sync() -> Any:
        execution, journal, events = Execution(doc, None, INPUTS, options=PACED), CallLog(), []
        result = run_sync(
            execution, environment=environment, on_event=events.append, sleep=lambda s: None,
            clock=_ticking(), journal=journal,
        )  # fmt: skip
        return result, journal.calls, [e.kind for e in events]

    async def on_loop() -> Any:
        execution, journal, events = Execution(doc, None, INPUTS, options=PACED), CallLog(), []

        async def sleep(seconds: float) -> None:
            return None

        result = await run_async(
            execution, environment=environment, on_event=events.append, sleep=sleep, clock=_ticking(),
            journal=journal,
        )  # fmt: skip
        return result, journal.calls, [e.kind for e in events]

    for name, drive in (("sync", sync), ("async", lambda: asyncio.run(on_loop()))):
        server.reset(script("Completed", in_progress=2))
        result, calls, events = drive()
        requests = [(r.method, r.path, r.headers.get("X-Amz-Target"), r.body) for r in server.requests]
        seen[name] = (result.status, result.outputs, result.requests, calls, events, requests)

    assert seen["sync"][0] == "succeeded"
    kinds = [call[1] for call in seen["sync"][3] if call[0] == "transition"]
    assert kinds == ["SendRequest", "SendRequest", "Sleep", "SendRequest", "Sleep", "SendRequest", "Done"]
    assert seen["async"] == seen["sync"]
