"""Each settled file a test's document names is parsed once per test process, not once per load.

Hundreds of tests load the flagship (and its 150 KB OpenAPI description) in this process: through
``arazzo_runner.load``, ``Document.run`` and the in-process CLI. Parsing the same unchanged bytes again
was about a tenth of those tests' time (issue 27, point 7). The loader still does everything else on
every load (confinement, references, schema validation, the model); only
``sources.fetch.read_file``'s answer for an unchanged file is reused (after opening it and checking
the opened descriptor with the confinement's ``verify``, as the real read does), and a ``ParsedFile`` is only ever
read (one load already shares a parsed file among the sources that name it).

A file is "unchanged" by the rule of the journal's remembered digests (``journal.recorder``): the
same path, size, modification and change times, inode and device, and last changed long enough ago
(``RACY_SECONDS``) that a second change could not hide behind the same times. Files a test writes are
fresh, so they are always read: every test of reading itself (FIFOs, races, sizes, confinement)
reads its own files.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

ReadFile = Callable[..., Any]


def reading_once(original: ReadFile, *, settled_only: bool = True) -> ReadFile:
    """``original`` (``fetch.read_file``) answering each unchanged file from the first parse of it;
    ``settled_only=False`` also keeps files changed just now (a module's own generated files,
    written once before its tests)."""
    from arazzo_runner.journal.recorder import RACY_SECONDS

    parsed: dict[tuple[Any, ...], Any] = {}

    def read_file(path: str, verify: Callable[[int], None] | None = None) -> Any:
        try:
            st = os.stat(path)
        except OSError:
            return original(path, verify=verify)
        key = (path, os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev)
        if key in parsed and _opened_same(path, st, verify):
            return parsed[key]
        result = original(path, verify=verify)
        settled = time.time_ns() - max(st.st_mtime_ns, st.st_ctime_ns) > RACY_SECONDS * 1e9
        if stat.S_ISREG(st.st_mode) and (settled or not settled_only):
            parsed[key] = result
        return result

    return read_file


def _opened_same(path: str, st: os.stat_result, verify: Callable[[int], None] | None) -> bool:
    """Open ``path`` as ``fetch.read_file`` does and run its ``verify`` (the folder confinement's check
    of the file actually opened, which raises for a file outside) on that descriptor, so a cached
    answer never skips it; False (read it afresh) when the opened file is not the one ``st`` describes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return False
    try:
        if verify is not None:
            verify(fd)
        opened = os.fstat(fd)
        return (opened.st_ino, opened.st_dev) == (st.st_ino, st.st_dev)
    finally:
        os.close(fd)


@pytest.fixture(scope="session", autouse=True)
def parsed_once() -> Iterator[None]:
    from arazzo_runner.sources import fetch

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fetch, "read_file", reading_once(fetch.read_file))
        yield
