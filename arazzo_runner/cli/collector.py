"""The garbage collector while ``arazzo`` starts: paused, then what was loaded is set aside.

Starting ``arazzo run`` creates some 90,000 long-lived objects (modules, the document, its
OpenAPI descriptions) and almost no cyclic garbage, yet the collector walks them again and again:
~60 ms of a run's start, and a full collection now and then during a poll loop. So the CLI pauses
the collector from its first line (:func:`paused`); ``run`` then moves everything made so far out
of its sight (:func:`gc.freeze`) and turns it back on before the first request
(:func:`settle_for_run`); every other command turns it back on once its arguments are parsed.
When :func:`paused` ends (``main`` returns, as in tests that call it in process) the frozen
objects are handed back to the collector and its state is what it was.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_was_enabled = True
_frozen = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off within this block (if it was on), its state restored after."""
    global _was_enabled, _frozen
    _was_enabled, _frozen = gc.isenabled(), False
    gc.disable()
    try:
        yield
    finally:
        if _frozen:
            gc.unfreeze()
            _frozen = False
        if _was_enabled:
            gc.enable()


def resume() -> None:
    """The collector back on (a command that does not run a workflow here)."""
    if _was_enabled:
        gc.enable()


def settle_for_run() -> None:
    """Set aside what starting made (it lives as long as the run) and turn the collector back on."""
    global _frozen
    if gc.isenabled() or not _was_enabled:
        return  # not paused by :func:`paused` (the library's callers, or a collector turned off)
    gc.freeze()
    _frozen = True
    gc.enable()
