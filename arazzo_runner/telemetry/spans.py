"""The event consumer that turns one run's events into one trace and its metrics.

Span tree (the names a tracing backend shows)::

    arazzo.run <workflow>                 (or arazzo.resume <workflow>: same trace, linked)
      arazzo.workflow <workflow>          one per workflow execution (nested workflows nest)
        arazzo.step <step>                one per step execution: attempt, poll number, outcome
          <METHOD>                        one per HTTP request (semantic-convention attributes)
          send <address> / receive <address>
        arazzo.wait <reason>              the time spent waiting before the next poll or retry

Spans start and end at the events' own times (``Event.at``, the driver's clock in seconds since
the epoch), so a five-day poll is a readable timeline, not a five-day open span in this process.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ..engine import events as ev
from .attributes import Attributes
from .metrics import RunMetrics

SCOPE = "arazzo_runner"
_PROPAGATOR = TraceContextTextMapPropagator()


def _ns(seconds: float) -> int:
    return int(seconds * 1_000_000_000)


@dataclass
class _Frame:
    """A workflow being executed, and the step execution open in it."""

    workflow_id: str
    span: Any
    step: Any = None
    step_id: str | None = None
    steps: dict[str, Any] = field(default_factory=dict)


class RunTracer:
    """Consumes one run's events (call it with each event) and makes its spans and metrics.

    ``parent``: a span context the run joins (a resumed run's original run span; on Temporal,
    the submitting process's). ``on_trace``: called once with the run span's ``traceparent``
    when the run span starts, so the journal can keep it for a resume.
    """

    def __init__(
        self,
        tracer: Any,
        metrics: RunMetrics | None,
        attributes: Attributes,
        *,
        parent: Any = None,
        resumed: bool = False,
        on_trace: Any = None,
    ) -> None:
        self.tracer = tracer
        self.metrics = metrics
        self.attributes = attributes
        self.parent = parent
        self.resumed = resumed
        self.on_trace = on_trace
        self.run_span: Any = None
        self.frames: list[_Frame] = []
        #: The request reported but not yet answered, and its transport retries (``_request_built``).
        self._pending: Any = None
        self._retries: list[ev.TransportRetried] = []
        self.wait: Any = None
        self.wait_started = 0.0
        self._wait_reason = ""
        #: Set when a fault stopped the tracing of this run (see ``__call__``).
        self.broken = False
        self.workflow_id = ""
        #: Set on the run span when it starts (the journal's run id).
        self.run_attributes: dict[str, Any] = {}

    # -- the consumer --------------------------------------------------------------------------

    def __call__(self, event: ev.Event) -> None:
        """One event in. Telemetry never fails a run: a fault here is logged once (the logging
        module, as the SDK reports its own) and the rest of the run is not traced."""
        if self.broken:
            return
        try:
            if self.wait is not None and not isinstance(event, ev.Sleeping):
                self._end_wait(event.at)
            handler = getattr(self, "_" + event.kind, None)
            if handler is not None:
                handler(event)
        except Exception:
            self.broken = True
            logging.getLogger(__name__).exception("arazzo_runner: tracing stopped at a %s event", event.kind)

    def context(self) -> Any:
        """The context of the innermost open span: the step execution while its request is sent."""
        span = self._current() or self.run_span
        return trace.set_span_in_context(span) if span is not None else None

    def traceparent(self) -> str | None:
        """The W3C ``traceparent`` of the innermost open span (the SDK's propagator writes it)."""
        context = self.context()
        if context is None:
            return None
        carrier: dict[str, str] = {}
        _PROPAGATOR.inject(carrier, context=context)
        return carrier.get("traceparent")

    def close(self, at: float, error: str | None = None) -> None:
        """End every span still open (the run stopped by an exception): marked as errors."""
        self._close_inner(at, error)
        if self.run_span is not None:
            self.run_span.set_status(Status(StatusCode.ERROR, error or "interrupted"))
            self.run_span.end(end_time=_ns(at))
            self.run_span = None

    def _close_inner(self, at: float, error: str | None) -> None:
        for span in [self.wait]:
            if span is not None:
                span.set_status(Status(StatusCode.ERROR, error or "interrupted"))
                span.end(end_time=_ns(at))
        self.wait = None
        for frame in reversed(self.frames):
            for span in (frame.step, frame.span):
                if span is not None:
                    span.set_status(Status(StatusCode.ERROR, error or "interrupted"))
                    span.end(end_time=_ns(at))
        self.frames.clear()

    # -- helpers ------------------------------------------------------------------------------

    def _start(self, name: str, parent: Any, at: float, attributes: dict[str, Any], **options: Any) -> Any:
        context = trace.set_span_in_context(parent) if parent is not None else None
        return self.tracer.start_span(
            name, context=context, start_time=_ns(at), attributes=self.attributes.clean(attributes), **options
        )

    def _current(self) -> Any:
        if not self.frames:
            return None
        frame = self.frames[-1]
        return frame.step or frame.span

    def _ensure_run(self, workflow_id: str, at: float) -> Any:
        """The run span; a resumed run (no ``run_started``) gets its resume span here."""
        if self.run_span is None:
            self._begin_run(workflow_id, at, {})
        return self.run_span

    def _begin_run(self, workflow_id: str, at: float, attributes: dict[str, Any]) -> None:
        self.workflow_id = workflow_id
        links = []
        context = None
        if self.parent is not None:
            parent_context = self.parent.get_span_context()
            if self.resumed:
                links.append(Link(parent_context, {"arazzo.link": "resumed run"}))
            context = trace.set_span_in_context(self.parent)
        name = f"arazzo.{'resume' if self.resumed else 'run'} {workflow_id}"
        self.run_span = self.tracer.start_span(
            name,
            context=context,
            start_time=_ns(at),
            links=links,
            attributes=self.attributes.clean(
                {
                    "arazzo.workflow.id": workflow_id,
                    "arazzo.run.resumed": self.resumed,
                    **self.run_attributes,
                    **attributes,
                }
            ),
        )
        if self.metrics is not None:
            self.metrics.runs_started.add(
                1, {"arazzo.workflow.id": workflow_id, "arazzo.run.resumed": self.resumed}
            )
        if self.on_trace is not None:
            self.on_trace(self.traceparent())

    def _frame_for(self, step_id: str) -> _Frame | None:
        for frame in reversed(self.frames):
            if frame.step_id == step_id:
                return frame
        return self.frames[-1] if self.frames else None

    def _step_span(self, step_id: str) -> Any:
        frame = self._frame_for(step_id)
        if frame is None:
            return self.run_span
        return frame.step if frame.step is not None else frame.span

    def _end_wait(self, at: float) -> None:
        self.wait.end(end_time=_ns(max(at, self.wait_started)))
        if self.metrics is not None:
            self.metrics.wait.record(
                max(at - self.wait_started, 0.0), {"arazzo.wait.reason": self._wait_reason}
            )
        self.wait = None

    # -- one method per event kind -------------------------------------------------------------

    def _run_started(self, event: ev.RunStarted) -> None:
        self._begin_run(event.workflow_id, event.at, {})

    def _run_journaled(self, event: Any) -> None:
        if self.run_span is not None:
            self.run_span.set_attribute("arazzo.run.id", event.run_id)

    def _workflow_started(self, event: ev.WorkflowStarted) -> None:
        run = self._ensure_run(event.workflow_id, event.at)
        parent = self._current() or run
        span = self._start(
            f"arazzo.workflow {event.workflow_id}",
            parent,
            event.at,
            {
                "arazzo.workflow.id": event.workflow_id,
                "arazzo.workflow.reason": event.reason,
                "arazzo.workflow.depth": event.depth,
            },
        )
        self.frames.append(_Frame(event.workflow_id, span))

    def _workflow_finished(self, event: ev.WorkflowFinished) -> None:
        for index in range(len(self.frames) - 1, -1, -1):
            if self.frames[index].workflow_id == event.workflow_id:
                frame = self.frames.pop(index)
                if frame.step is not None:
                    frame.step.end(end_time=_ns(event.at))
                frame.span.set_attribute("arazzo.workflow.status", event.status)
                if event.status not in ("succeeded", "ok"):
                    frame.span.set_status(Status(StatusCode.ERROR, event.status))
                frame.span.end(end_time=_ns(event.at))
                return

    def _step_started(self, event: ev.StepStarted) -> None:
        if not self.frames:  # a resumed run restarts mid-workflow: its workflow span is new
            self._workflow_started(ev.WorkflowStarted(event.workflow_id, "resume", 0, at=event.at))
        frame = self.frames[-1]
        if frame.step is not None:
            frame.step.end(end_time=_ns(event.at))
        frame.step = self._start(
            f"arazzo.step {event.step_id}",
            frame.span,
            event.at,
            {
                "arazzo.workflow.id": event.workflow_id,
                "arazzo.step.id": event.step_id,
                "arazzo.step.attempt": event.attempt,
                "arazzo.step.execution": event.execution,
            },
        )
        frame.step_id = event.step_id

    def _step_finished(self, event: ev.StepFinished) -> None:
        frame = self._frame_for(event.step_id)
        if frame is None or frame.step is None:
            return
        span = frame.step
        span.set_attributes(
            self.attributes.clean(
                {
                    "arazzo.step.outcome": event.status,
                    "arazzo.step.reason": event.reason,
                    "http.response.status_code": event.status_code,
                }
            )
        )
        if event.status not in ("succeeded", "ok", "skipped"):
            span.set_status(
                Status(StatusCode.ERROR, self.attributes.redactor.text(event.reason or event.status))
            )
        span.end(end_time=_ns(event.at))
        frame.step = None
        frame.step_id = None
        if self.metrics is not None:
            self.metrics.steps.add(
                1, {"arazzo.workflow.id": event.workflow_id, "arazzo.step.outcome": event.status}
            )

    # The engine reports an exchange once it is over: retries, then the request as built, then
    # the answer (or the transport failure), all at the same ``at``. The request span is made
    # when the answer comes, starting ``duration_ms`` earlier; the retries become its events.

    def _request_built(self, event: ev.RequestBuilt) -> None:
        self._pending = (event, self.attributes.request(event.method, event.url, event.headers))

    def _transport_retried(self, event: ev.TransportRetried) -> None:
        self._retries.append(event)
        if self.metrics is not None:
            self.metrics.retries.add(1, {"arazzo.retry.kind": "transport"})

    def _request_span(self, at: float, duration_ms: float) -> Any:
        built, attributes = self._pending
        span = self.tracer.start_span(
            built.method.upper(),
            context=trace.set_span_in_context(self._step_span(built.step_id)),
            kind=SpanKind.CLIENT,
            start_time=_ns(at - duration_ms / 1000),
            attributes=attributes,
        )
        for retry in self._retries:
            about = {
                "arazzo.retry.attempt": retry.attempt,
                "arazzo.retry.reason": retry.reason,
                "arazzo.retry.delay": retry.delay,
            }
            self._note(span, "retry", about, retry.at)
        if self._retries:
            span.set_attribute("http.request.resend_count", len(self._retries))
        self._retries = []
        return span

    def _response_received(self, event: ev.ResponseReceived) -> None:
        if self._pending is None:
            return
        request_attributes = self._pending[1]
        span = self._request_span(event.at, event.duration_ms)
        self._pending = None
        span.set_attributes(self.attributes.response(event.status_code, event.headers))
        if event.status_code >= 400:
            span.set_status(Status(StatusCode.ERROR))
        span.end(end_time=_ns(event.at))
        if self.metrics is not None:
            shared = {
                k: v
                for k, v in request_attributes.items()
                if k in ("http.request.method", "server.address", "rpc.service", "rpc.method")
            }
            shared["http.response.status_code"] = event.status_code
            self.metrics.requests.add(1, shared)
            self.metrics.request_duration.record(event.duration_ms / 1000, shared)

    def _transport_failed(self, event: ev.TransportFailed) -> None:
        if self._pending is None:
            return
        span = self._request_span(event.at, 0.0)
        self._pending = None
        span.set_attribute("error.type", "transport")
        span.set_status(Status(StatusCode.ERROR, self.attributes.redactor.text(event.message)[:512]))
        span.end(end_time=_ns(event.at))
        if self.metrics is not None:
            self.metrics.requests.add(1, {"error.type": "transport"})

    def _message(self, event: ev.MessageSent | ev.MessageReceived, operation: str) -> None:
        started = event.at - event.duration_ms / 1000
        span = self.tracer.start_span(
            f"{operation} {self.attributes.redactor.url(event.address)}",
            context=trace.set_span_in_context(self._step_span(event.step_id)),
            kind=SpanKind.PRODUCER if operation == "send" else SpanKind.CONSUMER,
            start_time=_ns(started),
            attributes=self.attributes.clean(
                {
                    "messaging.system": "aws_sqs" if event.protocol == "sqs" else event.protocol,
                    "messaging.operation.type": operation,
                    "messaging.destination.name": self.attributes.redactor.url(event.address),
                    "messaging.message.id": event.message_id,
                }
            ),
        )
        span.end(end_time=_ns(event.at))

    def _message_sent(self, event: ev.MessageSent) -> None:
        self._message(event, "send")

    def _message_received(self, event: ev.MessageReceived) -> None:
        self._message(event, "receive")

    def _criterion_evaluated(self, event: ev.CriterionEvaluated) -> None:
        attributes = {
            "arazzo.criterion.purpose": event.purpose,
            "arazzo.criterion.condition": event.condition,
            "arazzo.criterion.passed": event.passed,
        }
        self._note(self._step_span(event.step_id), "criterion", attributes, event.at)

    def _action_chosen(self, event: ev.ActionChosen) -> None:
        attributes = {
            "arazzo.action.name": event.name,
            "arazzo.action.type": event.type,
            "arazzo.action.target": event.target,
        }
        self._note(self._step_span(event.step_id), "action", attributes, event.at)
        if event.type == "retry" and self.metrics is not None:
            self.metrics.retries.add(1, {"arazzo.retry.kind": "action"})

    def _sleeping(self, event: ev.Sleeping) -> None:
        if self.wait is not None:
            self._end_wait(event.at)
        frame = self.frames[-1] if self.frames else None
        parent = frame.span if frame is not None else self.run_span
        attributes = {
            "arazzo.step.id": event.step_id,
            "arazzo.wait.reason": event.reason,
            "arazzo.wait.seconds": event.seconds,
        }
        self.wait = self._start(f"arazzo.wait {event.reason}", parent, event.at, attributes)
        self._wait_reason = event.reason
        self.wait_started = event.at

    def _warning(self, event: ev.Warning) -> None:
        attributes = {"arazzo.warning": event.message, "arazzo.step.id": event.step_id}
        self._note(self._current() or self.run_span, "warning", attributes, event.at)

    def _limit_hit(self, event: ev.LimitHit) -> None:
        attributes = {"arazzo.limit": event.limit, "arazzo.limit.message": event.message}
        self._note(self._current() or self.run_span, "limit", attributes, event.at)

    def _note(self, span: Any, name: str, attributes: dict[str, Any], at: float) -> None:
        """A span event (attributes through the run's redactor) on ``span``, if there is one."""
        if span is not None:
            span.add_event(name, self.attributes.clean(attributes), timestamp=_ns(at))

    def _run_finished(self, event: ev.RunFinished) -> None:
        run = self._ensure_run(event.workflow_id, event.at)
        run.set_attributes(
            self.attributes.clean(
                {
                    "arazzo.run.status": event.status,
                    "arazzo.run.requests": event.requests,
                    "error.type": (event.error or {}).get("type"),
                }
            )
        )
        if event.status != "succeeded":
            reason = (event.error or {}).get("message") or event.status
            run.set_status(Status(StatusCode.ERROR, self.attributes.redactor.text(str(reason))[:512]))
        if self.frames or self.wait is not None:
            self._close_inner(event.at, f"run {event.status}")
        if self.run_span is not None:
            self.run_span.end(end_time=_ns(event.at))
            self.run_span = None
        if self.metrics is not None:
            self.metrics.runs_finished.add(
                1, {"arazzo.workflow.id": event.workflow_id, "arazzo.run.status": event.status}
            )
