"""Reports of an ``arazzo test`` suite for CI servers and people: JUnit XML (:mod:`.junit`), one
self-contained HTML page (:mod:`.html`), GitHub Actions annotations (:mod:`.annotations`).

Every report reads :class:`arazzo_runner.testing.CaseOutcome` objects, whose results are already
masked and whose exchanges are redacted (:mod:`arazzo_runner.testing.trace`).
"""

import os


def write_private(path: str, text: str) -> None:
    """Write a report readable by its owner only (0600): it may hold run data (outputs, bodies)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.chmod(path, 0o600)
