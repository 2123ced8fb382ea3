"""The crash battery for the event flagship: the CLI SIGKILLed at seeded points of its message steps.

``workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml`` runs unmodified, as `arazzo
run` in a forked child (tests/journal/crash_child.py), against the SageMaker emulator (its jobs
move on with time, every change published to moto's EventBridge, a rule per trial sending that
job's events to the trial's SQS queue on moto's server). The child SIGKILLs itself at a seeded
point (tests/journal/event_kill_points.py): before or after the create, while waiting in a
receive, after a message matched but before it was recorded, after it was recorded but before it
was deleted, after it was deleted, or after a seeded delay. Then `arazzo resume RUN_ID` must end
every run Completed, with exactly one CreateTrainingJob, every event of the job consumed exactly
once (recorded once in the journal, none left on the queue) and none consumed twice. A last
test does the same with the real `python -m arazzo_runner` processes, killed while waiting.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import os
import random
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.aws.training_events import PATTERN, EventBridgePublisher, EventPump
from arazzo_runner.journal import Journal
from tests.conftest import ROOT
from tests.journal.crash_child import cli_child
from tests.journal.event_kill_points import install
from tests.moto_servers import admin_access_key, moto_server

WORKFLOW = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml"
INPUTS_FILE = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.inputs.json"
MOTO_PROCESS = ROOT / "tests" / "integration" / "http" / "moto_process.py"
SEED = 18
TRIALS = int(os.environ.get("ARAZZO_EVENT_CRASH_TRIALS", "14"))
#: Each job is InProgress for 2 phases of 40 ms, then Completed: at least 2 state-change events.
IN_PROGRESS, SECONDS_PER_PHASE = 2, 0.04
POINTS = ("send-arrive", "send-answered", "waiting", "matched", "recorded", "acked", "timer")


class RecordingPublisher(EventBridgePublisher):
    """Publishes as the emulator's pump does, and remembers how many events each job got."""

    def __init__(self, client: Any) -> None:
        super().__init__(client)
        self.per_job: dict[str, int] = {}

    def publish(self, details: list[dict[str, Any]]) -> None:
        super().publish(details)
        for detail in details:
            name = detail.get("TrainingJobName", "")
            self.per_job[name] = self.per_job.get(name, 0) + 1


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict[str, Any]]:
    import botocore.session

    with moto_server(MOTO_PROCESS, "3") as url:
        key, secret = admin_access_key(url, "event-battery")
        session = botocore.session.Session()
        session.set_credentials(key, secret)
        events = session.create_client("events", region_name="us-east-1", endpoint_url=url)
        sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=url)
        emulator = SageMakerEmulator(
            credentials={key: secret}, in_progress=IN_PROGRESS, advance="time", seconds_per_phase=SECONDS_PER_PHASE
        )
        publisher = RecordingPublisher(events)
        with EmulatorServer(emulator) as server, EventPump(emulator, publisher, interval=0.02) as pump:
            env = {
                "AWS_ACCESS_KEY_ID": key,
                "AWS_SECRET_ACCESS_KEY": secret,
                "AWS_REGION": "us-east-1",
                "AWS_ENDPOINT_URL_SQS": url,
            }
            yield {
                "url": server.url, "emulator": emulator, "publisher": publisher, "pump": pump,
                "events": events, "sqs": sqs, "env": env,
            }  # fmt: skip


@pytest.fixture(scope="module")
def forkserver():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["tests.journal.crash_child", "tests.journal.event_kill_points"])
    return context


