"""`arazzo` whose journal starts failing mid-run, as a real one can (for the exit-code tests).

``python -m tests.journal.faulty_journal_child MODE N ARGV...`` runs the CLI with ARGV; at the
N-th journal transition of the run the journal's file starts failing, for real:

* ``readonly``: the journal's connection is made read-only (``PRAGMA query_only``): SQLite
  answers "attempt to write a readonly database", as for a runs.db that became read-only;
* ``locked``: another connection takes the journal's write lock and keeps it (the busy timeout
  is lowered to 0.3 s so the test does not wait 10 s): "database is locked";
* ``full``: the process may write no further into any file (``RLIMIT_FSIZE`` at the journal's
  current size, ``SIGXFSZ`` ignored): the next write that grows the journal fails with ``EFBIG``,
  which SQLite reports as "database or disk is full", as on a full disk.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import sys
from typing import Any

from arazzo_runner.cli import main as cli_main
from arazzo_runner.journal import store

_held: list[sqlite3.Connection] = []


def _break(journal: store.Journal, mode: str) -> None:
    if mode == "readonly":
        journal._db.execute("PRAGMA query_only = ON")
    elif mode == "locked":
        holder = sqlite3.connect(journal.path, isolation_level=None, timeout=5)
        holder.execute("BEGIN EXCLUSIVE")
        _held.append(holder)
    elif mode == "full":
        sizes = [os.path.getsize(p) for p in (journal.path, f"{journal.path}-wal") if os.path.exists(p)]
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (max(sizes), resource.RLIM_INFINITY))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


def main() -> int:
    mode, after, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    store.BUSY_TIMEOUT_MS = 300
    original = store.Journal.transition
    count = 0

    def transition(self: store.Journal, *args: Any, **kwargs: Any) -> None:
        nonlocal count
        count += 1
        if count == after:
            _break(self, mode)
        original(self, *args, **kwargs)

    store.Journal.transition = transition  # type: ignore[method-assign]
    return cli_main.main(argv)


if __name__ == "__main__":
    sys.exit(main())
