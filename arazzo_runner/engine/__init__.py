"""The execution engine: a sans-I/O core over plain data (:mod:`.core`, :mod:`.state`).

Nothing in this package imports httpx or :mod:`arazzo_runner.http`; the drivers that send
requests live in :mod:`arazzo_runner.drivers`. ``RunEnvironment``, ``run_sync`` and
``run_async`` are still importable from here (looked up there on first use) for code written
before the split.
"""

from __future__ import annotations

from typing import Any

from .core import Execution
from .inputs import InputsError
from .options import PollPacing, RunOptions
from .result import RunError, RunResult, StepRecord

__all__ = [
    "Execution",
    "InputsError",
    "PollPacing",
    "RunEnvironment",
    "RunError",
    "RunOptions",
    "RunResult",
    "StepRecord",
    "run_async",
    "run_sync",
]

_MOVED = {"RunEnvironment", "run_async", "run_sync"}


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        from importlib import import_module

        return getattr(import_module("arazzo_runner.drivers"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
