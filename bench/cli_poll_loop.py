"""``arazzo run`` end to end against the floor: the real CLI process vs a plain signed loop process.

Run: ``.venv/bin/python bench/cli_poll_loop.py`` (``--polls 2000 --reps 5``; ``--profile FILE``
adds a cProfile of one CLI process; ``--pipe`` gives the CLI a pipe for stderr instead of a
terminal; ``--no-journal`` passes ``--no-journal``).

Both sides are a fresh child process making the same 1 + N + 1 requests (create, N InProgress,
Completed) to ``bench/fast_server.py`` (a child process on 127.0.0.1, signature checks off):

(a) ``python bench/cli_poll_loop.py --plain-child URL NAME``: interpreter start, httpx and botocore
    imported, then ``bench/poll_loop.py``'s plain loop (build the JSON body, sign with botocore's
    ``SigV4Auth``, POST, parse the answer, look at ``TrainingJobStatus``): the least any correct
    client process does;
(b) ``arazzo run workflows/amazon-sagemaker-train-and-poll-job-workflow.yml --inputs ... --server
    sagemakerApi=URL --poll-interval 0``, as a user runs it: journal on (the default, in a
    ``XDG_STATE_HOME`` of its own that keeps every rep's runs, as a user's does), stderr a
    terminal (a pseudo-terminal: rich's live progress is drawn; ``--pipe`` for CI's plain lines).

The repetitions alternate (a) and (b) so drift on the machine hits both alike. Reported: the
median of the wall-time ratios (b)/(a) (target <= 1.10) and of the CPU-time ratios (each child's
user + system time, from ``wait4``; far less noisy than wall time on a shared VM).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import pstats
import pty
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

TARGET_RATIO = 1.10


def plain_child(url: str, name: str) -> int:
    """(a) inside its own process: the plain signed loop once; prints the requests made."""
    import httpx
    import poll_loop

    with httpx.Client() as client:
        requests = poll_loop.plain_loop(client, url, poll_loop.flagship_inputs(name))
    print(requests)
    return 0


def cli_command(url: str, name: str, *, journal: bool) -> list[str]:
    """(b): the ``arazzo run`` command line a user types for the flagship against ``url``."""
    arazzo = str(Path(sys.executable).with_name("arazzo"))
    command = [
        arazzo,
        "run",
        str(harness.FLAGSHIP.relative_to(harness.ROOT)),
        "--inputs",
        str(harness.FLAGSHIP_INPUTS.relative_to(harness.ROOT)),
        "-i",
        f"trainingJobName={name}",
        "--server",
        f"sagemakerApi={url}",
        "--poll-interval",
        "0",
    ]
    return command if journal else [*command, "--no-journal"]


@contextlib.contextmanager
def terminal() -> Iterator[int]:
    """A pseudo-terminal: yields the file descriptor a child writes to; what it writes is read
    and dropped by a thread (a terminal that is never read would block the child)."""
    controller, follower = pty.openpty()

    def drain() -> None:
        with contextlib.suppress(OSError):
            while os.read(controller, 65536):
                pass

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        yield follower
    finally:
        os.close(follower)
        reader.join(timeout=5)
        os.close(controller)


def run_child(command: list[str], env: dict[str, str], stderr: int | None) -> tuple[float, float, str]:
    """Runs ``command`` to its end: (wall seconds, the child's CPU seconds, its stdout)."""
    started = time.perf_counter()
    child = subprocess.Popen(
        command,
        cwd=harness.ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr if stderr is not None else subprocess.PIPE,
    )
    assert child.stdout is not None
    out = child.stdout.read()
    # wait4 reports this child's own rusage (no other child's work blurs it).
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    child.stdout.close()
    err = b""
    if child.stderr is not None:
        err = child.stderr.read()
        child.stderr.close()
    if child.returncode != 0:
        raise RuntimeError(
            f"{command[0]} exited {child.returncode}: {out.decode()[-400:]} {err.decode()[-800:]}"
        )
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="arazzo run end to end vs a plain signed loop process")
    parser.add_argument("--polls", type=int, default=2000, help="InProgress answers per job (default 2000)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions, >= 3 (default 5)")
    parser.add_argument("--pipe", action="store_true", help="the CLI's stderr is a pipe, not a terminal")
    parser.add_argument("--no-journal", action="store_true", help="run the CLI with --no-journal")
    parser.add_argument("--profile", metavar="FILE", help="also cProfile one CLI process; stats to FILE")
    parser.add_argument("--plain-child", nargs=2, metavar=("URL", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.plain_child:
        return plain_child(*args.plain_child)
    reps = max(args.reps, 3)
    expected = args.polls + 2
    journal = not args.no_journal
    print(f"machine: {harness.machine()}; load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(
        f"server: bench/fast_server.py in a child process, InProgress x{args.polls}, signature verification off;"
        f" (b) journal {'on' if journal else 'off'}, stderr a {'pipe' if args.pipe else 'terminal (pty)'}"
    )
    with (
        tempfile.TemporaryDirectory() as state,
        harness.server_process(args.polls) as url,
        contextlib.ExitStack() as stack,
    ):
        os.chmod(state, 0o700)
        env = {**harness.aws_env(), "XDG_STATE_HOME": state}
        env.pop("ARAZZO_JOURNAL", None)
        # As on a user's machine, imports use (and the warm-up writes) the bytecode cache: with
        # PYTHONDONTWRITEBYTECODE set, every process would compile its imports again (~1 s for the CLI).
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.pop("NO_COLOR", None)
        env.setdefault("TERM", "xterm-256color")
        stderr = None if args.pipe else stack.enter_context(terminal())

        def plain(name: str) -> tuple[float, float]:
            wall, cpu, out = run_child(
                [sys.executable, str(Path(__file__).resolve()), "--plain-child", url, name], env, None
            )
            if int(out.strip()) != expected:
                raise RuntimeError(f"plain loop made {out.strip()} requests, not {expected}")
            return wall, cpu

        def cli(name: str) -> tuple[float, float]:
            wall, cpu, out = run_child(cli_command(url, name, journal=journal), env, stderr)
            if "trainingJobStatus: Completed" not in out:
                raise RuntimeError(f"arazzo run did not complete: {out[-400:]}")
            return wall, cpu

        # Warm the page cache and both paths once, outside the timings.
        plain(f"warm-a-{uuid.uuid4().hex[:8]}")
        cli(f"warm-b-{uuid.uuid4().hex[:8]}")
        ratios: list[float] = []
        cpu_ratios: list[float] = []
        a_ms: list[float] = []
        b_ms: list[float] = []
        a_cpu_ms: list[float] = []
        b_cpu_ms: list[float] = []
        for rep in range(reps):
            a_name, b_name = f"a{rep}-{uuid.uuid4().hex[:8]}", f"b{rep}-{uuid.uuid4().hex[:8]}"
            if rep % 2 == 0:
                (a_wall, a_cpu), (b_wall, b_cpu) = plain(a_name), cli(b_name)
            else:
                (b_wall, b_cpu), (a_wall, a_cpu) = cli(b_name), plain(a_name)
            a_ms.append(a_wall * 1000)
            b_ms.append(b_wall * 1000)
            a_cpu_ms.append(a_cpu * 1000)
            b_cpu_ms.append(b_cpu * 1000)
            ratios.append(b_wall / a_wall)
            cpu_ratios.append(b_cpu / a_cpu)
            print(
                f"  rep {rep + 1}: (a) {a_wall * 1000:7.0f} ms ({a_wall / expected * 1e6:5.0f} µs/req)"
                f"   (b) {b_wall * 1000:7.0f} ms ({b_wall / expected * 1e6:5.0f} µs/req)   ratio {ratios[-1]:.3f}"
                f"   CPU (a) {a_cpu * 1000:6.0f} ms (b) {b_cpu * 1000:6.0f} ms, ratio {cpu_ratios[-1]:.3f}",
                flush=True,
            )
        # (min, median) of each series, by name.
        stats = {
            name: harness.min_median(series)
            for name, series in (
                ("plain_ms", a_ms), ("cli_ms", b_ms), ("plain_cpu_ms", a_cpu_ms), ("cli_cpu_ms", b_cpu_ms),
                ("cli_ratio", ratios), ("cli_cpu_ratio", cpu_ratios),
            )
        }  # fmt: skip
        low, median = stats["cli_ratio"]
        verdict = "MET" if median <= TARGET_RATIO else "MISSED"
        print(
            f"requests per run: {expected} (1 create + {args.polls} InProgress + 1 Completed), reps: {reps}"
        )
        for label, name in (
            ("(a) plain signed loop process", "plain_ms"),
            ("(b) arazzo run process", "cli_ms"),
        ):
            print(f"{label + ':':31s} min {stats[name][0]:7.0f} ms   median {stats[name][1]:7.0f} ms")
        print(
            f"ratio (b)/(a) wall: min {low:.3f}   median {median:.3f}   target <= {TARGET_RATIO}: {verdict}"
        )
        print(
            f"ratio (b)/(a) CPU: min {stats['cli_cpu_ratio'][0]:.3f}   median {stats['cli_cpu_ratio'][1]:.3f}"
        )
        if args.profile:
            command = cli_command(url, f"prof-{uuid.uuid4().hex[:8]}", journal=journal)
            command = [
                sys.executable,
                "-m",
                "cProfile",
                "-o",
                args.profile,
                "-m",
                "arazzo_runner",
                *command[1:],
            ]
            run_child(command, env, stderr)
            out = io.StringIO()
            pstats.Stats(args.profile, stream=out).strip_dirs().sort_stats("tottime").print_stats(30)
            print(f"\ncProfile of one arazzo run process (top 30 by own time; full stats in {args.profile}):")
            print(out.getvalue())
        # The last line: every figure as JSON (bench/figures.py reads it).
        figures = {name: value[1] for name, value in stats.items()}
        figures.update(
            cli_ratio_min=low, reps=reps, requests=expected, journal=journal, terminal=not args.pipe
        )
        print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
