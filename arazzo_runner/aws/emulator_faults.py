"""Scripted failures for the emulator: throttling and server errors, before or after the work is done.

Why "after": a create that succeeds on the server but whose answer is lost (a 500 or a dropped
connection) is the case a retrying client must survive without creating a second job; the
emulator can play it exactly (``when="after"``: the job exists, the client sees a 500).

Faults are consumed in the order they were added; each matches one operation (or any) and fires
``times`` times. A throttle rate (0..1, with an injected ``random.Random``) adds random
``ThrottlingException`` answers for load tests and the demo; tests prefer exact scripts.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, replace
from typing import Literal

When = Literal["before", "after"]

DEFAULT_MESSAGES = {
    "ThrottlingException": "Rate exceeded",
    "InternalFailure": "We encountered an internal error. Please try again.",
    "ServiceUnavailable": "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Fault:
    """Answer ``status``/``code`` instead of the real answer, ``times`` times.

    ``operation`` is the model name (``DescribeTrainingJob``), or ``None`` for any operation;
    ``when="before"`` refuses the call (nothing happens), ``"after"`` does the work and then
    answers the error.
    """

    code: str = "ThrottlingException"
    status: int = 400
    operation: str | None = None
    times: int = 1
    when: When = "before"
    message: str | None = None

    @property
    def text(self) -> str:
        return self.message or DEFAULT_MESSAGES.get(self.code, self.code)

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Fault:
        """A fault from the admin endpoint's JSON (``operation``, ``code``, ``status``, ``times``, ``when``, ``message``)."""
        when = str(data.get("when", "before"))
        if when not in ("before", "after"):
            raise ValueError("'when' must be 'before' or 'after'")
        code = str(data.get("code", "ThrottlingException"))
        default_status = 500 if code == "InternalFailure" else 503 if code == "ServiceUnavailable" else 400
        operation = data.get("operation")
        return cls(
            code=code,
            status=int(data.get("status", default_status)),  # type: ignore[call-overload]
            operation=str(operation) if operation else None,
            times=int(data.get("times", 1)),  # type: ignore[call-overload]
            when=when,  # type: ignore[arg-type]
            message=str(data["message"]) if data.get("message") else None,
        )


class FaultPlan:
    """The faults still to fire, and the random throttle rate (thread-safe)."""

    def __init__(self, *, throttle_rate: float = 0.0, rng: random.Random | None = None) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self.throttle_rate = throttle_rate
        self._rng = rng or random.Random(0)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, operation: str, when: When) -> Fault | None:
        """The fault to play for this call at this moment, if any (its count goes down by one)."""
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.when == when and fault.operation in (None, operation):
                    if fault.times <= 1:
                        del self._faults[index]
                    else:
                        self._faults[index] = replace(fault, times=fault.times - 1)
                    return fault
            if when == "before" and self.throttle_rate > 0 and self._rng.random() < self.throttle_rate:
                return Fault(operation=operation)
        return None
