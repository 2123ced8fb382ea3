"""Every transition of a run lives in this module (h11's ``_state.py`` rule): a step starts, an
answer arrives, a step finishes, a decision is applied, a workflow is pushed or finishes, a wait
is asked for, a limit ends the run, the run completes or faults.

:class:`Machine` is the state machine behind :class:`~.core.Execution` (which adds construction,
snapshots and restores). It changes only ``self.state`` (:class:`~.state.RunState`, plain data:
phases, the stack, counters, step records, the wait, the outcome) and queues events; no other
module assigns a phase. What it needs to work out but does not decide lives in pure helpers:
:mod:`.decisions` (what follows a step), :mod:`.answers` (what an answer says), :mod:`.preparation`
(a step's request), :mod:`.message_steps` (an AsyncAPI step), :mod:`.lookups` (ids → objects).

Beside the state, a Machine keeps only what is derived or on its way out: the evaluation context
of each frame (a view over the frame's values), the events not yet drained, the result once the
run is done, and the driver time of the current call.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..document.model import Step, Workflow
from ..document.resolved import Document
from ..expressions import MISSING, EvaluationContext
from . import answers, message_steps, step_dependencies, step_timeout
from . import decisions as d
from .events import (
    ActionChosen,
    Event,
    LimitHit,
    RunFinished,
    RunStarted,
    Sleeping,
    StepFinished,
    StepStarted,
    TransportFailed,
    Warning,
    WorkflowFinished,
    WorkflowStarted,
)
from .exchange import load_exchange
from .inputs import inputs_for, prepare_inputs
from .lookups import DocumentIndex
from .masking import Masker
from .needs import Delivery, Done, Exchange, Need, Receive, SendMessage, SendRequest, Sleep
from .options import RunOptions
from .preparation import (
    STEP_ERRORS,
    action_parameters,
    context_for,
    evaluated_parameters,
    prepare_request,
    render,
)
from .redaction import Redactor
from .result import RunError, RunResult, StepRecord
from .state import (
    CompletedDependency,
    FrameState,
    Outcome,
    Phase,
    RunPhase,
    RunState,
    Wait,
    Waiting,
)
from .unread_values import unreadable_criteria

#: An answer the driver feeds: an :class:`Exchange` or a :class:`Delivery`.
A = TypeVar("A", Exchange, Delivery)


class Machine:
    """One run's transitions over its :class:`RunState`. Not thread-safe by itself."""

    def __init__(
        self,
        document: Document,
        state: RunState,
        *,
        options: RunOptions,
        rng: random.Random,
        masker: Masker,
        redactor: Redactor,
    ) -> None:
        self.state = state
        self.options = options
        self.rng = rng
        self.masker = masker
        self.redactor = redactor
        self.index = DocumentIndex(document)
        #: Set False by a driver nobody listens to: skips building per-criterion explanations.
        self.listening = True
        #: Queued events, until the driver drains them.
        self.events: list[Event] = []
        #: The run's result, once it is done.
        self.finished: Done | None = None
        #: The evaluation context of each frame on the stack (a view: the state stays the truth).
        self.contexts: list[EvaluationContext] = []
        #: Driver time of the current next()/feed() call (stamps the events it queues).
        self.now = 0.0
        #: Why each step's outputs are null, by (frame, step id): its last execution's, said when
        #: its workflow ends (a poll loop's earlier nulls do not matter).
        self.nulls: dict[tuple[int, str], list[str]] = {}

    # -- the start, and a restore --------------------------------------------------------------
    def start(self, workflow: Workflow) -> None:
        """A new run: the root workflow's frame, and RunStarted (stamped by the first ``next``)."""
        state = self.state
        self._push_frame(FrameState([], state.workflow_id, state.inputs, "run", 0, pending_deps=[]), workflow)
        self.emit(RunStarted(workflow_id=state.workflow_id, inputs=self.masker.mask(state.inputs)))

    def restored(self) -> None:
        """Carry on from a restored state: contexts rebuilt, an unfinished wait waited again."""
        state = self.state
        self.contexts = [self.context(frame) for frame in state.stack]
        if state.wait is not None:
            state.wait.handed_out = False  # the process that slept is gone: wait again
            state.wait.resumed = True
        if state.phase is RunPhase.DONE:
            self.finished = Done(self.result())

    # -- the public protocol (Execution delegates here) ----------------------------------------
    def next(self, now: float) -> Need:
        self.now = now
        state = self.state
        if state.phase is RunPhase.ERROR:
            raise RuntimeError(f"the run stopped in the error phase: {state.error}")
        try:
            if state.started is None:
                state.started = now
                if self.options.run_timeout is not None:
                    state.deadline = now + self.options.run_timeout
                for event in self.events:  # RunStarted was queued before any clock
                    if event.at == 0.0:
                        object.__setattr__(event, "at", now)
            while self.finished is None:
                waited: Wait | None = None
                wait = state.wait
                if wait is not None:
                    if not wait.handed_out:
                        wait.handed_out = True
                        # Restored: only what is left of the wait (the deadline is absolute).
                        seconds = max(0.0, wait.until - now) if wait.resumed else wait.seconds
                        return Sleep(seconds, wait.reason, wait.step_id, wait.until)
                    state.wait = None
                    waited = wait  # names the wait if the deadline cut it
                frame = state.stack[-1]
                if frame.phase is Phase.AWAIT_RESPONSE:
                    assert state.pending is not None
                    return state.pending  # handed out again (after a restore: the request in doubt)
                if frame.phase is Phase.DEPS:
                    self._next_dependency(frame, now)
                elif frame.phase is Phase.STEP:
                    need = self._start_step(frame, now, waited)
                    if need is not None:
                        return need
                else:
                    raise RuntimeError(f"next() while waiting ({frame.phase.value})")
            return self.finished
        except Exception as exc:
            self._fault(exc)
            raise

    def feed(self, exchange: Exchange, now: float) -> None:
        """The outcome of the last :class:`SendRequest`."""
        self._answer(self._feed, exchange, now)

    def feed_message(self, delivery: Delivery, now: float) -> None:
        """The outcome of the last :class:`SendMessage` / :class:`Receive` (Arazzo 1.1 AsyncAPI)."""
        self._answer(self._feed_message, delivery, now)

    def _answer(self, read: Callable[[A, float], None], answer: A, now: float) -> None:
        self.now = now
        if self.state.phase is RunPhase.ERROR:
            raise RuntimeError(f"the run stopped in the error phase: {self.state.error}")
        try:
            read(answer, now)
        except Exception as exc:
            self._fault(exc)
            raise

    def _fault(self, exc: Exception) -> None:
        """Something raised inside the core: the run stops in the error phase, state kept as it was."""
        self.state.phase = RunPhase.ERROR
        self.state.error = f"{type(exc).__name__}: {exc}"

    # -- events --------------------------------------------------------------------------------
    def emit(self, event: Event, now: float | None = None) -> None:
        """Queue ``event``, stamped with the driver's time of the current next()/feed() call."""
        if event.at == 0.0:
            object.__setattr__(event, "at", self.now if now is None else now)
        if isinstance(event, Warning) and self.masker.values:  # warnings quote answers (issue 17)
            object.__setattr__(event, "message", self.masker.text(event.message))
        self.events.append(event)

    # -- contexts ------------------------------------------------------------------------------
    def context(self, frame: FrameState) -> EvaluationContext:
        """The evaluation context over ``frame``'s values (a view: the state stays the truth)."""
        document = self.index.document_at(frame.document_path)
        ctx = context_for(document, frame.inputs, frame.steps, frame.outputs, self.state.workflow_results)
        load_exchange(ctx, frame.exchange)
        return ctx

    def _context_of(self, frame: FrameState) -> EvaluationContext:
        stack = self.state.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is frame:
                return self.contexts[i]
        raise RuntimeError("frame not on the stack")

    def clear_exchange(self, frame: FrameState, ctx: EvaluationContext) -> None:
        """A step starts: the previous step's exchange is no longer what expressions see."""
        if frame.exchange:
            frame.exchange = {}
        load_exchange(ctx, frame.exchange)

    # -- the stack -----------------------------------------------------------------------------
    def _push_frame(self, frame: FrameState, workflow: Workflow) -> None:
        frame.pending_deps = list(workflow.depends_on)
        self.state.stack.append(frame)
        self.contexts.append(self.context(frame))

    def _pop_frame(self) -> FrameState:
        self.contexts.pop()
        return self.state.stack.pop()

    def _push(
        self,
        parent: FrameState,
        document: Document,
        workflow: Workflow,
        inputs: dict[str, Any],
        why: Waiting,
        now: float,
    ) -> None:
        depth = len(self.state.stack)
        if depth > self.options.max_depth:
            message = (
                f"workflows nest deeper than {self.options.max_depth} at {workflow.workflow_id!r}"
                " (a workflow calling itself?)"
            )
            self.emit(LimitHit(limit="max_depth", message=message), now)
            self._abort("limit", message, None, workflow.workflow_id, now)
            return
        parent.phase = Phase.AWAIT_CHILD
        parent.waiting_for = why
        child = FrameState(
            self.index.path_to(parent, document), workflow.workflow_id, inputs, why.value, depth
        )
        self._push_frame(child, workflow)

    # -- dependencies --------------------------------------------------------------------------
    def _next_dependency(self, frame: FrameState, now: float) -> None:
        workflow = self.index.workflow(frame)
        if not frame.started:
            frame.started = True
            self.emit(
                WorkflowStarted(workflow_id=workflow.workflow_id, reason=frame.reason, depth=frame.depth), now
            )
        document = self.index.document_at(frame.document_path)
        while frame.pending_deps:
            target = frame.pending_deps.pop(0)
            ref = document.resolve_workflow(target)
            status = self._dependency_status(ref.key)
            if status is not None:
                if status != "succeeded":
                    self._fail_frame(frame, "dependency", f"dependency {target!r} failed", None, now)
                    return
                continue
            try:
                child_inputs = prepare_inputs(
                    ref.document, ref.workflow, inputs_for(ref.document, ref.workflow, frame.inputs)
                )
            except STEP_ERRORS as exc:
                self._fail_frame(frame, "dependency", f"dependency {target!r} cannot run: {exc}", None, now)
                return
            self._push(frame, ref.document, ref.workflow, child_inputs, Waiting.DEPENDENCY, now)
            return
        frame.phase = Phase.STEP

    def _dependency_status(self, key: tuple[str, str]) -> str | None:
        for dep in self.state.completed_deps:
            if (dep.location, dep.workflow_id) == key:
                return dep.status
        return None

    # -- a step starts -------------------------------------------------------------------------
    def _start_step(self, frame: FrameState, now: float, waited: Wait | None) -> Need | None:
        workflow = self.index.workflow(frame)
        if frame.index >= len(workflow.steps):
            self._finish_frame(frame, "succeeded", None, now)
            return None
        step = workflow.steps[frame.index]
        if self._limit_hit(frame, step, now, waited):
            return None
        state = self.state
        state.step_count += 1
        frame.executions[step.step_id] = frame.executions.get(step.step_id, 0) + 1
        frame.step_started = now
        ctx = self.contexts[-1]
        self.clear_exchange(frame, ctx)
        frame.outputs = ctx.outputs = {}
        if self.listening:
            self.emit(
                StepStarted(
                    workflow_id=workflow.workflow_id,
                    step_id=step.step_id,
                    attempt=frame.attempt,
                    execution=frame.executions[step.step_id],
                ),
                now,
            )
        waiting_on = step_dependencies.unmet(step.depends_on, workflow.workflow_id, state.records)
        if waiting_on is not None:  # Arazzo 1.1 step dependsOn: a failed step, so onFailure applies
            self._step_done(frame, step, succeeded=False, reason=waiting_on, now=now, status_code=None)
            return None
        document = self.index.document_at(frame.document_path)
        if step.workflow_id is not None:
            ref = document.resolve_workflow(step.workflow_id)
            try:
                values = evaluated_parameters(
                    document,
                    workflow,
                    step,
                    ctx,
                    for_workflow=True,
                    accepts=ref.document.spec.declared_inputs(ref.workflow),
                )
                child_inputs = prepare_inputs(ref.document, ref.workflow, {p.name: p.value for p in values})
            except STEP_ERRORS as exc:
                reason = f"cannot call workflow {step.workflow_id!r}: {exc}"
                self._step_done(frame, step, succeeded=False, reason=reason, now=now, status_code=None)
                return None
            self._push(frame, ref.document, ref.workflow, child_inputs, Waiting.STEP, now)
            return None
        message = self.index.is_message_step(document, step)  # Arazzo 1.1 AsyncAPI: send or receive
        need: SendRequest | SendMessage | Receive
        try:
            if message:
                need = message_steps.need_for(document, workflow, step, ctx)
            else:
                need = prepare_request(document, tuple(frame.document_path), workflow, step, ctx)
        except STEP_ERRORS as exc:  # an expression that cannot be evaluated, an unknown operation...
            what = "prepare the message step" if message else "build the request"
            self._step_done(
                frame, step, succeeded=False, reason=f"cannot {what}: {exc}", now=now, status_code=None
            )
            return None
        frame.phase = Phase.AWAIT_RESPONSE
        state.pending = need
        return need

    # -- an answer arrives ---------------------------------------------------------------------
    def _feed(self, exchange: Exchange, now: float) -> None:
        state = self.state
        frame = state.stack[-1]
        need = state.pending
        if frame.phase is not Phase.AWAIT_RESPONSE or not isinstance(need, SendRequest):
            raise RuntimeError("feed() without a pending request")
        step = self.index.step(frame)
        state.requests += 0 if exchange.unsent else 1 + len(exchange.retries)  # refused: never sent
        state.transport_retries += len(exchange.retries)
        for event in answers.retried(step, exchange):
            self.emit(event, now)
        ctx = self.contexts[-1]
        state.received_at = exchange.received_at
        values, built = answers.exchange_seen(need, exchange, self.redactor, self.listening)
        if built is not None:
            self.emit(built, now)
        frame.exchange = values
        load_exchange(ctx, values)
        state.pending = None
        timed_out = step_timeout.exceeded(step_timeout.seconds(step.timeout), exchange)
        if timed_out is not None:  # Arazzo 1.1: a failed step, so its onFailure actions apply
            status = exchange.response.status_code if exchange.response is not None else None
            self._step_done(frame, step, succeeded=False, reason=timed_out, now=now, status_code=status)
            return
        response = exchange.response
        if response is None:
            failure = exchange.error or "no response"
            answers.violations(step, exchange, lambda e: self.emit(e, now))  # why --validate=strict did not send it
            self.emit(TransportFailed(step_id=step.step_id, message=self.masker.text(failure)), now)
            self._step_done(frame, step, succeeded=False, reason=failure, now=now, status_code=None)
            return
        if self.listening:
            self.emit(answers.response_received(step, exchange, response, self.redactor), now)
        unreadable = answers.unreadable(step, response, lambda e: self.emit(e, now))
        if unreadable is not None:
            self._step_done(
                frame, step, succeeded=False, reason=unreadable, now=now, status_code=response.status_code
            )
            return
        ok, reason = self._criteria(frame, step, ctx, response.status_code)
        for message in unreadable_criteria(step, ctx):  # a pointer into text reads nothing: say so
            self.emit(Warning(message=message, step_id=step.step_id), now)
        ok, reason = answers.judged(
            step, exchange, response, ok, reason, self.options.validate, lambda e: self.emit(e, now)
        )
        self._step_done(frame, step, succeeded=ok, reason=reason, now=now, status_code=response.status_code)

    def _feed_message(self, delivery: Delivery, now: float) -> None:
        """An AsyncAPI step's answer: ``$message`` kept (a receive), criteria checked, the step done."""
        state = self.state
        frame = state.stack[-1]
        need = state.pending
        if frame.phase is not Phase.AWAIT_RESPONSE or not isinstance(need, SendMessage | Receive):
            raise RuntimeError("feed_message() without a pending message step")
        state.pending = None
        step = self.index.step(frame)
        ctx = self.contexts[-1]
        ok, reason, values = message_steps.received(need, delivery)
        frame.exchange = values
        load_exchange(ctx, values)
        if self.listening:
            self.emit(message_steps.event(need, delivery, self.redactor), now)
        if delivery.note:
            self.emit(Warning(message=delivery.note, step_id=step.step_id), now)
        if not ok and isinstance(need, Receive) and self._out_of_time(frame, step, now):
            return  # the driver cut the wait at the run's deadline: the run ends, naming the wait
        if ok:
            ok, reason = self._criteria(frame, step, ctx, None)
        self._step_done(frame, step, succeeded=ok, reason=reason, now=now, status_code=None)

    def _criteria(
        self, frame: FrameState, step: Step, ctx: EvaluationContext, status_code: int | None
    ) -> tuple[bool, str | None]:
        """The step's ``successCriteria`` (reported when listening); without any, see ``default_success``."""
        checks: list[d.Check] | None = [] if self.listening else None
        version = self.index.document_at(frame.document_path).spec.version
        ok, reason = d.step_succeeded(step, ctx, status_code, self.options.default_success, checks, version)
        if checks:
            self._report_checks(step.step_id, tuple(checks))
        return ok, reason

    def _report_checks(self, step_id: str, checks: tuple[d.Check, ...]) -> None:
        for event in answers.criteria_events(step_id, checks, self.masker):
            self.emit(event)

    def _outputs(
        self,
        frame: FrameState,
        outputs: Mapping[str, Any],
        where: str,
        warn: bool | str,
        now: float,
        step: str = "",
    ) -> dict[str, Any]:
        """A step's warnings (``warn="failed"``: of a failed step) wait for its workflow's end."""
        warnings: list[str] | None = [] if warn else None
        values = answers.outputs(outputs, self._context_of(frame), where or f"step {step!r}", warnings, warn)
        if step:
            self.nulls[(id(frame), step)] = warnings or []
        for message in () if step else warnings or ():
            self.emit(Warning(message=message), now)
        return values

    # -- a step finishes -----------------------------------------------------------------------
    def _step_done(
        self,
        frame: FrameState,
        step: Step,
        *,
        succeeded: bool,
        reason: str | None,
        now: float,
        status_code: int | None,
    ) -> None:
        """Record the step execution, then decide and apply what follows."""
        outputs = self._outputs(frame, step.outputs, "", succeeded or "failed", now, step.step_id)
        frame.steps[step.step_id] = outputs
        duration = (now - frame.step_started) * 1000
        status: Any = "succeeded" if succeeded else "failed"
        self.state.records.append(
            StepRecord(
                step.step_id, frame.workflow_id, frame.attempt, status, status_code, outputs, duration, reason
            )
        )
        if self.listening:
            self.emit(
                StepFinished(
                    workflow_id=frame.workflow_id,
                    step_id=step.step_id,
                    attempt=frame.attempt,
                    status=status,
                    status_code=status_code,
                    outputs=self.masker.mask(outputs),
                    duration_ms=duration,
                    reason=self.masker.text(reason) if reason else None,
                ),
                now,
            )
        frame.phase = Phase.STEP
        if frame.retry_return is not None:
            # The step a retry named has run: go back and retry the failed step.
            back, frame.retry_return = frame.retry_return, None
            if not succeeded:
                message = f"step {step.step_id!r} (run before a retry) failed: {reason}"
                self._fail_frame(frame, "step_failed", message, step.step_id, now)
                return
            frame.index = back
            self._sleep_before_retry(frame, self.index.workflow(frame).steps[back].step_id, now)
            return
        self._decide(frame, step, succeeded, reason or "step failed", now)

    # -- applying a decision (what follows a step) ---------------------------------------------
    def _decide(self, frame: FrameState, step: Step, succeeded: bool, reason: str, now: float) -> None:
        decision = d.decide(
            self.index.document_at(frame.document_path),
            self.index.workflow(frame),
            step,
            self.contexts[-1],
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
            chosen = decision.chosen
            if chosen is not None:
                self.emit(
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
                self._call_workflow(
                    frame, step, decision.workflow_id, Waiting.RETRY, now, decision.parameters
                )
            elif decision.step_id is not None and decision.step_id != step.step_id:
                frame.retry_return = frame.index
                frame.index = self.index.step_index(frame, decision.step_id)
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

    def _sleep_before_retry(self, frame: FrameState, step_id: str, now: float) -> None:
        self._wait(0.0 if self.options.no_wait else frame.retry_delay, "retry", step_id, now)

    def _wait(self, delay: float, reason: str, step_id: str, now: float) -> None:
        if delay > 0:
            self.state.wait = Wait(now + delay, delay, reason, step_id)
            self.emit(Sleeping(step_id=step_id, seconds=delay, reason=reason), now)

    def _call_workflow(
        self,
        frame: FrameState,
        step: Step,
        target: str,
        why: Waiting,
        now: float,
        parameters: tuple[Any, ...] = (),
    ) -> None:
        """Run workflow ``target`` for a goto or a retry, with the caller's inputs it declares and
        (Arazzo 1.1) the action's ``parameters`` as inputs on top."""
        document = self.index.document_at(frame.document_path)
        ref = document.resolve_workflow(target)
        try:
            available = inputs_for(ref.document, ref.workflow, frame.inputs)
            for parameter, raw in action_parameters(document, parameters):
                value = render(raw, self.contexts[-1])
                if value is not MISSING:
                    available[parameter.name] = value
            child_inputs = prepare_inputs(ref.document, ref.workflow, available)
        except STEP_ERRORS as exc:
            message = f"{why.value} workflow {target!r} cannot run: {exc}"
            self._fail_frame(frame, "step_failed", message, step.step_id, now)
            return
        self._push(frame, ref.document, ref.workflow, child_inputs, why, now)

    def _goto_step(self, frame: FrameState, step_id: str, now: float) -> None:
        target = self.index.step_index(frame, step_id)
        frame.index = target
        if frame.executions.get(step_id, 0) > 0:
            iteration = frame.polls.get(step_id, 0) + 1
            frame.polls[step_id] = iteration
            extension = self.index.workflow(frame).steps[target].extensions.get("x-arazzo-poll")
            pacing = self.options.pacing.overridden(extension)
            self._wait(
                0.0 if self.options.no_wait else pacing.delay(iteration, self.rng.random()),
                "poll",
                step_id,
                now,
            )

    # -- limits (the step budget, the run deadline): the run ends, naming the step -------------
    def _limit_hit(self, frame: FrameState, step: Step, now: float, waited: Wait | None) -> bool:
        state = self.state
        if state.step_count >= self.options.max_steps:
            count = frame.executions.get(step.step_id, 0)
            message = (
                f"step budget of {self.options.max_steps} step executions exhausted at step {step.step_id!r}"
                f" (it ran {count} times in workflow {frame.workflow_id!r}); raise --max-steps if the"
                " loop is expected to take longer"
            )
            self.emit(LimitHit(limit="max_steps", message=message, step_id=step.step_id), now)
        elif state.deadline is not None and now >= state.deadline:  # a driver cuts a wait at the deadline
            message = f"run timed out after {self.options.run_timeout:g} s before step {step.step_id!r}"
            if waited is not None and waited.step_id == step.step_id:
                message = (
                    f"run timed out after {self.options.run_timeout:g} s while waiting to {waited.reason}"
                    f" step {step.step_id!r}"
                )
            self.emit(LimitHit(limit="timeout", message=message, step_id=step.step_id), now)
        else:
            return False
        self._abort("limit", message, step.step_id, frame.workflow_id, now)
        return True

    def _out_of_time(self, frame: FrameState, step: Step, now: float) -> bool:
        """Whether the run's deadline has passed during a wait in ``step``; if so, the run ends."""
        deadline = self.state.deadline
        if deadline is None or now < deadline:
            return False
        message = f"run timed out after {self.options.run_timeout:g} s while step {step.step_id!r} waited for a message"
        self.emit(LimitHit(limit="timeout", message=message, step_id=step.step_id), now)
        self._abort("limit", message, step.step_id, frame.workflow_id, now)
        return True

    # -- a workflow finishes -------------------------------------------------------------------
    def _fail_frame(
        self, frame: FrameState, kind: str, message: str, step_id: str | None, now: float
    ) -> None:
        self._finish_frame(frame, "failed", RunError(kind, message, step_id, frame.workflow_id), now)

    def _finish_frame(self, frame: FrameState, status: str, error: RunError | None, now: float) -> None:
        workflow = self.index.workflow(frame)
        where = f"workflow {workflow.workflow_id!r}"
        for key in [key for key in self.nulls if key[0] == id(frame)]:  # its steps' nulls, said once
            for message in self.nulls.pop(key):
                self.emit(Warning(message=message, step_id=key[1]), now)
        outputs = self._outputs(frame, workflow.outputs, where, warn=status == "succeeded", now=now)
        state = self.state
        state.workflow_results[frame.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
        self.emit(
            WorkflowFinished(
                workflow_id=frame.workflow_id,
                status=status,
                outputs=self.masker.mask(outputs),
                depth=frame.depth,
            ),
            now,
        )
        document = self.index.document_at(frame.document_path)
        self._pop_frame()
        if frame.reason == Waiting.DEPENDENCY.value:
            state.completed_deps.append(CompletedDependency(document.location, frame.workflow_id, status))
        if not state.stack:
            self._complete(status, outputs, error, now)
            return
        self._child_finished(state.stack[-1], frame, status, error, outputs, now)

    def _child_finished(
        self,
        parent: FrameState,
        child: FrameState,
        status: str,
        error: RunError | None,
        outputs: dict[str, Any],
        now: float,
    ) -> None:
        """What a finished child workflow means to the frame that started it."""
        waiting, parent.waiting_for = parent.waiting_for, None
        parent.phase = Phase.STEP
        failed = status != "succeeded"
        detail = error.message if error else ""
        if waiting is Waiting.DEPENDENCY:
            if failed:
                message = f"dependency {child.workflow_id!r} failed: {detail}"
                self._fail_frame(parent, "dependency", message, None, now)
            else:
                parent.phase = Phase.DEPS
            return
        step = self.index.step(parent)
        if waiting is Waiting.GOTO:
            if failed:
                kind = error.type if error else "step_failed"
                self._fail_frame(parent, kind, detail or "goto workflow failed", step.step_id, now)
            else:
                self._finish_frame(parent, "succeeded", None, now)
        elif waiting is Waiting.RETRY:
            if failed:
                message = f"workflow {child.workflow_id!r} run before retrying step {step.step_id!r} failed"
                self._fail_frame(parent, "step_failed", message, step.step_id, now)
            else:
                self._sleep_before_retry(parent, step.step_id, now)
        else:  # Waiting.STEP: a step that called a workflow
            parent.outputs = self.contexts[-1].outputs = outputs
            if failed:
                why = f"workflow {child.workflow_id!r} failed: {detail}"
                self._step_done(parent, step, succeeded=False, reason=why, now=now, status_code=None)
                return
            ok, reason = self._criteria(parent, step, self.contexts[-1], None)
            timed_out = step_timeout.exceeded_after(
                step_timeout.seconds(step.timeout), parent.step_started, now
            )
            if timed_out is not None:  # Arazzo 1.1 step timeout, held when the called workflow ends
                ok, reason = False, timed_out
            self._step_done(parent, step, succeeded=ok, reason=reason, now=now, status_code=None)

    # -- the run ends ----------------------------------------------------------------------------
    def _abort(
        self, kind: str, message: str, step_id: str | None, workflow_id: str | None, now: float
    ) -> None:
        """End the whole run now (a limit): every open workflow fails."""
        state = self.state
        while len(state.stack) > 1:
            frame = self._pop_frame()
            self.emit(
                WorkflowFinished(
                    workflow_id=frame.workflow_id, status="failed", outputs={}, depth=frame.depth
                ),
                now,
            )
        root = state.stack[-1]
        outputs = self._outputs(root, self.index.workflow(root).outputs, "workflow", warn=False, now=now)
        self._pop_frame()
        self.emit(
            WorkflowFinished(
                workflow_id=root.workflow_id, status="failed", outputs=self.masker.mask(outputs), depth=0
            ),
            now,
        )
        self._complete("failed", outputs, RunError(kind, message, step_id, workflow_id), now)

    def _complete(self, status: str, outputs: dict[str, Any], error: RunError | None, now: float) -> None:
        state = self.state
        duration = (now - (state.started if state.started is not None else now)) * 1000
        if error is not None:
            error = RunError(error.type, self.masker.text(error.message), error.step_id, error.workflow_id)
        self.emit(
            RunFinished(
                workflow_id=state.workflow_id,
                status=status,
                outputs=self.masker.mask(outputs),
                error=error.to_dict() if error else None,
                requests=state.requests,
                duration_ms=duration,
            ),
            now,
        )
        state.outcome = Outcome("succeeded" if status == "succeeded" else "failed", outputs, error, duration)
        state.phase = RunPhase.DONE
        state.wait = None
        self.finished = Done(self.result())

    def result(self) -> RunResult:
        """The result of the finished run (from its outcome and step records)."""
        state = self.state
        outcome = state.outcome
        assert outcome is not None
        return RunResult(
            workflow_id=state.workflow_id,
            status=outcome.status,
            outputs=outcome.outputs,
            steps=tuple(state.records),
            error=outcome.error,
            requests=state.requests,
            duration_ms=outcome.duration_ms,
            transport_retries=state.transport_retries,
            partial_outputs=outcome.status != "succeeded",
            masker=self.masker,
        )
