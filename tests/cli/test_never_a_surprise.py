"""Issue 16, "never a surprise": what a new user tripped over, through the real CLI.

Each test runs ``python -m arazzo_runner`` in a subprocess (dry runs and scripted servers on
127.0.0.1; nothing leaves the machine).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_run import ENV, INPUTS, inputs_file
from tests.cli.test_run import arazzo as _arazzo
from tests.conftest import ROOT

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
OPENAPI = ROOT / "openapi" / "amazon-sagemaker-openapi.yml"
PETS = ROOT / "tests" / "data" / "documents" / "pets.openapi.yaml"
DOCUMENT_COMMANDS = ("run", "validate", "list", "show", "graph")


def arazzo(*args: str, **kwargs: object) -> object:
    """The CLI, with ``--allow-outside``: these tests write documents in a temporary folder that name
    the repository's descriptions (confinement itself is tested in tests/unit/document/test_confinement.py)."""
    if len(args) >= 2 and args[0] in DOCUMENT_COMMANDS:
        args = (*args[:2], "--allow-outside", *args[2:])
    return _arazzo(*args, **kwargs)


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
        server.script = {("GET", "/v1/pets"): [(404, {}, {})]}
        third = arazzo("run", doc, "--server", f"pets={server.url}/v1", "--output", "json")
        assert (
            json.loads(third.stdout)["steps"][0]["reason"] == "success criterion not met: $statusCode == 200"
        )
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
    options = RunOptions(pacing=PollPacing(interval=20, jitter=0), run_timeout=2)
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
            "3",
            "--poll-interval",
            "20",
        )
    finally:
        server.close()
    assert result.returncode == 1, result.stderr
    assert "run timed out after 3 s while waiting to poll step 'pollTrainingJob'" in result.stderr


# -- 5. typos and mistakes the loader catches --------------------------------------------------


def doc_with(tmp_path: Path, step: str, workflow_outputs: str = "") -> str:
    return write(
        tmp_path,
        "typo.arazzo.yaml",
        f"""arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: pets, url: '{PETS}', type: openapi}}]
workflows:
- workflowId: w
  inputs: {{type: object, properties: {{limit: {{type: integer}}, name: {{type: string}}}}}}
  steps:
  - stepId: list
    operationId: listPets
{step}
{workflow_outputs}
""",
    )


def problems(tmp_path: Path, doc: str) -> list[dict]:
    result = arazzo("validate", doc, "--output", "json")
    return json.loads(result.stdout)["problems"]


def test_misspelled_output_roots_are_errors_with_did_you_mean(tmp_path) -> None:
    doc = doc_with(
        tmp_path,
        "    outputs: {x: $respons.body#/x, y: $input.name, z: literal, ok: $statusCode}",
        "  outputs: {w: $step.list.outputs.ok}",
    )
    found = {p["pointer"]: p for p in problems(tmp_path, doc)}
    x = found["/workflows/0/steps/0/outputs/x"]
    assert x["severity"] == "error"
    assert "'$respons.body#/x' is not a runtime expression" in x["message"]
    assert "did you mean '$response'?" in x["message"]
    assert "did you mean '$inputs'?" in found["/workflows/0/steps/0/outputs/y"]["message"]
    assert "did you mean '$steps'?" in found["/workflows/0/outputs/w"]["message"]
    assert found["/workflows/0/steps/0/outputs/z"]["severity"] == "warning"  # a constant: legal-ish, said
    assert "/workflows/0/steps/0/outputs/ok" not in found
    run = arazzo("run", doc, "--server", "pets=http://127.0.0.1:9")
    assert run.returncode == 2 and "did you mean '$response'?" in run.stderr  # before any request


def test_dollar_strings_with_unknown_roots_in_parameters_and_payloads_warn(tmp_path) -> None:
    doc = doc_with(
        tmp_path,
        "    parameters: [{name: limit, in: query, value: $input.limit}]\n"
        "  - stepId: create\n    operationId: createPet\n"
        "    requestBody: {payload: {name: $imputs.name, price: $5.00, note: $default, tag: '{$inputs.name}'}}",
    )
    found = {p["pointer"]: p for p in problems(tmp_path, doc)}
    limit = found["/workflows/0/steps/0/parameters/0/value"]
    assert limit["severity"] == "warning"
    assert "'$input.limit' is sent as a literal string" in limit["message"]
    assert "did you mean '$inputs'?" in limit["message"]
    assert "did you mean '$inputs'" in found["/workflows/0/steps/1/requestBody/payload/name"]["message"]
    assert "/workflows/0/steps/1/requestBody/payload/price" not in found  # "$5.00" is just text
    assert "/workflows/0/steps/1/requestBody/payload/note" not in found  # "$default" too
    assert arazzo("validate", doc).returncode == 0  # warnings only


