"""The second half of the core: an answer arrives, a step finishes, a workflow finishes, the run ends.

An answer is an :class:`~.needs.Exchange` (:meth:`Finishing._feed`) or, for an Arazzo 1.1 AsyncAPI
step, a :class:`~.needs.Delivery` (:meth:`Finishing._feed_message`); either is kept in the frame's
``exchange`` (plain data, see :mod:`.exchange`) before the step's criteria read it.

A mixin of :class:`~.core.Execution` (split off to keep each module readable); every method
works on ``self.state`` (plain data) and queues events, nothing else.
"""

from __future__ import annotations

from typing import Any

from ..document.model import Step
from ..expressions import EvaluationContext
from . import decisions as d
from . import message_steps, step_timeout
from .body_needs import unreadable_body
from .events import (
    RequestBuilt,
    ResponseReceived,
    RunFinished,
    StepFinished,
    TransportFailed,
    TransportRetried,
    Warning,
    WorkflowFinished,
)
from .exchange import exchange_values, load_exchange
from .needs import Delivery, Done, Exchange, Receive, SendMessage, SendRequest
from .result import RunError, RunResult, StepRecord
from .state import FrameState, Phase, RunPhase, Waiting
from .unread_values import evaluate_outputs, unreadable_criteria

#: The mixin's base: ``Execution`` (core.py) inherits from this class, so naming it here would be a
#: cyclic class definition; its attributes are typed there (mypy: subclassing Any allowed here only).
_Base: Any = object


