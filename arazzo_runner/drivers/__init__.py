"""Drivers: run the sans-I/O core (:mod:`arazzo_runner.engine`) with httpx, a clock and a sleeper.

:mod:`.loops` (sync and asyncio loops), :mod:`.adapter` (the core's plain requests ⇄ httpx),
:mod:`.environment` (credentials, endpoints, servers shared by runs), :mod:`.dry_run`
(``--dry-run``: the same requests, signed, not sent), :mod:`.telemetry_wiring` (a run's telemetry
around the driver, for a new run and a resumed one). The core imports none of these; they
import the core. ``Document.run`` and friends are :mod:`arazzo_runner.running` (above the journal).
"""

from .environment import RunEnvironment
from .loops import SyncTools, drive, run_async, run_sync

__all__ = ["RunEnvironment", "SyncTools", "drive", "run_async", "run_sync"]
