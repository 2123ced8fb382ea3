"""Sync and asyncio drivers: fulfil what the core asks for, with httpx and a real (or fake) clock.

Both are thin: build the request with :mod:`arazzo_runner.http`, send it with retries through
one pooled client, sleep when asked, and hand events to the listener. Time and sleeping are
injected so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any, Protocol

import httpx

from ..engine.core import Execution
from ..engine.events import Event
from ..engine.needs import Done, Exchange, Need, SendRequest, Sleep
from ..engine.result import RunResult
from ..errors import ArazzoError
from ..http import send_with_retries, send_with_retries_async
from . import adapter
from .environment import RunEnvironment

EventListener = Callable[[Event], None]


class Journaling(Protocol):
    """What the drivers call at each transition (``arazzo_runner.journal.RunJournal``)."""

    def transition(self, execution: Execution, need: Need, events: list[Event]) -> Need:
        """Record the run's state before ``need`` is fulfilled; returns ``need`` (a finished run's id added)."""
        ...

    def observe(self, events: list[Event]) -> None:
        """Events between transitions (an answer's outcome); recorded with the next transition."""
        ...

#: The exceptions building a request can raise for what a document, its inputs or the options get
#: wrong (a bad --server URL, a bad replacement): the step fails with the message.
_BUILD_ERRORS = (ArazzoError, ValueError, httpx.InvalidURL)


def _prepare(
    document: Any, need: SendRequest, environment: RunEnvironment
) -> tuple[httpx.Request | None, Any, Any, str | None]:
    """(request, endpoint, payload as sent, error) for a send; building problems become a failed exchange."""
    try:
        request, endpoint, _, _, payload = adapter.http_request(document, need, environment)
    except _BUILD_ERRORS as exc:
        return None, None, None, str(exc)
    return request, endpoint, payload, None


#: Answers meaning "that already exists": after a retried request, usually our own first attempt.
CONFLICT_CODES = frozenset(
    {
        "ResourceInUse",
        "ResourceInUseException",
        "ResourceAlreadyExistsException",
        "AlreadyExistsException",
        "EntityAlreadyExists",
        "ConflictException",
    }
)
#: Retry reasons for attempts that never reached the server.
_NOT_SENT = frozenset({"ConnectError", "ConnectTimeout", "PoolTimeout"})


def _retry_note(sent: Any) -> str | None:
    """Explain a conflict met by a transport retry of a request that may already have worked.

    A create that answered 500 (or timed out) may have been done all the same; its retry then
    meets ``ResourceInUse`` for the very resource this run created. Say so, so nobody goes
    looking for a second job.
    """
    error = sent.response.error
    if error is None or error.code not in CONFLICT_CODES:
        return None
    reached = [r for r in sent.retries if r.reason not in _NOT_SENT]
    if not reached:
        return None
    first = reached[0]
    return (
        f"{error.code} came from a transport retry: attempt {first.attempt} failed with {first.reason} after"
        " reaching the server, which had most likely done the work already; the existing resource is the one"
        " this run created, not a second one"
    )


def _violations(
    document: Any, need: SendRequest, request: httpx.Request, response: Any, endpoint: Any
) -> tuple[str, ...]:
    """OpenAPI violations of what was sent and received, as located one-line messages."""
    from ..http.validation import validate_exchange

    source, operation = adapter.operation_of(document, need)
    answer = None
    if response is not None:
        answer = httpx.Response(
            response.status_code, headers=response.headers, content=response.content, request=request
        )
    found = validate_exchange(source, operation, request, answer, base_url=endpoint.base_url)
    return tuple(str(v) for v in found)


def _answered(
    execution: Execution,
    need: SendRequest,
    request: httpx.Request,
    payload: Any,
    endpoint: Any,
    sent: Any,
    elapsed: float,
    received_at: float,
) -> Exchange:
    """The exchange for a request that was answered (after any transport retries), as plain data."""
    validate = execution.options.validate
    return Exchange(
        request=adapter.sent(request, payload),
        response=adapter.response(sent.response),
        retries=adapter.retries(sent.retries),
        duration_ms=elapsed * 1000,
        received_at=received_at,
        note=_retry_note(sent) or endpoint.auth_problem,
        violations=_violations(execution.document, need, request, sent.response, endpoint)
        if validate != "off"
        else (),
    )


def drive(
    execution: Execution,
    *,
    client: httpx.Client,
    environment: RunEnvironment,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    wall: Callable[[], float] = time.time,
    journal: Journaling | None = None,
) -> Generator[Event, None, RunResult]:
    """Run ``execution`` to the end, yielding its events; returns the :class:`RunResult`.

    ``journal`` (``arazzo_runner.journal``) records every transition before the request it
    precedes is sent.
    """
    while True:
        need = execution.next(clock())
        events = execution.drain()
        if journal is not None:
            need = journal.transition(execution, need, events)
        yield from events
        if isinstance(need, Done):
            return need.result
        if isinstance(need, Sleep):
            sleep(need.seconds)
            continue
        request, endpoint, payload, error = _prepare(execution.document, need, environment)
        started = clock()
        if error is not None:
            exchange = Exchange(request=None, error=error)
        else:
            try:
                sent = send_with_retries(
                    client, request, policy=endpoint.retry_policy, auth=endpoint.auth, sleep=sleep
                )
            except (ArazzoError, httpx.HTTPError) as exc:
                exchange = adapter.failed(request, payload, exc, started, clock)
            else:
                exchange = _answered(
                    execution, need, request, payload, endpoint, sent, clock() - started, wall()
                )
        execution.feed(exchange, clock())
        events = execution.drain()
        if journal is not None:
            journal.observe(events)
        yield from events


def run_sync(
    execution: Execution,
    *,
    client: httpx.Client | None = None,
    environment: RunEnvironment | None = None,
    on_event: EventListener | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    journal: Journaling | None = None,
) -> RunResult:
    execution.listening = on_event is not None
    own = client is None
    environment = environment or RunEnvironment()
    client = client or httpx.Client(timeout=environment.http_timeout())
    try:
        generator = drive(
            execution, client=client, environment=environment, sleep=sleep, clock=clock, journal=journal
        )
        while True:
            try:
                event = next(generator)
            except StopIteration as stop:
                return stop.value
            if on_event is not None:
                on_event(event)
    finally:
        if own:
            client.close()


async def run_async(
    execution: Execution,
    *,
    client: httpx.AsyncClient | None = None,
    environment: RunEnvironment | None = None,
    on_event: EventListener | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.time,
    wall: Callable[[], float] = time.time,
    journal: Journaling | None = None,
) -> RunResult:
    """The asyncio twin of :func:`run_sync` (same core, ``httpx.AsyncClient``)."""
    execution.listening = on_event is not None
    environment = environment or RunEnvironment()
    own = client is None
    client = client or httpx.AsyncClient(timeout=environment.http_timeout())

    def deliver(need: Any = None) -> Any:
        events = execution.drain()
        if journal is not None:
            if need is None:
                journal.observe(events)
            else:
                need = journal.transition(execution, need, events)
        if on_event is not None:
            for event in events:
                on_event(event)
        return need

    try:
        while True:
            need = deliver(execution.next(clock()))
            if isinstance(need, Done):
                return need.result
            if isinstance(need, Sleep):
                await sleep(need.seconds)
                continue
            request, endpoint, payload, error = _prepare(execution.document, need, environment)
            started = clock()
            if error is not None:
                exchange = Exchange(request=None, error=error)
            else:
                try:
                    sent = await send_with_retries_async(
                        client,
                        request,
                        policy=endpoint.retry_policy,
                        auth=endpoint.auth,
                        sleep=sleep,
                        gate=environment.in_flight(),
                    )
                except (ArazzoError, httpx.HTTPError) as exc:
                    exchange = adapter.failed(request, payload, exc, started, clock)
                else:
                    exchange = _answered(
                        execution, need, request, payload, endpoint, sent, clock() - started, wall()
                    )
            execution.feed(exchange, clock())
            deliver()
    finally:
        if own:
            await client.aclose()
