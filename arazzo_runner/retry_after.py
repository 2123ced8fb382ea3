"""Retries, as the HTTP layer and the engine core both see them (the core must not import the
HTTP layer): how long an answer asks us to wait (``x-amz-retry-after`` in ms or ``Retry-After``,
RFC 9110 10.2.3), plain text in, seconds out, for transport retries and ``retry`` actions alike;
and the record of one transport retry, which the HTTP layer makes and the core's exchange carries.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class TransportRetry:
    """One transport retry: after attempt ``attempt`` failed for ``reason``, waited ``delay`` s."""

    attempt: int
    reason: str
    delay: float


def retry_after_seconds(headers: Mapping[str, str], clock: Callable[[], float] = time.time) -> float | None:
    """``x-amz-retry-after`` (milliseconds) or ``Retry-After`` (seconds or an HTTP date), if valid."""
    lowered = {k.lower(): v for k, v in headers.items()}
    amz = lowered.get("x-amz-retry-after")
    if amz is not None:
        try:
            value = int(amz) / 1000.0
            if value >= 0:
                return value
        except ValueError:
            pass
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - clock())