class Finishing(_Base):
    #: Set by Execution (core.py); typed here so both halves agree.
    finished: Done | None
    _pending: SendRequest | SendMessage | Receive | None

    # -- the exchange as expressions see it ---------------------------------------------------
    _load_exchange = staticmethod(load_exchange)

    def _clear_exchange(self, frame: FrameState, ctx: EvaluationContext) -> None:
        if frame.exchange:
            frame.exchange = {}
        self._load_exchange(ctx, frame.exchange)

    def _set_exchange(
        self, frame: FrameState, ctx: EvaluationContext, exchange: Exchange, now: float
    ) -> None:
        need = self._pending
        assert isinstance(need, SendRequest)
        values = exchange_values(need, exchange)
        request = exchange.request
        if request is not None:
            self.redactor.learn_request(request)  # signed as sent: its credentials are masked by value too
        if request is not None and self.listening:
            self._emit(
                RequestBuilt(
                    step_id=need.step_id,
                    method=request.method,
                    url=self.redactor.url(request.url),
                    headers=self.redactor.headers(request.headers),
                    body=self.redactor.data(values.get("request_body")),
                ),
                now,
            )
        frame.exchange = values
        self._load_exchange(ctx, values)

    def _feed(self, exchange: Exchange, now: float) -> None:
        state = self.state
        frame = state.stack[-1]
        if frame.phase is not Phase.AWAIT_RESPONSE or not isinstance(self._pending, SendRequest):
            raise RuntimeError("feed() without a pending request")
        step = self._workflow(frame).steps[frame.index]
        state.requests += 1 + len(exchange.retries)
        state.transport_retries += len(exchange.retries)
        for retry in exchange.retries:
            self._emit(
                TransportRetried(
                    step_id=step.step_id, attempt=retry.attempt, reason=retry.reason, delay=retry.delay
                ),
                now,
            )
        ctx = self._contexts[-1]
        state.received_at = exchange.received_at
        self._set_exchange(frame, ctx, exchange, now)
        self._pending = None
        timed_out = step_timeout.exceeded(step_timeout.seconds(step.timeout), exchange)
        if timed_out is not None:  # Arazzo 1.1: a failed step, so its onFailure actions apply
            status = exchange.response.status_code if exchange.response is not None else None
            self._step_done(frame, step, succeeded=False, reason=timed_out, now=now, status_code=status)
            return
        response = exchange.response
        if response is None:
            failure = exchange.error or "no response"
            self._emit(TransportFailed(step_id=step.step_id, message=self.masker.text(failure)), now)
            self._step_done(frame, step, succeeded=False, reason=failure, now=now, status_code=None)
            return
        if self.listening:
            self._emit(
                ResponseReceived(
                    step_id=step.step_id,
                    status_code=response.status_code,
                    headers=self.redactor.headers(response.headers),
                    body=self.redactor.data(response.body),
                    duration_ms=exchange.duration_ms,
                    error_code=response.error_code,
                ),
                now,
            )
        if response.problem is not None or response.warnings:  # an unreadable or odd body (issue 17)
            warnings, unreadable = unreadable_body(step, response)
            for message in warnings:
                self._emit(Warning(message=message, step_id=step.step_id), now)
            if unreadable is not None:
                status = response.status_code
                self._step_done(frame, step, succeeded=False, reason=unreadable, now=now, status_code=status)
                return
        ok, reason = self._criteria(frame, step, ctx, response.status_code)
        for message in unreadable_criteria(step, ctx):  # a pointer into text reads nothing: say so
            self._emit(Warning(message=message, step_id=step.step_id), now)
        if not ok and response.said:
            reason = f"{reason}; the API said {response.said}"  # the server's own words, with any auth hint
        for violation in exchange.violations:
            detail = violation.to_dict() if hasattr(violation, "to_dict") else None
            self._emit(Warning(message=f"OpenAPI: {violation}", step_id=step.step_id, violation=detail), now)
        if exchange.violations and self.options.validate == "strict" and ok:
            ok, reason = (
                False,
                f"the exchange does not match the OpenAPI description: {exchange.violations[0]}",
            )
        if exchange.note:
            self._emit(Warning(message=exchange.note, step_id=step.step_id), now)
            if not ok:
                reason = f"{reason} ({exchange.note})"
        self._step_done(frame, step, succeeded=ok, reason=reason, now=now, status_code=response.status_code)

    def _feed_message(self, delivery: Delivery, now: float) -> None:
        """An AsyncAPI step's answer: ``$message`` kept (a receive), criteria checked, the step done."""
        frame = self.state.stack[-1]
        need = self._pending
        if frame.phase is not Phase.AWAIT_RESPONSE or not isinstance(need, SendMessage | Receive):
            raise RuntimeError("feed_message() without a pending message step")
        self._pending = None
        step = self._workflow(frame).steps[frame.index]
        ctx = self._contexts[-1]
        ok, reason, values = message_steps.received(need, delivery)
        frame.exchange = values
        self._load_exchange(ctx, values)
        if self.listening:
            self._emit(message_steps.event(need, delivery, self.redactor), now)
        if delivery.note:
            self._emit(Warning(message=delivery.note, step_id=step.step_id), now)
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
        version = self._document_at(frame.document_path).spec.version
        ok, reason = d.step_succeeded(step, ctx, status_code, self.options.default_success, checks, version)
        if checks:
            self._report_checks(step.step_id, tuple(checks))
        return ok, reason

    # -- a step finishes ---------------------------------------------------------------------
    def _context_of(self, frame: FrameState) -> EvaluationContext:
        stack = self.state.stack
        for i in range(len(stack) - 1, -1, -1):
            if stack[i] is frame:
                ctx: EvaluationContext = self._contexts[i]
                return ctx
        raise RuntimeError("frame not on the stack")

    def _outputs(
        self, frame: FrameState, outputs: Any, where: str, warn: bool, now: float, step: Any = ""
    ) -> Any:
        """Evaluate ``outputs``; each that has no value is null and, when ``warn``, a warning. A step's
        are kept until its workflow ends: a poll loop's last execution is the one whose nulls matter."""
        found, warnings = evaluate_outputs(outputs, self._context_of(frame), where, explain=bool(step))
        if step:
            self.__dict__.setdefault("_nulls", {})[(id(frame), step)] = warnings if warn else []
        for message in warnings if warn and not step else ():
            self._emit(Warning(message=message, step_id=None), now)
        return found

    def _step_done(
        self,
        frame: FrameState,
        step: Any,
        *,
        succeeded: bool,
        reason: str | None,
        now: float,
        status_code: int | None,
    ) -> None:
        """Record the step execution, then decide and apply what follows."""
        outputs = self._outputs(frame, step.outputs, f"step {step.step_id!r}", succeeded, now, step.step_id)
        frame.steps[step.step_id] = outputs
        duration = (now - frame.step_started) * 1000
        status = "succeeded" if succeeded else "failed"
        self.state.records.append(
            [step.step_id, frame.workflow_id, frame.attempt, status, status_code, outputs, duration, reason]
        )
        if self.listening:
            self._emit(
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
            self._sleep_before_retry(frame, self._workflow(frame).steps[back].step_id, now)
            return
        self._decide(frame, step, succeeded, reason or "step failed", now)

    # -- a workflow finishes -----------------------------------------------------------------
    def _fail_frame(
        self, frame: FrameState, kind: str, message: str, step_id: str | None, now: float
    ) -> None:
        self._finish_frame(frame, "failed", RunError(kind, message, step_id, frame.workflow_id), now)

    def _finish_frame(self, frame: FrameState, status: str, error: RunError | None, now: float) -> None:
        workflow = self._workflow(frame)
        where = f"workflow {workflow.workflow_id!r}"
        for (owner, step_id), messages in list(self.__dict__.get("_nulls", {}).items()):
            if owner == id(frame):  # the nulls its steps' last executions left: said once, now
                del self._nulls[(owner, step_id)]
                for message in messages:  # a failed run's nulls explain its failure too
                    self._emit(Warning(message=message, step_id=step_id), now)
        outputs = self._outputs(frame, workflow.outputs, where, warn=status == "succeeded", now=now)
        state = self.state
        state.workflow_results[frame.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
        self._emit(
            WorkflowFinished(
                workflow_id=frame.workflow_id,
                status=status,
                outputs=self.masker.mask(outputs),
                depth=frame.depth,
            ),
            now,
        )
        document = self._document_at(frame.document_path)
        state.stack.pop()
        self._contexts.pop()
        if frame.reason == Waiting.DEPENDENCY.value:
            state.completed_deps.append([document.location, frame.workflow_id, status])
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
        step = self._workflow(parent).steps[parent.index]
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
            parent.outputs = self._contexts[-1].outputs = outputs
            if failed:
                why = f"workflow {child.workflow_id!r} failed: {detail}"
                self._step_done(parent, step, succeeded=False, reason=why, now=now, status_code=None)
                return
            ok, reason = self._criteria(parent, step, self._contexts[-1], None)
            timed_out = step_timeout.exceeded_after(
                step_timeout.seconds(step.timeout), parent.step_started, now
            )
            if timed_out is not None:  # Arazzo 1.1 step timeout, held when the called workflow ends
                ok, reason = False, timed_out
            self._step_done(parent, step, succeeded=ok, reason=reason, now=now, status_code=None)

    def _abort(
        self, kind: str, message: str, step_id: str | None, workflow_id: str | None, now: float
    ) -> None:
        """End the whole run now (a limit): every open workflow fails."""
        state = self.state
        while len(state.stack) > 1:
            frame = state.stack.pop()
            self._contexts.pop()
            self._emit(
                WorkflowFinished(
                    workflow_id=frame.workflow_id, status="failed", outputs={}, depth=frame.depth
                ),
                now,
            )
        root = state.stack[-1]
        outputs = self._outputs(root, self._workflow(root).outputs, "workflow", warn=False, now=now)
        state.stack.pop()
        self._contexts.pop()
        self._emit(
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
        self._emit(
            RunFinished(
                workflow_id=self.workflow_id,
                status=status,
                outputs=self.masker.mask(outputs),
                error=error.to_dict() if error else None,
                requests=state.requests,
                duration_ms=duration,
            ),
            now,
        )
        state.outcome = {
            "status": "succeeded" if status == "succeeded" else "failed",
            "outputs": outputs,
            "error": error.to_dict() if error else None,
            "durationMs": duration,
        }
        state.phase = RunPhase.DONE
        state.sleep = None
        self.finished = Done(self._result_from_outcome())

    def _result_from_outcome(self) -> RunResult:
        state = self.state
        outcome = state.outcome
        assert outcome is not None
        error = outcome["error"]
        return RunResult(
            workflow_id=self.workflow_id,
            status=outcome["status"],
            outputs=outcome["outputs"],
            steps=tuple(StepRecord(*record) for record in state.records),
            error=RunError(error["type"], error["message"], error["stepId"], error["workflowId"])
            if error
            else None,
            requests=state.requests,
            duration_ms=outcome["durationMs"],
            transport_retries=state.transport_retries,
            partial_outputs=outcome["status"] != "succeeded",
            masker=self.masker,
        )
