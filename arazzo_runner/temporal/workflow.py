"""The Temporal workflow: the sans-I/O core, with requests as activities and waits as timers.

``ArazzoRun`` holds one :class:`~arazzo_runner.engine.Execution`. What the core asks for is
fulfilled the Temporal way: a :class:`SendRequest` becomes the ``arazzo.send`` activity (built,
signed, sent and parsed in a worker), a :class:`Sleep` a durable timer (``workflow.sleep``), and
the activity's plain-data answer is fed back. Criteria, actions, retries and nested workflows
stay in the core, so a run decides exactly what a local run decides.

Determinism: the clock is ``workflow.now()``, the core's RNG is seeded from
``workflow.random()``, the document is loaded once per worker process and checked against the
fingerprint taken when the run was submitted. The engine is imported through the sandbox's
pass-through (it is pure and keeps no per-run globals); this module itself runs sandboxed.

Events are kept in the workflow (not in history) and served by the ``events`` query, so a
client follows a run live; on replay they are rebuilt. A run whose history grows long continues
as new from a snapshot of the core.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from ..engine.core import Execution
    from ..engine.inputs import InputsError
    from ..engine.needs import Done, Exchange, Sleep
    from ..engine.snapshot import SnapshotError, options_from_json
    from ..errors import ArazzoError
    from . import SEND_ACTIVITY, WORKFLOW_NAME
    from .documents import load_document
    from .messages import exchange_from_json

#: Events kept for the ``events`` query (the oldest are dropped past this; the result is complete).
MAX_EVENTS = 5000
#: A request may take its transport retries; a worker that dies is noticed by its missing heartbeat.
SEND_TIMEOUT = timedelta(minutes=10)
HEARTBEAT_TIMEOUT = timedelta(seconds=30)
SEND_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)

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
        while True:
            need = self._call(execution.next, workflow.now().timestamp())
            self._collect(execution)
            if isinstance(need, Done):
                return need.result.to_dict(masked=True)
            self._step = need.step_id
            if isinstance(need, Sleep):
                if need.seconds > 0:
                    await workflow.sleep(need.seconds)
                continue
            exchange = await self._send(request, execution, need)
            self._call(execution.feed, exchange, workflow.now().timestamp())
            self._collect(execution)
            if workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new({**request, "snapshot": execution.snapshot()})

    async def _send(self, request: dict[str, Any], execution: Execution, need: Any) -> Exchange:
        """The request as an activity; one no worker could complete fails the step, as a lost
        connection does locally (the core's failure actions decide what follows)."""
        try:
            answer = await workflow.execute_activity(
                SEND_ACTIVITY,
                {
                    "document": request["document"],
                    "sourceMap": request["sourceMap"],
                    "allowRemote": request["allowRemote"],
                    "servers": request["servers"],
                    "validate": execution.options.validate,
                    "request": need.to_json(),
                },
                start_to_close_timeout=SEND_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=SEND_RETRY,
            )
        except ActivityError as exc:
            cause = exc.cause
            reason = getattr(cause, "message", None) or str(cause or exc)
            return Exchange(request=None, error=f"the request was not completed by any worker: {reason}")
        return exchange_from_json(answer)

    def _execution(self, request: dict[str, Any]) -> Execution:
        try:
            # Reading the document (once per worker process) is the one I/O: its fingerprint, checked
            # against the submitted one, makes it as deterministic as the rest.
            with _engine(), workflow.unsafe.sandbox_unrestricted():
                return self._new_execution(request)
        except (InputsError, SnapshotError, ArazzoError) as exc:
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc

    def _new_execution(self, request: dict[str, Any]) -> Execution:
        document = load_document(
            request["document"],
            source_map=request["sourceMap"],
            allow_remote=request["allowRemote"],
            expected=request["fingerprint"],
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
            self._events.extend(event.to_dict() for event in execution.drain())
        excess = len(self._events) - MAX_EVENTS
        if excess > 0:
            del self._events[:excess]
            self._dropped += excess
