"""Between the core's plain data and httpx: a :class:`SendRequest` → a signed-to-be ``httpx.Request``,
and an answer (or a failure) → the plain :class:`Exchange` the core is fed.

Runs (sync and asyncio drivers) and ``--dry-run`` build requests here and nowhere else, so what a
dry run shows is what a run sends, ``x-security`` included.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from ..document.resolved import Document
from ..engine.lookups import operation_of
from ..engine.needs import Exchange, Response, Retried, SendRequest, SentRequest
from ..http import Endpoint, Replacement, RequestBody, apply_replacements, build_request
from ..http.aws_wire import answer_view, aws_operation, build_aws_request
from ..sources.openapi import OpenApiSource, Operation
from .environment import RunEnvironment


def http_request(
    document: Document, need: SendRequest, environment: RunEnvironment
) -> tuple[httpx.Request, Endpoint, OpenApiSource, Operation, Any]:
    """(request before auth, endpoint with its auth, source, operation, payload as sent)."""
    source, operation = operation_of(document, need)
    endpoint = environment.endpoint(source, operation, need.x_security)
    body = None
    sent_payload = None
    if need.body is not None:
        replacements = tuple(Replacement(*replacement) for replacement in need.body.replacements)
        body = RequestBody(need.body.payload, need.body.content_type, replacements)
        sent_payload = (
            apply_replacements(need.body.payload, replacements) if replacements else need.body.payload
        )
    request = None
    if endpoint.is_aws:  # an AWS operation of a service model: botocore's serialiser (not json)
        built = build_aws_request(
            source,
            operation,
            need.parameters,
            sent_payload,
            need.body is not None,
            need.body.content_type if need.body is not None else None,
            endpoint,
        )
        request = built[0] if built is not None else None
    if request is None:
        request = build_request(source, operation, need.parameters, body, base_url=endpoint.base_url)
    return request, endpoint, source, operation, sent_payload


def sent(request: httpx.Request, payload: Any) -> SentRequest:
    return SentRequest(request.method, str(request.url), tuple(request.headers.multi_items()), payload)


def aws_view(document: Document, need: SendRequest, endpoint: Endpoint | None, parsed: Any) -> Any:
    """botocore's parse of an AWS answer into the operation's output shape (XML protocols), or ``None``."""
    if endpoint is None or not endpoint.is_aws or parsed is None:
        return None
    source, operation = operation_of(document, need)
    found = aws_operation(endpoint, source, operation, need.parameters, need.payload)
    return answer_view(found, parsed.status_code, parsed.headers, parsed.content)


def response(parsed: Any, view: Any = None) -> Response:
    """A parsed answer (``http.ParsedResponse``) as plain data; ``view`` replaces its generic XML view."""
    return Response(
        parsed.status_code,
        tuple(parsed.headers.multi_items()),
        parsed.body,
        parsed.error.code if parsed.error else None,
        parsed.error.said() if parsed.error else None,
        parsed.problem,
        parsed.warnings,
        view if view is not None else parsed.view,
    )


def retries(items: Any) -> tuple[Retried, ...]:
    """The transport retries of a send (the HTTP layer's records are the core's too)."""
    return tuple(items)


def failed(
    request: httpx.Request | None,
    payload: Any,
    exc: BaseException,
    started: float,
    clock: Callable[[], float],
) -> Exchange:
    return Exchange(
        request=sent(request, payload) if request is not None else None,
        error=str(exc) or type(exc).__name__,
        retries=retries(getattr(exc, "retries", ())),  # TransportFailure: the retries made before giving up
        duration_ms=(clock() - started) * 1000,
    )


def limit_to_step_timeout(request: httpx.Request | None, timeout: float | None) -> None:
    """Bound each phase of sending ``request`` to ``timeout`` seconds (shorter client limits stay)."""
    if timeout is None or request is None:
        return
    current: dict[str, Any] = dict(request.extensions.get("timeout") or {})
    limits = {phase: timeout for phase in ("connect", "read", "write", "pool")}
    for phase, value in current.items():
        if isinstance(value, int | float) and value < limits.get(phase, timeout):
            limits[phase] = value
    request.extensions = {**request.extensions, "timeout": httpx.Timeout(**limits).as_dict()}
