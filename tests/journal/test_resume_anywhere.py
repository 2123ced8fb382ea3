"""``resume`` reads the same folder tree as the run it resumes, from any working directory (issue 25
point 6, issue 26 point 6): the confinement root is journaled with the run's settings."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.journal import resume
from arazzo_runner.journal.store import Journal
from tests.journal.test_journal import DATA, INPUTS, OPTIONS, TOKEN, Crash, crashing_sleep


def catalog(base: Path) -> Path:
    """``workflows/orders.arazzo.yaml`` naming ``../openapi/orders.openapi.yaml`` (no repository)."""
    (base / "workflows").mkdir(parents=True)
    (base / "openapi").mkdir()
    shutil.copy(DATA / "orders.openapi.yaml", base / "openapi" / "orders.openapi.yaml")
    text = (DATA / "orders.arazzo.yaml").read_text().replace("./orders.openapi.yaml", "../openapi/orders.openapi.yaml")
    (base / "workflows" / "orders.arazzo.yaml").write_text(text)
    return base / "workflows" / "orders.arazzo.yaml"


def test_resume_from_another_folder_reads_the_sources_of_the_run(tmp_path, server, monkeypatch) -> None:
    doc = catalog(tmp_path / "project")
    journal = tmp_path / "runs.db"
    monkeypatch.chdir(tmp_path / "project")
    with pytest.raises(Crash):
        arazzo_runner.load(doc).run(
            "order", INPUTS, servers={"orders": server.url}, options=OPTIONS, journal=journal, sleep=crashing_sleep
        )
    with Journal(journal) as store:
        (record,) = store.runs()
    assert record.settings["confinementRoot"] == str((tmp_path / "project").resolve())
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    result = resume(record.id, journal=journal, inputs={"apiToken": TOKEN}, sleep=lambda _s: None)
    assert result.status == "succeeded", result.error


def test_resume_keeps_the_journaled_root_when_the_layout_around_it_changes(tmp_path, server) -> None:
    """The run started inside a repository (root: the repository); its ``.git`` is gone by the resume.
    The journaled root is used, not a recomputed one that would refuse ``../../openapi``."""
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    doc = catalog(project / "team")
    moved = doc.parent.parent.parent / "openapi"
    shutil.move(str(doc.parent.parent / "openapi"), moved)
    doc.write_text(doc.read_text().replace("../openapi/", "../../openapi/"))
    journal = tmp_path / "runs.db"
    with pytest.raises(Crash):
        arazzo_runner.load(doc).run(
            "order", INPUTS, servers={"orders": server.url}, options=OPTIONS, journal=journal, sleep=crashing_sleep
        )
    (project / ".git").rmdir()
    with pytest.raises(arazzo_runner.DocumentError, match="outside"):
        arazzo_runner.load(doc)  # recomputed now: project/team is the root
    with Journal(journal) as store:
        (record,) = store.runs()
    result = resume(record.id, journal=journal, inputs={"apiToken": TOKEN}, sleep=lambda _s: None)
    assert result.status == "succeeded", result.error
