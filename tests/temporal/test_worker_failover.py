"""Workers die and are replaced; runs go on with exactly the requests they need."""

from __future__ import annotations

import asyncio
import time

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import new_request, submit
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS, flagship_outputs
from tests.temporal.worker_process import WorkerProcess

#: Polls 1.5 s apart, no backoff or jitter: the worker is killed while the run waits on a timer.
PACED = RunOptions(pacing=PollPacing(interval=1.5, backoff=1.0, jitter=0.0))
#: For a worker the test kills: its runs' next workflow tasks wait 1 s for it on its sticky queue (not
#: the default 10 s) before Temporal hands them to the next worker.
STICKY = ("--sticky-timeout", "1")


def wait_until(predicate, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


async def identities(address: str, run_id: str) -> list[str]:
    """Who completed each workflow task and started each request, in history order."""
    client = await connect(TemporalTarget(address))
    history = await client.get_workflow_handle(run_id).fetch_history()
    found = []
    for event in history.events:
        if event.HasField("workflow_task_completed_event_attributes"):
            found.append(event.workflow_task_completed_event_attributes.identity)
        elif event.HasField("activity_task_started_event_attributes"):
            found.append(event.activity_task_started_event_attributes.identity)
    return found


async def on_a_timer(handle) -> bool:
    """Whether the run has started a durable timer (a wait between polls, written to history)."""
    history = await handle.fetch_history()
    return any(event.HasField("timer_started_event_attributes") for event in history.events)


async def sticky_waits(address: str, run_id: str) -> list[float]:
    """Seconds each workflow task that timed out on a sticky queue (its worker gone) waited there."""
    from temporalio.api.enums.v1 import TimeoutType

    client = await connect(TemporalTarget(address))
    history = await client.get_workflow_handle(run_id).fetch_history()
    times = {event.event_id: event.event_time.ToDatetime() for event in history.events}
    waits = []
    for event in history.events:
        if event.HasField("workflow_task_timed_out_event_attributes"):
            timed_out = event.workflow_task_timed_out_event_attributes
            if timed_out.timeout_type == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START:
                waits.append((times[event.event_id] - times[timed_out.scheduled_event_id]).total_seconds())
    return waits


def outcome_of(address: str, run_id: str, timeout: float = 90) -> dict:
    async def result() -> dict:
        client = await connect(TemporalTarget(address))
        return await asyncio.wait_for(client.get_workflow_handle(run_id).result(), timeout)

    return asyncio.run(result())


class Handover:
    """A flagship run (job ``name``) against the emulator, started with a first worker; a second
    worker started once the first is killed. Emulator and workers are stopped on exit."""

    def __init__(
        self,
        address: str,
        task_queue: str,
        name: str,
        options: RunOptions,
        in_progress: int,
        task_timeout: float | None = None,
    ) -> None:
        """``task_timeout``: the run's workflow task timeout (``submit``'s; None: Temporal's 10 s)."""
        self.address, self.task_queue = address, task_queue
        self._emulator = EmulatorServer(SageMakerEmulator(in_progress=in_progress, stopping=0))
        self.emulator = self._emulator.__enter__().emulator
        self.first = WorkerProcess(address, task_queue, *STICKY)
        self.second: WorkerProcess | None = None
        try:
            self.first.wait_ready()
            self.run_id = asyncio.run(self._start(name, options, self._emulator.url, task_timeout))
        except BaseException:
            self.__exit__()
            raise

    async def _start(self, name: str, options: RunOptions, url: str, task_timeout: float | None) -> str:
        client = await connect(TemporalTarget(self.address))
        request = new_request(
            arazzo_runner.load(FLAGSHIP),
            None,
            {**FLAGSHIP_INPUTS, "trainingJobName": name},
            options=options,
            servers={"sagemakerApi": url},
        )
        return (await submit(client, request, task_queue=self.task_queue, task_timeout=task_timeout)).id

    async def on_a_timer(self) -> bool:
        client = await connect(TemporalTarget(self.address))
        return await on_a_timer(client.get_workflow_handle(self.run_id))

    def __enter__(self) -> Handover:
        return self

    def start_second(self) -> WorkerProcess:
        self.second = WorkerProcess(self.address, self.task_queue).wait_ready()
        return self.second

    def check_who(self) -> None:
        """The first worker started the run (and sent the create), the second finished it."""
        assert self.second is not None
        who = asyncio.run(identities(self.address, self.run_id))
        assert who[0] == self.first.identity
        assert who[-1] == self.second.identity

    def __exit__(self, *_: object) -> None:
        self.first.close()
        if self.second is not None:
            self.second.close()
        self._emulator.__exit__(None, None, None)


def test_sigkilled_worker_mid_poll_another_finishes_with_one_create(temporal_server, task_queue) -> None:
    address = temporal_server.address
    with Handover(address, task_queue, "tmp-failover", PACED, in_progress=3) as run:
        # The create is done and the first poll answered InProgress: the run now sleeps on a timer.
        wait_until(lambda: run.emulator.count("DescribeTrainingJob") >= 1)
        wait_until(lambda: asyncio.run(run.on_a_timer()))
        run.first.kill()
        assert run.emulator.count("DescribeTrainingJob") == 1
        second = run.start_second()
        outcome = outcome_of(address, run.run_id)
        assert outcome["status"] == "succeeded", outcome["error"]
        assert outcome["outputs"] == flagship_outputs("tmp-failover")
        assert run.emulator.count("CreateTrainingJob") == 1
        assert run.emulator.count("DescribeTrainingJob") == 4
        run.check_who()
        assert second.stop() == 3  # the three polls after the kill, nothing else
        # The task after the timer went to the dead worker's sticky queue: handed on after 1 s, not 10.
        (waited,) = asyncio.run(sticky_waits(address, run.run_id))
        assert 1 <= waited < 5, waited


#: Polls 0.5 s apart: under the local-wait limit, so each wait is taken inside its local read.
FOLDED = RunOptions(pacing=PollPacing(interval=0.5, backoff=1.0, jitter=0.0))


def test_sigkilled_worker_mid_local_reads_loses_only_reads(temporal_server, task_queue) -> None:
    """Killed while its polls are local activities (their markers not yet written: the workflow task
    is still open), the worker loses those reads; the next worker sends them again — reads only:
    the create was a regular activity, recorded before the first poll, and is never sent twice.
    The task times out after 6 s, not 10 (the SDK would heartbeat it, writing its markers, at 4.8 s:
    the kill comes after three polls 0.5 s apart, about 1-1.5 s in, leaving margin on a loaded machine)."""
    address = temporal_server.address
    with Handover(address, task_queue, "tmp-failover-local", FOLDED, in_progress=8, task_timeout=6) as run:
        wait_until(lambda: run.emulator.count("DescribeTrainingJob") >= 3)
        run.first.kill()
        lost = run.emulator.count("DescribeTrainingJob")  # sent by the first worker, lost with it
        second = run.start_second()
        outcome = outcome_of(address, run.run_id, 120)
        assert outcome["status"] == "succeeded", outcome["error"]
        assert outcome["outputs"] == flagship_outputs("tmp-failover-local")
        assert run.emulator.count("CreateTrainingJob") == 1
        polls = [s for s in outcome["steps"] if s["stepId"] == "pollTrainingJob"]
        # the second worker sent every poll the result holds: the first one's were lost with it
        assert second.stop() == len(polls)
        assert run.emulator.count("DescribeTrainingJob") == lost + len(polls)
        run.check_who()
