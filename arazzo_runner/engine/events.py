"""Typed events: everything a run does, for the CLI, recorders, JSON lines and tests.

The engine never prints; it reports. Each event is a small frozen dataclass with a ``kind``
and ``to_dict()`` (JSON-ready, secrets already masked by the engine before the event is made).
``at`` is the driver's monotonic clock in seconds when the event happened, so renderers can
show durations without the core owning a clock.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True)
class Event:
    kind: ClassVar[str] = "event"
    at: float = field(default=0.0, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind
        return data


@dataclass(frozen=True, slots=True)
class RunStarted(Event):
    kind: ClassVar[str] = "run_started"
    workflow_id: str
    inputs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class WorkflowStarted(Event):
    kind: ClassVar[str] = "workflow_started"
    workflow_id: str
    #: Why it runs: "run", "dependency", "step", "goto", "retry".
    reason: str
    depth: int


@dataclass(frozen=True, slots=True)
class WorkflowFinished(Event):
    kind: ClassVar[str] = "workflow_finished"
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    depth: int


@dataclass(frozen=True, slots=True)
class StepStarted(Event):
    kind: ClassVar[str] = "step_started"
    workflow_id: str
    step_id: str
    attempt: int
    #: How many times this step has run in this workflow execution (poll loops count up).
    execution: int


@dataclass(frozen=True, slots=True)
class RequestBuilt(Event):
    kind: ClassVar[str] = "request_built"
    step_id: str
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: Any


@dataclass(frozen=True, slots=True)
class ResponseReceived(Event):
    kind: ClassVar[str] = "response_received"
    step_id: str
    status_code: int
    headers: list[tuple[str, str]]
    body: Any
    duration_ms: float
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class MessageSent(Event):
    """Arazzo 1.1 AsyncAPI ``send``: a message was put on a channel."""

    kind: ClassVar[str] = "message_sent"
    step_id: str
    protocol: str
    address: str
    headers: dict[str, Any]
    payload: Any
    message_id: str | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class MessageReceived(Event):
    """Arazzo 1.1 AsyncAPI ``receive``: the message the step matched (None when none came in time)."""

    kind: ClassVar[str] = "message_received"
    step_id: str
    protocol: str
    address: str
    headers: dict[str, Any] | None
    payload: Any
    message_id: str | None
    duration_ms: float


@dataclass(frozen=True, slots=True)
class TransportRetried(Event):
    kind: ClassVar[str] = "transport_retried"
    step_id: str
    attempt: int
    reason: str
    delay: float


@dataclass(frozen=True, slots=True)
class TransportFailed(Event):
    kind: ClassVar[str] = "transport_failed"
    step_id: str
    message: str


@dataclass(frozen=True, slots=True)
class CriterionEvaluated(Event):
    kind: ClassVar[str] = "criterion_evaluated"
    step_id: str
    #: "successCriteria" or "<onSuccess|onFailure|successActions|failureActions>:<action name>"
    purpose: str
    condition: str
    #: The criterion's type (``None``: a simple condition).
    type: str | None
    passed: bool
    explanation: str


@dataclass(frozen=True, slots=True)
class ActionChosen(Event):
    kind: ClassVar[str] = "action_chosen"
    step_id: str
    name: str
    type: str
    target: str | None
    #: "step" or "workflow": where the action was declared.
    level: str


@dataclass(frozen=True, slots=True)
class Sleeping(Event):
    kind: ClassVar[str] = "sleeping"
    step_id: str
    seconds: float
    #: "poll" (a goto back to a step that already ran), "retry" (a retry action).
    reason: str


@dataclass(frozen=True, slots=True)
class StepFinished(Event):
    kind: ClassVar[str] = "step_finished"
    workflow_id: str
    step_id: str
    attempt: int
    status: str
    status_code: int | None
    outputs: dict[str, Any]
    duration_ms: float
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class Warning(Event):
    kind: ClassVar[str] = "warning"
    message: str
    step_id: str | None = None
    #: For an OpenAPI violation (``--validate``): subject, location, name, pointer, message.
    violation: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class LimitHit(Event):
    kind: ClassVar[str] = "limit_hit"
    limit: str
    message: str
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class RunFinished(Event):
    kind: ClassVar[str] = "run_finished"
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    error: dict[str, Any] | None
    requests: int
    duration_ms: float
