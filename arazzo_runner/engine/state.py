"""Everything a run has decided, as plain data: the state a snapshot saves and a restore reads.

Only ``str``/``int``/``float``/``bool``/``None``/``list``/``dict`` live here, the ``str`` enums
below, and small typed records of such values (:class:`~.result.StepRecord`, :class:`Wait`,
:class:`CompletedDependency`, :class:`Outcome`, the need handed out), each with its JSON form:
ids instead of objects (a frame names its document by the path
of source names from the root document, its workflow by id and its step by index), counters,
the values expressions can see, and absolute times in the driver's clock (UTC epoch seconds
with the bundled drivers). :meth:`RunState.to_json` / :meth:`RunState.from_json` are exact
inverses, so a run can stop after any ``next``/``feed`` and carry on in another process.

The document, the options and per-run services (credentials, endpoints) are *not* state: a
restore is given the document again and checks that it is the one the snapshot was taken with.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any

from ..camel_forms import CamelForm, CamelJson
from .needs import Receive, SendMessage, SendRequest, message_need_from_json
from .result import RunError, RunStatus, StepRecord


class Phase(StrEnum):
    """Where a workflow execution (a frame) stands."""

    #: Running the workflow's ``dependsOn`` workflows, one by one.
    DEPS = "deps"
    #: Ready to start the step at ``index`` (or to finish, past the last step).
    STEP = "step"
    #: A request was handed to the driver; waiting for ``feed``.
    AWAIT_RESPONSE = "await_response"
    #: A child workflow (step, goto, retry or dependency) runs on top of this frame.
    AWAIT_CHILD = "await_child"


class Waiting(StrEnum):
    """What a finished child workflow means to the frame that started it."""

    STEP = "step"
    GOTO = "goto"
    RETRY = "retry"
    DEPENDENCY = "dependency"


class RunPhase(StrEnum):
    RUNNING = "running"
    DONE = "done"
    #: Something raised inside the core: the state is kept as it was, and the run stops.
    ERROR = "error"


#: The exchange fields of the evaluation context, with their "no value" default.
EXCHANGE_FIELDS = (
    "url",
    "method",
    "status_code",
    "request_headers",
    "request_query",
    "request_path",
    "request_body",
    "response_headers",
    "response_body",
    # The JSON view of an XML answer (see needs.Response.view): pointers and JSONPath read it.
    "response_view",
    # Arazzo 1.1 $message.header.* / $message.payload: the message an AsyncAPI receive step got.
    "message_headers",
    "message_payload",
)


@dataclass(eq=False)
class FrameState:
    """One workflow execution on the run's stack."""

    #: Source description names leading from the root document to this workflow's document.
    document_path: list[str]
    workflow_id: str
    inputs: dict[str, Any]
    #: Why it runs: "run", "step", "goto", "retry", "dependency".
    reason: str
    depth: int
    index: int = 0
    phase: Phase = Phase.DEPS
    waiting_for: Waiting | None = None
    #: stepId -> executions so far (poll loops and retries included).
    executions: dict[str, int] = field(default_factory=dict)
    #: stepId -> poll iteration (a goto back to a step that already ran).
    polls: dict[str, int] = field(default_factory=dict)
    #: stepId -> failure action name -> retries used.
    retries_used: dict[str, dict[str, int]] = field(default_factory=dict)
    attempt: int = 1
    step_started: float = 0.0
    #: Step index to return to after a retry's named step ran.
    retry_return: int | None = None
    retry_delay: float = 0.0
    pending_deps: list[str] = field(default_factory=list)
    started: bool = False
    #: $steps.<id>.outputs of this workflow execution.
    steps: dict[str, Any] = field(default_factory=dict)
    #: $outputs of the current step (a step calling a workflow: the callee's outputs).
    outputs: dict[str, Any] = field(default_factory=dict)
    #: The current exchange as expressions see it ($url, $request.*, $response.*, $statusCode, and
    #: $message.* after an AsyncAPI receive); an absent key has no value. Request and response
    #: headers are [name, value] pairs as sent and received; message headers a name -> value object.
    exchange: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CompletedDependency(CamelJson):
    """A ``dependsOn`` workflow that has finished in this run (it runs once per run)."""

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    #: The location of the document that holds it (with ``workflow_id``, its key).
    location: str
    workflow_id: str
    status: str


