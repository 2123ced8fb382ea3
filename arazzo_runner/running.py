"""Documents that run: :class:`RunnableDocument` (what :func:`arazzo_runner.load` returns) and
its ``run``, ``run_async`` and ``iter_run``, with a journal when asked.

The top of the library's run stack: it sees the document (``document/``), the drivers that run
the core (``drivers/``) and the journal that records them (``journal/``), which is why it lives
above all three rather than in any of them. A document as the loader makes it knows nothing of
execution; :meth:`RunnableDocument.of` makes the same object runnable.

``clock`` is the wall clock in seconds since the epoch (UTC): the core's deadlines and sleeps are
absolute times in it, so a snapshot taken in one process means the same in another.
"""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ParamSpec

import httpx

from .document import loader
from .document.resolved import Document
from .drivers import loops as drivers
from .drivers.environment import RunEnvironment, environment_for
from .drivers.telemetry_wiring import telemetry_wiring
from .engine.core import Execution
from .engine.events import Event
from .engine.options import RunOptions
from .engine.result import RunResult
from .http import AwsEnvironment

P = ParamSpec("P")


def _journal_for(
    journal: Any,
    execution: Execution,
    environment: RunEnvironment,
    on_event: Callable[[Event], None] | None,
    clock: Callable[[], float],
) -> Any:
    """The journal hook for a new run (``None``: not journaled); announces the run id as an event."""
    if journal is None or journal is False:
        return None
    from .journal.recorder import RunJournal, RunJournaled
    from .journal.store import Journal, open_journal

    store = open_journal(None if journal is True else journal)
    from dataclasses import replace

    from .run_settings import settings_of

    # The run's settings (servers, network policy, limits...) travel with it: resume rebuilds them; and
    # the folder tree its local files were confined to, so that resume from any directory reads the same.
    settings = settings_of(environment, execution.options.validate)
    settings = replace(settings, confinement_root=getattr(execution.document, "confinement_root", None))
    hook = RunJournal.start(store, execution, settings=settings.to_json())
    hook.owns_journal = not isinstance(journal, Journal)
    hook.clock = clock
    if on_event is not None:
        unfinished = tuple(r.id for r in store.unfinished_like(hook.identity, excluding=hook.run_id))
        on_event(
            RunJournaled(
                hook.run_id, str(store.path), unfinished=unfinished, at=clock(), warnings=tuple(store.warnings)
            )
        )
    return hook


@contextmanager
def _telling_journal(hook: Any) -> Iterator[None]:
    """A run that stops by an exception (Ctrl-C, SIGTERM, a bug) is marked so in its journal."""
    try:
        yield
    except BaseException as exc:
        if hook is not None:
            hook.interrupted(exc)
        raise


def run(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    *,
    options: RunOptions | None = None,
    servers: Mapping[str, str] | None = None,
    aws: AwsEnvironment | None = None,
    environment: RunEnvironment | None = None,
    client: httpx.Client | None = None,
    on_event: Callable[[Event], None] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
    journal: Any = None,
    telemetry: Any = None,
) -> RunResult:
    """Run a workflow to the end and return its result (never raises for a failed workflow).

    ``options``: :class:`~arazzo_runner.engine.options.RunOptions`; ``servers`` ({source name:
    URL}), ``aws`` (credentials and regions) or a whole ``environment`` (:class:`RunEnvironment`,
    shared by runs): where it sends; ``client``: the caller's, left open (default: one of the
    run's own); ``rng``: the randomness of retry jitter.

    ``journal``: a :class:`arazzo_runner.journal.Journal`, a path, or ``True`` (the default
    journal, ``ARAZZO_JOURNAL`` or ``$XDG_STATE_HOME/arazzo/runs.db``) to record every transition
    so that ``resume(result.run_id)`` can carry the run on after a crash; ``None`` (the library's
    default): not journaled.

    ``telemetry``: an :class:`arazzo_runner.telemetry.Telemetry` (the ``[otel]`` extra): the run
    becomes one OpenTelemetry trace with its metrics. ``None``: no telemetry, nothing imported.

    The keywords are spelled out here, in :func:`run_async` and in :func:`iter_run` (the public
    signatures, as ``help()`` and editors show them); what the three do is one plan in ``drivers/``.
    """
    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    environment = environment_for(environment, servers, aws)
    hook = _journal_for(journal, execution, environment, on_event, clock)
    with (
        _telling_journal(hook),
        environment.sync_client(client) as client,  # before the wiring: telemetry may hook it
        telemetry_wiring(
            telemetry, execution, journal=hook, on_event=on_event, client=client, clock=clock
        ) as (listener, journaled),
    ):
        tools: drivers.SyncTools = {"environment": environment, "client": client, "sleep": sleep, "clock": clock}
        return drivers.run_sync(execution, on_event=listener, journal=journaled, **tools)


