"""Transport retries: who retries what, and how long to wait. Pure decisions; drivers sleep.

Transport retries are separate from Arazzo ``retry`` actions, and whose they are depends on the
source:

* **AWS sources** behave like botocore's *standard* retry mode, as boto3 users expect
  (:meth:`RetryPolicy.aws_standard`): throttling error codes and HTTP 429, transient codes,
  HTTP 500/502/503/504 and connection errors, 3 attempts in all, delay
  ``rand() * min(scale * 2 ** (attempt - 1), 20)`` with scale 1 s for throttling and 50 ms
  otherwise; ``x-amz-retry-after`` (ms) or ``Retry-After`` raise the delay, by at most 5 s more,
  as botocore does. The codes, limits and scales are read from ``botocore.retries.standard``
  (its checker classes' defaults) so they follow botocore upgrades; the copies below are the
  fall-back if botocore ever renames them. Not copied: botocore's client-wide retry quota and
  modeled ``retryable`` error shapes (we have no service model).
* **Other sources** retry only what cannot have reached the server
  (:meth:`RetryPolicy.connection_only`: connection refused, DNS failure, connect timeout), because
  the document's ``retry`` actions own the rest: a 503 must reach the workflow's criteria.
* A run or source may opt in to HTTP retries for other sources (:meth:`RetryPolicy.http_standard`):
  connection errors, 429, 502, 503, 504, honouring ``Retry-After`` (capped by ``max_retry_after``).
* Whatever the policy, a request that is **not safe to send twice** (:func:`unsafe_request`: a
  ``POST`` or ``PATCH`` that is not an AWS read) is retried after a transport error only when
  the error proves it never reached the server (``NOT_SENT_ERRORS``: refused, DNS, connect or
  pool timeout). A read timeout or a dropped connection after its bytes went out may mean the
  server did the work: sending it again could create twice. Answers (503, throttling) are still
  retried: the server said it did not do it.

The random source and the clock are injected so tests are exact and never sleep.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from ..retry_after import retry_after_seconds
from .responses import ParsedResponse

__all__ = ["RetryDecision", "RetryPolicy", "botocore_standard", "retry_after_seconds", "unsafe_request"]

_FALLBACK_THROTTLING_CODES = (
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
)
_FALLBACK_TRANSIENT_CODES = ("RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete")


@dataclass(frozen=True, slots=True)
class BotocoreStandardRetry:
    """botocore's standard-mode constants, read from botocore itself."""

    max_attempts: int
    max_backoff: float
    throttling_scale: float
    transient_scale: float
    retry_after_max_additional: float
    throttling_codes: frozenset[str]
    transient_codes: frozenset[str]
    transient_statuses: frozenset[int]
    throttling_statuses: frozenset[int]


def botocore_standard() -> BotocoreStandardRetry:
    """The constants of ``botocore.retries.standard`` (private attributes, hence the fall-backs)."""
    try:
        from botocore.retries import standard
    except ImportError:  # pragma: no cover - botocore is a dependency
        standard = None
    backoff = getattr(standard, "ExponentialBackoff", None)
    scales = getattr(backoff, "_DEFAULT_BACKOFF_CONFIG", {}) or {}
    return BotocoreStandardRetry(
        max_attempts=int(getattr(standard, "DEFAULT_MAX_ATTEMPTS", 3)),
        max_backoff=float(getattr(backoff, "_MAX_BACKOFF", 20)),
        throttling_scale=float(scales.get("throttling_base_scale", 1)),
        transient_scale=float(scales.get("non_throttling_base_scale", 0.05)),
        retry_after_max_additional=float(getattr(backoff, "_RETRY_AFTER_MAX_ADDITIONAL", 5)),
        throttling_codes=frozenset(
            getattr(
                getattr(standard, "ThrottledRetryableChecker", None),
                "_THROTTLED_ERROR_CODES",
                _FALLBACK_THROTTLING_CODES,
            )
        ),
        transient_codes=frozenset(
            getattr(
                getattr(standard, "TransientRetryableChecker", None),
                "_TRANSIENT_ERROR_CODES",
                _FALLBACK_TRANSIENT_CODES,
            )
        ),
        transient_statuses=frozenset(
            getattr(
                getattr(standard, "TransientRetryableChecker", None),
                "_TRANSIENT_STATUS_CODES",
                (500, 502, 503, 504),
            )
        ),
        throttling_statuses=frozenset(
            getattr(
                getattr(standard, "ThrottlingStatusCodeChecker", None), "_THROTTLING_STATUS_CODES", (429,)
            )
        ),
    )


#: Errors that prove the request never reached the server (safe to retry for any method).
NOT_SENT_ERRORS: tuple[type[Exception], ...] = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

#: Methods HTTP defines as idempotent: sending one twice does what sending it once does.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
#: AWS operations that only read (the same prefixes as the journal's in-doubt rule).
AWS_READ_PREFIXES = ("Describe", "List", "Get")


