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
  :data:`~arazzo_runner.sources.asyncapi.DEFAULT_RECEIVE_TIMEOUT`. No matching message in time fails the
  step (so ``onFailure`` applies); a message makes ``$message.header.*`` / ``$message.payload``
  available to ``successCriteria`` (none given: receiving is success), outputs and actions.
"""

from __future__ import annotations

from typing import Any

from ..document.model import Step, Workflow
from ..document.resolved import Document
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext
from ..sources.asyncapi import DEFAULT_RECEIVE_TIMEOUT, AsyncApiError, AsyncOperation
from . import step_timeout
from .needs import Delivery, Receive, SendMessage
from .preparation import Render, body, merged_parameters, render


class MessageStepError(ArazzoError):
    """An AsyncAPI step that cannot be prepared (no server, a channel parameter missing...)."""


def need_for(
    document: Document, workflow: Workflow, step: Step, ctx: EvaluationContext, render: Render = render
) -> SendMessage | Receive:
    """The :class:`SendMessage` or :class:`Receive` this AsyncAPI step asks for, values evaluated."""
    try:
        operation = document.resolve_async_operation(step)
    except Exception as exc:  # ResolutionError: reported at load; here only if the source changed
        raise MessageStepError(str(exc)) from None
    server = _server(operation)
    headers: dict[str, str] = {}
    channel: dict[str, Any] = {}
    for parameter, raw in merged_parameters(document, workflow, step):
        if parameter.in_ not in ("header", "channel"):
            continue  # workflow-level parameters meant for HTTP steps
        value = render(raw, ctx)
        if value is MISSING:
            continue
        if parameter.in_ == "header":
            headers[parameter.name] = _text(value)
        else:
            channel[parameter.name] = value
    try:
        address = operation.address_with(channel)
    except AsyncApiError as exc:
        raise MessageStepError(str(exc)) from None
    action = step.action or operation.action
    if action == "send":
        # The payload as evaluated and its replacements: the driver applies them (as for a request).
        evaluated = body(step, ctx, render)
        written = step.request_body.content_type if step.request_body is not None else None
        return SendMessage(
            workflow.workflow_id,
            step.step_id,
            server[0],
            server[1],
            address,
            headers,
            evaluated.payload if evaluated is not None else None,
            written or _content_type(operation),
            dict(operation.bindings),
            step_timeout.seconds(step.timeout),
            evaluated.replacements if evaluated is not None else (),
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


def received(need: SendMessage | Receive, delivery: Delivery) -> tuple[bool, str | None, dict[str, Any]]:
    """(delivered, why not, the exchange values ``$message`` reads: keys ``message_headers`` and
    ``message_payload`` of :data:`.state.EXCHANGE_FIELDS`, plain data kept in the frame state)."""
    if delivery.error is not None:
        return False, delivery.error, {}
    if isinstance(need, SendMessage):
        if need.timeout is not None and delivery.duration_ms > need.timeout * 1000:
            return False, step_timeout.message(need.timeout), {}
        return True, None, {}
    if delivery.message is None:
        wanted = f" with correlationId {need.correlation_id!r}" if need.correlation_id is not None else ""
        return False, f"no message{wanted} on {need.address!r} within {need.timeout:g} s (timeout)", {}
    values = {
        "message_headers": dict(delivery.message.get("headers") or {}),
        "message_payload": delivery.message.get("payload"),
    }
    return True, None, values


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
            payload=redactor.data(need.payload if delivery.payload is None else delivery.payload),
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
