"""What the benchmark scripts share: paths, the flagship's inputs, the server subprocess, stats.

Why a subprocess for the server: on a 2-core machine the server gets its own core and its own
GIL, so the client being measured is not slowed by the server's Python code (a server thread in
the client's process would share one GIL with it and blur every figure).
"""

from __future__ import annotations

import contextlib
import os
import resource
import statistics
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
FLAGSHIP_INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"

#: The emulator's throwaway credentials (never real ones); the fast server accepts them with --verify.
ACCESS_KEY = "AKIAEMULATOREXAMPLE1"
SECRET_KEY = "emulator/secret/access/key/not-a-real-one"
REGION = "us-east-1"


def aws_env() -> dict[str, str]:
    """Process environment for a child that must sign with the throwaway key (and nothing else)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY=SECRET_KEY,
        AWS_REGION=REGION,
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def botocore_credentials() -> Any:
    """botocore ``Credentials`` for the throwaway key (what both the baseline and the engine sign with)."""
    from botocore.credentials import Credentials

    return Credentials(ACCESS_KEY, SECRET_KEY)


def aws_environment() -> Any:
    """An :class:`arazzo_runner.http.AwsEnvironment` on a botocore session holding the throwaway key.

    Made once and shared, as the engine's docs recommend (a botocore Session costs ~4 ms).
    """
    import botocore.session

    from arazzo_runner.http import AwsEnvironment

    session = botocore.session.Session()
    session.set_credentials(ACCESS_KEY, SECRET_KEY)
    return AwsEnvironment(session=session, region=REGION, environ={})


@contextlib.contextmanager
def server_process(
    in_progress: int, *, verify: bool = False, content_type: str | None = None
) -> Iterator[str]:
    """Run ``bench/fast_server.py`` in a child process on 127.0.0.1; yields its URL, stops it after.

    ``content_type``: what the answers say they are (default AWS's ``application/x-amz-json-1.1``).
    """
    command = [sys.executable, str(BENCH / "fast_server.py"), "--in-progress", str(in_progress)]
    if verify:
        command.append("--verify")
    if content_type:
        command += ["--content-type", content_type]
    child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert child.stdout is not None
        url = child.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"fast_server did not start (said {url!r})")
        yield url
    finally:
        assert child.stdin is not None
        child.stdin.close()  # the server stops when its stdin closes
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def rss_mb() -> float:
    """Current resident set size in MB (from /proc; ``getrusage`` only knows the peak)."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    """Peak RSS of this process in MB (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def min_median(values: Sequence[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def machine() -> str:
    """One line naming the machine: cores, CPU model, Python."""
    model = "unknown CPU"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}, Python {sys.version.split()[0]}"
