"""Two worker processes share 200 concurrent runs: every run completes and both workers work."""

from __future__ import annotations

import asyncio

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import new_request, submit
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS
from tests.temporal.worker_process import WorkerProcess

RUNS = 200
FAST = RunOptions(pacing=PollPacing(interval=0))


def test_two_workers_two_hundred_concurrent_runs(temporal_server, task_queue) -> None:
    document = arazzo_runner.load(FLAGSHIP)
    with EmulatorServer(SageMakerEmulator(in_progress=1, stopping=0)) as emulator:
        workers = [WorkerProcess(temporal_server.address, task_queue) for _ in range(2)]
        try:
            for worker in workers:
                worker.wait_ready()

            async def run_all() -> list[dict]:
                client = await connect(TemporalTarget(temporal_server.address))
                gate = asyncio.Semaphore(50)  # submissions and result waits in flight (a busy dev server)

                async def one(i: int) -> dict:
                    request = new_request(
                        document,
                        None,
                        {**FLAGSHIP_INPUTS, "trainingJobName": f"tmp-fleet-{i}"},
                        options=FAST,
                        servers={"sagemakerApi": emulator.url},
                    )
                    async with gate:
                        handle = await submit(client, request, task_queue=task_queue)
                    return await handle.result()

                return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(RUNS))), 300)

            results = asyncio.run(run_all())
            counts = [worker.stop() for worker in workers]
        finally:
            for worker in workers:
                worker.close()
    assert [r["status"] for r in results] == ["succeeded"] * RUNS
    assert {r["outputs"]["trainingJobArn"].rsplit("/", 1)[1] for r in results} == {
        f"tmp-fleet-{i}" for i in range(RUNS)
    }
    assert emulator.emulator.count("CreateTrainingJob") == RUNS
    assert emulator.emulator.count("DescribeTrainingJob") == 2 * RUNS
    # Count per worker: each did a share, and together exactly the requests the runs needed.
    assert all(count > 0 for count in counts), counts
    assert sum(counts) == 3 * RUNS, counts