async def run_async(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    *,
    options: RunOptions | None = None,
    servers: Mapping[str, str] | None = None,
    aws: AwsEnvironment | None = None,
    environment: RunEnvironment | None = None,
    client: httpx.AsyncClient | None = None,
    on_event: Callable[[Event], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
    journal: Any = None,
    telemetry: Any = None,
) -> RunResult:
    """:func:`run` on asyncio: the same keywords, with an ``httpx.AsyncClient`` (default: the event
    loop's shared one) and an awaited ``sleep`` (default ``asyncio.sleep``)."""
    import asyncio

    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    # Defaults are shared per event loop (environment, and through it the client): thousands of
    # concurrent runs with default arguments then cost what one shared client and environment do.
    environment = (
        environment_for(environment, servers, aws) if environment is not None else RunEnvironment.shared(servers, aws)
    )
    hook = _journal_for(journal, execution, environment, on_event, clock)
    with (
        _telling_journal(hook),
        telemetry_wiring(
            telemetry, execution, journal=hook, on_event=on_event, client=client, clock=clock
        ) as (listener, journaled),
    ):
        return await drivers.run_async(
            execution,
            client=client,
            environment=environment,
            on_event=listener,
            sleep=sleep or asyncio.sleep,
            clock=clock,
            journal=journaled,
        )


def iter_run(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    *,
    options: RunOptions | None = None,
    servers: Mapping[str, str] | None = None,
    aws: AwsEnvironment | None = None,
    environment: RunEnvironment | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    rng: random.Random | None = None,
) -> Generator[Event, None, RunResult]:
    """Yield the run's events as they happen; the generator's return value is the RunResult.

    The keywords are :func:`run`'s, without ``on_event``, ``journal`` and ``telemetry`` (the caller
    gets every event itself; such a run is never journaled)."""
    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    environment = environment_for(environment, servers, aws)
    with environment.sync_client(client) as client:
        tools: drivers.SyncTools = {"environment": environment, "client": client, "sleep": sleep, "clock": clock}
        return (yield from drivers.drive(execution, **tools))


class RunnableDocument(Document):
    """A loaded document that runs its workflows: what :func:`arazzo_runner.load` returns.

    The methods are :func:`run`, :func:`run_async` and :func:`iter_run` of this module with the
    document as their first argument."""

    @classmethod
    def of(cls, document: Document) -> RunnableDocument:
        """``document`` itself, made runnable (not a copy: nested sources, snapshots and caches keep
        referring to one object)."""
        if not isinstance(document, cls):
            document.__class__ = cls
        assert isinstance(document, cls)
        return document

    run = run
    run_async = run_async
    iter_run = iter_run


def _runnable(read: Callable[P, Document]) -> Callable[P, RunnableDocument]:
    """``read`` (a loader function, with its own parameters) returning the document made runnable."""

    @functools.wraps(read)
    def load(*args: P.args, **kwargs: P.kwargs) -> RunnableDocument:
        return RunnableDocument.of(read(*args, **kwargs))

    return load


#: :func:`arazzo_runner.document.loader.load` (every problem raised as one ``DocumentError``), the
#: document made runnable: what ``arazzo_runner.load`` is.
load = _runnable(loader.load)
