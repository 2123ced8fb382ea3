"""The engine's own CPU cost per step, with no network: a fleet of flagship runs over httpx.MockTransport.

Run: ``.venv/bin/python bench/engine_cost.py [--runs 1000] [--polls 20] [--reps 1] [--profile 25]``.

Every request is answered in-process by a canned SageMaker (CreateTrainingJob, then DescribeTrainingJob
``InProgress`` ``--polls`` times, then ``Completed``), so what is measured is the engine: building and
signing requests (SigV4 on, the throwaway key), parsing answers, criteria, actions, outputs, events.
Prints CPU µs per step (process time / steps, less the canned server's own CPU, measured inside its
handler; the target of issue 20 is <= 250 µs) and, with
``--profile N``, the N functions with the most own time per step. ``--reps N`` runs the fleet N
times in one process and prints each figure, then the min and the median: the machine is shared, so
compare before/after back to back, alternating, on several repetitions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

TARGET_US = 250.0
#: CPU seconds spent in the canned server (same process): subtracted, it is not the engine's.
HANDLER_CPU = [0.0]
DESCRIBE = {
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "CreationTime": 1717243200.0,
}


def canned_sagemaker(polls: int) -> Any:
    """An httpx.MockTransport handler answering like bench/fast_server.py, in-process."""
    import httpx

    seen: dict[str, int] = {}
    headers = {"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "bench"}

    def handle(request: httpx.Request) -> httpx.Response:
        started = time.process_time()
        try:
            return answer(request)
        finally:
            HANDLER_CPU[0] += time.process_time() - started

    def answer(request: httpx.Request) -> httpx.Response:
        target = request.headers.get("x-amz-target", "")
        name = json.loads(request.content)["TrainingJobName"]
        arn = f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}"
        if target.endswith("CreateTrainingJob"):
            seen[name] = 0
            return httpx.Response(200, headers=headers, content=json.dumps({"TrainingJobArn": arn}).encode())
        count = seen.get(name, 0)
        done = count >= polls
        seen[name] = count + 1
        data = dict(DESCRIBE, TrainingJobArn=arn, TrainingJobName=name)
        data["TrainingJobStatus"] = data["SecondaryStatus"] = "Completed" if done else "InProgress"
        if done:
            data["ModelArtifacts"] = {"S3ModelArtifacts": f"s3://b/out/{name}/model.tar.gz"}
        return httpx.Response(200, headers=headers, content=json.dumps(data).encode())

    return httpx.MockTransport(handle)


async def fleet(runs: int, polls: int, profiler: cProfile.Profile | None = None) -> tuple[int, float, float]:
    """(steps, wall seconds, CPU seconds) of ``runs`` concurrent flagship runs."""
    import httpx

    import arazzo_runner
    from arazzo_runner.drivers import RunEnvironment
    from arazzo_runner.engine import PollPacing, RunOptions

    document = arazzo_runner.load(harness.FLAGSHIP)
    environment = RunEnvironment(
        servers={"sagemakerApi": "http://sagemaker.local"}, aws=harness.aws_environment()
    )
    options = RunOptions(pacing=PollPacing(interval=0))
    inputs = json.loads(harness.FLAGSHIP_INPUTS.read_text())
    async with httpx.AsyncClient(transport=canned_sagemaker(polls)) as client:

        async def one(name: str) -> Any:
            return await document.run_async(
                "train-and-poll-job",
                dict(inputs, trainingJobName=name),
                options=options,
                environment=environment,
                client=client,
            )

        await one("warm")
        if profiler is not None:
            profiler.enable()
        HANDLER_CPU[0] = 0.0
        wall, cpu = time.perf_counter(), time.process_time()
        results = await asyncio.gather(*(one(f"run-{i}") for i in range(runs)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu - HANDLER_CPU[0]
        if profiler is not None:
            profiler.disable()
    failed = [r for r in results if r.status != "succeeded"]
    if failed:
        raise SystemExit(f"{len(failed)} runs failed: {failed[0].error}")
    return sum(r.requests for r in results), wall, cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument(
        "--polls", type=int, default=20, help="InProgress answers per run (steps = polls + 2)"
    )
    parser.add_argument("--profile", type=int, default=0, help="print the N top functions by own time")
    parser.add_argument("--reps", type=int, default=1, help="run the fleet N times; print min and median")
    args = parser.parse_args(argv)
    os.environ.update(harness.aws_env())
    print(f"machine: {harness.machine()}")
    profiler = cProfile.Profile() if args.profile else None
    figures = []
    profiled_steps = 0
    for _ in range(max(1, args.reps)):
        steps, wall, cpu = asyncio.run(fleet(args.runs, args.polls, profiler))
        profiled_steps += steps
        per_step = cpu / steps * 1e6
        figures.append(per_step)
        verdict = "MET" if per_step <= TARGET_US else "MISSED"
        print(
            f"{args.runs:,} runs x {args.polls + 2} steps over MockTransport: {steps:,} steps, wall {wall:.1f} s,"
            f" {steps / wall:,.0f} steps/s, CPU {per_step:.0f} µs/step (target <= {TARGET_US:.0f}: {verdict})"
            + (" [profiled: figures inflated]" if profiler is not None else "")
        )
    if len(figures) > 1:
        print(
            f"CPU µs/step over {len(figures)} reps: min {min(figures):.0f}, median {statistics.median(figures):.0f}"
        )
    if profiler is not None:
        stats = pstats.Stats(profiler)
        rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[: args.profile]  # type: ignore[attr-defined]
        print(f"top {args.profile} by own time, µs per step (profiled):")
        for (file, line, name), (_, calls, own, total, _) in rows:
            where = f"{Path(file).name}:{line}({name})"
            print(
                f"  {own / profiled_steps * 1e6:7.1f} own {total / profiled_steps * 1e6:8.1f} cum"
                f"  {calls / profiled_steps:6.1f}/step  {where}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
