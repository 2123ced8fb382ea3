"""Sync and asyncio drivers: fulfil what the core asks for, with httpx and a real (or fake) clock.

What a driver does is written once, as a plan (:func:`_run_plan`, :func:`_send_plan`): build the
request with :mod:`arazzo_runner.http`, send it with retries through one pooled client, sleep
when asked, send or receive an Arazzo 1.1 AsyncAPI step's message with
:mod:`arazzo_runner.messaging` (a receive waits no longer than the run's deadline), journal each
transition first, and hand events on. The sync driver (:func:`drive`, :func:`run_sync`) and the
asyncio one (:func:`run_async`, :func:`send_async`) only perform the plan's effects, each its own
way. Time and sleeping are injected so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypedDict

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
    """The journal rule for a received message (the plan's, so both drivers'): a message that a
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
    need: SendRequest,
    request: httpx.Request,
    payload: Any,
    endpoint: Any,
    sent: Any,
    elapsed: float,
    received_at: float,
    violations: tuple[Any, ...],
) -> Exchange:
    """The exchange for a request that was answered (after any transport retries), as plain data."""
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


# The run's order, written once ----------------------------------------------------------------
#
# The sync and asyncio drivers do the same things in the same order; they differ only in how
# each thing is done (a blocking call or an awaited one, a thread for CPU work, events yielded or
# handed to a listener). So the order is written once, as plain generators (`_run_plan`,
# `_send_plan`) that yield *effects*, the things to do, and are sent back what each gave; and
# each driver is a shell that performs effects (`_Blocking`, `_OnLoop`). The journal rule (a
# transition recorded before its need is fulfilled, a received message recorded before it is
# consumed) lives in the plan alone.


@dataclass(frozen=True, slots=True)
class Emit:
    """Hand these events on (the sync driver yields them; the asyncio one calls the listener)."""

    events: list[Event]


@dataclass(frozen=True, slots=True)
class Transition:
    """Journal the run's state before ``need`` is fulfilled; gives the need to fulfil."""

    need: Need
    events: list[Event]


@dataclass(frozen=True, slots=True)
class Delivered:
    """Journal a received message (fsynced) before it is consumed."""

    need: Receive
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class Pause:
    """Sleep ``seconds`` (already cut at the run's deadline)."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Work:
    """Blocking or CPU-bound work (botocore's messaging, openapi-core's validation): the sync driver
    calls it; the asyncio one runs it in a thread so the loop's other runs go on. Gives its value."""

    call: Callable[[], Any]


@dataclass(frozen=True, slots=True)
class Transmit:
    """Send a built request as a run does (:func:`transmit`); gives the ``SendResult``. ``deadline``
    is the run's, on the clock that read ``now``; ``timeout`` the step's."""

    request: httpx.Request
    endpoint: Any
    deadline: float | None
    now: float
    timeout: float | None


Effect = Emit | Transition | Delivered | Pause | Work | Transmit


class _StepTimedOut(Exception):
    """The step's timeout ran out around a send (only the asyncio driver bounds a send this way;
    the sync one sets it as the request's per-read timeout)."""


def _run_plan(
    execution: Execution,
    environment: RunEnvironment,
    journal: Journaling | None,
    clock: Callable[[], float],
    wall: Callable[[], float],
) -> Generator[Effect, Any, RunResult]:
    """Run ``execution`` to the end, as effects; returns the :class:`RunResult`."""
    while True:
        now = clock()  # the core's time for this need: the run's deadline is counted from it
        need = execution.next(now)
        events = execution.drain()
        if journal is not None:
            need = yield Transition(need, events)  # committed before the need is fulfilled
        yield Emit(events)
        if isinstance(need, Done):
            return need.result
        if isinstance(need, Sleep):
            yield Pause(_until_deadline(need.seconds, execution, clock()))
            continue
        if isinstance(need, SendMessage | Receive):  # Arazzo 1.1 AsyncAPI steps (botocore blocks)
            options = _message_options(journal, execution, need)
            serve = functools.partial(
                serve_message, need, environment.messaging, clock, execution.state.deadline, **options
            )
            delivery = yield Work(serve)
            receive = _to_record(journal, need, delivery)
            if journal is not None and receive is not None:  # recorded, then consumed
                yield Delivered(receive, delivery)
                delivery = yield Work(functools.partial(_consumed, receive, delivery, environment))
            execution.feed_message(delivery, clock())
        else:
            exchange = yield from _send_plan(
                execution.document,
                need,
                environment,
                validate=execution.options.validate,
                clock=clock,
                wall=wall,
                deadline=execution.state.deadline,
                now=now,
            )
            execution.feed(exchange, clock())
        events = execution.drain()
        if journal is not None:
            journal.observe(events)
        yield Emit(events)


