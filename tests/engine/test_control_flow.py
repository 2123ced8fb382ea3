"""Actions, retries, loops, dependencies and nested workflows, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import DATA

FAST = RunOptions(pacing=PollPacing(interval=0))


@pytest.fixture(scope="module")
def doc():
    return arazzo_runner.load(DATA / "engine" / "control.arazzo.yaml")


def run(doc, server, workflow_id, inputs=None, **kwargs):
    kwargs.setdefault("options", FAST)
    kwargs.setdefault("sleep", lambda s: None)
    return doc.run(workflow_id, inputs, servers={"api": server.url}, **kwargs)


def test_retry_until_success_honours_retry_after(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(503, {}), (503, {}, {"Retry-After": "7"}), (200, {"ok": True})]})
    slept: list[float] = []
    result = run(doc, server, "retryThenSucceed", sleep=slept.append)
    assert result.status == "succeeded"
    assert server.count("/flaky") == 3
    assert [r.attempt for r in result.steps] == [1, 2, 3]
    assert slept == [1.5, 7.0]  # retryAfter, then the server's Retry-After wins


def test_retry_after_http_date(doc, server) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    server.reset({("GET", "/flaky"): [(503, {}, {"Retry-After": when}), (200, {})]})
    slept: list[float] = []
    assert run(doc, server, "retryThenSucceed", sleep=slept.append).succeeded
    assert 25 <= slept[0] <= 31


def test_default_retry_limit_is_one(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(500, {})]})
    result = run(doc, server, "retryDefaultLimit")
    assert result.status == "failed"
    assert server.count("/flaky") == 2  # the call and one retry
    assert result.error.type == "step_failed"
    assert "step 'call' failed" in result.error.message


def test_exhausted_retry_falls_through_to_next_failure_action(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(500, {})], ("GET", "/other"): [(200, {})]})
    result = run(doc, server, "retryExhaustedThenNextAction")
    assert result.succeeded
    assert server.count("/flaky") == 3
    assert server.count("/other") == 1
    assert result.outputs == {"tried": 500}  # outputs of a failed step are kept (the last response)


def test_retry_runs_the_named_step_first(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(401, {}), (200, {})], ("POST", "/token"): [(200, {"token": "t"})]})
    result = run(doc, server, "retryRunsNamedStepFirst")
    assert result.succeeded
    assert [r.path for r in server.requests] == ["/flaky", "/token", "/flaky"]
    # The named step ran once, between the failure and the retry; then 'done' ended the workflow.
    assert [s.step_id for s in result.steps] == ["call", "refresh", "call"]


def test_failure_end_fails_the_workflow(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(500, {})]})
    result = run(doc, server, "failureEnd")
    assert result.status == "failed"
    assert result.error.type == "failure_end"
    assert server.count("/other") == 0


def test_goto_cycle_without_exit_hits_the_step_budget(doc, server) -> None:
    server.reset({("GET", "/other"): [(200, {})]})
    result = run(doc, server, "endlessLoop", options=RunOptions(pacing=PollPacing(interval=0), max_steps=25))
    assert result.status == "failed"
    assert result.error.type == "limit"
    assert "step 'spin'" in result.error.message and "25 times" in result.error.message
    assert server.count("/other") == 25


def test_deadline(doc, server) -> None:
    server.reset({("GET", "/other"): [(200, {})]})
    ticks = iter(range(1000))
    result = run(
        doc,
        server,
        "endlessLoop",
        options=RunOptions(pacing=PollPacing(interval=0), run_timeout=5),
        clock=lambda: next(ticks),
    )
    assert result.error.type == "limit"
    assert "timed out" in result.error.message


def test_depends_on_runs_once_and_shares_outputs(doc, server) -> None:
    server.reset(
        {
            ("POST", "/jobs"): [(201, {"id": "j1"})],
            ("GET", "/jobs/j1"): [(200, {"state": "ready"})],
            ("GET", "/other"): [(200, {})],
        }
    )
    result = run(doc, server, "diamond")
    assert result.succeeded
    assert server.count("/jobs") == 1  # 'base' ran once although two workflows depend on it
    assert server.count("/jobs/j1") == 1


def test_failed_dependency_fails_the_run(doc, server) -> None:
    server.reset({("POST", "/jobs"): [(500, {})]})
    result = run(doc, server, "dependent")
    assert result.status == "failed"
    assert result.error.type == "dependency"
    assert server.count("/jobs/j1") == 0


def test_nested_workflow_step_outputs(doc, server) -> None:
    server.reset({("POST", "/jobs"): [(201, {"id": "42"})], ("GET", "/jobs/job-42"): [(200, {})]})
    result = run(doc, server, "parent")
    assert result.succeeded, result.error
    assert result.outputs["childId"] == "42"
    assert result.outputs["url"] == f"{server.url}/jobs/job-42"
    assert [r.path for r in server.requests] == ["/jobs", "/jobs/job-42"]


def test_workflow_level_component_failure_actions(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(503, {}), (503, {}), (503, {})]})
    result = run(doc, server, "componentActions")
    assert result.status == "failed"
    assert server.count("/flaky") == 3


@pytest.mark.parametrize(
    ("status", "expected", "default"),
    [(204, "succeeded", "2xx"), (404, "failed", "2xx"), (404, "succeeded", "any")],
)
def test_default_success_without_criteria(doc, server, status, expected, default) -> None:
    server.reset({("GET", "/flaky"): [(status, {})]})
    result = run(
        doc, server, "noCriteria", options=RunOptions(pacing=PollPacing(interval=0), default_success=default)
    )
    assert result.status == expected


def test_retry_budget_is_per_attempt_sequence_not_per_loop(doc, server) -> None:
    # Each poll may be retried once: two separate 503s in one poll loop are both retried.
    server.reset(
        {
            ("GET", "/flaky"): [
                (503, {}),
                (200, {"done": False}),
                (503, {}),
                (200, {"done": False}),
                (200, {"done": True}),
            ]
        }
    )
    result = run(doc, server, "pollWithRetries")
    assert result.succeeded, result.error
    assert [r.attempt for r in result.steps] == [1, 2, 1, 2, 1]


def test_http_timeout_fails_the_step_quickly(doc) -> None:
    import socket

    from arazzo_runner.drivers import RunEnvironment

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts connections (kernel backlog) and never answers
    try:
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        environment = RunEnvironment(servers={"api": url}, request_timeout=0.2)
        result = doc.run("noCriteria", {}, options=FAST, environment=environment)
    finally:
        silent.close()
    assert result.status == "failed"
    assert "ReadTimeout: the answer took longer than 0.2 s (--http-timeout) (after 1 attempt)" in result.error.message


def test_unsendable_request_fails_the_step_not_the_process(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(200, {})]})
    bad_server = doc.run("noCriteria", {}, options=FAST, servers={"api": "http://[::1"})
    assert bad_server.status == "failed"
    assert bad_server.error.step_id == "call"


def test_transport_retries_before_giving_up_are_counted(doc, server) -> None:
    # connection reset on every attempt: the transport retries, then the step fails
    server.reset({("GET", "/flaky"): [("reset", None)]})
    events = []
    env = RunEnvironment(servers={"api": server.url}, transport_retries=True)
    result = doc.run(
        "noCriteria", {}, options=FAST, environment=env, sleep=lambda s: None, on_event=events.append
    )
    assert result.status == "failed"
    assert server.count("/flaky") == 3
    assert (result.requests, result.transport_retries) == (3, 2)
    assert len([e for e in events if e.kind == "transport_retried"]) == 2


def test_every_event_is_stamped_with_the_drivers_clock(doc, server) -> None:
    server.reset({("GET", "/flaky"): [(503, {}, {"x-amz-retry-after": "2500"}), (200, {"ok": True})]})
    ticks = iter(range(1, 1000))
    events, slept = [], []
    result = run(
        doc,
        server,
        "retryThenSucceed",
        clock=lambda: float(next(ticks)),
        on_event=events.append,
        sleep=slept.append,
    )
    assert result.succeeded
    assert slept == [2.5]  # x-amz-retry-after (milliseconds) wins over retryAfter, as botocore reads it
    assert {e.kind for e in events} >= {"criterion_evaluated", "request_built", "step_finished"}
    assert all(e.at > 0 for e in events)


def test_a_callee_that_declares_no_inputs_gets_none(tmp_path, server) -> None:
    from tests.unit.document.helpers import write_doc

    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: strict
  inputs: {type: object, properties: {}, additionalProperties: false}
  steps: [{stepId: s, operationId: listPets}]
- workflowId: caller
  inputs: {type: object, properties: {token: {type: string}}}
  dependsOn: [strict]
  steps: [{stepId: s, operationId: listPets}]
""",
    )
    server.reset({("GET", "/pets"): [(200, [])]})
    result = arazzo_runner.load(path).run(
        "caller", {"token": "t"}, servers={"pets": server.url}, options=FAST
    )
    assert result.succeeded, result.error
    assert server.count("/pets") == 2
