"""Issue 26, "never a surprise, round two": what a new user met on a fresh clone, through the real CLI.

Each test runs ``python -m arazzo_runner`` in a subprocess (dry runs and scripted servers on 127.0.0.1).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_run import CREATE, ENV, INPUTS, arazzo, flagship_args, inputs_file, job_script
from tests.conftest import ROOT
from tests.engine.scripted_server import ScriptedServer

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"


# -- 3. misspelled keys in an --inputs file are exit 2, not dropped ----------------------------


def test_misspelled_key_in_an_inputs_file_is_exit_2_with_did_you_mean(tmp_path: Path) -> None:
    config = [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/train"}}}]
    wrong = inputs_file(tmp_path, {**INPUTS, "inputDataConfg": config})
    result = arazzo("run", FLAGSHIP, "--inputs", wrong, "--dry-run")
    assert result.returncode == 2, result.stderr
    assert f"--inputs {wrong}: 'inputDataConfg': workflow 'train-and-poll-job' declares no such input" in (
        result.stderr
    )
    assert "did you mean 'inputDataConfig'?" in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    inline = arazzo("run", FLAGSHIP, "--inputs", json.dumps({**INPUTS, "rolArn": "x"}), "--dry-run")
    assert inline.returncode == 2 and "--inputs (inline JSON): 'rolArn'" in inline.stderr
    right = inputs_file(tmp_path, {**INPUTS, "inputDataConfig": config})
    assert arazzo("run", FLAGSHIP, "--inputs", right, "--dry-run").returncode == 0


def test_iam_policy_refuses_a_misspelled_input_instead_of_a_wildcard_resource(tmp_path: Path) -> None:
    wrong = arazzo("iam-policy", FLAGSHIP, "-i", "trainingJobNam=my-job")
    assert wrong.returncode == 2, wrong.stderr
    assert "-i 'trainingJobNam'" in wrong.stderr and "did you mean 'trainingJobName'" in wrong.stderr
    assert wrong.stdout == ""
    from_file = arazzo("iam-policy", FLAGSHIP, "--inputs", inputs_file(tmp_path, {"trainingJobNam": "j"}))
    assert from_file.returncode == 2 and "'trainingJobNam'" in from_file.stderr
    right = arazzo("iam-policy", FLAGSHIP, "-i", "trainingJobName=my-job")
    assert right.returncode == 0, right.stderr
    assert "training-job/my-job" in right.stdout and "training-job/*" not in right.stdout


# -- 4. --validate=strict never sends an invalid request ---------------------------------------


@pytest.fixture(scope="module")
def server():
    server = ScriptedServer()
    yield server
    server.close()


def test_strict_validation_never_sends_a_request_that_violates_the_description(server, tmp_path) -> None:
    server.reset(job_script(in_progress=0))
    long_name = {**INPUTS, "trainingJobName": "j" * 71}  # the description allows 63 characters
    args = [*flagship_args(server.url, tmp_path, long_name), "--poll-interval", "0", "--output", "json"]
    strict = arazzo(*args, "--validate=strict")
    assert strict.returncode == 1, strict.stderr
    assert server.count(CREATE) == 0  # the Create was never sent
    data = json.loads(strict.stdout)
    assert data["requests"] == 0
    assert data["steps"][0]["stepId"] == "createTrainingJob" and data["steps"][0]["status"] == "failed"
    assert "not sent" in data["error"]["message"] and "TrainingJobName" in data["error"]["message"]
    assert any(v["pointer"] == "/TrainingJobName" for v in data["validation"])
    warn = arazzo(*args, "--validate")  # warn mode still sends it, and says what is wrong
    assert server.count(CREATE) == 1 and warn.returncode == 0, warn.stderr
    assert any(v["pointer"] == "/TrainingJobName" for v in json.loads(warn.stdout)["validation"])


# -- 9. small ones -----------------------------------------------------------------------------


def test_a_request_refused_by_the_network_policy_is_not_counted_as_sent(server, tmp_path) -> None:
    server.reset(job_script(in_progress=0))
    result = arazzo(*flagship_args(server.url, tmp_path), "--deny-host", "127.0.0.1", "--output", "text")
    assert result.returncode == 1
    assert server.requests == []
    assert "0 requests" in result.stdout + result.stderr and "1 request" not in result.stdout + result.stderr


# -- 6. the catalog layout works from any folder -----------------------------------------------


def test_validate_from_the_workflows_folder(tmp_path: Path) -> None:
    name = Path(FLAGSHIP).name
    inside = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "validate", name],
        capture_output=True, text=True, cwd=ROOT / "workflows", env=ENV, timeout=60,
    )  # fmt: skip
    assert inside.returncode == 0, inside.stderr
    elsewhere = subprocess.run(
        [sys.executable, "-m", "arazzo_runner", "validate", str(ROOT / FLAGSHIP)],
        capture_output=True, text=True, cwd=tmp_path, env=ENV, timeout=60,
    )  # fmt: skip
    assert elsewhere.returncode == 0, elsewhere.stderr
