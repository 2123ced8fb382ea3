"""`arazzo run` / `resume` / `runs` as a user runs them (real processes, a real server on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from arazzo_runner.journal import Journal
from tests.cli.in_process import CliResult, run_cli
from tests.conftest import ROOT
from tests.engine.scripted_server import ScriptedServer
from tests.journal.test_journal import DUE_AT_ONCE, SCRIPT, TOKEN, Crash, crash_on, crashing_sleep, start


def arazzo(*args: str) -> CliResult:
    """The CLI in this process (the concurrency tests below start real ones)."""
    return run_cli(args, env=os.environ, cwd=ROOT)


def run_args(workdir: Path, server: ScriptedServer, *extra: str) -> list[str]:
    return [
        "run", str(workdir / "orders.arazzo.yaml"), "-i", "item=book", "-i", f"apiToken={TOKEN}",
        "--server", f"orders={server.url}", "--journal", str(workdir / "runs.db"), *extra,
    ]  # fmt: skip


def test_another_process_reads_the_journal_while_the_run_runs(workdir, server) -> None:
    # Four waits (0.25 s, then x1.5 each: about 2 s in all) in which the journal shows a next poll.
    server.reset({**SCRIPT, ("GET", "/orders/o-1"): [(200, {"status": "pending"})] * 4 + [(200, {"status": "done"})]})
    command = [sys.executable, "-m", "arazzo_runner", *run_args(workdir, server, "--poll-interval", "0.25")]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and process.poll() is None:
            if (workdir / "runs.db").exists():
                with Journal(workdir / "runs.db") as journal:
                    running = [r for r in journal.runs() if r.status == "running" and r.next_poll]
                if running:
                    seen = running[0]
                    break
            time.sleep(0.02)
        assert seen is not None, "the run was never seen running with a next poll"
        assert seen.last_step == "poll" and seen.pid == process.pid
        listed = arazzo("runs", "--journal", str(workdir / "runs.db"))
        assert seen.id in listed.stdout and "running" in listed.stdout
    finally:
        _out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert f"arazzo: run {seen.id} (journal " in err
    with Journal(workdir / "runs.db") as journal:
        assert journal.get(seen.id).status == "succeeded"


def test_run_warns_of_an_unfinished_identical_run_and_resume_asks_for_secrets(workdir, server) -> None:
    with pytest.raises(Crash):  # crashed in its poll wait; the resume below polls at once
        start(workdir, server, sleep=crashing_sleep, options=DUE_AT_ONCE)
    with Journal(workdir / "runs.db") as journal:
        (first,) = journal.runs()
    again = arazzo(*run_args(workdir, server, "--poll-interval", "0", "--output", "json"))
    assert again.returncode == 0, again.stderr
    assert f"warning: run {first.id} of the same document, workflow and inputs is unfinished" in again.stderr
    assert f"`arazzo resume {first.id}`" in again.stderr
    assert json.loads(again.stdout)["runId"] != first.id

    missing = arazzo("resume", first.id, "--journal", str(workdir / "runs.db"))
    assert missing.returncode == 2
    assert "secret input apiToken" in missing.stderr and "-i apiToken=..." in missing.stderr
    assert "Traceback" not in missing.stderr

    resumed = arazzo("resume", first.id[:-2], "--journal", str(workdir / "runs.db"), "-i", f"apiToken={TOKEN}")
    assert resumed.returncode == 0, resumed.stderr
    assert "status: done" in resumed.stdout and f"resuming {first.id}" in resumed.stderr

    shown = arazzo("runs", "show", first.id, "--journal", str(workdir / "runs.db"))
    assert shown.returncode == 0, shown.stderr
    assert "apiToken: ***" in shown.stdout and TOKEN not in shown.stdout
    assert "resumed" in shown.stdout and "poll: succeeded 200" in shown.stdout
    data = json.loads(arazzo("runs", "show", first.id, "--journal", str(workdir / "runs.db"), "--output", "json").stdout)
    assert TOKEN not in json.dumps(data) and data["status"] == "succeeded"


def test_resume_stops_at_a_post_in_doubt_until_told(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, client=crash_on("POST", "/orders"))
    with Journal(workdir / "runs.db") as journal:
        (record,) = journal.runs()
    base = ("resume", record.id, "--journal", str(workdir / "runs.db"), "-i", f"apiToken={TOKEN}")
    stopped = arazzo(*base)
    assert stopped.returncode == 2
    assert "step 'create'" in stopped.stderr and "POST /orders" in stopped.stderr and "--assume-failed" in stopped.stderr
    listed = arazzo("runs", "--journal", str(workdir / "runs.db"), "--status", "interrupted")
    assert record.id in listed.stdout
    failed = arazzo(*base, "--assume-failed")
    assert failed.returncode == 1 and "assumed failed" in failed.stderr
    assert server.requests == []


def test_runs_prune_and_no_journal(workdir, server) -> None:
    plain = arazzo(*run_args(workdir, server, "--poll-interval", "0", "--output", "json", "--no-journal"))
    assert plain.returncode == 0 and "runId" not in json.loads(plain.stdout)
    assert not (workdir / "runs.db").exists()
    journaled = arazzo(*run_args(workdir, server, "--poll-interval", "0", "--output", "json"))
    run_id = json.loads(journaled.stdout)["runId"]
    pruned = arazzo("runs", "prune", "--older-than", "30d", "--journal", str(workdir / "runs.db"), "--output", "json")
    assert pruned.returncode == 0 and json.loads(pruned.stdout) == {"pruned": []}
    bad = arazzo("runs", "prune", "--older-than", "a month", "--journal", str(workdir / "runs.db"))
    assert bad.returncode == 2 and "30d" in bad.stderr
    unknown = arazzo("resume", "nope", "--journal", str(workdir / "runs.db"))
    assert unknown.returncode == 2 and "no run 'nope'" in unknown.stderr
    assert run_id in arazzo("runs", "--journal", str(workdir / "runs.db"), "--status", "succeeded").stdout
