"""The retry-and-limits loop: send a request, bounded, retrying as :class:`RetryPolicy` says
(sync and asyncio). Not a transport: it sits on top of the client's transport (httpx's, the lean
one, a replay or a ``MockTransport``).

The policy decides; these loops only send, parse and sleep (the sleeper is injected). Each retry
is listed in the result (or in the ``TransportFailure`` when all attempts failed), so a run can
count and report transport retries separately from Arazzo ``retry`` actions. The same
``httpx.Request`` is sent again: its auth flow runs again, so SigV4 signs each attempt afresh.

Errors never quote the URL (a query may carry an API key) or headers.

Every answer is bounded (:class:`ResponseLimits`): the body is streamed and its *decoded* bytes
counted (a small gzip body can inflate to gigabytes), reading stops past ``max_bytes``; and the
exchange as a whole (connect, send, headers, the last byte of the body) must end within
``seconds`` and before the run's deadline, whatever the per-read timeouts say (a server that
sends a byte a second never trips a read timeout). Going over the size or the run's deadline fails
the attempt with a :class:`ResponseLimitExceeded` that is not retried; going over ``seconds`` is a
``ReadTimeout`` that the source's retry policy handles as before (each attempt has its own bound). The asyncio driver enforces the time bound
with ``asyncio.timeout`` around the whole exchange. The sync driver checks it between chunks and,
on the clients runs make themselves (:func:`bounded_client`), on every socket read and write as
well (a network backend that caps each read's timeout at the time left), so a server dripping its
*headers* is stopped too; on a client the caller brings, only the per-read timeout applies there.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from ..retry_after import TransportRetry
from . import client_send, httpx_internals
from .errors import TransportFailure
from .responses import ParsedResponse, parse_response
from .retries import RetryDecision, RetryPolicy, unsafe_request


@dataclass(frozen=True, slots=True)
class SendResult:
    """The final answer and how many attempts it took."""

    response: ParsedResponse
    attempts: int
    retries: tuple[TransportRetry, ...]


DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Defaults for a run's client: 10 s to connect, 30 s for each read, write and pool wait."""

DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024
"""Largest answer body read, counted after decoding (``--max-response-size``)."""


@dataclass(frozen=True, slots=True)
class ResponseLimits:
    """Bounds of one exchange: decoded body bytes, and seconds from sending to the last byte.

    ``deadline`` is the run's own deadline on the ``clock`` the driver uses (``None``: none).
    """

    max_bytes: int = DEFAULT_MAX_RESPONSE_BYTES
    seconds: float | None = 30.0
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic

    def budget(self) -> tuple[float | None, str]:
        """Seconds this exchange may take from now, and which bound that is (for the message)."""
        remaining = None if self.deadline is None else max(0.0, self.deadline - self.clock())
        if self.seconds is not None and (remaining is None or self.seconds <= remaining):
            return self.seconds, f"took longer than {self.seconds:g} s (--http-timeout)"
        if remaining is None:
            return None, ""
        return remaining, "did not end before the run's deadline (--timeout)"


#: When the current sync exchange must end (``time.monotonic()``), for :class:`_DeadlineStream`.
_EXCHANGE_ENDS: ContextVar[float | None] = ContextVar("exchange_ends", default=None)


