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


def arazzo_test(*args: str, state: str) -> tuple[float, float, str]:
    """(wall seconds, suite seconds as reported, summary line) of one ``arazzo test`` run."""
    env = {**os.environ, **KEYS, "XDG_STATE_HOME": state, "NO_COLOR": "1"}
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
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory() as scratch:
        state = os.path.join(scratch, "state")
        recordings = os.path.join(scratch, "recordings")
        with Emulator() as emulator:
            arazzo_test(
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
            lambda j: arazzo_test("--replay", recordings, "-j", str(j), state=state),
            state,
        )

        def live(interval: float):
            def run(jobs: int) -> tuple[float, float, str]:
                with Emulator() as emulator:
                    return arazzo_test(
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
    load = os.getloadavg()
    print(
        f"`arazzo test workflows/` (8 workflows), median of {args.reps} rounds; {os.cpu_count()} cores,"
        f" load average {load[0]:.2f} at the end.\n"
    )
    print("| suite | -j 1 | -j 4 | speed-up | -j 1 wall | -j 4 wall | verdicts (-j 4) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for row in rows:
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
