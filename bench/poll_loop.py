"""The engine's overhead on a poll loop, against the floor: a hand-written signed httpx loop.

Run: ``.venv/bin/python bench/poll_loop.py`` (``--polls 500 --reps 7``; ``--profile`` adds a
cProfile of the engine's run; ``--verify`` makes the server check every SigV4 signature).

Both sides make the same 1 + N + 1 requests to ``bench/fast_server.py`` (a child process on
127.0.0.1, signature checks off by default so the server is never the bottleneck):

(a) a plain ``httpx.Client`` loop: build the JSON body, sign with botocore's ``SigV4Auth``, POST,
    parse the JSON answer, look at ``TrainingJobStatus``: the least any correct client does;
(b) our engine running the flagship workflow file, unmodified, with pacing off
    (``RunOptions(pacing=PollPacing(interval=0))``), one shared ``RunEnvironment`` and client.

The repetitions alternate (a) and (b) so drift on the machine hits both alike. Target: the
median ratio (b)/(a) <= 1.15.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
import uuid
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

TARGET_RATIO = 1.15


def flagship_inputs(job_name: str) -> dict[str, Any]:
    inputs = json.loads(harness.FLAGSHIP_INPUTS.read_text())
    inputs["trainingJobName"] = job_name
    return inputs


def plain_loop(client: httpx.Client, url: str, inputs: dict[str, Any]) -> int:
    """(a): the same requests as the flagship, signed with botocore, no engine. Returns requests made."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    credentials = harness.botocore_credentials()
    endpoint = url + "/"

    def call(target: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload).encode()
        request = AWSRequest(
            method="POST",
            url=endpoint,
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
            data=body,
        )
        SigV4Auth(credentials, "sagemaker", harness.REGION).add_auth(request)
        response = client.post(endpoint, content=body, headers=dict(request.headers.items()))
        response.raise_for_status()
        return response.json()

    create = {
        "TrainingJobName": inputs["trainingJobName"],
        "AlgorithmSpecification": {
            "TrainingImage": inputs["trainingImage"],
            "TrainingInputMode": inputs["trainingInputMode"],
        },
        "RoleArn": inputs["roleArn"],
        "InputDataConfig": inputs["inputDataConfig"],
        "OutputDataConfig": {"S3OutputPath": inputs["s3OutputPath"]},
        "ResourceConfig": {
            "InstanceType": inputs["instanceType"],
            "InstanceCount": inputs["instanceCount"],
            "VolumeSizeInGB": inputs["volumeSizeInGB"],
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": inputs["maxRuntimeInSeconds"]},
    }
    requests = 1
    arn = call("SageMaker.CreateTrainingJob", create)["TrainingJobArn"]
    assert arn
    while True:
        requests += 1
        answer = call("SageMaker.DescribeTrainingJob", {"TrainingJobName": inputs["trainingJobName"]})
        if answer.get("TrainingJobStatus") != "InProgress":
            return requests


def engine_runner(
    url: str, journal: Any = None, telemetry: Any = None
) -> Callable[[httpx.Client, dict[str, Any]], int]:
    """(b): the engine on the flagship; the document and environment are made once, as a service would.

    ``journal``: a journal file every run records its transitions in (``--journal``).
    ``telemetry``: every run traced and measured (``--otel``: the SDK's providers, in memory).
    """
    import arazzo_runner
    from arazzo_runner.drivers.environment import RunEnvironment
    from arazzo_runner.engine import PollPacing, RunOptions

    document = arazzo_runner.load(harness.FLAGSHIP)
    environment = RunEnvironment(servers={"sagemakerApi": url}, aws=harness.aws_environment())
    options = RunOptions(pacing=PollPacing(interval=0))

    def run(client: httpx.Client, inputs: dict[str, Any]) -> int:
        result = document.run(
            "train-and-poll-job",
            inputs,
            options=options,
            environment=environment,
            client=client,
            journal=journal,
            telemetry=telemetry,
        )
        if result.status != "succeeded" or result.outputs.get("trainingJobStatus") != "Completed":
            raise RuntimeError(f"engine run did not succeed: {result.status} {result.error}")
        return result.requests

    return run


def _in_memory_telemetry() -> Any:
    """Telemetry on, exporting nowhere slow: what tracing itself costs the run (``--otel``)."""
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from arazzo_runner.telemetry import Telemetry

    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(BatchSpanProcessor(InMemorySpanExporter()))
    return Telemetry(tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()]))


