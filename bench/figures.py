"""Issue 20's figures in one run, side by side, printed as Markdown ready for ``bench/RESULTS.md``.

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
4. the peers on the same poll loop (``bench/peer.py``): Jentic, arazzo-exec, Redocly.

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


# -- 4. the peers --------------------------------------------------------------------------------


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
    parser = argparse.ArgumentParser(description="issue 20's figures in one run, as Markdown")
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
        "--skip", default="", help="parts to leave out: comma list of transports,fleet,poll,peers"
    )
    parser.add_argument("--out", type=Path, help="also write the Markdown to this file")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
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
