"""``arazzo worker`` as a real subprocess (for the kill and multi-worker tests).

By default the process is forked by the session's warm launcher (:mod:`tests.temporal.warm_worker`:
the same ``main(["worker", ...])`` in a separate process, without a cold interpreter's seconds of
imports); ``cold=True`` (or no launcher running): ``python -m arazzo_runner worker``, as users start it.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO, ClassVar

from tests.conftest import ROOT


class WarmLauncher:
    """The test side of :mod:`tests.temporal.warm_worker`: one per pytest process (a session fixture)."""

    current: ClassVar[WarmLauncher | None] = None

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.temporal.warm_worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self._changed = threading.Condition()
        self._ready = False
        self._pids: list[int] = []
        self.exits: dict[int, int] = {}
        self._asking = threading.Lock()
        threading.Thread(target=self._read, name="warm-worker-launcher", daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            word, *rest = raw.decode().split()
            with self._changed:
                if word == "ready":
                    self._ready = True
                elif word == "pid":
                    self._pids.append(int(rest[0]))
                elif word == "exit":
                    self.exits[int(rest[0])] = int(rest[1])
                self._changed.notify_all()
        with self._changed:
            self._ready = False
            self._changed.notify_all()

    def start(self, argv: list[str], env: dict[str, str], log: str, timeout: float = 60) -> int:
        """Fork a worker running ``arazzo ARGV``; its pid."""
        assert self.process.stdin is not None
        request = json.dumps({"argv": argv, "env": env, "cwd": str(ROOT), "log": log})
        with self._asking, self._changed:
            if not self._changed.wait_for(lambda: self._ready or self.process.poll() is not None, timeout):
                raise AssertionError("the warm worker launcher did not start")
            if not self._ready:
                raise AssertionError(f"the warm worker launcher exited {self.process.poll()}")
            self.process.stdin.write(request.encode() + b"\n")
            self.process.stdin.flush()
            if not self._changed.wait_for(lambda: bool(self._pids), timeout):
                raise AssertionError("the warm worker launcher did not fork")
            return self._pids.pop(0)

    def wait(self, pid: int, timeout: float | None) -> int | None:
        with self._changed:
            self._changed.wait_for(lambda: pid in self.exits, timeout)
            return self.exits.get(pid)

    def close(self) -> None:
        """End of input: the launcher kills what is left of its workers and exits."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ForkedWorker:
    """A worker forked by the launcher, with the part of ``subprocess.Popen`` the tests use."""

    def __init__(self, launcher: WarmLauncher, pid: int) -> None:
        self.launcher, self.pid = launcher, pid

    @property
    def returncode(self) -> int | None:
        return self.launcher.exits.get(self.pid)

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        code = self.launcher.wait(self.pid, timeout)
        if code is None:
            raise subprocess.TimeoutExpired(f"worker {self.pid}", timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:  # not yet reaped: the pid is still this worker's
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class WorkerProcess:
    def __init__(
        self,
        address: str,
        task_queue: str,
        *extra: str,
        env: Mapping[str, str | None] | None = None,
        cold: bool = False,
    ) -> None:
        """``env``: variables set (a value) or removed (None) for this worker, over ``os.environ``."""
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        self._folder = tempfile.TemporaryDirectory(prefix="arazzo-worker-")
        log = Path(self._folder.name) / "stderr"
        log.touch()
        self._log: IO[str] = log.open()  # the worker appends; the test reads
        argv = ["worker", "--temporal", address, "--task-queue", task_queue, *extra]
        launcher = WarmLauncher.current
        self.process: subprocess.Popen[bytes] | ForkedWorker
        if cold or launcher is None:
            with log.open("a") as stderr:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "arazzo_runner", *argv],
                    stdout=subprocess.DEVNULL,
                    stderr=stderr,
                    cwd=ROOT,
                    env=environment,
                )
        else:
            self.process = ForkedWorker(launcher, launcher.start(argv, environment, str(log)))
        self.task_queue = task_queue
        self.identity = ""

    def wait_ready(self, timeout: float = 60) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = re.search(r"arazzo worker (\S+): polling", self.output())
            if found:
                self.identity = found.group(1)
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited {self.process.returncode}: {self.output()}")
            time.sleep(0.05)
        raise AssertionError(f"worker not ready: {self.output()}")

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the server."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> int:
        """SIGTERM (graceful) and the number of requests the worker says it sent."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        found = re.search(r"stopped after (\d+) requests", self.output())
        return int(found.group(1)) if found else -1

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._log.close()
        self._folder.cleanup()
