"""``arazzo worker``, ``arazzo run --temporal`` (follow and --detach) and ``arazzo runs``, as users run them.

The worker is a real ``arazzo worker`` process, one per module on its own task queue (each test's runs
have their own job names and emulator). The ``run`` and ``runs`` commands run in this process
(``main(argv)`` with its own streams, :mod:`tests.cli.in_process`), except where the process is what is
tested: an import check in a fresh interpreter and a run killed while it waits for a worker.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from unittest import mock

import pytest

from tests.cli.in_process import CliResult, run_cli
from tests.conftest import ROOT
from tests.temporal.conftest import emulator_environment
from tests.temporal.worker_process import WorkerProcess

INPUTS = "workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json"
DOC = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"


def _leave(code: int) -> None:
    raise SystemExit(code)


def cli(*args: str, process: bool = False) -> CliResult | subprocess.CompletedProcess[str]:
    """``arazzo ARGS`` in this process: ``main(argv)`` whole, its closing ``os._exit`` (after a
    ``--temporal`` command, temporalio/sdk-python#300) a ``SystemExit`` with the same code;
    ``process=True``: a real ``python -m arazzo_runner``, that exit included."""
    if process:
        return subprocess.run(
            [sys.executable, "-m", "arazzo_runner", *args],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=120,
        )
    with mock.patch.object(os, "_exit", _leave):
        return run_cli(args, env=os.environ, cwd=ROOT)


@pytest.fixture(scope="module")
def module_queue() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture(scope="module")
def worker(temporal_server, module_queue):
    """One ``arazzo worker`` for the module's tests, on the module's task queue, with the emulator's
    credentials (the per-test ``emulator_credentials`` come after a module fixture); started cold,
    ``python -m arazzo_runner worker`` as users start it (the other files' workers are forked warm)."""
    process = WorkerProcess(
        temporal_server.address, module_queue, env=emulator_environment(), cold=True
    ).wait_ready()
    yield process
    process.stop()
    output = process.output()
    process.close()
    # Issue 26 point 8: no "[TMPRL1101] Potential deadlock detected" (imports inside the sandbox did it).
    assert "TMPRL1101" not in output and "Traceback" not in output, output


def flagship_args(emulator, temporal_server, task_queue, name: str) -> list[str]:
    return [
        "run",
        DOC,
        "--inputs",
        INPUTS,
        "-i",
        f"trainingJobName={name}",
        "--server",
        f"sagemakerApi={emulator.url}",
        "--poll-interval",
        "0",
        "--temporal",
        temporal_server.address,
        "--task-queue",
        task_queue,
    ]


def test_run_on_temporal_prints_the_same_json_result_as_a_local_run(
    temporal_server, module_queue, emulator, worker
) -> None:
    remote = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-cli"), "--output", "json")
    assert remote.returncode == 0, remote.stderr
    local_args = flagship_args(emulator, temporal_server, module_queue, "tmp-cli-local")[:-4]
    local = cli(*local_args, "--output", "json")
    assert local.returncode == 0, local.stderr
    from tests.temporal.conftest import comparable

    remote_data, local_data = json.loads(remote.stdout), json.loads(local.stdout)
    from tests.cli.test_fresh_clone import check_schema

    check_schema(remote_data)  # one result schema, local or on Temporal (issue 26 point 5)
    check_schema(local_data)
    assert remote_data["outputs"]["trainingJobArn"].endswith("/tmp-cli")
    assert comparable(remote_data) == json.loads(
        json.dumps(comparable(local_data)).replace("tmp-cli-local", "tmp-cli")
    )


def test_run_text_shows_progress_and_outputs(temporal_server, module_queue, emulator, worker) -> None:
    done = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-cli-text"))
    assert done.returncode == 0, done.stderr
    assert "trainingJobStatus: Completed" in done.stdout
    assert "submitted to" in done.stderr and "pollTrainingJob" in done.stderr  # live progress


async def wait_for_result(address: str, run_id: str) -> None:
    """Block until the run is closed, through a Temporal client (no CLI polling)."""
    from arazzo_runner.temporal.connection import TemporalTarget, connect

    client = await connect(TemporalTarget(address))
    await asyncio.wait_for(client.get_workflow_handle(run_id).result(), 60)


def test_detach_then_runs_and_runs_show(temporal_server, module_queue, emulator, worker) -> None:
    detached = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-cli-detached"), "--detach")
    assert detached.returncode == 0, detached.stderr
    run_id = detached.stdout.strip()
    assert run_id.startswith("arazzo-train-and-poll-job-")
    shown = cli("runs", "show", run_id, "--temporal", temporal_server.address, "--output", "json")
    assert shown.returncode == 0, shown.stderr  # shown while it runs or once it is done
    assert json.loads(shown.stdout)["id"] == run_id
    asyncio.run(wait_for_result(temporal_server.address, run_id))
    shown = cli("runs", "show", run_id, "--temporal", temporal_server.address, "--output", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["status"] == "succeeded"
    assert data["result"]["outputs"]["trainingJobArn"].endswith("/tmp-cli-detached")
    listed = cli("runs", "--temporal", temporal_server.address, "--output", "json", "--limit", "100")
    assert listed.returncode == 0, listed.stderr
    (mine,) = [r for r in json.loads(listed.stdout) if r["id"] == run_id]
    assert mine["status"] == "succeeded" and mine["workflowId"] == "train-and-poll-job"
    assert mine["lastStep"] == "pollTrainingJob"
    table = cli("runs", "--temporal", temporal_server.address, "--limit", "100").stdout.splitlines()
    assert table[0].split() == ["ID", "WORKFLOW", "STATUS", "STARTED", "LAST", "STEP", "NEXT", "POLL"]
    (row,) = [line for line in table if line.startswith(run_id)]
    assert row.split()[1:3] == ["train-and-poll-job", "succeeded"]  # the local runs' words
    text = cli("runs", "show", run_id, "--temporal", temporal_server.address)
    assert "trainingJobStatus: Completed" in text.stdout


def test_clear_errors_without_a_traceback(temporal_server) -> None:
    # A real process: the one-line error and exit code 2 survive the os._exit of a --temporal command.
    missing = cli("runs", "show", "no-such-run", "--temporal", temporal_server.address, process=True)
    assert missing.returncode == 2
    assert "no run 'no-such-run'" in missing.stderr and "Traceback" not in missing.stderr
    nobody = cli("runs", "--temporal", "127.0.0.1:1")
    assert nobody.returncode == 2
    assert "cannot connect to Temporal at 127.0.0.1:1" in nobody.stderr and "Traceback" not in nobody.stderr
    local_only = cli(
        "run", DOC, "--inputs", INPUTS, "--temporal", temporal_server.address, "--record", "x.har"
    )
    assert local_only.returncode == 2 and "--record is for local runs" in local_only.stderr
    for bad in ("0", "-1", "nan", "soon"):  # before anything connects
        sticky = cli("worker", "--temporal", "127.0.0.1:1", "--sticky-timeout", bad)
        assert sticky.returncode == 2 and "Traceback" not in sticky.stderr
        assert f"--sticky-timeout: not a positive number of seconds: '{bad}'" in sticky.stderr
    for bad in ("inf", "1e400", "1e-9", "86401"):  # would overflow, or read as 0, after connecting
        sticky = cli("worker", "--temporal", "127.0.0.1:1", "--sticky-timeout", bad)
        assert sticky.returncode == 2 and "Traceback" not in sticky.stderr
        assert f"--sticky-timeout: '{bad}' seconds is outside 0.001 to 86400" in sticky.stderr


def test_importing_the_library_does_not_import_temporalio() -> None:
    code = "import sys, arazzo_runner; arazzo_runner.load; import arazzo_runner.cli.main as m; m.build_parser(); print('temporalio' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_run_without_a_worker_says_how_to_start_one(temporal_server, task_queue, emulator, tmp_path) -> None:
    """Issue 26 point 8: no poller on the task queue after a few seconds is said, with the command."""
    import os
    import time

    log = tmp_path / "stderr"
    with log.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "arazzo_runner", *flagship_args(emulator, temporal_server, task_queue, "tmp-no-worker")],
            stdout=subprocess.DEVNULL, stderr=stderr, cwd=ROOT,
            env={**os.environ, "ARAZZO_NO_WORKER_HINT_AFTER": "0.2"},
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while "no worker is polling" not in log.read_text() and time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                time.sleep(0.05)
        finally:
            process.kill()
            process.wait(timeout=10)
    text = log.read_text()
    assert f"no worker is polling task queue '{task_queue}' on {temporal_server.address}" in text
    assert (
        f"Start one with: arazzo worker --temporal {temporal_server.address} --task-queue {task_queue}"
        in text
    )


def test_a_failed_run_on_temporal_prints_a_result_of_the_one_schema(
    temporal_server, module_queue, emulator, worker
) -> None:
    """Issue 26 point 5: every ending has the published result schema, on Temporal too (failed here:
    the second CreateTrainingJob of one name is refused by the emulator, as by SageMaker)."""
    from tests.cli.test_fresh_clone import check_schema

    args = flagship_args(emulator, temporal_server, module_queue, "tmp-cli-twice")
    assert cli(*args, "--output", "json").returncode == 0
    failed = cli(*args, "--output", "json")
    assert failed.returncode == 1, failed.stderr
    data = json.loads(failed.stdout)
    check_schema(data)
    assert data["status"] == "failed" and data["runId"]
    assert data["steps"][-1]["stepId"] == "createTrainingJob"
    assert data["steps"][-1]["status"] == "failed" and data["steps"][-1]["workflowId"] == "train-and-poll-job"


def test_strict_fails_a_temporal_run_on_its_warnings_as_a_local_one(
    temporal_server, module_queue, emulator, worker
) -> None:
    """The warnings travel in the Temporal run's result (the flagship's `failureReason` is null: a job
    that did not fail has no FailureReason), so --strict decides alike, local or on Temporal."""
    args = flagship_args(emulator, temporal_server, module_queue, "tmp-cli-strict")
    strict = cli(*args, "--output", "json", "--strict")
    assert strict.returncode == 1, strict.stderr
    data = json.loads(strict.stdout)
    assert data["status"] == "succeeded" and data["strict"] == {"failed": True, "warnings": 1}
    (warning,) = data["warnings"]
    assert warning["stepId"] == "pollTrainingJob" and "FailureReason" in warning["message"]
    assert "--strict: the run fails on its 1 warning" in strict.stderr
