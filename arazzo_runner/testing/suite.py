"""Run test cases concurrently on one event loop: ``arazzo test -j N``.

Every case is a workflow run on the asyncio driver (:func:`arazzo_runner.running.run_async`
or :func:`arazzo_runner.recording.replay_async`), all sharing one :class:`RunEnvironment`
(credentials, endpoints, the pooled HTTP client), at most ``jobs`` at a time.

Order: the workflows of one document that are linked by ``dependsOn`` run one after another,
dependencies first, as the spec runs them; unrelated workflows and other documents run side by
side. With ``parallel_depends_on`` a workflow waits only for the workflows it depends on, so
dependencies that do not depend on each other run concurrently.

Nothing here prints: a :class:`SuiteListener` hears when cases start, what they do and how they end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .. import running
from ..engine.events import Event
from .discovery import BrokenDocument, TestCase, recording_for
from .trace import Trace

CaseStatus = Literal["succeeded", "failed", "skipped", "error"]


@dataclass(frozen=True)
class Failure:
    """Why a case failed, as CI reports name it: the step, the reason, the API's error code and message."""

    message: str
    type: str
    step_id: str | None = None
    status_code: int | None = None
    error_code: str | None = None
    error_message: str | None = None
    #: 1-based line of the failing step (or the workflow) in the document, for annotations.
    line: int | None = None

    def summary(self) -> str:
        parts = [f"step {self.step_id}: " if self.step_id else "", self.message]
        api = " ".join(p for p in (self.error_code, self.error_message) if p)
        if api and not (self.error_code and self.error_code in self.message):
            parts.append(f" (API error: {api})")
        return "".join(parts)


@dataclass
class CaseOutcome:
    case: TestCase | None
    status: CaseStatus
    #: The ``--output json`` result object (masked), with ``document``; a skip or error has a minimal one.
    result: dict[str, Any]
    trace: Trace
    started_at: float
    duration: float
    failure: Failure | None = None
    #: A document that could not be loaded (``case`` is None then).
    broken: BrokenDocument | None = None
    #: Replay mismatches (a request the recording did not expect, recorded requests never sent).
    problems: tuple[str, ...] = ()

    @property
    def document_path(self) -> str:
        if self.case is not None:
            return self.case.document_path
        assert self.broken is not None  # an outcome is of a case or of a broken document
        return self.broken.document_path

    @property
    def workflow_id(self) -> str:
        return self.case.workflow_id if self.case is not None else "(document)"

    @property
    def name(self) -> str:
        return f"{self.document_path}::{self.workflow_id}"


class SuiteListener(Protocol):
    def case_started(self, case: TestCase) -> None: ...

    def case_event(self, case: TestCase, event: Event) -> None: ...

    def case_finished(self, outcome: CaseOutcome) -> None: ...


@dataclass
class SuiteSettings:
    """What every case of a suite shares: run options, the environment, journal, record/replay."""

    options: Any = None
    environment: Any = None
    #: The environment replayed cases use (throwaway AWS keys unless credentials are configured).
    replay_environment: Any = None
    #: ``True``/path: journal live runs; ``None``: not journaled.
    journal: Any = None
    replay_match: str | None = None
    #: Replay with the run's pacing and real waits (``--poll-interval`` given with ``--replay``).
    replay_pace: bool = False
    #: Write one HAR per workflow into this folder (``--record DIR``).
    record_dir: str | None = None
    clock: Callable[[], float] = time.time
    #: The runs' sleeper (tests inject one); ``None``: the driver's ``asyncio.sleep``.
    sleep: Any = None
    #: ``--strict``: a workflow that succeeds with warnings (an answer it could not read as its
    #: expressions need, e.g. an output read as null) fails, as ``arazzo run --strict`` does.
    strict: bool = False