def test_malformed_actions_and_criteria_say_what_is_wrong_with_that_object(tmp_path) -> None:
    doc = doc_with(
        tmp_path,
        "    successCriteria: [{condition: $.x, type: jsonpath}]\n"
        "    onSuccess:\n"
        "    - {name: a, type: goto}\n"
        "    - {name: b, type: goTo, stepId: list}\n"
        "    onFailure:\n"
        "    - {reference: $components.failureActions.x, stepId: list}",
    )
    result = arazzo("validate", doc)
    assert result.returncode == 2
    assert "missing required field 'reference'" not in result.stderr
    assert "a 'jsonpath' criterion needs 'context'" in result.stderr
    assert (
        "a 'goto' action: exactly one of stepId, workflowId is required (at /workflows/0/steps/0/onSuccess/0)"
        in (result.stderr)
    )
    assert "'goTo' is not one of 'end', 'goto' (did you mean 'goto'?)" in result.stderr
    assert (
        "unknown field 'stepId' (at /workflows/0/steps/0/onFailure/0/stepId)" in result.stderr
    )  # a Reusable


# -- 6. $components.* and $sourceDescriptions.<name>.<operationId> evaluate ---------------------


def test_components_and_source_description_members_evaluate(tmp_path) -> None:
    from tests.engine.scripted_server import ScriptedServer

    doc = write(
        tmp_path,
        "comp.arazzo.yaml",
        f"""arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: pets, url: '{PETS}', type: openapi}}]
workflows:
- workflowId: w
  steps:
  - stepId: list
    operationId: $sourceDescriptions.pets.listPets
    parameters: [{{reference: $components.parameters.limit}}]
  outputs:
    limitParam: $components.parameters.limit
    onFail: $components.failureActions.giveUp
    op: $sourceDescriptions.pets.listPets
    url: $sourceDescriptions.pets.url
    kind: $sourceDescriptions.pets.type
components:
  parameters:
    limit: {{name: limit, in: query, value: 5}}
  failureActions:
    giveUp: {{name: giveUp, type: end}}
""",
    )
    server = ScriptedServer()
    server.script = {("GET", "/v1/pets"): [(200, [])]}
    try:
        result = arazzo("run", doc, "--server", f"pets={server.url}/v1", "--output", "json")
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    outputs = json.loads(result.stdout)["outputs"]
    assert outputs["limitParam"] == {"name": "limit", "in": "query", "value": 5}
    assert outputs["onFail"] == {"name": "giveUp", "type": "end"}
    assert outputs["op"]["operationId"] == "listPets"
    assert (outputs["op"]["method"], outputs["op"]["path"]) == ("get", "/pets")
    assert outputs["op"]["parameters"][0]["name"] == "limit"
    assert outputs["url"] == str(PETS)
    assert outputs["kind"] == "openapi"


# -- 4. --validate warnings are visible ----------------------------------------------------------


def test_validate_warnings_are_visible_and_listed_in_json(tmp_path) -> None:
    from tests.cli.test_run import CREATE, job_script
    from tests.engine.scripted_server import ScriptedServer

    def script() -> dict:  # the scripted server consumes its header dicts: a fresh one per run
        answers = job_script(in_progress=2)
        answers[("POST", CREATE)] = [
            (200, {"TrainingJobArn": 42}, {"content-type": "application/x-amz-json-1.1"})
        ]
        return answers

    server = ScriptedServer()
    try:
        args = [
            "run",
            FLAGSHIP,
            "--inputs",
            inputs_file(tmp_path, INPUTS),
            "--server",
            f"sagemakerApi={server.url}",
        ]
        args += ["--poll-interval", "0", "--validate"]
        server.script = script()
        text = arazzo(*args)
        server.reset(script())
        data = json.loads(arazzo(*args, "--output", "json").stdout)
    finally:
        server.close()
    assert text.returncode == 0, text.stderr
    lines = [
        line
        for line in text.stderr.splitlines()
        if line.startswith("  ! createTrainingJob: OpenAPI: response")
    ]
    assert len(lines) == 1, text.stderr  # one line per violation, without -v
    assert "/TrainingJobArn" in lines[0]
    [entry] = [v for v in data["validation"] if v["step"] == "createTrainingJob"]
    assert entry["subject"] == "response"
    assert entry["pointer"] == "/TrainingJobArn"
    assert "42 is not of type 'string'" in entry["message"] and entry["count"] == 1


