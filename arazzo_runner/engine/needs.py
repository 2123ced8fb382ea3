"""What the sans-I/O core asks its driver for, and what the driver feeds back.

The core never touches a socket or a clock: :meth:`Execution.next` returns one of these needs,
the driver fulfils it (sends the request, sleeps) and reports back with :meth:`Execution.feed`.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    violations: tuple[Any, ...] = ()


Need = SendRequest | Sleep | Done
