"""The runs an MCP server started: background tasks that outlive the call that started them.

A tool call starts a journaled run and follows it for at most ``wait`` seconds; past that it
answers with the run id and the state so far, and the run carries on in this process (the journal
keeps it resumable if the process dies). :meth:`RunRegistry.follow` is what a waiting call does,
reporting each finished step to a progress callback; cancelling the waiting call interrupts the
run exactly as Ctrl-C does (the journal says ``interrupted``; ``arazzo_resume`` carries it on).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..drivers.environment import RunEnvironment
from ..engine import events as ev
from ..engine.masking import Masker
from ..engine.options import RunOptions
from ..engine.result import RunResult, StepRecord
from ..engine.warnings_log import WarningLog
from ..running import run_async
from .tools import WorkflowTool

#: ``progress(done_steps, message)``: a waiting call's progress notifications.
Progress = Callable[[int, str], Awaitable[None]]


@dataclass
class ServedRun:
    """One run started (or resumed) by this server: what it did so far, and its result once done."""

    workflow_id: str
    tool: str
    run_id: str | None = None
    task: asyncio.Future[RunResult] | None = None
    current_step: str | None = None
    next_poll: float | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    steps: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    started: float = field(default_factory=time.monotonic)
    result: RunResult | None = None
    #: Why the run stopped unfinished (cancelled by the client, the server shutting down).
    stopped: str | None = None
    #: Why the run could not run or go on (a journal or document error, a request in doubt...).
    failure: dict[str, Any] | None = None
    #: Set to stop a resumed run (it runs in a thread; its sleeper watches this).
    stop: threading.Event = field(default_factory=threading.Event)
    ended: bool = False
    #: ``--validate``: the OpenAPI violations, one entry per distinct one with a count (as ``run``'s JSON).
    violations: dict[tuple[Any, ...], dict[str, Any]] | None = None
    #: What the run could not read (an output left null and why...): listed as ``--output json`` does.
    warnings: WarningLog = field(default_factory=lambda: WarningLog(None))
    _changed: asyncio.Event = field(default_factory=asyncio.Event)

    def observe(self, event: ev.Event) -> None:
        """The run's events (masked by the engine) update what it did so far and wake the followers."""
        self.warnings(event)
        if isinstance(event, ev.StepStarted):
            self.current_step, self.next_poll = event.step_id, None
        elif isinstance(event, ev.StepFinished):
            self.outputs.update({k: v for k, v in event.outputs.items() if v is not None})
            self.steps.append(StepRecord.from_event(event).to_dict())  # as the finished result lists them
        elif isinstance(event, ev.Sleeping):
            self.next_poll = time.time() + event.seconds
        elif isinstance(event, ev.RequestBuilt):
            self.requests += 1
        elif isinstance(event, ev.Warning) and event.violation is not None and self.violations is not None:
            key = (event.step_id, *event.violation.values())
            entry = self.violations.setdefault(key, {"step": event.step_id, **event.violation, "count": 0})
            entry["count"] += 1
        elif event.kind == "run_journaled":
            self.run_id = event.run_id  # type: ignore[attr-defined]
        self._changed.set()

    @property
    def done(self) -> bool:
        """The run ended and its result (or why it stopped) is known (set by the task's done callback)."""
        return self.ended

    def state(self) -> dict[str, Any]:
        """The ``--output json`` result once finished; before that, the same shape with ``running``."""
        if self.result is not None:
            result = self.result.to_dict(masked=True)
            if self.run_id is not None:
                result.setdefault("runId", self.run_id)
            result["warnings"] = self.warnings.entries(self.result.masker)
            if self.violations is not None:
                masker = self.result.masker
                result["validation"] = [
                    {**e, "message": masker.text(e["message"]) if masker is not None else e["message"]}
                    for e in self.violations.values()
                ]
            return result
        data: dict[str, Any] = {
            "workflowId": self.workflow_id,
            "status": "failed" if self.failure else "interrupted" if self.stopped else "running",
            "outputs": dict(self.outputs),
            "steps": list(self.steps),
            "error": None,
            "requests": self.requests,
            "transportRetries": None,
            "durationMs": round((time.monotonic() - self.started) * 1000, 3),
            "currentStep": self.current_step,
            "nextPoll": self.next_poll,
            "warnings": self.warnings.entries(),
        }
        if self.failure:
            data["error"] = self.failure
        elif self.stopped:
            data["error"] = {"type": "interrupted", "message": self.stopped, "stepId": self.current_step}
        if self.run_id is not None:
            data["runId"] = self.run_id
        return data

    async def changed(self, timeout: float) -> None:
        """Return when the run reports something (or ends), or after ``timeout`` seconds."""
        self._changed.clear()
        if self.done:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)


