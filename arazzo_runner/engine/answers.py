"""What an answer says, worked out without changing the run: the exchange as expressions see it,
the events that report it, whether its body can be read, what the OpenAPI check and the server's
own words add to the verdict, and a step's or workflow's outputs.

Pure helpers of :class:`~.transitions.Machine`, which alone changes the run's state: each takes
what it reads as arguments and returns values and events (or hands warnings to ``emit``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..document.model import Step
from ..expressions import MISSING, EvaluationContext
from . import decisions as d
from .body_needs import unreadable_body
from .events import CriterionEvaluated, Event, RequestBuilt, ResponseReceived, TransportRetried, Warning
from .exchange import exchange_values
from .masking import Masker
from .needs import Exchange, Response, SendRequest
from .preparation import STEP_ERRORS, render
from .redaction import Redactor
from .unread_values import failed_step, why_missing

Emit = Callable[[Event], None]


def retried(step: Step, exchange: Exchange) -> list[Event]:
    """One :class:`TransportRetried` per request the transport sent again before this answer."""
    return [
        TransportRetried(step_id=step.step_id, attempt=retry.attempt, reason=retry.reason, delay=retry.delay)
        for retry in exchange.retries
    ]


def exchange_seen(
    need: SendRequest, exchange: Exchange, redactor: Redactor, listening: bool
) -> tuple[dict[str, Any], RequestBuilt | None]:
    """The exchange's values for expressions, and the request as built (redacted) when listening.

    The request as signed teaches ``redactor`` its credentials, listening or not: they are masked
    by value in everything reported later."""
    values = exchange_values(need, exchange)
    request = exchange.request
    if request is None:
        return values, None
    redactor.learn_request(request)
    if not listening:
        return values, None
    built = RequestBuilt(
        step_id=need.step_id,
        method=request.method,
        url=redactor.url(request.url),
        headers=redactor.headers(request.headers),
        body=redactor.data(values.get("request_body")),
    )
    return values, built


def response_received(
    step: Step, exchange: Exchange, response: Response, redactor: Redactor
) -> ResponseReceived:
    return ResponseReceived(
        step_id=step.step_id,
        status_code=response.status_code,
        headers=redactor.headers(response.headers),
        body=redactor.data(response.body),
        duration_ms=exchange.duration_ms,
        error_code=response.error_code,
    )


def unreadable(step: Step, response: Response, emit: Emit) -> str | None:
    """Why the step fails because its criteria need a body that could not be read (issue 17), or
    None; warnings about an odd body go to ``emit`` either way."""
    if response.problem is None and not response.warnings:
        return None
    warnings, reason = unreadable_body(step, response)
    for message in warnings:
        emit(Warning(message=message, step_id=step.step_id))
    return reason


def violations(step: Step, exchange: Exchange, emit: Emit) -> None:
    """Each OpenAPI violation as a warning (also for a request ``--validate=strict`` did not send)."""
    for violation in exchange.violations:
        detail = violation.to_dict() if hasattr(violation, "to_dict") else None
        emit(Warning(message=f"OpenAPI: {violation}", step_id=step.step_id, violation=detail))


def judged(
    step: Step,
    exchange: Exchange,
    response: Response,
    ok: bool,
    reason: str | None,
    validate: str,
    emit: Emit,
) -> tuple[bool, str | None]:
    """The criteria's verdict with what else the answer says: the server's own words on a failure,
    OpenAPI violations (warnings; a failure under ``validate == "strict"``), the transport's note."""
    if not ok and response.said:
        reason = f"{reason}; the API said {response.said}"  # the server's own words, with any auth hint
    violations(step, exchange, emit)
    if exchange.violations and validate == "strict" and ok:
        ok, reason = False, f"the exchange does not match the OpenAPI description: {exchange.violations[0]}"
    if exchange.note:
        emit(Warning(message=exchange.note, step_id=step.step_id))
        if not ok:
            reason = f"{reason} ({exchange.note})"
    return ok, reason


def criteria_events(step_id: str, checks: tuple[d.Check, ...], masker: Masker) -> list[Event]:
    """One event per criterion evaluated, and a warning for each that failed on a JSONPath that
    selects nothing (a comparison with nothing is false: both branches of a test can be)."""
    events: list[Event] = [
        CriterionEvaluated(
            step_id=step_id,
            purpose=check.purpose,
            condition=check.condition,
            type=check.type,
            passed=check.passed,
            explanation=masker.text(check.explanation),
        )
        for check in checks
    ]
    for check in checks:
        for path in check.unread:
            hint = ""
            if path.endswith(".length"):
                hint = f" (JSONPath has no .length: RFC 9535 writes length(@.{path[2:-7]}), e.g. $[?length(@.{path[2:-7]}) > 0])"
            message = (
                f"{check.purpose} {check.condition!r} is false because the JSONPath {path} selects nothing"
                f" in the answer{hint}"
            )
            events.append(Warning(message=masker.text(message), step_id=step_id))
    return events


def outputs(
    declared: Mapping[str, Any],
    ctx: EvaluationContext,
    where: str,
    warnings: list[str] | None,
    explain: bool | str = False,
) -> dict[str, Any]:
    """The values of ``declared`` outputs (an absent one is null); with ``warnings``, why each
    absent one is absent (with ``explain``, from the step's answer: :mod:`.unread_values`; with
    ``explain="failed"``, that the step failed, with its status)."""
    values: dict[str, Any] = {}
    for name, text in declared.items():
        try:
            value = render(text, ctx)  # a runtime expression, or a 1.1 Selector Object
        except STEP_ERRORS as exc:
            value = MISSING
            if warnings is not None:
                warnings.append(f"{where} output {name!r}: {exc}")
        if value is MISSING:
            if warnings is not None:
                message = f"{where} output {name!r} ({text}) has no value; it is null"
                why = failed_step(ctx) if explain == "failed" else why_missing(text, ctx) if explain else None
                warnings.append(f"{message}: {why}" if why else message)
            value = None
        values[name] = value
    return values
