"""What the sans-I/O core asks its driver for, and what the driver feeds back: plain data only.

The core never touches a socket or a clock: :meth:`Execution.next` returns one of these needs,
the driver fulfils it (builds, signs and sends the request; sleeps) and reports back with
:meth:`Execution.feed`. A :class:`SendRequest` names the operation by ids and carries the
evaluated values; turning it into bytes on the wire (parameter styles, servers, auth) is the
driver's job (``arazzo_runner.drivers.adapter``), the same for runs and ``--dry-run``.
Arazzo 1.1 AsyncAPI steps ask for a :class:`SendMessage` or a :class:`Receive` instead; the
driver answers those with a :class:`Delivery` through :meth:`Execution.feed_message`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..camel_forms import CamelForm, CamelJson
from ..retry_after import TransportRetry

if TYPE_CHECKING:
    from .result import RunResult


@dataclass(frozen=True, slots=True)
class Parameter:
    """An evaluated step parameter: ``location`` is ``in`` (``None`` for workflow inputs)."""

    name: str
    location: str | None
    value: Any


@dataclass(frozen=True, slots=True)
class Body:
    """An evaluated request body: payload, media type and ``replacements``
    ((target, value, target type, target version): the type and version are Arazzo 1.1's
    ``targetSelectorType``, ``None`` for a JSON Pointer)."""

    payload: Any
    content_type: str | None = None
    replacements: tuple[tuple[str, Any, str | None, str | None], ...] = ()


@dataclass(frozen=True, slots=True)
class SendRequest:
    """Call an operation with these evaluated parameters and body.

    ``document_path`` (source names from the root document), ``source`` and
    ``operation_path``/``method`` name the OpenAPI operation; ``x_security`` is Redocly's
    ``x-security`` (workflow's entries, then the step's), values evaluated: the security the
    driver applies when it signs the request.
    """

    workflow_id: str
    step_id: str
    document_path: tuple[str, ...]
    source: str
    operation_path: str
    method: str
    parameters: tuple[Parameter, ...]
    body: Body | None
    #: The evaluated payload after replacements (before encoding), for ``$request.body``.
    payload: Any = None
    x_security: tuple[Any, ...] = ()
    #: Arazzo 1.1 step ``timeout``, in seconds: the driver stops waiting after it (see step_timeout).
    timeout: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "workflowId": self.workflow_id,
            "stepId": self.step_id,
            "documentPath": list(self.document_path),
            "source": self.source,
            "operationPath": self.operation_path,
            "method": self.method,
            "parameters": [[p.name, p.location, p.value] for p in self.parameters],
            "body": None
            if self.body is None
            else {
                "payload": self.body.payload,
                "contentType": self.body.content_type,
                "replacements": [list(r) for r in self.body.replacements],
            },
            "payload": self.payload,
            "xSecurity": list(self.x_security),
            "timeout": self.timeout,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SendRequest:
        body = data["body"]
        return cls(
            data["workflowId"],
            data["stepId"],
            tuple(data["documentPath"]),
            data["source"],
            data["operationPath"],
            data["method"],
            tuple(Parameter(n, loc, v) for n, loc, v in data["parameters"]),
            None
            if body is None
            else Body(
                body["payload"],
                body["contentType"],
                tuple((t, v, kind, version) for t, v, kind, version in body["replacements"]),
            ),
            data["payload"],
            tuple(data["xSecurity"]),
            data.get("timeout"),
        )


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Arazzo 1.1 AsyncAPI ``send``: put this message on the channel ``address`` (plain data only).

    ``protocol``/``host``/``bindings`` say which transport (:mod:`arazzo_runner.messaging`); the
    driver applies ``replacements`` (as for a :class:`Body`) to ``payload``, sends, and answers
    with a :class:`Delivery` (``message`` None, ``message_id`` the broker's id).
    """

    workflow_id: str
    step_id: str
    protocol: str
    host: str
    address: str
    headers: dict[str, str]
    payload: Any
    content_type: str | None = None
    bindings: dict[str, Any] = field(default_factory=dict)
    #: Arazzo 1.1 step ``timeout`` in seconds: a send that took longer fails the step.
    timeout: float | None = None
    #: (target, value, target type, target version), as :attr:`Body.replacements`.
    replacements: tuple[tuple[str, Any, str | None, str | None], ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            **_message_head("send", self),
            "headers": dict(self.headers),
            "payload": self.payload,
            "contentType": self.content_type,
            "bindings": self.bindings,
            "timeout": self.timeout,
            "replacements": [list(r) for r in self.replacements],
        }