@contextlib.contextmanager
def ending_by(ends: float | None) -> Any:
    """Within this block, every socket read and write of a :func:`bounded_client` ends by ``ends``
    (``time.monotonic()``; ``None``: no bound), whatever the per-read timeout says."""
    token = _EXCHANGE_ENDS.set(ends)
    try:
        yield
    finally:
        _EXCHANGE_ENDS.reset(token)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose reads and writes never wait past the exchange's end."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    @staticmethod
    def _timeout(timeout: float | None, error: type[Exception]) -> float | None:
        ends = _EXCHANGE_ENDS.get()
        if ends is None:
            return timeout
        left = ends - time.monotonic()
        if left <= 0:
            raise error("the exchange's total time ran out")
        return left if timeout is None else min(timeout, left)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._timeout(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._timeout(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: Any, server_hostname: str | None = None, timeout: float | None = None
    ) -> Any:
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def bounded_client(**options: Any) -> httpx.Client:
    """An ``httpx.Client`` whose connections honour the exchange deadline on every socket read.

    httpx does not expose httpcore's ``network_backend``: :mod:`.httpx_internals` sets it on each
    transport's pool. Should that fail, the client still works, with the between-chunks check only.
    """
    client = httpx.Client(**options)
    httpx_internals.wrap_network_backends(client, _DeadlineBackend, _DeadlineBackend)
    return client


class ResponseLimitExceeded(TransportFailure):
    """An answer went over :class:`ResponseLimits`; never retried (the next one would too)."""


class _Stop(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


def _over_time(why: str, message: str, request: httpx.Request) -> Exception:
    """Past the run's deadline: a limit (never retried). Past ``--http-timeout``: a read timeout,
    which the source's retry policy may retry as it always did (each attempt has its own bound)."""
    if "--timeout" in why:
        return _Stop(message)
    return httpx.ReadTimeout(message, request=request)


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
    limits: ResponseLimits | None = None,
) -> SendResult:
    """Send ``request`` through ``client``, retrying as ``policy`` says."""
    limits = limits or ResponseLimits()
    attempts = _Attempts(request, policy)
    while True:
        answer = attempts.after(_attempt(client, request, auth, limits))
        if isinstance(answer, SendResult):
            return answer
        sleep(answer)


async def send_with_retries_async(
    client: httpx.AsyncClient,
    request: httpx.Request,
    *,
    policy: RetryPolicy,
    auth: httpx.Auth | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    gate: contextlib.AbstractAsyncContextManager[Any] | None = None,
    limits: ResponseLimits | None = None,
) -> SendResult:
    """The asyncio twin of :func:`send_with_retries`.

    ``gate`` (e.g. a semaphore bounding requests in flight) is held around each send only, never
    through a backoff sleep, so throttled requests do not keep slots other runs could use.
    """
    limits = limits or ResponseLimits()
    attempts = _Attempts(request, policy)
    while True:
        async with gate or contextlib.nullcontext():
            outcome = await _attempt_async(client, request, auth, limits)
        answer = attempts.after(outcome)
        if isinstance(answer, SendResult):
            return answer
        await sleep(answer)


#: What one attempt came to: the answer (response, body), or what stopped it (a transport error, a limit).
_Outcome = tuple[httpx.Response, bytes] | httpx.TransportError | _Stop


def _attempt(
    client: httpx.Client, request: httpx.Request, auth: httpx.Auth | None, limits: ResponseLimits
) -> _Outcome:
    try:
        return _exchange(client, request, auth, limits)
    except (httpx.TransportError, _Stop) as exc:
        return exc


async def _attempt_async(
    client: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None, limits: ResponseLimits
) -> _Outcome:
    try:
        return await _exchange_async(client, request, auth, limits)
    except (httpx.TransportError, _Stop) as exc:
        return exc


def _too_large(limits: ResponseLimits, size: int, declared: bool = False) -> _Stop:
    how = "declares" if declared else "passed"
    return _Stop(
        f"the answer {how} {size} bytes{'' if declared else ' after decoding'}, over the limit of"
        f" {limits.max_bytes} bytes (--max-response-size); stopped reading"
    )


def _declared_size(response: httpx.Response) -> int | None:
    """``Content-Length`` of an answer that is not compressed (compressed ones are counted decoded)."""
    if response.headers.get("content-encoding", "identity").lower() not in ("", "identity"):
        return None
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


def _exchange(
    client: httpx.Client, request: httpx.Request, auth: httpx.Auth | None, limits: ResponseLimits
) -> tuple[httpx.Response, bytes]:
    """Send and read the answer, streamed within ``limits``."""
    seconds, why = limits.budget()
    ends = None if seconds is None else limits.clock() + seconds
    token = _EXCHANGE_ENDS.set(None if seconds is None else time.monotonic() + seconds)
    try:
        return _exchange_within(client, request, auth, limits, ends, why)
    except httpx.TimeoutException:
        ends_real = _EXCHANGE_ENDS.get()
        if ends_real is not None and time.monotonic() >= ends_real:
            raise _over_time(why, f"the answer {why}", request) from None
        raise
    finally:
        _EXCHANGE_ENDS.reset(token)


def _exchange_within(
    client: httpx.Client,
    request: httpx.Request,
    auth: httpx.Auth | None,
    limits: ResponseLimits,
    ends: float | None,
    why: str,
) -> tuple[httpx.Response, bytes]:
    clock = limits.clock
    response = client_send.send(client, request, auth)
    try:
        declared = _declared_size(response)
        if declared is not None and declared > limits.max_bytes:
            raise _too_large(limits, declared, declared=True)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limits.max_bytes:
                raise _too_large(limits, size)
            chunks.append(chunk)
            if ends is not None and clock() > ends:
                raise _over_time(why, f"the answer {why}; stopped reading after {size} bytes", request)
        if ends is not None and clock() > ends:
            raise _over_time(why, f"the answer {why}", request)
    finally:
        response.close()
    return response, b"".join(chunks)


async def _exchange_async(
    client: httpx.AsyncClient, request: httpx.Request, auth: httpx.Auth | None, limits: ResponseLimits
) -> tuple[httpx.Response, bytes]:
    """The asyncio twin of :func:`_exchange`: the time bound covers connecting and the headers too."""
    seconds, why = limits.budget()
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(seconds):
            response = await client_send.send_async(client, request, auth)
            try:
                declared = _declared_size(response)
                if declared is not None and declared > limits.max_bytes:
                    raise _too_large(limits, declared, declared=True)
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > limits.max_bytes:
                        raise _too_large(limits, size)
                    chunks.append(chunk)
            finally:
                await response.aclose()
    except TimeoutError:
        read = sum(map(len, chunks))
        raise _over_time(why, f"the answer {why}; stopped reading after {read} bytes", request) from None
    except ssl.SSLError as exc:
        # httpcore's anyio backend lets a TLS alert that arrives after the handshake (TLS 1.3: a
        # server refusing the client certificate) escape unmapped; the sync backend maps it to
        # ReadError, and so does this, so the step fails instead of the run crashing.
        raise httpx.ReadError(f"TLS: {exc}", request=request) from None
    return response, b"".join(chunks)


def _stopped(
    request: httpx.Request, stop: _Stop, attempts: int, retries: list[TransportRetry]
) -> ResponseLimitExceeded:
    where = f"{request.method} {request.url.scheme}://{request.url.netloc.decode('ascii', 'replace')}"
    return ResponseLimitExceeded(f"{where}: {stop.message}", attempts, tuple(retries))


class _Attempts:
    """The sync and asyncio loops' one shared rule (they only send and sleep): what each attempt's
    outcome (a value: :data:`_Outcome`) means under the policy: the result, a raised failure, or
    seconds to wait first."""

    def __init__(self, request: httpx.Request, policy: RetryPolicy) -> None:
        self.request = request
        self.policy = policy
        self.attempt = 1
        self.retries: list[TransportRetry] = []

    def after(self, outcome: _Outcome) -> SendResult | float:
        """What an attempt's outcome means: the result, the delay before the policy's retry, or
        (no answer and no retry left, or a response limit) the failure raised."""
        if isinstance(outcome, _Stop):
            raise _stopped(self.request, outcome, self.attempt, self.retries) from None
        if isinstance(outcome, Exception):
            decision = self.policy.decide(self.attempt, error=outcome, unsafe=unsafe_request(self.request))
            if decision is None:
                raise _failure(self.request, outcome, self.attempt, self.retries) from None
            return self._retry(decision)
        parsed = parse_response(*outcome)
        decision = self.policy.decide(self.attempt, response=parsed)
        if decision is None:
            return SendResult(parsed, self.attempt, tuple(self.retries))
        return self._retry(decision)

    def _retry(self, decision: RetryDecision) -> float:
        self.retries.append(TransportRetry(self.attempt, decision.reason, decision.delay))
        self.attempt += 1
        return decision.delay
