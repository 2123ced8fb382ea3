"""Runs on Temporal as one trace: temporalio's own OpenTelemetry interceptor, and the run's spans.

The interceptor (``temporalio.contrib.opentelemetry.TracingInterceptor``) goes on the client of
the submitting process and of every worker (a worker takes its client's interceptors): the
submission's span context travels in the workflow's headers, in Temporal's history, so every
workflow task and every ``arazzo.send`` activity on any worker, also one that took over from a
killed worker, is a span of the same trace. The submitting process turns the events it follows
into the run's own spans (:class:`~.spans.RunTracer`) under its submission span, and a worker
puts each request's HTTP attributes on its activity's span (:func:`exchange_attributes`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..engine.events import Event
from ..engine.redaction import Redactor
from .attributes import Attributes
from .setup import Telemetry
from .spans import RunTracer


def exchange_attributes(exchange: Any) -> None:
    """In a worker's ``arazzo.send`` activity: the request's HTTP (and AWS) attributes on the
    activity's span (the interceptor's ``RunActivity``, current while the activity runs). The
    exchange is the one history keeps (credentials already redacted); the redactor runs again."""
    from opentelemetry import trace
    from opentelemetry.trace import Status, StatusCode

    span = trace.get_current_span()
    if not span.is_recording() or exchange.request is None:
        return
    attributes = Attributes()
    request = exchange.request
    span.set_attributes(attributes.request(request.method, request.url, request.headers))
    if exchange.response is not None:
        span.set_attributes(attributes.response(exchange.response.status_code, exchange.response.headers))
    else:
        span.set_attribute("error.type", "transport")
        span.set_status(
            Status(StatusCode.ERROR, attributes.redactor.text(exchange.error or "no response")[:512])
        )


def interceptors(telemetry: Telemetry | None) -> list[Any]:
    """The client interceptors for ``telemetry`` (none without it: nothing is imported)."""
    if telemetry is None:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor(telemetry.tracer)]


@contextlib.contextmanager
def submission(
    telemetry: Telemetry | None,
    workflow_id: str,
    on_event: Callable[[Event], None] | None,
    *,
    document: Any = None,
    inputs: Mapping[str, Any] | None = None,
) -> Iterator[Callable[[Event], None] | None]:
    """Around submitting and following a run: its ``arazzo.submit`` span is current (the
    interceptor's StartWorkflow span nests in it), and the events followed become the run's
    spans under it. Yields the listener to follow the run with.

    ``document`` and ``inputs``: the redactor of the run's attributes knows the document's apiKey
    names and masks the secret inputs, as a local run's does (the events come masked already)."""
    if telemetry is None:
        yield on_event
        return
    redactor = _redactor(document, workflow_id, inputs or {}) if document is not None else None
    with telemetry.tracer.start_as_current_span(
        f"arazzo.submit {workflow_id}", attributes={"arazzo.workflow.id": workflow_id}
    ) as span:
        tracer = RunTracer(telemetry.tracer, telemetry.metrics, Attributes(redactor), parent=span)
        yield telemetry.listener(tracer, on_event)


def _redactor(document: Any, workflow_id: str, inputs: Mapping[str, Any]) -> Redactor:
    from ..document.describe import pick_workflow
    from ..engine.inputs import secret_input_names
    from ..engine.masking import Masker

    workflow = pick_workflow(document, workflow_id)
    return Redactor.for_document(document, Masker.for_inputs(secret_input_names(document, workflow), inputs))
