"""What a run returns: status, outputs, every step execution, the error, counts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from ..camel_forms import CamelDict, CamelForm

if TYPE_CHECKING:
    from .events import StepFinished

RunStatus = Literal["succeeded", "failed"]


def result_schema() -> dict[str, Any]:
    """The JSON Schema (2020-12) of :meth:`RunResult.to_dict` and of ``arazzo run --output json`` for
    every ending (succeeded, failed, interrupted; local or ``--temporal``): ``result.schema.json``."""
    import json
    from importlib.resources import files

    data: dict[str, Any] = json.loads(files(__package__).joinpath("result.schema.json").read_text("utf-8"))
    return data


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One execution of one step (a poll loop or a retry makes several)."""

    step_id: str
    workflow_id: str
    attempt: int
    status: Literal["succeeded", "failed"]
    status_code: int | None
    outputs: dict[str, Any]
    duration_ms: float
    reason: str | None = None

    @classmethod
    def from_event(cls, event: StepFinished) -> StepRecord:
        """The record of a step execution as its event reports it (outputs and reason masked), for
        those that follow a run by its events: a run's progress, an MCP server's runs."""
        status = cast(Literal["succeeded", "failed"], event.status)
        return cls(
            event.step_id,
            event.workflow_id,
            event.attempt,
            status,
            event.status_code,
            event.outputs,
            event.duration_ms,
            event.reason,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "stepId": self.step_id,
            "workflowId": self.workflow_id,
            "attempt": self.attempt,
            "status": self.status,
            "statusCode": self.status_code,
            "outputs": self.outputs,
            "durationMs": round(self.duration_ms, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class RunError(CamelDict):
    """Why a run failed. ``type``: step_failed, failure_end, limit, transport, input, dependency, ..."""

    # Field order is this record's JSON key order (its camel_form): a format, do not reorder.
    type: str
    message: str
    step_id: str | None = None
    workflow_id: str | None = None


#: ``to_dict``: ``{"type", "message", "stepId", "workflowId"}``, in the JSON result and a snapshot's outcome.
RunError.camel_form = CamelForm(RunError)


@dataclass(frozen=True)
class StepView:
    """All executions of one step id, for assertions: ``result.step("poll").attempts == 4``."""

    step_id: str
    records: tuple[StepRecord, ...]

    @property
    def attempts(self) -> int:
        return len(self.records)

    @property
    def last(self) -> StepRecord:
        return self.records[-1]

    @property
    def outputs(self) -> dict[str, Any]:
        return self.records[-1].outputs if self.records else {}

    @property
    def status(self) -> str | None:
        return self.records[-1].status if self.records else None


@dataclass(frozen=True)
class RunResult:
    workflow_id: str
    status: RunStatus
    outputs: dict[str, Any]
    steps: tuple[StepRecord, ...]
    error: RunError | None
    requests: int
    duration_ms: float
    #: Requests re-sent by the transport (throttling, 5xx, connection errors); in ``requests`` too.
    transport_retries: int = 0
    #: Outputs are partial when the run failed before every output could be evaluated.
    partial_outputs: bool = False
    #: Masks secret input values for printing (``to_dict(masked=True)``); outputs stay real.
    masker: Any = field(default=None, repr=False, compare=False)
    #: The run's id in the journal (``arazzo runs``), when the run was journaled.
    run_id: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def step(self, step_id: str) -> StepView:
        return StepView(step_id, tuple(r for r in self.steps if r.step_id == step_id))

    def to_dict(self, *, masked: bool = False) -> dict[str, Any]:
        """JSON-ready; ``masked=True`` hides secret input values (for anything shown or stored)."""
        data = {
            "workflowId": self.workflow_id,
            "status": self.status,
            "outputs": self.outputs,
            "steps": [s.to_dict() for s in self.steps],
            "error": self.error.to_dict() if self.error else None,
            "requests": self.requests,
            "transportRetries": self.transport_retries,
            "durationMs": round(self.duration_ms, 3),
        }
        if self.run_id is not None:
            data["runId"] = self.run_id
        if masked and self.masker is not None:
            data["outputs"] = self.masker.mask(self.outputs)
            steps = [s.to_dict() for s in self.steps]
            data["steps"] = [
                {
                    **s,
                    "outputs": self.masker.mask(s["outputs"]),
                    "reason": self.masker.text(s["reason"]) if s["reason"] else None,
                }
                for s in steps
            ]
        return data
