"""``run_async`` with default arguments shares the client and the environment per event loop
(issue 17, point 9): 5,000 default runs used to make 5,000 clients and environments (5.5 GB)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import FLAGSHIP

from .test_flagship import INPUTS, script

FAST = RunOptions(pacing=PollPacing(interval=0))


@pytest.fixture(scope="module")
def doc():
    return arazzo_runner.load(FLAGSHIP)


def test_default_runs_share_one_client_and_environment(doc, server, monkeypatch) -> None:
    server.reset(script("Completed", in_progress=1))
    clients: list[httpx.AsyncClient] = []
    environments: list[RunEnvironment] = []
    original_client, original_environment = httpx.AsyncClient.__init__, RunEnvironment.__init__

    def count_client(self, *args, **kwargs) -> None:
        clients.append(self)
        original_client(self, *args, **kwargs)

    def count_environment(self, *args, **kwargs) -> None:
        environments.append(self)
        original_environment(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", count_client)
    monkeypatch.setattr(RunEnvironment, "__init__", count_environment)

    async def many() -> list:
        runs = [
            doc.run_async(
                None,
                {**INPUTS, "trainingJobName": f"job-{i}"},
                servers={"sagemakerApi": server.url},
                options=FAST,
            )
            for i in range(50)
        ]
        return await asyncio.gather(*runs)

    results = asyncio.run(many())
    assert all(r.succeeded for r in results), [r.error for r in results if not r.succeeded][:1]
    assert len(clients) == 1 and len(environments) == 1


def test_each_event_loop_gets_its_own(server) -> None:
    async def shared() -> tuple[RunEnvironment, httpx.AsyncClient]:
        environment = RunEnvironment.shared({"a": server.url})
        assert RunEnvironment.shared({"a": server.url}) is environment
        assert RunEnvironment.shared({"a": "http://other"}) is not environment
        return environment, environment.shared_async_client()

    first, second = asyncio.run(shared()), asyncio.run(shared())
    assert first[0] is not second[0] and first[1] is not second[1]


def test_a_finished_event_loop_leaves_nothing_behind(doc, server) -> None:
    """``asyncio.run`` per run (a script, a test): the shared client is closed with its loop and
    the loop, its environment and its connections are not kept alive by the sharing."""
    import gc
    import weakref

    server.reset(script("Completed", in_progress=1))
    loops: list[weakref.ref] = []
    clients: list[httpx.AsyncClient] = []

    async def one() -> bool:
        loops.append(weakref.ref(asyncio.get_running_loop()))
        result = await doc.run_async(None, INPUTS, servers={"sagemakerApi": server.url}, options=FAST)
        clients.append(RunEnvironment.shared({"sagemakerApi": server.url}).shared_async_client())
        return result.succeeded

    assert asyncio.run(one())
    assert clients[0].is_closed  # closed when its loop ended (its connections with it)
    clients.clear()
    gc.collect()
    assert loops[0]() is None
