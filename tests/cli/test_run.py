"""``arazzo run`` through the real CLI in a subprocess, against a scripted server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.cli.in_process import run_cli
from tests.conftest import ROOT
from tests.engine.scripted_server import ScriptedServer

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
CREATE = "SageMaker.CreateTrainingJob"
DESCRIBE = "SageMaker.DescribeTrainingJob"
INPUTS = {
    "trainingJobName": "cli-job",
    "trainingImage": "img:1",
    "roleArn": "arn:aws:iam::123456789012:role/R",
    "s3OutputPath": "s3://bucket/out",
    "instanceType": "ml.m5.large",
    "instanceCount": 1,
    "volumeSizeInGB": 10,
    "maxRuntimeInSeconds": 3600,
}
ENV = {
    **os.environ,
    "AWS_ACCESS_KEY_ID": "AKIDCLITEST",
    "AWS_SECRET_ACCESS_KEY": "cli/secret/never/shown",
    "AWS_REGION": "us-east-1",
    "NO_COLOR": "",
}
ANSI = "\x1b["


@pytest.fixture(scope="module")
def server():
    server = ScriptedServer()
    yield server
    server.close()


def job_script(in_progress: int = 2, terminal: str = "Completed") -> dict:
    headers = {"content-type": "application/x-amz-json-1.1"}
    return {
        ("POST", CREATE): [
            (200, {"TrainingJobArn": "arn:aws:sagemaker:us-east-1:1:training-job/cli-job"}, headers)
        ],
        ("POST", DESCRIBE): [
            (200, {"TrainingJobStatus": "InProgress", "SecondaryStatus": "Training"}, dict(headers))
        ]
        * in_progress
        + [
            (
                200,
                {
                    "TrainingJobStatus": terminal,
                    "ModelArtifacts": {"S3ModelArtifacts": "s3://bucket/out/model"},
                },
                dict(headers),
            )
        ],
    }


def arazzo(*args: str, env: dict | None = None, process: bool = False) -> Any:
    """The CLI in this process (:mod:`tests.cli.in_process`); ``process=True``: in a real one."""
    if not process:
        return run_cli(args, env=env or ENV, cwd=ROOT)
    return subprocess.run(
        [sys.executable, "-m", "arazzo_runner", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env or ENV,
        timeout=60,
    )


def inputs_file(tmp_path: Path, data: dict) -> str:
    path = tmp_path / "inputs.json"
    path.write_text(json.dumps(data))
    return str(path)


def flagship_args(url: str, tmp_path: Path, inputs: dict | None = None) -> list[str]:
    """``run FLAGSHIP --inputs FILE --server sagemakerApi=URL``: what every flagship test starts with."""
    return [
        "run",
        FLAGSHIP,
        "--inputs",
        inputs_file(tmp_path, INPUTS if inputs is None else inputs),
        "--server",
        f"sagemakerApi={url}",
    ]


def test_json_output_shape_and_exit_0(server, tmp_path) -> None:
    server.reset(job_script(in_progress=2))
    result = arazzo(
        *flagship_args(server.url, tmp_path),
        "--poll-interval",
        "0",
        "--output",
        "json",
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # exactly one JSON object, nothing else on stdout
    assert set(data) == {
        "workflowId",
        "status",
        "outputs",
        "steps",
        "error",
        "requests",
        "transportRetries",
        "durationMs",
        "runId",  # the run's id in the journal (`arazzo resume`, `arazzo runs`)
        "warnings",  # what the run could not read as its expressions need
    }
    # This test server's last answer has no SecondaryStatus/FailureReason: said, with the step id.
    assert data["warnings"] and {w["stepId"] for w in data["warnings"]} == {"pollTrainingJob"}
    assert all("has no value; it is null: the answer has no member" in w["message"] for w in data["warnings"])
    assert data["status"] == "succeeded" and data["error"] is None
    assert data["outputs"]["trainingJobStatus"] == "Completed"
    assert data["requests"] == 4
    assert [s["stepId"] for s in data["steps"]] == ["createTrainingJob"] + ["pollTrainingJob"] * 3
    assert {"stepId", "attempt", "status", "statusCode", "outputs", "durationMs"} <= set(data["steps"][0])
    assert ANSI not in result.stderr


def test_text_output_plain_when_not_a_tty(server, tmp_path) -> None:
    server.reset(job_script(in_progress=1))
    result = arazzo(
        *flagship_args(server.url, tmp_path),
        "--poll-interval",
        "0",
    )
    assert result.returncode == 0, result.stderr
    assert "trainingJobStatus: Completed" in result.stdout
    assert "✓ createTrainingJob  POST / 200" in result.stderr
    assert "train-and-poll-job: succeeded · 3 requests" in result.stderr
    assert ANSI not in result.stderr + result.stdout


def test_inline_inputs_override_file_inputs(server, tmp_path) -> None:
    server.reset(job_script(in_progress=0))
    partial = {k: v for k, v in INPUTS.items() if k not in ("instanceCount", "trainingJobName")}
    result = arazzo(
        *flagship_args(server.url, tmp_path, partial),
        "-i",
        "instanceCount=2",
        "-i",
        "trainingJobName=from-cli",
        "-i",
        'inputDataConfig=[{"ChannelName": "train"}]',
        "--poll-interval",
        "0",
        "-q",
    )
    assert result.returncode == 0, result.stderr
    create = server.requests[0].body
    assert create["TrainingJobName"] == "from-cli"
    assert create["ResourceConfig"]["InstanceCount"] == 2  # parsed as JSON: a number
    assert create["InputDataConfig"] == [{"ChannelName": "train"}]
    assert result.stderr == ""  # -q: only the result


def test_failed_workflow_exits_1(server, tmp_path) -> None:
    server.reset({("POST", CREATE): [(400, {"__type": "ValidationException", "message": "bad role"})]})
    result = arazzo(
        *flagship_args(server.url, tmp_path),
        "--output",
        "json",
    )
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["status"] == "failed"
    assert data["error"]["type"] == "step_failed" and data["error"]["stepId"] == "createTrainingJob"


def test_bad_inputs_exit_2_with_every_problem(server, tmp_path) -> None:
    server.reset(job_script())
    result = arazzo("run", FLAGSHIP, "-i", "instanceCount=two", "--server", f"sagemakerApi={server.url}")
    assert result.returncode == 2
    assert (
        "'trainingJobName' is required" in result.stderr
        and "instanceCount: 'two' is not of type 'integer'" in result.stderr
    )
    assert "Traceback" not in result.stderr
    assert server.requests == []


def test_usage_errors_exit_2(tmp_path) -> None:
    assert arazzo("run", FLAGSHIP, "-i", "novalue").returncode == 2
    assert arazzo("run", FLAGSHIP, "--server", "nourl").returncode == 2
    result = arazzo("run", FLAGSHIP, "--workflow", "nope")
    assert result.returncode == 2 and "no workflow 'nope'" in result.stderr


def test_secrets_are_masked_in_output(server, tmp_path) -> None:
    doc = tmp_path / "secret.arazzo.yaml"
    (tmp_path / "pets.openapi.yaml").write_text((ROOT / "tests/data/documents/pets.openapi.yaml").read_text())
    doc.write_text(
        """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: pets, url: pets.openapi.yaml}]