async def run_suite(
    cases: Sequence[TestCase],
    settings: SuiteSettings,
    *,
    jobs: int = 1,
    parallel_depends_on: bool = False,
    listener: SuiteListener | None = None,
) -> list[CaseOutcome]:
    """Run every case (skipped ones are reported at once); outcomes in the order of ``cases``."""
    limit = asyncio.Semaphore(max(1, jobs))
    outcomes: dict[int, CaseOutcome] = {}
    done = {id(c): asyncio.Event() for c in cases}
    by_key = {(c.document_path, c.workflow_id): c for c in cases}

    async def one(case: TestCase) -> None:
        try:
            if case.skip_reason is None:
                async with limit:
                    outcomes[id(case)] = await run_case(case, settings, listener)
            else:
                outcomes[id(case)] = skipped(case, settings.clock())
                if listener is not None:
                    listener.case_finished(outcomes[id(case)])
        finally:
            done[id(case)].set()

    async def after_dependencies(case: TestCase) -> None:
        for dep in case.depends_on:
            found = by_key.get((case.document_path, dep))
            if found is not None and found is not case:
                await done[id(found)].wait()
        await one(case)

    async def in_order(chain: list[TestCase]) -> None:
        for case in chain:
            await one(case)

    if parallel_depends_on:
        await asyncio.gather(*(after_dependencies(c) for c in cases))
    else:
        await asyncio.gather(*(in_order(chain) for chain in dependency_chains(cases)))
    return [outcomes[id(c)] for c in cases]


