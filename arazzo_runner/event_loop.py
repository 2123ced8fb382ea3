"""The event loop our own long-running commands start: uvloop when it is installed, else asyncio's.

``pip install 'arazzo-runner[fast]'`` adds uvloop; a fleet of async runs (``arazzo worker`` serving
Temporal activities) spends much of its time in the event loop's socket and callback machinery,
which uvloop does in C (``bench/fleet.py --uvloop`` measures it). ``ARAZZO_UVLOOP=0`` keeps
asyncio's own loop, e.g. to tell a uvloop problem from ours. Library callers choose their own
loop: ``run_async`` runs on whatever loop awaits it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Values of ``ARAZZO_UVLOOP`` that keep asyncio's default loop even when uvloop is installed.
_OFF = frozenset({"0", "false", "no", "off"})


def uvloop_wanted() -> bool:
    """uvloop is installed and not turned off by ``ARAZZO_UVLOOP``."""
    if os.environ.get("ARAZZO_UVLOOP", "").strip().lower() in _OFF:
        return False
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)``, on uvloop when :func:`uvloop_wanted`."""
    if uvloop_wanted():
        import uvloop

        result: T = uvloop.run(coroutine)
        return result
    return asyncio.run(coroutine)
