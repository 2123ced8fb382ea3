"""A case's failure and step timing as plain text: JUnit's ``<failure>`` and ``<system-out>``
(:mod:`arazzo_runner.reports.junit`) and a pytest item's failure report say the same."""

from __future__ import annotations

from .suite import CaseOutcome


def step_timing(outcome: CaseOutcome) -> str:
    """One line per step execution: when it started, how long it took, its status (for system-out)."""
    lines = []
    for span in outcome.trace.spans:
        took = (span.end - span.start) if span.end is not None else None
        status = span.status or "unfinished"
        code = f" HTTP {span.status_code}" if span.status_code is not None else ""
        reason = f": {span.reason}" if span.reason else ""
        lines.append(
            f"{span.start:9.3f}s  {span.step_id} #{span.execution}  {status}{code}"
            + (f"  {took * 1000:.1f} ms" if took is not None else "")
            + reason
        )
    for wait in outcome.trace.waits:
        lines.append(f"{wait.start:9.3f}s  {wait.step_id}  waits {wait.seconds:g}s ({wait.reason})")
    lines.sort(key=lambda line: float(line.split("s", 1)[0]))
    return "\n".join(lines)


def failure_text(outcome: CaseOutcome) -> str:
    failure = outcome.failure
    assert failure is not None
    lines = [f"{outcome.name}"]
    if failure.step_id:
        where = f" (line {failure.line})" if failure.line else ""
        lines.append(f"step: {failure.step_id}{where}")
    lines.append(f"reason: {failure.message}")
    if failure.status_code is not None:
        lines.append(f"HTTP status: {failure.status_code}")
    if failure.error_code:
        lines.append(f"API error code: {failure.error_code}")
    if failure.error_message:
        lines.append(f"API error message: {failure.error_message}")
    for problem in outcome.problems:
        lines.append(problem)
    return "\n".join(lines)
