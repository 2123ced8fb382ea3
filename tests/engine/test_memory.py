"""Many runs on one loaded document leave nothing behind (the Python peer grows per run)."""

from __future__ import annotations

import gc

import httpx

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP

from .test_flagship import INPUTS, script


def test_hundred_flagship_runs_keep_memory_flat(server) -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    options = RunOptions(pacing=PollPacing(interval=0))
    with httpx.Client() as client:

        def runs(n: int) -> int:
            for _ in range(n):
                server.reset(script("Completed", in_progress=2))
                result = doc.run(
                    None, INPUTS, servers={"sagemakerApi": server.url}, options=options, client=client
                )
                assert result.succeeded
            del result
            gc.collect()
            return len(gc.get_objects())

        runs(10)  # warm caches (parsed expressions, endpoints, botocore)
        before = runs(10)
        after = runs(100)
    # A leak of a single object per request (400 requests) would show; allow a little noise.
    assert after - before < 100, after - before
