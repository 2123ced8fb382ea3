"""The server's run registry in-process: a run that cannot start is a failure the caller sees."""

from __future__ import annotations

import asyncio

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine import RunOptions
from arazzo_runner.mcp_server import RunRegistry, workflow_tools
from tests.conftest import DATA

NOTES = str(DATA / "mcp" / "notes.arazzo.yaml")


def test_a_run_that_cannot_start_is_failed_with_its_reason_never_left_running(tmp_path) -> None:
    (tmp_path / "not-a-folder").write_text("")
    registry = RunRegistry(
        environment=RunEnvironment(servers={"notesApi": "http://127.0.0.1:9"}),
        options=RunOptions(),
        journal=str(tmp_path / "not-a-folder" / "runs.db"),  # the journal cannot be opened
        secrets={"apiToken": "s3cr3t-token-value"},
    )
    (tool,) = workflow_tools([(NOTES, arazzo_runner.load(NOTES))])

    async def scenario() -> dict:
        served = registry.start(tool, {"text": "hello", "apiToken": "s3cr3t-token-value"})
        return await registry.follow(served, wait=5)

    state = asyncio.run(scenario())
    assert state["status"] == "failed"
    assert state["error"]["type"] == "JournalError"
    assert "not-a-folder" in state["error"]["message"]
    assert "s3cr3t-token-value" not in str(state)
