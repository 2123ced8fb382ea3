"""Shared fixtures: paths to the repository's data and a runner for the real ``arazzo`` CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"

# Loaded before any test module is imported: the journal and state live in a folder of the session, children
# get default signal dispositions, leftovers are killed (see tests/process_hygiene.py).
pytest_plugins = ["tests.process_hygiene"]


@pytest.fixture
def run_cli():
    """Run ``arazzo ARGS`` as a user would, in this process (``tests/cli/in_process.py``: its
    streams, environment and directory are the call's own); ``process=True``: in a subprocess."""
    from tests.cli.in_process import run_cli as in_process

    def run(*args: str, cwd: Path | None = None, process: bool = False) -> Any:
        if not process:
            return in_process(args, env=os.environ, cwd=cwd or ROOT)
        return subprocess.run(
            [sys.executable, "-m", "arazzo_runner", *args],
            capture_output=True,
            text=True,
            cwd=cwd or ROOT,
            timeout=60,
        )

    return run
