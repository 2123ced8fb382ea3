"""Durable runs on one machine: a SQLite journal of every transition, ``resume`` and ``list_runs``.

:mod:`.store` (the SQLite file, WAL, the fsync policy), :mod:`.sealing` (secret inputs never
written), :mod:`.recorder` (the drivers' hook, one per run), :mod:`.in_doubt` (what to do with a
request in flight when the process died) and :mod:`.resuming`. The engine core knows nothing of
this: it hands out snapshots; the drivers call the hook at each transition. Imports are lazy so
that ``arazzo runs`` reads the journal without loading the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "Journal",
    "JournalError",
    "RequestInDoubt",
    "RunClaimed",
    "RunJournal",
    "RunJournaled",
    "RunRecord",
    "SecretInputsMissing",
    "default_path",
    "list_runs",
    "open_journal",
    "resume",
    "safety",
]

if TYPE_CHECKING:
    from .in_doubt import RequestInDoubt, safety
    from .recorder import RunJournal, RunJournaled
    from .resuming import list_runs, resume
    from .sealing import SecretInputsMissing
    from .store import Journal, JournalError, RunClaimed, RunRecord, default_path, open_journal

_WHERE = {
    "RequestInDoubt": "in_doubt",
    "safety": "in_doubt",
    "RunJournal": "recorder",
    "RunJournaled": "recorder",
    "list_runs": "resuming",
    "open_journal": "store",
    "resume": "resuming",
    "SecretInputsMissing": "sealing",
    "Journal": "store",
    "JournalError": "store",
    "RunClaimed": "store",
    "RunRecord": "store",
    "default_path": "store",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
