"""Issues 20 and 31's figures in one run, side by side with their floors and targets, printed as
Markdown ready for ``bench/RESULTS.md``.

Run: ``make bench`` or ``.venv/bin/python bench/figures.py`` (4.5 min on the 2-core VM at load
average ~3, plus the peers' first install); ``--with-10000`` adds the 10,000-run fleet, journal off
and on (12.5 min more at load ~3: 230 s off, 520 s on); ``--out FILE`` also writes the Markdown to
FILE. Progress goes to stderr, the Markdown to stdout.

What it runs, in this order, every part with the server (``bench/fast_server.py``) in its own
process on 127.0.0.1:

1. the transports alone, no engine, no signing (``bench/fleet.py`` ``raw:N``, ``transport:N``,
   ``httpx:N``): the raw asyncio HTTP/1.1 floor, the same I/O behind httpx's transport seam (the
   ceiling of any transport there), our lean transport in both framings (httptools, the default;
   h11) and httpcore's pool, alone and under ``httpx.AsyncClient``, the same tasks and connections,
   ``--reps`` rounds in a rotating order, medians;
2. the fleet: 1,000 concurrent flagship runs (SigV4 on, 20 connections), the lean transport as users
   get it (httptools) journal off and on and on uvloop, and framed by h11 beside it, each in a fresh
   child process (steps/s, peak RSS, journal size); 10,000 likewise with ``--with-10000``;
3. the poll-loop ratio, engine / plain signed httpx loop (``bench/poll_loop.py``), and the journal's
   cost on it (``poll_loop.py --journal``);
4. ``arazzo run`` end to end, journal on, as a user runs it, over the plain signed loop, both whole
   processes (``bench/cli_poll_loop.py``, 1 + 2,000 + 1 requests; target <= 1.10);
5. Temporal (``bench/temporal_fleet.py --json --runs 200 --workers 2``): requests/s (target >= 3x
   53.5) and history events per poll (target <= 3); "not available" when the script cannot say;
6. cold start (``bench/cold_start.sh``): ``arazzo --help`` (<= 100 ms), ``arazzo validate`` (<= 400 ms),
   a short ``arazzo run``;
7. the peers on the same poll loop (``bench/peer.py``): Jentic, arazzo-exec, Redocly.

``--skip transports,fleet,poll,cli,temporal,cold,peers`` leaves parts out; the total wall time is
printed at the end (stderr) and in the Markdown's heading.

The machine's facts (cores, CPU, memory, versions, load average before and after and at the start
of every part) head the Markdown, then one summary table of every part's headline figures, then
each part's own table: on a shared VM the load says how far to trust each figure.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet
import harness
import peer

CONNECTIONS = 20
#: Headline rows of every part, for the one summary table at the top: ``| figure | measured | target |``.
SUMMARY: list[str] = []


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def versions() -> str:
    names = ["arazzo-runner", "httpx", "httpcore", "h11", "anyio", "botocore", "uvloop"]
    found = []
    for name in names:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            found.append(f"{name} {importlib.metadata.version(name)}")
    commit = subprocess.run(
        ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, cwd=harness.ROOT
    ).stdout.strip()
    node = shutil.which("node")
    node_version = (
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip() if node else ""
    )
    return (
        ", ".join(found)
        + (f", node {node_version}" if node_version else "")
        + (f"; commit {commit}" if commit else "")
    )


def memory_gb() -> float:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    return 0.0


def quietly(fn: Callable[[], Any]) -> Any:
    """Run a ``fleet`` function with its own report lines sent to stderr (stdout is the Markdown)."""
    with contextlib.redirect_stdout(sys.stderr):
        return fn()


# -- 1. transports -------------------------------------------------------------------------------


def transports(tasks: int, reps: int) -> list[str]:
    def with_transport(name: str, fn: Callable[[int, int], float]) -> Callable[[], float]:
        def run() -> float:
            fleet.TRANSPORT = name
            return float(quietly(lambda: fn(tasks, CONNECTIONS)))

        return run

    variants: list[tuple[str, str, Callable[[], float]]] = [
        (
            "raw asyncio HTTP/1.1 client, no httpx (the floor)",
            f"raw:{tasks}",
            with_transport("lean", fleet.raw_alone),
        ),
        (
            "the floor's I/O behind httpx's seam (httpx's Request and Response only)",
            f"transport:{tasks} --transport seam",
            with_transport("seam", fleet.transport_alone),
        ),
        (
            "`LeanAsyncTransport` alone, httptools framing (the default)",
            f"transport:{tasks} --transport lean",
            with_transport("lean", fleet.transport_alone),
        ),
        (
            "`LeanAsyncTransport` alone, h11 framing",
            f"transport:{tasks} --transport lean-h11",
            with_transport("lean-h11", fleet.transport_alone),
        ),
        (
            "httpcore pool alone (`httpx.AsyncHTTPTransport`)",
            f"transport:{tasks} --transport httpx",
            with_transport("httpx", fleet.transport_alone),
        ),
        (
            "`httpx.AsyncClient` over `LeanAsyncTransport` (httptools)",
            f"httpx:{tasks} --transport lean",
            with_transport("lean", fleet.httpx_alone),
        ),
        (
            "`httpx.AsyncClient` over httpcore (httpx's default)",
            f"httpx:{tasks} --transport httpx",
            with_transport("httpx", fleet.httpx_alone),
        ),
    ]
    rates: dict[str, list[float]] = {label: [] for label, _, _ in variants}
    started_load = load()
    for rep in range(reps):
        order = variants[rep % len(variants) :] + variants[: rep % len(variants)]
        for label, _, run in order:
            rates[label].append(run())
            log(f"  transports round {rep + 1}: {label}: {rates[label][-1]:,.0f} req/s")
    floor = statistics.median(rates[variants[0][0]])
    rows = [
        f"Transports alone: {tasks:,} tasks x 22 unsigned Describe posts over {CONNECTIONS} keep-alive connections,"
        f" no engine, no signing; median of {reps} rounds in rotating order (load at start {started_load}).",
        "",
        "| client stack | requests/s, median (min-max) | share of the floor | µs/request | command |",
        "| --- | --- | --- | --- | --- |",
    ]
    for label, command, _ in variants:
        values = rates[label]
        median = statistics.median(values)
        rows.append(
            f"| {label} | **{median:,.0f}** ({min(values):,.0f}-{max(values):,.0f}) | {median / floor:.2f} |"
            f" {1e6 / median:,.0f} | `fleet.py --only {command}` |"
        )
        SUMMARY.append(
            f"| {label}, {tasks:,} tasks | {median:,.0f} req/s, {median / floor:.2f} of the floor | — |"
        )
    return rows


# -- 2. the fleet --------------------------------------------------------------------------------


def uvloop_installed() -> bool:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return False
    return True


def fleet_rows(sizes: list[int]) -> list[str]:
    rows = [
        "Fleet: N concurrent flagship runs x 22 steps (create, 20 InProgress, Completed), SigV4 on, the lean"
        f" transport (httptools framing, what users get; h11 framing beside it), {CONNECTIONS} connections,"
        " server co-located; each in a fresh child process.",
        "",
        f"| runs | transport, journal | wall | steps/s (target >= {fleet.TARGET_STEPS_PER_S:,};"
        f" uvloop >= {fleet.TARGET_STEPS_PER_S_UVLOOP:,}) | client CPU per step | peak RSS (target) | journal size"
        " | load at start |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    # (transport, journaled, uvloop): uvloop rows only where it is installed (the dev extra installs it).
    has_uvloop = uvloop_installed()
    variants = [("lean", False, False), ("lean", True, False)] + (
        [("lean", False, True)] if has_uvloop else []
    )
    variants += [("lean-h11", False, False)] + ([("lean-h11", False, True)] if has_uvloop else [])
    for runs in sizes:
        for transport, journaled, uvloop in variants:
            at_start = load()
            started = time.perf_counter()
            fleet.TRANSPORT, fleet.USE_UVLOOP = transport, uvloop
            try:
                row = quietly(
                    lambda runs=runs, journaled=journaled: fleet.concurrent(runs, CONNECTIONS, "", journaled)
                )
            finally:
                fleet.TRANSPORT, fleet.USE_UVLOOP = "lean", False
            framing = "httptools" if transport == "lean" else "h11"
            mode = f"{framing}, journal " + ("on" if journaled else "off") + (", uvloop" if uvloop else "")
            log(f"  fleet {runs:,} {mode}: {time.perf_counter() - started:.0f} s")
            if row is None:
                rows.append(f"| {runs:,} | {mode} | child failed (see stderr) | | | | | {at_start} |")
                continue
            target = fleet.TARGET_RSS_MB.get(runs)
            rss = f"{row['peak_rss_mb']:.0f} MB" + (
                f" (<= {target}: {'met' if row['peak_rss_mb'] <= target else 'MISSED'})" if target else ""
            )
            failed = f", {row['failed']} failed" if row["failed"] else ""
            size = f"{row['journal_mb']:.1f} MB" if journaled else "—"
            rows.append(
                f"| {runs:,} | {mode} | {row['wall_s']:.1f} s | **{row['steps_per_s']:,.0f}**{failed} | {row['cpu_us_per_step']:.0f} µs | {rss} | {size} | {at_start} |"
            )
            rate_target = fleet.target_steps_per_s(uvloop)
            SUMMARY.append(
                f"| fleet, {runs:,} concurrent runs, {mode} | {row['steps_per_s']:,.0f} steps/s{failed},"
                f" peak RSS {row['peak_rss_mb']:.0f} MB | >= {rate_target:,} steps/s{f'; RSS <= {target} MB' if target else ''} |"
            )
    return rows


# -- 3. the poll loop ----------------------------------------------------------------------------

_RATIO = re.compile(r"ratio \(b\)/\(a\) wall: min ([\d.]+)\s+median ([\d.]+)")
_CPU = re.compile(r"ratio \(b\)/\(a\) client CPU: min ([\d.]+)\s+median ([\d.]+)")
_SIDE = re.compile(r"^\((a|b)\) [^:]+:\s+min\s+([\d.]+) µs/req\s+median\s+([\d.]+) µs/req", re.M)
_JOURNAL = re.compile(r"ratio journaled / not: min ([\d.]+)\s+median ([\d.]+)")


def poll_loop_rows(reps: int) -> list[str]:
    rows = ["| poll loop (1 + 500 + 1 requests, `bench/poll_loop.py`) | measured | target | load at start |"]
    rows.append("| --- | --- | --- | --- |")
    script = str(harness.BENCH / "poll_loop.py")
    at_start = load()
    done = subprocess.run(
        [sys.executable, script, "--reps", str(reps)], capture_output=True, text=True, timeout=1200
    )
    ratio, cpu, sides = (
        _RATIO.search(done.stdout),
        _CPU.search(done.stdout),
        dict((m.group(1), m) for m in _SIDE.finditer(done.stdout)),
    )
    if done.returncode != 0 or not ratio or not cpu or set(sides) != {"a", "b"}:
        log(done.stdout + done.stderr)
        rows.append(
            f"| ratio engine / plain loop | poll_loop.py failed (exit {done.returncode}) | <= 1.15 | {at_start} |"
        )
    else:
        median = float(ratio.group(2))
        rows.append(
            f"| ratio (b) engine / (a) plain signed httpx loop, wall, {reps} reps | **{median:.3f}** median (min"
            f" {float(ratio.group(1)):.3f}); (a) {float(sides['a'].group(3)):,.0f}, (b)"
            f" {float(sides['b'].group(3)):,.0f} µs/req; client CPU ratio {float(cpu.group(2)):.3f} |"
            f" <= 1.15: {'met' if median <= 1.15 else 'MISSED'} | {at_start} |"
        )
        SUMMARY.append(
            f"| poll-loop ratio, engine / plain signed loop | {median:.3f} (median of {reps}) | <= 1.15 |"
        )
    log(f"  poll loop ratio: {ratio.group(2) if ratio else 'failed'}")
    at_start = load()
    done = subprocess.run(
        [sys.executable, script, "--journal", "--reps", str(reps)],
        capture_output=True,
        text=True,
        timeout=1200,
    )
    journal = _JOURNAL.search(done.stdout)
    if done.returncode != 0 or not journal:
        log(done.stdout + done.stderr)
        rows.append(f"| engine journaled / not | poll_loop.py --journal failed | <= 1.10 | {at_start} |")
    else:
        median = float(journal.group(2))
        rows.append(
            f"| engine journaled / not journaled, wall, {reps} reps | **{median:.3f}** median (min"
            f" {float(journal.group(1)):.3f}) | <= 1.10: {'met' if median <= 1.10 else 'MISSED'} | {at_start} |"
        )
        SUMMARY.append(f"| poll loop, journaled / not | {median:.3f} (median of {reps}) | <= 1.10 |")
    log(f"  poll loop journal ratio: {journal.group(2) if journal else 'failed'}")
    return rows


# -- 4. the CLI end to end ----------------------------------------------------------------------

#: ``arazzo run`` (journal on, as a user runs it) over the plain signed loop, both whole processes.
CLI_TARGET = 1.10


def cli_rows(polls: int, reps: int) -> list[str]:
    """``bench/cli_poll_loop.py``: the real ``arazzo run`` process vs the plain loop's process."""
    at_start = load()
    command = [
        sys.executable,
        str(harness.BENCH / "cli_poll_loop.py"),
        "--polls",
        str(polls),
        "--reps",
        str(reps),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
    figures = _last_json(done.stdout)
    header = [
        f"`arazzo run` end to end: 1 + {polls:,} + 1 requests, journal on (the default), stderr a terminal;"
        " against the plain signed loop of `poll_loop.py` run as a process of its own; both processes"
        f" whole (interpreter start, imports, work), alternating, {reps} reps (load at start {at_start}).",
        "",
        "| figure | measured | target | command |",
        "| --- | --- | --- | --- |",
    ]
    if done.returncode != 0 or figures is None:
        log(done.stdout + done.stderr)
        SUMMARY.append(
            f"| `arazzo run` / plain signed loop, journal on | cli_poll_loop.py failed | <= {CLI_TARGET} |"
        )
        return [*header, f"| ratio | cli_poll_loop.py failed (exit {done.returncode}) | <= {CLI_TARGET} | |"]
    ratio, cpu = figures["cli_ratio"], figures["cli_cpu_ratio"]
    verdict = "met" if ratio <= CLI_TARGET else "MISSED"
    SUMMARY.append(
        f"| `arazzo run` / plain signed loop, journal on, {polls + 2:,} requests | {ratio:.3f} wall, {cpu:.3f} CPU"
        f" (median of {reps}) | <= {CLI_TARGET} |"
    )
    log(f"  cli ratio: {ratio:.3f} (CPU {cpu:.3f})")
    return [
        *header,
        f"| ratio (b) `arazzo run` / (a) plain loop, wall | **{ratio:.3f}** median (min {figures['cli_ratio_min']:.3f});"
        f" (a) {figures['plain_ms']:,.0f} ms, (b) {figures['cli_ms']:,.0f} ms | <= {CLI_TARGET}: {verdict} |"
        f" `cli_poll_loop.py --polls {polls} --reps {reps}` |",
        f"| ratio of the processes' CPU time (user + system) | **{cpu:.3f}** median; (a) {figures['plain_cpu_ms']:,.0f} ms,"
        f" (b) {figures['cli_cpu_ms']:,.0f} ms | — | |",
    ]


def _last_json(stdout: str) -> dict[str, Any] | None:
    """The JSON object a bench script prints as its last line (``None``: it printed none)."""
    import json

    lines = stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


# -- 5. Temporal ---------------------------------------------------------------------------------

#: Issue 31's Temporal targets: 3x the 53.5 requests/s measured before, <= 3 history events a poll.
TEMPORAL_BEFORE_REQUESTS_PER_S = 53.5
TEMPORAL_EVENTS_PER_POLL = 3


def temporal_rows(runs: int, workers: int) -> list[str]:
    """``bench/temporal_fleet.py --json``: runs/s, requests/s and history events per poll."""
    at_start = load()
    command = [
        sys.executable, str(harness.BENCH / "temporal_fleet.py"),
        "--json", "--runs", str(runs), "--workers", str(workers),
    ]  # fmt: skip
    target_rate = 3 * TEMPORAL_BEFORE_REQUESTS_PER_S
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=3600)
        figures = _last_json(done.stdout) if done.returncode == 0 else None
        why = f"exit {done.returncode}: {(done.stderr.strip().splitlines() or [''])[-1][:160]}"
    except subprocess.TimeoutExpired:
        figures, why = None, "timed out after 1 h"
    keys = {"runs", "workers", "wall_s", "runs_per_s", "requests_per_s", "history_events_per_poll"}
    header = [
        f"Temporal: {runs} flagship runs, {workers} workers, dev server (`temporal_fleet.py --json --runs {runs}"
        f" --workers {workers}`; load at start {at_start}).",
        "",
        "| figure | measured | target |",
        "| --- | --- | --- |",
    ]
    if figures is None or not keys <= set(figures):
        log(f"  temporal: not available ({why})")
        SUMMARY.append(f"| Temporal, requests/s | not available ({why}) | >= {target_rate:.1f} |")
        SUMMARY.append(
            f"| Temporal, history events per poll | not available | <= {TEMPORAL_EVENTS_PER_POLL} |"
        )
        return [*header, f"| every figure | not available ({why}) | |"]
    rate, per_poll = float(figures["requests_per_s"]), float(figures["history_events_per_poll"])
    rate_verdict = "met" if rate >= target_rate else "MISSED"
    poll_verdict = "met" if per_poll <= TEMPORAL_EVENTS_PER_POLL else "MISSED"
    SUMMARY.append(
        f"| Temporal, {runs} runs, {workers} workers, requests/s | {rate:,.1f} ({rate / TEMPORAL_BEFORE_REQUESTS_PER_S:.1f}x"
        f" the {TEMPORAL_BEFORE_REQUESTS_PER_S}) | >= {target_rate:.1f} |"
    )
    SUMMARY.append(f"| Temporal, history events per poll | {per_poll:.2f} | <= {TEMPORAL_EVENTS_PER_POLL} |")
    log(f"  temporal: {rate:,.1f} requests/s, {per_poll:.2f} history events per poll")
    return [
        *header,
        f"| wall, runs/s | {float(figures['wall_s']):.1f} s, {float(figures['runs_per_s']):,.1f} runs/s | — |",
        f"| requests/s | **{rate:,.1f}** | >= {target_rate:.1f} (3x {TEMPORAL_BEFORE_REQUESTS_PER_S}): {rate_verdict} |",
        f"| history events per poll | **{per_poll:.2f}** | <= {TEMPORAL_EVENTS_PER_POLL}: {poll_verdict} |",
        f"| continued as new | {figures.get('continued_as_new', '—')} | — |",
    ]


