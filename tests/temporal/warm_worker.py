"""A warm launcher of ``arazzo worker`` processes for the suite (issue 27: a faster suite).

A cold ``python -m arazzo_runner worker`` spends about 3 s (10+ s on a loaded machine) importing
``temporalio`` and the modules a worker preloads before it polls; a test that starts two workers pays
it twice, in series when the second replaces a killed first. This launcher is one process per pytest
process that imports all that once, then forks a worker per request: each child is a real, separate
process running ``arazzo_runner.cli.main.main(["worker", ...])`` with the test's environment, working
directory and a stderr log of its own, killed with real signals. The launcher is single-threaded (one
thread when it forks), and it reports each child's exit status (``waitpid``) to the test process.

Protocol (lines of text): the test sends ``{"argv": [...], "env": {...}, "cwd": ..., "log": PATH}`` as
JSON; the launcher answers ``pid PID``, and ``exit PID CODE`` when a child ends (CODE as
``subprocess``'s ``returncode``: negative for a signal). Run as ``python -m tests.temporal.warm_worker``;
end of input: every child still running is killed and the launcher exits.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import sys
from typing import Any


def _warm() -> None:
    """What ``arazzo worker`` imports before it polls (the preload included), and the OTel SDK of --otel."""
    import arazzo_runner.cli.main
    import arazzo_runner.cli.temporal
    import arazzo_runner.temporal.connection
    import arazzo_runner.temporal.worker
    from arazzo_runner.temporal.preload import preload

    preload()
    try:
        import arazzo_runner.telemetry.setup
        import arazzo_runner.telemetry.temporal  # noqa: F401
    except ImportError:  # without the [otel] extra: an --otel worker says so itself
        pass


def _child(request: dict[str, Any]) -> None:
    """In the forked child: the request's environment, directory and streams, then the CLI's main."""
    code = 70
    try:
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        null = os.open(os.devnull, os.O_RDWR)
        log = os.open(request["log"], os.O_WRONLY | os.O_APPEND)
        os.dup2(null, 0)
        os.dup2(null, 1)
        os.dup2(log, 2)
        os.close(null)
        os.close(log)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from arazzo_runner.cli.main import main

        code = main(request["argv"])  # a --temporal command leaves with os._exit itself
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


def _say(line: str) -> None:
    os.write(1, (line + "\n").encode())


def serve() -> None:
    _warm()
    children: set[int] = set()
    _say("ready")
    pending = b""
    while True:
        readable, _, _ = select.select([0], [], [], 0.05)
        while children:  # reap, and tell: the test process waits on these
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            children.discard(pid)
            _say(f"exit {pid} {os.waitstatus_to_exitcode(status)}")
        if not readable:
            continue
        chunk = os.read(0, 65536)
        if not chunk:  # the test process is done: nothing outlives it
            for pid in children:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            for pid in children:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            return
        pending += chunk
        while b"\n" in pending:
            line, pending = pending.split(b"\n", 1)
            request = json.loads(line)
            pid = os.fork()
            if pid == 0:
                _child(request)
            children.add(pid)
            _say(f"pid {pid}")


if __name__ == "__main__":
    serve()
