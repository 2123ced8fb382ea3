"""The sans-I/O execution core: a state machine that runs one workflow as the spec says.

``Execution.next(now)`` returns what the run needs next (:class:`SendRequest`, :class:`Sleep`
or :class:`Done`); ``Execution.feed(exchange, now)`` tells it what happened. It owns no socket,
no clock and no global state, so the sync and asyncio drivers, replay, fake clocks in tests and
thousands of concurrent runs on one event loop are thin layers over the same code.

Semantics (spec §§ Workflow, Step, Success/Failure Action; checklist EXEC-*):

* Inputs are validated against the workflow's schema (defaults applied) before anything runs.
* ``dependsOn`` workflows run first, once per run even when several workflows share them; a
  failed dependency fails the dependent workflow.
* Steps run in order. A step succeeds when all its ``successCriteria`` hold; without criteria,
  on any 2xx (``RunOptions.default_success``). A step that calls a workflow succeeds when that
  workflow succeeds (and its criteria, if any, hold); its ``$outputs`` are the child's outputs.
* After success: the first ``onSuccess`` action (step's, then the workflow's ``successActions``)
  whose criteria all hold; none → the next step; after the last step the workflow succeeds.
* After failure: the first matching ``onFailure`` action (step's, then ``failureActions``);
  none → the workflow fails with the step's reason. ``retry`` re-runs the step after
  ``retryAfter`` seconds (a ``Retry-After`` header wins) up to ``retryLimit`` times (default 1)
  per action; once exhausted, the next matching failure action is looked for. A retry naming a
  step or a workflow runs it first. ``end`` after a failure ends the workflow as *failed*.
* ``goto`` a step that already ran in this workflow execution is a poll loop: paced (see
  :mod:`.options`). ``goto`` a workflow runs it, then ends this one with its status.
* Limits: a step budget for the whole run and an optional deadline; either ends the run with
  an error naming the step.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..document.model import (
    Criterion,
    FailureAction,
    Parameter,
    Reusable,
    SelectorObject,
    Step,
    SuccessAction,
    Workflow,
)
from ..document.resolved import Document, ResolutionError
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext
from ..http import Replacement, RequestBody, StepParameter
from ..http.retries import retry_after_seconds
from ..sources.openapi import OpenApiSource
from . import compiled, message_steps, selectors, step_dependencies, step_timeout
from .events import (
    ActionChosen,
    CriterionEvaluated,
    Event,
    LimitHit,
    RequestBuilt,
    ResponseReceived,
    RunFinished,
    RunStarted,
    Sleeping,
    StepFinished,
    StepStarted,
    TransportFailed,
    TransportRetried,
    Warning,
    WorkflowFinished,
    WorkflowStarted,
)
from .inputs import inputs_for, prepare_inputs, secret_input_names
from .masking import Masker
from .needs import Delivery, Done, Exchange, Need, Receive, SendMessage, SendRequest, Sleep
from .options import RunOptions
from .redaction import Redactor
from .result import RunError, RunResult, StepRecord

#: What a document or its inputs can make go wrong while a step is prepared: these fail the
#: step (its failure actions apply); anything else is a bug of ours and must surface as one.
_STEP_ERRORS = (ArazzoError, ResolutionError)


@dataclass
class _Frame:
    """One workflow execution on the run's stack (plain data plus references to the document)."""

    document: Document
    workflow: Workflow
    inputs: dict[str, Any]
    reason: str
    depth: int
    ctx: EvaluationContext
    index: int = 0
    #: "deps", "step", "await_response", "await_child"
    phase: str = "deps"
    #: What a finished child means to this frame: "step", "goto", "retry", "dependency".
    waiting_for: str | None = None
    executions: dict[str, int] = field(default_factory=dict)
    polls: dict[str, int] = field(default_factory=dict)
    retries_used: dict[tuple[str, str], int] = field(default_factory=dict)
    attempt: int = 1
    step_started: float = 0.0
    #: Step index to return to after a retry's named step ran.
    retry_return: int | None = None
    retry_delay: float = 0.0
    pending_deps: list[str] = field(default_factory=list)
    started: bool = False


