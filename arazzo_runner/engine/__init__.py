"""The execution engine: a sans-I/O core over plain data (:mod:`.core`, :mod:`.state`).

Nothing in this package imports httpx or :mod:`arazzo_runner.http`; the drivers that send
requests (``RunEnvironment``, ``run_sync``, ``run_async``) live in :mod:`arazzo_runner.drivers`.
"""

from __future__ import annotations

from .core import Execution
from .inputs import InputsError
from .options import PollPacing, RunOptions
from .result import RunError, RunResult, StepRecord

__all__ = [
    "Execution",
    "InputsError",
    "PollPacing",
    "RunError",
    "RunOptions",
    "RunResult",
    "StepRecord",
]
