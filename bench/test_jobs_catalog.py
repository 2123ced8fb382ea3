"""``arazzo test -j 4`` vs ``-j 1`` on the catalog corpus (the 37 SageMaker, S3 and DynamoDB workflows
of ``tests/data/catalog/``) against one moto server that checks SigV4, printed as Markdown (issue 28's
last figure; the flagship suite's are ``bench/test_jobs.py``).

Run: ``.venv/bin/python bench/test_jobs_catalog.py [--reps 5]``.

Every round: a fresh moto (``tests/integration/http/moto_process.py``, signatures checked after the
3 free calls that make the IAM user and its key, as ``tests/integration/catalog/`` starts it), every
case's state put in place (``cases.py``'s ``prepare``: buckets, tables, models, the SageMaker role),
then one timed ``arazzo test`` in a child process with ``--server NAME=URL`` for every source name
the documents use, ``--poll-interval 0`` and ``--max-steps 60`` (as the corpus test runs them) and
the IAM user's key in botocore's environment variables. Jobs 1 and 4 alternate, each figure the
median of ``--reps`` rounds. moto's start and the setup are not timed.

Two rows: moto direct (moto answers in about a millisecond on the same 2 cores, so the suite is
CPU: the engine's and moto's), and moto behind a relay in this process that holds every chunk a
client sends for ``--latency`` seconds (default 0.02), as a round trip to a remote endpoint costs;
there ``-j 4`` overlaps the waits.

The command reads the documents unmodified: they, their OpenAPI files and their inputs are copied
into one temporary folder laid out as the catalog is (``<provider>/arazzo``, ``<provider>/openapi``),
each inputs file next to its document as ``NAME.inputs.json``, the name ``arazzo test`` looks for.

The two document faults of ``cases.py`` (``fault=...``): the document refused for its non-JSONPath
criteria (batch-write-then-batch-get) is an error; drain-and-delete-table reads an output from a
member DeleteTable does not answer, which is a null with a warning in a run that succeeds (it is
counted as passed; ``arazzo run --strict`` would fail it). The script checks that every case has the
same verdict in every round at both job counts (exit 1 if not). Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.integration.catalog.aws_state import REGION, MotoState  # noqa: E402
from tests.integration.catalog.cases import CASES, CATALOG  # noqa: E402
from tests.integration.catalog.corpus import MAX_STEPS, source_names  # noqa: E402
from tests.moto_servers import admin_access_key, moto_server  # noqa: E402

PYTHON = sys.executable
#: The launcher the catalog corpus test uses: moto with 3 unchecked calls, then SigV4 checked.
MOTO_LAUNCHER = ROOT / "tests" / "integration" / "http" / "moto_process.py"
PROVIDERS = sorted({case.provider for case in CASES})


class DelayProxy:
    """A TCP relay on 127.0.0.1 in front of moto that holds every chunk the client sends for ``delay``
    seconds before passing it on: a round trip as a remote endpoint costs, bytes unchanged (the Host
    header the engine signed reaches moto as signed). Runs an asyncio loop in a thread."""

    def __init__(self, target: str, delay: float) -> None:
        host, port = target.removeprefix("http://").split(":")
        self.target, self.delay = (host, int(port)), delay

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
        try:
            while chunk := await reader.read(65536):
                if delay:
                    await asyncio.sleep(delay)
                writer.write(chunk)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection(*self.target)
        await asyncio.gather(
            self._pipe(client_reader, server_writer, self.delay), self._pipe(server_reader, client_writer, 0)
        )

    def __enter__(self) -> str:
        self.loop = asyncio.new_event_loop()
        self.server = self.loop.run_until_complete(asyncio.start_server(self._serve, "127.0.0.1", 0))
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)


def copy_corpus(target: Path) -> None:
    """Documents, OpenAPI files and inputs, unmodified, each inputs file next to its document."""
    for provider in PROVIDERS:
        shutil.copytree(CATALOG / provider / "arazzo", target / provider / "arazzo")
        shutil.copytree(CATALOG / provider / "openapi", target / provider / "openapi")
        for inputs in (CATALOG / "inputs" / provider).glob("*.inputs.json"):
            shutil.copy2(inputs, target / provider / "arazzo" / inputs.name)


def arazzo_test(
    folder: Path, url: str, key: str, secret: str, jobs: int, state: str
) -> tuple[float, float, str, str]:
    """(wall seconds, suite seconds as reported, summary counts, per-case verdicts) of one run."""
    names = sorted({name for case in CASES for name in source_names(case)})
    servers = [arg for name in names for arg in ("--server", f"{name}={url}")]
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": REGION,
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "AWS_CONFIG_FILE": "/nonexistent",
        "XDG_STATE_HOME": state,
        "NO_COLOR": "1",
    }
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "GITHUB_ACTIONS"):
        env.pop(name, None)
    started = time.perf_counter()
    done = subprocess.run(
        [
            PYTHON,
            "-m",
            "arazzo_runner",
            "test",
            str(folder),
            "--no-journal",
            "--poll-interval",
            "0",
            "--max-steps",
            str(MAX_STEPS),
            "--output",
            "json",
            "-j",
            str(jobs),
            *servers,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=900,
    )
    wall = time.perf_counter() - started
    summary = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
    match = re.search(r"in (\d+\.\d+)s$", summary)
    if match is None:
        raise SystemExit(
            f"arazzo test -j {jobs}: no summary line:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return wall, float(match.group(1)), summary.split(" in ")[0], verdicts(done.stdout)


def verdicts(stdout: str) -> str:
    """Each case's status, sorted, so two runs' verdicts compare case by case."""
    import json

    try:
        results = json.loads(stdout)
    except json.JSONDecodeError:
        return stdout
    return json.dumps(
        sorted(
            (
                str(r.get("document", "")).rsplit("/", 1)[-1],
                str(r.get("workflowId", "")),
                str(r.get("status", "")),
            )
            for r in results
        )
    )


def one_round(folder: Path, jobs: int, state: str, latency: float) -> tuple[float, float, str, str]:
    """Fresh moto, every case's state in place, then one timed ``arazzo test -j jobs`` (through a
    relay adding ``latency`` seconds per request when it is not 0; the setup talks to moto directly)."""
    with moto_server(MOTO_LAUNCHER, "3") as url:
        key, secret = admin_access_key(url, "catalog")
        moto = MotoState(url, key, secret)
        for case in CASES:
            case.prepare(moto)
        if not latency:
            return arazzo_test(folder, url, key, secret, jobs, state)
        with DelayProxy(url, latency) as relayed:
            return arazzo_test(folder, relayed, key, secret, jobs, state)


def measure(label: str, folder: Path, state: str, reps: int, latency: float) -> tuple[str, bool]:
    """One table row (medians of ``reps`` rounds, jobs 1 and 4 alternating) and whether every case had
    the same verdict in every round at both job counts."""
    figures: dict[int, list[tuple[float, float]]] = {1: [], 4: []}
    summaries: dict[int, set[str]] = {1: set(), 4: set()}
    cases: set[str] = set()
    for _ in range(reps):
        for jobs in (1, 4):
            wall, suite, summary, verdict = one_round(folder, jobs, state, latency)
            figures[jobs].append((wall, suite))
            summaries[jobs].add(summary)
            cases.add(verdict)
            print(f"  {label} -j {jobs}: {suite:.3f}s suite, {wall:.3f}s wall ({summary})", file=sys.stderr)
    one = statistics.median(s for _, s in figures[1])
    four = statistics.median(s for _, s in figures[4])
    one_wall = statistics.median(w for w, _ in figures[1])
    four_wall = statistics.median(w for w, _ in figures[4])
    row = (
        f"| {label} | {one:.3f} s | {four:.3f} s | **{one / four:.2f}x** | {one_wall:.2f} s | {four_wall:.2f} s"
        f" | {' / '.join(sorted(summaries[1]))} | {' / '.join(sorted(summaries[4]))} |"
    )
    return row, len(cases) == 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument(
        "--latency",
        type=float,
        default=0.02,
        help="seconds a relay adds per request in the second row (0: no row)",
    )
    args = parser.parse_args()
    rows, same = [], True
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "catalog"
        copy_corpus(folder)
        state = os.path.join(scratch, "state")
        plans = [("moto direct", 0.0)]
        if args.latency:
            plans.append((f"moto behind a relay adding {args.latency * 1000:g} ms per request", args.latency))
        for label, latency in plans:
            row, agreed = measure(label, folder, state, args.reps, latency)
            rows.append(row)
            same = same and agreed
    load = os.getloadavg()
    print(
        f"`arazzo test` on the catalog corpus ({len(CASES)} workflows, one fresh moto checking SigV4 per round),"
        f" median of {args.reps} rounds; {os.cpu_count()} cores, load average {load[0]:.2f} at the end.\n"
    )
    print(
        "| catalog corpus | -j 1 | -j 4 | speed-up | -j 1 wall | -j 4 wall | verdicts -j 1 | verdicts -j 4 |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for row in rows:
        print(row)
    print(f"\nSame verdict for every case in every round at -j 1 and -j 4: {'yes' if same else 'NO'}.")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
