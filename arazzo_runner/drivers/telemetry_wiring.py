"""A run's telemetry around its driver: the listener and journal hook the driver is given, as the
caller gave them or wrapped by the run's telemetry (:class:`arazzo_runner.telemetry.setup.RunWiring`).

One rule for a new run (``arazzo_runner.running``: ``run`` and ``run_async``) and a resumed one
(:mod:`arazzo_runner.journal.resuming`, which continues the run's trace). Here, in ``drivers/``,
because it wraps what the driver is given, and ``drivers/`` sits above ``telemetry/`` and below both
of its users; nothing of OpenTelemetry is imported without telemetry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.core import Execution


@contextmanager
def telemetry_wiring(
    telemetry: Any,
    execution: Execution,
    *,
    journal: Any,
    on_event: Any,
    client: Any,
    clock: Callable[[], float],
    resumed: bool = False,
) -> Iterator[tuple[Any, Any]]:
    """(listener, journal hook) for the driver; a run stopped by an exception ends its open spans
    marked as errors. ``resumed``: the run's first process started the trace, this is a linked span."""
    if telemetry is None:
        yield on_event, journal
        return
    from ..telemetry.setup import RunWiring

    with RunWiring(
        telemetry, execution, journal=journal, on_event=on_event, client=client, clock=clock, resumed=resumed
    ) as wiring:
        yield wiring.on_event, wiring.journal
