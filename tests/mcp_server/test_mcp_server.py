"""``arazzo mcp`` driven by the official MCP SDK's own client: over stdio (a subprocess) and streamable HTTP.

The flagship runs against the local SageMaker emulator (real SigV4); the notes document has a
secret input served from the server's environment. Runs poll fast (``--poll-interval``) and calls
answer early (``--wait``): no test sleeps for real seconds.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client, StdioServerParameters

from arazzo_runner.aws.emulator_http import BackgroundServer, HttpRequest, HttpResponse
from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from tests.conftest import DATA, FLAGSHIP, ROOT, flagship_inputs

INPUTS = flagship_inputs()
NOTES = DATA / "mcp" / "notes.arazzo.yaml"
SECRET = "s3cr3t-token-value"
EXPECTED_OUTPUTS = {
    "trainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
    "trainingJobStatus": "Completed",
    "modelArtifacts": "s3://amzn-s3-demo-bucket/xgboost/output/{name}/output/model.tar.gz",
}
#: The keys of `arazzo run --output json` (cli/run.py: RunResult.to_dict and the warnings) for a journaled run.
RESULT_KEYS = {
    "warnings",
    "workflowId",
    "status",
    "outputs",
    "steps",
    "error",
    "requests",
    "transportRetries",
    "durationMs",
    "runId",
}


def expected(name: str) -> dict[str, str]:
    return {k: v.format(name=name) for k, v in EXPECTED_OUTPUTS.items()}


@pytest.fixture
def emulator():
    with EmulatorServer(SageMakerEmulator(in_progress=2, stopping=0)) as server:
        yield server


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    values = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
        "AWS_REGION": "us-east-1",
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    for name in (
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_SAGEMAKER",
        "ARAZZO_JOURNAL",
    ):
        values.pop(name, None)
    return values


def mcp_args(tmp_path: Path, *args: str) -> list[str]:
    return [
        "-m",
        "arazzo_runner",
        "mcp",
        *args,
        "--journal",
        str(tmp_path / "runs.db"),
        "--log",
        str(tmp_path / "calls.log"),
    ]


def stdio(tmp_path: Path, env: dict[str, str], *args: str) -> Client:
    params = StdioServerParameters(
        command=sys.executable, args=mcp_args(tmp_path, *args), env=env, cwd=str(ROOT)
    )
    return Client(params)


def call_log(tmp_path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (tmp_path / "calls.log").read_text().splitlines()]


def run(scenario: Callable[[], Any]) -> None:
    async def bounded() -> None:
        with anyio.fail_after(60):
            await scenario()

    anyio.run(bounded)


def flagship_args(server: Any) -> list[str]:
    return [str(FLAGSHIP), "--server", f"sagemakerApi={server.url}", "--poll-interval", "0.01"]


# -- over stdio -----------------------------------------------------------------------------------


def test_stdio_lists_the_flagship_and_runs_it_to_completion(tmp_path, env, emulator) -> None:
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async def scenario() -> None:
        async with stdio(tmp_path, env, *flagship_args(emulator)) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools) == {"train-and-poll-job", "arazzo_runs", "arazzo_run_status", "arazzo_resume"}
            tool = tools["train-and-poll-job"]
            assert tool.description.startswith(
                "Create a training job and poll it to a terminal status.\n\nSubmits"
            )
            schema = tool.input_schema
            assert set(schema["properties"]) == set(INPUTS)
            assert {"trainingJobName", "roleArn"} <= set(schema["required"])
            assert set(tool.output_schema["properties"]["outputs"]["properties"]) == set(EXPECTED_OUTPUTS)

            name = "mcp-stdio-flagship"
            result = await client.call_tool(
                tool.name, {**INPUTS, "trainingJobName": name}, progress_callback=on_progress
            )
            assert not result.is_error, result.content
            data = result.structured_content
            assert data["status"] == "succeeded"
            assert data["outputs"] == expected(name)
            assert set(data) == RESULT_KEYS
            assert [s["stepId"] for s in data["steps"]][:2] == ["createTrainingJob", "pollTrainingJob"]
            text = result.content[0].text
            assert "succeeded" in text and data["runId"] in text

    run(scenario)
    assert emulator.emulator.count("CreateTrainingJob") == 1
    assert emulator.emulator.count("DescribeTrainingJob") == 3
    assert progress and progress[0][1] == "step createTrainingJob succeeded"
    assert [p for p, _ in progress] == sorted(p for p, _ in progress)
    kinds = [entry["kind"] for entry in call_log(tmp_path)]
    assert kinds.count("mcp_tool_called") == 1 and "mcp_tool_answered" in kinds
    assert stat.S_IMODE((tmp_path / "calls.log").stat().st_mode) == 0o600


def test_bad_arguments_are_a_tool_error_naming_each_problem_and_nothing_is_sent(
    tmp_path, env, emulator
) -> None:
    async def scenario() -> None:
        async with stdio(tmp_path, env, *flagship_args(emulator)) as client:
            arguments = {**INPUTS, "instanceCount": "two", "bogus": 1}
            del arguments["roleArn"]
            result = await client.call_tool("train-and-poll-job", arguments)
            assert result.is_error
            assert result.structured_content is None
            text = result.content[0].text
            assert "nothing was run" in text
            assert "- bogus: no such input" in text
            assert "instanceCount" in text and "'two' is not of type 'integer'" in text
            assert "'roleArn' is required" in text

            unknown = await client.call_tool("no-such-tool", {})
            assert unknown.is_error and "train-and-poll-job" in unknown.content[0].text

    run(scenario)
    assert emulator.emulator.calls == []


# -- secret inputs --------------------------------------------------------------------------------


class NotesApi:
    """POST /notes: answers with the note id and, carelessly, the credential it saw."""

    def __init__(self) -> None:
        self.seen: list[str | None] = []

    def __call__(self, request: HttpRequest) -> HttpResponse:
        authorization = request.header("authorization")
        self.seen.append(authorization)
        body = {"id": "note-1", "authorization": authorization}
        return HttpResponse(200, json.dumps(body).encode(), (("Content-Type", "application/json"),))


def test_a_secret_input_never_reaches_the_schema_the_result_or_the_log(tmp_path, env) -> None:
    api = NotesApi()
    env = {**env, "ARAZZO_SECRET_API_TOKEN": SECRET}

    async def scenario(url: str) -> None:
        async with stdio(tmp_path, env, str(NOTES), "--server", f"notesApi={url}") as client:
            tool = next(t for t in (await client.list_tools()).tools if t.name == "addNote")
            assert set(tool.input_schema["properties"]) == {"text", "count"}
            assert tool.input_schema["required"] == ["text"]
            assert "apiToken" in (tool.description or "")  # says the server supplies it

            refused = await client.call_tool("addNote", {"text": "hi", "apiToken": SECRET})
            assert refused.is_error
            assert "apiToken: a secret input" in refused.content[0].text
            assert SECRET not in refused.content[0].text

            result = await client.call_tool("addNote", {"text": "hello"})
            assert not result.is_error, result.content
            assert result.structured_content["outputs"] == {"noteId": "note-1", "echoed": "***"}
            everything = json.dumps(result.structured_content) + result.content[0].text
            assert SECRET not in everything
            listing = await client.call_tool("arazzo_runs", {})
            assert SECRET not in json.dumps(listing.structured_content)

    with BackgroundServer(api, "127.0.0.1", 0) as server:
        run(lambda: scenario(server.url))
    assert api.seen == [f"Bearer {SECRET}"]  # exactly one request: the refused call sent nothing
    log = (tmp_path / "calls.log").read_text()
    assert SECRET not in log
    called = [e for e in call_log(tmp_path) if e["kind"] == "mcp_tool_called"]
    assert called[0]["arguments"] == {"text": "hi", "apiToken": "***"}
    assert called[1]["arguments"] == {"text": "hello"}
    for journal_file in tmp_path.glob("runs.db*"):  # the database and its write-ahead log
        assert SECRET.encode() not in journal_file.read_bytes()


def test_a_missing_secret_is_the_servers_to_configure(tmp_path, env) -> None:
    async def scenario() -> None:
        async with stdio(tmp_path, env, str(NOTES), "--server", "notesApi=http://127.0.0.1:9") as client:
            result = await client.call_tool("addNote", {"text": "hello"})
            assert result.is_error
            assert "apiToken: secret input not configured on the server (set ARAZZO_SECRET_API_TOKEN" in (
                result.content[0].text
            )

    run(scenario)


# -- long runs ------------------------------------------------------------------------------------


def test_a_long_call_answers_with_a_run_id_and_the_status_tool_sees_it_finish(tmp_path, env) -> None:
    name = "mcp-long"
    with EmulatorServer(SageMakerEmulator(in_progress=4, stopping=0)) as emulator:

        async def scenario() -> None:
            args = [*flagship_args(emulator), "--wait", "0"]
            async with stdio(tmp_path, env, *args) as client:
                first = await client.call_tool("train-and-poll-job", {**INPUTS, "trainingJobName": name})
                assert not first.is_error
                state = first.structured_content
                assert state["status"] == "running"
                assert {"currentStep", "nextPoll", "outputs", "steps"} <= set(state)
                run_id = state["runId"]
                assert "arazzo_run_status" in first.content[0].text

                status = await client.call_tool("arazzo_run_status", {"runId": run_id, "wait": 30})
                assert status.structured_content["status"] == "succeeded", status.content
                assert status.structured_content["outputs"] == expected(name)
                assert status.structured_content["runId"] == run_id

                runs = (await client.call_tool("arazzo_runs", {})).structured_content["runs"]
                assert [(r["runId"], r["status"]) for r in runs] == [(run_id, "succeeded")]

                again = await client.call_tool("arazzo_resume", {"runId": run_id, "wait": 30})
                assert again.structured_content["status"] == "succeeded"  # its result, not a second run
                assert again.structured_content["outputs"] == expected(name)

                unknown = await client.call_tool("arazzo_run_status", {"runId": "no-such-run"})
                assert unknown.is_error and "no run 'no-such-run' in the journal" in unknown.content[0].text

                bad = await client.call_tool("arazzo_run_status", {"wait": -1})
                assert bad.is_error
                assert "runId: required" in bad.content[0].text and "wait:" in bad.content[0].text

        run(scenario)
        assert emulator.emulator.count("DescribeTrainingJob") == 5


def test_cancelling_a_call_interrupts_the_run_and_arazzo_resume_finishes_it(tmp_path, env) -> None:
    name = "mcp-cancelled"
    with EmulatorServer(SageMakerEmulator(in_progress=1000, stopping=0)) as emulator:

        async def scenario() -> None:
            args = [*flagship_args(emulator), "--wait", "30"]
            async with stdio(tmp_path, env, *args) as client:
                await cancel_after_first_progress(
                    client, "train-and-poll-job", {**INPUTS, "trainingJobName": name}
                )
                runs = (await client.call_tool("arazzo_runs", {})).structured_content["runs"]
                assert len(runs) == 1
                run_id = runs[0]["runId"]
                assert await status_once_settled(client, run_id) == "interrupted"

                timeline = await client.read_resource(f"arazzo://runs/{run_id}/timeline")
                kinds = [entry["kind"] for entry in json.loads(timeline.contents[0].text)]
                assert "interrupted" in kinds

                (job,) = emulator.emulator.jobs.jobs("training")
                job.position = len(job.phases) - 1  # meanwhile, the training job completed
                resumed = await client.call_tool("arazzo_resume", {"runId": run_id})
                assert resumed.structured_content["status"] == "succeeded", resumed.content
                assert resumed.structured_content["outputs"] == expected(name)

        run(scenario)
        assert emulator.emulator.count("CreateTrainingJob") == 1  # resumed, not started again
    cancelled = [e for e in call_log(tmp_path) if e["kind"] == "mcp_run_cancelled"]
    assert len(cancelled) == 1 and cancelled[0]["run_id"]


def test_runs_left_running_when_the_server_stops_are_resumed_by_the_next_server(tmp_path, env) -> None:
    name = "mcp-server-stopped"
    with EmulatorServer(SageMakerEmulator(in_progress=1000, stopping=0)) as emulator:
        args = [*flagship_args(emulator), "--wait", "0"]

        async def first_server() -> str:
            async with stdio(tmp_path, env, *args) as client:
                started = await client.call_tool("train-and-poll-job", {**INPUTS, "trainingJobName": name})
                assert started.structured_content["status"] == "running"
                return str(started.structured_content["runId"])

        run_id = anyio.run(first_server)  # the client leaves: the server stops, the run is interrupted
        from arazzo_runner.journal import Journal

        with Journal(tmp_path / "runs.db") as journal:
            assert journal.get(run_id).status == "interrupted"

        async def second_server() -> None:
            async with stdio(tmp_path, env, *args) as client:
                # A resumed run (it runs in a thread) is interrupted by a cancelled call too.
                await cancel_after_first_progress(client, "arazzo_resume", {"runId": run_id, "wait": 30})
                assert await status_once_settled(client, run_id) == "interrupted"
                (job,) = emulator.emulator.jobs.jobs("training")
                job.position = len(job.phases) - 1  # meanwhile, the training job completed

                resumed = await client.call_tool("arazzo_resume", {"runId": run_id, "wait": 30})
                assert resumed.structured_content["status"] == "succeeded", resumed.content
                assert resumed.structured_content["outputs"] == expected(name)

        run(second_server)
        assert emulator.emulator.count("CreateTrainingJob") == 1


async def cancel_after_first_progress(client: Client, tool: str, arguments: dict[str, Any]) -> None:
    """Call ``tool`` and cancel the call as soon as the server reports progress (a step finished)."""
    progressed = anyio.Event()

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progressed.set()

    async with anyio.create_task_group() as group:

        async def call() -> None:
            await client.call_tool(tool, arguments, progress_callback=on_progress)

        group.start_soon(call)
        await progressed.wait()
        group.cancel_scope.cancel()


async def status_once_settled(client: Client, run_id: str) -> str:
    """The run's journaled status once it is no longer running here (the interruption lands as the
    cancellation arrives, a moment after the client gave up)."""
    for _ in range(500):
        runs = (await client.call_tool("arazzo_runs", {})).structured_content["runs"]
        row = next(r for r in runs if r["runId"] == run_id)
        if not row["servedHere"] and row["status"] != "running":
            return str(row["status"])
        await anyio.sleep(0.01)
    raise AssertionError(f"run {run_id} still running")


# -- resources ------------------------------------------------------------------------------------


def test_documents_are_resources(tmp_path, env, emulator) -> None:
    async def scenario() -> None:
        async with stdio(tmp_path, env, str(FLAGSHIP), str(NOTES), *flagship_args(emulator)[1:]) as client:
            resources = (await client.list_resources()).resources
            uris = [str(r.uri) for r in resources]
            assert uris == ["arazzo://documents/0", "arazzo://documents/1"]
            text = (await client.read_resource("arazzo://documents/0")).contents[0].text
            assert text == FLAGSHIP.read_text()
            templates = (await client.list_resource_templates()).resource_templates
            assert [t.uri_template for t in templates] == ["arazzo://runs/{runId}/timeline"]

    run(scenario)


# -- over streamable HTTP -------------------------------------------------------------------------


@asynccontextmanager
async def http_server(tmp_path: Path, env: dict[str, str], *args: str) -> AsyncIterator[str]:
    """``arazzo mcp --transport http --port 0`` as a subprocess; yields its URL (from its first stderr line)."""
    command = [sys.executable, *mcp_args(tmp_path, *args, "--transport", "http", "--port", "0")]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        line = await anyio.to_thread.run_sync(process.stderr.readline)
        assert line.startswith("arazzo: MCP server at http://127.0.0.1:"), line
        yield line.split(" at ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr is not None:
            process.stderr.close()


def test_streamable_http_lists_and_runs_the_flagship(tmp_path, env, emulator) -> None:
    async def scenario() -> None:
        args = [*flagship_args(emulator), "--allow-private-networks"]
        async with http_server(tmp_path, env, *args) as url, Client(url) as client:
            tools = {tool.name: tool for tool in (await client.list_tools()).tools}
            assert set(tools["train-and-poll-job"].input_schema["properties"]) == set(INPUTS)
            name = "mcp-http-flagship"
            result = await client.call_tool("train-and-poll-job", {**INPUTS, "trainingJobName": name})
            assert result.structured_content["status"] == "succeeded", result.content
            assert result.structured_content["outputs"] == expected(name)

    run(scenario)
    assert emulator.emulator.count("CreateTrainingJob") == 1


def test_streamable_http_denies_private_networks_by_default(tmp_path, env, emulator) -> None:
    async def scenario() -> None:
        async with http_server(tmp_path, env, *flagship_args(emulator)) as url, Client(url) as client:
            result = await client.call_tool("train-and-poll-job", {**INPUTS, "trainingJobName": "mcp-denied"})
            assert result.is_error
            assert result.structured_content["status"] == "failed"
            assert "private" in result.structured_content["error"]["message"]

    run(scenario)
    assert emulator.emulator.calls == []


def test_sigterm_stops_the_http_server_and_leaves_its_runs_resumable(tmp_path, env) -> None:
    with EmulatorServer(SageMakerEmulator(in_progress=1000, stopping=0)) as emulator:
        args = [*flagship_args(emulator), "--allow-private-networks", "--wait", "0"]
        command = [sys.executable, *mcp_args(tmp_path, *args, "--transport", "http", "--port", "0")]
        process = subprocess.Popen(command, env=env, cwd=ROOT, stderr=subprocess.PIPE, text=True)
        assert process.stderr is not None
        try:
            url = process.stderr.readline().split(" at ", 1)[1].strip()

            async def start() -> str:
                async with Client(url) as client:
                    started = await client.call_tool(
                        "train-and-poll-job", {**INPUTS, "trainingJobName": "mcp-term"}
                    )
                    return str(started.structured_content["runId"])

            run_id = anyio.run(start)
            process.terminate()  # as a container runtime stops it
            assert process.wait(timeout=20) == 143
            assert "terminated (SIGTERM)" in process.stderr.read()
        finally:
            if process.poll() is None:
                process.kill()
            process.stderr.close()
    from arazzo_runner.journal import Journal

    with Journal(tmp_path / "runs.db") as journal:
        assert journal.get(run_id).status == "interrupted"
