"""The exit codes of ``arazzo`` (one place; every command module imports them from here)."""

from __future__ import annotations

#: The workflow succeeded (or the command did what it was asked).
EXIT_OK = 0
#: The workflow failed: a step failed, an ``end`` was reached through a failure action, a limit was hit.
EXIT_FAILED = 1
#: Bad usage or an invalid document.
EXIT_USAGE = 2
#: A bug of ours: the message says how to get the traceback.
EXIT_INTERNAL = 70
#: Interrupted (Ctrl-C).
EXIT_INTERRUPTED = 130
