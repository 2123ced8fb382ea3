"""Group commit: async runs sharing one Journal write the transitions of one event-loop tick together.

A fleet of flagship runs against the SageMaker emulator on 127.0.0.1, all journaled in one SQLite
file with every transition written (``read_batch_seconds=0``): the journal commits far fewer
transactions than there are transitions, each run's record is right, and a fleet SIGKILLed at
seeded moments (the emulator pulls the trigger, as in the crash battery) resumes run by run to
the right outputs with exactly one successful create per job. The journal's one-pass snapshot
encoding is checked against the envelope it replaces (``Execution.snapshot()`` sealed) at every
transition of the control workflows.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import random
import signal
import threading
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arazzo_runner
from arazzo_runner.aws.emulator_http import HttpRequest, HttpResponse
from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from arazzo_runner.drivers.environment import RunEnvironment
from arazzo_runner.engine import Execution, PollPacing, RunOptions
from arazzo_runner.engine.needs import Done, Exchange, Response, Sleep
from arazzo_runner.http import AwsEnvironment
from arazzo_runner.journal import Journal, RunJournal, resume
from arazzo_runner.journal.store import pack_rng
from tests.conftest import FLAGSHIP
from tests.engine.test_core_state import ANSWERS, DATA, OPTIONS, START, WORKFLOWS, answer
from tests.journal.test_crash_battery import INPUTS_FILE, expected_outputs

RUNS = 12
IN_PROGRESS = 3
#: Per run: one create, IN_PROGRESS + 1 describes.
REQUESTS_PER_RUN = IN_PROGRESS + 2


def aws() -> AwsEnvironment:
    session = botocore.session.Session()
    session.set_credentials(DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY)
    return AwsEnvironment(session=session, region="us-east-1", environ={})


def inputs(name: str) -> dict[str, Any]:
    return dict(json.loads(INPUTS_FILE.read_text()), trainingJobName=name)


async def fleet(url: str, journal: Journal, names: list[str]) -> list[Any]:
    document = arazzo_runner.load(FLAGSHIP)
    environment = RunEnvironment(servers={"sagemakerApi": url}, aws=aws())
    options = RunOptions(pacing=PollPacing(interval=0))
    return await asyncio.gather(
        *(
            document.run_async("train-and-poll-job", inputs(name), options=options, environment=environment,
                               journal=journal)
            for name in names
        )
    )  # fmt: skip


class CountingJournal(Journal):
    """Counts the transitions handed to the group commit (the commits are ``Journal.commits``)."""

    transitions = 0

    def transition_soon(self, *args: Any, **kwargs: Any) -> asyncio.Future[None]:
        self.transitions += 1
        return super().transition_soon(*args, **kwargs)


def assert_one_create_each(emulator: SageMakerEmulator, names: list[str]) -> None:
    for name in names:
        creates = [c for c in emulator.calls if c.operation == "CreateTrainingJob" and c.name == name]
        assert [(c.status, c.code) for c in creates] == [(200, None)], (name, creates)


def test_a_fleet_on_one_journal_commits_fewer_transactions_than_transitions(tmp_path: Path) -> None:
    names = [f"group-{i}" for i in range(RUNS)]
    fsynced = []
    with EmulatorServer(SageMakerEmulator(in_progress=IN_PROGRESS, stopping=0)) as server:
        with CountingJournal(tmp_path / "runs.db", read_batch_seconds=0) as journal:
            journal._db.set_trace_callback(lambda sql: fsynced.append(sql) if "synchronous = FULL" in sql else None)
            before = journal.commits
            results = asyncio.run(fleet(server.url, journal, names))
            commits = journal.commits - before - RUNS  # each run's start is its own transaction
            records = {r.id: journal.get(r.id) for r in journal.runs()}
        assert_one_create_each(server.emulator, names)
    assert [r.status for r in results] == ["succeeded"] * RUNS
    # every transition written: one before each request, one for the end
    assert journal.transitions == RUNS * (REQUESTS_PER_RUN + 1)
    assert commits <= journal.transitions // 2, (commits, journal.transitions)  # measured: 18-21 of 72
    # the record before each create is fsynced: the twelve creates went out in one fsynced group
    assert 1 <= len(fsynced) < RUNS, fsynced
    for result in results:
        record = records[result.run_id]
        assert record.status == "succeeded"
        assert record.outputs == expected_outputs(record.inputs["trainingJobName"]) == result.outputs
        assert [r["stepId"] for r in record.snapshot["state"]["records"]] == ["createTrainingJob"] + ["pollTrainingJob"] * (IN_PROGRESS + 1)


# -- a fleet killed mid-flight resumes, run by run ----------------------------------------------


class FleetKillingEmulator(SageMakerEmulator):
    """SIGKILL the fleet's process when the k-th request arrives ("arrive": never answered) or
    once it is done but before its answer leaves ("answered")."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pid = 0
        self.moment: tuple[str, int] = ("arrive", 0)
        self.seen = 0
        self.killed = threading.Event()
        self._count = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        if self.killed.is_set() or not self.pid:
            return super().handle(request)
        with self._count:
            self.seen += 1
            number = self.seen
        kind, k = self.moment
        if number == k and kind == "arrive":
            self.kill()
            return HttpResponse(500, b"{}")
        response = super().handle(request)
        if number == k and kind == "answered":
            self.kill()
        return response

    def kill(self) -> None:
        self.killed.set()
        os.kill(self.pid, signal.SIGKILL)


