"""Arazzo 1.1 step ``timeout``: the milliseconds a step may take before it fails.

"The maximum number of milli-seconds to wait for the step to complete before aborting and
failing the step. Consequently this will fail the workflow unless onFailure actions are
defined." So a step over its timeout is a *failed step*, like any other: its ``onFailure``
actions (retry, goto, end) apply, and each retry gets the whole timeout again.

Two halves, each called at one point:

* drivers cut the wait short: ``drivers.adapter.limit_to_step_timeout`` bounds every phase of the HTTP exchange
  (connect, write, read, pool) to the timeout, and the asyncio driver also bounds the whole
  send, transport retries included, with :func:`asyncio.wait_for`;
* the core decides, from the exchange's measured duration (the driver's injected clock), with
  :func:`exceeded`: an answer that came after the timeout fails the step too, whatever it says.

A step that calls a workflow is held to its timeout when that workflow finishes (its requests
are not cut short by the parent's timeout).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .needs import Exchange


def seconds(timeout_ms: int | None) -> float | None:
    """The step's timeout in seconds (``None`` when it has none)."""
    return None if timeout_ms is None else max(timeout_ms, 0) / 1000.0


def message(timeout: float) -> str:
    return f"step timeout of {timeout * 1000:g} ms exceeded"


def exceeded(timeout: float | None, exchange: Exchange) -> str | None:
    """Why the step failed by its timeout, or ``None`` when it kept to it."""
    if timeout is None:
        return None
    if exchange.duration_ms >= timeout * 1000:
        return f"{message(timeout)} (the exchange took {exchange.duration_ms:.0f} ms)"
    if exchange.response is None and exchange.error and message(timeout) in exchange.error:
        return exchange.error
    return None


def exceeded_after(timeout: float | None, started: float, now: float) -> str | None:
    """For a step that called a workflow: why it failed by its timeout, or ``None``."""
    if timeout is None or now - started <= timeout:
        return None
    return f"{message(timeout)} (the workflow it called took {(now - started) * 1000:.0f} ms)"
