"""The Temporal workflow: the sans-I/O core, with requests as activities and waits as timers.

``ArazzoRun`` holds one :class:`~arazzo_runner.engine.Execution`. What the core asks for is
fulfilled the Temporal way: a :class:`SendRequest` becomes the ``arazzo.send`` activity (built,
signed, sent and parsed in a worker) — a *local* activity when it is a safe read (:mod:`.reads`:
one history marker instead of an activity's events and a workflow task's), with a wait of up to
the run's ``localWait`` before it taken inside it —, a longer :class:`Sleep` a durable timer
(``workflow.sleep``), an
Arazzo 1.1 :class:`SendMessage` the ``arazzo.send_message`` activity and a :class:`Receive` the
``arazzo.receive`` activity — a heartbeating wait as long as the step's timeout, whose matched
message is deleted by ``arazzo.acknowledge`` only once its result is in history (see
:mod:`.message_activities`) — and the activity's plain-data answer is fed back. Criteria,
actions, retries and nested workflows stay in the core, so a run decides exactly what a local run
decides.

Determinism: the clock is ``workflow.now()``, the core's RNG is seeded from
``workflow.random()``, the document is loaded once per worker process and checked against the
fingerprint taken when the run was submitted. The engine is imported through the sandbox's
pass-through (it is pure and keeps no per-run globals); this module itself runs sandboxed.

Events are kept in the workflow (not in history) and served by the ``events`` query, so a
client follows a run live; on replay they are rebuilt. A run whose history grows long continues
as new from a snapshot of the core: when Temporal suggests it, or when the workflow's own count
says the history may have reached its budget (the suggestion only changes at workflow-task starts,
and one task may hold many local reads). A run submitted without ``localWait`` (by code older than
local reads) keeps every request an activity and every wait a timer, so its history replays.
"""

from __future__ import annotations

import contextlib
import random
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError
from temporalio.exceptions import TimeoutError as TemporalTimeout

with workflow.unsafe.imports_passed_through():
    # Imported by the engine lazily, on a run's first workflow task (an OpenAPI source's spec, for
    # its apiKey names): loaded with this module instead, so that a busy worker does not spend the
    # SDK's 2-second deadlock window importing it (seen on a loaded 2-core machine, issue 27).
    import jsonschema_path  # noqa: F401

    from ..engine.core import Execution
    from ..engine.inputs import InputsError
    from ..engine.needs import Delivery, Done, Exchange, Receive, SendMessage, SendRequest, Sleep
    from ..engine.snapshot import SnapshotError, options_from_json
    from ..engine.warnings_log import WarningLog
    from ..errors import ArazzoError
    from ..run_settings import RunSettings
    from . import (
        ACKNOWLEDGE_ACTIVITY,
        RECEIVE_ACTIVITY,
        SEND_ACTIVITY,
        SEND_MESSAGE_ACTIVITY,
        WORKFLOW_NAME,
    )
    from .documents import load_document
    from .messages import delivery_from_json, exchange_from_json
    from .reads import HISTORY_BUDGET, MAX_READS_PER_TASK, safe_read

#: Events kept for the ``events`` query (the oldest are dropped past this; the result is complete).
MAX_EVENTS = 5000
#: A request may take its transport retries; a worker that dies is noticed by its missing heartbeat.
SEND_TIMEOUT = timedelta(minutes=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=30)
SEND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)
#: A receive's attempts end with its wait (the wait plus this margin): retried after a lost worker
#: as often as it takes within that time, never for longer.
RECEIVE_MARGIN = 120.0
RECEIVE_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=30))
ACKNOWLEDGE_TIMEOUT = timedelta(seconds=30)
#: Events the history may hold beyond the workflow's count: the workflow-task heartbeats (3 events
#: every 8 s with the default task timeout) among up to :data:`.reads.MAX_READS_PER_TASK` (the run's
#: ``readsPerTask``) local reads, and the next step's.
HISTORY_MARGIN = 200
#: The durable timer that ends a workflow task holding :data:`.reads.MAX_READS_PER_TASK` (the run's
#: ``readsPerTask``) local reads.
TASK_BREAK = timedelta(milliseconds=1)
#: Ids of received messages the run remembers (its next receives delete them if they come back).
MAX_CONSUMED = 100

