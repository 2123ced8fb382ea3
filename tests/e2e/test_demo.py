"""``make demo``'s program, end to end in a subprocess (no waiting between polls)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_demo_runs_the_flagship_against_the_emulator() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "arazzo_runner.cli.demo", "--poll-interval", "0", "--output", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "succeeded"
    assert data["outputs"]["trainingJobStatus"] == "Completed"
    assert "Emulator saw 1 CreateTrainingJob and 6 DescribeTrainingJob calls." in result.stderr
