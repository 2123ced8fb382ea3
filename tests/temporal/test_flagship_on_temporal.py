"""The unmodified flagship through Temporal: core in the workflow, requests as activities, real SigV4."""

from __future__ import annotations

import asyncio

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import follow, new_request, submit
from arazzo_runner.temporal.worker import build_worker
from tests.conftest import FLAGSHIP
from tests.temporal.conftest import FLAGSHIP_INPUTS, flagship_outputs

FAST = RunOptions(pacing=PollPacing(interval=0))


async def run_flagship(address: str, task_queue: str, server_url: str, name: str, options=FAST):
    document = arazzo_runner.load(FLAGSHIP)
    client = await connect(TemporalTarget(address))
    worker, sender = build_worker(client, task_queue=task_queue)
    events = []
    async with worker:
        request = new_request(
            document,
            None,
            {**FLAGSHIP_INPUTS, "trainingJobName": name},
            options=options,
            servers={"sagemakerApi": server_url},
        )
        handle = await submit(client, request, task_queue=task_queue)
        result = await asyncio.wait_for(follow(handle, events.append, every=0.05), 60)
    await sender.aclose()
    return result, events, handle, sender


def test_flagship_completes_with_the_exact_outputs(temporal_server, emulator, task_queue) -> None:
    result, events, _, sender = asyncio.run(
        run_flagship(temporal_server.address, task_queue, emulator.url, "tmp-completed")
    )
    assert result["status"] == "succeeded", result["error"]
    assert result["outputs"] == flagship_outputs("tmp-completed")
    assert emulator.emulator.count("CreateTrainingJob") == 1
    assert emulator.emulator.count("DescribeTrainingJob") == 5
    assert result["requests"] == 6
    assert sender.sent == 6
    kinds = [e.kind for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished"
    assert kinds.count("step_started") == 6


def test_credentials_never_enter_history(temporal_server, emulator, task_queue, monkeypatch) -> None:
    """Signing happens in the worker; what the activity returns has the credentials redacted."""
    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY
    from tests.temporal.test_encrypted_history import readable, stored_history

    monkeypatch.setenv("AWS_SESSION_TOKEN", "session-token-that-must-stay-in-the-worker")
    result, _, handle, _ = asyncio.run(
        run_flagship(temporal_server.address, task_queue, emulator.url, "tmp-no-credentials")
    )
    assert result["status"] == "succeeded", result["error"]
    history = readable(stored_history(temporal_server.address, handle.id))
    assert "tmp-no-credentials" in history  # the history is readable (no codec): the check can see
    for secret in ("session-token-that-must-stay-in-the-worker", DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY):
        assert secret not in history
    assert "AWS4-HMAC-SHA256" not in history  # no signature either