# -- 6. cold start -------------------------------------------------------------------------------

_COLD = re.compile(r"^(arazzo [a-z-]+)\s+min\s+([\d.]+) ms\s+median\s+([\d.]+) ms", re.M)
COLD_TARGETS = {"arazzo --help": 100.0, "arazzo validate": 400.0}


def cold_rows(count: int) -> list[str]:
    """``bench/cold_start.sh``: a fresh process each time, min and median of ``count``."""
    at_start = load()
    # As on a user's machine, the processes read (and the first one writes) the bytecode cache.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        ["bash", str(harness.BENCH / "cold_start.sh"), str(count)],
        capture_output=True,
        text=True,
        timeout=1200,
        env=env,
    )
    found = {m.group(1): (float(m.group(2)), float(m.group(3))) for m in _COLD.finditer(done.stdout)}
    rows = [
        f"Cold start: a fresh `arazzo` process each time, min and median of {count} (`cold_start.sh {count}`;"
        f" load at start {at_start}).",
        "",
        "| command | min | median | target |",
        "| --- | --- | --- | --- |",
    ]
    if not found:
        log(done.stdout + done.stderr)
    for label in ("arazzo --help", "arazzo validate", "arazzo run"):
        target = COLD_TARGETS.get(label)
        shown = f"<= {target:.0f} ms" if target else "—"
        if label not in found:
            rows.append(f"| `{label}` | cold_start.sh failed (exit {done.returncode}) | | {shown} |")
            if target:
                SUMMARY.append(f"| `{label}`, fresh process | cold_start.sh failed | {shown} |")
            continue
        low, median = found[label]
        verdict = (": met" if median <= target else ": MISSED") if target else ""
        rows.append(f"| `{label}` | {low:,.0f} ms | **{median:,.0f} ms** | {shown}{verdict} |")
        if target:
            SUMMARY.append(f"| `{label}`, fresh process, median of {count} | {median:,.0f} ms | {shown} |")
    log(f"  cold start: {', '.join(f'{k} {v[1]:.0f} ms' for k, v in found.items()) or 'failed'}")
    return rows


