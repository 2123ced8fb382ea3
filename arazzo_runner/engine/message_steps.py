"""Arazzo 1.1 AsyncAPI steps for the core: what to ask the driver for, and what its answer means.

The core calls :func:`need_for` when a step sends or receives a message and :func:`received`
when the driver feeds the :class:`~.needs.Delivery` back; everything AsyncAPI-specific lives here
(the core only routes). Both work on plain data, so a journaled or Temporal-hosted core can replay
them unchanged.

* **send** — parameters ``in: header`` become message headers, ``in: channel`` fill the channel
  address's ``{placeholders}``; the ``requestBody`` payload (with its replacements) is the message.
  The step completes when the broker took it (spec: no delivery confirmation is modelled).
* **receive** — the evaluated ``correlationId`` is matched at the locations the AsyncAPI messages
  declare; the step ``timeout`` (milliseconds) bounds the wait, else
  :data:`~arazzo_runner.messaging.DEFAULT_RECEIVE_TIMEOUT`. No matching message in time fails the
  step (so ``onFailure`` applies); a message makes ``$message.header.*`` / ``$message.payload``
  available to ``successCriteria`` (none given: receiving is success), outputs and actions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..document.model import Step, Workflow
from ..document.resolved import Document
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext
from ..messaging.base import DEFAULT_RECEIVE_TIMEOUT
from ..sources.asyncapi import AsyncApiError, AsyncOperation
from .needs import Delivery, Receive, SendMessage

Render = Callable[[Any, EvaluationContext], Any]
Parameters = Callable[[Document, Workflow, Step], list[tuple[Any, Any]]]


class MessageStepError(ArazzoError):
    """An AsyncAPI step that cannot be prepared (no server, a channel parameter missing...)."""


def need_for(
    document: Document,
    workflow: Workflow,
    step: Step,
    ctx: EvaluationContext,
    render: Render,
    parameters: Parameters,
) -> SendMessage | Receive:
    """The :class:`SendMessage` or :class:`Receive` this AsyncAPI step asks for, values evaluated."""
    try:
        operation = document.resolve_async_operation(step)
    except Exception as exc:  # ResolutionError: reported at load; here only if the source changed
        raise MessageStepError(str(exc)) from None
    server = _server(operation)
    headers: dict[str, str] = {}
    channel: dict[str, Any] = {}
    for parameter, raw in parameters(document, workflow, step):
        if parameter.in_ not in ("header", "channel"):
            continue  # workflow-level parameters meant for HTTP steps
        value = render(raw, ctx)
        if value is MISSING:
            continue
        (headers if parameter.in_ == "header" else channel)[parameter.name] = (
            value if parameter.in_ == "channel" else _text(value)
        )
    try:
        address = operation.address_with(channel)
    except AsyncApiError as exc:
        raise MessageStepError(str(exc)) from None
    action = step.action or operation.action
    if action == "send":
        body = step.request_body
        payload = render(body.payload, ctx) if body is not None and body.has_payload else None
        if body is not None and body.replacements and payload not in (None, MISSING):
            from ..http import Replacement, apply_replacements

            payload = apply_replacements(
                payload,
                tuple(
                    Replacement(r.target, _none(render(r.value, ctx)), r.target_type, r.target_version)
                    for r in body.replacements
                ),
            )
        content_type = (body.content_type if body is not None else None) or _content_type(operation)
        return SendMessage(
            workflow.workflow_id,
            step.step_id,
            server[0],
            server[1],
            address,
            headers,
            _none(payload),
            content_type,
            dict(operation.bindings),
            step.timeout / 1000 if step.timeout is not None else None,
        )
    correlation_id = None
    if step.correlation_id is not None:
        correlation_id = _none(render(step.correlation_id, ctx))
        if correlation_id is None:
            raise MessageStepError(f"correlationId {step.correlation_id!r} has no value")
    timeout = step.timeout / 1000 if step.timeout is not None else DEFAULT_RECEIVE_TIMEOUT
    return Receive(
        workflow.workflow_id,
        step.step_id,
        server[0],
        server[1],
        address,
        correlation_id,
        tuple(location.text for location in operation.correlation),
        timeout,
        dict(operation.bindings),
    )


def received(
    ctx: EvaluationContext, need: SendMessage | Receive, delivery: Delivery
) -> tuple[bool, str | None]:
    """Put the delivered message where ``$message`` reads it; (delivered, why not)."""
    ctx.message_headers = {}
    ctx.message_payload = MISSING
    if delivery.error is not None:
        return False, delivery.error
    if isinstance(need, SendMessage):
        if need.timeout is not None and delivery.duration_ms > need.timeout * 1000:
            from .step_timeout import message

            return False, message(need.timeout)
        return True, None
    if delivery.message is None:
        wanted = f" with correlationId {need.correlation_id!r}" if need.correlation_id is not None else ""
        return False, f"no message{wanted} on {need.address!r} within {need.timeout:g} s (timeout)"
    ctx.message_headers = dict(delivery.message.get("headers") or {})
    ctx.message_payload = delivery.message.get("payload")
    return True, None


def _server(operation: AsyncOperation) -> tuple[str, str]:
    if not operation.servers:
        raise MessageStepError(
            f"AsyncAPI source {operation.source_name!r} declares no server for channel"
            f" {operation.channel_key!r}: the protocol (e.g. sqs) is unknown"
        )
    server = operation.servers[0]
    return server.protocol, server.host


def _content_type(operation: AsyncOperation) -> str | None:
    for message in operation.messages:
        if isinstance(message.get("contentType"), str):
            return str(message["contentType"])
    return None


def _none(value: Any) -> Any:
    return None if value is MISSING else value


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    import json

    return json.dumps(value, separators=(",", ":"))


def event(need: SendMessage | Receive, delivery: Delivery, redactor: Any) -> Any:
    """The :class:`~.events.MessageSent` / :class:`~.events.MessageReceived` event, redacted."""
    from .events import MessageReceived, MessageSent

    if isinstance(need, SendMessage):
        return MessageSent(
            step_id=need.step_id,
            protocol=need.protocol,
            address=need.address,
            headers=dict(redactor.headers(need.headers.items())),
            payload=redactor.data(need.payload),
            message_id=delivery.message_id,
            duration_ms=delivery.duration_ms,
        )
    message = delivery.message or {}
    return MessageReceived(
        step_id=need.step_id,
        protocol=need.protocol,
        address=need.address,
        headers=dict(redactor.headers((message.get("headers") or {}).items())) if delivery.message else None,
        payload=redactor.data(message.get("payload")),
        message_id=delivery.message_id,
        duration_ms=delivery.duration_ms,
    )
