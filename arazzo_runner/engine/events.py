"""Typed events: everything a run does, for the CLI, recorders, JSON lines and tests.

The engine never prints; it reports. Each event is a small frozen dataclass with a ``kind``
and ``to_dict()`` (JSON-ready, secrets already masked by the engine before the event is made),
declared with ``@declare_event("<kind>")``; the events about one step derive from :class:`StepEvent`.
``at`` is the driver's monotonic clock in seconds when the event happened, so renderers can
show durations without the core owning a clock.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, TypeVar, dataclass_transform


@dataclass(frozen=True, slots=True)
class Event:
    kind: ClassVar[str] = "event"
    at: float = field(default=0.0, kw_only=True)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["kind"] = self.kind
        return data


_E = TypeVar("_E", bound=Event)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def declare_event(kind: str) -> Callable[[type[_E]], type[_E]]:
    """Declare an event class: a frozen, slotted dataclass that ``kind`` names (in JSON, journals, Temporal).

    One line instead of ``@dataclass(frozen=True, slots=True)`` plus a ``kind`` line on every class.
    The kind is set before the dataclass is made, so the slotted class it returns carries it; it is
    then taken off the class that one replaced, which lingers among ``Event``'s subclasses until
    collected: a lookup by kind over the subclasses (Temporal's ``event_from_dict``) finds only the
    declared class.
    """

    def declare(cls: type[_E]) -> type[_E]:
        cls.kind = kind
        declared = dataclass(frozen=True, slots=True)(cls)
        if declared is not cls:
            del cls.kind
        return declared

    return declare


@dataclass(frozen=True, slots=True)
class StepEvent(Event):
    """An event about one step. ``step_id`` is its first field, as it was when each subclass spelled it
    out: positional construction, ``repr`` and the key order of ``to_dict()`` are unchanged."""

    step_id: str


@declare_event("run_started")
class RunStarted(Event):
    workflow_id: str
    inputs: dict[str, Any]


@declare_event("workflow_started")
class WorkflowStarted(Event):
    workflow_id: str
    #: Why it runs: "run", "dependency", "step", "goto", "retry".
    reason: str
    depth: int


@declare_event("workflow_finished")
class WorkflowFinished(Event):
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    depth: int


@declare_event("step_started")
class StepStarted(Event):
    workflow_id: str
    step_id: str
    attempt: int
    #: How many times this step has run in this workflow execution (poll loops count up).
    execution: int


@declare_event("request_built")
class RequestBuilt(StepEvent):
    method: str
    url: str
    headers: list[tuple[str, str]]
    body: Any


@declare_event("response_received")
class ResponseReceived(StepEvent):
    status_code: int
    headers: list[tuple[str, str]]
    body: Any
    duration_ms: float
    error_code: str | None = None


@dataclass(frozen=True, slots=True)
class MessageEvent(StepEvent):
    """A message a step sent or received on a channel (Arazzo 1.1 AsyncAPI steps)."""

    protocol: str
    address: str
    headers: dict[str, Any] | None
    payload: Any
    message_id: str | None
    duration_ms: float


@declare_event("message_sent")
class MessageSent(MessageEvent):
    """Arazzo 1.1 AsyncAPI ``send``: a message was put on a channel."""

    #: A sent message always has headers (``{}`` when none).
    headers: dict[str, Any]


@declare_event("message_received")
class MessageReceived(MessageEvent):
    """Arazzo 1.1 AsyncAPI ``receive``: the message the step matched (None when none came in time)."""


@declare_event("transport_retried")
class TransportRetried(StepEvent):
    attempt: int
    reason: str
    delay: float


@declare_event("transport_failed")
class TransportFailed(StepEvent):
    message: str


@declare_event("criterion_evaluated")
class CriterionEvaluated(StepEvent):
    #: "successCriteria" or "<onSuccess|onFailure|successActions|failureActions>:<action name>"
    purpose: str
    condition: str
    #: The criterion's type (``None``: a simple condition).
    type: str | None
    passed: bool
    explanation: str


@declare_event("action_chosen")
class ActionChosen(StepEvent):
    name: str
    type: str
    target: str | None
    #: "step" or "workflow": where the action was declared.
    level: str


@declare_event("sleeping")
class Sleeping(StepEvent):
    seconds: float
    #: "poll" (a goto back to a step that already ran), "retry" (a retry action).
    reason: str


@declare_event("step_finished")
class StepFinished(Event):
    workflow_id: str
    step_id: str
    attempt: int
    status: str
    status_code: int | None
    outputs: dict[str, Any]
    duration_ms: float
    reason: str | None = None


@declare_event("warning")
class Warning(Event):
    message: str
    step_id: str | None = None
    #: For an OpenAPI violation (``--validate``): subject, location, name, pointer, message.
    violation: dict[str, Any] | None = None


@declare_event("limit_hit")
class LimitHit(Event):
    limit: str
    message: str
    step_id: str | None = None


@declare_event("run_finished")
class RunFinished(Event):
    workflow_id: str
    status: str
    outputs: dict[str, Any]
    error: dict[str, Any] | None
    requests: int
    duration_ms: float
