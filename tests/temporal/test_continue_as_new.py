"""A long run continues as new from a snapshot of the core: same result, no request repeated."""

from __future__ import annotations

import asyncio
import uuid

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.devserver import DevServer
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS, run_on_temporal


def test_long_run_continues_as_new_and_finishes_the_same() -> None:
    document = arazzo_runner.load(FLAGSHIP)
    # Temporal suggests continue-as-new past 25 history events (a flagship poll costs ~11).
    with (
        DevServer(dynamic_config=("limit.historyCount.suggestContinueAsNew=25",)) as server,
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
