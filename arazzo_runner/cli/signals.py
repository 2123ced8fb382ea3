"""SIGTERM behaves like Ctrl-C: CI runners and containers stop processes with it.

While a command runs, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``), so the same
code path reports what was started, runs ``--on-interrupt`` cleanup and prints the interrupted
result; the exit code is then 143 (128 + SIGTERM) instead of 130.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interrupted_exit_code(exc: BaseException, interrupted: int) -> int:
    return EXIT_TERMINATED if isinstance(exc, Terminated) else interrupted


def what_stopped(exc: BaseException) -> str:
    return "terminated (SIGTERM)" if isinstance(exc, Terminated) else "interrupted"
