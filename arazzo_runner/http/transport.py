"""Send a request with transport retries: thin sync and asyncio drivers around :class:`RetryPolicy`.

The policy decides; these loops only send, parse and sleep (the sleeper is injected). Each retry
is listed in the result (or in the ``TransportFailure`` when all attempts failed), so a run can
count and report transport retries separately from Arazzo ``retry`` actions. The same
``httpx.Request`` is sent again: its auth flow runs again, so SigV4 signs each attempt afresh.

Errors never quote the URL (a query may carry an API key) or headers.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import TransportFailure
from .responses import ParsedResponse, parse_response
from .retries import RetryDecision, RetryPolicy


@dataclass(frozen=True, slots=True)
class TransportRetry:
    """One transport retry: after attempt ``attempt`` failed for ``reason``, waited ``delay`` s."""

    attempt: int
    reason: str
    delay: float


@dataclass(frozen=True, slots=True)
class SendResult:
    """The final answer and how many attempts it took."""

    response: ParsedResponse
    attempts: int
    retries: tuple[TransportRetry, ...]


DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Defaults for a run's client: 10 s to connect, 30 s for each read, write and pool wait."""


def _failure(
    request: httpx.Request, error: Exception, attempts: int, retries: list[TransportRetry]
) -> TransportFailure:
    where = f"{request.method} {request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
    detail = str(error) or type(error).__name__
    plural = "s" if attempts != 1 else ""
    return TransportFailure(
        f"{where}: {type(error).__name__}: {detail} (after {attempts} attempt{plural})",
        attempts,
        tuple(retries),
    )


def send_with_retries(
    client: httpx.Client,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    auth: httpx.Auth | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendResult:
    """Send ``request`` through ``client``, retrying as ``policy`` says."""
    retries: list[TransportRetry] = []
    attempt = 0
    while True:
        attempt += 1
        try:
            response = client.send(request, auth=auth) if auth is not None else client.send(request)
        except httpx.TransportError as exc:
            decision = policy.decide(attempt, error=exc)
            if decision is None:
                raise _failure(request, exc, attempt, retries) from None
        else:
            parsed = parse_response(response)
            decision = policy.decide(attempt, response=parsed)
            if decision is None:
                return SendResult(parsed, attempt, tuple(retries))
        retry = _record(attempt, decision, retries)
        sleep(retry.delay)


async def send_with_retries_async(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    auth: httpx.Auth | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    gate: contextlib.AbstractAsyncContextManager[Any] | None = None,
) -> SendResult:
    """The asyncio twin of :func:`send_with_retries`.

    ``gate`` (e.g. a semaphore bounding requests in flight) is held around each send only, never
    through a backoff sleep, so throttled requests do not keep slots other runs could use.
    """
    retries: list[TransportRetry] = []
    attempt = 0
    while True:
        attempt += 1
        try:
            async with gate or contextlib.nullcontext():
                response = await (
                    client.send(request, auth=auth) if auth is not None else client.send(request)
                )
        except httpx.TransportError as exc:
            decision = policy.decide(attempt, error=exc)
            if decision is None:
                raise _failure(request, exc, attempt, retries) from None
        else:
            parsed = parse_response(response)
            decision = policy.decide(attempt, response=parsed)
            if decision is None:
                return SendResult(parsed, attempt, tuple(retries))
        retry = _record(attempt, decision, retries)
        await sleep(retry.delay)


def _record(attempt: int, decision: RetryDecision, retries: list[TransportRetry]) -> TransportRetry:
    retry = TransportRetry(attempt, decision.reason, decision.delay)
    retries.append(retry)
    return retry
