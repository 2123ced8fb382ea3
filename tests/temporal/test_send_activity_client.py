"""The ``arazzo.send`` activity sends through the environment's shared async client (the lean
transport local async runs use), one per worker event loop, not a client of its own."""

from __future__ import annotations

import asyncio

import httpx

from arazzo_runner.http.lean_transport import LeanAsyncTransport
from tests.temporal.test_flagship_on_temporal import run_flagship


def test_requests_go_through_one_shared_lean_client(
    temporal_server, emulator, task_queue, monkeypatch
) -> None:
    made: list[httpx.AsyncClient] = []
    original = httpx.AsyncClient.__init__

    def counting(self, *args, **kwargs) -> None:
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "__init__", counting)
    result, _, _, sender = asyncio.run(
        run_flagship(temporal_server.address, task_queue, emulator.url, "tmp-shared-client")
    )
    assert result["status"] == "succeeded", result["error"]
    assert sender.sent == 6
    assert len(made) == 1  # six requests, one client
    assert isinstance(made[0]._transport, LeanAsyncTransport)
    assert made[0].is_closed  # closed with the worker's event loop
