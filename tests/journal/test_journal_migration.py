"""A journal written before issue 27 (snapshot format 1: step records as positional lists, the wait
as ``sleep``) still resumes, and reads as the current format, step records of both shapes included
(issue 27: the typed run state; ``engine.snapshot.migrate``)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.engine.snapshot import FORMAT
from arazzo_runner.journal import Journal, resume
from tests.journal.test_journal import TOKEN, Crash, crashing_sleep, only_run, start

RECORD_KEYS = ("stepId", "workflowId", "attempt", "status", "statusCode", "outputs", "durationMs", "reason")


def as_format_1(database: Path, run_id: str) -> None:
    """Rewrite the run's rows as the code before issue 27 wrote them."""
    db = sqlite3.connect(database)
    with db:
        (text,) = db.execute("SELECT snapshot FROM runs WHERE id = ?", (run_id,)).fetchone()
        snapshot: dict[str, Any] = json.loads(text)
        state = snapshot["state"]
        snapshot["format"] = 1
        wait = state.pop("wait")
        wait.pop("resumed", None)
        state["sleep"] = wait
        state["completed_deps"] = [[d["location"], d["workflowId"], d["status"]] for d in state["completed_deps"]]
        db.execute("UPDATE runs SET snapshot = ? WHERE id = ?", (json.dumps(snapshot), run_id))
        for seq, data in db.execute("SELECT seq, data FROM records WHERE run_id = ?", (run_id,)).fetchall():
            record = json.loads(data)
            positional = [record[key] for key in RECORD_KEYS]
            db.execute("UPDATE records SET data = ? WHERE run_id = ? AND seq = ?", (json.dumps(positional), run_id, seq))
    db.close()


def test_a_format_1_journal_resumes_and_reads_in_the_current_format(workdir, server) -> None:
    clock = [1000.0]
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep, clock=lambda: clock[0])
    record = only_run(workdir)
    as_format_1(workdir / "runs.db", record.id)
    raw = sqlite3.connect(workdir / "runs.db").execute("SELECT data FROM records").fetchall()
    assert all(json.loads(data)[0] in ("create", "poll") for (data,) in raw)  # really the old shape

    read = Journal(workdir / "runs.db").get(record.id).snapshot
    assert read["format"] == FORMAT and read["state"]["wait"]["stepId"] == "poll"
    assert [r["stepId"] for r in read["state"]["records"]] == ["create", "poll"]

    server.requests.clear()
    slept: list[float] = []
    clock[0] = 1004.0  # resumed 6 s early: waits the rest of the 10 s, as before the change
    result = resume(
        record.id, journal=workdir / "runs.db", inputs={"apiToken": TOKEN}, sleep=slept.append, clock=lambda: clock[0]
    )
    assert result.status == "succeeded", result.error
    assert result.outputs == {"id": "o-1", "status": "done", "confirmed": True}
    assert slept[0] == pytest.approx(6.0)
    assert [r.method for r in server.requests] == ["GET", "GET", "POST"]
    # Old rows (lists) and new ones (objects) in one run: read as one shape.
    steps = Journal(workdir / "runs.db").get(record.id).snapshot["state"]["records"]
    assert [r["stepId"] for r in steps] == ["create", "poll", "poll", "poll", "confirm"]
