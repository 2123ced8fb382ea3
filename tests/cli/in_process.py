"""The ``arazzo`` CLI run inside the test process: ``main(argv)`` with its streams, environment and
working directory swapped for the call (issue 27: a ``python -m arazzo_runner`` subprocess per test
was most of the suite's time). Tests about process behaviour (signals, exit on kill, stdin, a tty)
still start a real process.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CliResult:
    """What ``subprocess.run(..., capture_output=True, text=True)`` gives, for the same assertions."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run_cli(args: Sequence[str], *, env: Mapping[str, str], cwd: str | Path) -> CliResult:
    from arazzo_runner.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    env = dict(env)  # a copy: ``env`` may be os.environ itself
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # as the interpreter would: a message is printed and means 1
                if isinstance(exc.code, int) or exc.code is None:
                    code = exc.code or 0
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
    return CliResult(tuple(args), code, out.getvalue(), err.getvalue())


def run_cli_process(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m arazzo_runner ARGS`` as a real process, for tests where the process is the point
    (everything it writes to its file descriptors, signals, exit on kill); ``env`` None: this one's."""
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=None if env is None else dict(env),
        timeout=timeout,
    )