# -- 7. recordings and replay ------------------------------------------------------------------


def test_replay_merges_the_recorded_inputs_with_overrides(tmp_path) -> None:
    from tests.recording.conftest import FLAGSHIP_HAR

    same = arazzo("run", FLAGSHIP, "--replay", str(FLAGSHIP_HAR), "-i", "instanceCount=1")
    assert same.returncode == 0, same.stderr  # the other recorded inputs are kept
    changed = arazzo("run", FLAGSHIP, "--replay", str(FLAGSHIP_HAR), "-i", "instanceCount=2")
    assert changed.returncode == 1
    assert '"InstanceCount": 2' in changed.stderr and "does not match the recording" in changed.stderr


RECORD_TEST = """
import json

import pytest

from arazzo_runner.engine import PollPacing, RunOptions

WORKFLOW = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = json.loads(open("workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json").read())


def test_rerecord(arazzo_replay, monkeypatch):
    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, EmulatorServer, SageMakerEmulator

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "a/wrong/secret")
    with EmulatorServer(SageMakerEmulator()) as server:
        servers = {"sagemakerApi": server.url}
        result = arazzo_replay(WORKFLOW, "recordings/shipped.har", inputs=INPUTS, servers=servers,
                               options=RunOptions(pacing=PollPacing(interval=0)))
    assert result.status == "failed"
"""


def test_a_failed_rerecording_keeps_the_good_recording(tmp_path) -> None:
    from tests.recording.test_pytest_plugin import _project, _pytest

    project = _project(tmp_path)
    (project / "test_workflows.py").write_text(RECORD_TEST)
    shipped = project / "recordings" / "shipped.har"
    good = shipped.read_bytes()
    kept = _pytest(project, "--arazzo-record")
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert shipped.read_bytes() == good
    failed = project / "recordings" / "shipped.failed.har"
    assert "SignatureDoesNotMatch" in failed.read_text()
    assert "not re-recorded because the run failed" in kept.stdout
    assert not list((project / "recordings").glob("*.recording"))
    forced = _pytest(project, "--arazzo-record-force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert shipped.read_bytes() != good
    assert "SignatureDoesNotMatch" in shipped.read_text()


# -- 8. the emulator prints the secret it accepts --------------------------------------------


def test_emulator_prints_the_secret_it_accepts() -> None:
    import os
    import signal
    import subprocess
    import sys

    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY

    process = subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner.aws.sagemaker_emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        url = process.stdout.readline().strip()
        line = process.stderr.readline()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert url.startswith("http://127.0.0.1:")
    assert f"AWS_ACCESS_KEY_ID={DEMO_ACCESS_KEY_ID}" in line
    assert f"AWS_SECRET_ACCESS_KEY={DEMO_SECRET_ACCESS_KEY}" in line


# -- 9. terminal view --------------------------------------------------------------------------


def run_in_terminal(args: list[str], columns: int = 80) -> str:
    """The CLI on a pseudo-terminal of ``columns`` columns (the live view is on); its screen output."""
    import fcntl
    import os
    import pty
    import re
    import struct
    import subprocess
    import sys
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in ENV.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
    env["TERM"] = "xterm-256color"
    process = subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner", *args],
        stdout=subprocess.PIPE,
        stderr=slave,
        cwd=ROOT,
        env=env,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=60)
    os.close(master)
    text = b"".join(chunks).decode("utf-8", "replace")
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text).replace("\r", "\n")


