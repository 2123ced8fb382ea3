"""What the sans-I/O core asks its driver for, and what the driver feeds back.

The core never touches a socket or a clock: :meth:`Execution.next` returns one of these needs,
the driver fulfils it (sends the request, sleeps) and reports back with :meth:`Execution.feed`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

    from ..http import ParsedResponse, RequestBody, StepParameter, TransportRetry
    from ..sources.openapi import OpenApiSource, Operation
    from .result import RunResult


@dataclass(frozen=True, slots=True)
class SendRequest:
    """Call ``operation`` of ``source`` with these evaluated parameters and body."""

    workflow_id: str
    step_id: str
    source: OpenApiSource
    operation: Operation
    parameters: tuple[StepParameter, ...]
    body: RequestBody | None
    #: The evaluated payload (before encoding), for ``$request.body``.
    payload: Any = None
    #: Redocly's ``x-security`` entries (workflow's then step's), values evaluated.
    x_security: tuple[Any, ...] = ()
    #: Arazzo 1.1 step ``timeout``, in seconds: the driver stops waiting after it (see step_timeout).
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class SendMessage:
    """Arazzo 1.1 AsyncAPI ``send``: put this message on the channel ``address`` (plain data only).

    ``protocol``/``host``/``bindings`` say which transport (:mod:`arazzo_runner.messaging`); the
    driver answers with a :class:`Delivery` (``message`` None, ``message_id`` the broker's id).
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


@dataclass(frozen=True, slots=True)
class Delivery:
    """What happened to a :class:`SendMessage` or :class:`Receive`, as plain data.

    ``message`` is ``{"headers": {...}, "payload": ..., "messageId": ...}`` for a received message,
    None when a receive timed out or for a send; ``error`` is set when the broker could not be used.
    """

    message: dict[str, Any] | None = None
    message_id: str | None = None
    error: str | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Sleep:
    seconds: float
    reason: str
    step_id: str


@dataclass(frozen=True, slots=True)
class Done:
    result: RunResult


@dataclass(frozen=True, slots=True)
class Exchange:
    """What happened to a :class:`SendRequest`: the request sent and its answer, or an error."""

    request: httpx.Request | None
    response: ParsedResponse | None = None
    #: Set when no answer came (connection refused, timeout, a request that could not be built).
    error: str | None = None
    retries: tuple[TransportRetry, ...] = ()
    duration_ms: float = 0.0
    #: Wall-clock seconds since the epoch when the answer arrived (for HTTP-date Retry-After).
    received_at: float | None = None
    #: What the transport learned that the step's reason should carry (see drivers._retry_note).
    note: str | None = None
    #: OpenAPI violations of the request and response (only when validation is on).
    violations: tuple[str, ...] = ()


Need = SendRequest | SendMessage | Receive | Sleep | Done
