"""Record a run to a HAR file, or replay one from it: the library entry points the CLI and plugin use.

* :func:`record` runs the workflow for real through a :class:`~.recorder.Recorder` and writes
  the redacted HAR (also when the run fails: a failing run is worth a recording too).
* :func:`replay` / :func:`replay_async` run it against a :class:`~.replay.ReplayTransport`.
  By default they replay at full speed: poll pacing is zero, ``no_wait`` is on and transport
  retry delays are skipped; ``pace=True`` keeps the ``options`` and the ``sleep`` you give.
  Inputs and the workflow id default to the recording's (``_arazzo``). SigV4 signs as usual with
  the configured credentials, or throwaway ones when none are configured (see
  :func:`replay_aws_environment`), so the signing code runs and nothing real is needed.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import httpx

from .. import running as api
from ..engine.events import Event
from ..engine.inputs import input_masker
from ..engine.masking import Masker
from ..engine.options import PollPacing, RunOptions
from ..engine.redaction import Redactor
from ..engine.result import RunResult
from ..http import AwsEnvironment
from ..http.retry_loop import DEFAULT_TIMEOUT
from .canned import Canned, canned_entries
from .har import Recording, read_har, write_har
from .matching import parse_match
from .recorder import Recorder
from .replay import ReplayMismatch, ReplayTransport

#: Signs replayed requests when no credentials are configured (never valid anywhere).
THROWAWAY_ACCESS_KEY_ID = "AKIAREPLAYEXAMPLE000"
THROWAWAY_SECRET_ACCESS_KEY = "replay/secret/access/key/not-a-real-one"

_P = ParamSpec("_P")
_R = TypeVar("_R")


def replay_aws_environment(
    *, region: str | None = None, profile: str | None = None, environ: Mapping[str, str] | None = None
) -> AwsEnvironment:
    """The configured AWS environment when credentials are plainly configured, else throwaway keys.

    "Plainly configured" means ``AWS_ACCESS_KEY_ID`` or ``AWS_PROFILE`` is set, or ``profile`` is
    given. We do not walk botocore's whole chain here: its last links (container and instance
    metadata) open sockets, and a replay must not touch the network.
    """
    environ = os.environ if environ is None else environ
    if profile or environ.get("AWS_ACCESS_KEY_ID") or environ.get("AWS_PROFILE"):
        return AwsEnvironment(region=region, profile=profile)
    import botocore.session

    session = botocore.session.Session()
    session.set_credentials(THROWAWAY_ACCESS_KEY_ID, THROWAWAY_SECRET_ACCESS_KEY)
    return AwsEnvironment(region=region, session=session)


def chain_listeners(*listeners: Callable[[Event], None] | None) -> Callable[[Event], None]:
    """One listener that passes each event to every given listener in turn (the ``None``s left out)."""
    active = [listener for listener in listeners if listener is not None]

    def deliver(event: Event) -> None:
        for listener in active:
            listener(event)

    return deliver


def _masker(document: Any, workflow_id: str | None, inputs: Mapping[str, Any]) -> Masker:
    workflows = list(getattr(document, "workflows", ()))
    workflow = (
        document.workflow(workflow_id) if workflow_id else (workflows[0] if len(workflows) == 1 else None)
    )
    if workflow is None:
        return Masker()
    return input_masker(document, workflow, inputs)


def record(
    document: Any,
    workflow_id: str | None,
    inputs: Mapping[str, Any] | None,
    path: str | Path,
    *,
    transport: httpx.BaseTransport | None = None,
    on_event: Callable[[Event], None] | None = None,
    label: str | None = None,
    **run_options: Any,
) -> RunResult:
    """Run for real and write the redacted recording to ``path``; returns the run's result.

    ``transport`` is the real transport to record through (default: the network);
    ``run_options`` go to ``Document.run`` (``options``, ``servers``, ``aws``, ``environment``…).
    """
    recorder = Recorder()
    environment = run_options.get("environment")
    if environment is not None and environment.max_response_size:
        recorder.max_response_bytes = environment.max_response_size
    timeout = environment.http_timeout() if environment is not None else DEFAULT_TIMEOUT
    client = httpx.Client(transport=recorder.transport(transport), timeout=timeout)
    try:
        result = api.run(
            document,
            workflow_id,
            inputs,
            client=client,
            on_event=chain_listeners(recorder.on_event, on_event),
            **run_options,
        )
    except BaseException:
        # Interrupted (Ctrl-C) or broken: keep what was exchanged so far, redacted, without outputs.
        redactor = Redactor.for_document(document, _masker(document, workflow_id, inputs or {}))
        write_har(path, recorder.recording(redactor, inputs=inputs, document=label))
        raise
    finally:
        client.close()
    redactor = Redactor.for_document(document, result.masker or Masker())
    write_har(path, recorder.recording(redactor, result=result, inputs=inputs, document=label))
    return result


@dataclass(frozen=True)
class ReplayOutcome:
    """A replayed run: its result and what did not match the recording (empty when all did)."""

    result: RunResult
    problems: tuple[str, ...]
    transport: ReplayTransport
    recording: Recording | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def check(self) -> RunResult:
        """The result, or :class:`ReplayMismatch` listing every problem."""
        if self.problems:
            raise ReplayMismatch("replay: " + "\n".join(self.problems))
        return self.result


@dataclass(frozen=True)
class _Prepared:
    document: Any
    transport: ReplayTransport
    recording: Recording | None
    workflow_id: str | None
    inputs: dict[str, Any]
    run_options: dict[str, Any]
    on_event: Callable[[Event], None]
    pace: bool

    def run_with(self, run: Callable[..., _R], client: httpx.Client | httpx.AsyncClient) -> _R:
        """``run`` (``api.run``, or ``api.run_async`` whose coroutine the caller awaits) over ``client``."""
        return run(
            self.document,
            self.workflow_id,
            self.inputs,
            client=client,
            on_event=self.on_event,
            **self.run_options,
        )

    def outcome(self, result: RunResult) -> ReplayOutcome:
        return ReplayOutcome(result, tuple(self.transport.report()), self.transport, self.recording)


def _prepare(
    document: Any,
    recording: str | Path | Recording | None = None,
    *,
    responses: Iterable[Canned] | None = None,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    match: str | Iterable[str] | None = None,
    pace: bool = False,
    on_event: Callable[[Event], None] | None = None,
    **run_options: Any,
) -> _Prepared:
    """The one spelling of the arguments :func:`replay` and :func:`replay_async` take, and what both
    make of them before they run."""
    if (recording is None) == (responses is None):
        raise ValueError("replay needs exactly one of a recording or canned responses")
    loaded = read_har(recording) if isinstance(recording, str | Path) else recording
    workflow_id = workflow_id or (loaded.workflow_id if loaded else None)
    inputs = dict(inputs if inputs is not None else (loaded.inputs if loaded else {}))
    redactor = Redactor.for_document(document, _masker(document, workflow_id, inputs))
    if loaded is not None:
        transport = ReplayTransport.from_recording(loaded, match=parse_match(match), redactor=redactor)
    else:
        transport = ReplayTransport(canned_entries(responses or ()), redactor=redactor)
    if not pace:
        options = run_options.get("options") or RunOptions()
        run_options["options"] = replace(options, pacing=PollPacing(interval=0), no_wait=True)
    if run_options.get("environment") is None and run_options.get("aws") is None:
        run_options["aws"] = replay_aws_environment()
    return _Prepared(
        document,
        transport,
        loaded,
        workflow_id,
        inputs,
        run_options,
        chain_listeners(transport.on_event, on_event),
        pace,
    )


def _arguments_of(model: Callable[_P, object]) -> Callable[[Callable[..., _R]], Callable[_P, _R]]:
    """Give the decorated function ``model``'s parameters, for mypy (through ``ParamSpec``) and for
    ``help()``/``inspect`` (``__signature__``), so a sync and an async twin spell them once."""

    def adopt(function: Callable[..., _R]) -> Callable[_P, _R]:
        returns = inspect.signature(function).return_annotation
        function.__signature__ = inspect.signature(model).replace(return_annotation=returns)  # type: ignore[attr-defined]
        return function

    return adopt


@_arguments_of(_prepare)
def replay(*args: Any, **kwargs: Any) -> ReplayOutcome:
    """Run ``document`` against a recording (a HAR path or :class:`Recording`) or canned ``responses``."""
    prepared = _prepare(*args, **kwargs)
    options = prepared.run_options
    if not prepared.pace:
        options.setdefault("sleep", lambda seconds: None)
    with httpx.Client(transport=prepared.transport) as client:
        result = prepared.run_with(api.run, client)
    return prepared.outcome(result)


@_arguments_of(_prepare)
async def replay_async(*args: Any, **kwargs: Any) -> ReplayOutcome:
    """The asyncio twin of :func:`replay` (``httpx.AsyncClient`` over the same transport)."""
    prepared = _prepare(*args, **kwargs)
    options = prepared.run_options
    if not prepared.pace:

        async def no_sleep(seconds: float) -> None:
            return None

        options.setdefault("sleep", no_sleep)
    async with httpx.AsyncClient(transport=prepared.transport) as client:
        result = await prepared.run_with(api.run_async, client)
    return prepared.outcome(result)
