"""What follows a step, decided by pure functions; :mod:`.core` applies the decision in one place.

A step has finished (succeeded or failed, with its reason). :func:`decide` looks at the step's
``onSuccess``/``onFailure`` actions and then the workflow's ``successActions``/
``failureActions`` (component references resolved), in order, and returns one of
:class:`Continue`, :class:`End`, :class:`Goto`, :class:`CallWorkflow`, :class:`Retry` or
:class:`Fail`, with every criterion it evaluated (``checks``: the core turns them into events).
It reads the evaluation context and the retry counters; it changes nothing.

Rules (spec § Success/Failure Action Object):

* success: the first action whose criteria all hold; none → :class:`Continue` with the next step.
* failure: the first matching action; none → :class:`Fail` with the step's reason. A ``retry``
  whose ``retryLimit`` (default 1) is used up is passed over for the next matching action.
  The wait is ``retryAfter`` unless the answer said (``Retry-After``, which wins).
* ``end`` after success ends the workflow as succeeded, after a failure as failed.
* An action type the spec does not define is a :class:`Fail` naming it, never a silent goto.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..document.model import Criterion, FailureAction, Reusable, Step, SuccessAction, Workflow
from ..document.resolved import Document
from ..expressions import MISSING, EvaluationContext
from ..retry_after import retry_after_seconds
from . import compiled


@dataclass(frozen=True, slots=True)
class Check:
    """One criterion evaluated: what :class:`~.events.CriterionEvaluated` reports."""

    purpose: str
    condition: str
    type: str | None
    passed: bool
    explanation: str
    #: JSONPath operands of a failed comparison that selected nothing (``$.Endpoints.length``).
    unread: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Chosen:
    """The action a decision follows: what :class:`~.events.ActionChosen` reports."""

    name: str
    type: str
    target: str | None
    level: str


@dataclass(frozen=True, slots=True)
class Decided:
    """What every decision carries besides its own fields: the criteria evaluated on the way (the
    core reports them as events). Keyword-only, so that each decision's own fields come first and
    stay positional."""

    checks: tuple[Check, ...] = field(default=(), kw_only=True)


@dataclass(frozen=True, slots=True)
class Followed(Decided):
    """A decision that follows an action (``end``, ``goto``, ``retry``): which one is required."""

    chosen: Chosen = field(kw_only=True)


@dataclass(frozen=True, slots=True)
class Continue(Decided):
    """Go on with the next step (none matched)."""

    #: No action is followed.
    chosen: ClassVar[None] = None


@dataclass(frozen=True, slots=True)
class End(Followed):
    """``end``: the workflow ends; after a failure it fails with ``message``."""

    succeeded: bool
    message: str | None = None


@dataclass(frozen=True, slots=True)
class Goto(Followed):
    step_id: str


@dataclass(frozen=True, slots=True)
class CallWorkflow(Followed):
    """``goto`` a workflow: run it, then end this one with its status."""

    workflow_id: str
    #: Arazzo 1.1 action ``parameters``: inputs for the workflow (unevaluated, as written).
    parameters: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Retry(Followed):
    """Run the step again after ``delay`` s, first running ``step_id`` or ``workflow_id`` if named."""

    action_name: str
    delay: float
    step_id: str | None
    workflow_id: str | None
    #: Arazzo 1.1 action ``parameters`` for ``workflow_id`` (unevaluated, as written).
    parameters: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Fail(Decided):
    """The workflow fails: ``type`` and ``message`` become its :class:`~.result.RunError`; ``chosen``:
    the action that failed it, if one did."""

    type: str
    message: str
    chosen: Chosen | None = field(default=None, kw_only=True)


Decision = Continue | End | Goto | CallWorkflow | Retry | Fail


def evaluate_criteria(
    criteria: tuple[Criterion, ...],
    ctx: EvaluationContext,
    purpose: str,
    checks: list[Check] | None,
    arazzo: tuple[int, int] = (1, 0),
    bounds: list[str] | None = None,
) -> bool:
    """True when every criterion holds (stops at the first that does not); appends to ``checks``,
    and to ``bounds`` what stopped a criterion that hit a bound (its time budget).

    ``arazzo`` is the document's (major, minor): 1.1 changed how JSONPath conditions read."""
    for criterion in criteria:
        compiled_criterion = compiled.criterion(
            criterion.condition, criterion.type, criterion.version, arazzo
        )
        context_value: Any = MISSING
        if criterion.context is not None:
            context_value = compiled.runtime_expression(criterion.context).evaluate(ctx)
        outcome = compiled_criterion.evaluate(context_value, ctx)
        if checks is not None:
            unread: tuple[str, ...] = ()
            if criterion.type == "jsonpath" and not outcome.passed:
                unread = tuple(
                    text for text, value in outcome.observations if value is MISSING and text[:1] == "$"
                )
            checks.append(
                Check(
                    purpose, criterion.condition, criterion.type, outcome.passed, outcome.explanation, unread
                )
            )
        if not outcome.passed:
            bound = getattr(outcome, "bound", None)
            if bounds is not None and bound:
                bounds.append(bound)
            return False
    return True