#: Calls into the engine: any module it imports lazily (the document loader, a JSONPath dialect...)
#: is passed through too, i.e. shared with the worker and run unrestricted. The engine is pure
#: (no clock, no randomness of its own, no I/O but reading the run's document once per process).
_engine = workflow.unsafe.imports_passed_through


@workflow.defn(name=WORKFLOW_NAME)
class ArazzoRun:
    def __init__(self) -> None:
        self._events: list[dict[str, Any]] = []
        self._dropped = 0
        self._step: str | None = None
        #: Ids of the messages this run received (newest last; carried across continue-as-new).
        self._consumed: list[str] = []
        #: The run's warnings for its result, as a local run's ``--output json`` lists them (carried
        #: across continue-as-new, unlike the events the query serves).
        self._warnings = WarningLog(None)
        #: The latest local read's finishing time (see :meth:`_now`); 0: none yet.
        self._clock = 0.0
        #: The history's length and Temporal's continue-as-new suggestion as of the last durable
        #: command's completion, and the local reads since (see :meth:`_measure`).
        self._length = 0
        self._suggested = False
        self._reads = 0

    @workflow.query
    def events(self, since: int = 0) -> dict[str, Any]:
        """Events from index ``since`` on; ``next`` is the index to ask for next time."""
        start = max(since - self._dropped, 0)
        return {
            "events": self._events[start:],
            "next": self._dropped + len(self._events),
            "runId": workflow.info().run_id,
        }

    @workflow.query
    def step(self) -> str | None:
        """The step running now (for ``arazzo runs``)."""
        return self._step

    @workflow.run
    async def run(self, request: dict[str, Any]) -> dict[str, Any]:
        execution = self._execution(request)
        self._consumed = list(request.get("consumed") or ())
        self._warnings = WarningLog(None, request.get("warnings"))
        # Runs submitted before local reads existed carry no ``localWait``: they keep the path
        # they started on (every request an activity, every wait a timer), so they replay.
        local_wait = request.get("localWait")
        budget = int(request.get("historyBudget") or HISTORY_BUDGET)
        reads_per_task = int(request.get("readsPerTask") or MAX_READS_PER_TASK)
        wait = 0.0  # a short wait not taken yet: folded into the next request if it is a safe read
        self._measure()
        while True:
            need = self._call(execution.next, self._now() + wait)
            self._collect(execution)
            if isinstance(need, Done):
                return {**need.result.to_dict(masked=True), "warnings": self._warnings.entries()}
            self._step = need.step_id
            if isinstance(need, Sleep):
                if local_wait is not None and wait + need.seconds <= local_wait:
                    wait += need.seconds
                elif wait + need.seconds > 0:
                    await self._sleep(wait + need.seconds)
                    wait = 0.0
                continue
            local = (
                local_wait is not None
                and isinstance(need, SendRequest)
                and self._call(safe_read, execution.document, need)
            )
            if wait > 0 and not local:
                await self._sleep(wait)  # what follows is no safe read: the wait is a timer after all
                wait = 0.0
            if isinstance(need, Receive):
                delivery = await self._receive(request, execution, need)
                self._call(execution.feed_message, delivery, self._now())
            elif isinstance(need, SendMessage):
                delivery = await self._send_message(request, need)
                self._call(execution.feed_message, delivery, self._now())
            else:
                exchange = await self._send(request, execution, need, wait if local else None)
                wait = 0.0
                self._call(execution.feed, exchange, self._now())
            if not local:
                self._measure()
            self._collect(execution)
            if self._history_full(budget if local_wait is not None else None):
                workflow.continue_as_new(
                    {
                        **request,
                        "snapshot": execution.snapshot(),
                        "consumed": self._consumed,
                        "warnings": self._warnings.entries(),
                    }
                )
            if local and self._reads >= reads_per_task:
                await self._sleep(TASK_BREAK)  # ends the workflow task: its markers are written

    def _now(self) -> float:
        """The run's clock: Temporal's, or a local read's finishing time when later (the workflow's
        time stands still between the local activities of one workflow task)."""
        return max(workflow.now().timestamp(), self._clock)

    async def _sleep(self, seconds: float | timedelta) -> None:
        await workflow.sleep(seconds)
        self._measure()

    def _measure(self) -> None:
        """Read the history's length and Temporal's suggestion, right after a durable command
        completed (or at the start): a workflow task of its own, the same in every replay. Not
        between local reads: where the SDK's workflow-task heartbeats fall among them depends on
        timing, so a value read there could differ in a replay (seen: a nondeterminism error)."""
        info = workflow.info()
        self._length = info.get_current_history_length()
        self._suggested = info.is_continue_as_new_suggested()
        self._reads = 0

    def _history_full(self, budget: int | None) -> bool:
        """Whether to continue as new: Temporal suggests it, or (runs with local reads) the history
        may have reached ``budget`` events: its length at the last durable command, one marker per
        local read since, and :data:`HISTORY_MARGIN` for what the count cannot see."""
        if budget is None:  # a run from before local reads: as it always decided
            return workflow.info().is_continue_as_new_suggested()
        return self._suggested or self._length + self._reads + HISTORY_MARGIN >= budget

    async def _send(
        self, request: dict[str, Any], execution: Execution, need: Any, wait: float | None = None
    ) -> Exchange:
        """The request as an activity — a local one after ``wait`` seconds for a safe read
        (``wait`` not None) — ; one no worker could complete fails the step, as a lost connection
        does locally (the core's failure actions decide what follows)."""
        task = _with_settings(
            request,
            {
                "document": request["document"],
                "sourceMap": request["sourceMap"],
                "allowRemote": request["allowRemote"],
                "servers": request["servers"],
                "validate": execution.options.validate,
                "request": need.to_json(),
            },
        )
        try:
            if wait is None:
                answer = await workflow.execute_activity(
                    SEND_ACTIVITY,
                    task,
                    start_to_close_timeout=SEND_TIMEOUT,
                    heartbeat_timeout=_heartbeat_timeout(request),
                    retry_policy=SEND_RETRY,
                )
            else:
                self._reads += 1
                answer = await workflow.execute_local_activity(
                    SEND_ACTIVITY,
                    {**task, "wait": wait},
                    start_to_close_timeout=SEND_TIMEOUT,
                    retry_policy=SEND_RETRY,
                )
                self._clock = max(self._clock, float(answer.get("finishedAt") or 0.0))
        except (ActivityError, ApplicationError, TemporalTimeout) as exc:  # a local one's: not wrapped
            return Exchange(
                request=None, error=f"the request was not completed by any worker: {_reason(exc)}"
            )
        return exchange_from_json(answer)

    async def _send_message(self, request: dict[str, Any], need: SendMessage) -> Delivery:
        """A message to send, as an activity (retried after a lost worker: at least once)."""
        try:
            answer = await workflow.execute_activity(
                SEND_MESSAGE_ACTIVITY,
                {"servers": request["servers"], "need": need.to_json()},
                start_to_close_timeout=SEND_TIMEOUT,
                heartbeat_timeout=_heartbeat_timeout(request),
                retry_policy=SEND_RETRY,
            )
        except ActivityError as exc:
            return Delivery(error=f"the message was not sent by any worker: {_reason(exc)}")
        return delivery_from_json(answer)

    async def _receive(self, request: dict[str, Any], execution: Execution, need: Receive) -> Delivery:
        """A wait for a message: one durable activity as long as the step's timeout (cut at the run's
        deadline), its matched message acknowledged once the activity's result is in history."""
        now = workflow.now().timestamp()
        until = now + need.timeout
        if execution.state.deadline is not None:
            until = min(until, execution.state.deadline)
        limit = timedelta(seconds=max(until - now, 0.0) + RECEIVE_MARGIN)
        try:
            answer = await workflow.execute_activity(
                RECEIVE_ACTIVITY,
                {
                    "servers": request["servers"],
                    "need": need.to_json(),
                    "until": until,
                    "startedAt": now,
                    "skip": list(self._consumed),
                },
                start_to_close_timeout=limit,
                schedule_to_close_timeout=limit,
                heartbeat_timeout=_heartbeat_timeout(request),
                retry_policy=RECEIVE_RETRY,
            )
        except ActivityError as exc:
            return Delivery(error=f"the receive was not completed by any worker: {_reason(exc)}")
        delivery = delivery_from_json(answer["delivery"])
        if delivery.message_id is not None:
            self._consumed = [*self._consumed, delivery.message_id][-MAX_CONSUMED:]
        if answer.get("receipt"):
            # Recorded all the same when no acknowledgement succeeds: the next receive deletes the
            # message if it comes back (``skip``).
            with contextlib.suppress(ActivityError):
                await workflow.execute_activity(
                    ACKNOWLEDGE_ACTIVITY,
                    {"servers": request["servers"], "need": need.to_json(), "receipt": answer["receipt"]},
                    start_to_close_timeout=ACKNOWLEDGE_TIMEOUT,
                    heartbeat_timeout=_heartbeat_timeout(request),
                    retry_policy=SEND_RETRY,
                )
        return delivery

    def _execution(self, request: dict[str, Any]) -> Execution:
        try:
            # Reading the document (once per worker process) is the one I/O: its fingerprint, checked
            # against the submitted one, makes it as deterministic as the rest.
            with _engine(), workflow.unsafe.sandbox_unrestricted():
                return self._new_execution(request)
        except (InputsError, SnapshotError, ArazzoError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc

    def _new_execution(self, request: dict[str, Any]) -> Execution:
        # The run's settings are read first: one this worker cannot apply fails the run here,
        # before any step, rather than being ignored (SettingsError is an ArazzoError).
        settings = RunSettings.from_json(request["settings"]) if request.get("settings") is not None else None
        document = load_document(
            request["document"],
            source_map=request["sourceMap"],
            allow_remote=request["allowRemote"],
            expected=request["fingerprint"],
            network_policy=settings.network_policy() if settings is not None else None,
        )
        if request.get("snapshot") is not None:
            return Execution.restore(document, request["snapshot"])
        return Execution(
            document,
            request["workflowId"],
            request["inputs"],
            options=options_from_json(request["options"]),
            rng=random.Random(workflow.random().getrandbits(64)),
        )

    def _call(self, method: Any, *args: Any) -> Any:
        """A core call; a fault of the core fails the run with its message instead of looping."""
        try:
            with _engine():
                return method(*args)
        except Exception as exc:
            raise ApplicationError(
                f"{type(exc).__name__}: {exc}", type="EngineFault", non_retryable=True
            ) from exc

    def _collect(self, execution: Execution) -> None:
        with _engine():
            for event in execution.drain():
                self._warnings(event)
                self._events.append(event.to_dict())
        excess = len(self._events) - MAX_EVENTS
        if excess > 0:
            del self._events[:excess]
            self._dropped += excess


def _heartbeat_timeout(request: dict[str, Any]) -> timedelta:
    seconds = request.get("heartbeatTimeout")
    return HEARTBEAT_TIMEOUT if seconds is None else timedelta(seconds=float(seconds))


def _reason(exc: Exception) -> str:
    cause = exc.cause if isinstance(exc, ActivityError) else exc
    return getattr(cause, "message", None) or str(cause or exc)


def _with_settings(request: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    """A send task with the run's settings, which the worker applies (a run submitted without
    them, as every run was before they existed, keeps the task it always had: replays match).
    Message steps (SQS) go through botocore, under no network policy, locally as on workers."""
    if request.get("settings") is not None:
        task["settings"] = request["settings"]
    return task
