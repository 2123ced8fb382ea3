"""Metrics from a run (SDK InMemoryMetricReader), and ``traceparent`` only with propagation on.

The flagship against the SageMaker emulator, journaled, with one throttled DescribeTrainingJob
(retried by the transport) and polls every 5 s on an injected clock: runs, step executions,
requests by status code, request durations, waits, retries and journal commits are counted.
"""

from __future__ import annotations

import time
from typing import Any

import arazzo_runner
from arazzo_runner.aws.emulator_faults import Fault
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP, flagship_inputs

from .conftest import Captured

INPUTS = flagship_inputs()
PACED = RunOptions(pacing=PollPacing(interval=5, jitter=0))


class Clock:
    """The wall clock plus every second slept: a sleep returns at once but the run sees it pass."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return time.time() + self.offset

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.offset += seconds


class HeaderKeeper(SageMakerEmulator):
    """The emulator, keeping the headers of every request it is sent."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.seen: list[dict[str, str]] = []

    def handle(self, request):  # type: ignore[no-untyped-def]
        self.seen.append({name.lower(): value for name, value in request.headers})
        return super().handle(request)


def _sum(points, **where) -> float:
    return sum(
        getattr(p, "value", None) if hasattr(p, "value") else p.sum
        for p in points
        if all(p.attributes.get(k) == v for k, v in where.items())
    )


def test_run_metrics(captured, tmp_path) -> None:
    emulator = SageMakerEmulator(in_progress=2)
    emulator.add_fault(Fault(code="ThrottlingException", operation="DescribeTrainingJob", times=1))
    clock = Clock()
    with EmulatorServer(emulator) as server:
        result = arazzo_runner.load(FLAGSHIP).run(
            None,
            {**INPUTS, "trainingJobName": "metrics-1"},
            servers={"sagemakerApi": server.url},
            options=PACED,
            sleep=clock.sleep,
            clock=clock,
            journal=tmp_path / "runs.db",
            telemetry=captured.telemetry,
        )
    assert result.status == "succeeded", result.error
    metrics = captured.metrics()
    assert _sum(metrics["arazzo.runs.started"]) == 1
    assert _sum(metrics["arazzo.runs.finished"], **{"arazzo.run.status": "succeeded"}) == 1
    assert _sum(metrics["arazzo.step.executions"], **{"arazzo.step.outcome": "succeeded"}) == 4
    # 4 answered exchanges; the throttled one was retried by the transport inside its exchange
    assert _sum(metrics["arazzo.requests"], **{"http.response.status_code": 200}) == 4
    assert _sum(metrics["arazzo.retries"], **{"arazzo.retry.kind": "transport"}) == 1
    assert sum(p.count for p in metrics["http.client.request.duration"]) == 4
    waits = metrics["arazzo.wait.duration"]
    assert sum(p.count for p in waits) == 2
    # the poll waits (5 s, then 7.5 s: backoff 1.5) as the run's clock saw them pass; the
    # transport's backoff after the throttle went through the sleeper too, but is no poll wait
    assert abs(sum(p.sum for p in waits) - 12.5) < 0.5
    commits = metrics["arazzo.journal.commit.duration"]
    assert sum(p.count for p in commits) >= 5 and all(p.sum > 0 for p in commits)


def test_traceparent_only_with_propagation(tmp_path) -> None:
    for propagate in (False, True):
        captured = Captured(propagate=propagate)
        emulator = HeaderKeeper(in_progress=1)
        with EmulatorServer(emulator) as server:
            result = arazzo_runner.load(FLAGSHIP).run(
                None,
                {**INPUTS, "trainingJobName": f"tp-{propagate}"},
                servers={"sagemakerApi": server.url},
                options=RunOptions(pacing=PollPacing(interval=0)),
                telemetry=captured.telemetry,
            )
        assert result.status == "succeeded", result.error
        assert len(emulator.seen) == 3
        if not propagate:  # an AWS request gets no foreign headers by default
            assert not any("traceparent" in headers for headers in emulator.seen)
            continue
        steps = {s.context.span_id: s for s in captured.spans() if s.name.startswith("arazzo.step")}
        for headers in emulator.seen:
            version, trace_id, span_id, flags = headers["traceparent"].split("-")
            assert version == "00" and int(flags, 16) & 1  # sampled
            step = steps[int(span_id, 16)]  # the step execution whose request this is
            assert int(trace_id, 16) == step.context.trace_id


def test_propagation_on_an_asyncio_run_is_refused_not_skipped() -> None:
    import asyncio

    import pytest

    from arazzo_runner.errors import UsageError

    captured = Captured(propagate=True)
    document = arazzo_runner.load(FLAGSHIP)
    with pytest.raises(UsageError, match="synchronous runs"):
        asyncio.run(
            document.run_async(
                None, INPUTS, servers={"sagemakerApi": "http://127.0.0.1:9"}, telemetry=captured.telemetry
            )
        )
