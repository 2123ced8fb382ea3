"""Run settings: pacing of poll loops, limits, and the default success rule.

Defaults, and why:

* **Poll pacing.** A ``goto`` back to a step that already ran in this workflow execution is a
  poll loop. Before re-running it the engine waits ``poll_interval`` seconds (default 5),
  multiplied by ``poll_backoff`` after each wait (default 1.5) up to ``poll_max_interval``
  (default 60), with ±``poll_jitter`` (default 10 %) random spread so that many runs do not
  poll in lock-step. A step may set its own with the extension
  ``x-arazzo-poll: {interval: 30, backoff: 1, max: 30}``. Tests and benchmarks set 0.
* **Step budget.** Every step execution (retries and poll iterations included) counts;
  ``max_steps`` (default 20,000) ends a run that loops forever with an error naming the looping
  step. At the default pacing a poll loop reaches the 60 s cap after ~8 polls, so 20,000 steps
  cover ~13 days of polling: a 5-day training job (SageMaker's maximum runtime is 28 days with
  MaxRuntimeInSeconds; set a larger budget for those) finishes well inside it.
* **Deadline.** ``run_timeout`` (seconds of wall time for the whole run, ``--timeout``), off by
  default. Not to be confused with ``RunEnvironment.request_timeout`` (one HTTP exchange).
* **Success without successCriteria.** The spec leaves it open (A3); we default to "any 2xx"
  (``default_success="2xx"``); ``"any"`` accepts any response, as some engines do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class PollPacing:
    interval: float = 5.0
    backoff: float = 1.5
    max_interval: float = 60.0
    jitter: float = 0.1

    def delay(self, iteration: int, rand: float) -> float:
        """Seconds before poll number ``iteration`` (1 = the first repeat); ``rand`` in [0, 1)."""
        if self.interval <= 0:
            return 0.0
        base = min(self.interval * (self.backoff ** max(iteration - 1, 0)), self.max_interval)
        spread = base * self.jitter * (2 * rand - 1)
        return max(base + spread, 0.0)

    def overridden(self, extension: Any) -> PollPacing:
        """This pacing with a step's ``x-arazzo-poll`` applied (unknown keys ignored)."""
        if not isinstance(extension, Mapping):
            return self
        interval = float(extension.get("interval", self.interval))
        return PollPacing(
            interval=interval,
            backoff=float(extension.get("backoff", self.backoff)),
            max_interval=float(extension.get("max", max(self.max_interval, interval))),
            jitter=float(extension.get("jitter", self.jitter)),
        )


@dataclass(frozen=True, slots=True)
class RunOptions:
    pacing: PollPacing = PollPacing()
    max_steps: int = 20_000
    #: Seconds of wall time for the whole run (the CLI's ``--timeout``); ``None``: no deadline.
    run_timeout: float | None = None
    default_success: Literal["2xx", "any"] = "2xx"
    #: Ignore ``x-arazzo-poll`` and step ``retryAfter``/``Retry-After`` waits (replay, tests).
    no_wait: bool = False
    #: Maximum nesting of workflows calling workflows (a guard against unbounded recursion).
    max_depth: int = 32
    #: Check requests and responses against the OpenAPI description (openapi-core): "off";
    #: "warn" reports violations as warning events; "strict" also fails the step.
    validate: Literal["off", "warn", "strict"] = "off"
