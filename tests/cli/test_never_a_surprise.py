"""Issue 16, "never a surprise": what a new user tripped over, through the real CLI.

Each test runs ``python -m arazzo_runner`` in a subprocess (dry runs and scripted servers on
127.0.0.1; nothing leaves the machine).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_run import ENV, INPUTS, arazzo, inputs_file
from tests.conftest import ROOT

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
OPENAPI = ROOT / "openapi" / "amazon-sagemaker-openapi.yml"
PETS = ROOT / "tests" / "data" / "documents" / "pets.openapi.yaml"


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- 1. names on the command line must mean something -----------------------------------------


def test_unknown_server_name_is_exit_2_with_did_you_mean(tmp_path) -> None:
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--dry-run"]
    wrong = arazzo(*args, "--server", "sagemakerAPI=http://127.0.0.1:9")
    assert wrong.returncode == 2, wrong.stderr
    assert "--server 'sagemakerAPI' names no source description" in wrong.stderr
    assert "did you mean 'sagemakerApi'?" in wrong.stderr
    assert "Traceback" not in wrong.stderr and wrong.stdout == ""
    right = arazzo(*args, "--server", "sagemakerApi=http://127.0.0.1:9")
    assert right.returncode == 0, right.stderr
    assert "POST http://127.0.0.1:9/" in right.stdout


def test_undeclared_input_name_is_exit_2(tmp_path) -> None:
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--dry-run"]
    wrong = arazzo(*args, "-i", "trainingJobNmae=x")
    assert wrong.returncode == 2, wrong.stderr
    assert "-i 'trainingJobNmae': workflow 'train-and-poll-job' declares no such input" in wrong.stderr
    assert "did you mean 'trainingJobName'" in wrong.stderr
    assert arazzo(*args, "-i", "trainingJobName=x").returncode == 0


def test_input_names_are_free_when_the_schema_allows_additional_properties(tmp_path) -> None:
    doc = write(
        tmp_path,
        "open.arazzo.yaml",
        f"""arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: pets, url: '{PETS}', type: openapi}}]
workflows:
- workflowId: w
  inputs:
    type: object
    properties: {{limit: {{type: integer}}}}
    additionalProperties: {{type: string}}
  steps:
  - stepId: list
    operationId: listPets
    parameters: [{{name: limit, in: query, value: $inputs.limit}}]
""",
    )
    result = arazzo("run", doc, "-i", "limit=3", "-i", "extra=x", "--dry-run")
    assert result.returncode == 0, result.stderr
    closed = (
        Path(doc).read_text().replace("additionalProperties: {type: string}", "additionalProperties: false")
    )
    Path(doc).write_text(closed)
    assert arazzo("run", doc, "-i", "limit=3", "-i", "extra=x", "--dry-run").returncode == 2


def test_unused_source_map_key_is_exit_2(tmp_path) -> None:
    doc = write(
        tmp_path,
        "remote.arazzo.yaml",
        """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: pets, url: 'https://example.com/pets.openapi.yaml', type: openapi}]
workflows:
- workflowId: w
  steps: [{stepId: list, operationId: listPets}]