def unsafe_request(request: httpx.Request) -> bool:
    """Whether sending ``request`` twice might do its work twice: a ``POST``/``PATCH`` that is not
    an AWS read (``X-Amz-Target: Service.Describe*``, or a query-protocol ``Action=Describe*``)."""
    if request.method.upper() in IDEMPOTENT_METHODS:
        return False
    target = request.headers.get("x-amz-target")
    if target:
        return not target.rpartition(".")[2].startswith(AWS_READ_PREFIXES)
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            body = request.content  # a streamed body cannot be inspected: unsafe
        except httpx.RequestNotRead:
            return True
        for part in body.split(b"&"):
            name, _, value = part.partition(b"=")
            if name == b"Action":
                return not value.decode("ascii", "replace").startswith(AWS_READ_PREFIXES)
    return True


@dataclass(frozen=True, slots=True)
class RetryDecision:
    """Retry after ``delay`` seconds, because of ``reason`` (an error code, ``HTTP 503``, an exception name)."""

    delay: float
    reason: str


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a request at the transport level, and how long to wait first.

    Build one with :meth:`aws_standard`, :meth:`connection_only` or :meth:`http_standard`.
    ``decide`` is pure (given the injected ``rng`` and ``clock``).
    """

    max_attempts: int
    retry_errors: tuple[type[Exception], ...]
    retry_statuses: frozenset[int] = frozenset()
    throttling_statuses: frozenset[int] = frozenset()
    throttling_codes: frozenset[str] = frozenset()
    transient_codes: frozenset[str] = frozenset()
    max_backoff: float = 20.0
    throttling_scale: float = 1.0
    transient_scale: float = 0.05
    #: botocore caps a server's retry-after at ``backoff + this``; ``None``: use ``max_retry_after``.
    retry_after_max_additional: float | None = None
    max_retry_after: float = 60.0
    rng: Callable[[], float] = field(default=random.random, compare=False)
    clock: Callable[[], float] = field(default=time.time, compare=False)

    @classmethod
    def aws_standard(cls, max_attempts: int | None = None, **overrides: object) -> RetryPolicy:
        config = botocore_standard()
        return cls(
            max_attempts=config.max_attempts if max_attempts is None else max_attempts,
            retry_errors=(httpx.TransportError,),
            retry_statuses=config.transient_statuses,
            throttling_statuses=config.throttling_statuses,
            throttling_codes=config.throttling_codes,
            transient_codes=config.transient_codes,
            max_backoff=config.max_backoff,
            throttling_scale=config.throttling_scale,
            transient_scale=config.transient_scale,
            retry_after_max_additional=config.retry_after_max_additional,
            **overrides,  # type: ignore[arg-type]
        )

    @classmethod
    def connection_only(cls, max_attempts: int = 3, **overrides: object) -> RetryPolicy:
        return cls(max_attempts=max_attempts, retry_errors=NOT_SENT_ERRORS, **overrides)  # type: ignore[arg-type]

    @classmethod
    def http_standard(cls, max_attempts: int = 3, **overrides: object) -> RetryPolicy:
        return cls(
            max_attempts=max_attempts,
            retry_errors=(httpx.TransportError,),
            retry_statuses=frozenset({502, 503, 504}),
            throttling_statuses=frozenset({429}),
            **overrides,  # type: ignore[arg-type]
        )

    def decide(
        self,
        attempt: int,
        *,
        response: ParsedResponse | None = None,
        error: BaseException | None = None,
        unsafe: bool = False,
    ) -> RetryDecision | None:
        """Whether attempt number ``attempt`` (1-based) that ended so should be tried again.

        ``unsafe``: the request may not be sent twice (:func:`unsafe_request`), so an error is
        retried only when it proves the request never left (``NOT_SENT_ERRORS``)."""
        if attempt >= self.max_attempts:
            return None
        if error is not None:
            if unsafe and not isinstance(error, NOT_SENT_ERRORS):
                return None
            if isinstance(error, self.retry_errors):
                return RetryDecision(self._backoff(attempt, self.transient_scale), type(error).__name__)
            return None
        if response is None:
            return None
        code = response.error.code if response.error is not None else None
        if code is not None and code in self.throttling_codes:
            return self._with_retry_after(attempt, self.throttling_scale, code, response.headers)
        if response.status_code in self.throttling_statuses:
            return self._with_retry_after(
                attempt, self.throttling_scale, code or f"HTTP {response.status_code}", response.headers
            )
        if code is not None and code in self.transient_codes:
            return self._with_retry_after(attempt, self.transient_scale, code, response.headers)
        if response.status_code in self.retry_statuses:
            return self._with_retry_after(
                attempt, self.transient_scale, code or f"HTTP {response.status_code}", response.headers
            )
        return None

    def _backoff(self, attempt: int, scale: float) -> float:
        return self.rng() * min(scale * 2.0 ** (attempt - 1), self.max_backoff)

    def _with_retry_after(
        self, attempt: int, scale: float, reason: str, headers: Mapping[str, str]
    ) -> RetryDecision:
        delay = self._backoff(attempt, scale)
        asked = retry_after_seconds(headers, self.clock)
        if asked is not None:
            if self.retry_after_max_additional is not None:
                delay = max(delay, min(asked, delay + self.retry_after_max_additional))
            else:
                delay = max(delay, min(asked, self.max_retry_after))
        return RetryDecision(delay, reason)
