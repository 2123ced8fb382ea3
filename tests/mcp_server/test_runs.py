"""The server's run registry in-process: a run that cannot start is a failure the caller sees."""

from __future__ import annotations

import asyncio
import os

import pytest

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine import RunOptions
from arazzo_runner.journal import JournalError
from arazzo_runner.mcp_server import RunRegistry, workflow_tools
from tests.conftest import DATA, flagship_inputs

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


def test_with_validate_the_result_carries_the_validation_list_as_run_output_json_does(monkeypatch) -> None:

    from arazzo_runner.aws.sagemaker_emulator import (
        DEMO_ACCESS_KEY_ID,
        DEMO_SECRET_ACCESS_KEY,
        EmulatorServer,
        SageMakerEmulator,
    )
    from arazzo_runner.engine import PollPacing
    from tests.conftest import FLAGSHIP

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    inputs = flagship_inputs()
    (tool,) = workflow_tools([(str(FLAGSHIP), arazzo_runner.load(FLAGSHIP))])
    with EmulatorServer(SageMakerEmulator(in_progress=1, stopping=0)) as emulator:
        registry = RunRegistry(
            environment=RunEnvironment(servers={"sagemakerApi": emulator.url}),
            options=RunOptions(pacing=PollPacing(interval=0), validate="warn"),
            journal=os.environ["ARAZZO_JOURNAL"],  # the tests' own (conftest)
            secrets={},
        )

        async def scenario() -> dict:
            return await registry.follow(registry.start(tool, inputs), wait=30)

        state = asyncio.run(scenario())
    assert state["status"] == "succeeded", state["error"]
    assert state["validation"] == []  # the flagship matches its OpenAPI description

    # The journal's runs of workflows a server does not serve are not its to show or resume.
    def registry_serving(served: frozenset[tuple[str, str]]) -> RunRegistry:
        return RunRegistry(
            environment=RunEnvironment(),
            options=RunOptions(),
            journal=os.environ["ARAZZO_JOURNAL"],
            secrets={},
            served=served,
        )

    mine = registry_serving(frozenset({(tool.document.location, tool.workflow_id)}))
    assert state["runId"] in [row["runId"] for row in mine.listing()]
    other = registry_serving(frozenset({(tool.document.location, "another-workflow")}))
    assert other.listing() == []
    with pytest.raises(JournalError, match="of a workflow this server serves"):
        other.status(state["runId"])
    with pytest.raises(JournalError):
        other.timeline(state["runId"])


def test_an_output_left_null_is_a_warning_in_the_result_never_a_quiet_null() -> None:
    import json as json_module

    from arazzo_runner.aws.emulator_http import BackgroundServer, HttpResponse

    def careless(request: object) -> HttpResponse:  # answers 200 without the note's id
        return HttpResponse(200, json_module.dumps({}).encode(), (("Content-Type", "application/json"),))

    (tool,) = workflow_tools([(NOTES, arazzo_runner.load(NOTES))])
    with BackgroundServer(careless, "127.0.0.1", 0) as server:
        registry = RunRegistry(
            environment=RunEnvironment(servers={"notesApi": server.url}),
            options=RunOptions(),
            journal=os.environ["ARAZZO_JOURNAL"],
            secrets={"apiToken": "s3cr3t-token-value"},
        )

        async def scenario() -> dict:
            return await registry.follow(
                registry.start(tool, {"text": "hi", "apiToken": "s3cr3t-token-value"}), 30
            )

        state = asyncio.run(scenario())
    assert state["status"] == "succeeded"
    assert state["outputs"]["noteId"] is None
    assert any("noteId" in w["message"] for w in state["warnings"]), state["warnings"]