def timed(fn: Callable[[], int]) -> tuple[float, float, int]:
    """(wall seconds, this process's CPU seconds, requests): CPU time excludes the server's work
    and is far less noisy than wall time on a shared 2-core VM."""
    started, cpu = time.perf_counter(), time.process_time()
    requests = fn()
    return time.perf_counter() - started, time.process_time() - cpu, requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="engine vs plain signed httpx loop on a poll loop")
    parser.add_argument("--polls", type=int, default=500, help="InProgress answers per job (default 500)")
    parser.add_argument("--reps", type=int, default=9, help="repetitions, >= 5 (default 9)")
    parser.add_argument("--verify", action="store_true", help="server verifies every SigV4 signature")
    parser.add_argument("--profile", metavar="FILE", help="also cProfile one engine run; stats to FILE")
    parser.add_argument(
        "--fixes", default="", help="apply bench/fixes.py patches first (comma list or 'all')"
    )
    parser.add_argument(
        "--journal",
        action="store_true",
        help="compare (b) journaled (SQLite, a temporary file) with (b) not journaled instead of (a) with (b)",
    )
    parser.add_argument(
        "--journal-batch",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="with --journal: Journal(read_batch_seconds=...); 0 writes every transition (default 1)",
    )
    parser.add_argument(
        "--otel",
        action="store_true",
        help="(b) with OpenTelemetry on: the SDK's providers, spans batched to an in-memory exporter",
    )
    args = parser.parse_args(argv)
    reps = max(args.reps, 5)
    if args.fixes:
        import fixes

        print(f"patched with bench/fixes.py: {', '.join(fixes.apply(args.fixes))}")

    print(f"machine: {harness.machine()}")
    print(
        f"server: bench/fast_server.py in a child process, InProgress x{args.polls},"
        f" signature verification {'ON' if args.verify else 'off'}"
    )
    if args.journal:
        return journal_overhead(args.polls, reps, args.verify, args.journal_batch)
    with harness.server_process(args.polls, verify=args.verify) as url, httpx.Client() as client:
        run_engine = engine_runner(url, telemetry=_in_memory_telemetry() if args.otel else None)
        # Warm up both paths (imports, connection, botocore's caches) outside the timings.
        plain_loop(client, url, flagship_inputs(f"warm-a-{uuid.uuid4().hex[:8]}"))
        run_engine(client, flagship_inputs(f"warm-b-{uuid.uuid4().hex[:8]}"))
        plain_us: list[float] = []
        engine_us: list[float] = []
        ratios: list[float] = []
        cpu_ratios: list[float] = []
        expected = args.polls + 2
        for rep in range(reps):
            a_inputs = flagship_inputs(f"a{rep}-{uuid.uuid4().hex[:8]}")
            b_inputs = flagship_inputs(f"b{rep}-{uuid.uuid4().hex[:8]}")
            # Alternate which side goes first, so slow drift on the VM hits both alike.
            if rep % 2 == 0:
                a_wall, a_cpu, a_requests = timed(partial(plain_loop, client, url, a_inputs))
                b_wall, b_cpu, b_requests = timed(partial(run_engine, client, b_inputs))
            else:
                b_wall, b_cpu, b_requests = timed(partial(run_engine, client, b_inputs))
                a_wall, a_cpu, a_requests = timed(partial(plain_loop, client, url, a_inputs))
            if a_requests != expected or b_requests != expected:
                raise RuntimeError(f"request counts differ: plain {a_requests}, engine {b_requests}")
            plain_us.append(a_wall / expected * 1e6)
            engine_us.append(b_wall / expected * 1e6)
            ratios.append(engine_us[-1] / plain_us[-1])
            cpu_ratios.append(b_cpu / a_cpu)
            print(
                f"  rep {rep + 1}: (a) {plain_us[-1]:7.1f} µs/req   (b) {engine_us[-1]:7.1f} µs/req"
                f"   ratio {ratios[-1]:.3f}   client CPU (a) {a_cpu / expected * 1e6:6.1f} (b)"
                f" {b_cpu / expected * 1e6:6.1f} µs/req, ratio {cpu_ratios[-1]:.3f}"
            )
        a_min, a_med = harness.min_median(plain_us)
        b_min, b_med = harness.min_median(engine_us)
        r_min, r_med = harness.min_median(ratios)
        c_min, c_med = harness.min_median(cpu_ratios)
        print(
            f"requests per run: {expected} (1 create + {args.polls} InProgress + 1 Completed), reps: {reps}"
        )
        print(f"(a) plain httpx + botocore SigV4: min {a_min:7.1f} µs/req   median {a_med:7.1f} µs/req")
        print(f"(b) arazzo_runner engine:         min {b_min:7.1f} µs/req   median {b_med:7.1f} µs/req")
        print(
            f"ratio (b)/(a) wall: min {r_min:.3f}   median {r_med:.3f}   (min b / min a {b_min / a_min:.3f})"
            f"   target <= {TARGET_RATIO}: {'MET' if r_med <= TARGET_RATIO else 'MISSED'}"
        )
        print(f"ratio (b)/(a) client CPU: min {c_min:.3f}   median {c_med:.3f}")
        if args.profile:
            profiler = cProfile.Profile()
            inputs = flagship_inputs(f"prof-{uuid.uuid4().hex[:8]}")
            profiler.enable()
            run_engine(client, inputs)
            profiler.disable()
            profiler.dump_stats(args.profile)
            out = io.StringIO()
            stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("tottime")
            stats.print_stats(25)
            print(f"\ncProfile of one engine run (top 25 by own time; full stats in {args.profile}):")
            print(out.getvalue())
    return 0


