"""The sans-I/O execution core: a small state machine over :class:`~.state.RunState`.

``Execution.next(now)`` returns what the run needs next (:class:`SendRequest`, :class:`Sleep`
or :class:`Done`; for an Arazzo 1.1 AsyncAPI step :class:`SendMessage` or :class:`Receive`);
``Execution.feed(exchange, now)`` (``feed_message(delivery, now)`` for a message step) tells it
what happened. It owns no socket, no clock and no global state; everything it has decided is
plain data in ``self.state``, so ``snapshot()`` after any call and ``Execution.restore(document,
snapshot)`` in another process carry on exactly where the run stopped (a request or message need
handed out and not answered is handed out again; a sleep is re-issued until its ``until``).
``now`` is the driver's clock (UTC epoch seconds with the bundled drivers), so deadlines survive
a restart.

Semantics (spec §§ Workflow, Step, Success/Failure Action; checklist EXEC-*):

* Inputs are validated against the workflow's schema (defaults applied) before anything runs.
* ``dependsOn`` workflows run first, once per run even when several workflows share them; a
  failed dependency fails the dependent workflow.
* Steps run in order. A step succeeds when all its ``successCriteria`` hold; without criteria,
  on any 2xx (``RunOptions.default_success``). A step that calls a workflow succeeds when that
  workflow succeeds (and its criteria, if any, hold); its ``$outputs`` are the child's outputs.
* What follows a step is decided by :func:`.decisions.decide` (pure) and applied by
  :meth:`Execution._apply` (the one place that changes the stack after a step).
* ``goto`` a step that already ran in this workflow execution is a poll loop: paced (see
  :mod:`.options`). ``goto`` a workflow runs it, then ends this one with its status.
* Limits: a step budget for the whole run and an optional deadline; either ends the run with
  an error naming the step.
* Anything raising inside ``next``/``feed`` puts the run in the ``error`` phase (kept in the
  state, re-raised): a bug surfaces instead of leaving half-updated state running.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from ..document.model import Workflow
from ..document.resolved import Document
from ..expressions import EvaluationContext
from . import message_steps, step_dependencies
from .applying import Applying
from .events import (
    Event,
    LimitHit,
    RunStarted,
    StepStarted,
    Warning,
    WorkflowStarted,
)
from .finishing import Finishing
from .inputs import input_masker, inputs_for, prepare_inputs
from .lookups import Lookups
from .needs import (
    Delivery,
    Done,
    Exchange,
    Need,
    Receive,
    SendMessage,
    SendRequest,
    Sleep,
    message_need_from_json,
)
from .options import RunOptions
from .preparation import STEP_ERRORS, evaluated_parameters, merged_parameters, prepare_request
from .redaction import Redactor
from .snapshot import FORMAT, check_envelope, fingerprint, options_from_json, options_to_json
from .state import FrameState, Phase, RunPhase, RunState, Waiting, rng_from_json, rng_to_json

__all__ = ["Execution", "merged_parameters"]


class Execution(Applying, Finishing, Lookups):
    """One run of one workflow. Not thread-safe by itself; many may share one Document."""

    #: Set False by a driver nobody listens to: skips building per-criterion explanations.
    listening = True

    def __init__(
        self,
        document: Document,
        workflow_id: str | None,
        inputs: Mapping[str, Any] | None = None,
        *,
        options: RunOptions | None = None,
        rng: random.Random | None = None,
        state: RunState | None = None,
    ) -> None:
        from ..document.describe import pick_workflow

        self.document = document
        self.options = options or RunOptions()
        self.rng = rng or random.Random()
        workflow = pick_workflow(document, workflow_id)
        self.workflow_id = workflow.workflow_id
        restoring = state is not None
        if state is None:
            prepared = prepare_inputs(document, workflow, inputs)  # raises InputsError before any request
            state = RunState(workflow_id=self.workflow_id, inputs=prepared)
        self.state = state
        self.masker = input_masker(document, workflow, state.inputs)
        #: Everything an event shows goes through this: credentials, apiKey values, secret inputs.
        self.redactor = Redactor.for_document(document, self.masker)
        self.events: list[Event] = []
        self.finished: Done | None = None
        self._now = 0.0
        self._documents: dict[tuple[str, ...], Document] = {(): document}
        self._workflows: dict[tuple[tuple[str, ...], str], Workflow] = {}
        self._contexts: list[EvaluationContext] = []
        self._message_steps: dict[int, bool] = {}
        #: What was handed out and not answered yet (a request, or an AsyncAPI step's message need).
        self._pending: SendRequest | SendMessage | Receive | None = None
        #: The wait that just ended (not state: it only words a timeout message at the next step).
        self._waited: dict[str, Any] | None = None
        if restoring:
            self.rng.setstate(rng_from_json(state.rng or rng_to_json(self.rng.getstate())))
            self._contexts = [self._context(frame) for frame in state.stack]
            if state.pending_request is not None:
                self._pending = SendRequest.from_json(state.pending_request)
            elif state.pending_message is not None:
                self._pending = message_need_from_json(state.pending_message)
            if state.sleep is not None:
                state.sleep["handedOut"] = False  # the process that slept is gone: wait again
                state.sleep["resumed"] = True
            if state.phase is RunPhase.DONE:
                self.finished = Done(self._result_from_outcome())
            return
        self._push_frame(FrameState([], self.workflow_id, state.inputs, "run", 0, pending_deps=[]), workflow)
        self._emit(RunStarted(workflow_id=self.workflow_id, inputs=self.masker.mask(state.inputs)))

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        """The run as a JSON document (``json.dumps``-able); take it after draining the events."""
        self._settle_state()
        return {**self.snapshot_head(), "state": self.state.to_json()}

    def snapshot_head(self) -> dict[str, Any]:
        """The snapshot's envelope without its ``state``: the same for the whole run (a journal
        encodes it once)."""
        return {
            "format": FORMAT,
            "document": {"location": self.document.location, "fingerprint": fingerprint(self.document)},
            "options": options_to_json(self.options),
        }

    def snapshot_state_view(self) -> dict[str, Any]:
        """The snapshot's ``state`` sharing the live values (:meth:`RunState.json_view`): encode it
        at once (``engine.state.encode``); :meth:`snapshot` is the copy to keep."""
        self._settle_state()
        return self.state.json_view()

    def _settle_state(self) -> None:
        """Write into the state what lives beside it between snapshots (the RNG, the need handed out)."""
        if self.events:
            raise RuntimeError("drain() the events before taking a snapshot (they are not part of it)")
        self.state.rng = rng_to_json(self.rng.getstate())
        # The request (or message need) handed out and not answered: serialised here, not on every request.
        pending = self._pending
        self.state.pending_request = pending.to_json() if isinstance(pending, SendRequest) else None
        self.state.pending_message = pending.to_json() if isinstance(pending, SendMessage | Receive) else None

    @classmethod
    def restore(
        cls, document: Document, snapshot: dict[str, Any], *, options: RunOptions | None = None
    ) -> Execution:
        """A fresh Execution that carries on from ``snapshot``; refused if the document changed."""
        check_envelope(document, snapshot)
        state = RunState.from_json(snapshot["state"])
        return cls(
            document,
            state.workflow_id,
            options=options or options_from_json(snapshot["options"]),
            state=state,
        )

    # -- public protocol ---------------------------------------------------------------------
    def next(self, now: float) -> Need:
        """What the run needs next. Call again after fulfilling a :class:`Sleep`."""
        self._now = now
        state = self.state
        if state.phase is RunPhase.ERROR:
            raise RuntimeError(f"the run stopped in the error phase: {state.error}")
        try:
            if state.started is None:
                state.started = now
                if self.options.run_timeout is not None:
                    state.deadline = now + self.options.run_timeout
                for event in self.events:  # RunStarted was queued in __init__, before any clock
                    if event.at == 0.0:
                        object.__setattr__(event, "at", now)
            while self.finished is None:
                sleep = state.sleep
                if sleep is not None:
                    if not sleep["handedOut"]:
                        sleep["handedOut"] = True
                        # Restored: only what is left of the wait (the deadline is absolute).
                        seconds = max(0.0, sleep["until"] - now) if sleep.get("resumed") else sleep["seconds"]
                        return Sleep(seconds, sleep["reason"], sleep["stepId"], sleep["until"])
                    state.sleep = None
                    self._waited = sleep  # transient: names the wait if the deadline cut it
                frame = state.stack[-1]
                if frame.phase is Phase.AWAIT_RESPONSE:
                    assert self._pending is not None
                    return self._pending  # handed out again (after a restore: the request in doubt)
                if frame.phase is Phase.DEPS:
                    self._next_dependency(frame, now)
                elif frame.phase is Phase.STEP:
                    need = self._start_step(frame, now)
                    if need is not None:
                        return need
                else:
                    raise RuntimeError(f"next() while waiting ({frame.phase.value})")
            return self.finished
        except Exception as exc:
            self._fault(exc)
            raise

    def feed(self, exchange: Exchange, now: float) -> None:
        """Report the outcome of the last :class:`SendRequest`."""
        self._answer(self._feed, exchange, now)

    def feed_message(self, delivery: Delivery, now: float) -> None:
        """Report the outcome of the last :class:`SendMessage` / :class:`Receive` (Arazzo 1.1 AsyncAPI)."""
        self._answer(self._feed_message, delivery, now)

    def _answer(self, feed: Any, answer: Exchange | Delivery, now: float) -> None:
        self._now = now
        if self.state.phase is RunPhase.ERROR:
            raise RuntimeError(f"the run stopped in the error phase: {self.state.error}")
        try:
            feed(answer, now)
        except Exception as exc:
            self._fault(exc)
            raise

    def drain(self) -> list[Event]:
        """Events since the last call (the driver hands them to listeners)."""
        events, self.events = self.events, []
        return events

    def _fault(self, exc: Exception) -> None:
        self.state.phase = RunPhase.ERROR
        self.state.error = f"{type(exc).__name__}: {exc}"

    # -- the machine -------------------------------------------------------------------------
    def _push_frame(self, frame: FrameState, workflow: Workflow) -> None:
        frame.pending_deps = list(workflow.depends_on)
        self.state.stack.append(frame)
        self._contexts.append(self._context(frame))

    def _next_dependency(self, frame: FrameState, now: float) -> None:
        workflow = self._workflow(frame)
        if not frame.started:
            frame.started = True
            self._emit(
                WorkflowStarted(workflow_id=workflow.workflow_id, reason=frame.reason, depth=frame.depth), now
            )
        document = self._document_at(frame.document_path)
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
        for location, workflow_id, status in self.state.completed_deps:
            if (location, workflow_id) == key:
                return status
        return None

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
            self._emit(LimitHit(limit="max_depth", message=message), now)
            self._abort("limit", message, None, workflow.workflow_id, now)
            return
        parent.phase = Phase.AWAIT_CHILD
        parent.waiting_for = why
        child = FrameState(self._path_to(parent, document), workflow.workflow_id, inputs, why.value, depth)
        self._push_frame(child, workflow)

    def _start_step(self, frame: FrameState, now: float) -> Need | None:
        workflow = self._workflow(frame)
        if frame.index >= len(workflow.steps):
            self._finish_frame(frame, "succeeded", None, now)
            return None
        step = workflow.steps[frame.index]
        if self._limit_hit(frame, step, now):
            return None
        self._waited = None
        state = self.state
        state.step_count += 1
        frame.executions[step.step_id] = frame.executions.get(step.step_id, 0) + 1
        frame.step_started = now
        ctx = self._contexts[-1]
        self._clear_exchange(frame, ctx)
        frame.outputs = ctx.outputs = {}
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
        waiting_on = step_dependencies.unmet(step.depends_on, workflow.workflow_id, self.state.records)
        if waiting_on is not None:  # Arazzo 1.1 step dependsOn: a failed step, so onFailure applies
            self._step_done(frame, step, succeeded=False, reason=waiting_on, now=now, status_code=None)
            return None
        document = self._document_at(frame.document_path)
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
        message = self._is_message_step(document, step)  # Arazzo 1.1 AsyncAPI: send or receive
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
        self._pending = need
        return need

    # -- events ------------------------------------------------------------------------------
    def _emit(self, event: Event, now: float | None = None) -> None:
        """Queue ``event``, stamped with the driver's time of the current next()/feed() call."""
        if event.at == 0.0:
            object.__setattr__(event, "at", self._now if now is None else now)
        if isinstance(event, Warning) and self.masker.values:  # warnings quote answers (issue 17)
            object.__setattr__(event, "message", self.masker.text(event.message))
        self.events.append(event)
