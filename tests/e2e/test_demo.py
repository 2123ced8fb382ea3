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


def test_demos_leave_the_users_journal_alone(tmp_path) -> None:
    """``make demo`` and ``make demo-events`` run against throwaway servers: nothing goes in the journal
    (issue 26 point 9)."""
    import os

    state = tmp_path / "state"
    state.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "ARAZZO_JOURNAL"} | {"XDG_STATE_HOME": str(state)}
    for command in (
        ["arazzo_runner.cli.demo", "--poll-interval", "0"],
        ["arazzo_runner.cli.demo_events", "--in-progress", "1", "--seconds-per-phase", "0.2"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", *command, "--output", "json"],
            capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["status"] == "succeeded"
    assert list(state.rglob("*")) == []


def test_temporal_db_is_ignored_by_git() -> None:
    """The README's `temporal server start-dev --db-filename temporal.db` is run from the clone."""
    if not (ROOT / ".git").exists():
        import pytest

        pytest.skip("not a git checkout")
    result = subprocess.run(["git", "check-ignore", "-q", "temporal.db"], cwd=ROOT, timeout=30)
    assert result.returncode == 0


def test_setup_says_once_how_to_put_arazzo_on_the_path() -> None:
    """Issue 26 point 7: `make` creates .venv/bin/arazzo but cannot change the user's PATH; it says how."""
    plan = subprocess.run(
        ["make", "-n", "-B", ".venv/.synced"], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.count(". .venv/bin/activate") == 1  # only in the last setup phase: printed once
    assert "uv run arazzo" in plan.stdout
    readme = (ROOT / "README.md").read_text()
    assert ". .venv/bin/activate" in readme.split("## Setup")[0]  # before the first bare `arazzo`


def test_readme_timings_give_their_load() -> None:
    """Issue 26 point 10: each setup/test figure is given quiet and busy."""
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| command | wall time") :].split("\n\n")[0].splitlines()
    assert "quiet" in table[0] and "busy" in table[0]
    for row in table[2:]:
        assert row.count("|") == 4 and all(cell.strip() for cell in row.strip("|").split("|")), row
