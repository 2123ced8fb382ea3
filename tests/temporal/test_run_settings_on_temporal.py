"""A run's settings on Temporal (issue 25, point 1): kept in the run's input and applied by the
worker, or refused before submission, never dropped.

``run --temporal`` accepted ``--deny-private-networks``, ``--allow-host``, ``--client-cert`` and
``--max-response-size`` and dropped them: the worker sent what the flags forbade.
"""

from __future__ import annotations

import asyncio
import json

import pytest

import arazzo_runner
from arazzo_runner.run_settings import RunSettings, SettingsError
from tests.conftest import ROOT
from tests.temporal.test_cli_temporal import (  # noqa: F401 (fixtures: the module's worker on its queue)
    DOC,
    INPUTS,
    cli,
    flagship_args,
    module_queue,
    worker,
)


def test_settings_a_worker_cannot_apply_are_refused_before_submission(
    temporal_server, task_queue, tmp_path
) -> None:
    (tmp_path / "client.pem").write_text("not read: refused first")
    base = ["run", DOC, "--inputs", INPUTS, "--temporal", temporal_server.address, "--task-queue", task_queue]
    refused = cli(*base, "--detach", "--client-cert", f"api.example.com={tmp_path / 'client.pem'}")
    assert refused.returncode == 2, refused.stdout
    assert "a Temporal worker cannot apply --client-cert" in refused.stderr
    assert "nothing was submitted" in refused.stderr and refused.stdout == ""
    outside = cli(*base, "--detach", "--allow-outside")
    assert outside.returncode == 2 and "cannot apply --allow-outside" in outside.stderr

    document = arazzo_runner.load(ROOT / DOC, allow_outside=True)
    from arazzo_runner.temporal.runs import new_request

    with pytest.raises(SettingsError, match="--client-cert"):
        new_request(document, None, {}, settings=RunSettings(client_certs=(("h", "/c.pem", None),)))


def test_the_worker_applies_the_runs_network_policy(temporal_server, module_queue, emulator, worker) -> None:  # noqa: F811
    denied = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-denied"), "--deny-host", "127.1",
                 "--output", "json")  # fmt: skip
    assert denied.returncode == 1, denied.stderr
    error = json.loads(denied.stdout)["error"]
    assert "refused by --deny-host '127.1'" in error["message"]
    assert emulator.emulator.count("CreateTrainingJob") == 0  # the worker never sent it

    private = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-private"), "--deny-private-networks",
                  "--output", "json")  # fmt: skip
    assert (
        private.returncode == 1
        and "(--deny-private-networks)" in json.loads(private.stdout)["error"]["message"]
    )


def test_the_worker_applies_the_runs_response_limit(temporal_server, module_queue, emulator, worker) -> None:  # noqa: F811
    limited = cli(*flagship_args(emulator, temporal_server, module_queue, "tmp-limited"), "--max-response-size", "20",
                  "--output", "json")  # fmt: skip
    assert limited.returncode == 1, limited.stderr
    assert "20" in json.loads(limited.stdout)["error"]["message"]


def test_a_setting_the_worker_does_not_know_fails_the_run(temporal_server, task_queue, emulator) -> None:
    from arazzo_runner.temporal.connection import TemporalTarget, connect
    from arazzo_runner.temporal.runs import RemoteRunFailed, follow, new_request, submit
    from arazzo_runner.temporal.worker import build_worker

    document = arazzo_runner.load(ROOT / DOC)
    inputs = json.loads((ROOT / INPUTS).read_text())
    request = new_request(
        document, None, inputs, settings=RunSettings(servers=(("sagemakerApi", emulator.url),))
    )
    assert request["settings"]["servers"] == {"sagemakerApi": emulator.url}  # the settings are in the input
    request["settings"]["denyEverythingNew"] = True  # a newer client's setting

    async def go() -> None:
        client = await connect(TemporalTarget(temporal_server.address))
        temporal_worker, sender = build_worker(client, task_queue=task_queue)
        try:
            async with temporal_worker:
                handle = await submit(client, request, task_queue=task_queue)
                await asyncio.wait_for(follow(handle), 60)
        finally:
            await sender.aclose()

    with pytest.raises(RemoteRunFailed, match="cannot apply: denyEverythingNew"):
        asyncio.run(go())
    assert emulator.emulator.count("CreateTrainingJob") == 0


def test_a_workers_own_policy_applies_to_every_run(temporal_server, task_queue, emulator) -> None:
    from tests.temporal.worker_process import WorkerProcess

    guarded = WorkerProcess(temporal_server.address, task_queue, "--deny-host", "127.0.0.0/8").wait_ready()
    try:
        done = cli(*flagship_args(emulator, temporal_server, task_queue, "tmp-guarded"), "--output", "json")
    finally:
        guarded.stop()
        guarded.close()
    assert done.returncode == 1, done.stderr
    assert "refused by --deny-host '127.0.0.0/8'" in json.loads(done.stdout)["error"]["message"]
    assert emulator.emulator.count("CreateTrainingJob") == 0
