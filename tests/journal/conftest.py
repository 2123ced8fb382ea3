"""Fixtures of the journal tests: the orders workflow in a temporary folder and its scripted server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.engine.scripted_server import ScriptedServer
from tests.journal.test_journal import DATA, SCRIPT


@pytest.fixture
def server():
    server = ScriptedServer(dict(SCRIPT))
    yield server
    server.close()


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    for name in ("orders.arazzo.yaml", "orders.openapi.yaml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path
