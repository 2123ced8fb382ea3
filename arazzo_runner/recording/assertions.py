"""Assertions for tests of workflows that fail with a message worth reading.

``assert result.succeeded`` says only ``False``; these say which step failed and why, which
outputs differ, and how many times each step ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine.result import RunResult


def _steps(result: RunResult) -> str:
    lines = [
        f"  {record.step_id} #{index + 1}: {record.status} ({record.status_code})"
        + (f" — {record.reason}" if record.reason else "")
        for index, record in enumerate(result.steps)
    ]
    return "\n".join(lines) or "  (no step ran)"


def assert_succeeded(result: RunResult) -> None:
    """Fail with the run's error and its steps unless the workflow succeeded."""
    if not result.succeeded:
        error = result.error.message if result.error else "unknown error"
        raise AssertionError(f"workflow {result.workflow_id!r} failed: {error}\nsteps:\n{_steps(result)}")


def assert_failed(result: RunResult, *, step_id: str | None = None, error_type: str | None = None) -> None:
    """Fail unless the workflow failed (at ``step_id``, with ``error_type``, when given)."""
    if result.succeeded:
        raise AssertionError(f"workflow {result.workflow_id!r} succeeded, expected it to fail")
    error = result.error
    if step_id is not None and (error is None or error.step_id != step_id):
        raise AssertionError(f"expected a failure at step {step_id!r}, got {error}")
    if error_type is not None and (error is None or error.type != error_type):
        raise AssertionError(f"expected a {error_type!r} failure, got {error}")


def assert_outputs(result: RunResult, expected: Mapping[str, Any] | None = None, /, **named: Any) -> None:
    """Fail unless every output named (in ``expected`` or as keywords) has the expected value."""
    wanted = {**(expected or {}), **named}
    wrong = {
        k: (v, result.outputs.get(k, "<missing>")) for k, v in wanted.items() if result.outputs.get(k) != v
    }
    if wrong or any(k not in result.outputs for k in wanted):
        lines = [f"  {k}: expected {e!r}, got {g!r}" for k, (e, g) in wrong.items()]
        raise AssertionError("workflow outputs differ:\n" + "\n".join(lines))


def assert_attempts(result: RunResult, /, **counts: int) -> None:
    """Fail unless each named step ran exactly that many times: ``assert_attempts(r, pollTrainingJob=4)``."""
    wrong = {s: (n, result.step(s).attempts) for s, n in counts.items() if result.step(s).attempts != n}
    if wrong:
        lines = [f"  {s}: expected {n} execution(s), got {got}" for s, (n, got) in wrong.items()]
        raise AssertionError("step executions differ:\n" + "\n".join(lines) + f"\nsteps:\n{_steps(result)}")
