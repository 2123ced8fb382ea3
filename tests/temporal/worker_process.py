"""``arazzo worker`` as a real subprocess, as users start it (for the kill and multi-worker tests)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping

from tests.conftest import ROOT


class WorkerProcess:
    def __init__(
        self, address: str, task_queue: str, *extra: str, env: Mapping[str, str | None] | None = None
    ) -> None:
        """``env``: variables set (a value) or removed (None) for this worker, over ``os.environ``."""
        environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for name, value in (env or {}).items():
            if value is None:
                environment.pop(name, None)
            else:
                environment[name] = value
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in stop)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "arazzo_runner",
                "worker",
                "--temporal",
                address,
                "--task-queue",
                task_queue,
                *extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=self._log,
            cwd=ROOT,
            env=environment,
        )
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
