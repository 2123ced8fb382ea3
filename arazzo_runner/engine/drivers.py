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

from ..errors import ArazzoError
from ..http import build_request, send_with_retries, send_with_retries_async
from ..http.clients import new_async_client
from ..messaging.steps import serve as serve_message
from . import step_timeout
from .core import Execution
from .environment import RunEnvironment
from .events import Event
from .needs import Done, Exchange, Receive, SendMessage, SendRequest, Sleep
from .result import RunResult

EventListener = Callable[[Event], None]


def _prepare(need: SendRequest, environment: RunEnvironment) -> tuple[httpx.Request | None, Any, str | None]:
    """(request, endpoint, error) for a send; building problems become a failed exchange."""
    try:
        endpoint = environment.endpoint(need.source, need.operation, need.x_security)
        request = build_request(
            need.source, need.operation, need.parameters, need.body, base_url=endpoint.base_url
        )
    except (ArazzoError, ValueError, httpx.InvalidURL) as exc:  # e.g. a bad --server URL
        return None, None, str(exc)
    return request, endpoint, None


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


def _violations(need: SendRequest, request: httpx.Request, response: Any, endpoint: Any) -> tuple[str, ...]:
    """OpenAPI violations of what was sent and received, as located one-line messages."""
    from ..http.validation import validate_exchange

    answer = None
    if response is not None:
        answer = httpx.Response(
            response.status_code, headers=response.headers, content=response.content, request=request
        )
    found = validate_exchange(need.source, need.operation, request, answer, base_url=endpoint.base_url)
    return tuple(str(v) for v in found)


def _answered(
    need: SendRequest,
    request: httpx.Request,
    endpoint: Any,
    sent: Any,
    elapsed: float,
    received_at: float,
    validate: str,
) -> Exchange:
    """The exchange for a request that was answered (after any transport retries)."""
    return Exchange(
        request=request,
        response=sent.response,
        retries=sent.retries,
        duration_ms=elapsed * 1000,
        received_at=received_at,
        note=_retry_note(sent) or endpoint.auth_problem,
        violations=_violations(need, request, sent.response, endpoint) if validate != "off" else (),
    )


def _failed(
    request: httpx.Request | None, exc: BaseException, started: float, clock: Callable[[], float]
) -> Exchange:
    return Exchange(
        request=request,
        error=str(exc) or type(exc).__name__,
        retries=getattr(exc, "retries", ()),  # TransportFailure: the retries made before giving up
        duration_ms=(clock() - started) * 1000,
    )


def drive(
    execution: Execution,
    *,
    client: httpx.Client,
    environment: RunEnvironment,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
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
        if isinstance(need, (SendMessage, Receive)):  # Arazzo 1.1 AsyncAPI steps
            execution.feed_message(serve_message(need, environment.messaging, clock), clock())
            yield from execution.drain()
            continue
        request, endpoint, error = _prepare(need, environment)
        started = clock()
        if error is not None:
            exchange = Exchange(request=None, error=error)
        else:
            step_timeout.limit_request(request, need.timeout)
            try:
                sent = send_with_retries(
                    client, request, policy=endpoint.retry_policy, auth=endpoint.auth, sleep=sleep
                )
            except (ArazzoError, httpx.HTTPError) as exc:
                exchange = _failed(request, exc, started, clock)
            else:
                exchange = _answered(
                    need, request, endpoint, sent, clock() - started, wall(), execution.options.validate
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
    clock: Callable[[], float] = time.monotonic,
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


async def run_async(
    execution: Execution,
    *,
    client: httpx.AsyncClient | None = None,
    environment: RunEnvironment | None = None,
    on_event: EventListener | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    wall: Callable[[], float] = time.time,
) -> RunResult:
    """The asyncio twin of :func:`run_sync` (same core, ``httpx.AsyncClient``)."""
    execution.listening = on_event is not None
    environment = environment or RunEnvironment()
    own = client is None
    client = client or new_async_client(environment.http_timeout())

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
            if isinstance(need, (SendMessage, Receive)):  # Arazzo 1.1 AsyncAPI (botocore is blocking)
                delivery = await asyncio.to_thread(serve_message, need, environment.messaging, clock)
                execution.feed_message(delivery, clock())
                deliver()
                continue
            request, endpoint, error = _prepare(need, environment)
            started = clock()
            if error is not None:
                exchange = Exchange(request=None, error=error)
            else:
                step_timeout.limit_request(request, need.timeout)
                try:
                    sent = await asyncio.wait_for(
                        send_with_retries_async(
                            client,
                            request,
                            policy=endpoint.retry_policy,
                            auth=endpoint.auth,
                            sleep=sleep,
                            gate=environment.in_flight(),
                        ),
                        need.timeout,
                    )
                except (ArazzoError, httpx.HTTPError) as exc:
                    exchange = _failed(request, exc, started, clock)
                except TimeoutError:  # only wait_for's: httpx timeouts are httpx.HTTPError
                    exchange = _failed(
                        request, TimeoutError(step_timeout.message(need.timeout or 0)), started, clock
                    )
                else:
                    exchange = _answered(
                        need, request, endpoint, sent, clock() - started, wall(), execution.options.validate
                    )
            execution.feed(exchange, clock())
            deliver()
    finally:
        if own:
            await client.aclose()
