"""The core without sockets: state after each next()/feed(), snapshots, and a property test.

The driver here is a few lines: answers are scripted plain data (:class:`Exchange`), the clock is
a number. Documents: ``tests/data/engine/control.arazzo.yaml`` (one workflow per rule).
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_runner import load
from arazzo_runner.document.model import FailureAction
from arazzo_runner.engine import Execution, PollPacing, RunOptions
from arazzo_runner.engine.decisions import Fail, decide
from arazzo_runner.engine.needs import Done, Exchange, Response, SendRequest, SentRequest, Sleep
from arazzo_runner.engine.snapshot import SnapshotError
from arazzo_runner.engine.state import CompletedDependency, Phase, RunPhase, Wait, Waiting

DATA = Path(__file__).resolve().parent.parent / "data" / "engine"
START = 1_750_000_000.0


@pytest.fixture(scope="module")
def doc():
    return load(DATA / "control.arazzo.yaml")


def answer(
    status: int, body: Any = None, headers: tuple[tuple[str, str], ...] = (), at: float = START
) -> Exchange:
    return Exchange(
        SentRequest("GET", "http://127.0.0.1:1/x?a=1", (("host", "127.0.0.1:1"),)),
        Response(status, (("content-type", "application/json"), *headers), body),
        received_at=at,
    )


def test_retry_after_header_wins_and_state_counts_the_retry(doc) -> None:
    ex = Execution(doc, "retryThenSucceed")
    need = ex.next(START)
    assert isinstance(need, SendRequest) and need.step_id == "call" and need.operation_path == "/flaky"
    frame = ex.state.stack[-1]
    assert frame.phase is Phase.AWAIT_RESPONSE
    ex.drain()
    assert ex.snapshot()["state"]["pending_request"] == need.to_json()
    ex.feed(answer(503, headers=(("Retry-After", "7"),)), START + 1)
    assert frame.attempt == 2 and frame.retries_used == {"call": {"again": 1}}
    assert ex.state.wait == Wait(until=START + 8, seconds=7.0, reason="retry", step_id="call", handed_out=False)
    sleep = ex.next(START + 1)
    assert sleep == Sleep(7.0, "retry", "call", START + 8)
    assert isinstance(ex.next(START + 8), SendRequest)
    ex.feed(answer(200), START + 9)
    done = ex.next(START + 9)
    assert isinstance(done, Done) and done.result.succeeded and ex.state.phase is RunPhase.DONE
    assert [r.attempt for r in done.result.steps] == [1, 2]


def test_retry_limit_then_failure(doc) -> None:
    ex = Execution(doc, "retryDefaultLimit", options=RunOptions(no_wait=True))
    ex.next(START)
    ex.feed(answer(500), START)
    assert ex.state.stack[-1].retries_used == {"call": {"once": 1}}
    ex.next(START)
    ex.feed(answer(500), START)
    done = ex.next(START)
    assert isinstance(done, Done) and done.result.error.type == "step_failed"
    assert ex.state.stack == [] and len(ex.state.records) == 2


def test_goto_poll_loop_is_paced_and_counted(doc) -> None:
    ex = Execution(
        doc, "pollWithRetries", options=RunOptions(pacing=PollPacing(interval=2, backoff=2, jitter=0))
    )
    ex.next(START)
    ex.feed(answer(200, {"done": False}), START)
    frame = ex.state.stack[-1]
    assert frame.polls == {"poll": 1} and frame.index == 0 and ex.state.wait.seconds == 2.0
    assert ex.next(START).seconds == 2.0
    ex.next(START + 2)
    ex.feed(answer(200, {"done": False}), START + 2)
    assert frame.polls == {"poll": 2} and ex.state.wait.seconds == 4.0
    ex.next(START + 2)
    ex.next(START + 6)
    ex.feed(answer(200, {"done": True}), START + 6)
    assert isinstance(ex.next(START + 6), Done)
    assert frame.executions == {"poll": 3}


def test_failure_end_ends_the_workflow_failed(doc) -> None:
    ex = Execution(doc, "failureEnd")
    ex.next(START)
    ex.feed(answer(500), START)
    done = ex.next(START)
    assert done.result.error.type == "failure_end" and "stop" in done.result.error.message
    assert [r.step_id for r in done.result.steps] == ["call"]


def test_nested_workflow_frames(doc) -> None:
    ex = Execution(doc, "parent")
    need = ex.next(START)
    assert need.workflow_id == "base" and len(ex.state.stack) == 2
    parent = ex.state.stack[0]
    assert parent.phase is Phase.AWAIT_CHILD and parent.waiting_for is Waiting.STEP
    ex.feed(answer(201, {"id": "7"}), START)
    need = ex.next(START)
    assert len(ex.state.stack) == 1 and need.step_id == "read"
    assert [(p.name, p.value) for p in need.parameters] == [("id", "job-7")]
    assert ex.state.workflow_results["base"]["outputs"] == {"id": "7"}


def test_depends_on_runs_first_once(doc) -> None:
    ex = Execution(doc, "diamond")
    need = ex.next(START)
    assert need.workflow_id == "base" and ex.state.stack[0].waiting_for is Waiting.DEPENDENCY
    ex.feed(answer(201, {"id": "1"}), START)
    need = ex.next(START)  # dependent: its own dependency (base) already ran
    assert need.workflow_id == "dependent" and need.step_id == "read"
    assert ex.state.completed_deps == [CompletedDependency(str(doc.location), "base", "succeeded")]
    ex.feed(answer(200, {"state": "ok"}), START)
    assert ex.next(START).step_id == "last"


def test_step_budget(doc) -> None:
    ex = Execution(doc, "endlessLoop", options=RunOptions(max_steps=3, no_wait=True))
    for _ in range(3):
        ex.next(START)
        ex.feed(answer(200), START)
    done = ex.next(START)
    assert done.result.error.type == "limit" and "step budget of 3" in done.result.error.message
    assert ex.state.step_count == 3


def test_deadline_is_absolute(doc) -> None:
    ex = Execution(doc, "endlessLoop", options=RunOptions(run_timeout=10, no_wait=True))
    ex.next(START)
    assert ex.state.deadline == START + 10
    ex.feed(answer(200), START + 11)
    done = ex.next(START + 11)
    assert done.result.error.type == "limit" and "timed out after 10 s" in done.result.error.message


def test_error_phase_keeps_state_and_refuses_to_go_on(doc) -> None:
    ex = Execution(doc, "noCriteria")
    with pytest.raises(RuntimeError, match="without a pending request"):
        ex.feed(answer(200), START)
    assert ex.state.phase is RunPhase.ERROR and "without a pending request" in ex.state.error
    with pytest.raises(RuntimeError, match="error phase"):
        ex.next(START)


def test_unknown_action_type_fails_instead_of_goto(doc) -> None:
    workflow = doc.workflow("noCriteria")
    step = dataclasses.replace(workflow.steps[0], on_failure=(FailureAction("jump", "leap", step_id="call"),))
    ex = Execution(doc, "noCriteria")
    decision = decide(
        doc, workflow, step, ex.machine.contexts[-1], succeeded=False, reason="x", retries_used={}, received_at=None
    )
    assert isinstance(decision, Fail) and decision.type == "invalid_action" and "'leap'" in decision.message


def test_restore_is_refused_when_the_document_changed(doc, tmp_path: Path) -> None:
    ex = Execution(doc, "retryThenSucceed")
    ex.next(START)
    ex.drain()
    snapshot = json.loads(json.dumps(ex.snapshot()))
    for name in ("control.arazzo.yaml", "api.openapi.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    edited = tmp_path / "control.arazzo.yaml"
    edited.write_text(edited.read_text().replace("retryLimit: 3", "retryLimit: 4"))
    with pytest.raises(SnapshotError, match="step 'call' of workflow 'retryThenSucceed' changed"):
        Execution.restore(load(edited), snapshot)
    with pytest.raises(SnapshotError, match="format 99"):
        Execution.restore(doc, {**snapshot, "format": 99})


def test_a_bytes_body_survives_a_snapshot(doc) -> None:
    """An answer that is neither JSON nor text (here an empty 204) has a bytes body."""
    ex = Execution(doc, "noCriteria", options=RunOptions(default_success="any"))
    ex.next(START)
    ex.feed(Exchange(None, Response(204, (), b"")), START)
    ex.drain()
    snapshot = json.loads(json.dumps(ex.snapshot()))
    restored = Execution.restore(doc, snapshot)
    assert restored.state.stack[-1].exchange["response_body"] == b""
    assert isinstance(restored.next(START), Done)


# -- the property: snapshot → JSON → restore at every wait point changes nothing -------------------
WORKFLOWS = [
    "retryThenSucceed",
    "retryDefaultLimit",
    "retryExhaustedThenNextAction",
    "retryRunsNamedStepFirst",
    "failureEnd",
    "endlessLoop",
    "dependent",
    "diamond",
    "parent",
    "componentActions",
    "pollWithRetries",
]
ANSWERS = st.tuples(
    st.sampled_from([200, 201, 401, 500, 503]),
    st.booleans(),
    st.sampled_from([None, "0", "3", "x"]),
)
OPTIONS = RunOptions(max_steps=25, pacing=PollPacing(interval=1, backoff=2, max_interval=5, jitter=0.5))


def _drive(doc, workflow_id: str, script: list[Any], interrupt: bool) -> tuple[list, list, dict]:
    ex = Execution(doc, workflow_id, options=OPTIONS, rng=random.Random(7))
    now, requests, events, i = START, [], [], 0
    while True:
        need = ex.next(now)
        events += ex.drain()
        if interrupt and not isinstance(need, Done):
            snapshot = json.loads(json.dumps(ex.snapshot()))
            ex = Execution.restore(doc, snapshot)
            again = ex.next(now)
            assert again == need or (isinstance(need, Sleep) and again.until == need.until)
            events += ex.drain()
        if isinstance(need, Done):
            return requests, [e.to_dict() for e in events], need.result.to_dict()
        if isinstance(need, Sleep):
            now += need.seconds
            continue
        requests.append(need.to_json())
        status, done, retry_after = script[i % len(script)]
        i += 1
        headers = (("Retry-After", retry_after),) if retry_after is not None else ()
        now += 0.25
        ex.feed(answer(status, {"done": done, "id": "j", "state": "s"}, headers, at=now), now)
        events += ex.drain()


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(workflow_id=st.sampled_from(WORKFLOWS), script=st.lists(ANSWERS, min_size=1, max_size=6))
def test_snapshot_and_restore_at_every_wait_changes_nothing(doc, workflow_id: str, script: list[Any]) -> None:
    assert _drive(doc, workflow_id, script, interrupt=False) == _drive(
        doc, workflow_id, script, interrupt=True
    )


def test_a_snapshot_resumes_in_another_process(doc, tmp_path: Path) -> None:
    ex = Execution(doc, "retryThenSucceed")
    ex.next(START)
    ex.feed(answer(503, headers=(("Retry-After", "30"),)), START + 1)
    assert isinstance(ex.next(START + 1), Sleep)
    ex.drain()
    (tmp_path / "run.json").write_text(json.dumps(ex.snapshot()))
    code = f"""
import json, sys
sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
from arazzo_runner import load
from arazzo_runner.engine import Execution
from tests.engine.test_core_state import answer
ex = Execution.restore(load({str(DATA / "control.arazzo.yaml")!r}), json.loads(open({str(tmp_path / "run.json")!r}).read()))
wait = ex.next({START + 11})
need = ex.next({START + 31})
ex.feed(answer(200), {START + 32})
done = ex.next({START + 32})
print(json.dumps([wait.seconds, need.step_id, done.result.status, done.result.requests]))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [20.0, "call", "succeeded", 2]