""",
    )
    wrong = arazzo("validate", doc, "--source-map", f"https://example.com/pet.openapi.yaml={PETS}")
    assert wrong.returncode == 2, wrong.stderr
    assert (
        "--source-map 'https://example.com/pet.openapi.yaml' matches no source description URL"
        in wrong.stderr
    )
    assert "did you mean 'https://example.com/pets.openapi.yaml'?" in wrong.stderr
    right = arazzo("validate", doc, "--source-map", f"https://example.com/pets.openapi.yaml={PETS}")
    assert right.returncode == 0, right.stderr
    folder = arazzo("validate", doc, "--source-map", f"https://example.com/={PETS.parent}/")
    assert folder.returncode == 0, folder.stderr
    assert (
        json.loads(arazzo("validate", doc, "--output", "json", "--source-map", f"x={PETS}").stdout)["valid"]
        is False
    )


# -- 2. the server's own error, by default ----------------------------------------------------


def test_wrong_aws_secret_shows_the_servers_error_and_the_hint(tmp_path) -> None:
    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, EmulatorServer, SageMakerEmulator

    env = {**ENV, "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": "not/the/right/secret"}
    with EmulatorServer(SageMakerEmulator()) as server:
        args = [
            "run",
            FLAGSHIP,
            "--inputs",
            inputs_file(tmp_path, INPUTS),
            "--server",
            f"sagemakerApi={server.url}",
        ]
        text = arazzo(*args, env=env)
        data = json.loads(arazzo(*args, "--output", "json", env=env).stdout)
    assert text.returncode == 1
    assert "403" in text.stderr
    assert "SignatureDoesNotMatch" in text.stderr
    assert "the secret access key does not belong to the access key id" in text.stderr  # AUTH_HINTS
    assert "not/the/right/secret" not in text.stderr + text.stdout
    reason = data["steps"][0]["reason"]
    assert reason.startswith(
        "success criterion not met: $statusCode == 200; the API said SignatureDoesNotMatch"
    )
    assert "SignatureDoesNotMatch" in data["error"]["message"]


def test_problem_json_and_plain_text_errors_are_shown(tmp_path) -> None:
    from tests.engine.scripted_server import ScriptedServer

    doc = write(
        tmp_path,
        "pets.arazzo.yaml",
        f"""arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: pets, url: '{PETS}', type: openapi}}]
workflows:
- workflowId: w
  steps:
  - stepId: list
    operationId: listPets
    successCriteria: [{{condition: $statusCode == 200}}]
""",
    )
    server = ScriptedServer()
    try:
        problem = {"type": "about:blank", "title": "Out of stock", "detail": "no pets left today"}
        server.script = {("GET", "/v1/pets"): [(409, problem, {"content-type": "application/problem+json"})]}
        first = arazzo("run", doc, "--server", f"pets={server.url}/v1", "--output", "json")
        assert (
            "the API said Out of stock: no pets left today" in json.loads(first.stdout)["steps"][0]["reason"]
        )
        server.script = {("GET", "/v1/pets"): [(503, b"x" * 500, {"content-type": "text/plain"})]}
        second = arazzo("run", doc, "--server", f"pets={server.url}/v1")
        assert second.returncode == 1
        assert "the API said " + "x" * 199 + "…" in second.stderr
        assert "x" * 201 not in second.stderr
    finally:
        server.close()


# -- 3. --timeout bounds the whole run, waits included ----------------------------------------


def poll_forever_script() -> dict:
    from tests.cli.test_run import job_script

    return job_script(in_progress=1000)


def test_timeout_cuts_a_poll_wait_sync_and_async(tmp_path, monkeypatch) -> None:
    import asyncio

    import arazzo_runner
    from arazzo_runner.engine import PollPacing, RunOptions
    from tests.engine.scripted_server import ScriptedServer

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(name, ENV[name])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    doc = arazzo_runner.load(ROOT / FLAGSHIP)
    options = RunOptions(pacing=PollPacing(interval=20, jitter=0), timeout=2)
    server = ScriptedServer()
    server.script = poll_forever_script()
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    try:
        for runner in ("sync", "async"):
            slept.clear()
            kwargs = dict(options=options, servers={"sagemakerApi": server.url}, clock=lambda: now[0])
            if runner == "sync":
                result = doc.run(None, INPUTS, sleep=sleep, **kwargs)
            else:
                result = asyncio.run(doc.run_async(None, INPUTS, sleep=async_sleep, **kwargs))
            assert result.status == "failed", result.error
            assert result.error.type == "limit"
            assert (
                result.error.message == "run timed out after 2 s while waiting to poll step 'pollTrainingJob'"
            )
            assert slept == [2.0], runner  # the 20 s wait was cut at the deadline
    finally:
        server.close()


def test_timeout_through_the_cli(tmp_path) -> None:
    from tests.engine.scripted_server import ScriptedServer

    server = ScriptedServer()
    server.script = poll_forever_script()
    try:
        result = arazzo(
            "run",
            FLAGSHIP,
            "--inputs",
            inputs_file(tmp_path, INPUTS),
            "--server",
            f"sagemakerApi={server.url}",
            "--timeout",
            "0.3",
            "--poll-interval",
            "20",
        )
    finally:
        server.close()
    assert result.returncode == 1, result.stderr
    assert "run timed out after 0.3 s while waiting to poll step 'pollTrainingJob'" in result.stderr