# -- 7. the peers --------------------------------------------------------------------------------


def peer_rows(polls: int, reps: int) -> list[str]:
    at_start = load()
    figures = peer.measure(polls, reps, peer.ALL_PEERS, log=log)
    for side in [figures.ours, *figures.peers]:
        factor = f"{side.median / figures.plain.median:.2f}x" if not side.error else "could not run"
        SUMMARY.append(
            f"| poll loop, {side.name} {side.version}, factor over the plain signed loop | {factor} | — |"
        )
    return [
        f"Peers on the flagship's poll loop ({polls + 2} requests a run, {reps} runs each; (a) and (b)"
        f" {2 * reps} runs each, before and after the peers; load at start {at_start}). Every change"
        " a peer needed is in `bench/peer.py`'s docstring; none of them signs (no SigV4).",
        "",
        *figures.markdown(),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="issues 20 and 31's figures in one run, as Markdown")
    parser.add_argument(
        "--with-10000", action="store_true", help="also the 10,000-run fleet, journal off and on"
    )
    parser.add_argument(
        "--fleet-runs", type=int, default=1000, help="the smaller fleet's size (default 1000)"
    )
    parser.add_argument("--tasks", type=int, default=200, help="tasks for the transports part (default 200)")
    parser.add_argument("--reps", type=int, default=3, help="rounds of the transports part (default 3)")
    parser.add_argument("--poll-reps", type=int, default=7, help="poll_loop.py repetitions (default 7)")
    parser.add_argument("--peer-polls", type=int, default=500, help="InProgress answers in the peers' runs")
    parser.add_argument("--peer-reps", type=int, default=3, help="runs of each peer (default 3)")
    parser.add_argument(
        "--cli-polls", type=int, default=2000, help="InProgress answers in the CLI part (2000)"
    )
    parser.add_argument("--cli-reps", type=int, default=5, help="cli_poll_loop.py repetitions (default 5)")
    parser.add_argument(
        "--temporal-runs", type=int, default=200, help="temporal_fleet.py --runs (default 200)"
    )
    parser.add_argument("--temporal-workers", type=int, default=2, help="temporal_fleet.py --workers (2)")
    parser.add_argument("--cold-runs", type=int, default=10, help="cold_start.sh processes per figure (10)")
    parser.add_argument(
        "--skip",
        default="",
        help="parts to leave out: comma list of transports,fleet,poll,cli,temporal,cold,peers",
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    known = {"transports", "fleet", "poll", "cli", "temporal", "cold", "peers"}
    if skip - known:
        parser.error(
            f"--skip: unknown part(s) {', '.join(sorted(skip - known))}; known: {', '.join(sorted(known))}"
        )
    started, load_before = time.perf_counter(), load()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    log(f"figures: started {when}, load average {load_before}")
    sections: list[tuple[str, list[str]]] = []
    parts: list[tuple[str, str, Callable[[], list[str]]]] = [
        (
            "transports",
            "Transports alone vs the raw asyncio floor",
            lambda: transports(args.tasks, args.reps),
        ),
        (
            "fleet",
            "The fleet, journal off and on",
            lambda: fleet_rows([args.fleet_runs, 10000] if args.with_10000 else [args.fleet_runs]),
        ),
        ("poll", "The poll-loop ratio", lambda: poll_loop_rows(args.poll_reps)),
        ("cli", "`arazzo run` end to end, journal on", lambda: cli_rows(args.cli_polls, args.cli_reps)),
        (
            "temporal",
            "Temporal",
            lambda: temporal_rows(args.temporal_runs, args.temporal_workers),
        ),
        ("cold", "Cold start", lambda: cold_rows(args.cold_runs)),
        ("peers", "The peers, re-measured beside ours", lambda: peer_rows(args.peer_polls, args.peer_reps)),
    ]
    for key, title, run in parts:
        if key in skip:
            continue
        log(f"{title} (load {load()}) ...")
        part_started = time.perf_counter()
        sections.append((title, run()))
        log(f"{title}: {time.perf_counter() - part_started:.0f} s")
    wall = time.perf_counter() - started
    log(f"figures: every part in {wall / 60:.1f} min (wall)")
    lines = [
        f"### Figures of {when} (`bench/figures.py{' --with-10000' if args.with_10000 else ''}`, {wall / 60:.1f} min)",
        "",
        f"Machine: `nproc` = {os.cpu_count()}, {harness.machine().split(', ', 1)[1]}, {memory_gb():.0f} GB;"
        f" {versions()}. Load average (1/5/15 min) before **{load_before}**, after **{load()}**.",
    ]
    if "fleet" not in skip and not args.with_10000 and args.fleet_runs != 10000:
        lines.append("The 10,000-run fleet was not run (`--with-10000` adds it).")
    lines += ["", "| figure | measured | target |", "| --- | --- | --- |", *SUMMARY]
    for title, rows in sections:
        lines += ["", f"#### {title}", "", *rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        args.out.write_text(text)
        log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
