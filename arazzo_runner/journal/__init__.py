"""Durable runs on one machine: a SQLite journal of every transition, ``resume`` and ``list_runs``.

:mod:`.store` (the SQLite file, WAL, the fsync policy), :mod:`.sealing` (secret inputs never
written), :mod:`.recorder` (the drivers' hook, one per run), :mod:`.in_doubt` (what to do with a
request in flight when the process died) and :mod:`.resume`. The engine core knows nothing of
this: it hands out snapshots; the drivers call the hook at each transition.
"""

from .in_doubt import RequestInDoubt, safety
from .recorder import RunJournal
from .resume import RunJournaled, list_runs, open_journal, resume
from .sealing import SecretInputsMissing
from .store import Journal, JournalError, RunRecord, default_path

__all__ = [
    "Journal",
    "JournalError",
    "RequestInDoubt",
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
