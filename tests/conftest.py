"""Shared fixtures: paths to the repository's data and a runner for the real ``arazzo`` CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"

# Loaded before any test module is imported: the journal and state live in a folder of the session, children
# get default signal dispositions, leftovers are killed (see tests/process_hygiene.py).
pytest_plugins = ["tests.process_hygiene"]


@pytest.fixture
def run_cli():
    """Run ``python -m arazzo_runner ARGS`` in a subprocess, as a user would."""

    def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "arazzo_runner", *args],
            capture_output=True,
            text=True,
            cwd=cwd or ROOT,
            timeout=60,
        )

    return run
