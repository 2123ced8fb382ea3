"""Every workflow of the library, run for real against the SageMaker emulator."""

from __future__ import annotations

import json

import pytest

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import ROOT

from .test_flagship_emulator import emulator_credentials  # noqa: F401 - autouse fixture

WORKFLOWS = ROOT / "workflows"
FAST = RunOptions(pacing=PollPacing(interval=0))


def load(name: str):
    return arazzo_runner.load(WORKFLOWS / f"{name}.yml"), json.loads(
        (WORKFLOWS / f"{name}.inputs.json").read_text()
    )


@pytest.fixture
def server():
    with EmulatorServer(SageMakerEmulator(in_progress=2, stopping=0)) as server:
        yield server


def run(doc, inputs, server):
    return doc.run(None, inputs, servers={"sagemakerApi": server.url}, options=FAST, sleep=lambda s: None)


@pytest.mark.parametrize(
    "name",
    [
        "amazon-sagemaker-train-spot-with-hyperparameters-workflow",
        "amazon-sagemaker-train-fail-on-error-workflow",
        "amazon-sagemaker-batch-transform-job-workflow",
        "amazon-sagemaker-processing-job-workflow",
        "amazon-sagemaker-train-model-batch-transform-pipeline-workflow",
    ],
)
def test_library_workflow_succeeds(name: str, server) -> None:
    doc, inputs = load(name)
    if "transform-job" in name:
        # A transform needs an existing model: create it as the pipeline would.
        server.emulator.jobs.create_model(
            {"ModelName": inputs["modelName"], "ExecutionRoleArn": "arn:aws:iam::1:role/r"}
        )
    if "fail-on-error" in name:
        inputs = {**inputs, "trainingJobName": "lib-completes"}  # its example inputs show a failure
    result = run(doc, inputs, server)
    assert result.status == "succeeded", result.error
    statuses = {k: v for k, v in result.outputs.items() if k.endswith("Status")}
    assert statuses and set(statuses.values()) == {"Completed"}, result.outputs


def test_failed_job_fails_the_run_with_its_reason(server) -> None:
    doc, inputs = load("amazon-sagemaker-train-fail-on-error-workflow")
    result = run(doc, inputs, server)  # its example job name asks the emulator for a failure
    assert result.status == "failed"
    assert result.error.type == "failure_end"
    assert result.outputs["trainingJobStatus"] == "Failed"
    assert result.outputs["failureReason"]
