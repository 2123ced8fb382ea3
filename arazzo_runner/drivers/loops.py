"""Sync and asyncio drivers: fulfil what the core asks for, with httpx and a real (or fake) clock.

Both are thin: build the request with :mod:`arazzo_runner.http`, send it with retries through
one pooled client, sleep when asked, send or receive an Arazzo 1.1 AsyncAPI step's message with
:mod:`arazzo_runner.messaging` (a receive waits no longer than the run's deadline), and hand
events to the listener. Time and sleeping are
injected so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import replace
from typing import Any, Protocol

import httpx

from ..engine import step_timeout
from ..engine.core import Execution
from ..engine.events import Event
from ..engine.lookups import operation_of
from ..engine.needs import Delivery, Done, Exchange, Need, Receive, SendMessage, SendRequest, Sleep
from ..engine.result import RunResult
from ..errors import ArazzoError
from ..http import send_with_retries, send_with_retries_async
from ..http.network_policy import NetworkPolicyError
from ..http.retry_loop import bounded_client
from ..messaging.steps import acknowledge
from ..messaging.steps import serve as serve_message
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

    def deduplication_id(self, execution: Execution, need: SendMessage) -> str:
        """A message send's deduplication id, the same when a resumed run sends it again."""
        ...

    def delivered(self, execution: Execution, need: Receive, delivery: Delivery) -> None:
        """Record a received message (durably) before the driver consumes it."""
        ...

    async def transition_async(self, execution: Execution, need: Need, events: list[Event]) -> Need:
        """:meth:`transition` on an event loop: committed (with the loop's other runs' writes of
        this tick, one transaction) when it returns."""
        ...

    async def delivered_async(self, execution: Execution, need: Receive, delivery: Delivery) -> None:
        """:meth:`delivered` on an event loop (group commit, fsynced), done when it returns."""
        ...


def _message_options(
    journal: Journaling | None, execution: Execution, need: SendMessage | Receive
) -> dict[str, Any]:
    """How to serve a message need: a journaled run sends with a stable deduplication id and
    receives without consuming (it records the message first: :mod:`arazzo_runner.journal.messages`)."""
    if journal is None:
        return {}
    if isinstance(need, SendMessage):
        return {"deduplication_id": journal.deduplication_id(execution, need)}
    return {"ack": False}


def _to_record(journal: Journaling | None, need: SendMessage | Receive, delivery: Delivery) -> Receive | None:
    """The journal rule for a received message, one spelling for both loops: a message that a
    journaled run received and has not consumed is recorded (fsynced) first, then consumed; the
    receive to record it under, or None when there is nothing to record."""
    if journal is None or not isinstance(need, Receive) or delivery.ack is None:
        return None
    return need


def _consumed(need: Any, delivery: Delivery, environment: RunEnvironment) -> Delivery:
    """Ack a recorded message; a failure becomes the step's warning (the message is not lost)."""
    return replace(delivery, ack=None, note=acknowledge(need, delivery, environment.messaging))


#: The exceptions building a request can raise for what a document, its inputs or the options get
#: wrong (a bad --server URL, a bad replacement): the step fails with the message.
_BUILD_ERRORS = (ArazzoError, ValueError, httpx.InvalidURL)


def prepare_send(
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
) -> tuple[Any, ...]:
    """OpenAPI violations of what was sent and received (``Violation``: str() is a located line)."""
    from ..http.validation import validate_exchange

    source, operation = operation_of(document, need)
    answer = None
    if response is not None:
        answer = httpx.Response(
            response.status_code, headers=response.headers, content=response.content, request=request
        )
    found = validate_exchange(source, operation, request, answer, base_url=endpoint.base_url)
    return tuple(found)


def _refused_by_strict_validation(
    document: Any, need: SendRequest, request: httpx.Request, payload: Any, endpoint: Any
) -> Exchange | None:
    """Under ``--validate=strict`` a request that violates its OpenAPI description is never sent: the
    step fails with the violations (a 71-character job name used to be reported, then created)."""
    from ..http.validation import validate_request

    source, operation = operation_of(document, need)
    found = tuple(validate_request(source, operation, request, base_url=endpoint.base_url))
    if not found:
        return None
    return Exchange(
        request=adapter.sent(request, payload),
        error=f"not sent: the request does not match the OpenAPI description (--validate=strict): {found[0]}",
        violations=found,
        unsent=True,
    )


