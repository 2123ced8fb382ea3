"""Sync and asyncio drivers: fulfil what the core asks for, with httpx and a real (or fake) clock.

Both are thin: build the request with :mod:`arazzo_runner.http`, send it with retries through
one pooled client, sleep when asked, and hand events to the listener. Time and sleeping are
injected so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Generator
from typing import Any

import httpx

from ..engine.core import Execution
from ..engine.events import Event
from ..engine.needs import Done, Exchange, SendRequest, Sleep
from ..engine.result import RunResult
from ..errors import ArazzoError
from ..http import send_with_retries, send_with_retries_async
from . import adapter
from .environment import RunEnvironment

EventListener = Callable[[Event], None]

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
    document: Any,
    validate: str,
    need: SendRequest,
    request: httpx.Request,
    payload: Any,
    endpoint: Any,
    sent: Any,
    elapsed: float,
    received_at: float,
) -> Exchange:
    """The exchange for a request that was answered (after any transport retries), as plain data."""
    return Exchange(
        request=adapter.sent(request, payload),
        response=adapter.response(sent.response),
        retries=adapter.retries(sent.retries),
        duration_ms=elapsed * 1000,
        received_at=received_at,
        note=_retry_note(sent) or endpoint.auth_problem,
        violations=_violations(document, need, request, sent.response, endpoint) if validate != "off" else (),
    )


def drive(
    execution: Execution,
    *,
    client: httpx.Client,
    environment: RunEnvironment,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    wall: Callable[[], float] = time.time,
) -> Generator[Event, None, RunResult]:
    """Run ``execution`` to the end, yielding its events; returns the :class:`RunResult`."""
    while True:
        need = execution.next(clock())
        yield from execution.drain()
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
        yield from execution.drain()


def run_sync(
    execution: Execution,
    *,
    client: httpx.Client | None = None,
    environment: RunEnvironment | None = None,
    on_event: EventListener | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
) -> RunResult:
    execution.listening = on_event is not None
    own = client is None
    environment = environment or RunEnvironment()
    client = client or httpx.Client(timeout=environment.http_timeout())
    try:
        generator = drive(execution, client=client, environment=environment, sleep=sleep, clock=clock)
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
) -> Exchange:
    """Build, sign and send one request the core asked for; its outcome as a plain :class:`Exchange`.

    The asyncio driver and the Temporal activity both send through here.
    """
    request, endpoint, payload, error = _prepare(document, need, environment)
    started = clock()
    if error is not None:
        return Exchange(request=None, error=error)
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
        return adapter.failed(request, payload, exc, started, clock)
    return _answered(document, validate, need, request, payload, endpoint, sent, clock() - started, wall())


async def run_async(
    execution: Execution,
    *,
    client: httpx.AsyncClient | None = None,
    environment: RunEnvironment | None = None,
    on_event: EventListener | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.time,
    wall: Callable[[], float] = time.time,
) -> RunResult:
    """The asyncio twin of :func:`run_sync` (same core, ``httpx.AsyncClient``)."""
    execution.listening = on_event is not None
    environment = environment or RunEnvironment()
    own = client is None
    client = client or httpx.AsyncClient(timeout=environment.http_timeout())

    def deliver() -> None:
        events = execution.drain()
        if on_event is not None:
            for event in events:
                on_event(event)

    try:
        while True:
            need = execution.next(clock())
            deliver()
            if isinstance(need, Done):
                return need.result
            if isinstance(need, Sleep):
                await sleep(need.seconds)
                continue
            exchange = await send_async(
                execution.document,
                need,
                client=client,
                environment=environment,
                validate=execution.options.validate,
                sleep=sleep,
                clock=clock,
                wall=wall,
            )
            execution.feed(exchange, clock())
            deliver()
    finally:
        if own:
            await client.aclose()
