"""A long run continues as new from a snapshot of the core: same result, no request repeated, and
every execution's history bounded (hundreds of fast polls as local reads included)."""

from __future__ import annotations

import asyncio
import uuid

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.devserver import DevServer
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS, PROMPT, THROWAWAY, run_on_temporal


def test_long_run_continues_as_new_and_finishes_the_same() -> None:
    """A run on the path runs had before local reads (``local_wait=None``: every poll an activity),
    continuing as new when Temporal suggests it."""
    document = arazzo_runner.load(FLAGSHIP)
    # Temporal suggests continue-as-new past 25 history events (a poll on this path costs ~6-11).
    with (
        DevServer(
            dynamic_config=("limit.historyCount.suggestContinueAsNew=25", *PROMPT), pragmas=THROWAWAY
        ) as server,
        EmulatorServer(SageMakerEmulator(in_progress=6, stopping=0)) as emulator,
    ):
        result, _, handle = asyncio.run(
            run_on_temporal(
                server.address,
                f"test-{uuid.uuid4().hex[:8]}",
                document,
                None,
                {**FLAGSHIP_INPUTS, "trainingJobName": "tmp-long"},
                servers={"sagemakerApi": emulator.url},
                options=RunOptions(pacing=PollPacing(interval=0)),
                local_wait=None,
            )
        )

        async def runs() -> int:
            from arazzo_runner.temporal.connection import TemporalTarget, connect

            client = await connect(TemporalTarget(server.address))
            return len([w async for w in client.list_workflows(f"WorkflowId = '{handle.id}'")])

        executions = asyncio.run(runs())
        assert result["status"] == "succeeded", result["error"]
        assert result["outputs"]["trainingJobStatus"] == "Completed"
        assert emulator.emulator.count("CreateTrainingJob") == 1
        assert emulator.emulator.count("DescribeTrainingJob") == 7
        assert executions >= 2  # it did continue as new
        # The result covers the whole run, not only the last execution.
        assert [s["stepId"] for s in result["steps"]] == ["createTrainingJob"] + ["pollTrainingJob"] * 7


#: Fast polls (pacing off, local reads): hundreds of them, in executions of at most this many events
#: (the default is 8,000: the same code), with a workflow task break after every READS_PER_TASK reads
#: in a row (the default is 100). A chain of several executions, as 2,000 polls made of 600-event ones.
POLLS = 400
BUDGET = 300
READS_PER_TASK = 25
#: Every stored event under 256 KiB for this many polls: the bound scales to this run's POLLS.
LARGEST_PER = (256 * 1024, 2000)


def polled_run(address: str, polls: int, name: str, interval: float, **request_options):
    """A flagship run whose job answers InProgress ``polls - 1`` times, polls ``interval`` s apart:
    (result, the emulator, every execution's history, oldest first), each history replayed first.
    ``request_options``: ``run_on_temporal``'s (``history_budget``, ``task_timeout``...)."""
    from temporalio.worker import Replayer

    from arazzo_runner.temporal.connection import TemporalTarget, connect, data_converter
    from arazzo_runner.temporal.workflow import ArazzoRun

    with EmulatorServer(SageMakerEmulator(in_progress=polls - 1, stopping=0)) as emulator:
        result, _, handle = asyncio.run(
            run_on_temporal(
                address,
                f"test-{uuid.uuid4().hex[:8]}",
                arazzo_runner.load(FLAGSHIP),
                None,
                {**FLAGSHIP_INPUTS, "trainingJobName": name},
                servers={"sagemakerApi": emulator.url},
                options=RunOptions(pacing=PollPacing(interval=interval, backoff=1.0, jitter=0.0)),
                timeout=600,
                **request_options,
            )
        )

    async def histories() -> list:
        client = await connect(TemporalTarget(address))
        runs = [w async for w in client.list_workflows(f"WorkflowId = '{handle.id}'")]
        return [await client.get_workflow_handle(handle.id, run_id=w.run_id).fetch_history() for w in runs]

    chain = asyncio.run(histories())
    for history in chain:  # deterministic: each execution replays against today's workflow
        asyncio.run(Replayer(workflows=[ArazzoRun], data_converter=data_converter(None)).replay_workflow(history))
    assert result["status"] == "succeeded", result["error"]
    assert result["outputs"]["trainingJobStatus"] == "Completed"
    assert emulator.emulator.count("CreateTrainingJob") == 1
    assert emulator.emulator.count("DescribeTrainingJob") == polls
    return result, emulator.emulator, chain