workflows:
- workflowId: w
  inputs: {type: object, properties: {apiToken: {type: string}}}
  steps:
  - stepId: s
    operationId: listPets
    parameters: [{name: X-Token, in: header, value: $inputs.apiToken}]
    outputs: {sent: $request.header.X-Token}
  outputs: {sent: $steps.s.outputs.sent}
"""
    )
    server.reset({("GET", "/pets"): [(200, [])]})
    secret = "tok-very-secret-value"
    for extra in ([], ["--output", "json"], ["-v"]):
        result = arazzo("run", str(doc), "-i", f"apiToken={secret}", "--server", f"pets={server.url}", *extra)
        assert result.returncode == 0, result.stderr
        assert secret not in result.stdout + result.stderr
        assert "***" in result.stdout


def interrupt_while_polling(
    url: str,
    describes: Callable[[], int],
    tmp_path: Path,
    *extra: str,
    env: dict | None = None,
    stdout: dict | None = None,
) -> tuple[int, str]:
    """Start ``arazzo run`` on the flagship, send SIGINT once it has polled twice; (exit code, stderr)."""
    command = [
        sys.executable,
        "-m",
        "arazzo_runner",
        *flagship_args(url, tmp_path),
        "--poll-interval",
        "0.05",
        *extra,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, env=env or ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while describes() < 2:
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.02)
    process.send_signal(signal.SIGINT)
    out, stderr = process.communicate(timeout=60)
    if stdout is not None:  # the caller wants stdout too
        stdout["stdout"] = out
    return process.returncode, stderr


def test_ctrl_c_while_polling_exits_130(server, tmp_path) -> None:
    server.reset(job_script(in_progress=10_000))
    code, stderr = interrupt_while_polling(server.url, lambda: server.count(DESCRIBE), tmp_path)
    assert code == 130, stderr
    assert "interrupted" in stderr
    assert "arn:aws:sagemaker:us-east-1:1:training-job/cli-job" in stderr  # what is still running
    assert "Traceback" not in stderr


def test_dry_run_prints_signed_redacted_requests_and_sends_nothing(server, tmp_path) -> None:
    server.reset(job_script())
    result = arazzo(
        *flagship_args(server.url, tmp_path),
        "--dry-run",
    )
    assert result.returncode == 0, result.stderr
    assert server.requests == []
    assert result.stdout.count(f"POST {server.url}/") == 2
    assert "authorization: [redacted]" in result.stdout
    assert '"TrainingJobName": "cli-job"' in result.stdout
    assert "cli/secret/never/shown" not in result.stdout


def test_validate_flag_reports_violations(server, tmp_path) -> None:
    script = job_script(in_progress=0)
    script[("POST", CREATE)] = [(200, {"TrainingJobArn": 42}, {"content-type": "application/x-amz-json-1.1"})]
    server.reset(script)
    args = (
        *flagship_args(server.url, tmp_path),
        "--poll-interval",
        "0",
    )
    assert arazzo(*args, "--validate").returncode == 0
    server.reset(script)
    strict = arazzo(*args, "--validate=strict", "--output", "json")
    assert strict.returncode == 1
    assert "does not match the OpenAPI description" in json.loads(strict.stdout)["error"]["message"]


def test_ctrl_c_with_on_interrupt_stops_the_job(tmp_path) -> None:
    from arazzo_runner.aws.sagemaker_emulator import (
        DEMO_ACCESS_KEY_ID,
        DEMO_SECRET_ACCESS_KEY,
        EmulatorServer,
        SageMakerEmulator,
    )

    env = {**ENV, "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID, "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY}
    stop = "workflows/amazon-sagemaker-stop-training-job-workflow.yml#stop-training-job"
    with EmulatorServer(SageMakerEmulator(in_progress=10_000, stopping=1)) as emulator:
        count = emulator.emulator.count
        code, stderr = interrupt_while_polling(
            emulator.url, lambda: count("DescribeTrainingJob"), tmp_path, "--on-interrupt", stop, env=env
        )
        assert code == 130, stderr
        assert "running 'stop-training-job' (--on-interrupt)" in stderr
        assert "'stop-training-job' done (trainingJobStatus=Stopped)" in stderr
        assert count("StopTrainingJob") == 1
