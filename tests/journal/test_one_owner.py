"""One owner per run (issue 25): two real `arazzo resume` processes of one run, a slow not-found answer.

The flagship's run is SIGKILLed when its CreateTrainingJob arrives (never done: the create is in
doubt). Two `python -m arazzo_runner resume` processes then race for the run. The server holds the
first one's DescribeTrainingJob (the in-doubt look-up, answered "not found") until the second
resume has exited or has sent its own look-up: without an atomic lease both resumes find no job
and both create it (what the issue saw 5 times in 5); with it, the second is refused, naming the
holder, and the server sees exactly one create.

Also here: the in-doubt look-up knows AWS's not-found error codes, not one message text.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.aws.emulator_http import HttpRequest, HttpResponse
from arazzo_runner.aws.sagemaker_emulator import SageMakerEmulator
from arazzo_runner.journal import Journal
from arazzo_runner.journal.in_doubt import not_found
from tests.cli.in_process import CliResult, run_cli
from tests.conftest import FLAGSHIP, ROOT
from tests.journal.crash_child import DROP_ENV, ENV

INPUTS_FILE = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"
COMMAND = [sys.executable, "-m", "arazzo_runner"]


class RacingServer:
    """The SageMaker emulator behind a threaded HTTP server (requests are served concurrently).

    ``kill_pid``: SIGKILLed when the first CreateTrainingJob arrives (answered 500, not done).
    A DescribeTrainingJob of a job that does not exist is held until :attr:`release` is set or a
    second such look-up arrives, then answered with ``not_found`` (code, message)."""

    def __init__(
        self, not_found_answer: tuple[str, str] = ("ValidationException", "Requested resource not found.")
    ):
        self.emulator = SageMakerEmulator(in_progress=1, stopping=0)
        self.kill_pid: int | None = None
        self.not_found_answer = not_found_answer
        self.release = threading.Event()
        self.lookup_arrived = threading.Event()
        self.lookups = 0
        self.creates_seen = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request = HttpRequest("POST", self.path, tuple(self.headers.items()), body)
                response = outer.answer(request)
                self.send_response(response.status)
                for name, value in response.headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def answer(self, request: HttpRequest) -> HttpResponse:
        operation = (request.header("X-Amz-Target") or "").rpartition(".")[2]
        name = json.loads(request.body or b"{}").get("TrainingJobName")
        if operation == "CreateTrainingJob":
            with self._lock:
                self.creates_seen += 1
                first = self.creates_seen == 1
            if first and self.kill_pid is not None:
                os.kill(self.kill_pid, signal.SIGKILL)
                return HttpResponse(500, b"{}")
        if operation == "DescribeTrainingJob" and not self._exists(name):
            with self._lock:
                self.lookups += 1
                if self.lookups > 1:
                    self.release.set()
            self.lookup_arrived.set()
            self.release.wait(60)
            code, message = self.not_found_answer
            body = json.dumps({"__type": code, "message": message}).encode()
            return HttpResponse(400, body, (("Content-Type", "application/x-amz-json-1.1"),))
        with self._lock:
            return self.emulator.handle(request)

    def _exists(self, name: str | None) -> bool:
        with self._lock:
            return any(c.operation == "CreateTrainingJob" and c.name == name and c.status == 200
                       for c in self.emulator.calls)  # fmt: skip

    def creates(self, name: str) -> list[Any]:
        return [c for c in self.emulator.calls if c.operation == "CreateTrainingJob" and c.name == name]

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in DROP_ENV} | ENV


@contextlib.contextmanager
def racing(answer: tuple[str, str] | None = None) -> Iterator[RacingServer]:
    server = RacingServer(*(answer,) if answer else ())
    try:
        yield server
    finally:
        server.close()


def crash_at_create(server: RacingServer, folder: Path, env: dict[str, str], name: str) -> str:
    """Run the flagship until its create arrives (the server kills it); the run's id."""
    argv = [
        *COMMAND, "run", str(FLAGSHIP), "--inputs", str(INPUTS_FILE), "-i", f"trainingJobName={name}",
        "--server", f"sagemakerApi={server.url}", "--poll-interval", "0", "--journal", str(folder / "runs.db"),
        "--output", "json", "-q",
    ]  # fmt: skip
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    server.kill_pid = process.pid
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    server.kill_pid = None
    with Journal(folder / "runs.db") as journal:
        (record,) = journal.runs()
    assert record.in_flight["operation"] == "SageMaker.CreateTrainingJob"
    return record.id


def resume_argv(run_id: str, folder: Path) -> list[str]:
    return [*COMMAND, "resume", run_id, "--journal", str(folder / "runs.db"), "--output", "json"]


def resume_here(run_id: str, folder: Path, env: dict[str, str]) -> CliResult:
    """``arazzo resume`` in this process (the run it takes over was a real process, killed)."""
    return run_cli(resume_argv(run_id, folder)[len(COMMAND) :], env=env, cwd=ROOT)


