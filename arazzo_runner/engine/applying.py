"""The one place a decision about what follows a step changes the run (see :mod:`.decisions`),
and the limits that end a run instead (the step budget, the run's deadline).

A mixin of :class:`~.core.Execution`, split off to keep each module readable.
"""

from __future__ import annotations

from typing import Any

from ..document.model import Step
from ..expressions import MISSING
from . import decisions as d
from .events import ActionChosen, CriterionEvaluated, LimitHit, Sleeping
from .inputs import inputs_for, prepare_inputs
from .preparation import STEP_ERRORS, action_parameters, render
from .state import FrameState, Waiting

#: The mixin's base: ``Execution`` (core.py) inherits from this class, so naming it here would be a
#: cyclic class definition; its attributes are typed there (mypy: subclassing Any allowed here only).
_Base: Any = object


class Applying(_Base):
    # -- applying decisions ------------------------------------------------------------------
    def _decide(self, frame: FrameState, step: Step, succeeded: bool, reason: str, now: float) -> None:
        decision = d.decide(
            self._document_at(frame.document_path),
            self._workflow(frame),
            step,
            self._contexts[-1],
            succeeded=succeeded,
            reason=reason,
            retries_used=frame.retries_used.get(step.step_id, {}),
            received_at=self.state.received_at,
            explain=self.listening,
        )
        self._apply(frame, step, decision, now)

    def _apply(self, frame: FrameState, step: Step, decision: d.Decision, now: float) -> None:
        """The one place a decision changes the run."""
        if self.listening:
            self._report_checks(step.step_id, decision.checks)
            chosen = decision.chosen if not isinstance(decision, d.Continue) else None
            if chosen is not None:
                self._emit(
                    ActionChosen(
                        step_id=step.step_id,
                        name=chosen.name,
                        type=chosen.type,
                        target=chosen.target,
                        level=chosen.level,
                    )
                )
        if isinstance(decision, d.Retry):
            used = frame.retries_used.setdefault(step.step_id, {})
            used[decision.action_name] = used.get(decision.action_name, 0) + 1
            frame.attempt += 1
            frame.retry_delay = decision.delay
            if decision.workflow_id is not None:
                self._call_workflow(frame, step, decision.workflow_id, Waiting.RETRY, now, decision.parameters)
            elif decision.step_id is not None and decision.step_id != step.step_id:
                frame.retry_return = frame.index
                frame.index = self._step_index(frame, decision.step_id)
            else:
                self._sleep_before_retry(frame, step.step_id, now)
            return
        # The step's attempt sequence is over: its next execution (a poll) retries afresh.
        frame.attempt = 1
        frame.retries_used.pop(step.step_id, None)
        if isinstance(decision, d.Continue):
            frame.index += 1
            frame.polls.pop(step.step_id, None)
        elif isinstance(decision, d.Goto):
            self._goto_step(frame, decision.step_id, now)
        elif isinstance(decision, d.CallWorkflow):
            self._call_workflow(frame, step, decision.workflow_id, Waiting.GOTO, now, decision.parameters)
        elif isinstance(decision, d.End) and decision.succeeded:
            self._finish_frame(frame, "succeeded", None, now)
        elif isinstance(decision, d.End):
            self._fail_frame(frame, "failure_end", decision.message or "", step.step_id, now)
        elif isinstance(decision, d.Fail):
            self._fail_frame(frame, decision.type, decision.message, step.step_id, now)
        else:
            raise TypeError(f"unknown decision {decision!r}")

    def _report_checks(self, step_id: str, checks: tuple[d.Check, ...]) -> None:
        for check in checks:
            self._emit(
                CriterionEvaluated(
                    step_id=step_id,
                    purpose=check.purpose,
                    condition=check.condition,
                    type=check.type,
                    passed=check.passed,
                    explanation=self.masker.text(check.explanation),
                )
            )

    def _sleep_before_retry(self, frame: FrameState, step_id: str, now: float) -> None:
        self._sleep(0.0 if self.options.no_wait else frame.retry_delay, "retry", step_id, now)

    def _sleep(self, delay: float, reason: str, step_id: str, now: float) -> None:
        if delay > 0:
            self.state.sleep = {
                "until": now + delay,
                "seconds": delay,
                "reason": reason,
                "stepId": step_id,
                "handedOut": False,
            }
            self._emit(Sleeping(step_id=step_id, seconds=delay, reason=reason), now)

    def _call_workflow(
        self, frame: FrameState, step: Step, target: str, why: Waiting, now: float, parameters: tuple[Any, ...] = ()
    ) -> None:
        """Run workflow ``target`` for a goto or a retry, with the caller's inputs it declares and
        (Arazzo 1.1) the action's ``parameters`` as inputs on top."""
        document = self._document_at(frame.document_path)
        ref = document.resolve_workflow(target)
        try:
            available = inputs_for(ref.document, ref.workflow, frame.inputs)
            for parameter, raw in action_parameters(document, parameters):
                value = render(raw, self._contexts[-1])
                if value is not MISSING:
                    available[parameter.name] = value
            child_inputs = prepare_inputs(ref.document, ref.workflow, available)
        except STEP_ERRORS as exc:
            message = f"{why.value} workflow {target!r} cannot run: {exc}"
            self._fail_frame(frame, "step_failed", message, step.step_id, now)
            return
        self._push(frame, ref.document, ref.workflow, child_inputs, why, now)

    def _goto_step(self, frame: FrameState, step_id: str, now: float) -> None:
        target = self._step_index(frame, step_id)
        frame.index = target
        if frame.executions.get(step_id, 0) > 0:
            iteration = frame.polls.get(step_id, 0) + 1
            frame.polls[step_id] = iteration
            extension = self._workflow(frame).steps[target].extensions.get("x-arazzo-poll")
            pacing = self.options.pacing.overridden(extension)
            self._sleep(
                0.0 if self.options.no_wait else pacing.delay(iteration, self.rng.random()),
                "poll",
                step_id,
                now,
            )

    def _step_index(self, frame: FrameState, step_id: str) -> int:
        for i, candidate in enumerate(self._workflow(frame).steps):
            if candidate.step_id == step_id:
                return i
        raise RuntimeError(f"no step {step_id!r}")  # the loader rejects such documents

    # -- limits (the step budget, the run deadline): the run ends, naming the step ----------
    def _limit_hit(self, frame: FrameState, step: Step, now: float) -> bool:
        state = self.state
        if state.step_count >= self.options.max_steps:
            count = frame.executions.get(step.step_id, 0)
            message = (
                f"step budget of {self.options.max_steps} step executions exhausted at step {step.step_id!r}"
                f" (it ran {count} times in workflow {frame.workflow_id!r}); raise --max-steps if the"
                " loop is expected to take longer"
            )
            self._emit(LimitHit(limit="max_steps", message=message, step_id=step.step_id), now)
        elif state.deadline is not None and now >= state.deadline:  # a driver cuts a wait at the deadline
            message = f"run timed out after {self.options.run_timeout:g} s before step {step.step_id!r}"
            waited = self._waited
            if waited is not None and waited["stepId"] == step.step_id:
                message = (
                    f"run timed out after {self.options.run_timeout:g} s while waiting to {waited['reason']}"
                    f" step {step.step_id!r}"
                )
            self._emit(LimitHit(limit="timeout", message=message, step_id=step.step_id), now)
        else:
            return False
        self._abort("limit", message, step.step_id, frame.workflow_id, now)
        return True

    def _out_of_time(self, frame: FrameState, step: Step, now: float) -> bool:
        """Whether the run's deadline has passed during a wait in ``step``; if so, the run ends."""
        deadline = self.state.deadline
        if deadline is None or now < deadline:
            return False
        message = (
            f"run timed out after {self.options.run_timeout:g} s while step {step.step_id!r} waited for a message"
        )
        self._emit(LimitHit(limit="timeout", message=message, step_id=step.step_id), now)
        self._abort("limit", message, step.step_id, frame.workflow_id, now)
        return True