def dependency_chains(cases: Sequence[TestCase]) -> list[list[TestCase]]:
    """Cases grouped by document and ``dependsOn`` links (either way); each group ordered so that a
    workflow comes after the ones it depends on, otherwise as discovered."""
    index = {(c.document_path, c.workflow_id): i for i, c in enumerate(cases)}
    parent = list(range(len(cases)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, case in enumerate(cases):
        for dep in case.depends_on:
            j = index.get((case.document_path, dep))
            if j is not None:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(cases)):
        groups.setdefault(find(i), []).append(i)
    return [
        [cases[i] for i in _ordered(cases, index, members)] for members in sorted(groups.values(), key=min)
    ]


def _ordered(cases: Sequence[TestCase], index: dict[tuple[str, str], int], members: list[int]) -> list[int]:
    """``members`` with every workflow after the ones it depends on (a cycle is the document's
    problem: ``arazzo validate`` reports it; here it just stops the walk)."""
    ordered: list[int] = []
    seen: set[int] = set()

    def visit(i: int, path: frozenset[int]) -> None:
        if i in seen or i in path:
            return
        for dep in cases[i].depends_on:
            j = index.get((cases[i].document_path, dep))
            if j is not None:
                visit(j, path | {i})
        seen.add(i)
        ordered.append(i)

    for i in members:
        visit(i, frozenset())
    return ordered


def skipped(case: TestCase, now: float) -> CaseOutcome:
    result = {
        "document": case.document_path,
        "workflowId": case.workflow_id,
        "status": "skipped",
        "outputs": {},
        "steps": [],
        "error": {
            "type": "skipped",
            "message": case.skip_reason,
            "stepId": None,
            "workflowId": case.workflow_id,
        },
        "requests": 0,
        "transportRetries": 0,
        "durationMs": 0.0,
    }
    return CaseOutcome(case, "skipped", result, Trace(now), now, 0.0)


def broken_document(broken: BrokenDocument, now: float) -> CaseOutcome:
    """A document that did not load, as an error outcome (a CI report must show it)."""
    result: dict[str, Any] = {
        "document": broken.document_path,
        "workflowId": None,
        "status": "error",
        "outputs": {},
        "steps": [],
        "error": {"type": "invalid_document", "message": broken.message, "stepId": None, "workflowId": None},
        "requests": 0,
        "transportRetries": 0,
        "durationMs": 0.0,
    }
    line = next((p.location.line for p in broken.problems if p.location.line), None)
    failure = Failure(broken.message, "invalid_document", line=line)
    return CaseOutcome(None, "error", result, Trace(now), now, 0.0, failure=failure, broken=broken)


async def run_case(case: TestCase, settings: SuiteSettings, listener: SuiteListener | None) -> CaseOutcome:
    """Run one case on this event loop; never raises for a failed workflow or a bad input."""
    from ..engine.inputs import secret_input_names
    from ..engine.masking import Masker
    from ..engine.redaction import Redactor
    from ..engine.warnings_log import WarningLog
    from ..errors import ArazzoError

    document = case.document
    workflow = document.workflow(case.workflow_id)
    masker = Masker.for_inputs(secret_input_names(document, workflow), case.inputs)
    started = settings.clock()
    trace = Trace(started, Redactor.for_document(document, masker))
    warnings = WarningLog(None)
    if listener is not None:
        listener.case_started(case)

    def on_event(event: Event) -> None:
        trace(event)
        warnings(event)
        if listener is not None:
            listener.case_event(case, event)

    problems: tuple[str, ...] = ()
    try:
        if case.recording is not None:
            result, problems = await _replay(case, settings, on_event)
        elif settings.record_dir is not None:
            result = await _record(case, settings, on_event)
        else:
            result = await running.run_async(
                document,
                case.workflow_id,
                case.inputs,
                options=settings.options,
                environment=settings.environment,
                on_event=on_event,
                journal=settings.journal,
                **({"sleep": settings.sleep} if settings.sleep is not None else {}),
            )
    except ArazzoError as exc:
        return _errored(case, trace, started, settings.clock(), masker.text(str(exc)), "error", listener)
    except Exception as exc:  # one broken case must not stop the suite; the report says what broke
        message = f"internal error: {type(exc).__name__}: {masker.text(str(exc))} (a bug in arazzo-runner; please report it)"
        return _errored(case, trace, started, settings.clock(), message, "internal", listener)
    data = {"document": case.document_path, **result.to_dict(masked=True)}
    # The same warnings as `arazzo run --output json` lists: a null output is never silent here either.
    data["warnings"] = warnings.entries(masker)
    if problems:
        data["replayProblems"] = list(problems)
    strict = settings.strict and len(warnings) > 0 and result.succeeded
    if strict:
        data["strict"] = {"failed": True, "warnings": len(warnings)}
    status: CaseStatus = "succeeded" if result.succeeded and not problems and not strict else "failed"
    failure = None if status == "succeeded" else failure_of(case, data, trace, problems)
    outcome = CaseOutcome(
        case, status, data, trace, started, settings.clock() - started, failure, problems=problems
    )
    if listener is not None:
        listener.case_finished(outcome)
    return outcome


def _errored(
    case: TestCase,
    trace: Trace,
    started: float,
    now: float,
    message: str,
    kind: str,
    listener: SuiteListener | None,
) -> CaseOutcome:
    result = {
        "document": case.document_path,
        "workflowId": case.workflow_id,
        "status": "error",
        "outputs": {},
        "steps": [],
        "error": {"type": kind, "message": message, "stepId": None, "workflowId": case.workflow_id},
        "requests": len(trace.exchanges),
        "transportRetries": 0,
        "durationMs": round((now - started) * 1000, 3),
    }
    failure = Failure(message, kind, line=workflow_line(case.document, case.workflow_id))
    outcome = CaseOutcome(case, "error", result, trace, started, now - started, failure)
    if listener is not None:
        listener.case_finished(outcome)
    return outcome


def failure_of(case: TestCase, data: dict[str, Any], trace: Trace, problems: tuple[str, ...]) -> Failure:
    """The failure as CI names it: the failing step, the reason, the API's error code and message."""
    error = data.get("error") or {}
    step_id = error.get("stepId")
    span = trace.failed_span()
    if step_id is None and span is not None:
        step_id = span.step_id
    message = error.get("message") or (problems[0] if problems else "the run failed")
    if problems and error.get("message") is None:
        message = "the run does not match its recording: " + "; ".join(p.splitlines()[0] for p in problems)
    strict = data.get("strict")
    if strict and not error and not problems:
        first = data["warnings"][0]
        step_id = step_id or first.get("stepId")
        count = strict["warnings"]
        message = f"--strict: {count} warning{'s' if count != 1 else ''}: {first['message']}"
    exchange = trace.last_exchange_of(step_id) if step_id else None
    code, api_message = (None, None)
    status_code = None
    if exchange is not None:
        status_code = exchange.status_code
        code, api_message = api_error(exchange)
    line = step_line(case.document, case.workflow_id, step_id) if step_id else None
    return Failure(
        message,
        error.get("type") or ("strict" if strict and not problems else "replay_mismatch"),
        step_id,
        status_code,
        code,
        api_message,
        line or workflow_line(case.document, case.workflow_id),
    )


def api_error(exchange: Any) -> tuple[str | None, str | None]:
    """An error answer's code and message (AWS ``__type``/``Code`` + ``message``, RFC 9457 problem
    ``type``/``title`` + ``detail``, or a plain ``error``/``message``); (None, None) for a success."""
    if exchange.status_code is None or exchange.status_code < 400:
        return exchange.error_code, None
    body = exchange.response_body
    code = exchange.error_code
    message = None
    if isinstance(body, dict):
        nested = body.get("error")
        error: dict[str, Any] = nested if isinstance(nested, dict) else body
        for key in ("__type", "code", "Code", "type", "title", "error"):
            value = error.get(key)
            if code is None and isinstance(value, str | int):
                code = str(value).rsplit("#", 1)[-1]
        for key in ("message", "Message", "detail", "error_description", "errorMessage"):
            value = error.get(key)
            if isinstance(value, str):
                message = value
                break
    elif isinstance(body, str) and body.strip():
        message = body.strip()[:300]
    return code, message


def step_line(document: Any, workflow_id: str, step_id: str) -> int | None:
    """The 1-based line of a step in its document (the loader keeps positions), for annotations."""
    for wi, workflow in enumerate(document.workflows):
        if workflow.workflow_id != workflow_id:
            continue
        for si, step in enumerate(workflow.steps):
            if step.step_id == step_id:
                line: int | None = document.spec.locate(f"/workflows/{wi}/steps/{si}").line
                return line
    return None


def workflow_line(document: Any, workflow_id: str) -> int | None:
    for wi, workflow in enumerate(document.workflows):
        if workflow.workflow_id == workflow_id:
            found: int | None = document.spec.locate(f"/workflows/{wi}").line
            return found
    return None


async def _replay(
    case: TestCase, settings: SuiteSettings, on_event: Callable[[Event], None]
) -> tuple[Any, tuple[str, ...]]:
    from ..recording import replay_async

    outcome = await replay_async(
        case.document,
        case.recording,
        workflow_id=case.workflow_id,
        inputs=case.inputs,
        match=settings.replay_match,
        pace=settings.replay_pace,
        options=settings.options,
        environment=settings.replay_environment,
        on_event=on_event,
    )
    return outcome.result, outcome.problems


async def _record(case: TestCase, settings: SuiteSettings, on_event: Callable[[Event], None]) -> Any:
    """Run for real through a recorder and write ``DIR/<document>.<workflow>.har`` (redacted)."""
    import os

    import httpx

    from ..engine.masking import Masker
    from ..engine.redaction import Redactor
    from ..recording import Recorder, write_har
    from ..recording.runs import chain_listeners

    assert settings.record_dir is not None
    recorder = Recorder()
    environment = settings.environment
    if environment is not None and environment.max_response_size:
        recorder.max_response_bytes = environment.max_response_size
    from ..http.retry_loop import DEFAULT_TIMEOUT

    timeout = environment.http_timeout() if environment is not None else DEFAULT_TIMEOUT
    path = recording_for(settings.record_dir, case.document_path, case.workflow_id)
    os.makedirs(settings.record_dir, exist_ok=True)
    async with httpx.AsyncClient(transport=recorder.async_transport(), timeout=timeout) as client:
        result = await running.run_async(
            case.document,
            case.workflow_id,
            case.inputs,
            options=settings.options,
            environment=environment,
            client=client,
            on_event=chain_listeners(recorder.on_event, on_event),
            **({"sleep": settings.sleep} if settings.sleep is not None else {}),
        )
    redactor = Redactor.for_document(case.document, result.masker or Masker())
    write_har(
        path, recorder.recording(redactor, result=result, inputs=case.inputs, document=case.document_path)
    )
    return result
