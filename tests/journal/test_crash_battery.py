"""The crash battery: the flagship CLI SIGKILLed at seeded random moments, then `arazzo resume`.

The unmodified flagship runs against the SageMaker emulator (each job InProgress 5 times). The
emulator itself pulls the trigger, so the moments are exact and reproducible: when request k
arrives (sent, never done), after request k was done but before its answer leaves ("sent, no
answer recorded": for k = 1 the create), or a seeded delay after answer k (journal writes, the
feed, poll waits). Then `arazzo resume RUN_ID` must finish every run `Completed`, with the right
outputs and exactly one CreateTrainingJob for the job in the emulator.

The CLI runs as forked children of a forkserver with the library preloaded (`main()` with the
same argv as `arazzo`), so a trial costs a fraction of a second; one trial also runs the real
`python -m arazzo_runner` processes end to end.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.aws.emulator_http import HttpRequest, HttpResponse
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.journal import Journal
from tests.conftest import FLAGSHIP, ROOT
from tests.journal.crash_child import DROP_ENV, ENV, cli_child

INPUTS_FILE = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"
SEED = 14
TRIALS = int(os.environ.get("ARAZZO_CRASH_TRIALS", "52"))
#: 1 create + 6 describes (InProgress 5 times, then Completed).
REQUESTS = 7
POLL_INTERVAL = "0.01"
@dataclass
class Trial:
    number: int
    #: ("arrive" | "answered" | "after", k, delay seconds)
    moment: tuple[str, int, float]
    folder: Path
    process: Any = None
    seen: int = 0
    killed: threading.Event = field(default_factory=threading.Event)

    @property
    def name(self) -> str:
        return f"crash-{self.number}"

    def kill(self) -> None:
        """SIGKILL the CLI and return once it is gone (its parent reaps it; only that one may wait)."""
        if self.killed.is_set() or self.process is None:
            return
        try:
            os.kill(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:  # it had already finished
            return
        self.killed.set()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(self.process.pid, 0)
            except ProcessLookupError:
                return
            if getattr(self.process, "returncode", None) is not None:
                return
            time.sleep(0.002)


class KillingEmulator(SageMakerEmulator):
    """The emulator, plus: SIGKILL the trial's CLI at its chosen moment (trials told apart by job name)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.trials: dict[str, Trial] = {}
        self._lock = threading.Lock()

    def handle(self, request: HttpRequest) -> HttpResponse:
        trial = None
        with contextlib.suppress(ValueError, AttributeError):
            trial = self.trials.get(json.loads(request.body or b"{}").get("TrainingJobName"))
        if trial is None or trial.killed.is_set():
            return super().handle(request)
        with self._lock:
            trial.seen += 1
            number = trial.seen
        kind, k, delay = trial.moment
        if number == k and kind == "arrive":
            trial.kill()
            return HttpResponse(500, b"{}")  # never delivered: the client is gone
        response = super().handle(request)
        if number == k and kind == "answered":
            trial.kill()
        elif number == k and kind == "after":
            threading.Timer(delay, trial.kill).start()
        return response


def moments(rng: random.Random, count: int) -> list[tuple[str, int, float]]:
    """Seeded kill moments spread over the create, every describe, and the waits between them."""
    chosen = []
    for i in range(count):
        kind = ("arrive", "answered", "after")[i % 3]
        k = rng.randint(1, REQUESTS)
        chosen.append((kind, k, round(rng.uniform(0.0, 0.03), 4) if kind == "after" else 0.0))
    return chosen


@pytest.fixture(scope="module")
def emulator():
    with EmulatorServer(KillingEmulator(in_progress=5, stopping=0)) as server:
        yield server


@pytest.fixture(scope="module")
def forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.journal.crash_child"])
    return context


def run_argv(trial: Trial, url: str) -> list[str]:
    return [
        "run", str(FLAGSHIP), "--inputs", str(INPUTS_FILE), "-i", f"trainingJobName={trial.name}",
        "--server", f"sagemakerApi={url}", "--poll-interval", POLL_INTERVAL,
        "--journal", str(trial.folder / "runs.db"), "--output", "json", "-q",
    ]  # fmt: skip


def expected_outputs(name: str) -> dict[str, str]:
    return {
        "trainingJobArn": f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
        "trainingJobStatus": "Completed",
        "modelArtifacts": f"s3://amzn-s3-demo-bucket/xgboost/output/{name}/output/model.tar.gz",
    }


def check_resumed(trial: Trial, emulator: KillingEmulator, resume_out: str, code: int, err: str) -> None:
    where = f"trial {trial.number} {trial.moment}"
    assert code == 0, f"{where}: resume exited {code}: {err}"
    result = json.loads(resume_out)
    assert result["status"] == "succeeded", f"{where}: {result['error']}"
    assert result["outputs"] == expected_outputs(trial.name), where
    creates = [c for c in emulator.calls if c.operation == "CreateTrainingJob" and c.name == trial.name]
    assert [(c.status, c.code) for c in creates] == [(200, None)], f"{where}: {creates}"


