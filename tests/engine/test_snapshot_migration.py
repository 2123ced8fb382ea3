"""Snapshots of an earlier format still restore (issue 27): format 1 kept step records and finished
dependencies as positional lists and the wait as ``sleep``; :func:`engine.snapshot.migrate` reads
them into format 2 (JSON objects), and the restored run carries on exactly as a run that never
stopped.

``tests/data/engine/snapshots-format-1.json`` was written by the code before the change (main at
30f0c70): a ``diamond`` run with both dependencies done and a request handed out, and a
``pollWithRetries`` run inside its first poll wait (the Sleep handed out).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner import load
from arazzo_runner.engine import Execution, PollPacing, RunOptions
from arazzo_runner.engine.needs import Done, Exchange, Response, SendRequest, SentRequest, Sleep
from arazzo_runner.engine.snapshot import FORMAT, SnapshotError, migrate
from arazzo_runner.engine.state import CompletedDependency, RunState, Wait

DATA = Path(__file__).resolve().parent.parent / "data" / "engine"
START = 1_750_000_000.0
PACED = RunOptions(pacing=PollPacing(interval=2, backoff=2, jitter=0))


@pytest.fixture(scope="module")
def doc() -> Any:
    return load(DATA / "control.arazzo.yaml")


def old(name: str) -> dict[str, Any]:
    text = (DATA / "snapshots-format-1.json").read_text().replace("{DATA}", str(DATA))
    snapshot: dict[str, Any] = json.loads(text)[name]
    assert snapshot["format"] == 1
    return snapshot


def answer(status: int, body: Any = None, at: float = START) -> Exchange:
    return Exchange(
        SentRequest("GET", "http://127.0.0.1:1/x?a=1", (("host", "127.0.0.1:1"),)),
        Response(status, (("content-type", "application/json"),), body),
        received_at=at,
    )


def test_a_format_1_snapshot_is_migrated_to_the_typed_state(doc) -> None:
    migrated = migrate(old("diamond"))
    assert migrated["format"] == FORMAT == 2
    state = RunState.from_json(migrated["state"])
    assert [(r.step_id, r.workflow_id, r.status, r.status_code, r.duration_ms) for r in state.records] == [
        ("make", "base", "succeeded", 201, 0.0),
        ("read", "dependent", "succeeded", 200, 1000.0),
    ]
    assert state.completed_deps == [
        CompletedDependency(str(DATA / "control.arazzo.yaml"), "base", "succeeded"),
        CompletedDependency(str(DATA / "control.arazzo.yaml"), "dependent", "succeeded"),
    ]
    assert isinstance(state.pending, SendRequest) and state.pending.step_id == "last"
    # Migrating twice changes nothing; the current format round-trips exactly.
    assert migrate(migrated) is migrated
    assert RunState.from_json(state.to_json()).to_json() == state.to_json()


def test_a_restored_format_1_run_ends_as_one_that_never_stopped(doc) -> None:
    restored = Execution.restore(doc, old("diamond"))
    need = restored.next(START + 1)
    assert isinstance(need, SendRequest) and need.step_id == "last"  # the request in doubt, again
    restored.feed(answer(200), START + 2)
    done = restored.next(START + 2)

    straight = Execution(doc, "diamond")
    straight.next(START)
    straight.feed(answer(201, {"id": "1"}), START)
    straight.next(START)
    straight.feed(answer(200, {"state": "ok"}), START + 1)
    straight.next(START + 1)
    straight.feed(answer(200), START + 2)
    expected = straight.next(START + 2)
    assert isinstance(done, Done) and isinstance(expected, Done)
    assert done.result.to_dict() == expected.result.to_dict()
    assert [s.step_id for s in done.result.steps] == ["make", "read", "last"]


def test_a_format_1_wait_is_waited_again_for_what_is_left(doc) -> None:
    snapshot = old("poll")
    assert snapshot["state"]["sleep"]["handedOut"] is True
    restored = Execution.restore(doc, snapshot, options=PACED)
    assert restored.state.wait == Wait(START + 2, 2.0, "poll", "poll", handed_out=False, resumed=True)
    assert restored.next(START + 0.5) == Sleep(1.5, "poll", "poll", START + 2)
    need = restored.next(START + 2)
    assert isinstance(need, SendRequest) and need.step_id == "poll"


def test_an_unknown_format_is_still_refused(doc) -> None:
    snapshot = {**old("poll"), "format": 99}
    with pytest.raises(SnapshotError, match="format 99 is not supported"):
        Execution.restore(doc, snapshot)
