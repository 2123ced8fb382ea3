"""A run's settings travel with it through the journal (issue 25, points 1 and 6).

The journal kept only ``servers``: after ``kill -9`` and ``arazzo resume`` a step that ``--deny-host``
had refused reached that host, and the resumed run's client had neither the response limits nor
the client certificates of the run. Now the run's :class:`RunSettings` are journaled and rebuilt;
a resume may tighten them, and one that loosens them (or names another ``--server``) is refused
without ``--force``. A comment-only change to an OpenAPI file no longer blocks a resume.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.journal import Journal, JournalError, resume
from arazzo_runner.run_settings import RunSettings
from tests.cli.in_process import CliResult, run_cli
from tests.conftest import ROOT
from tests.journal.test_journal import (
    DUE_AT_ONCE,
    INPUTS,
    OPTIONS,
    SCRIPT,
    TOKEN,
    Crash,
    crashing_sleep,
    only_run,
)

#: The orders workflow with its confirm step on a second source (the same description), so that
#: a run's steps go to two hosts: the orders server by address, the "audit" one by name.
AUDITED = """arazzo: 1.0.1
info: {title: Orders with an audit source, version: "1"}
sourceDescriptions:
  - {name: orders, url: ./orders.openapi.yaml, type: openapi}
  - {name: audit, url: ./orders.openapi.yaml, type: openapi}
