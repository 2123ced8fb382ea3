"""The run's metrics: instruments made once per meter, recorded from events and the journal.

Names follow OpenTelemetry's conventions where one exists (``http.client.request.duration`` in
seconds); the rest are ``arazzo.*``. Attributes are low-cardinality on purpose (a status, a
status code, a workflow id): never a URL or an input.
"""

from __future__ import annotations

from typing import Any

#: Histogram buckets for request durations and waits, in seconds (a poll can wait for days).
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)
WAIT_BUCKETS = (0.1, 1, 5, 15, 30, 60, 300, 900, 3600, 21600, 86400, 432000)


def _seconds(meter: Any, name: str, description: str, buckets: tuple[float, ...]) -> Any:
    """A histogram of durations in seconds, with the buckets advised for it."""
    return meter.create_histogram(
        name, unit="s", description=description, explicit_bucket_boundaries_advisory=buckets
    )


class RunMetrics:
    """Counters and histograms of runs, steps, requests, retries, waits and journal commits."""

    def __init__(self, meter: Any) -> None:
        self.runs_started = meter.create_counter(
            "arazzo.runs.started", unit="{run}", description="Runs started"
        )
        self.runs_finished = meter.create_counter(
            "arazzo.runs.finished", unit="{run}", description="Runs finished, by status"
        )
        self.steps = meter.create_counter(
            "arazzo.step.executions", unit="{execution}", description="Step executions, by outcome"
        )
        self.requests = meter.create_counter(
            "arazzo.requests", unit="{request}", description="HTTP requests, by response status code"
        )
        self.request_duration = _seconds(
            meter, "http.client.request.duration", "Duration of HTTP client requests", DURATION_BUCKETS
        )
        self.wait = _seconds(
            meter, "arazzo.wait.duration", "Time a run waits between polls or before a retry", WAIT_BUCKETS
        )
        self.retries = meter.create_counter(
            "arazzo.retries", unit="{retry}", description="Transport retries and retry actions"
        )
        self.journal_commit = _seconds(
            meter,
            "arazzo.journal.commit.duration",
            "Latency of a journal commit (a transition made durable)",
            DURATION_BUCKETS,
        )
