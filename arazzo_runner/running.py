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
from typing import Any, ParamSpec, TypedDict, Unpack

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


class RunArguments(TypedDict, total=False):
    """The keyword arguments :func:`run`, :func:`run_async` and :func:`iter_run` all take: what the
    run is (``options``: :class:`~arazzo_runner.engine.options.RunOptions`; ``rng``: the
    randomness of retry jitter), where it sends (``servers``: {source name: URL}; ``aws``:
    credentials and regions; or a whole ``environment``, :class:`RunEnvironment`, shared by runs)
    and ``clock`` (default ``time.time``)."""

    options: RunOptions | None
    servers: Mapping[str, str] | None
    aws: AwsEnvironment | None
    environment: RunEnvironment | None
    clock: Callable[[], float]
    rng: random.Random | None


class Observers(TypedDict, total=False):
    """The keyword arguments of :func:`run` and :func:`run_async` that watch a run: ``on_event``
    (every :class:`~arazzo_runner.engine.events.Event`), ``journal`` and ``telemetry`` (see :func:`run`)."""

    on_event: Callable[[Event], None] | None
    journal: Any
    telemetry: Any


class IterRunArguments(RunArguments, total=False):
    """:func:`iter_run`'s keyword arguments: :class:`RunArguments`, and the run's blocking ``client``
    (the caller's, left open; default: one of the run's own) and ``sleep`` (default ``time.sleep``)."""

    client: httpx.Client | None
    sleep: Callable[[float], None]


class SyncRunArguments(IterRunArguments, Observers, total=False):
    """:func:`run`'s keyword arguments: :class:`IterRunArguments` and :class:`Observers`."""


class AsyncRunArguments(RunArguments, Observers, total=False):
    """:func:`run_async`'s keyword arguments: :class:`RunArguments`, :class:`Observers`, and the
    run's ``client`` (an ``httpx.AsyncClient``; default: the event loop's shared one) and ``sleep``
    (awaited; default ``asyncio.sleep``)."""

    client: httpx.AsyncClient | None
    sleep: Callable[[float], Awaitable[None]] | None


def _checked(function: str, arguments: Mapping[str, Any], accepted: Any) -> None:
    """Whether ``function`` takes all of ``arguments`` (``accepted``: its TypedDict): a keyword it
    does not take is a ``TypeError`` at the call, as it was when each was spelled in the signature
    (mypy checks callers against the TypedDict)."""
    unknown = sorted(set(arguments) - accepted.__optional_keys__)
    if unknown:
        raise TypeError(f"{function}() got an unexpected keyword argument {unknown[0]!r}")


def _execution(
    document: Document, workflow_id: str | None, inputs: Mapping[str, Any] | None, arguments: RunArguments
) -> Execution:
    return Execution(document, workflow_id, inputs, options=arguments.get("options"), rng=arguments.get("rng"))


def run(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    **arguments: Unpack[SyncRunArguments],
) -> RunResult:
    """Run a workflow to the end and return its result (never raises for a failed workflow).

    Keyword arguments: :class:`SyncRunArguments` (``options``, ``servers``, ``aws``,
    ``environment``, ``client``, ``on_event``, ``sleep``, ``clock``, ``rng``, ``journal``,
    ``telemetry``).

    ``journal``: a :class:`arazzo_runner.journal.Journal`, a path, or ``True`` (the default
    journal, ``ARAZZO_JOURNAL`` or ``$XDG_STATE_HOME/arazzo/runs.db``) to record every transition
    so that ``resume(result.run_id)`` can carry the run on after a crash; ``None`` (the library's
    default): not journaled.

    ``telemetry``: an :class:`arazzo_runner.telemetry.Telemetry` (the ``[otel]`` extra): the run
    becomes one OpenTelemetry trace with its metrics. ``None``: no telemetry, nothing imported.
    """
    _checked("run", arguments, SyncRunArguments)
    execution = _execution(document, workflow_id, inputs, arguments)
    environment = environment_for(arguments.get("environment"), arguments.get("servers"), arguments.get("aws"))
    on_event, clock = arguments.get("on_event"), arguments.get("clock", time.time)
    hook = _journal_for(arguments.get("journal"), execution, environment, on_event, clock)
    with (
        _telling_journal(hook),
        environment.sync_client(arguments.get("client")) as client,  # before the wiring: telemetry may hook it
        telemetry_wiring(
            arguments.get("telemetry"), execution, journal=hook, on_event=on_event, client=client, clock=clock
        ) as (listener, journaled),
    ):
        return drivers.run_sync(
            execution,
            client=client,
            environment=environment,
            on_event=listener,
            sleep=arguments.get("sleep", time.sleep),
            clock=clock,
            journal=journaled,
        )


async def run_async(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    **arguments: Unpack[AsyncRunArguments],
) -> RunResult:
    """:func:`run` on asyncio. Keyword arguments: :class:`AsyncRunArguments` (as :func:`run`'s, with
    an ``httpx.AsyncClient`` and an awaited ``sleep``)."""
    import asyncio

    _checked("run_async", arguments, AsyncRunArguments)
    execution = _execution(document, workflow_id, inputs, arguments)
    servers, aws, environment = arguments.get("servers"), arguments.get("aws"), arguments.get("environment")
    # Defaults are shared per event loop (environment, and through it the client): thousands of
    # concurrent runs with default arguments then cost what one shared client and environment do.
    environment = (
        environment_for(environment, servers, aws) if environment is not None else RunEnvironment.shared(servers, aws)
    )
    on_event, client, clock = arguments.get("on_event"), arguments.get("client"), arguments.get("clock", time.time)
    hook = _journal_for(arguments.get("journal"), execution, environment, on_event, clock)
    telemetry = arguments.get("telemetry")
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
            sleep=arguments.get("sleep") or asyncio.sleep,
            clock=clock,
            journal=journaled,
        )


def iter_run(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    **arguments: Unpack[IterRunArguments],
) -> Generator[Event, None, RunResult]:
    """Yield the run's events as they happen; the generator's return value is the RunResult.

    Keyword arguments: :class:`IterRunArguments` (``options``, ``servers``, ``aws``,
    ``environment``, ``client``, ``sleep``, ``clock``, ``rng``)."""
    _checked("iter_run", arguments, IterRunArguments)  # at the call, not at the first event
    return _events(document, workflow_id, inputs, arguments)


def _events(
    document: Document, workflow_id: str | None, inputs: Mapping[str, Any] | None, arguments: IterRunArguments
) -> Generator[Event, None, RunResult]:
    execution = _execution(document, workflow_id, inputs, arguments)
    environment = environment_for(arguments.get("environment"), arguments.get("servers"), arguments.get("aws"))
    sleep, clock = arguments.get("sleep", time.sleep), arguments.get("clock", time.time)
    with environment.sync_client(arguments.get("client")) as client:
        return (yield from drivers.drive(execution, client=client, environment=environment, sleep=sleep, clock=clock))


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