def test_terminal_keeps_the_final_poll_and_says_a_failure_once(tmp_path) -> None:
    from tests.cli.test_run import job_script
    from tests.engine.scripted_server import ScriptedServer

    server = ScriptedServer()
    server.script = job_script(in_progress=3)
    try:
        args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--poll-interval", "0"]
        screen = run_in_terminal([*args, "--server", f"sagemakerApi={server.url}"])
    finally:
        server.close()
    assert "✓ pollTrainingJob poll 4 200" in screen, screen
    final = next(line for line in screen.splitlines() if "✓ pollTrainingJob poll 4" in line)
    assert "trainingJobStatus=Completed" in final

    down = run_in_terminal(
        ["run", "--allow-outside", "--server", "pets=http://127.0.0.1:9", write(tmp_path, "p.yaml", PETS_DOC)]
    )
    assert down.count("Connection refused") == 1, down
    assert "waiting 0.0 s" not in down
    assert "error (step_failed): step 'list' failed (see above)" in down


PETS_DOC = f"""arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: pets, url: '{PETS}', type: openapi}}]
workflows:
- workflowId: w
  steps: [{{stepId: list, operationId: listPets}}]
"""


def test_live_line_fits_one_row() -> None:
    from io import StringIO

    from rich.console import Console

    from arazzo_runner.cli.progress import ProgressRenderer

    renderer = ProgressRenderer(StringIO())
    renderer.status_line = "pollTrainingJob · poll 12 · " + " · ".join(
        f"output{i}={'x' * 40}" for i in range(6)
    )
    console = Console(width=80, file=StringIO())
    lines = console.render_lines(renderer._render_live(), console.options)
    assert len(lines) == 1


# -- 10. small ones ----------------------------------------------------------------------------


def test_yaml_tab_indentation_is_named(tmp_path) -> None:
    doc = write(tmp_path, "tabs.arazzo.yaml", "arazzo: 1.0.1\ninfo:\n\ttitle: t\n")
    result = arazzo("validate", doc)
    assert result.returncode == 2
    assert "tabs.arazzo.yaml:3:1: invalid YAML: tabs are not allowed for indentation" in result.stderr


def test_a_number_for_a_string_input_says_how_to_quote_it(tmp_path) -> None:
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--dry-run"]
    result = arazzo(*args, "-i", "trainingJobName=5")
    assert result.returncode == 2
    assert "trainingJobName: 5 is not of type 'string'" in result.stderr
    assert """-i 'trainingJobName="5"'""" in result.stderr
    assert arazzo(*args, "-i", 'trainingJobName="5"').returncode == 0


def test_help_lists_exit_code_70() -> None:
    assert "70 internal error" in " ".join(arazzo("--help").stdout.split())


def test_verbose_poll_loop_warns_once_per_output(tmp_path) -> None:
    from tests.cli.test_run import job_script
    from tests.engine.scripted_server import ScriptedServer

    server = ScriptedServer()
    server.script = job_script(in_progress=4)
    try:
        args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--poll-interval", "0", "-v"]
        result = arazzo(*args, "--server", f"sagemakerApi={server.url}")
    finally:
        server.close()
    assert result.returncode == 0, result.stderr
    # A poll step's nulls are said once, for its last execution: FailureReason is absent from the
    # final answer; ModelArtifacts was absent only while the job ran, so it is no warning at all.
    assert result.stderr.count("output 'failureReason'") == 1, result.stderr
    assert result.stderr.count("output 'modelArtifacts'") == 0, result.stderr


def test_timeout_also_bounds_transport_retry_backoff(monkeypatch) -> None:
    import arazzo_runner
    from arazzo_runner.engine import RunOptions
    from tests.engine.scripted_server import ScriptedServer

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        monkeypatch.setenv(name, ENV[name])
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    doc = arazzo_runner.load(ROOT / FLAGSHIP)
    server = ScriptedServer()
    server.script = {
        ("POST", "*"): [(500, {"__type": "InternalFailure"}, {"content-type": "application/x-amz-json-1.1"})]
    }
    now = [1000.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    try:
        result = doc.run(
            None,
            INPUTS,
            options=RunOptions(run_timeout=0.5),
            servers={"sagemakerApi": server.url},
            sleep=sleep,
            clock=lambda: now[0],
        )
    finally:
        server.close()
    assert result.status == "failed"
    # AWS-style backoff (about 1 s after a 500) is cut at the run's deadline; the attempt after it
    # finds no time left (the deadline also bounds reading an answer) and is not retried.
    assert len(slept) >= 1 and sum(slept) <= 0.5 + 1e-9, slept
    assert "InternalFailure" in result.error.message
