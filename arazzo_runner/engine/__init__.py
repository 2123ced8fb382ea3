"""The execution engine: a sans-I/O core (:mod:`.core`) and thin sync/asyncio drivers."""

from .core import Execution
from .drivers import run_async, run_sync
from .environment import RunEnvironment
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
