"""A run start does not read its source files again when nothing changed (issue 31).

The journal records each source's content digest with the file's size, modification and change
times and inode; a run start (or a resume) whose files still have those reads none of them. Any
change, even one that keeps the size and puts the modification time back, is read again.
Counted here: the calls that read and hash a file (``recorder._content_digest``).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections import Counter
from pathlib import Path

import pytest

from arazzo_runner.journal import JournalError, list_runs, recorder, resume
from tests.journal.test_journal import INPUTS, Crash, crashing_sleep, start


@pytest.fixture
def hashed(monkeypatch) -> Counter[str]:
    """File name -> times it was read and hashed."""
    counts: Counter[str] = Counter()
    real = recorder._content_digest

    def counting(path: Path) -> str:
        counts[Path(path).name] += 1
        return real(path)

    monkeypatch.setattr(recorder, "_content_digest", counting)
    return counts


@pytest.fixture
def settled(monkeypatch) -> None:
    """Files written by the test count as settled (no 2 s wait for the racy window)."""
    monkeypatch.setattr(recorder, "RACY_SECONDS", 0.0)


def sources_of(workdir: Path, run_id: str) -> dict[str, str]:
    (record,) = [r for r in list_runs(journal=workdir / "runs.db") if r.id == run_id]
    return record.sources


def same_size_edit(path: Path) -> None:
    """Change one character and put the modification time back: only content and ctime differ."""
    before = path.stat()
    text = path.read_text()
    assert "the order" in text
    path.write_text(text.replace("the order", "the ORDER", 1))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        before.st_size,
        before.st_mtime_ns,
        before.st_ino,
    )


def test_a_second_run_start_reads_no_unchanged_source(workdir, server, hashed, settled) -> None:
    first = start(workdir, server, sleep=lambda s: None)
    assert first.succeeded
    assert hashed == {"orders.arazzo.yaml": 1, "orders.openapi.yaml": 1}
    hashed.clear()
    second = start(workdir, server, sleep=lambda s: None)
    assert second.succeeded
    assert hashed == {}  # nothing read: size, times and inode are the recorded ones
    assert sources_of(workdir, second.run_id) == sources_of(workdir, first.run_id)
    # The cache lives in the journal, which is private.
    assert stat.S_IMODE((workdir / "runs.db").stat().st_mode) == 0o600
    with sqlite3.connect(workdir / "runs.db") as db:
        paths = {row[0] for row in db.execute("SELECT path FROM source_digests")}
    assert paths == {str(workdir / "orders.arazzo.yaml"), str(workdir / "orders.openapi.yaml")}


def test_a_changed_source_is_read_again_even_with_its_size_and_mtime(
    workdir, server, hashed, settled
) -> None:
    first = start(workdir, server, sleep=lambda s: None)
    same_size_edit(workdir / "orders.openapi.yaml")
    hashed.clear()
    second = start(workdir, server, sleep=lambda s: None)
    assert hashed == {"orders.openapi.yaml": 1}
    source = str(workdir / "orders.openapi.yaml")
    assert sources_of(workdir, second.run_id)[source] != sources_of(workdir, first.run_id)[source]


def test_a_replaced_file_is_read_again(workdir, server, hashed, settled) -> None:
    start(workdir, server, sleep=lambda s: None)
    source = workdir / "orders.openapi.yaml"
    replacement = workdir / "new.yaml"
    replacement.write_bytes(source.read_bytes())  # the same bytes, a new inode (as editors save)
    os.replace(replacement, source)
    hashed.clear()
    start(workdir, server, sleep=lambda s: None)
    assert hashed == {"orders.openapi.yaml": 1}


def test_a_file_changed_just_now_is_not_remembered(workdir, server, hashed) -> None:
    # The fixture copied the files a moment ago: within the racy window, a second change could
    # keep size and times, so each start reads them.
    start(workdir, server, sleep=lambda s: None)
    start(workdir, server, sleep=lambda s: None)
    assert hashed == {"orders.arazzo.yaml": 2, "orders.openapi.yaml": 2}


def test_resume_uses_the_cache_and_still_sees_a_same_size_edit(workdir, server, hashed, settled) -> None:
    with pytest.raises(Crash):
        start(workdir, server, sleep=crashing_sleep)
    (record,) = list_runs(journal=workdir / "runs.db")
    same_size_edit(workdir / "orders.openapi.yaml")
    hashed.clear()
    with pytest.raises(JournalError, match=r"orders\.openapi\.yaml changed"):
        resume(record.id, journal=workdir / "runs.db", inputs=INPUTS)
    assert hashed == {"orders.openapi.yaml": 1}
    hashed.clear()
    with pytest.raises(JournalError, match=r"orders\.openapi\.yaml changed"):
        resume(record.id, journal=workdir / "runs.db", inputs=INPUTS)
    assert hashed == {}  # the edited file's digest is remembered too: it is not read a third time
