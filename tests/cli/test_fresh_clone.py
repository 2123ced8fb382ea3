"""Issue 26, "never a surprise, round two": what a new user met on a fresh clone, through the real CLI.

Each test runs ``python -m arazzo_runner`` in a subprocess (dry runs and scripted servers on 127.0.0.1).
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_run import INPUTS, arazzo, inputs_file

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
