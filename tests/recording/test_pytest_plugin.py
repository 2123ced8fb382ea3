"""The pytest plugin in a fresh project that only has our package installed (entry point ``pytest11``).

The project lives in a temporary directory, outside this repository (no conftest of ours, no
``-p`` option): pytest finds the plugin by its entry point, exactly as in a user's project.
The same test file first re-records against the local emulator (``--arazzo-record``), then
replays with every socket connection refused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import FLAGSHIP, ROOT

from .conftest import FLAGSHIP_HAR

TEST_FILE = '''
import json
import socket

import pytest

from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.pytest_plugin import assert_attempts, assert_outputs, assert_succeeded

WORKFLOW = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = json.loads(open("workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json").read())


@pytest.fixture
def live(arazzo_record_mode, monkeypatch):
    """Record mode: a local emulator stands in for AWS. Replay mode: no network at all."""
    if not arazzo_record_mode:
        def refuse(self, address):
            raise AssertionError(f"network used: {address}")
        monkeypatch.setattr(socket.socket, "connect", refuse)
        yield {}
        return
    from arazzo_runner.aws.sagemaker_emulator import (
        DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY, EmulatorServer, SageMakerEmulator,
    )
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    with EmulatorServer(SageMakerEmulator(in_progress=2)) as server:
        yield {"servers": {"sagemakerApi": server.url}, "options": RunOptions(pacing=PollPacing(interval=0))}


def test_shipped_recording(arazzo_replay, live):
    result = arazzo_replay(WORKFLOW, "recordings/shipped.har")
    assert_succeeded(result)
    assert result.step("pollTrainingJob").attempts == 4


def test_rerecordable(arazzo_replay, live):
    result = arazzo_replay(WORKFLOW, "recordings/fresh.har", inputs=INPUTS, **live)
    assert_succeeded(result)
    assert_outputs(result, trainingJobStatus="Completed")
    assert_attempts(result, pollTrainingJob=3)


def test_canned(arazzo_replay, live):
    result = arazzo_replay(WORKFLOW, inputs=INPUTS, responses=[
        ("POST SageMaker.CreateTrainingJob", (200, {"TrainingJobArn": "arn:x"})),
        ("SageMaker.DescribeTrainingJob", (200, {"TrainingJobStatus": "Stopped"})),
    ])
    assert result.outputs == {"trainingJobArn": "arn:x", "trainingJobStatus": "Stopped", "modelArtifacts": None}


def test_drift_fails_with_a_diff(arazzo_replay, live):
    arazzo_replay(WORKFLOW, "recordings/shipped.har", inputs={**INPUTS, "instanceCount": 2})
'''


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "workflows").mkdir(parents=True)
    (project / "openapi").mkdir()
    (project / "recordings").mkdir()
    shutil.copy(FLAGSHIP, project / "workflows")
    shutil.copy(
        ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json", project / "workflows"
    )
    shutil.copy(ROOT / "openapi" / "amazon-sagemaker-openapi.yml", project / "openapi")
    shutil.copy(FLAGSHIP_HAR, project / "recordings" / "shipped.har")
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_workflows.py").write_text(textwrap.dedent(TEST_FILE))
    return project


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYTEST_", "PYTHONPATH"))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        cwd=project,
        env=environ,
        timeout=120,
    )


def test_plugin_in_a_fresh_project(tmp_path: Path) -> None:
    project = _project(tmp_path)
    recorded = _pytest(project, "--arazzo-record", "-k", "rerecordable")
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    assert (project / "recordings" / "fresh.har").exists()

    replayed = _pytest(project)
    out = replayed.stdout
    assert replayed.returncode == 1, out + replayed.stderr
    assert "1 failed, 3 passed" in out, out
    # The failing test is the drifted one, and pytest shows the diff, not a traceback.
    assert "FAILED test_workflows.py::test_drift_fails_with_a_diff" in out
    assert "the run does not match the recording" in out
    assert '-    "InstanceCount": 1,' in out and '+    "InstanceCount": 2,' in out
    assert "network used" not in out
