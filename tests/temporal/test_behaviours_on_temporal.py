"""Failing steps, retries with retryAfter and end actions decide on Temporal as they do locally."""

from __future__ import annotations

import asyncio
import itertools
import json

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.engine.warnings_log import WarningLog
from tests.conftest import DATA
from tests.engine.scripted_server import ScriptedServer
from tests.temporal.conftest import comparable, run_on_temporal

FAST = RunOptions(pacing=PollPacing(interval=0))


@pytest.fixture(scope="module")
def control():
    return arazzo_runner.load(DATA / "engine" / "control.arazzo.yaml")


@pytest.fixture(scope="module")
def behaviours():
    return arazzo_runner.load(DATA / "temporal" / "behaviours.arazzo.yaml")


@pytest.fixture
def server():
    server = ScriptedServer()
    yield server
    server.close()


def both_ways(temporal_server, task_queue, server, document, workflow_id, script, **request_options):
    """(local result, Temporal result, Temporal events, request paths of each, the Temporal run's handle);
    ``request_options``: more of ``new_request``'s for the Temporal run (``local_wait``)."""
    server.reset(script)
    warnings = WarningLog(None)  # a Temporal run's result lists its warnings, as `run --output json` does
    local = document.run(
        workflow_id, None, servers={"api": server.url}, options=FAST, sleep=lambda s: None, on_event=warnings
    )
    local_paths = [r.path for r in server.requests]
    server.reset(script)
    remote, events, handle = asyncio.run(
        run_on_temporal(
            temporal_server.address,
            task_queue,
            document,
            workflow_id,
            {},
            servers={"api": server.url},
            options=FAST,
            **request_options,
        )
    )
    return (
        {**local.to_dict(masked=True), "warnings": warnings.entries()},
        remote,
        events,
        (local_paths, [r.path for r in server.requests]),
        handle,
    )


def test_a_failing_step_fails_the_run_the_same_way(temporal_server, task_queue, server, control) -> None:
    local, remote, _, (local_paths, paths), _ = both_ways(
        temporal_server, task_queue, server, control, "failureEnd", {("GET", "/flaky"): [(500, {})]}
    )
    assert remote["status"] == "failed"
    assert remote["error"]["type"] == "failure_end"
    assert comparable(remote) == comparable(local)
    assert paths == local_paths == ["/flaky"]


@pytest.mark.parametrize("local_wait", [0.1, 1.0], ids=["longer-than-local-wait", "within-local-wait"])
def test_retry_after_waits_and_decides_the_same(
    temporal_server, task_queue, server, behaviours, local_wait
) -> None:
    """A retryAfter wait (0.2 s) before a safe read (GET): longer than the run's local wait, a durable
    timer; within it, taken inside the local read that follows (no timer: the reads' markers are
    0.2 s apart). The run decides the same either way."""
    script = {("GET", "/flaky"): [(503, {}), (503, {}), (200, {"ok": True})]}
    local, remote, events, (local_paths, paths), handle = both_ways(
        temporal_server, task_queue, server, behaviours, "retryShortly", script, local_wait=local_wait
    )
    assert remote["status"] == "succeeded"
    assert [s["attempt"] for s in remote["steps"]] == [1, 2, 3]
    assert comparable(remote) == comparable(local)
    assert paths == local_paths == ["/flaky"] * 3
    sleeps = [e for e in events if e.kind == "sleeping"]
    assert [e.seconds for e in sleeps] == [0.2, 0.2]

    async def history() -> list:
        return list((await handle.fetch_history()).events)

    found = asyncio.run(history())
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for e in found
        if e.HasField("timer_started_event_attributes")
    ]
    reads = [json.loads(e.marker_recorded_event_attributes.details["data"].payloads[0].data) for e in found
             if e.HasField("marker_recorded_event_attributes")]  # fmt: skip
    assert len(reads) == 3  # each GET a local read
    if local_wait < 0.2:
        assert timers == [0.2, 0.2]  # each wait is a durable timer in the run's history
    else:
        assert timers == []
        done = [r["complete_time"]["seconds"] + r["complete_time"]["nanos"] / 1e9 for r in reads]
        assert all(b - a >= 0.2 for a, b in itertools.pairwise(done)), done


def test_end_stops_the_workflow_the_same_way(temporal_server, task_queue, server, control) -> None:
    script = {("GET", "/flaky"): [(401, {}), (200, {})], ("POST", "/token"): [(200, {"token": "t"})]}
    local, remote, _, (local_paths, paths), _ = both_ways(
        temporal_server, task_queue, server, control, "retryRunsNamedStepFirst", script
    )
    assert remote["status"] == "succeeded"
    assert [s["stepId"] for s in remote["steps"]] == ["call", "refresh", "call"]
    assert comparable(remote) == comparable(local)
    assert paths == local_paths == ["/flaky", "/token", "/flaky"]