#: Journaling may cost at most this much on the poll loop (issue 14).
JOURNAL_TARGET = 1.10


def journal_overhead(polls: int, reps: int, verify: bool, batch: float) -> int:
    """(b) journaled / (b) not journaled, alternating, same server and client."""
    import tempfile

    with (
        tempfile.TemporaryDirectory() as folder,
        harness.server_process(polls, verify=verify) as url,
        httpx.Client() as client,
    ):
        from arazzo_runner.journal import Journal

        journal = Journal(Path(folder) / "runs.db", read_batch_seconds=batch)
        print(f"journal: SQLite WAL in a temporary folder, read_batch_seconds={batch:g}")
        plain, journaled = engine_runner(url), engine_runner(url, journal=journal)
        plain(client, flagship_inputs(f"warm-b-{uuid.uuid4().hex[:8]}"))
        journaled(client, flagship_inputs(f"warm-j-{uuid.uuid4().hex[:8]}"))
        ratios, plain_us, journal_us = [], [], []
        expected = polls + 2
        for rep in range(reps):
            sides = [(plain, plain_us), (journaled, journal_us)]
            for run, into in sides if rep % 2 == 0 else reversed(sides):
                wall, _, requests = timed(
                    partial(run, client, flagship_inputs(f"r{rep}-{uuid.uuid4().hex[:8]}"))
                )
                assert requests == expected
                into.append(wall / expected * 1e6)
            ratios.append(journal_us[-1] / plain_us[-1])
            print(f"  rep {rep + 1}: (b) {plain_us[-1]:7.1f} µs/req   (b)+journal {journal_us[-1]:7.1f} µs/req"
                  f"   ratio {ratios[-1]:.3f}")  # fmt: skip
        size = sum(p.stat().st_size for p in Path(folder).glob("runs.db*"))
        r_min, r_med = harness.min_median(ratios)
        print(
            f"requests per run: {expected}, reps: {reps}, journal size after {reps + 1} runs: {size / 1e6:.1f} MB"
        )
        print(f"(b) engine:             median {harness.min_median(plain_us)[1]:7.1f} µs/req")
        print(f"(b) engine + journal:   median {harness.min_median(journal_us)[1]:7.1f} µs/req")
        print(
            f"ratio journaled / not: min {r_min:.3f}   median {r_med:.3f}"
            f"   target <= {JOURNAL_TARGET}: {'MET' if r_med <= JOURNAL_TARGET else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