def _send_plan(
    document: Any,
    need: SendRequest,
    environment: RunEnvironment,
    *,
    validate: str,
    clock: Callable[[], float],
    wall: Callable[[], float],
    deadline: float | None,
    now: float | None,
) -> Generator[Effect, Any, Exchange]:
    """Build, check, send one request the core asked for, as effects; its outcome as an :class:`Exchange`."""
    request, endpoint, payload, error = prepare_send(document, need, environment)
    started = clock()
    if request is None:  # it could not be built: error says why
        return Exchange(request=None, error=error)
    if validate == "strict":
        refused: Exchange | None = yield Work(
            functools.partial(_refused_by_strict_validation, document, need, request, payload, endpoint)
        )
        if refused is not None:
            return refused
    adapter.limit_to_step_timeout(request, need.timeout)
    try:
        sent = yield Transmit(request, endpoint, deadline, started if now is None else now, need.timeout)
    except (ArazzoError, httpx.HTTPError) as exc:
        return _failed(request, payload, exc, started, clock)
    except _StepTimedOut:  # httpx's own timeouts are httpx.HTTPError
        failure = TimeoutError(step_timeout.message(need.timeout or 0))
        return adapter.failed(request, payload, failure, started, clock)
    elapsed, received_at = clock() - started, wall()
    violations: tuple[Any, ...] = ()
    if validate != "off":
        violations = yield Work(
            functools.partial(_violations, document, need, request, sent.response, endpoint)
        )
    return _answered(document, need, request, payload, endpoint, sent, elapsed, received_at, violations)


def _resumed(plan: Generator[Effect, Any, Any], answer: Any, error: Exception | None) -> tuple[bool, Any]:
    """Resume ``plan`` with what its last effect gave (or raise the effect's error inside it, at the
    ``yield``): (True, its result) when it ended, else (False, its next effect)."""
    try:
        return False, (plan.send(answer) if error is None else plan.throw(error))
    except StopIteration as stop:
        return True, stop.value


# The sync driver -------------------------------------------------------------------------------


def transmit(
    client: httpx.Client,
    request: httpx.Request,
    endpoint: Any,
    environment: RunEnvironment,
    *,
    sleep: Callable[[float], None],
    deadline: float | None = None,
    now: float = 0.0,
) -> Any:
    """Send a built request as a run does: the network policy first, then the transport retries
    (``sleep`` between them) within the environment's response limits; the ``SendResult``."""
    if environment.network_policy is not None:
        environment.network_policy.check(request.url)
    return send_with_retries(
        client,
        request,
        policy=endpoint.retry_policy,
        auth=endpoint.auth,
        sleep=sleep,
        limits=environment.response_limits(deadline, now),
    )


class _Blocking:
    """The sync driver's way of doing each effect: a blocking call on this thread."""

    def __init__(
        self,
        execution: Execution,
        client: httpx.Client,
        environment: RunEnvironment,
        journal: Journaling | None,
        sleep: Callable[[float], None],
        clock: Callable[[], float],
    ) -> None:
        self.execution, self.client, self.environment, self.journal = execution, client, environment, journal
        self.sleep, self.clock = sleep, clock

    def backoff(self, seconds: float) -> None:
        """Transport retries wait no longer than the run may."""
        self.sleep(_until_deadline(seconds, self.execution, self.clock()))

    def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Transition):
            assert self.journal is not None
            return self.journal.transition(self.execution, effect.need, effect.events)
        if isinstance(effect, Delivered):
            assert self.journal is not None
            return self.journal.delivered(self.execution, effect.need, effect.delivery)
        if isinstance(effect, Pause):
            return self.sleep(effect.seconds)
        if isinstance(effect, Work):
            return effect.call()
        assert isinstance(effect, Transmit)
        return transmit(
            self.client, effect.request, effect.endpoint, self.environment,
            sleep=self.backoff, deadline=effect.deadline, now=effect.now,
        )  # fmt: skip

    def play(self, plan: Generator[Effect, Any, RunResult]) -> Generator[Event, None, RunResult]:
        """Do ``plan``'s effects in turn, yielding its events; returns its result."""
        ended, step = _resumed(plan, None, None)
        while not ended:
            answer, error = None, None
            if isinstance(step, Emit):
                yield from step.events
            else:
                try:
                    answer = self.perform(step)
                except Exception as exc:  # raised inside the plan, where the effect was asked for
                    error = exc
            ended, step = _resumed(plan, answer, error)
        result: RunResult = step
        return result


