"""The event consumer on its own: events in, spans out (message steps, nested workflows, waits)."""

from __future__ import annotations

from arazzo_runner.engine import events as ev
from arazzo_runner.telemetry.attributes import Attributes
from arazzo_runner.telemetry.spans import RunTracer


def test_message_steps_nested_workflows_and_waits(captured) -> None:
    telemetry = captured.telemetry
    tracer = RunTracer(telemetry.tracer, telemetry.metrics, Attributes())
    queue = "https://sqs.us-east-1.amazonaws.com/123456789012/events?token=abc"
    for event in [
        ev.RunStarted("main", {}, at=100.0),
        ev.WorkflowStarted("main", "run", 0, at=100.0),
        ev.StepStarted("main", "publish", 1, 1, at=100.1),
        ev.MessageSent("publish", "sqs", queue, {}, {"a": 1}, "m-1", 50.0, at=100.2),
        ev.StepFinished("main", "publish", 1, "succeeded", None, {}, 100.0, at=100.2),
        ev.StepStarted("main", "child", 1, 1, at=100.3),
        ev.WorkflowStarted("sub", "step", 1, at=100.3),
        ev.StepStarted("sub", "wait", 1, 1, at=100.3),
        ev.MessageReceived("wait", "sqs", queue, {}, {"b": 2}, "m-2", 1000.0, at=101.3),
        ev.ActionChosen("wait", "again", "retry", None, "step", at=101.3),
        ev.StepFinished("sub", "wait", 1, "failed", None, {}, 1000.0, reason="not yet", at=101.3),
        ev.Sleeping("wait", 30.0, "retry", at=101.3),
        ev.StepStarted("sub", "wait", 2, 2, at=131.3),
        ev.StepFinished("sub", "wait", 2, "succeeded", None, {}, 1.0, at=131.4),
        ev.WorkflowFinished("sub", "succeeded", {}, 1, at=131.4),
        ev.StepFinished("main", "child", 1, "succeeded", None, {}, 31100.0, at=131.4),
        ev.WorkflowFinished("main", "succeeded", {}, 0, at=131.5),
        ev.RunFinished("main", "succeeded", {}, None, 0, 31500.0, at=131.5),
    ]:
        tracer(event)
    spans = captured.spans()
    by_id = {s.context.span_id: s for s in spans}

    def parent(span):
        return by_id[span.parent.span_id].name

    named = {s.name: s for s in spans}
    send = named["send https://sqs.us-east-1.amazonaws.com/123456789012/events?token=[redacted]"]
    assert send.kind.name == "PRODUCER" and parent(send) == "arazzo.step publish"
    assert send.attributes["messaging.system"] == "aws_sqs"
    assert send.attributes["messaging.message.id"] == "m-1"
    assert (send.end_time - send.start_time) == 50_000_000
    receive = next(s for s in spans if s.name.startswith("receive "))
    assert receive.kind.name == "CONSUMER" and parent(receive) == "arazzo.step wait"
    assert parent(named["arazzo.workflow sub"]) == "arazzo.step child"
    wait = named["arazzo.wait retry"]
    assert parent(wait) == "arazzo.workflow sub"
    assert (wait.end_time - wait.start_time) == 30_000_000_000
    attempts = [s for s in spans if s.name == "arazzo.step wait"]
    assert [(s.attributes["arazzo.step.attempt"], s.attributes["arazzo.step.outcome"]) for s in attempts] == [
        (1, "failed"),
        (2, "succeeded"),
    ]
    assert attempts[0].attributes["arazzo.step.reason"] == "not yet"
    assert [e.name for e in attempts[0].events] == ["action"]
    assert "token=abc" not in str([dict(s.attributes) for s in spans])
    metrics = captured.metrics()
    assert sum(p.value for p in metrics["arazzo.retries"]) == 1
    assert abs(sum(p.sum for p in metrics["arazzo.wait.duration"]) - 30.0) < 1e-6


def test_a_fault_in_tracing_never_fails_the_run(captured, caplog) -> None:
    """A tracer that raises (a broken exporter, a bug) is logged once; the run goes on."""

    class Exploding:
        def start_span(self, *args, **kwargs):
            raise RuntimeError("exporter on fire")

    tracer = RunTracer(Exploding(), None, Attributes())
    tracer(ev.RunStarted("main", {}, at=1.0))
    tracer(ev.WorkflowStarted("main", "run", 0, at=1.0))
    assert tracer.broken
    assert [r.message for r in caplog.records] == ["arazzo_runner: tracing stopped at a run_started event"]