def run_trial(trial: Trial, emulator_server: EmulatorServer, context: Any) -> None:
    emulator = emulator_server.emulator
    trial.folder.mkdir(parents=True, exist_ok=True)
    emulator.trials[trial.name] = trial
    out, err = str(trial.folder / "run.out"), str(trial.folder / "run.err")
    trial.process = context.Process(target=cli_child, args=(run_argv(trial, emulator_server.url), out, err))
    trial.process.start()
    trial.process.join(60)
    assert not trial.process.is_alive(), f"trial {trial.number}: the run did not end"
    with Journal(trial.folder / "runs.db") as journal:
        (record,) = journal.runs()
    code = exit_code(out)
    if code is None:  # killed: it never got to write its exit code
        assert trial.killed.is_set()
        # Killed after its last record (the run's end) was written, a run has simply succeeded.
        last = trial.moment[0] != "arrive" and trial.moment[1] == REQUESTS
        assert record.status == "interrupted" or (last and record.status == "succeeded"), trial.moment
    else:  # to be killed "after" the last answer, but the run had finished first
        assert trial.moment[0] == "after" and code == 0, Path(err).read_text()
        assert record.status == "succeeded"
        trial.killed.clear()
    resume_out, resume_err = str(trial.folder / "resume.out"), str(trial.folder / "resume.err")
    resumed = context.Process(
        target=cli_child,
        args=(["resume", record.id, "--journal", str(trial.folder / "runs.db"), "--output", "json", "-q"],
              resume_out, resume_err),
    )  # fmt: skip
    resumed.start()
    resumed.join(60)
    check_resumed(
        trial, emulator, Path(resume_out).read_text(), exit_code(resume_out), Path(resume_err).read_text()
    )


def exit_code(out: str) -> int | None:
    """The exit code a CLI child wrote beside its output (``None``: it was killed first)."""
    path = Path(out + ".code")
    return int(path.read_text()) if path.exists() else None


def test_sigkill_at_seeded_moments_then_resume_completes_with_one_create(emulator, forkserver, tmp_path) -> None:
    rng = random.Random(SEED)
    trials = [Trial(i, moment, tmp_path / f"t{i}") for i, moment in enumerate(moments(rng, TRIALS))]
    # The moment the issue singles out, whatever the seed draws: the create sent and done, no answer recorded.
    trials.append(Trial(len(trials), ("answered", 1, 0.0), tmp_path / "create-answered"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        for future in [pool.submit(run_trial, trial, emulator, forkserver) for trial in trials]:
            future.result()
    killed = [t for t in trials if t.killed.is_set()]
    kinds = {t.moment[0] for t in killed}
    assert len(killed) >= 50 and kinds == {"arrive", "answered", "after"}
    # Every request of the run was a kill point at least once (create and each describe).
    assert {t.moment[1] for t in killed if t.moment[0] != "after"} == set(range(1, REQUESTS + 1))


def test_real_cli_killed_between_create_sent_and_answer_recorded(emulator, tmp_path) -> None:
    """The same, with the `python -m arazzo_runner` processes a user runs."""
    trial = Trial(1000, ("answered", 1, 0.0), tmp_path)
    emulator.emulator.trials[trial.name] = trial
    env = {k: v for k, v in os.environ.items() if k not in DROP_ENV} | ENV
    command = [sys.executable, "-m", "arazzo_runner"]
    trial.process = subprocess.Popen(
        [*command, *run_argv(trial, emulator.url)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    trial.process.communicate(timeout=60)
    assert trial.killed.is_set() and trial.process.returncode == -signal.SIGKILL
    with Journal(tmp_path / "runs.db") as journal:
        (record,) = journal.runs()
    assert record.status == "interrupted"
    assert record.in_flight["operation"] == "SageMaker.CreateTrainingJob"
    listed = subprocess.run(
        [*command, "runs", "--journal", str(tmp_path / "runs.db"), "--status", "interrupted"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert record.id in listed.stdout and "createTrainingJob" in listed.stdout
    resumed = subprocess.run(
        [*command, "resume", record.id, "--journal", str(tmp_path / "runs.db"), "--output", "json"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    check_resumed(trial, emulator.emulator, resumed.stdout, resumed.returncode, resumed.stderr)
    assert f"resuming {record.id}" in resumed.stderr
    with Journal(tmp_path / "runs.db") as journal:
        notes = [line["detail"] for line in journal.timeline(record.id) if line["kind"] == "in_doubt"]
    assert notes == [
        "SageMaker.CreateTrainingJob in doubt: SageMaker.DescribeTrainingJob shows this run's resource,"
        " so it is not sent again"
    ]
