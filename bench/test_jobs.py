"""``arazzo test -j 4`` vs ``-j 1`` on the flagship suite (the 8 documents of ``workflows/``), replayed and
live against the local SageMaker emulator, printed as Markdown (issue 28's figures).

Run: ``.venv/bin/python bench/test_jobs.py [--reps 5] [--poll-interval 0.1]``.

What it measures, each figure the median of ``--reps`` rounds (jobs 1 and 4 alternating, so load
drift hits both):

1. **replayed**: the suite is first recorded against a fresh emulator (``arazzo test --record``, one
   HAR per workflow), then ``arazzo test workflows/ --replay DIR -j N`` runs it with no network and no
   waits. Pure CPU on one event loop, so -j 4 can only overlap what little waiting there is.
2. **live, poll interval 0**: ``arazzo test workflows/ --server sagemakerApi=URL -j N`` against the
   emulator started as ``python -m arazzo_runner.aws.sagemaker_emulator`` (its own process, fresh for
   every round so job names are free; its start is not timed).
3. **live, poll interval P** (``--poll-interval``, default 0.1 s): the same with the poll loops'
   waits, as a real suite waits for jobs; here -j 4 overlaps the waits.
4. **live, emulator + moto**: jobs advance with time (``--seconds-per-phase``, default 0.2 s) in an
   emulator in this process whose state changes an event pump publishes to moto's EventBridge,
   routed to an SQS queue the event-driven workflow receives from (``AWS_ENDPOINT_URL_SQS``), as
   ``make demo-events`` wires it; fresh emulator and moto for every round.

Rows 2 and 3 leave out the event-driven workflow (``-k 'not wait-for-event'``, 7 workflows): with
no SQS endpoint it would ask AWS's own SQS. Nothing in this script leaves 127.0.0.1.

Timed: the ``arazzo test`` command end to end in a child process (interpreter start, imports and
document loading included), and the suite alone as the command reports it ("in N.NNs").
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
#: The event-driven workflow receives from SQS: only the moto row gives it a local queue.
NOT_EVENTS = ("-k", "not wait-for-event")
KEYS = {
    "AWS_ACCESS_KEY_ID": "AKIAEMULATOREXAMPLE1",
    "AWS_SECRET_ACCESS_KEY": "emulator/secret/access/key/not-a-real-one",
    "AWS_REGION": "us-east-1",
}


class Emulator:
    """``python -m arazzo_runner.aws.sagemaker_emulator`` on a free port, in its own process."""

    def __enter__(self) -> Emulator:
        self.process = subprocess.Popen(
            [PYTHON, "-m", "arazzo_runner.aws.sagemaker_emulator", "--in-progress", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


class EmulatorWithEvents:
    """An emulator whose jobs advance with time, publishing their state changes to moto's EventBridge
    (a rule routes them to the workflow's SQS queue), both on 127.0.0.1 in this process."""

    def __init__(self, seconds_per_phase: float) -> None:
        self.seconds_per_phase = seconds_per_phase

    def __enter__(self) -> EmulatorWithEvents:
        import contextlib
        import json
        import logging

        from moto.server import ThreadedMotoServer

        from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
        from arazzo_runner.aws.training_events import EventBridgePublisher, EventPump, route_to_queue
        from arazzo_runner.cli.demo_events import INPUTS, _clients

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self.moto.start()
        self.moto_url = f"http://127.0.0.1:{self.moto.get_host_and_port()[1]}"
        events, sqs = _clients(self.moto_url)
        route_to_queue(events, sqs, json.loads((ROOT / INPUTS).read_text())["eventQueue"])
        emulator = SageMakerEmulator(in_progress=2, advance="time", seconds_per_phase=self.seconds_per_phase)
        self.stack = contextlib.ExitStack()
        server = self.stack.enter_context(EmulatorServer(emulator))
        self.stack.enter_context(
            EventPump(emulator, EventBridgePublisher(events), interval=self.seconds_per_phase / 4)
        )
        self.url = server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self.stack.close()
        self.moto.stop()


def arazzo_test(*args: str, state: str, env_extra: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, suite seconds as reported, summary line) of one ``arazzo test`` run."""
    env = {**os.environ, **KEYS, "XDG_STATE_HOME": state, "NO_COLOR": "1", **(env_extra or {})}
    env.pop("GITHUB_ACTIONS", None)
    started = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-m", "arazzo_runner", "test", "workflows/", "--no-journal", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=600,
    )
    wall = time.perf_counter() - started
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else done.stderr.strip()
    match = re.search(r"in (\d+\.\d+)s$", summary)
    if match is None:
        raise SystemExit(f"arazzo test {' '.join(args)}: no summary line:\n{done.stdout}\n{done.stderr}")
    return wall, float(match.group(1)), summary.split(" in ")[0]


def measure(label: str, reps: int, args_for: object, state: str) -> list[str]:
    rows = []
    figures: dict[int, list[tuple[float, float]]] = {1: [], 4: []}
    verdict = {}
    for _ in range(reps):
        for jobs in (1, 4):
            wall, suite, summary = args_for(jobs)  # type: ignore[operator]
            figures[jobs].append((wall, suite))
            verdict[jobs] = summary
            print(f"  {label} -j {jobs}: {suite:.3f}s suite, {wall:.3f}s wall ({summary})", file=sys.stderr)
    one = statistics.median(s for _, s in figures[1])
    four = statistics.median(s for _, s in figures[4])
    one_wall = statistics.median(w for w, _ in figures[1])
    four_wall = statistics.median(w for w, _ in figures[4])
    rows.append(
        f"| {label} | {one:.3f} s | {four:.3f} s | **{one / four:.2f}x** | {one_wall:.2f} s | {four_wall:.2f} s"
        f" | {verdict[4]} |"
    )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--poll-interval", type=float, default=0.1)
    parser.add_argument("--seconds-per-phase", type=float, default=0.2)
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        state = os.path.join(scratch, "state")
        recordings = os.path.join(scratch, "recordings")
        with Emulator() as emulator:
            arazzo_test(
                *NOT_EVENTS,
                "--server",
                f"sagemakerApi={emulator.url}",
                "--poll-interval",
                "0",
                "--record",
                recordings,
                state=state,
            )
        print(f"recorded {len(os.listdir(recordings))} HARs", file=sys.stderr)
        rows += measure(
            "replayed (--replay DIR)",
            args.reps,
            lambda j: arazzo_test(*NOT_EVENTS, "--replay", recordings, "-j", str(j), state=state),
            state,
        )

        def live(interval: float):
            def run(jobs: int) -> tuple[float, float, str]:
                with Emulator() as emulator:
                    return arazzo_test(
                        *NOT_EVENTS,
                        "--server",
                        f"sagemakerApi={emulator.url}",
                        "--poll-interval",
                        str(interval),
                        "-j",
                        str(jobs),
                        state=state,
                    )

            return run

        rows += measure("live emulator, poll interval 0", args.reps, live(0.0), state)
        rows += measure(
            f"live emulator, poll interval {args.poll_interval:g}s",
            args.reps,
            live(args.poll_interval),
            state,
        )

        def with_events(jobs: int) -> tuple[float, float, str]:
            with EmulatorWithEvents(args.seconds_per_phase) as world:
                return arazzo_test(
                    "--server",
                    f"sagemakerApi={world.url}",
                    "--poll-interval",
                    str(args.poll_interval),
                    "-j",
                    str(jobs),
                    state=state,
                    env_extra={"AWS_ENDPOINT_URL_SQS": world.moto_url},
                )

        rows += measure(
            f"live emulator + moto events (8 workflows), jobs advance every {args.seconds_per_phase:g}s",
            args.reps,
            with_events,
            state,
        )
    load = os.getloadavg()
    print(
        f"`arazzo test workflows/` (7 workflows; 8 with moto), median of {args.reps} rounds; {os.cpu_count()} cores,"
        f" load average {load[0]:.2f} at the end.\n"
    )
    print("| suite | -j 1 | -j 4 | speed-up | -j 1 wall | -j 4 wall | verdicts (-j 4) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
