"""Telemetry for runs: providers (the caller's, or built from ``OTEL_*``), one tracer per run.

Library users pass their own ``TracerProvider``/``MeterProvider`` (``Telemetry(tracer_provider=
..., meter_provider=...)``); without them the global providers of ``opentelemetry`` are used.
:meth:`Telemetry.from_environment` (what ``arazzo run --otel`` uses) builds SDK providers that
export OTLP over HTTP, configured by the standard variables (``OTEL_EXPORTER_OTLP_ENDPOINT``,
``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``, ...): the
exporters are the SDK's own, never ours.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from opentelemetry import metrics, trace

from .. import __version__
from ..engine.events import Event
from .attributes import Attributes
from .metrics import RunMetrics
from .spans import SCOPE, RunTracer

#: The journal timeline entry that keeps a run's trace context (``traceparent`` format).
TRACE_NOTE = "trace"


class Telemetry:
    """Where a run's spans and metrics go, and whether outgoing requests carry ``traceparent``."""

    def __init__(
        self,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        *,
        propagate: bool = False,
    ) -> None:
        self.tracer = (tracer_provider or trace.get_tracer_provider()).get_tracer(SCOPE, __version__)
        self.metrics = RunMetrics(
            (meter_provider or metrics.get_meter_provider()).get_meter(SCOPE, __version__)
        )
        #: ``--propagate-trace``: a W3C ``traceparent`` on every outgoing request (off by default:
        #: an AWS request gets no foreign headers unless asked).
        self.propagate = propagate
        self._owned: list[Any] = []

    @classmethod
    def from_environment(cls, *, propagate: bool = False) -> Telemetry:
        """SDK providers exporting OTLP/HTTP as the ``OTEL_*`` environment variables say."""
        import os

        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        resource = Resource.create(
            {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": "arazzo-runner"}
        )
        tracer_provider = TracerProvider(resource=resource)
        tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        meter_provider = MeterProvider(
            resource=resource, metric_readers=[PeriodicExportingMetricReader(OTLPMetricExporter())]
        )
        made = cls(tracer_provider, meter_provider, propagate=propagate)
        made._owned = [tracer_provider, meter_provider]
        return made

    def shutdown(self) -> None:
        """Flush and stop the providers :meth:`from_environment` made (the caller's stay open)."""
        for provider in self._owned:
            provider.shutdown()
        self._owned = []

    # -- one run ------------------------------------------------------------------------------

    def run_tracer(self, execution: Any, *, journal: Any = None, resumed: bool = False) -> RunTracer:
        """The event consumer for one run; ``journal`` (a RunJournal) keeps or gives its trace."""
        redactor = getattr(execution, "redactor", None)
        parent = None
        on_trace: Callable[[str | None], None] | None = None
        if journal is not None:
            if resumed:
                parent = _parent_from(journal.journal.timeline(journal.run_id))
            else:
                store, run_id = journal.journal, journal.run_id

                def on_trace(traceparent: str | None) -> None:
                    if traceparent is not None:
                        store.note(run_id, TRACE_NOTE, traceparent)

        return RunTracer(
            self.tracer, self.metrics, Attributes(redactor), parent=parent, resumed=resumed, on_trace=on_trace
        )

    def listener(
        self, tracer: RunTracer, on_event: Callable[[Event], None] | None
    ) -> Callable[[Event], None]:
        """``on_event`` with the run's tracer in front of it: both see every event."""
        if on_event is None:
            return tracer

        def both(event: Event) -> None:
            tracer(event)
            on_event(event)

        return both

    def timed(self, hook: Any) -> Any:
        """``hook`` (a RunJournal) with its commits timed into ``arazzo.journal.commit.duration``."""
        return None if hook is None else TimedJournal(hook, self.metrics.journal_commit)


def _parent_from(timeline: list[dict[str, Any]]) -> Any:
    """The original run span (remote, not recording) from the journal's ``trace`` note."""
    from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

    notes = [entry["detail"] for entry in timeline if entry["kind"] == TRACE_NOTE and entry["detail"]]
    if not notes:
        return None
    context = TraceContextTextMapPropagator().extract({"traceparent": notes[0]})
    span = trace.get_current_span(context)
    return span if span.get_span_context().is_valid else None


class TimedJournal:
    """A journal hook whose transitions (each a commit) are timed; everything else passes through."""

    def __init__(self, hook: Any, histogram: Any) -> None:
        object.__setattr__(self, "_hook", hook)
        object.__setattr__(self, "_histogram", histogram)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hook, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._hook, name, value)

    def transition(self, execution: Any, need: Any, events: list[Event]) -> Any:
        started = time.perf_counter()
        try:
            return self._hook.transition(execution, need, events)
        finally:
            self._histogram.record(time.perf_counter() - started)

    async def transition_async(self, execution: Any, need: Any, events: list[Event]) -> Any:
        started = time.perf_counter()
        try:
            return await self._hook.transition_async(execution, need, events)
        finally:
            self._histogram.record(time.perf_counter() - started)


class RunWiring:
    """One run's telemetry plugged into a driver call: the listener, the timed journal, the client.

    Used as a context manager around the driver: a run stopped by an exception (Ctrl-C, SIGTERM)
    ends its open spans marked as errors, so what was done is still exported.
    """

    def __init__(
        self,
        telemetry: Telemetry,
        execution: Any,
        *,
        journal: Any,
        on_event: Callable[[Event], None] | None,
        client: Any,
        clock: Callable[[], float],
        resumed: bool = False,
    ) -> None:
        self.tracer = telemetry.run_tracer(execution, journal=journal, resumed=resumed)
        if journal is not None:
            self.tracer.run_attributes["arazzo.run.id"] = journal.run_id
        self.on_event = telemetry.listener(self.tracer, on_event)
        self.journal = telemetry.timed(journal)
        self.clock = clock
        self.client = client
        self._hooked: Any = None
        if telemetry.propagate:
            if client is None or _is_async(client):
                from ..errors import UsageError

                # An asyncio run's client is shared by every run on the loop: a hook on it would
                # put one run's traceparent on another's requests. Refused rather than skipped.
                raise UsageError("trace propagation is for synchronous runs (Document.run, the CLI)")
            client.event_hooks["request"].append(self._traceparent)
            self._hooked = client

    def _traceparent(self, request: Any) -> None:
        """httpx request hook: the W3C ``traceparent`` of the request's span (``--propagate-trace``)."""
        value = self.tracer.traceparent()
        if value is not None:
            request.headers["traceparent"] = value

    def __enter__(self) -> RunWiring:
        return self

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if self._hooked is not None:
            self._hooked.event_hooks["request"].remove(self._traceparent)
        if exc is not None:
            self.tracer.close(self.clock(), type(exc).__name__)


def _is_async(client: Any) -> bool:
    import httpx

    return isinstance(client, httpx.AsyncClient)