def step_succeeded(
    step: Step,
    ctx: EvaluationContext,
    status_code: int | None,
    default_success: str,
    checks: list[Check] | None,
    arazzo: tuple[int, int] = (1, 0),
) -> tuple[bool, str | None]:
    """(succeeded, reason): the step's ``successCriteria``; without any, a 2xx (or any answer)."""
    if step.success_criteria:
        for criterion in step.success_criteria:
            bounds: list[str] = []
            if not evaluate_criteria((criterion,), ctx, "successCriteria", checks, arazzo, bounds):
                if bounds:  # not "false": it could not be decided within its bound
                    return False, f"success criterion {criterion.condition} was stopped: {bounds[0]}"
                return False, f"success criterion not met: {criterion.condition}"
        return True, None
    if status_code is None or default_success == "any" or 200 <= status_code < 300:
        return True, None
    return False, f"HTTP {status_code} (no successCriteria: a 2xx status was expected)"


def candidates(
    document: Document, workflow: Workflow, step: Step, succeeded: bool
) -> list[tuple[SuccessAction | FailureAction, str]]:
    """The actions that may follow, in order: the step's, then the workflow's (references resolved)."""
    own: tuple[SuccessAction | FailureAction | Reusable, ...]
    shared: tuple[SuccessAction | FailureAction | Reusable, ...]
    if succeeded:
        own, shared, table = step.on_success, workflow.success_actions, "successActions"
    else:
        own, shared, table = step.on_failure, workflow.failure_actions, "failureActions"
    items = [(a, "step") for a in own] + [(a, "workflow") for a in shared]
    resolved = []
    for item, level in items:
        if isinstance(item, Reusable):
            target = document.spec.components.lookup(table, item.component_name or "")
            if target is not None:
                resolved.append((target, level))
        else:
            resolved.append((item, level))
    return resolved


def retry_delay(
    action: FailureAction, response_headers: Mapping[str, Any], received_at: float | None
) -> float:
    """``retryAfter``, unless the answer said how long to wait (``Retry-After``, which wins).

    An HTTP-date ``Retry-After`` is measured against the wall time the answer arrived
    (``received_at``); without it, ``retryAfter`` stays.
    """
    configured = float(action.retry_after or 0.0)
    if not response_headers or received_at is None:
        return configured
    asked = retry_after_seconds(response_headers, clock=lambda: received_at)
    return configured if asked is None else asked


def decide(
    document: Document,
    workflow: Workflow,
    step: Step,
    ctx: EvaluationContext,
    *,
    succeeded: bool,
    reason: str,
    retries_used: Mapping[str, int],
    received_at: float | None,
    explain: bool = True,
) -> Decision:
    """What follows ``step`` (see the module's rules). Pure: reads, never writes."""
    checks: list[Check] | None = [] if explain else None
    prefix = "onSuccess" if succeeded else "onFailure"
    for action, level in candidates(document, workflow, step, succeeded):
        if not evaluate_criteria(
            action.criteria, ctx, f"{prefix}:{action.name}", checks, document.spec.version
        ):
            continue
        chosen = Chosen(action.name, action.type, action.step_id or action.workflow_id, level)
        done = tuple(checks or ())
        if action.type == "retry" and not succeeded:
            assert isinstance(action, FailureAction)
            limit = 1 if action.retry_limit is None else action.retry_limit
            if retries_used.get(action.name, 0) >= limit:
                continue  # retryLimit used up: the next matching failure action applies
            delay = retry_delay(action, ctx.response_headers, received_at)
            return Retry(
                action.name,
                delay,
                action.step_id,
                action.workflow_id,
                action.parameters,
                chosen=chosen,
                checks=done,
            )
        if action.type == "end" and succeeded:
            return End(True, chosen=chosen, checks=done)
        if action.type == "end":
            message = f"step {step.step_id!r} failed and failure action {action.name!r} ended the workflow: {reason}"
            return End(False, message, chosen=chosen, checks=done)
        if action.type == "goto" and action.workflow_id is not None:
            return CallWorkflow(action.workflow_id, action.parameters, chosen=chosen, checks=done)
        if action.type == "goto" and action.step_id is not None:
            return Goto(action.step_id, chosen=chosen, checks=done)
        return Fail(
            "invalid_action",
            f"step {step.step_id!r}: action {action.name!r} has type {action.type!r} without what it needs"
            " (end, goto with stepId or workflowId, or retry after a failure)",
            chosen=chosen,
            checks=done,
        )
    done = tuple(checks or ())
    if succeeded:
        return Continue(checks=done)
    return Fail("step_failed", f"step {step.step_id!r} failed: {reason}", checks=done)