@dataclass(frozen=True, slots=True)
class Receive:
    """Arazzo 1.1 AsyncAPI ``receive``: the first message on ``address`` whose correlation value
    (found at one of ``correlation`` — ``$message.header#/x`` / ``$message.payload#/y`` — or in a
    ``correlationId`` header when the description declares none) equals ``correlation_id``; any
    message when ``correlation_id`` is None. Waits at most ``timeout`` seconds. Plain data only."""

    workflow_id: str
    step_id: str
    protocol: str
    host: str
    address: str
    correlation_id: Any
    correlation: tuple[str, ...]
    timeout: float
    bindings: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **_message_head("receive", self),
            "correlationId": self.correlation_id,
            "correlation": list(self.correlation),
            "timeout": self.timeout,
            "bindings": self.bindings,
        }


def _message_head(action: str, need: SendMessage | Receive) -> dict[str, Any]:
    """The keys both message needs' JSON forms start with (read back as ``head`` below)."""
    return {
        "action": action,
        "workflowId": need.workflow_id,
        "stepId": need.step_id,
        "protocol": need.protocol,
        "host": need.host,
        "address": need.address,
    }


def message_need_from_json(data: dict[str, Any]) -> SendMessage | Receive:
    """The inverse of :meth:`SendMessage.to_json` / :meth:`Receive.to_json` (``action`` says which)."""
    head = (data["workflowId"], data["stepId"], data["protocol"], data["host"], data["address"])
    if data["action"] == "send":
        return SendMessage(
            *head,
            dict(data["headers"]),
            data["payload"],
            data["contentType"],
            dict(data["bindings"]),
            data["timeout"],
            tuple((t, v, kind, version) for t, v, kind, version in data["replacements"]),
        )
    return Receive(
        *head, data["correlationId"], tuple(data["correlation"]), data["timeout"], dict(data["bindings"])
    )


@dataclass(frozen=True, slots=True)
class Delivery(CamelJson):
    """What happened to a :class:`SendMessage` or :class:`Receive`, as plain data.

    ``message`` is ``{"headers": {...}, "payload": ..., "messageId": ...}`` for a received message,
    None when a receive timed out or for a send; ``error`` is set when the broker could not be used.
    """

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    message: dict[str, Any] | None = None
    message_id: str | None = None
    error: str | None = None
    duration_ms: float = 0.0
    #: A send: the payload as sent (after replacements), for the MessageSent event.
    payload: Any = None
    #: A received message not consumed yet: what the transport's ``ack`` needs (plain data). The
    #: driver journals the delivery with it, then acks; the core does not read it.
    ack: Any = None
    #: What the driver learned that the step should warn about (an ack that failed, a resend).
    note: str | None = None


# Keys missing or null (a journal from before them) read as the defaults.
Delivery.camel_form = CamelForm(Delivery, read={"duration_ms": float})


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait until ``until`` (the driver's clock: UTC epoch seconds with the bundled drivers).

    ``seconds`` is the wait as decided; after a restore the driver waits ``until - now``.
    """

    seconds: float
    reason: str
    step_id: str
    until: float = 0.0


@dataclass(frozen=True, slots=True)
class Done:
    result: RunResult


@dataclass(frozen=True, slots=True)
class SentRequest:
    """The request as it went on the wire (after signing)."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    #: The payload as sent (after replacements, before encoding), for ``$request.body``.
    body: Any = None


@dataclass(frozen=True, slots=True)
class Response:
    """An answer, parsed: ``body`` is the JSON value for JSON, text otherwise."""

    status_code: int
    headers: tuple[tuple[str, str], ...]
    body: Any = None
    #: The API's error code (AWS ``__type``, ...), when the answer is an error.
    error_code: str | None = None
    #: What the API said when the answer is an error: code, message and any auth hint (for reasons).
    said: str | None = None
    #: Why the body could not be read as its declared media type (``body`` is then its text).
    problem: str | None = None
    #: What reading the body changed or guessed (an unknown charset, NaN read as null...).
    warnings: tuple[str, ...] = ()
    #: The JSON view of an XML answer (botocore's parse by the service model, or the generic XML
    #: mapping): what JSON pointers and JSONPath read; ``None`` for JSON and other answers.
    view: Any = None


#: One transport retry (``attempt``, ``reason``, ``delay``): the record the HTTP layer makes
#: (``arazzo_runner.http.TransportRetry``), one class for both layers.
Retried = TransportRetry


@dataclass(frozen=True, slots=True)
class Exchange:
    """What happened to a :class:`SendRequest`: the request sent and its answer, or an error."""

    request: SentRequest | None
    response: Response | None = None
    #: Set when no answer came (connection refused, timeout, a request that could not be built).
    error: str | None = None
    retries: tuple[Retried, ...] = ()
    duration_ms: float = 0.0
    #: Wall-clock seconds since the epoch when the answer arrived (for HTTP-date Retry-After).
    received_at: float | None = None
    #: What the transport learned that the step's reason should carry.
    note: str | None = None
    #: OpenAPI violations of the request and response (only when validation is on).
    violations: tuple[Any, ...] = ()
    #: True when the request was never sent (refused by the network policy or by ``--validate=strict``):
    #: it is not counted among the run's requests.
    unsent: bool = False


Need = SendRequest | SendMessage | Receive | Sleep | Done
