"""Exit 70 (a bug of ours) is unreachable from ordinary conditions (issue 25, point 5).

A damaged journal row, a journal that becomes read-only, stays locked past the busy timeout or
fills the disk mid-run, and deeply nested inline JSON inputs are each a clear exit 2 or 1, never
an "internal error". Mid-run, the message names the run and what it had started (the job ARN),
as the signal path does.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from arazzo_runner.journal import Journal
from tests.conftest import ROOT

from .test_run import ENV, FLAGSHIP, arazzo, flagship_args, job_script
from .test_run import server as server  # the module-scoped scripted server fixture

ARN = "arn:aws:sagemaker:us-east-1:1:training-job/cli-job"


def _journal_with_runs(path, count: int = 3) -> list[str]:
    with Journal(path) as journal:
        ids = []
        for n in range(count):
            run_id = f"20260101-00000{n}-run{n}"
            journal.start_run(
                run_id, workflow_id="w", document="doc.yaml", identity=f"i{n}", inputs={"n": n},
                secret_inputs=[], sources={}, settings={}, now=1_700_000_000.0 + n,
            )  # fmt: skip
            ids.append(run_id)
    return ids


@pytest.mark.parametrize(
    "damage",
    [
        "UPDATE runs SET inputs = '{not json' WHERE id = ?",
        "UPDATE runs SET started = 'yesterday' WHERE id = ?",
        "UPDATE runs SET status = 'exploded' WHERE id = ?",
        "UPDATE runs SET in_flight = '[1, 2]' WHERE id = ?",
    ],
)
def test_a_damaged_row_is_reported_and_the_others_still_listed(tmp_path, damage: str) -> None:
    path = tmp_path / "runs.db"
    good_one, damaged, good_two = _journal_with_runs(path)
    with sqlite3.connect(path) as db:
        db.execute(damage, (damaged,))
    listed = arazzo("runs", "--journal", str(path))
    assert listed.returncode == 2, listed.stderr
    assert good_one in listed.stdout and good_two in listed.stdout and damaged not in listed.stdout
    assert f"run {damaged} in the journal is damaged and cannot be read" in listed.stderr
    as_json = arazzo("runs", "--journal", str(path), "--output", "json")
    assert as_json.returncode == 2
    assert {r["runId"] for r in json.loads(as_json.stdout)} == {good_one, good_two}
    for command in (["runs", "show", damaged], ["resume", damaged]):
        shown = arazzo(*command, "--journal", str(path))
        assert shown.returncode == 2, shown.stderr
        assert f"run {damaged} in the journal is damaged" in shown.stderr
        assert "internal error" not in shown.stderr and "Traceback" not in shown.stderr


def test_a_damaged_saved_state_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "runs.db"
    (run_id, *_) = _journal_with_runs(path, 1)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE runs SET snapshot = '{\"state\": 3}' WHERE id = ?", (run_id,))
    for command in (["runs", "show", run_id], ["resume", run_id]):
        shown = arazzo(*command, "--journal", str(path))
        assert shown.returncode == 2, shown.stderr
        assert f"run {run_id} in the journal is damaged" in shown.stderr


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("readonly", "it is read-only"),
        ("locked", "another process held its lock"),
        ("full", "the disk is full or failing"),
    ],
)
def test_a_journal_that_fails_mid_run_is_exit_1_naming_the_run_and_what_it_started(
    server, tmp_path, mode: str, expected: str
) -> None:
    server.reset(job_script(in_progress=50))
    journal = tmp_path / "runs.db"
    command = [
        sys.executable, "-m", "tests.journal.faulty_journal_child", mode, "4",
        *flagship_args(server.url, tmp_path), "--poll-interval", "0.01", "--journal", str(journal),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    assert f"could not be written: {expected}" in result.stderr, result.stderr
    run_id = result.stderr.split("arazzo: run ", 1)[1].split(" ", 1)[0]
    assert (
        f"arazzo: run {run_id} of workflow 'train-and-poll-job' stopped before its next request"
        in result.stderr
    )
    assert ARN in result.stderr  # what the run started, still running on the server
    assert f"`arazzo resume {run_id}`" in result.stderr


def test_a_read_only_journal_at_the_start_is_exit_2(tmp_path) -> None:
    path = tmp_path / "runs.db"
    _journal_with_runs(path, 1)
    command = [
        sys.executable, "-c",
        "import sys; from arazzo_runner.journal import store; original = store.Journal.start_run\n"
        "def start_run(self, *a, **k):\n    self._db.execute('PRAGMA query_only = ON'); original(self, *a, **k)\n"
        "store.Journal.start_run = start_run\nfrom arazzo_runner.cli.main import main; sys.exit(main(sys.argv[1:]))",
        *flagship_args("http://127.0.0.1:9", tmp_path), "--journal", str(path),
    ]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2, result.stderr
    assert "it is read-only" in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize(
    "option",
    [
        ["--inputs", '{"trainingJobName": ' + "[" * 50_000 + "]" * 50_000 + "}"],
        ["--inputs", '{"trainingJobName": ' + "[" * 500 + "]" * 500 + "}"],
        ["-i", "trainingJobName=" + "[" * 50_000 + "]" * 50_000],
        ["-i", "trainingJobName=" + '{"a":' * 5000 + "1" + "}" * 5000],
    ],
)
def test_deeply_nested_inline_json_inputs_are_exit_2(tmp_path, option: list[str]) -> None:
    result = arazzo("run", FLAGSHIP, *option, "--server", "sagemakerApi=http://127.0.0.1:9", "--no-journal")
    assert result.returncode == 2, result.stderr[-2000:]
    assert "nested deeper than 100 levels" in result.stderr
    assert "internal error" not in result.stderr
