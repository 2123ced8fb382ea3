"""What one test case did, from its events: step spans, polls, waits and exchanges on a time axis.

The reports (HTML timeline, JUnit ``system-out``) read this, never the events themselves. Times
are seconds from the case's start. Events arrive already masked by the engine; the request and
response headers and bodies are passed through the document's :class:`Redactor` once more, so a
report never holds a credential even if an event carried one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..camel_forms import CamelDict, CamelForm
from ..engine import events as ev

#: Bodies kept per exchange in a report (characters of their JSON); longer ones are cut and say so.
MAX_BODY_CHARS = 8000
#: Exchanges kept per case: a poll loop of thousands of answers keeps the first and last ones.
MAX_EXCHANGES = 200


@dataclass(kw_only=True)
class StepSpan(CamelDict):
    """One execution of a step on the case's time axis; fields in the order a report's JSON shows them."""

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    step_id: str
    workflow_id: str = ""
    execution: int
    attempt: int = 1
    start: float
    end: float | None = None
    status: str | None = None
    status_code: int | None = None
    reason: str | None = None


#: ``to_dict``: a report's step span, times in seconds rounded to microseconds.
StepSpan.camel_form = CamelForm(StepSpan, rounded={"start": 6, "end": 6})


@dataclass
class Wait:
    step_id: str
    start: float
    seconds: float
    reason: str  # "poll" or "retry" (engine) or "transport" (a transport retry's back-off)


@dataclass
class Exchange:
    step_id: str
    start: float
    method: str
    url: str
    request_headers: list[tuple[str, str]]
    request_body: Any
    status_code: int | None = None
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: Any = None
    duration_ms: float | None = None
    error_code: str | None = None
    transport_error: str | None = None


@dataclass
class Trace:
    """Collects a case's events (it is the ``on_event`` listener); ``origin`` is the case's start."""

    origin: float
    redactor: Any = None
    spans: list[StepSpan] = field(default_factory=list)
    waits: list[Wait] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    dropped_exchanges: int = 0
    end: float = 0.0
    _open: dict[str, StepSpan] = field(default_factory=dict)

    def __call__(self, event: ev.Event) -> None:
        t = max(0.0, event.at - self.origin) if event.at else self.end
        self.end = max(self.end, t)
        if isinstance(event, ev.StepStarted):
            span = StepSpan(
                step_id=event.step_id,
                workflow_id=event.workflow_id,
                execution=event.execution,
                attempt=event.attempt,
                start=t,
            )
            self.spans.append(span)
            self._open[event.step_id] = span
        elif isinstance(event, ev.StepFinished):
            found = self._open.pop(event.step_id, None)
            span = found if found is not None else StepSpan(step_id=event.step_id, execution=0, start=t)
            span.end, span.status, span.status_code = t, event.status, event.status_code
            span.reason = event.reason
            if span.start >= t and event.duration_ms:  # same tick: the step's own measure
                span.start = max(0.0, t - event.duration_ms / 1000)
        elif isinstance(event, ev.Sleeping):
            self.waits.append(Wait(event.step_id, t, event.seconds, event.reason))
        elif isinstance(event, ev.TransportRetried):
            self.waits.append(Wait(event.step_id, t, event.delay, "transport"))
        elif isinstance(event, ev.RequestBuilt):
            self._add_exchange(
                Exchange(
                    event.step_id,
                    t,
                    event.method,
                    self._url(event.url),
                    self._headers(event.headers),
                    self._body(event.body),
                )
            )
        elif isinstance(event, ev.ResponseReceived):
            exchange = self._last_open_exchange(event.step_id)
            if exchange is not None:
                exchange.status_code = event.status_code
                exchange.response_headers = self._headers(event.headers)
                exchange.response_body = self._body(event.body)
                exchange.duration_ms = event.duration_ms
                exchange.error_code = event.error_code
        elif isinstance(event, ev.TransportFailed):
            exchange = self._last_open_exchange(event.step_id)
            if exchange is not None:
                exchange.transport_error = self._text(event.message)
        elif isinstance(event, ev.Warning | ev.LimitHit):
            self.warnings.append(self._text(event.message))

    def _add_exchange(self, exchange: Exchange) -> None:
        if len(self.exchanges) >= MAX_EXCHANGES:
            # keep the first half and a rolling tail: the start and the end of a long poll loop
            del self.exchanges[MAX_EXCHANGES // 2]
            self.dropped_exchanges += 1
        self.exchanges.append(exchange)

    def _last_open_exchange(self, step_id: str) -> Exchange | None:
        for exchange in reversed(self.exchanges):
            if (
                exchange.step_id == step_id
                and exchange.status_code is None
                and exchange.transport_error is None
            ):
                return exchange
        return None

    def _headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return list(self.redactor.headers(headers)) if self.redactor is not None else list(headers)

    def _url(self, url: str) -> str:
        return self.redactor.url(url) if self.redactor is not None else url

    def _text(self, text: str) -> str:
        return self.redactor.text(text) if self.redactor is not None else text

    def _body(self, body: Any) -> Any:
        if body is None:
            return None
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        value = self.redactor.data(body) if self.redactor is not None else body
        if isinstance(value, str):
            value = self._text(value)
            return (
                value
                if len(value) <= MAX_BODY_CHARS
                else value[:MAX_BODY_CHARS] + f"… ({len(value)} characters)"
            )
        import json

        text = json.dumps(value, ensure_ascii=False, default=str)
        if len(text) > MAX_BODY_CHARS:
            return text[:MAX_BODY_CHARS] + f"… ({len(text)} characters)"
        return value

    def failed_span(self) -> StepSpan | None:
        """The last step execution that failed (the one a failure report names)."""
        for span in reversed(self.spans):
            if span.status == "failed":
                return span
        return None

    def last_exchange_of(self, step_id: str) -> Exchange | None:
        for exchange in reversed(self.exchanges):
            if exchange.step_id == step_id:
                return exchange
        return None