CompletedDependency.camel_form = CamelForm(CompletedDependency)


@dataclass(slots=True)
class Wait(CamelJson):
    """A wait the core asked for (a poll's pacing, a retry's delay), until the driver has slept it."""

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    #: Driver time (UTC epoch seconds) the wait ends: absolute, so it survives a restart.
    until: float
    seconds: float
    #: "poll" or "retry".
    reason: str
    step_id: str
    #: Whether :class:`~.needs.Sleep` was handed to the driver (the next ``next`` then ends the wait).
    handed_out: bool = False
    #: Restored from a snapshot: only what is left of it until ``until`` is slept again.
    resumed: bool = False


# ``handedOut`` and ``resumed`` are missing from snapshots made before them: False.
Wait.camel_form = CamelForm(Wait, read={"handed_out": bool, "resumed": bool})


@dataclass(frozen=True, slots=True)
class Outcome(CamelJson):
    """How the run ended: kept in the state, so a restored finished run returns the same result."""

    status: RunStatus
    outputs: dict[str, Any]
    error: RunError | None
    duration_ms: float

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Outcome:
        """As the form reads it, except that a status other than ``succeeded`` (null too) reads as
        ``failed`` and an empty error as none, as snapshots have always been read."""
        plain = {**data, "status": _run_status(data.get("status")), "error": data.get("error") or None}
        outcome: Outcome = cls.camel_form.load(plain)
        return outcome


def _run_status(status: str | None) -> RunStatus:
    return "succeeded" if status == "succeeded" else "failed"


Outcome.camel_form = CamelForm(
    Outcome,
    shown={"error": RunError.to_dict},
    read={"status": _run_status, "error": RunError.camel_form.load},
)


def record_to_json(record: StepRecord) -> dict[str, Any]:
    """A step record as the state keeps it (:meth:`StepRecord.to_dict`, its duration not rounded)."""
    data = record.to_dict()
    data["durationMs"] = record.duration_ms
    return data


def record_from_json(data: dict[str, Any]) -> StepRecord:
    return StepRecord(
        data["stepId"],
        data["workflowId"],
        data["attempt"],
        data["status"],
        data["statusCode"],
        data["outputs"],
        data["durationMs"],
        data.get("reason"),
    )


#: What the core handed to the driver and was not answered yet.
PendingNeed = SendRequest | SendMessage | Receive


