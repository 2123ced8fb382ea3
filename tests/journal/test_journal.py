"""The journal through the library: secrets, requests in doubt, next polls, changed documents, pruning.

A crash is simulated by an exception the drivers do not catch (``Crash``, a ``BaseException``)
raised from the sleeper (a crash during a poll wait) or from an httpx request hook (a crash with
the request in flight, after its journal record was written). The real SIGKILL is the crash
battery's job (``test_crash_battery.py``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.engine.core import Execution
from arazzo_runner.journal import (
    Journal,
    JournalError,
    RequestInDoubt,
    SecretInputsMissing,
    list_runs,
    resume,
    safety,
)
from arazzo_runner.journal.in_doubt import describe_request
from tests.conftest import FLAGSHIP
from tests.engine.scripted_server import ScriptedServer

DATA = Path(__file__).parent / "data"
TOKEN = "tok-very-secret-4242"
INPUTS = {"item": "book", "apiToken": TOKEN}
OPTIONS = RunOptions(pacing=PollPacing(interval=10, backoff=1, jitter=0))
#: A pacing whose next poll is due almost at once: a run crashed in its first poll wait, then resumed,
#: polls without waiting out OPTIONS' 10 s (for tests of what a resume does, not of when it polls).
DUE_AT_ONCE = RunOptions(pacing=PollPacing(interval=0.001, backoff=1, jitter=0))
SCRIPT = {
    ("POST", "/orders"): [(201, {"id": "o-1"})],
    ("GET", "/orders/o-1"): [(200, {"status": "pending"}), (200, {"status": "pending"}), (200, {"status": "done"})],
    ("POST", "/orders/o-1/confirm"): [(200, {"confirmed": True})],
}


class Crash(BaseException):
    """The process dies here (nothing in the drivers catches it)."""


def crash_on(method: str, path: str) -> httpx.Client:
    def hook(request: httpx.Request) -> None:
        if request.method == method and request.url.path == path:
            raise Crash(f"{method} {path}")

    return httpx.Client(event_hooks={"request": [hook]})


def crashing_sleep(seconds: float) -> None:
    raise Crash("in a poll wait")


def start(workdir: Path, server: ScriptedServer, **kwargs):
    doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")
    kwargs.setdefault("options", OPTIONS)
    kwargs.setdefault("journal", workdir / "runs.db")
    return doc.run("order", INPUTS, servers={"orders": server.url}, **kwargs)


def only_run(workdir: Path):
    (record,) = list_runs(journal=workdir / "runs.db")
    return record


def test_a_run_crashed_in_a_poll_wait_resumes_and_secrets_are_never_written(workdir, server) -> None:
    clock = [1000.0]
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep, clock=lambda: clock[0])
    record = only_run(workdir)
    assert record.status == "interrupted" and record.last_step == "poll"
    assert record.next_poll == 1010.0  # the wall-clock time of the next poll
    assert record.secret_inputs == ["apiToken"] and record.inputs["apiToken"] == "***"
    for path in workdir.glob("runs.db*"):  # the database, its WAL and shared memory
        assert TOKEN.encode() not in path.read_bytes(), path
    with pytest.raises(SecretInputsMissing, match=r"apiToken .*-i apiToken=\.\.\."):
        resume(record.id, journal=workdir / "runs.db")
    server.requests.clear()
    slept: list[float] = []
    clock[0] = 1004.0  # resumed 6 s early: waits the rest of the 10 s
    result = resume(
        record.id, journal=workdir / "runs.db", inputs={"apiToken": TOKEN}, sleep=slept.append, clock=lambda: clock[0]
    )
    assert result.status == "succeeded", result.error
    assert result.outputs == {"id": "o-1", "status": "done", "confirmed": True}
    assert result.run_id == record.id
    assert slept[0] == pytest.approx(6.0)
    assert [r.method for r in server.requests] == ["GET", "GET", "POST"]
    assert {r.headers["X-Api-Key"] for r in server.requests if r.method == "GET"} == {TOKEN}
    assert only_run(workdir).status == "succeeded"
    for path in workdir.glob("runs.db*"):
        assert TOKEN.encode() not in path.read_bytes(), path


def test_a_run_resumed_after_its_next_poll_polls_at_once(workdir, server) -> None:
    clock = [1000.0]
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep, clock=lambda: clock[0])
    slept: list[float] = []
    clock[0] = 5000.0
    resume(only_run(workdir).id, journal=workdir / "runs.db", inputs=INPUTS, sleep=slept.append, clock=lambda: 5000.0)
    assert slept[0] == 0.0


def test_a_post_in_doubt_stops_the_resume_naming_step_and_request(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, client=crash_on("POST", "/orders"))
    record = only_run(workdir)
    assert record.in_flight["stepId"] == "create" and record.in_flight["safety"] == "ask"
    with pytest.raises(RequestInDoubt) as raised:
        resume(record.id, journal=workdir / "runs.db", inputs=INPUTS)
    message = str(raised.value)
    assert "step 'create'" in message and "POST /orders" in message
    assert "--resend" in message and "--assume-failed" in message and "x-arazzo-idempotent" in message
    assert server.requests == []  # nothing was sent while deciding
    result = resume(record.id, journal=workdir / "runs.db", inputs=INPUTS, in_doubt="resend", sleep=lambda s: None)
    assert result.status == "succeeded"
    assert next(r.method + " " + r.path for r in server.requests) == "POST /orders"


def test_assume_failed_fails_the_step_in_doubt(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, client=crash_on("POST", "/orders"))
    result = resume(only_run(workdir).id, journal=workdir / "runs.db", inputs=INPUTS, in_doubt="assume-failed")
    assert result.status == "failed"
    assert result.error.step_id == "create" and "assumed failed" in result.error.message
    assert server.requests == []


def test_an_operation_marked_idempotent_is_resent_without_asking(workdir, server) -> None:
    strict = Journal(workdir / "runs.db", read_batch_seconds=0)  # every transition, reads included
    with pytest.raises(Crash):
        start(workdir, server, client=crash_on("POST", "/orders/o-1/confirm"), sleep=lambda s: None, journal=strict)
    record = only_run(workdir)
    assert record.in_flight["stepId"] == "confirm" and record.in_flight["safety"] == "resend"
    server.requests.clear()
    result = resume(record.id, journal=workdir / "runs.db", inputs=INPUTS)
    assert result.status == "succeeded" and result.outputs["confirmed"] is True
    assert [r.path for r in server.requests] == ["/orders/o-1/confirm"]


def test_a_changed_source_is_refused_unless_forced(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep)
    source = workdir / "orders.openapi.yaml"
    source.write_text(source.read_text().replace("the order", "the order, edited"))
    with pytest.raises(JournalError, match=r"orders\.openapi\.yaml changed.*--force"):
        resume(only_run(workdir).id, journal=workdir / "runs.db", inputs=INPUTS)
    result = resume(only_run(workdir).id, journal=workdir / "runs.db", inputs=INPUTS, force=True, sleep=lambda s: None)
    assert result.status == "succeeded"


def test_a_changed_step_is_refused_naming_it(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep)
    document = workdir / "orders.arazzo.yaml"
    document.write_text(document.read_text().replace("- stepId: confirm\n", "- stepId: confirm\n        description: new\n"))
    with pytest.raises(JournalError, match=r"step 'confirm' of workflow 'order' changed; .*orders\.arazzo\.yaml changed"):
        resume(only_run(workdir).id, journal=workdir / "runs.db", inputs=INPUTS)


def test_the_in_doubt_rule() -> None:
    flagship = arazzo_runner.load(FLAGSHIP)
    inputs = {
        "trainingJobName": "j", "trainingImage": "i", "roleArn": "r", "s3OutputPath": "s3://b/o",
        "instanceType": "ml.m5.xlarge", "instanceCount": 1, "volumeSizeInGB": 1, "maxRuntimeInSeconds": 60,
    }  # fmt: skip
    create = Execution(flagship, None, inputs).next(0.0)
    assert safety(flagship, create) == "look"
    describe = describe_request(flagship, create)
    assert describe.payload == {"TrainingJobName": "j"}
    assert safety(flagship, describe) == "resend"
    orders = arazzo_runner.load(DATA / "orders.arazzo.yaml")
    post = Execution(orders, "order", INPUTS).next(0.0)
    assert safety(orders, post) == "ask"


def test_library_runs_are_not_journaled_unless_asked(workdir, server, monkeypatch) -> None:
    monkeypatch.setenv("ARAZZO_JOURNAL", str(workdir / "default.db"))
    doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")
    result = doc.run("order", INPUTS, servers={"orders": server.url}, options=OPTIONS, sleep=lambda s: None)
    assert result.succeeded and result.run_id is None
    assert not (workdir / "default.db").exists()
    result = doc.run("order", INPUTS, servers={"orders": server.url}, sleep=lambda s: None, journal=True)
    assert [r.id for r in list_runs()] == [result.run_id]


def test_async_runs_are_journaled_too(workdir, server) -> None:
    doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")

    async def nap(seconds: float) -> None:
        return None

    result = asyncio.run(
        doc.run_async("order", INPUTS, servers={"orders": server.url}, sleep=nap, journal=workdir / "runs.db")
    )
    assert result.succeeded
    record = only_run(workdir)
    assert record.status == "succeeded" and record.outputs == {"id": "o-1", "status": "done", "confirmed": True}
    kinds = [line["kind"] for line in Journal(workdir / "runs.db").timeline(record.id)]
    # Three polls with the same outcome are one timeline line; the step records keep all three.
    assert kinds == ["started", "step_finished", "step_finished", "step_finished", "run_finished"]
    assert [s["stepId"] for s in Journal(workdir / "runs.db").get(record.id).snapshot["state"]["records"]] == [
        "create", "poll", "poll", "poll", "confirm"
    ]  # fmt: skip


def test_prune_forgets_old_finished_runs_only(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep)
    finished = start(workdir, server, sleep=lambda s: None)
    journal = Journal(workdir / "runs.db")
    assert journal.prune(30 * 86400) == []
    import time

    assert journal.prune(30 * 86400, now=time.time() + 31 * 86400) == [finished.run_id]
    assert [r.status for r in journal.runs()] == ["interrupted"]


def test_back_to_back_reads_are_batched_and_repeated_after_a_crash(workdir, server) -> None:
    """No waits between safe requests: the state is written at most once a second; a crash repeats reads."""
    clock = [1000.0]
    with pytest.raises(Crash):
        start(
            workdir, server, client=crash_on("POST", "/orders/o-1/confirm"), sleep=lambda s: None,
            options=RunOptions(pacing=PollPacing(interval=0)), clock=lambda: clock[0],
        )  # fmt: skip
    record = only_run(workdir)
    # The last record is the one before the first poll (just after the create's answer).
    assert record.in_flight["stepId"] == "poll" and record.in_flight["method"] == "GET"
    server.requests.clear()
    result = resume(record.id, journal=workdir / "runs.db", inputs=INPUTS, sleep=lambda s: None)
    assert result.status == "succeeded"
    assert [r.method for r in server.requests] == ["GET", "POST"]  # the poll repeated, then confirm


def test_a_drawn_run_id_that_is_taken_is_drawn_again_and_a_chosen_one_is_refused(workdir, monkeypatch) -> None:
    """A fleet starting thousands of runs in one second can draw the same short id twice
    (the 10,000-run bench did, with 24 random bits): the second run draws again."""
    from arazzo_runner.journal import recorder

    doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")
    draws = iter(["20261126-000000-aaaaaaaa", "20261126-000000-aaaaaaaa", "20261126-000000-bbbbbbbb"])
    monkeypatch.setattr(recorder, "new_run_id", lambda: next(draws))
    with Journal(workdir / "runs.db") as journal:
        first = recorder.RunJournal.start(journal, Execution(doc, "order", INPUTS))
        second = recorder.RunJournal.start(journal, Execution(doc, "order", INPUTS))
        assert (first.run_id, second.run_id) == ("20261126-000000-aaaaaaaa", "20261126-000000-bbbbbbbb")
        with pytest.raises(JournalError, match="run id 'chosen' is already in the journal"):
            for _ in range(2):
                recorder.RunJournal.start(journal, Execution(doc, "order", INPUTS), run_id="chosen")
        assert sorted(record.id for record in journal.runs()) == [
            "20261126-000000-aaaaaaaa",
            "20261126-000000-bbbbbbbb",
            "chosen",
        ]