def _failed(request: httpx.Request, payload: Any, exc: BaseException, started: float, clock: Any) -> Exchange:
    """A failed exchange; one the network policy refused before sending is not counted as sent."""
    exchange = adapter.failed(request, payload, exc, started, clock)
    return replace(exchange, unsent=True) if isinstance(exc, NetworkPolicyError) else exchange


def _answered(
    document: Any,
    validate: str,
    need: SendRequest,
    request: httpx.Request,
    payload: Any,
    endpoint: Any,
    sent: Any,
    elapsed: float,
    received_at: float,
    violations: tuple[Any, ...] | None = None,
) -> Exchange:
    """The exchange for a request that was answered (after any transport retries), as plain data.

    ``violations`` already found (the async driver validates in a thread) are used as given.
    """
    if violations is None:
        violations = (
            _violations(document, need, request, sent.response, endpoint) if validate != "off" else ()
        )
    return Exchange(
        request=adapter.sent(request, payload),
        response=adapter.response(sent.response, adapter.aws_view(document, need, endpoint, sent.response)),
        retries=adapter.retries(sent.retries),
        duration_ms=elapsed * 1000,
        received_at=received_at,
        note=_retry_note(sent) or endpoint.auth_problem,
        violations=violations,
    )


def _until_deadline(seconds: float, execution: Execution, now: float) -> float:
    """Seconds to wait: the wait asked for, cut at the run's deadline (``RunOptions.run_timeout``).

    The driver owns the sleeping (poll and retry waits, transport-retry backoff), so it bounds
    it; when the core is next asked it sees the deadline has passed and ends the run naming the
    wait that was cut.
    """
    deadline = execution.state.deadline
    if deadline is None:
        return seconds
    return max(0.0, min(seconds, deadline - now))


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

    def backoff(seconds: float) -> None:  # transport retries wait no longer than the run may
        sleep(_until_deadline(seconds, execution, clock()))

    while True:
        now = clock()  # the core's time for this need: the run's deadline is counted from it
        need = execution.next(now)
        events = execution.drain()
        if journal is not None:
            need = journal.transition(execution, need, events)
        yield from events
        if isinstance(need, Done):
            return need.result
        if isinstance(need, Sleep):
            sleep(_until_deadline(need.seconds, execution, clock()))
            continue
        if isinstance(need, SendMessage | Receive):  # Arazzo 1.1 AsyncAPI steps
            options = _message_options(journal, execution, need)
            delivery = serve_message(need, environment.messaging, clock, execution.state.deadline, **options)
            receive = _to_record(journal, need, delivery)
            if journal is not None and receive is not None:  # recorded, then consumed
                journal.delivered(execution, receive, delivery)
                delivery = _consumed(receive, delivery, environment)
            execution.feed_message(delivery, clock())
            events = execution.drain()
            if journal is not None:
                journal.observe(events)
            yield from events
            continue
        request, endpoint, payload, error = prepare_send(execution.document, need, environment)
        started = clock()
        refused = None
        if request is not None and execution.options.validate == "strict":
            refused = _refused_by_strict_validation(execution.document, need, request, payload, endpoint)
        if request is None:  # it could not be built: error says why
            exchange = Exchange(request=None, error=error)
        elif refused is not None:
            exchange = refused
        else:
            adapter.limit_to_step_timeout(request, need.timeout)
            try:
                if environment.network_policy is not None:
                    environment.network_policy.check(request.url)
                sent = send_with_retries(
                    client,
                    request,
                    policy=endpoint.retry_policy,
                    auth=endpoint.auth,
                    sleep=backoff,
                    limits=environment.response_limits(execution.state.deadline, now),
                )
            except (ArazzoError, httpx.HTTPError) as exc:
                exchange = _failed(request, payload, exc, started, clock)
            else:
                exchange = _answered(
                    execution.document,
                    execution.options.validate,
                    need,
                    request,
                    payload,
                    endpoint,
                    sent,
                    clock() - started,
                    wall(),
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
    client = client or bounded_client(**environment.client_options())
    try:
        generator = drive(
            execution, client=client, environment=environment, sleep=sleep, clock=clock, journal=journal
        )
        while True:
            try:
                event = next(generator)
            except StopIteration as stop:
                result: RunResult = stop.value
                return result
            if on_event is not None:
                on_event(event)
    finally:
        if own:
            client.close()


async def send_async(
    document: Any,
    need: SendRequest,
    *,
    client: httpx.AsyncClient,
    environment: RunEnvironment,
    validate: str = "off",
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.time,
    wall: Callable[[], float] = time.time,
    deadline: float | None = None,
    now: float | None = None,
) -> Exchange:
    """Build, sign and send one request the core asked for; its outcome as a plain :class:`Exchange`.

    The asyncio driver and the Temporal activity both send through here: the network policy, the
    response limits (size, whole-exchange time, the run's ``deadline`` on the clock that read
    ``now``), the step timeout, and OpenAPI validation off the event loop apply to both.
    """
    request, endpoint, payload, error = prepare_send(document, need, environment)
    started = clock()
    if request is None:  # it could not be built: error says why
        return Exchange(request=None, error=error)
    if validate == "strict":
        refused = await asyncio.to_thread(_refused_by_strict_validation, document, need, request, payload, endpoint)
        if refused is not None:
            return refused
    adapter.limit_to_step_timeout(request, need.timeout)
    try:
        if environment.network_policy is not None:
            await environment.network_policy.check_async(request.url)
        sent = await asyncio.wait_for(
            send_with_retries_async(
                client,
                request,
                policy=endpoint.retry_policy,
                auth=endpoint.auth,
                sleep=sleep,
                gate=environment.in_flight(),
                limits=environment.response_limits(deadline, started if now is None else now),
            ),
            need.timeout,
        )
    except (ArazzoError, httpx.HTTPError) as exc:
        return _failed(request, payload, exc, started, clock)
    except TimeoutError:  # only wait_for's (the step timeout): httpx timeouts are httpx.HTTPError
        failure = TimeoutError(step_timeout.message(need.timeout or 0))
        return adapter.failed(request, payload, failure, started, clock)
    elapsed, received_at = clock() - started, wall()
    violations: tuple[Any, ...] = ()
    if validate != "off":
        # openapi-core is CPU work (a big body takes a while): off the event loop, so the other runs
        # on it keep going.
        violations = await asyncio.to_thread(_violations, document, need, request, sent.response, endpoint)
    return _answered(
        document, validate, need, request, payload, endpoint, sent, elapsed, received_at, violations
    )


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
    # No client given: the environment's client for this event loop (lean transport by default),
    # shared by every such run; never closed here: it belongs to the environment and the loop.
    environment = environment or RunEnvironment.shared()
    client = client or environment.shared_async_client()

    async def backoff(seconds: float) -> None:  # transport retries wait no longer than the run may
        await sleep(_until_deadline(seconds, execution, clock()))

    def deliver() -> None:
        events = execution.drain()
        if journal is not None:
            journal.observe(events)
        if on_event is not None:
            for event in events:
                on_event(event)

    while True:
        now = clock()  # the core's time for this need: the run's deadline is counted from it
        need = execution.next(now)
        events = execution.drain()
        if journal is not None:
            # committed before the need is fulfilled; the runs on this loop share the transaction
            need = await journal.transition_async(execution, need, events)
        if on_event is not None:
            for event in events:
                on_event(event)
        if isinstance(need, Done):
            return need.result
        if isinstance(need, Sleep):
            await sleep(_until_deadline(need.seconds, execution, clock()))
            continue
        if isinstance(need, SendMessage | Receive):  # Arazzo 1.1 AsyncAPI (botocore is blocking)
            options = _message_options(journal, execution, need)
            delivery = await asyncio.to_thread(
                functools.partial(serve_message, **options),
                need,
                environment.messaging,
                clock,
                execution.state.deadline,
            )
            receive = _to_record(journal, need, delivery)
            if journal is not None and receive is not None:  # recorded (on the loop's thread), then consumed
                await journal.delivered_async(execution, receive, delivery)
                delivery = await asyncio.to_thread(_consumed, receive, delivery, environment)
            execution.feed_message(delivery, clock())
            deliver()
            continue
        exchange = await send_async(
            execution.document,
            need,
            client=client,
            environment=environment,
            validate=execution.options.validate,
            sleep=backoff,
            clock=clock,
            wall=wall,
            deadline=execution.state.deadline,
            now=now,
        )
        execution.feed(exchange, clock())
        deliver()