class RunRegistry:
    """Starts, follows, resumes and interrupts this server's runs; knows the journal's other runs."""

    def __init__(
        self,
        *,
        environment: RunEnvironment,
        options: RunOptions,
        journal: str,
        secrets: Mapping[str, Any],
        on_event: Callable[[ev.Event], None] | None = None,
        served: frozenset[tuple[str, str]] | None = None,
    ) -> None:
        self.environment = environment
        self.options = options
        #: The journal's path: every run is journaled (a long run must survive this process).
        self.journal = journal
        self.secrets = dict(secrets)
        #: Masks the server's secret values out of the reasons a run could not run.
        self.masker = Masker.for_inputs(self.secrets, self.secrets)
        self.on_event = on_event
        #: (document location, workflow id) of the served workflows: the only journaled runs this
        #: server shows or resumes (``None``: all of the journal's).
        self.served = served
        self.runs: dict[str, ServedRun] = {}
        self._unnamed: list[ServedRun] = []

    def start(self, tool: WorkflowTool, inputs: dict[str, Any]) -> ServedRun:
        """Start ``tool``'s workflow in the background (journaled)."""
        served = ServedRun(workflow_id=tool.workflow_id, tool=tool.name)
        if self.options.validate != "off":
            served.violations = {}

        async def run() -> RunResult:
            return await run_async(
                tool.document,
                tool.workflow_id,
                inputs,
                options=self.options,
                environment=self.environment,
                on_event=self._observer(served),
                journal=self.journal,
            )

        served.task = asyncio.ensure_future(run())
        served.task.add_done_callback(lambda task: self._finished(served, task))
        self._unnamed.append(served)
        return served

    def resume(self, run_id: str) -> ServedRun:
        """Carry the journaled run ``run_id`` on (in a thread: resuming is synchronous), secrets from the server.

        The run keeps the settings it was started with (the journal's: servers, network policy,
        limits); this server's deny rules are added to them, never loosened.
        """
        from ..journal import resume

        record = self.record(run_id)
        served = ServedRun(workflow_id=record.workflow_id, tool="arazzo_resume", run_id=record.id)
        loop = asyncio.get_running_loop()
        observe = self._observer(served)

        def on_event(event: ev.Event) -> None:
            loop.call_soon_threadsafe(observe, event)

        def sleep(seconds: float) -> None:
            if served.stop.wait(seconds):
                raise KeyboardInterrupt  # as Ctrl-C does: the journal marks the run interrupted

        secrets = {k: v for k, v in self.secrets.items() if k in record.secret_inputs}
        # The run's journaled settings rebuild its environment; this server's deny rules are added.
        policy = self.environment.network_policy
        tighten = (
            {"deny_hosts": tuple(policy.deny_hosts), "deny_private_networks": policy.deny_private_networks}
            if policy is not None
            else None
        )
        served.task = asyncio.ensure_future(
            asyncio.to_thread(
                resume,
                record.id,
                journal=self.journal,
                inputs=secrets or None,
                aws=self.environment.aws,
                tighten=tighten,
                on_event=on_event,
                sleep=sleep,
            )
        )
        served.task.add_done_callback(lambda task: self._finished(served, task))
        self.runs[record.id] = served
        return served

    def _observer(self, served: ServedRun) -> Callable[[ev.Event], None]:
        def observe(event: ev.Event) -> None:
            served.observe(event)
            if served.run_id is not None and served.run_id not in self.runs:
                self.runs[served.run_id] = served
                with contextlib.suppress(ValueError):
                    self._unnamed.remove(served)
            if self.on_event is not None and event.kind in ("run_journaled", "run_finished"):
                self.on_event(event)

        return observe

    def _finished(self, served: ServedRun, task: asyncio.Future[RunResult]) -> None:
        if task.cancelled():
            served.stopped = served.stopped or "the run was interrupted"
        elif task.exception() is not None:
            exc = task.exception()
            if isinstance(exc, KeyboardInterrupt):
                served.stopped = served.stopped or "the run was interrupted"
            else:  # never a quiet "running": the caller sees why it could not run
                served.failure = {
                    "type": type(exc).__name__,
                    "message": self.masker.text(str(exc)),
                    "stepId": served.current_step,
                }
        else:
            served.result = task.result()
        served.ended = True
        served._changed.set()

    async def follow(
        self, served: ServedRun, wait: float, progress: Progress | None = None, *, interrupt: bool = True
    ) -> dict[str, Any]:
        """Wait up to ``wait`` seconds for the run to end, reporting each finished step; its state then.

        Cancelled (the client cancelled its call): the run is interrupted when ``interrupt``.
        """
        deadline = time.monotonic() + wait
        reported = 0
        try:
            while not served.done:
                left = deadline - time.monotonic()
                if left <= 0 and served.run_id is not None:
                    break  # the answer names the run, so the caller can follow it
                await served.changed(max(left, 0.01))
                if progress is not None and len(served.steps) > reported:
                    reported = len(served.steps)
                    last = served.steps[-1]
                    await progress(reported, f"step {last['stepId']} {last['status']}")
        except asyncio.CancelledError:
            if interrupt:
                self.interrupt(served, "the run was interrupted: the MCP client cancelled the call")
            raise
        return served.state()

    def interrupt(self, served: ServedRun, why: str) -> None:
        """Stop the run as Ctrl-C does: the journal says ``interrupted``, ``arazzo_resume`` carries it on."""
        served.stopped = why
        served.stop.set()
        if served.task is not None and not served.task.done():
            served.task.cancel()  # a resumed run's thread stops at its next wait (its sleeper)

    async def shutdown(self) -> None:
        """The server stops: interrupt what still runs (each stays resumable) and let the journal say so."""
        pending = [r for r in [*self.runs.values(), *self._unnamed] if r.task is not None and not r.done]
        for served in pending:
            self.interrupt(served, "the run was interrupted: the MCP server stopped")
        if pending:
            await asyncio.wait([r.task for r in pending if r.task is not None], timeout=5)

    def record(self, run_id: str) -> Any:
        """The journal's record of ``run_id`` (a unique prefix is enough) when it is a run of a served
        workflow; JournalError otherwise (the journal's other runs are not this server's to show)."""
        from ..journal import Journal, JournalError

        with Journal(self.journal) as store:
            record = store.get(run_id)
        if not self._serves(record):
            raise JournalError(f"no run {run_id!r} of a workflow this server serves")
        return record

    def _serves(self, record: Any) -> bool:
        return self.served is None or (record.document, record.workflow_id) in self.served

    def listing(self, limit: int = 50) -> list[dict[str, Any]]:
        """The served workflows' runs in the journal, newest first (secrets masked), and whether this
        server is running each."""
        from ..journal import Journal

        with Journal(self.journal) as store:
            records = [r for r in store.runs() if self._serves(r)][:limit]
        rows = []
        for record in records:
            row = record.to_dict()
            served = self.runs.get(record.id)
            row["servedHere"] = served is not None and not served.done
            rows.append(row)
        return rows

    def status(self, run_id: str) -> dict[str, Any]:
        """A run's state: live from this server when it runs here, else the journal's record."""
        served = self.runs.get(run_id)
        if served is None:
            record = self.record(run_id)
            served = self.runs.get(record.id)
            if served is None:
                data = record.to_dict()
                return {
                    "workflowId": data["workflowId"],
                    "status": data["status"],
                    "runId": data["runId"],
                    "outputs": data["outputs"] or {},
                    "error": data["error"],
                    "currentStep": data["lastStep"],
                    "nextPoll": data["nextPoll"],
                }
        return served.state()

    def timeline(self, run_id: str) -> list[dict[str, Any]]:
        from ..journal import Journal

        with Journal(self.journal) as store:
            return store.timeline(self.record(run_id).id)