workflows:
  - workflowId: order
    inputs:
      type: object
      required: [item, apiToken]
      properties:
        item: {type: string}
        apiToken: {type: string}
    steps:
      - stepId: create
        operationId: $sourceDescriptions.orders.createOrder
        parameters:
          - {name: X-Api-Key, in: header, value: $inputs.apiToken}
        requestBody:
          contentType: application/json
          payload: {item: $inputs.item}
        successCriteria: [{condition: $statusCode == 201}]
        outputs: {id: $response.body#/id}
      - stepId: poll
        operationId: $sourceDescriptions.orders.getOrder
        parameters:
          - {name: id, in: path, value: $steps.create.outputs.id}
        successCriteria: [{condition: $statusCode == 200}]
        outputs: {status: $response.body#/status}
        onSuccess:
          - {name: wait, type: goto, stepId: poll, criteria: [{condition: $response.body#/status == 'pending'}]}
      - stepId: confirm
        operationId: $sourceDescriptions.audit.confirmOrder
        parameters:
          - {name: id, in: path, value: $steps.create.outputs.id}
        successCriteria: [{condition: $statusCode == 200}]
    outputs:
      id: $steps.create.outputs.id
"""


def arazzo(*args: str) -> CliResult:
    """The CLI in this process (the run killed with SIGKILL below is a real one)."""
    return run_cli(args, env=os.environ, cwd=ROOT)


def start(workdir: Path, server, settings: RunSettings, **kwargs):
    doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")
    environment = settings.environment()
    kwargs.setdefault("options", OPTIONS)
    return doc.run("order", INPUTS, environment=environment, journal=workdir / "runs.db", **kwargs)


def test_deny_host_holds_after_kill_9_and_resume(workdir, server) -> None:
    (workdir / "audited.arazzo.yaml").write_text(AUDITED)
    port = server.url.rsplit(":", 1)[1]
    slow_poll = [(200, {"status": "done"}, {"x-test-delay": "20"}), (200, {"status": "done"})]
    server.reset({**SCRIPT, ("GET", "/orders/o-1"): slow_poll})
    journal = str(workdir / "runs.db")
    command = [
        sys.executable, "-m", "arazzo_runner", "run", str(workdir / "audited.arazzo.yaml"),
        "-i", "item=book", "-i", f"apiToken={TOKEN}", "--server", f"orders={server.url}",
        "--server", f"audit=http://localhost:{port}", "--deny-host", "LOCALHOST.", "--journal", journal,
    ]  # fmt: skip
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not any(r.method == "GET" for r in server.requests) and time.monotonic() < deadline:
            time.sleep(0.01)  # until the poll is in flight (the server holds its answer)
        assert any(r.method == "GET" for r in server.requests), "the poll was never sent"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    with Journal(journal) as opened:
        (record,) = opened.runs()
    assert record.status == "interrupted" and record.last_step == "poll"
    assert record.settings["denyHosts"] == ["LOCALHOST."]

    resumed = arazzo("resume", record.id, "--journal", journal, "-i", f"apiToken={TOKEN}", "--output", "json")
    assert resumed.returncode == 1, resumed.stderr
    error = json.loads(resumed.stdout)["error"]
    assert error["stepId"] == "confirm" and "refused by --deny-host 'LOCALHOST.'" in error["message"]
    assert not [r for r in server.requests if r.path.endswith("/confirm")]  # never reached the denied host


def test_resume_rebuilds_the_runs_limits(workdir, server) -> None:
    big = {"status": "done", "padding": "x" * 5000}
    server.reset({**SCRIPT, ("GET", "/orders/o-1"): [(200, {"status": "pending"}), (200, big)]})
    settings = RunSettings(servers=(("orders", server.url),), max_response_size=2000)
    with pytest.raises(Crash):
        start(workdir, server, settings, sleep=crashing_sleep)
    record = only_run(workdir)
    recorded = RunSettings.from_json(record.settings)
    assert recorded.confinement_root == str(workdir.resolve().parent)  # no repository: the folder's parent
    assert dataclasses.replace(recorded, confinement_root=None) == settings
    result = resume(record.id, journal=workdir / "runs.db", inputs=INPUTS, sleep=lambda s: None)
    assert not result.succeeded
    assert result.error is not None and "2000" in result.error.message  # the run's own size bound


def test_resume_may_tighten_but_not_loosen_without_force(workdir, server) -> None:
    settings = RunSettings(
        servers=(("orders", server.url),), deny_hosts=("*.internal",), max_response_size=100_000
    )
    with pytest.raises(Crash):  # crashed in its poll wait; the tightened resume below polls at once
        start(workdir, server, settings, sleep=crashing_sleep, options=DUE_AT_ONCE)
    record = only_run(workdir)
    journal = str(workdir / "runs.db")
    sent = len(server.requests)
    for flags, named in [
        (["--max-response-size", "1MiB"], "--max-response-size 1048576 (the run used 100000)"),
        (
            ["--server", "orders=http://127.0.0.1:9"],
            f"--server orders=http://127.0.0.1:9 (the run used {server.url})",
        ),
        (["--http-timeout", "90"], "--http-timeout 90 (the run used 30)"),
        (["--transport-retries"], "--transport-retries"),
        (["--allow-remote"], "--allow-remote"),
    ]:
        refused = arazzo("resume", record.id, "--journal", journal, "-i", f"apiToken={TOKEN}", *flags)
        assert refused.returncode == 2, (flags, refused.stderr)
        assert named in refused.stderr and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert len(server.requests) == sent  # nothing sent by a refused resume

    server.requests.clear()
    tightened = arazzo(
        "resume", record.id, "--journal", journal, "-i", f"apiToken={TOKEN}", "--deny-host", "127.1"
    )
    assert tightened.returncode == 1
    assert (
        "refused by --deny-host '127.1'" in tightened.stderr
        or "refused by --deny-host '127.1'" in tightened.stdout
    )
    assert server.requests == []
    with Journal(journal) as opened:
        kept = RunSettings.from_json(opened.get(record.id).settings)
    assert kept.deny_hosts == ("*.internal", "127.1")  # the next resume keeps the tightened settings


def test_another_server_resumes_only_with_force_and_is_journaled(workdir, server) -> None:
    settings = RunSettings(servers=(("orders", "http://127.0.0.1:9"),))  # nothing listens there
    with pytest.raises(Crash):
        doc = arazzo_runner.load(workdir / "orders.arazzo.yaml")
        doc.run(
            "order", INPUTS, options=OPTIONS, environment=settings.environment(), journal=workdir / "runs.db",
            client=_crash_first(),
        )  # fmt: skip
    record = only_run(workdir)
    with pytest.raises(JournalError, match=r"--server orders=.* \(the run used http://127.0.0.1:9\)"):
        resume(record.id, journal=workdir / "runs.db", inputs=INPUTS, servers={"orders": server.url})
    result = resume(
        record.id, journal=workdir / "runs.db", inputs=INPUTS, servers={"orders": server.url}, force=True,
        in_doubt="resend", sleep=lambda s: None,
    )  # fmt: skip
    assert result.succeeded, result.error
    with Journal(workdir / "runs.db") as opened:
        assert opened.get(record.id).settings["servers"] == {"orders": server.url}
        assert any("--force: --server orders=" in (e.get("detail") or "") for e in opened.timeline(record.id))


def _crash_first():
    import httpx

    def hook(request: httpx.Request) -> None:
        raise Crash("before the first answer")

    return httpx.Client(event_hooks={"request": [hook]})


def test_a_comment_only_change_to_the_openapi_file_does_not_block_resume(workdir, server) -> None:
    with pytest.raises(Crash):
        start(workdir, server, RunSettings(servers=(("orders", server.url),)), sleep=crashing_sleep)
    record = only_run(workdir)
    openapi = workdir / "orders.openapi.yaml"
    text = openapi.read_text()
    openapi.write_text("# reviewed 2026-12-05\n" + text.replace("paths:", "paths:   # every operation\n", 1))
    result = resume(record.id, journal=workdir / "runs.db", inputs=INPUTS, sleep=lambda s: None)
    assert result.succeeded, result.error

    # what the run uses still counts: a real change is refused
    server.reset(dict(SCRIPT))
    with pytest.raises(Crash):
        start(workdir, server, RunSettings(servers=(("orders", server.url),)), sleep=crashing_sleep)
    second = next(
        r for r in arazzo_runner.journal.list_runs(journal=workdir / "runs.db") if r.id != record.id
    )
    openapi.write_text(openapi.read_text().replace("/orders/{id}/confirm", "/orders/{id}/confirmation"))
    with pytest.raises(JournalError, match=r"orders\.openapi\.yaml changed"):
        resume(second.id, journal=workdir / "runs.db", inputs=INPUTS, sleep=lambda s: None)


def test_the_journal_records_every_setting_of_a_cli_run(workdir, server) -> None:
    done = arazzo(
        "run", str(workdir / "orders.arazzo.yaml"), "-i", "item=book", "-i", f"apiToken={TOKEN}",
        "--server", f"orders={server.url}", "--journal", str(workdir / "runs.db"), "--poll-interval", "0",
        "--deny-host", "*.internal", "--allow-host", "127.0.0.*", "--max-response-size", "1MiB",
        "--http-timeout", "12", "--validate", "--transport-retries",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with Journal(workdir / "runs.db") as opened:
        (record,) = opened.runs()
    assert record.settings == {
        "servers": {"orders": server.url},
        "allowHosts": ["127.0.0.*"],
        "denyHosts": ["*.internal"],
        "denyPrivateNetworks": False,
        "clientCerts": [],
        "httpTimeout": 12.0,
        "maxResponseSize": 1024 * 1024,
        "transportRetries": True,
        "validate": "warn",
        "allowRemote": False,
        "allowOutside": False,
        "awsSigning": True,
        "confinementRoot": str(workdir.resolve().parent),  # issue 26: resume reads the same folder tree
    }