def test_hundreds_of_fast_polls_keep_every_history_bounded(temporal_server, monkeypatch) -> None:
    """The workflow counts its own history: the server's suggestion only changes when a workflow
    task starts, and one task holds up to ``readsPerTask`` local reads (``.reads.MAX_READS_PER_TASK``
    by default). With the budget lowered to 300 events and a break every 25 reads (the same code as
    8,000 and 100), 400 polls make a chain of executions, each under the budget, each replaying
    deterministically, and the result is the whole run's."""
    from arazzo_runner.temporal import codec

    # Payloads from 16 KiB on are compressed here (128 KiB by default: the codec's own tests), so
    # that this run's continue-as-new inputs take the path 2,000 polls' did.
    monkeypatch.setattr(codec, "COMPRESS_ABOVE", 16 * 1024)
    result, _, chain = polled_run(
        temporal_server.address,
        POLLS,
        "tmp-hundreds",
        0,
        history_budget=BUDGET,
        reads_per_task=READS_PER_TASK,
    )
    assert [s["stepId"] for s in result["steps"]] == ["createTrainingJob"] + ["pollTrainingJob"] * POLLS
    lengths = [len(history.events) for history in chain]
    assert len(chain) >= POLLS // BUDGET + 1, lengths  # it continued as new, more than once
    assert max(lengths) < BUDGET, lengths
    # every poll is one marker; with the workflow tasks, timers and the create: under 3 events a poll
    markers = sum(1 for h in chain for e in h.events if e.HasField("marker_recorded_event_attributes"))
    assert markers == POLLS
    assert sum(lengths) / POLLS < 1.5, lengths
    # The step records the chain carries (continue-as-new inputs, the result) grow with every poll:
    # stored compressed, the largest event stays as far below Temporal's 512 KiB warning and 2 MB
    # limit as 2,000 polls' stayed under 256 KiB (uncompressed, these would not: ~300 bytes a poll).
    inputs = [h.events[0].workflow_execution_started_event_attributes.input.payloads[0] for h in chain]
    assert sum(1 for payload in inputs if payload.metadata.get("encoding") == codec.COMPRESSED) >= 2
    largest = max(len(event.SerializeToString()) for history in chain for event in history.events)
    bound, per_polls = LARGEST_PER
    assert largest < bound * POLLS // per_polls, largest


def test_local_reads_across_workflow_task_heartbeats_replay(temporal_server) -> None:
    """Polls 0.1 s apart, folded into their local reads, in a run whose workflow task timeout is 4 s
    (Temporal's default is 10) and whose workflow task ends after 40 reads in a row: 40 of them hold
    a task past 3.2 s (80% of the timeout), so the SDK heartbeats it (a task completed and a new
    one started amid the reads, at a point that depends on timing). The workflow's own break still
    comes after exactly 40 reads in a row, and the history replays: nothing the workflow decides
    depends on where the heartbeats fall (an earlier version counted reads per workflow task and
    failed here)."""
    reads = 40
    _, _, (found,) = polled_run(
        temporal_server.address, 50, "tmp-heartbeats", 0.1, reads_per_task=reads, task_timeout=4
    )
    kinds = [e.WhichOneof("attributes") for e in found.events]
    assert kinds.count("marker_recorded_event_attributes") == 50
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta().total_seconds()
        for e in found.events
        if e.HasField("timer_started_event_attributes")
    ]
    assert timers == [0.001]  # every wait inside its read; one break after 40 reads in a row
    assert (
        kinds.index("timer_started_event_attributes")
        > kinds.index("marker_recorded_event_attributes") + reads - 1
    )
    first_marker = kinds.index("marker_recorded_event_attributes")
    # After the first marker, one task completes after the break's timer; any more are heartbeats
    # (40 reads 0.1 s apart outlast the 3.2 s after which the SDK heartbeats a task).
    heartbeats = kinds[first_marker:].count("workflow_task_completed_event_attributes") - 1
    assert heartbeats >= 1, kinds
