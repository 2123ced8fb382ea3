"""OpenTelemetry traces and metrics for runs, built from the engine's typed events.

Optional: it needs the ``[otel]`` extra (``pip install 'arazzo-runner[otel]'``). Nothing here
imports ``opentelemetry`` until a :class:`Telemetry` is made, and the engine, the drivers and the
CLI import this package only when telemetry is asked for (``--otel`` or ``telemetry=``), so a run
without it costs exactly what it did before.

The telemetry is an event consumer like the CLI's renderer and the recorders: it sees the same
:mod:`arazzo_runner.engine.events` stream, already redacted by the engine, and runs the run's
:class:`~arazzo_runner.engine.redaction.Redactor` once more over every attribute it sets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .setup import Telemetry

__all__ = ["Telemetry"]


def __getattr__(name: str) -> Any:
    if name == "Telemetry":
        from .setup import Telemetry

        return Telemetry
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
