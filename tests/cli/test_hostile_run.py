"""``arazzo run`` against hostile answers and signals (issue 17), through the real CLI."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest

from tests.engine.scripted_server import ScriptedServer

from .test_run import CREATE, DESCRIBE, arazzo, flagship_args
from .test_run import server as server  # the module-scoped scripted server fixture

ARAZZO_JSON = "application/x-amz-json-1.1"

ARN = "arn:aws:sagemaker:us-east-1:1:training-job/cli-job"


def hostile_describe(body: bytes, content_type: str = ARAZZO_JSON) -> dict:
    headers = {"content-type": ARAZZO_JSON}
    return {
        ("POST", CREATE): [(200, {"TrainingJobArn": ARN}, headers)],
        ("POST", DESCRIBE): [(200, body, {"content-type": content_type})],
    }


def test_deep_body_is_a_step_failure_exit_1_with_the_arn(server: ScriptedServer, tmp_path) -> None:
    server.reset(hostile_describe(b"[" * 2000 + b"]" * 2000))
    result = arazzo(*flagship_args(server.url, tmp_path), "--output", "json", "-v")
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert ARN in json.dumps(data["steps"])
    assert "nested deeper than" in data["error"]["message"]


def test_nan_never_reaches_json_output(server: ScriptedServer, tmp_path) -> None:
    server.reset(
        hostile_describe(b'{"TrainingJobStatus": "Completed", "ModelArtifacts": {"S3ModelArtifacts": NaN}}')
    )
    result = arazzo(*flagship_args(server.url, tmp_path), "--output", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout, parse_constant=_refuse)  # strict JSON
    assert data["outputs"]["modelArtifacts"] is None
    text = arazzo(*flagship_args(server.url, tmp_path), "-v")
    assert text.returncode == 0 and "non-finite numbers" in text.stderr


def test_nan_from_an_input_is_written_as_null(server: ScriptedServer, tmp_path) -> None:
    from .test_run import INPUTS

    server.reset(hostile_describe(b'{"TrainingJobStatus": "Completed"}'))
    inputs = tmp_path / "nan.yaml"
    inputs.write_text(
        "\n".join(f"{k}: {json.dumps(v)}" for k, v in INPUTS.items()) + "\nhyperParameters: {eta: .nan}\n"
    )
    args = flagship_args(server.url, tmp_path)
    args[args.index("--inputs") + 1] = str(inputs)
    result = arazzo(*args, "--output", "json")
    assert result.returncode in (0, 1, 2), result.stderr
    if result.returncode != 2:  # the workflow's input schema may refuse the value: that is fine too
        json.loads(result.stdout, parse_constant=_refuse)


def _refuse(name: str) -> None:
    raise ValueError(f"{name} is not strict JSON")


def _signal_while_polling(server: ScriptedServer, tmp_path, sig: int, *extra: str) -> tuple[int, str, str]:
    from .test_run import ENV, ROOT, job_script

    server.reset(job_script(in_progress=10_000))
    command = [sys.executable, "-m", "arazzo_runner", *flagship_args(server.url, tmp_path)]
    process = subprocess.Popen(
        [*command, "--poll-interval", "0.05", *extra],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while server.count(DESCRIBE) < 2:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


def test_sigterm_is_handled_like_ctrl_c_with_exit_143(server: ScriptedServer, tmp_path) -> None:
    code, _stdout, stderr = _signal_while_polling(server, tmp_path, signal.SIGTERM)
    assert code == 143, stderr
    assert "terminated (SIGTERM) during workflow" in stderr
    assert "arn:aws:sagemaker:us-east-1:1:training-job/cli-job" in stderr  # what is still running
    assert "--on-interrupt" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_interrupted_run_still_prints_one_json_object(server: ScriptedServer, tmp_path, sig: int) -> None:
    code, stdout, stderr = _signal_while_polling(server, tmp_path, sig, "--output", "json")
    assert code == (143 if sig == signal.SIGTERM else 130), stderr
    data = json.loads(stdout)  # exactly one JSON object
    assert data["status"] == "interrupted"
    assert data["outputs"]["trainingJobArn"] == "arn:aws:sagemaker:us-east-1:1:training-job/cli-job"
    assert data["error"]["type"] == "interrupted"
    assert data["steps"][0]["stepId"] == "createTrainingJob"


HOSTILE_DOC = """arazzo: 1.0.1
info: {{title: t, version: '1'}}
sourceDescriptions: [{{name: api, url: ./api.yaml}}]
workflows:
- workflowId: w
  steps:
  - stepId: a
    operationId: a
    successCriteria:
    - {{condition: "{condition}", context: $response.body, type: xpath}}
"""
HOSTILE_API = """openapi: 3.0.3
info: {{title: t, version: '1'}}
paths:
  /a:
    get:
      operationId: a
      responses:
        '200': {{$ref: '{ref}'}}
components:
  responses:
    ok: {{description: ok}}
"""


@pytest.mark.parametrize(
    ("condition", "ref", "expected"),
    [
        ("count(1 to 300000000) > 0", "#/components/responses/ok", "longer than 1000000 items"),
        ("/a", "file:///etc/passwd#/x", "is outside the document's folder"),
        ("/a", "#/components/responses/nope", "does not resolve"),
    ],
)
def test_validate_and_run_refuse_hostile_documents_with_exit_2(tmp_path, condition, ref, expected) -> None:
    (tmp_path / "api.yaml").write_text(HOSTILE_API.format(ref=ref))
    doc = tmp_path / "doc.arazzo.yaml"
    doc.write_text(HOSTILE_DOC.format(condition=condition))
    for command in (["validate", str(doc)], ["run", str(doc), "--server", "api=http://127.0.0.1:9"]):
        result = arazzo(*command)
        assert result.returncode == 2, result.stderr
        assert expected in result.stderr and "Traceback" not in result.stderr


def test_a_quadratic_xpath_over_a_big_answer_is_stopped_by_the_criterion_budget(server: ScriptedServer, tmp_path) -> None:
    """Issue 25: ``count(//i[. = //i])`` over a 300 KB answer ran past 600 s of CPU; the budget holds now."""
    big = ("<r>" + "".join(f"<i>{n % 1000}</i>" for n in range(30_000)) + "</r>").encode()
    assert len(big) > 290_000
    server.reset({("GET", "/a"): [(200, big, {"content-type": "application/xml"})]})
    (tmp_path / "api.yaml").write_text(HOSTILE_API.format(ref="#/components/responses/ok"))
    doc = tmp_path / "doc.arazzo.yaml"
    doc.write_text(HOSTILE_DOC.format(condition="count(//i[. = //i]) > 0"))
    started = time.monotonic()
    result = arazzo("run", str(doc), "--server", f"api={server.url}", "--output", "json", "--no-journal")
    assert time.monotonic() - started < 30, "the criterion was not stopped"
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert data["error"]["message"] == (
        "step 'a' failed: success criterion count(//i[. = //i]) > 0 was stopped:"
        " the criterion ran out of its 1 s budget"
    )