class Execution:
    """One run of one workflow. Not thread-safe by itself; many may share one Document."""

    def __init__(
        self,
        document: Document,
        workflow_id: str,
        inputs: Mapping[str, Any] | None = None,
        *,
        options: RunOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        from ..document.describe import pick_workflow

        self.document = document
        self.options = options or RunOptions()
        self.rng = rng or random.Random()
        workflow = pick_workflow(document, workflow_id)
        self.workflow_id = workflow.workflow_id
        prepared = prepare_inputs(document, workflow, inputs)  # raises InputsError before any request
        self.masker = Masker.for_inputs(secret_input_names(document, workflow), prepared)
        #: Everything an event shows goes through this: credentials, apiKey values, secret inputs.
        self.redactor = Redactor.for_document(document, self.masker)
        self.events: list[Event] = []
        self.records: list[StepRecord] = []
        self.requests = 0
        self.transport_retries = 0
        self.step_count = 0
        self.started: float | None = None
        self.finished: Done | None = None
        self.workflow_results: dict[str, dict[str, Any]] = {}
        self._completed_deps: dict[tuple[str, str], str] = {}
        self.stack: list[_Frame] = [self._frame(document, workflow, prepared, "run", 0)]
        self._emit(RunStarted(workflow_id=self.workflow_id, inputs=self.masker.mask(prepared)))

    # -- public protocol ---------------------------------------------------------------------
    def next(self, now: float) -> Need:
        """What the run needs next. Call again after fulfilling a :class:`Sleep`."""
        self._now = now
        if self.started is None:
            self.started = now
            for event in self.events:  # RunStarted was queued in __init__, before any clock
                if event.at == 0.0:
                    object.__setattr__(event, "at", now)
        while self.finished is None:
            sleep = self.take_sleep()
            if sleep is not None:
                return sleep
            need = self._advance(now)
            if need is not None:
                if isinstance(need, SendRequest):
                    self._sent = need
                return need
        return self.finished

    def feed(self, exchange: Exchange, now: float) -> None:
        """Report the outcome of the last :class:`SendRequest`."""
        self._now = now
        frame = self.stack[-1]
        if frame.phase != "await_response":
            raise RuntimeError("feed() without a pending request")
        step = frame.workflow.steps[frame.index]
        self.requests += 1 + len(exchange.retries)
        self.transport_retries += len(exchange.retries)
        for retry in exchange.retries:
            self._emit(
                TransportRetried(
                    step_id=step.step_id, attempt=retry.attempt, reason=retry.reason, delay=retry.delay
                ),
                now,
            )
        ctx = frame.ctx
        self._received_at = exchange.received_at
        self._set_exchange(ctx, exchange, step.step_id, now)
        timed_out = step_timeout.exceeded(step_timeout.seconds(step.timeout), exchange)
        if timed_out is not None:  # Arazzo 1.1: a failed step, so its onFailure actions apply
            status = exchange.response.status_code if exchange.response is not None else None
            self._step_done(frame, step, succeeded=False, reason=timed_out, now=now, status_code=status)
            return
        if exchange.response is None:
            reason = exchange.error or "no response"
            self._emit(TransportFailed(step_id=step.step_id, message=self.masker.text(reason)), now)
            self._step_done(frame, step, succeeded=False, reason=reason, now=now, status_code=None)
            return
        response = exchange.response
        if self.listening:
            self._emit(
                ResponseReceived(
                    step_id=step.step_id,
                    status_code=response.status_code,
                    headers=self.redactor.headers(response.headers.multi_items()),
                    body=self.redactor.data(response.body),
                    duration_ms=exchange.duration_ms,
                    error_code=response.error.code if response.error else None,
                ),
                now,
            )
        ok, reason = self._success(frame, step, ctx, response.status_code)
        for violation in exchange.violations:
            self._emit(Warning(message=f"OpenAPI: {violation}", step_id=step.step_id), now)
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

    # -- the machine -------------------------------------------------------------------------
    def _frame(
        self, document: Document, workflow: Workflow, inputs: dict[str, Any], reason: str, depth: int
    ) -> _Frame:
        ctx = EvaluationContext(
            inputs=inputs,
            steps={},
            workflows=self.workflow_results,
            source_descriptions={
                s.name: {"url": s.url, "name": s.name, "type": s.type}
                for s in document.spec.source_descriptions
            },
            self_uri=document.self_uri or MISSING,
        )
        frame = _Frame(document, workflow, inputs, reason, depth, ctx)
        frame.pending_deps = list(workflow.depends_on)
        return frame

    def _advance(self, now: float) -> Need | None:
        frame = self.stack[-1]
        if frame.phase == "deps":
            return self._next_dependency(frame, now)
        if frame.phase == "step":
            return self._start_step(frame, now)
        raise RuntimeError(f"next() while waiting ({frame.phase}); feed() the pending exchange first")

    def _next_dependency(self, frame: _Frame, now: float) -> Need | None:
        if not frame.started:
            frame.started = True
            self._emit(
                WorkflowStarted(
                    workflow_id=frame.workflow.workflow_id, reason=frame.reason, depth=frame.depth
                ),
                now,
            )
        while frame.pending_deps:
            target = frame.pending_deps.pop(0)
            ref = frame.document.resolve_workflow(target)
            key = ref.key
            if key in self._completed_deps:
                if self._completed_deps[key] != "succeeded":
                    self._fail_frame(
                        frame,
                        RunError(
                            "dependency", f"dependency {target!r} failed", None, frame.workflow.workflow_id
                        ),
                        now,
                    )
                    return None
                continue
            frame.phase = "await_child"
            frame.waiting_for = "dependency"
            try:
                child_inputs = prepare_inputs(
                    ref.document, ref.workflow, inputs_for(ref.document, ref.workflow, frame.inputs)
                )
            except _STEP_ERRORS as exc:
                self._fail_frame(
                    frame,
                    RunError(
                        "dependency",
                        f"dependency {target!r} cannot run: {exc}",
                        None,
                        frame.workflow.workflow_id,
                    ),
                    now,
                )
                return None
            self._push(ref.document, ref.workflow, child_inputs, "dependency", now)
            return None
        frame.phase = "step"
        return None

    def _push(
        self, document: Document, workflow: Workflow, inputs: dict[str, Any], reason: str, now: float
    ) -> None:
        depth = len(self.stack)
        if depth > self.options.max_depth:
            message = (
                f"workflows nest deeper than {self.options.max_depth} at {workflow.workflow_id!r}"
                " (a workflow calling itself?)"
            )
            self._emit(LimitHit(limit="max_depth", message=message), now)
            self._abort(RunError("limit", message, None, workflow.workflow_id), now)
            return
        self.stack.append(self._frame(document, workflow, inputs, reason, depth))

    def _start_step(self, frame: _Frame, now: float) -> Need | None:
        workflow = frame.workflow
        if frame.index >= len(workflow.steps):
            self._finish_frame(frame, "succeeded", None, now)
            return None
        step = workflow.steps[frame.index]
        limit = self._check_limits(frame, step, now)
        if limit:
            return None
        self.step_count += 1
        frame.executions[step.step_id] = frame.executions.get(step.step_id, 0) + 1
        frame.step_started = now
        self._reset_exchange(frame.ctx)
        frame.ctx.outputs = {}
        if self.listening:
            self._emit(
                StepStarted(
                    workflow_id=workflow.workflow_id,
                    step_id=step.step_id,
                    attempt=frame.attempt,
                    execution=frame.executions[step.step_id],
                ),
                now,
            )
        waiting_on = step_dependencies.unmet(step.depends_on, workflow.workflow_id, self.records)
        if waiting_on is not None:  # Arazzo 1.1 step dependsOn: a failed step, so onFailure applies
            self._step_done(frame, step, succeeded=False, reason=waiting_on, now=now, status_code=None)
            return None
        if step.workflow_id is not None:
            ref = frame.document.resolve_workflow(step.workflow_id)
            try:
                values = self._parameters(
                    frame, step, for_workflow=True, accepts=ref.document.spec.declared_inputs(ref.workflow)
                )
                child_inputs = prepare_inputs(ref.document, ref.workflow, {p.name: p.value for p in values})
            except _STEP_ERRORS as exc:
                self._step_done(
                    frame,
                    step,
                    succeeded=False,
                    reason=f"cannot call workflow {step.workflow_id!r}: {exc}",
                    now=now,
                    status_code=None,
                )
                return None
            frame.phase = "await_child"
            frame.waiting_for = "step"
            self._push(ref.document, ref.workflow, child_inputs, "step", now)
            return None
        if step.action is not None or frame.document.is_async_step(step):  # Arazzo 1.1 AsyncAPI
            return self._start_message_step(frame, step, now)
        try:
            operation = frame.document.resolve_step_operation(step)
            source = frame.document.sources[operation.source_name]
            assert isinstance(source, OpenApiSource)
            parameters = self._parameters(frame, step, for_workflow=False)
            body, payload = self._body(frame, step)
        except _STEP_ERRORS as exc:  # an expression that cannot be evaluated, a bad replacement...
            self._step_done(
                frame,
                step,
                succeeded=False,
                reason=f"cannot build the request: {exc}",
                now=now,
                status_code=None,
            )
            return None
        frame.phase = "await_response"
        return SendRequest(
            workflow.workflow_id,
            step.step_id,
            source,
            operation,
            tuple(parameters),
            body,
            payload,
            self._x_security(frame, step),
            step_timeout.seconds(step.timeout),
        )

    def _start_message_step(self, frame: _Frame, step: Step, now: float) -> Need | None:
        """An AsyncAPI send/receive step: the need comes from :mod:`.message_steps`."""
        try:
            need = message_steps.need_for(
                frame.document, frame.workflow, step, frame.ctx, self._render, merged_parameters
            )
        except _STEP_ERRORS as exc:
            reason = f"cannot prepare the message step: {exc}"
            self._step_done(frame, step, succeeded=False, reason=reason, now=now, status_code=None)
            return None
        frame.phase = "await_response"
        self._message_need = need
        return need

    def feed_message(self, delivery: Delivery, now: float) -> None:
        """Report the outcome of the last :class:`SendMessage` / :class:`Receive` (Arazzo 1.1)."""
        self._now = now
        frame = self.stack[-1]
        need = self._message_need
        if frame.phase != "await_response" or need is None:
            raise RuntimeError("feed_message() without a pending message step")
        self._message_need = None
        step = frame.workflow.steps[frame.index]
        ok, reason = message_steps.received(frame.ctx, need, delivery)
        if self.listening:
            self._emit(message_steps.event(need, delivery, self.redactor), now)
        if ok:
            ok, reason = self._success(frame, step, frame.ctx, None)
        self._step_done(frame, step, succeeded=ok, reason=reason, now=now, status_code=None)

    def _check_limits(self, frame: _Frame, step: Step, now: float) -> bool:
        if self.step_count >= self.options.max_steps:
            count = frame.executions.get(step.step_id, 0)
            message = (
                f"step budget of {self.options.max_steps} step executions exhausted at step {step.step_id!r}"
                f" (it ran {count} times in workflow {frame.workflow.workflow_id!r}); raise --max-steps if the"
                " loop is expected to take longer"
            )
            self._emit(LimitHit(limit="max_steps", message=message, step_id=step.step_id), now)
            self._abort(RunError("limit", message, step.step_id, frame.workflow.workflow_id), now)
            return True
        timeout = self.options.timeout
        if timeout is not None and self.started is not None and now - self.started > timeout:
            message = f"run timed out after {timeout:g} s before step {step.step_id!r}"
            self._emit(LimitHit(limit="timeout", message=message, step_id=step.step_id), now)
            self._abort(RunError("limit", message, step.step_id, frame.workflow.workflow_id), now)
            return True
        return False

    # -- evaluating step inputs --------------------------------------------------------------
    def _parameters(
        self, frame: _Frame, step: Step, *, for_workflow: bool, accepts: frozenset[str] | None = None
    ) -> list[StepParameter]:
        """The step's parameters (see :func:`merged_parameters`), values evaluated; absent ones left out."""
        values = []
        for parameter, raw in merged_parameters(frame.document, frame.workflow, step, for_workflow, accepts):
            value = self._render(raw, frame.ctx)
            if value is MISSING:
                continue  # an optional input that was not given: leave the parameter out
            values.append(StepParameter(parameter.name, None if for_workflow else parameter.in_, value))
        return values

    def _render(self, value: Any, ctx: EvaluationContext) -> Any:
        """Evaluate expressions inside ``value``; absent values drop out of objects and arrays."""
        if isinstance(value, SelectorObject):  # Arazzo 1.1
            return selectors.select(value, ctx)
        if isinstance(value, str):
            return compiled.value_template(value).render(ctx)
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                rendered = self._render(item, ctx)
                if rendered is not MISSING:
                    out[key] = rendered
            return out
        if isinstance(value, list):
            return [r for r in (self._render(item, ctx) for item in value) if r is not MISSING]
        return value

    def _x_security(self, frame: _Frame, step: Step) -> tuple[Any, ...]:
        """Redocly's ``x-security`` (workflow entries first, then the step's), values evaluated."""
        entries = [
            *(frame.workflow.extensions.get("x-security") or ()),
            *(step.extensions.get("x-security") or ()),
        ]
        return tuple(self._render(entry, frame.ctx) for entry in entries) if entries else ()

    def _body(self, frame: _Frame, step: Step) -> tuple[RequestBody | None, Any]:
        spec = step.request_body
        if spec is None or not spec.has_payload:
            return None, MISSING
        payload = self._render(spec.payload, frame.ctx)
        if payload is MISSING:
            return None, MISSING
        replacements = []
        for replacement in spec.replacements:
            value = self._render(replacement.value, frame.ctx)
            replacements.append(
                Replacement(
                    replacement.target,
                    None if value is MISSING else value,
                    replacement.target_type,
                    replacement.target_version,
                )
            )
        body = RequestBody(payload, spec.content_type, tuple(replacements))
        if replacements:
            from ..http import apply_replacements

            payload = apply_replacements(payload, body.replacements)
        return body, payload

    # -- deciding ----------------------------------------------------------------------------
    @staticmethod
    def _reset_exchange(ctx: EvaluationContext) -> None:
        ctx.url = ctx.method = ctx.status_code = MISSING
        ctx.request_headers = ctx.request_query = ctx.request_path = {}
        ctx.request_body = ctx.response_body = MISSING
        ctx.response_headers = {}
        ctx.message_headers = {}
        ctx.message_payload = MISSING

    def _set_exchange(self, ctx: EvaluationContext, exchange: Exchange, step_id: str, now: float) -> None:
        sent = self._sent
        payload = sent.payload if sent is not None else MISSING
        ctx.request_body = payload
        ctx.request_path = {p.name: p.value for p in sent.parameters if p.location == "path"} if sent else {}
        request = exchange.request
        if request is not None:
            ctx.url = str(request.url)
            ctx.method = request.method
            ctx.request_headers = request.headers
            ctx.request_query = dict(request.url.params.multi_items())
            if self.listening:
                self._emit(
                    RequestBuilt(
                        step_id=step_id,
                        method=request.method,
                        url=self.redactor.url(str(request.url)),
                        headers=self.redactor.headers(request.headers.multi_items()),
                        body=self.redactor.data(None if payload is MISSING else payload),
                    ),
                    now,
                )
        response = exchange.response
        if response is not None:
            ctx.status_code = response.status_code
            ctx.response_headers = response.headers
            ctx.response_body = response.body

    def _criteria(self, frame: _Frame, step: Step, criteria: tuple[Criterion, ...], purpose: str) -> bool:
        for criterion in criteria:
            compiled_criterion = compiled.criterion(
                criterion.condition, criterion.type, criterion.version, frame.document.spec.version
            )
            context_value: Any = MISSING
            if criterion.context is not None:
                context_value = compiled.runtime_expression(criterion.context).evaluate(frame.ctx)
            outcome = compiled_criterion.evaluate(context_value, frame.ctx)
            if self.listening:
                self._emit(
                    CriterionEvaluated(
                        step_id=step.step_id,
                        purpose=purpose,
                        condition=criterion.condition,
                        type=criterion.type,
                        passed=outcome.passed,
                        explanation=self.masker.text(outcome.explanation),
                    )
                )
            if not outcome.passed:
                return False
        return True

    def _success(
        self, frame: _Frame, step: Step, ctx: EvaluationContext, status_code: int | None
    ) -> tuple[bool, str | None]:
        if step.success_criteria:
            for criterion in step.success_criteria:
                if not self._criteria(frame, step, (criterion,), "successCriteria"):
                    return False, f"success criterion not met: {criterion.condition}"
            return True, None
        if status_code is None or self.options.default_success == "any":
            return True, None
        if 200 <= status_code < 300:
            return True, None
        return False, f"HTTP {status_code} (no successCriteria: a 2xx status was expected)"

    def _outputs(
        self, frame: _Frame, outputs: Mapping[str, Any], where: str, warn: bool, now: float
    ) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name, text in outputs.items():
            try:
                value = self._render(text, frame.ctx)  # a runtime expression, or a 1.1 Selector Object
            except _STEP_ERRORS as exc:
                value = MISSING
                if warn:
                    self._emit(Warning(message=f"{where} output {name!r}: {exc}"), now)
            if value is MISSING:
                if warn:
                    self._emit(
                        Warning(message=f"{where} output {name!r} ({text}) has no value; it is null"), now
                    )
                value = None
            values[name] = value
        return values

    def _step_done(
        self,
        frame: _Frame,
        step: Step,
        *,
        succeeded: bool,
        reason: str | None,
        now: float,
        status_code: int | None,
    ) -> None:
        """Record the step execution, then follow the actions that apply."""
        outputs = self._outputs(frame, step.outputs, f"step {step.step_id!r}", warn=succeeded, now=now)
        frame.ctx.steps[step.step_id] = outputs  # type: ignore[index]
        duration = (now - frame.step_started) * 1000
        status = "succeeded" if succeeded else "failed"
        record = StepRecord(
            step.step_id,
            frame.workflow.workflow_id,
            frame.attempt,
            status,
            status_code,
            outputs,  # real values for the program; to_dict(masked=True) masks for printing
            duration,
            reason,
        )
        self.records.append(record)
        if self.listening:
            self._emit(
                StepFinished(
                    workflow_id=frame.workflow.workflow_id,
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
        frame.phase = "step"
        if frame.retry_return is not None:
            # The step a retry named has run: go back and retry the failed step.
            back = frame.retry_return
            frame.retry_return = None
            if not succeeded:
                self._fail_frame(
                    frame,
                    RunError(
                        "step_failed",
                        f"step {step.step_id!r} (run before a retry) failed: {reason}",
                        step.step_id,
                        frame.workflow.workflow_id,
                    ),
                    now,
                )
                return
            frame.index = back
            self._sleep_before_retry(frame, now)
            return
        if succeeded:
            self._on_success(frame, step, now)
        else:
            self._on_failure(frame, step, reason or "step failed", now)

    def _candidates(
        self, frame: _Frame, step: Step, kind: str
    ) -> list[tuple[SuccessAction | FailureAction, str]]:
        if kind == "success":
            items = [(a, "step") for a in step.on_success] + [
                (a, "workflow") for a in frame.workflow.success_actions
            ]
            table = "successActions"
        else:
            items = [(a, "step") for a in step.on_failure] + [
                (a, "workflow") for a in frame.workflow.failure_actions
            ]
            table = "failureActions"
        resolved = []
        for item, level in items:
            if isinstance(item, Reusable):
                target = frame.document.spec.components.lookup(table, item.component_name or "")
                if target is None:
                    continue
                resolved.append((target, level))
            else:
                resolved.append((item, level))
        return resolved

    def _choose(
        self, frame: _Frame, step: Step, kind: str, skip: set[str] | None = None
    ) -> tuple[Any, str] | None:
        purpose_prefix = "onSuccess" if kind == "success" else "onFailure"
        for action, level in self._candidates(frame, step, kind):
            if skip and action.name in skip:
                continue
            if self._criteria(frame, step, action.criteria, f"{purpose_prefix}:{action.name}"):
                return action, level
        return None

    @staticmethod
    def _leave_step(frame: _Frame, step: Step) -> None:
        """The step's attempt sequence is over: the next execution (a poll) retries afresh."""
        frame.attempt = 1
        if frame.retries_used:
            for key in [k for k in frame.retries_used if k[0] == step.step_id]:
                del frame.retries_used[key]

    def _chosen(self, step: Step, action: SuccessAction | FailureAction, level: str) -> None:
        if self.listening:
            target = action.step_id or action.workflow_id
            self._emit(
                ActionChosen(
                    step_id=step.step_id, name=action.name, type=action.type, target=target, level=level
                )
            )

    def _on_success(self, frame: _Frame, step: Step, now: float) -> None:
        self._leave_step(frame, step)
        chosen = self._choose(frame, step, "success")
        if chosen is None:
            frame.index += 1
            frame.polls.pop(step.step_id, None)
            return
        action, level = chosen
        self._chosen(step, action, level)
        if action.type == "end":
            self._finish_frame(frame, "succeeded", None, now)
        else:
            self._goto(frame, step, action, now)

    def _on_failure(self, frame: _Frame, step: Step, reason: str, now: float) -> None:
        exhausted: set[str] = set()
        while True:
            chosen = self._choose(frame, step, "failure", exhausted)
            if chosen is None:
                self._leave_step(frame, step)
                self._fail_frame(
                    frame,
                    RunError(
                        "step_failed",
                        f"step {step.step_id!r} failed: {reason}",
                        step.step_id,
                        frame.workflow.workflow_id,
                    ),
                    now,
                )
                return
            action, level = chosen
            if action.type == "retry":
                key = (step.step_id, action.name)
                limit = 1 if action.retry_limit is None else action.retry_limit
                used = frame.retries_used.get(key, 0)
                if used >= limit:
                    exhausted.add(action.name)  # retryLimit exhausted: look at the next failure action
                    continue
                frame.retries_used[key] = used + 1
                self._chosen(step, action, level)
                frame.attempt += 1
                frame.retry_delay = self._retry_delay(frame, action)
                if action.workflow_id is not None:
                    self._call_workflow(frame, step, action.workflow_id, "retry", now, action.parameters)
                    return
                if action.step_id is not None and action.step_id != step.step_id:
                    frame.retry_return = frame.index
                    frame.index = self._step_index(frame, action.step_id)
                    return
                self._sleep_before_retry(frame, now)
                return
            self._chosen(step, action, level)
            self._leave_step(frame, step)
            if action.type == "end":
                self._fail_frame(
                    frame,
                    RunError(
                        "failure_end",
                        f"step {step.step_id!r} failed and failure action {action.name!r} ended the workflow: {reason}",
                        step.step_id,
                        frame.workflow.workflow_id,
                    ),
                    now,
                )
            else:
                self._goto(frame, step, action, now)
            return

    def _retry_delay(self, frame: _Frame, action: FailureAction) -> float:
        """``retryAfter``, unless the answer said how long to wait (``Retry-After``, which wins).

        The drivers stamp each answer with the wall time it arrived (``Exchange.received_at``),
        which an HTTP-date ``Retry-After`` is measured against; without it, ``retryAfter`` stays.
        """
        configured = float(action.retry_after or 0.0)
        received_at = self._received_at
        if not frame.ctx.response_headers or received_at is None:
            return configured
        asked = retry_after_seconds(frame.ctx.response_headers, clock=lambda: received_at)
        return configured if asked is None else asked

    def _sleep_before_retry(self, frame: _Frame, now: float) -> None:
        delay = 0.0 if self.options.no_wait else frame.retry_delay
        step = frame.workflow.steps[frame.index]
        if delay > 0:
            self._pending_sleep = Sleep(delay, "retry", step.step_id)
            self._emit(Sleeping(step_id=step.step_id, seconds=delay, reason="retry"), now)

    def _call_workflow(
        self, frame: _Frame, step: Step, target: str, why: str, now: float, parameters: tuple[Any, ...] = ()
    ) -> None:
        """Run workflow ``target`` for a goto or a retry, with the caller's inputs it declares and
        (Arazzo 1.1) the action's ``parameters`` as inputs on top."""
        ref = frame.document.resolve_workflow(target)
        try:
            available = inputs_for(ref.document, ref.workflow, frame.inputs)
            for parameter, raw in action_parameters(frame.document, parameters):
                value = self._render(raw, frame.ctx)
                if value is not MISSING:
                    available[parameter.name] = value
            child_inputs = prepare_inputs(ref.document, ref.workflow, available)
        except _STEP_ERRORS as exc:
            message = f"{why} workflow {target!r} cannot run: {exc}"
            self._fail_frame(
                frame, RunError("step_failed", message, step.step_id, frame.workflow.workflow_id), now
            )
            return
        frame.phase = "await_child"
        frame.waiting_for = why
        self._push(ref.document, ref.workflow, child_inputs, why, now)

    def _goto(self, frame: _Frame, step: Step, action: SuccessAction | FailureAction, now: float) -> None:
        if action.workflow_id is not None:
            self._call_workflow(frame, step, action.workflow_id, "goto", now, action.parameters)
            return
        target = self._step_index(frame, action.step_id or "")
        target_id = frame.workflow.steps[target].step_id
        frame.index = target
        if frame.executions.get(target_id, 0) > 0:
            iteration = frame.polls.get(target_id, 0) + 1
            frame.polls[target_id] = iteration
            pacing = self.options.pacing.overridden(
                frame.workflow.steps[target].extensions.get("x-arazzo-poll")
            )
            delay = 0.0 if self.options.no_wait else pacing.delay(iteration, self.rng.random())
            if delay > 0:
                self._pending_sleep = Sleep(delay, "poll", target_id)
                self._emit(Sleeping(step_id=target_id, seconds=delay, reason="poll"), now)

    @staticmethod
    def _step_index(frame: _Frame, step_id: str) -> int:
        for i, candidate in enumerate(frame.workflow.steps):
            if candidate.step_id == step_id:
                return i
        raise RuntimeError(f"no step {step_id!r}")  # the loader rejects such documents

    # -- finishing ---------------------------------------------------------------------------
    def _fail_frame(self, frame: _Frame, error: RunError, now: float) -> None:
        self._finish_frame(frame, "failed", error, now)

    def _finish_frame(self, frame: _Frame, status: str, error: RunError | None, now: float) -> None:
        outputs = self._outputs(
            frame,
            frame.workflow.outputs,
            f"workflow {frame.workflow.workflow_id!r}",
            warn=status == "succeeded",
            now=now,
        )
        self.workflow_results[frame.workflow.workflow_id] = {"inputs": frame.inputs, "outputs": outputs}
        self._emit(
            WorkflowFinished(
                workflow_id=frame.workflow.workflow_id,
                status=status,
                outputs=self.masker.mask(outputs),
                depth=frame.depth,
            ),
            now,
        )
        self.stack.pop()
        if frame.reason == "dependency":
            self._completed_deps[(frame.document.location, frame.workflow.workflow_id)] = status
        if not self.stack:
            self._complete(status, outputs, error, now)
            return
        parent = self.stack[-1]
        waiting = parent.waiting_for
        parent.waiting_for = None
        parent.phase = "step"
        if waiting == "dependency":
            if status != "succeeded":
                self._fail_frame(
                    parent,
                    RunError(
                        "dependency",
                        f"dependency {frame.workflow.workflow_id!r} failed: {error.message if error else ''}",
                        None,
                        parent.workflow.workflow_id,
                    ),
                    now,
                )
            else:
                parent.phase = "deps"
            return
        step = parent.workflow.steps[parent.index]
        if waiting == "goto":
            if status == "succeeded":
                self._finish_frame(parent, "succeeded", None, now)
            else:
                self._fail_frame(
                    parent,
                    RunError(
                        error.type if error else "step_failed",
                        error.message if error else "goto workflow failed",
                        step.step_id,
                        parent.workflow.workflow_id,
                    ),
                    now,
                )
            return
        if waiting == "retry":
            if status != "succeeded":
                self._fail_frame(
                    parent,
                    RunError(
                        "step_failed",
                        f"workflow {frame.workflow.workflow_id!r} run before retrying step {step.step_id!r} failed",
                        step.step_id,
                        parent.workflow.workflow_id,
                    ),
                    now,
                )
                return
            self._sleep_before_retry(parent, now)
            return
        # waiting == "step": a step that called a workflow
        parent.ctx.outputs = outputs
        if status != "succeeded":
            self._step_done(
                parent,
                step,
                succeeded=False,
                reason=f"workflow {frame.workflow.workflow_id!r} failed: {error.message if error else ''}",
                now=now,
                status_code=None,
            )
            return
        ok, reason = self._success(parent, step, parent.ctx, None)
        timed_out = step_timeout.exceeded_after(step_timeout.seconds(step.timeout), parent.step_started, now)
        if timed_out is not None:
            ok, reason = False, timed_out
        self._step_done(parent, step, succeeded=ok, reason=reason, now=now, status_code=None)

    def _abort(self, error: RunError, now: float) -> None:
        """End the whole run now (a limit): every open workflow fails."""
        while len(self.stack) > 1:
            frame = self.stack.pop()
            self._emit(
                WorkflowFinished(
                    workflow_id=frame.workflow.workflow_id, status="failed", outputs={}, depth=frame.depth
                ),
                now,
            )
        root = self.stack[-1]
        outputs = self._outputs(root, root.workflow.outputs, "workflow", warn=False, now=now)
        self.stack.pop()
        self._emit(
            WorkflowFinished(
                workflow_id=root.workflow.workflow_id,
                status="failed",
                outputs=self.masker.mask(outputs),
                depth=0,
            ),
            now,
        )
        self._complete("failed", outputs, error, now)

    def _complete(self, status: str, outputs: dict[str, Any], error: RunError | None, now: float) -> None:
        duration = (now - (self.started if self.started is not None else now)) * 1000
        masked = self.masker.mask(outputs)
        if error is not None:
            error = RunError(error.type, self.masker.text(error.message), error.step_id, error.workflow_id)
        self._emit(
            RunFinished(
                workflow_id=self.workflow_id,
                status=status,
                outputs=masked,
                error=error.to_dict() if error else None,
                requests=self.requests,
                duration_ms=duration,
            ),
            now,
        )
        result = RunResult(
            workflow_id=self.workflow_id,
            status="succeeded" if status == "succeeded" else "failed",
            outputs=outputs,
            steps=tuple(self.records),
            error=error,
            requests=self.requests,
            duration_ms=duration,
            transport_retries=self.transport_retries,
            partial_outputs=status != "succeeded",
            masker=self.masker,
        )
        self.finished = Done(result)

    # -- events ------------------------------------------------------------------------------
    #: Set False by a driver nobody listens to: skips building per-criterion explanations.
    listening = True
    _pending_sleep: Sleep | None = None
    _received_at: float | None = None
    #: The driver's clock at the current next()/feed() call (the core owns no clock).
    _now: float = 0.0
    _sent: SendRequest | None = None
    _message_need: SendMessage | Receive | None = None

    def _emit(self, event: Event, now: float | None = None) -> None:
        """Queue ``event``, stamped with the driver's time of the current next()/feed() call."""
        if event.at == 0.0:
            object.__setattr__(event, "at", self._now if now is None else now)
        self.events.append(event)

    def drain(self) -> list[Event]:
        """Events since the last call (the driver hands them to listeners)."""
        events, self.events = self.events, []
        return events

    def take_sleep(self) -> Sleep | None:
        sleep, self._pending_sleep = self._pending_sleep, None
        return sleep


def merged_parameters(
    document: Document,
    workflow: Workflow,
    step: Step,
    for_workflow: bool = False,
    accepts: frozenset[str] | None = None,
) -> list[tuple[Parameter, Any]]:
    """(parameter, raw value) pairs: workflow-level then step-level, merged by (name, in); step wins.

    Component references resolve, with their ``value`` override. For a step that calls a
    workflow every parameter is an input ("When the step in context specifies a workflowId,
    then all parameters map to workflow inputs"), keyed by name; workflow-level ones are passed
    only when the callee declares that input (``accepts``), so a parameter meant for the
    workflow's operation steps cannot break the callee's schema.
    """
    merged: dict[Any, tuple[Parameter, Any]] = {}
    for items, workflow_level in ((workflow.parameters, True), (step.parameters, False)):
        for item in items:
            if isinstance(item, Parameter):
                parameter, raw = item, item.value
            else:
                parameter = document.spec.components.lookup("parameters", item.component_name or "")
                if parameter is None:
                    continue
                raw = item.value if item.has_value else parameter.value
            if for_workflow and workflow_level and accepts is not None and parameter.name not in accepts:
                continue
            merged[parameter.name if for_workflow else parameter.key] = (parameter, raw)
    return list(merged.values())


def action_parameters(
    document: Document, items: tuple[Parameter | Reusable, ...]
) -> list[tuple[Parameter, Any]]:
    """(parameter, raw value) pairs of a 1.1 success/failure action's ``parameters`` (components resolved)."""
    found: list[tuple[Parameter, Any]] = []
    for item in items:
        if isinstance(item, Parameter):
            found.append((item, item.value))
            continue
        parameter = document.spec.components.lookup("parameters", item.component_name or "")
        if parameter is not None:
            found.append((parameter, item.value if item.has_value else parameter.value))
    return found