def queue_for(stack: dict[str, Any], job: str) -> str:
    """A queue with a rule sending only ``job``'s state-change events to it; its URL."""
    sqs, events = stack["sqs"], stack["events"]
    url: str = sqs.create_queue(QueueName=f"events-{job}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    pattern = {**PATTERN, "detail": {"TrainingJobName": [job]}}
    events.put_rule(Name=f"rule-{job}", EventPattern=json.dumps(pattern), State="ENABLED")
    events.put_targets(Rule=f"rule-{job}", Targets=[{"Id": "queue", "Arn": arn}])
    return url


def run_child(context: Any, argv: list[str], out: Path, env: dict[str, str], point: str | None, k: int) -> int | None:
    """`arazzo ARGV` in a forked child; its exit code (``None``: it SIGKILLed itself)."""
    process = context.Process(
        target=cli_child, args=(argv, str(out), str(out) + ".err", env, functools.partial(install, point, k))
    )
    process.start()
    process.join(60)
    if process.is_alive():  # a resumed run that waits for a message that never comes: fail, never hang
        os.kill(process.pid, signal.SIGKILL)
        process.join(10)
        pytest.fail(f"`arazzo {' '.join(argv[:2])}` did not end: {Path(str(out) + '.err').read_text()}")
    code_file = Path(str(out) + ".code")
    if code_file.exists():
        return int(code_file.read_text())
    assert process.exitcode == -signal.SIGKILL, process.exitcode
    return None


def run_trial(stack: dict[str, Any], context: Any, folder: Path, point: str, k: int) -> str:
    """One seeded kill and its resume; returns what happened (for the battery's coverage check)."""
    folder.mkdir(parents=True)
    job = f"ev-{uuid.uuid4().hex[:8]}"
    queue_url = queue_for(stack, job)
    journal = folder / "runs.db"
    run_argv = [
        "run", str(WORKFLOW), "--inputs", str(INPUTS_FILE), "-i", f"trainingJobName={job}", "-i",
        f"eventQueue={queue_url}", "--server", f"sagemakerApi={stack['url']}", "--journal", str(journal),
        "--output", "json", "-q",
    ]  # fmt: skip
    where = f"{point} {k} ({job})"
    code = run_child(context, run_argv, folder / "run.out", stack["env"], point, k)
    with Journal(journal) as store:
        (record,) = store.runs()
    if code is None:
        assert record.status in ("interrupted", "succeeded"), where
    else:  # the kill point was never reached (k past the run's last message): it simply finished
        assert code == 0 and record.status == "succeeded", f"{where}: {Path(str(folder / 'run.out') + '.err').read_text()}"
    resume_argv = ["resume", record.id, "--journal", str(journal), "--output", "json", "-q"]
    resumed = run_child(context, resume_argv, folder / "resume.out", stack["env"], None, 0)
    assert resumed == 0, f"{where}: resume exited {resumed}: {Path(str(folder / 'resume.out') + '.err').read_text()}"
    result = json.loads((folder / "resume.out").read_text())
    assert result["status"] == "succeeded", f"{where}: {result['error']}"
    assert result["outputs"]["trainingJobStatus"] == "Completed", where
    assert result["outputs"]["modelArtifacts"].endswith(f"/{job}/output/model.tar.gz"), where
    emulator = stack["emulator"]
    creates = [c for c in emulator.calls if c.operation == "CreateTrainingJob" and c.name == job]
    assert [(c.status, c.code) for c in creates] == [(200, None)], f"{where}: {creates}"
    # Every event of the job consumed exactly once: recorded once each, none left on the queue.
    with Journal(journal) as store:
        timeline = store.timeline(record.id)
    consumed = [line["detail"].split()[1] for line in timeline if line["kind"] == "received" and line["stepId"]]
    assert len(consumed) == len(set(consumed)), f"{where}: a message consumed twice: {consumed}"
    stack["pump"].pump()
    published = stack["publisher"].per_job.get(job, 0)
    left = stack["sqs"].receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages") or []
    assert not left, f"{where}: {len(left)} of the job's events left unconsumed"
    assert len(consumed) == published, f"{where}: {len(consumed)} consumed, {published} published"
    return "killed" if code is None else "finished"


def test_sigkill_at_message_step_points_then_resume_completes_with_each_event_consumed_once(
    stack, forkserver, tmp_path
) -> None:
    rng = random.Random(SEED)
    trials = [(POINTS[i % len(POINTS)], rng.randint(1, 2)) for i in range(TRIALS)]
    trials = [(p, rng.randint(20, 300) if p == "timer" else 1 if p.startswith("send") else k) for p, k in trials]
    outcomes = [run_trial(stack, forkserver, tmp_path / f"t{i}", point, k) for i, (point, k) in enumerate(trials)]
    killed = {point for (point, _), outcome in zip(trials, outcomes, strict=True) if outcome == "killed"}
    # Every message-step point (and the create's) really killed a run at least once.
    assert set(POINTS) - {"timer"} <= killed, (trials, outcomes)
    assert not stack["pump"].errors


def test_real_cli_killed_while_waiting_for_an_event_then_arazzo_resume(stack, tmp_path) -> None:
    """`python -m arazzo_runner` as a user runs it: kill -9 while the run waits in its receive (no
    event published yet), `arazzo runs` shows the wait, the events come, `arazzo resume` finishes."""
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")} | stack["env"]
    key, secret = env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    emulator = SageMakerEmulator(
        credentials={key: secret}, in_progress=IN_PROGRESS, advance="time", seconds_per_phase=SECONDS_PER_PHASE
    )
    publisher = RecordingPublisher(stack["events"])
    pump = EventPump(emulator, publisher, interval=0.02)  # records the job's changes; publishes once entered
    job = f"ev-real-{uuid.uuid4().hex[:6]}"
    queue_url = queue_for(stack, job)
    journal = tmp_path / "runs.db"
    command = [sys.executable, "-m", "arazzo_runner"]
    with EmulatorServer(emulator) as server:
        process = subprocess.Popen(
            [*command, "run", str(WORKFLOW), "--inputs", str(INPUTS_FILE), "-i", f"trainingJobName={job}",
             "-i", f"eventQueue={queue_url}", "--server", f"sagemakerApi={server.url}", "--journal", str(journal)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and process.poll() is None:  # until it waits in the receive
                with contextlib.suppress(Exception), Journal(journal) as store:
                    records = store.runs()
                    if records and (records[0].in_flight or {}).get("action") == "receive":
                        break
                time.sleep(0.05)
            process.send_signal(signal.SIGKILL)
        finally:
            process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
        with Journal(journal) as store:
            (record,) = store.runs()
        assert record.status == "interrupted" and record.last_step == "waitForStateChange"
        listed = subprocess.run(
            [*command, "runs", "--journal", str(journal)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )  # fmt: skip
        assert f"message on {queue_url}" in listed.stdout, listed.stdout
        soaked = soak_up_a_dead_receive(stack["sqs"], queue_url)
        with pump:  # the job's state changes reach EventBridge, then the queue, only now
            resumed = subprocess.run(
                [*command, "resume", record.id, "--journal", str(journal), "--output", "json"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        result = json.loads(resumed.stdout)
        assert result["status"] == "succeeded" and result["outputs"]["trainingJobStatus"] == "Completed"
        assert emulator.count("CreateTrainingJob") == 1 and emulator.count("DescribeTrainingJob") == 0
    with Journal(journal) as store:
        consumed = [line for line in store.timeline(record.id) if line["kind"] == "received" and line["stepId"]]
    assert consumed and len(consumed) == len({line["detail"] for line in consumed}), consumed  # none twice
    # The job's changes made while the process was dead are published in one burst when the pump starts,
    # and a standard queue keeps no order: the terminal event may come before an InProgress one, and the
    # run rightly ends on it. So: every published event was consumed once or is still on the queue (held
    # or visible), none was deleted unconsumed.
    attributes = stack["sqs"].get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    still_queued = int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
    assert len(consumed) + still_queued - soaked == publisher.per_job[job], (consumed, still_queued, soaked)


def soak_up_a_dead_receive(sqs: Any, queue_url: str) -> int:
    """A message that the killed process's receive takes, if that long poll (up to 20 s) is still being
    served on moto; 1 if it took it (hidden for sqs.HOLD_SECONDS), 0 if none was (it is deleted).

    Killed in its receive, the run may have left its ReceiveMessage waiting on the server. Whatever is
    published next goes to that dead receive and stays hidden for 30 s: as SQS does, and as the
    product says (a resumed receive finds it again within HOLD_SECONDS), but then the resume waited
    30 s (the test took 31 s about one time in three). This message goes there instead of an event.
    """
    import time

    sqs.send_message(QueueUrl=queue_url, MessageBody='{"soak": "the killed receive"}')
    deadline = time.monotonic() + 0.5  # moto hands a new message to a waiting receive at once
    while True:
        counts = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        if int(counts["ApproximateNumberOfMessagesNotVisible"]) == 1:
            return 1
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    (message,) = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"]
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return 0
