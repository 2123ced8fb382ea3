"""Determinism: recorded flagship histories (the poll flagship's and the event flagship's) replay
against today's workflow code — those recorded before polls became local reads (issue 31) too.

A change to the core or the workflow that would make a run in flight decide differently (other
commands, in another order) fails here, before it breaks runs on a cluster. Histories are in
``tests/data/temporal/histories`` (re-record with ``python -m tests.temporal.histories`` only
for an intended change).
"""

from __future__ import annotations

import asyncio
import base64
import json

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from arazzo_runner.temporal.connection import data_converter
from arazzo_runner.temporal.workflow import ArazzoRun
from tests.temporal.histories import FOLDER, load_history

HISTORIES = sorted(FOLDER.glob("*.json"))


def replay(text: str, name: str) -> None:
    history = WorkflowHistory.from_json(f"replay-{name}", text)
    # With the converter workers use: histories written before payloads were compressed read as they are.
    asyncio.run(Replayer(workflows=[ArazzoRun], data_converter=data_converter(None)).replay_workflow(history))


def test_there_are_recorded_histories() -> None:
    assert {p.stem for p in HISTORIES} >= {
        "flagship-completed",
        "flagship-failed",
        "event-flagship-completed",
        "flagship-local-reads-completed",
    }


def _events(name: str) -> list[dict]:
    return json.loads(load_history(FOLDER / f"{name}.json"))["events"]


def _types(events: list[dict]) -> list[str]:
    return [e["eventType"].removeprefix("EVENT_TYPE_") for e in events]


def test_histories_recorded_before_local_reads_still_replay_on_their_path() -> None:
    """Runs started by older code have no ``localWait`` in their input: today's workflow sends their
    polls as activities and waits on timers, as when they were recorded (the replay above passes)."""
    events = _events("flagship-completed")
    started = events[0]["workflowExecutionStartedEventAttributes"]["input"]["payloads"][0]
    assert "localWait" not in json.loads(base64.b64decode(started["data"]))
    types = _types(events)
    assert "MARKER_RECORDED" not in types
    assert types.count("ACTIVITY_TASK_SCHEDULED") == 5 and types.count("TIMER_STARTED") == 3


def test_a_local_reads_history_has_one_marker_per_poll() -> None:
    """The create is an activity; each of the four polls (short waits folded in) is one marker."""
    types = _types(_events("flagship-local-reads-completed"))
    assert types.count("ACTIVITY_TASK_SCHEDULED") == 1
    assert types.count("MARKER_RECORDED") == 4
    assert "TIMER_STARTED" not in types
    assert len(types) == 15


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
def test_recorded_history_replays(path) -> None:
    replay(load_history(path), path.stem)


def _rewrite(payload: dict, change) -> dict:
    """Decode a recorded JSON payload, let ``change`` edit it, encode it back; the decoded value."""
    value = json.loads(base64.b64decode(payload["data"]))
    change(value)
    payload["data"] = base64.b64encode(json.dumps(value).encode()).decode()
    return value


def _to_in_progress(answer: dict) -> None:
    assert answer["response"]["body"]["TrainingJobStatus"] == "Completed"
    answer["response"]["body"]["TrainingJobStatus"] = "InProgress"


def test_a_run_that_would_decide_differently_fails_replay() -> None:
    """The guard can fail: the last poll answered InProgress instead of Completed would make the
    core ask for another timer where the history has the run completing."""
    history = json.loads(load_history(FOLDER / "flagship-completed.json"))
    completed = [e for e in history["events"] if "activityTaskCompletedEventAttributes" in e]
    _rewrite(completed[-1]["activityTaskCompletedEventAttributes"]["result"]["payloads"][0], _to_in_progress)
    with pytest.raises(Exception, match=r"(?i)nondetermin"):
        replay(json.dumps(history), "tampered")


def test_an_event_run_that_would_decide_differently_fails_replay() -> None:
    """The guard covers message steps: the last event saying InProgress instead of Completed would
    make the core wait for another event where the history has the run completing."""
    history = json.loads(load_history(FOLDER / "event-flagship-completed.json"))
    completed = [e for e in history["events"] if "activityTaskCompletedEventAttributes" in e]
    received = []
    for event in completed:
        payload = event["activityTaskCompletedEventAttributes"]["result"]["payloads"][0]
        answer = json.loads(base64.b64decode(payload.get("data", "")) or "null")  # acknowledge: None
        if isinstance(answer, dict) and "delivery" in answer:
            received.append((payload, answer))
    payload, answer = received[-1]
    detail = answer["delivery"]["message"]["payload"]["detail"]
    assert detail["TrainingJobStatus"] == "Completed"
    detail["TrainingJobStatus"] = "InProgress"
    payload["data"] = base64.b64encode(json.dumps(answer).encode()).decode()
    with pytest.raises(Exception, match=r"(?i)nondetermin"):
        replay(json.dumps(history), "tampered-event")


def test_a_receive_is_bounded_by_its_step_timeout_and_watched_by_heartbeats() -> None:
    """Not a fixed limit: the flagship's receive may take its step's 15 minutes (plus a margin for
    a lost worker's retry); a dead worker is noticed within the 30 s heartbeat timeout."""
    history = json.loads(load_history(FOLDER / "event-flagship-completed.json"))
    scheduled = [
        e["activityTaskScheduledEventAttributes"]
        for e in history["events"]
        if e.get("activityTaskScheduledEventAttributes", {}).get("activityType", {}).get("name")
        == "arazzo.receive"
    ]
    assert len(scheduled) >= 2
    for receive in scheduled:
        limit = float(receive["startToCloseTimeout"].rstrip("s"))
        assert 900 <= limit <= 900 + 120, limit
        assert receive["heartbeatTimeout"] == "30s"
        assert "maximumAttempts" not in receive["retryPolicy"]  # retried as long as the wait lasts


def test_a_local_reads_run_that_would_decide_differently_fails_replay() -> None:
    """The guard covers local reads: their answers are in markers, and the last one saying InProgress
    instead of Completed would make the core ask for another read where the run completed."""
    history = json.loads(load_history(FOLDER / "flagship-local-reads-completed.json"))
    markers = [e for e in history["events"] if "markerRecordedEventAttributes" in e]
    _rewrite(
        markers[-1]["markerRecordedEventAttributes"]["details"]["result"]["payloads"][0], _to_in_progress
    )
    with pytest.raises(Exception, match=r"(?i)nondetermin"):
        replay(json.dumps(history), "tampered-local")