def start_resume(run_id: str, folder: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """``arazzo resume`` as its own process, its output piped."""
    return subprocess.Popen(
        resume_argv(run_id, folder), cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_two_concurrent_resumes_one_owner_one_create(tmp_path, env) -> None:
    with racing() as server:
        run_id = crash_at_create(server, tmp_path, env, "lease-race")
        first = start_resume(run_id, tmp_path, env)
        assert server.lookup_arrived.wait(60), "the first resume never looked the create up"
        second = start_resume(run_id, tmp_path, env)
        _, second_err = second.communicate(timeout=60)
        server.release.set()  # the second one is done (refused, or blocked in its own look-up: released)
        first_out, first_err = first.communicate(timeout=60)
        assert first.returncode == 0, first_err
        assert json.loads(first_out)["status"] == "succeeded"
        assert [(c.status, c.code) for c in server.creates("lease-race")] == [(200, None)], (
            second_err,
            first_err,
        )
        assert second.returncode == 2, second_err
        assert f"run {run_id} is held by process {first.pid} on {os.uname().nodename} (since 20" in second_err
        assert "Traceback" not in second_err


def test_a_dead_holders_lease_is_taken_over_and_logged(tmp_path, env) -> None:
    with racing() as server:
        server.release.set()
        run_id = crash_at_create(server, tmp_path, env, "lease-dead")
        # The killed run's row still says "running" in a process that is gone.
        with Journal(tmp_path / "runs.db") as journal:
            dead_pid = journal.get(run_id).pid
        done = resume_here(run_id, tmp_path, env)
        assert done.returncode == 0, done.stderr
        assert f"took run {run_id} over from process {dead_pid} on {os.uname().nodename}" in done.stderr
        with Journal(tmp_path / "runs.db") as journal:
            lines = [line for line in journal.timeline(run_id) if line["kind"] == "lease_taken_over"]
        assert len(lines) == 1 and f"process {dead_pid} on" in lines[0]["detail"]
        assert len(server.creates("lease-dead")) == 1


@pytest.mark.parametrize(
    "answer",
    [
        ("ResourceNotFoundFault", "Job lookup-a not found"),
        ("ValidationException", "Could not find training job 'lookup-b'."),
        ("NoSuchEntity", "The job cannot be found."),
    ],
)
def test_the_in_doubt_lookup_knows_aws_not_found_codes(tmp_path, env, answer: tuple[str, str]) -> None:
    """The look-up answered with a not-found spelling other than the one message text: the create is sent."""
    name = f"lookup-{answer[0].lower()}"
    with racing(answer) as server:
        server.release.set()
        run_id = crash_at_create(server, tmp_path, env, name)
        done = resume_here(run_id, tmp_path, env)
        assert done.returncode == 0, done.stderr
        assert [(c.status, c.code) for c in server.creates(name)] == [(200, None)]


def test_every_gone_code_of_botocores_waiters_is_recognised() -> None:
    """The error codes botocore's ``*Deleted`` / ``*NotExists`` waiters accept as "gone" all read as
    not found (the generic ValidationException only with a not-found message)."""
    import glob

    import botocore

    codes: set[str] = set()
    for path in glob.glob(
        os.path.join(os.path.dirname(botocore.__file__), "data", "*", "*", "waiters-2.json")
    ):
        with open(path) as handle:
            waiters = json.load(handle).get("waiters", {})
        for waiter_name, waiter in waiters.items():
            if not waiter_name.endswith(("Deleted", "NotExists")):
                continue
            for acceptor in waiter.get("acceptors", ()):
                if acceptor.get("matcher") == "error" and acceptor.get("state") == "success":
                    codes.add(str(acceptor["expected"]))
    assert len(codes) > 10
    for code in codes - {"ValidationException"}:
        assert not_found(400, code, ""), code
    assert not_found(400, "ValidationException", "Requested resource not found.")
    assert not not_found(400, "ValidationException", "1 validation error detected: Value null at 'x'")
    assert not not_found(400, "ThrottlingException", "Rate exceeded")
    assert not_found(404, None, "")


def test_a_holder_pid_reused_by_a_younger_process_is_taken_over(tmp_path) -> None:
    """A pid that is alive but belongs to a process started after the lease is not the holder."""
    import sqlite3
    import time

    from arazzo_runner.journal.store import RunClaimed

    path = tmp_path / "runs.db"
    with Journal(path) as journal:
        journal.start_run(
            "20260101-000000-reuse", workflow_id="w", document="d", identity="i", inputs={}, secret_inputs=[],
            sources={}, settings={}, now=time.time(),
        )  # fmt: skip
    younger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        with sqlite3.connect(path) as db:  # the lease was taken an hour before that process started
            db.execute(
                "UPDATE runs SET status='running', pid=?, claimed=? WHERE id='20260101-000000-reuse'",
                (younger.pid, time.time() - 3600),
            )
        with Journal(path) as journal:
            assert journal.get("20260101-000000-reuse").status == "interrupted"
            previous = journal.claim("20260101-000000-reuse")
            assert previous is not None and previous.pid == younger.pid
            # Now held by this (live, older) process: another claim from "elsewhere" is refused.
            with sqlite3.connect(path) as db:
                db.execute("UPDATE runs SET pid=? WHERE id='20260101-000000-reuse'", (os.getppid(),))
            with pytest.raises(RunClaimed, match=f"held by process {os.getppid()}"):
                journal.claim("20260101-000000-reuse")
    finally:
        younger.kill()
        younger.wait()