def fleet_child(url: str, journal_path: str, names: list[str]) -> None:
    """In a forked child: the fleet on one journal (killed before it ends)."""
    with Journal(journal_path) as journal:
        asyncio.run(fleet(url, journal, names))
    os._exit(0)


@pytest.fixture(scope="module")
def forkserver() -> Any:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.journal.crash_child"])
    return context


@pytest.fixture(scope="module")
def flagship() -> Any:
    """The flagship parsed once for the module's resumes (each still checks the document's fingerprint and
    source hashes against the journal; loading it is the loader's tests' business)."""
    return arazzo_runner.load(FLAGSHIP)


@pytest.mark.parametrize(
    "moment", [("arrive", 3), ("answered", RUNS + 2), ("arrive", 2 * RUNS + 5), ("answered", 4 * RUNS - 1)]
)
def test_a_fleet_killed_mid_flight_resumes_every_run(
    forkserver: Any, flagship: Any, tmp_path: Path, moment: tuple[str, int]
) -> None:
    names = [f"kill-{moment[0]}-{moment[1]}-{i}" for i in range(RUNS)]
    path = tmp_path / "runs.db"
    with EmulatorServer(FleetKillingEmulator(in_progress=IN_PROGRESS, stopping=0)) as server:
        emulator = server.emulator
        emulator.moment = moment
        process = forkserver.Process(target=fleet_child, args=(server.url, str(path), names))
        process.start()
        emulator.pid = process.pid
        process.join(60)
        assert not process.is_alive()
        assert emulator.killed.is_set() and process.exitcode == -signal.SIGKILL
        with Journal(path) as journal:
            unfinished = journal.runs()
            assert len(unfinished) == RUNS
            assert {r.status for r in unfinished} == {"interrupted"}
            results = [
                resume(r.id, journal=journal, document=flagship, aws=aws(), sleep=lambda s: None) for r in unfinished
            ]
            after = {r.id: r.status for r in journal.runs()}
        for record, result in zip(unfinished, results, strict=True):
            assert result.status == "succeeded", result.error
            assert result.outputs == expected_outputs(record.inputs["trainingJobName"])
            assert after[record.id] == "succeeded"
        assert_one_create_each(emulator, names)


# -- the one-pass encoding is the envelope it replaces --------------------------------------------


@pytest.fixture(scope="module")
def control() -> Any:
    return arazzo_runner.load(DATA / "control.arazzo.yaml")


def old_encoding(run: RunJournal, execution: Execution) -> Any:
    """What the journal wrote before: ``snapshot()`` without the records, RNG packed, sealed."""
    state = execution.state
    records, state.records = state.records, []
    try:
        snapshot = execution.snapshot()
    finally:
        state.records = records
    pack_rng(snapshot["state"])
    return run.sealer.seal(snapshot) if run.sealer.names else snapshot


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    workflow_id=st.sampled_from(WORKFLOWS),
    script=st.lists(ANSWERS, min_size=1, max_size=5),
    secret=st.booleans(),
    raw=st.booleans(),
)
def test_the_journal_encoding_decodes_to_the_sealed_snapshot(
    control: Any, tmp_path_factory: Any, workflow_id: str, script: list[Any], secret: bool, raw: bool
) -> None:
    execution = Execution(control, workflow_id, options=OPTIONS, rng=random.Random(3))
    if secret:  # a secret whose value turns up in the answers, the URL and the outputs
        execution.state.inputs["token"] = "j"
    run = RunJournal(None, "r", execution, ["token"] if secret else [])  # type: ignore[arg-type]
    now, i = START, 0
    while True:
        need = execution.next(now)
        execution.drain()
        assert json.loads(run.snapshot_json(execution)) == old_encoding(run, execution)
        if isinstance(need, Done):
            return
        if isinstance(need, Sleep):
            now += need.seconds
            continue
        status, done, retry_after = script[i % len(script)]
        i += 1
        now += 0.25
        if raw:  # a bytes body (neither JSON nor text)
            execution.feed(Exchange(None, Response(status, (), b"\x00\xff")), now)
        else:
            headers = (("Retry-After", retry_after),) if retry_after is not None else ()
            execution.feed(answer(status, {"done": done, "id": "j", "state": "s"}, headers, at=now), now)
        execution.drain()


# -- order: a run's own later write never lands before its queued one ---------------------------


def test_a_write_queued_for_the_group_commit_lands_before_the_runs_next_direct_write(tmp_path: Path) -> None:
    """A run cancelled (Ctrl-C) while awaiting its group commit is marked interrupted after its
    queued transition is committed, not overwritten by it when the group commits later."""

    async def cancelled(journal: Journal) -> None:
        queued = journal.transition_soon(
            "run-1", '{"state":{}}', now=2.0, last_step="a", next_poll=None, in_flight=None
        )
        journal.interrupted("run-1", "KeyboardInterrupt", now=3.0)  # before the loop runs the flush
        assert queued.done()
        await asyncio.sleep(0)  # the scheduled flush finds nothing left to write

    with Journal(tmp_path / "runs.db") as journal:
        journal.start_run(
            "run-1", workflow_id="w", document="d", identity="i", inputs={}, secret_inputs=[], sources={},
            settings={}, now=1.0,
        )  # fmt: skip
        asyncio.run(cancelled(journal))
        record = journal.get("run-1")
        assert (record.status, record.last_step, record.updated) == ("interrupted", "a", 3.0)
        assert [line["kind"] for line in journal.timeline("run-1")] == ["started", "interrupted"]
