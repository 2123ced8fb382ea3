"""The library entry points behind ``Document.run``, ``run_async`` and ``iter_run``.

``clock`` is the wall clock in seconds since the epoch (UTC): the core's deadlines and sleeps are
absolute times in it, so a snapshot taken in one process means the same in another.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from ..document.resolved import Document
from ..engine.core import Execution
from ..engine.events import Event
from ..engine.options import RunOptions
from ..engine.result import RunResult
from ..errors import UsageError
from ..http import AwsEnvironment
from ..http.retry_loop import bounded_client
from . import loops as drivers
from .environment import RunEnvironment


def install() -> None:
    """Give :class:`Document` its ``run``, ``run_async`` and ``iter_run`` (the functions below).

    Documents know nothing of execution; this layer sees both, so the convenience lives here.
    Called when ``arazzo_runner.drivers`` is imported and when the public API hands out
    ``load``/``validate``/``Document``.
    """
    # The stubs Document declares for type checkers take **options; these spell the options out.
    Document.run = run  # type: ignore[method-assign,assignment]
    Document.run_async = run_async  # type: ignore[method-assign,assignment]
    Document.iter_run = iter_run  # type: ignore[method-assign,assignment]


def _environment(
    environment: RunEnvironment | None, servers: Mapping[str, str] | None, aws: AwsEnvironment | None
) -> RunEnvironment:
    if environment is not None:
        given = [name for name, value in (("servers", servers), ("aws", aws)) if value is not None]
        if given:
            raise UsageError(
                f"{' and '.join(given)}= cannot be combined with environment=: the environment already"
                f" holds them (pass RunEnvironment({', '.join(n + '=...' for n in given)}) instead)"
            )
        return environment
    return RunEnvironment(servers=servers, aws=aws)


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
    from ..journal import RunJournal, RunJournaled, open_journal
    from ..journal.store import Journal

    store = open_journal(None if journal is True else journal)
    from ..run_settings import settings_of

    # The run's settings (servers, network policy, limits...) travel with it: resume rebuilds them.
    settings = settings_of(environment, execution.options.validate)
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


def _wired(telemetry: Any, execution: Execution, hook: Any, on_event: Any, client: Any, clock: Any) -> Any:
    """The run's telemetry wiring (:class:`arazzo_runner.telemetry.setup.RunWiring`)."""
    from ..telemetry.setup import RunWiring

    return RunWiring(telemetry, execution, journal=hook, on_event=on_event, client=client, clock=clock)


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

    ``journal``: a :class:`arazzo_runner.journal.Journal`, a path, or ``True`` (the default
    journal, ``ARAZZO_JOURNAL`` or ``$XDG_STATE_HOME/arazzo/runs.db``) to record every transition
    so that ``resume(result.run_id)`` can carry the run on after a crash; ``None`` (the library's
    default): not journaled.

    ``telemetry``: an :class:`arazzo_runner.telemetry.Telemetry` (the ``[otel]`` extra): the run
    becomes one OpenTelemetry trace with its metrics. ``None``: no telemetry, nothing imported.
    """
    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    environment = _environment(environment, servers, aws)
    hook = _journal_for(journal, execution, environment, on_event, clock)
    if telemetry is not None:  # only then is arazzo_runner.telemetry (and opentelemetry) imported
        own = client is None and telemetry.propagate
        client = bounded_client(**environment.client_options()) if own else client
        try:
            with _telling_journal(hook), _wired(telemetry, execution, hook, on_event, client, clock) as wiring:
                return drivers.run_sync(
                    execution,
                    client=wiring.client,
                    environment=environment,
                    on_event=wiring.on_event,
                    sleep=sleep,
                    clock=clock,
                    journal=wiring.journal,
                )
        finally:
            if own and client is not None:
                client.close()
    with _telling_journal(hook):
        return drivers.run_sync(
            execution,
            client=client,
            environment=environment,
            on_event=on_event,
            sleep=sleep,
            clock=clock,
            journal=hook,
        )


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
    import asyncio

    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    # Defaults are shared per event loop (environment, and through it the client): thousands of
    # concurrent runs with default arguments then cost what one shared client and environment do.
    environment = (
        _environment(environment, servers, aws) if environment is not None else RunEnvironment.shared(servers, aws)
    )
    hook = _journal_for(journal, execution, environment, on_event, clock)
    if telemetry is not None:
        with _telling_journal(hook), _wired(telemetry, execution, hook, on_event, client, clock) as wiring:
            return await drivers.run_async(
                execution,
                client=client,
                environment=environment,
                on_event=wiring.on_event,
                sleep=sleep or asyncio.sleep,
                clock=clock,
                journal=wiring.journal,
            )
    with _telling_journal(hook):
        return await drivers.run_async(
            execution,
            client=client,
            environment=environment,
            on_event=on_event,
            sleep=sleep or asyncio.sleep,
            clock=clock,
            journal=hook,
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
    """Yield the run's events as they happen; the generator's return value is the RunResult."""
    execution = Execution(document, workflow_id, inputs, options=options, rng=rng)
    environment = _environment(environment, servers, aws)
    own = client is None
    client = client or bounded_client(**environment.client_options())
    try:
        return (
            yield from drivers.drive(
                execution,
                client=client,
                environment=environment,
                sleep=sleep,
                clock=clock,
            )
        )
    finally:
        if own:
            client.close()


install()