class SyncTools(TypedDict):
    """What a run on this thread is driven with, settled once by whoever starts it (``run``,
    ``iter_run``, ``resume``) and handed to :func:`drive` / :func:`run_sync` as keywords: its
    environment, the client (the caller's or the run's own), the sleeper and the clock. A resume's
    look-up of a request in doubt sends with the same."""

    environment: RunEnvironment
    client: httpx.Client
    sleep: Callable[[float], None]
    clock: Callable[[], float]


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
    shell = _Blocking(execution, client, environment, journal, sleep, clock)
    return (yield from shell.play(_run_plan(execution, environment, journal, clock, wall)))


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
    """Run ``execution`` to the end on this thread (:func:`drive`), events to ``on_event``."""
    execution.listening = on_event is not None
    environment = environment or RunEnvironment()
    with environment.sync_client(client) as client:
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


# The asyncio driver ----------------------------------------------------------------------------


class _OnLoop:
    """The asyncio driver's way of doing each effect: awaited, CPU and blocking work in a thread."""

    def __init__(
        self,
        execution: Execution | None,
        client: httpx.AsyncClient,
        environment: RunEnvironment,
        journal: Journaling | None,
        sleep: Callable[[float], Awaitable[None]],
        backoff: Callable[[float], Awaitable[None]],
        on_event: EventListener | None,
    ) -> None:
        self.execution, self.client, self.environment, self.journal = execution, client, environment, journal
        self.sleep, self.backoff, self.on_event = sleep, backoff, on_event

    async def perform(self, effect: Effect) -> Any:
        if isinstance(effect, Transition):
            assert self.journal is not None and self.execution is not None
            # committed before the need is fulfilled; the runs on this loop share the transaction
            return await self.journal.transition_async(self.execution, effect.need, effect.events)
        if isinstance(effect, Delivered):
            assert self.journal is not None and self.execution is not None
            return await self.journal.delivered_async(self.execution, effect.need, effect.delivery)
        if isinstance(effect, Pause):
            return await self.sleep(effect.seconds)
        if isinstance(effect, Work):
            return await asyncio.to_thread(effect.call)
        assert isinstance(effect, Transmit)
        return await self.transmit(effect)

    async def transmit(self, effect: Transmit) -> Any:
        """:func:`transmit` on the loop: each send holds a slot of the environment's in-flight
        gate; the step's timeout bounds the whole (retries included)."""
        environment = self.environment
        try:
            if environment.network_policy is not None:
                await environment.network_policy.check_async(effect.request.url)
            return await asyncio.wait_for(
                send_with_retries_async(
                    self.client,
                    effect.request,
                    policy=effect.endpoint.retry_policy,
                    auth=effect.endpoint.auth,
                    sleep=self.backoff,
                    gate=environment.in_flight(),
                    limits=environment.response_limits(effect.deadline, effect.now),
                ),
                effect.timeout,
            )
        except TimeoutError:  # only wait_for's: httpx timeouts are httpx.HTTPError
            raise _StepTimedOut from None

    def emit(self, events: list[Event]) -> None:
        if self.on_event is not None:
            for event in events:
                self.on_event(event)

    async def play(self, plan: Generator[Effect, Any, Any]) -> Any:
        """Do ``plan``'s effects in turn, its events to the listener; returns its result."""
        ended, step = _resumed(plan, None, None)
        while not ended:
            answer, error = None, None
            if isinstance(step, Emit):
                self.emit(step.events)
            else:
                try:
                    answer = await self.perform(step)
                except Exception as exc:  # raised inside the plan, where the effect was asked for
                    error = exc
            ended, step = _resumed(plan, answer, error)
        return step


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
    shell = _OnLoop(None, client, environment, None, sleep, sleep, None)
    plan = _send_plan(
        document, need, environment, validate=validate, clock=clock, wall=wall, deadline=deadline, now=now
    )
    exchange: Exchange = await shell.play(plan)
    return exchange


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
    """The asyncio twin of :func:`run_sync`: the same plan, its effects awaited (``httpx.AsyncClient``)."""
    execution.listening = on_event is not None
    # No client given: the environment's client for this event loop (lean transport by default),
    # shared by every such run; never closed here: it belongs to the environment and the loop.
    environment = environment or RunEnvironment.shared()
    client = client or environment.shared_async_client()

    async def backoff(seconds: float) -> None:  # transport retries wait no longer than the run may
        await sleep(_until_deadline(seconds, execution, clock()))

    shell = _OnLoop(execution, client, environment, journal, sleep, backoff, on_event)
    result: RunResult = await shell.play(_run_plan(execution, environment, journal, clock, wall))
    return result
