"""The flagship as one trace: span tree and semantic-convention attributes, against the emulator.

``workflows/amazon-sagemaker-train-and-poll-job-workflow.yml`` runs unmodified against the local
SageMaker emulator (SigV4 verified), its spans captured by the SDK's InMemorySpanExporter.
"""

from __future__ import annotations

import pytest

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP, flagship_inputs

INPUTS = flagship_inputs()
#: Polls every 5 s, on an injected sleeper that records instead of waiting.
PACED = RunOptions(pacing=PollPacing(interval=5))


def by_id(spans):
    return {span.context.span_id: span for span in spans}


def tree(spans) -> list[str]:
    """The span tree as indented names, children in start order."""
    children: dict = {}
    for span in spans:
        children.setdefault(span.parent.span_id if span.parent else None, []).append(span)
    lines: list[str] = []

    def walk(parent, depth):
        for span in sorted(children.get(parent, []), key=lambda s: s.start_time):
            lines.append("  " * depth + span.name)
            walk(span.context.span_id, depth + 1)

    walk(None, 0)
    return lines


@pytest.fixture
def emulator():
    with EmulatorServer(SageMakerEmulator(in_progress=2)) as server:
        yield server


def test_flagship_is_one_trace_with_its_span_tree(captured, emulator) -> None:
    slept: list[float] = []
    document = arazzo_runner.load(FLAGSHIP)
    result = document.run(
        None,
        {**INPUTS, "trainingJobName": "otel-1"},
        servers={"sagemakerApi": emulator.url},
        options=PACED,
        telemetry=captured.telemetry,
        sleep=slept.append,
    )
    assert result.status == "succeeded", result.error
    spans = captured.spans()
    assert len({span.context.trace_id for span in spans}) == 1
    lines = tree(spans)
    # create, then InProgress twice (each poll: a step execution, its request, a wait), then Completed
    assert lines[0] == "arazzo.run train-and-poll-job"
    assert lines[1] == "  arazzo.workflow train-and-poll-job"
    steps = [line.strip() for line in lines if line.startswith("    arazzo.step")]
    assert steps[0] == "arazzo.step createTrainingJob"
    assert steps[1:] == ["arazzo.step pollTrainingJob"] * 3
    assert sum(1 for line in lines if line == "      POST") == 4
    assert sum(1 for line in lines if line.startswith("    arazzo.wait")) == 2

    waits = [s for s in spans if s.name.startswith("arazzo.wait")]
    assert [w.attributes["arazzo.wait.seconds"] for w in waits] == slept
    assert all(w.attributes["arazzo.wait.reason"] == "poll" for w in waits)
    polls = [s for s in spans if s.name == "arazzo.step pollTrainingJob"]
    assert [s.attributes["arazzo.step.execution"] for s in polls] == [1, 2, 3]
    assert all(s.attributes["arazzo.step.outcome"] == "succeeded" for s in polls)
    spans_by_id = by_id(spans)
    requests = [s for s in spans if s.name == "POST"]
    create = requests[0]
    assert spans_by_id[create.parent.span_id].name == "arazzo.step createTrainingJob"
    assert create.kind.name == "CLIENT"
    assert create.attributes["http.request.method"] == "POST"
    assert create.attributes["url.full"] == emulator.url + "/"
    assert create.attributes["server.address"] == "127.0.0.1"
    assert create.attributes["http.response.status_code"] == 200
    assert create.attributes["rpc.system"] == "aws-api"
    assert create.attributes["rpc.service"] == "SageMaker"
    assert create.attributes["rpc.method"] == "CreateTrainingJob"
    assert create.attributes["aws.request_id"]
    assert [s.attributes["rpc.method"] for s in requests[1:]] == ["DescribeTrainingJob"] * 3
    run = spans[-1]
    assert run.name.startswith("arazzo.run") and run.parent is None
    assert run.attributes["arazzo.run.status"] == "succeeded"
    assert run.status.status_code.name == "UNSET"
    # the steps nest in time inside the run
    assert all(run.start_time <= s.start_time <= s.end_time <= run.end_time for s in spans)
    # a request span lasts as long as its exchange did, inside its step execution
    assert all(r.end_time > r.start_time for r in requests)
    for r in requests:
        step = spans_by_id[r.parent.span_id]
        assert step.start_time <= r.start_time and r.end_time <= step.end_time


def test_a_failed_run_async_marks_its_spans_as_errors(captured) -> None:
    import asyncio

    from arazzo_runner.aws.emulator_faults import Fault

    emulator = SageMakerEmulator(in_progress=1)
    emulator.add_fault(Fault(code="ValidationException", status=400, operation="CreateTrainingJob"))
    with EmulatorServer(emulator) as server:
        document = arazzo_runner.load(FLAGSHIP)
        result = asyncio.run(
            document.run_async(
                None, {**INPUTS, "trainingJobName": "otel-fail"}, servers={"sagemakerApi": server.url},
                telemetry=captured.telemetry,
            )
        )  # fmt: skip
    assert result.status == "failed"
    spans = {span.name: span for span in captured.spans()}
    request = spans["POST"]
    assert request.attributes["http.response.status_code"] == 400
    assert request.attributes["error.type"] == "400"
    assert request.status.status_code.name == "ERROR"
    step = spans["arazzo.step createTrainingJob"]
    assert step.attributes["arazzo.step.outcome"] == "failed"
    assert step.status.status_code.name == "ERROR"
    run = spans["arazzo.run train-and-poll-job"]
    assert run.attributes["arazzo.run.status"] == "failed"
    assert run.status.status_code.name == "ERROR"
    failed = captured.metrics()["arazzo.runs.finished"]
    assert [p.attributes["arazzo.run.status"] for p in failed] == ["failed"]


@pytest.mark.parametrize("traced", [False, True])
def test_an_asyncio_journaled_run_is_journaled_once(captured, emulator, tmp_path, traced: bool) -> None:
    """The telemetry wiring leaves the run as it was: one journaled run, traced or not."""
    import asyncio

    from arazzo_runner.journal import Journal

    journal = tmp_path / "runs.db"
    result = asyncio.run(
        arazzo_runner.load(FLAGSHIP).run_async(
            None, {**INPUTS, "trainingJobName": f"async-{traced}"}, servers={"sagemakerApi": emulator.url},
            options=RunOptions(pacing=PollPacing(interval=0)), journal=journal,
            telemetry=captured.telemetry if traced else None,
        )
    )  # fmt: skip
    assert result.status == "succeeded", result.error
    with Journal(journal) as store:
        assert [(r.id, r.status) for r in store.runs()] == [(result.run_id, "succeeded")]
    assert bool(captured.spans()) is traced