@dataclass(eq=False)
class RunState:
    """The whole run: the workflow stack plus what the run has counted and produced."""

    workflow_id: str
    #: The root workflow's inputs after validation (defaults applied).
    inputs: dict[str, Any]
    phase: RunPhase = RunPhase.RUNNING
    stack: list[FrameState] = field(default_factory=list)
    #: Driver time of the first ``next``; ``deadline`` = started + the run's time limit.
    started: float | None = None
    deadline: float | None = None
    requests: int = 0
    transport_retries: int = 0
    step_count: int = 0
    #: One per step execution, in order.
    records: list[StepRecord] = field(default_factory=list)
    #: $workflows: workflowId -> {"inputs": ..., "outputs": ...}.
    workflow_results: dict[str, Any] = field(default_factory=dict)
    #: Finished ``dependsOn`` workflows.
    completed_deps: list[CompletedDependency] = field(default_factory=list)
    #: A wait the core asked for and the driver has not finished.
    wait: Wait | None = None
    #: The request (or Arazzo 1.1 message need) handed to the driver and not yet answered. A
    #: snapshot writes it as ``pending_request`` (SendRequest.to_json()) or ``pending_message``
    #: (SendMessage/Receive.to_json(), ``action`` says which).
    pending: PendingNeed | None = None
    #: Wall time the current answer arrived (for an HTTP-date Retry-After).
    received_at: float | None = None
    #: ``random.Random.getstate()`` as JSON (version, 625 ints, gauss_next); written at a snapshot.
    rng: list[Any] | None = None
    #: Set when the run is over.
    outcome: Outcome | None = None
    #: Set in the ERROR phase: what raised.
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """A deep copy made of JSON values only (enums become their strings; anything else raises)."""
        copied: dict[str, Any] = json.loads(encode(self.json_view()))  # a deep copy; proves it is JSON
        return copied

    def json_view(self, *, records: bool = True) -> dict[str, Any]:
        """The state as :meth:`to_json` gives it, but sharing the live values (no copy): encode it
        with :func:`encode` at once, before the run moves on. A journal writing every transition
        then encodes the state once instead of copying it through JSON first (and, writing the step
        records apart, asks for ``records=False``: an empty list)."""
        pending = self.pending
        return {
            "workflow_id": self.workflow_id,
            "inputs": self.inputs,
            "phase": self.phase.value,
            "stack": [_frame_json(frame) for frame in self.stack],
            "started": self.started,
            "deadline": self.deadline,
            "requests": self.requests,
            "transport_retries": self.transport_retries,
            "step_count": self.step_count,
            "records": [record_to_json(r) for r in self.records] if records else [],
            "workflow_results": self.workflow_results,
            "completed_deps": [dep.to_json() for dep in self.completed_deps],
            "wait": self.wait.to_json() if self.wait is not None else None,
            "pending_request": pending.to_json() if isinstance(pending, SendRequest) else None,
            "pending_message": pending.to_json() if isinstance(pending, SendMessage | Receive) else None,
            "received_at": self.received_at,
            "rng": self.rng,
            "outcome": self.outcome.to_json() if self.outcome is not None else None,
            "error": self.error,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        """The state of a current-format snapshot (``snapshot.migrate`` brings older ones here)."""
        data = json.loads(json.dumps(data), object_hook=_bytes_in)
        pending: PendingNeed | None = None
        if data["pending_request"] is not None:
            pending = SendRequest.from_json(data["pending_request"])
        elif data["pending_message"] is not None:
            pending = message_need_from_json(data["pending_message"])
        return cls(
            workflow_id=data["workflow_id"],
            inputs=data["inputs"],
            phase=RunPhase(data["phase"]),
            stack=[_frame_from_json(item) for item in data["stack"]],
            started=data["started"],
            deadline=data["deadline"],
            requests=data["requests"],
            transport_retries=data["transport_retries"],
            step_count=data["step_count"],
            records=[record_from_json(r) for r in data["records"]],
            workflow_results=data["workflow_results"],
            completed_deps=[CompletedDependency.from_json(d) for d in data["completed_deps"]],
            wait=Wait.from_json(data["wait"]) if data["wait"] is not None else None,
            pending=pending,
            received_at=data["received_at"],
            rng=data["rng"],
            outcome=Outcome.from_json(data["outcome"]) if data["outcome"] is not None else None,
            error=data["error"],
        )


def encode(value: Any) -> str:
    """Compact JSON text of run-state data (:meth:`RunState.json_view`), bytes as :data:`BYTES_KEY`
    objects; anything that is not JSON raises ``TypeError``."""
    return json.dumps(value, default=_bytes_out, ensure_ascii=False, separators=(",", ":"))


#: How bytes (an answer body that is neither JSON nor text, e.g. an empty 204) travel in JSON.
BYTES_KEY = "$arazzo:base64"


def _bytes_out(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return {BYTES_KEY: base64.b64encode(value).decode("ascii")}
    raise TypeError(f"a run's state holds only JSON values, not {type(value).__name__}")


def _bytes_in(value: dict[str, Any]) -> Any:
    if len(value) == 1 and BYTES_KEY in value:
        return base64.b64decode(value[BYTES_KEY])
    return value


#: Field names, worked out once (``dataclasses.fields`` per snapshot showed in the fleet's profile).
_FRAME_FIELDS = tuple(f.name for f in fields(FrameState))


def _frame_json(frame: FrameState) -> dict[str, Any]:
    data = {name: getattr(frame, name) for name in _FRAME_FIELDS}
    data["phase"] = frame.phase.value
    data["waiting_for"] = frame.waiting_for.value if frame.waiting_for is not None else None
    return data


def _frame_from_json(data: dict[str, Any]) -> FrameState:
    waiting = data["waiting_for"]
    return FrameState(
        **{**data, "phase": Phase(data["phase"]), "waiting_for": Waiting(waiting) if waiting else None}
    )


def rng_to_json(state: tuple[Any, ...]) -> list[Any]:
    version, internal, gauss = state
    return [version, list(internal), gauss]


def rng_from_json(data: list[Any]) -> tuple[Any, ...]:
    version, internal, gauss = data
    return (version, tuple(internal), gauss)
