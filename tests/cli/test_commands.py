"""``arazzo list``, ``show``, ``--help``, ``--version`` and usage errors, through the real CLI."""

from __future__ import annotations

import json

from arazzo_runner import __version__

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"


def test_version_and_help(run_cli) -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and __version__ in result.stdout
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("validate", "list", "show"):
        assert command in result.stdout


def test_no_command_and_bad_option_are_usage_errors(run_cli) -> None:
    assert run_cli().returncode == 2
    result = run_cli("validate")
    assert result.returncode == 2 and "DOC" in result.stderr


def test_list_text_and_json(run_cli) -> None:
    text = run_cli("list", FLAGSHIP)
    assert text.returncode == 0
    assert "train-and-poll-job" in text.stdout
    assert "trainingJobName: string (required)" in text.stdout
    assert 'trainingInputMode: string (default "File")' in text.stdout
    data = json.loads(run_cli("list", FLAGSHIP, "--output", "json").stdout)
    assert data[0]["workflowId"] == "train-and-poll-job"
    assert data[0]["outputs"] == ["trainingJobArn", "trainingJobStatus", "modelArtifacts"]


def test_show_text_and_json(run_cli) -> None:
    text = run_cli("show", FLAGSHIP)
    assert text.returncode == 0, text.stderr
    assert "pollTrainingJob: POST /#X-Amz-Target=SageMaker.DescribeTrainingJob" in text.stdout
    assert "onSuccess stillTraining: goto → pollTrainingJob" in text.stdout
    data = json.loads(
        run_cli("show", FLAGSHIP, "--workflow", "train-and-poll-job", "--output", "json").stdout
    )
    poll = data["steps"][1]
    assert poll["operation"] == {
        "source": "sagemakerApi",
        "operationId": "DescribeTrainingJob",
        "method": "POST",
        "path": "/#X-Amz-Target=SageMaker.DescribeTrainingJob",
    }
    assert [a["name"] for a in poll["onSuccess"]] == ["stillTraining", "trainingTerminal"]


def test_show_unknown_workflow(run_cli) -> None:
    result = run_cli("show", FLAGSHIP, "--workflow", "nope")
    assert result.returncode == 2
    assert "no workflow 'nope'; the document has: train-and-poll-job" in result.stderr
    assert "Traceback" not in result.stderr


def test_list_invalid_document_reports_problems(run_cli, tmp_path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("arazzo: 1.0.1\n")
    result = run_cli("list", str(path))
    assert result.returncode == 2
    assert "missing required field 'info'" in result.stderr


def test_graph_mermaid(run_cli, tmp_path) -> None:
    result = run_cli("graph", FLAGSHIP)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert "  s_pollTrainingJob -->|\"$.TrainingJobStatus == 'InProgress'\"| s_pollTrainingJob" in lines
    assert "  s_pollTrainingJob -->|\"$.TrainingJobStatus != 'InProgress'\"| done" in lines
    out = tmp_path / "flagship.mmd"
    assert run_cli("graph", FLAGSHIP, "-o", str(out)).returncode == 0
    assert out.read_text() == result.stdout


def test_validate_says_which_sources_are_signed_as_aws(run_cli) -> None:
    """One line per source recognised as AWS from its server, naming the scheme it replaces."""
    doc = "tests/data/aws/recognised/protocols.arazzo.yml"
    result = run_cli("validate", doc)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if " is AWS " in line]
    assert len(lines) == 4
    assert (
        "source 's3Api': s3.us-east-1.amazonaws.com is AWS s3 (rest-xml); requests are signed with SigV4 as 's3'"
        " in us-east-1, replacing its declared security scheme 'sigv4' (apiKey Authorization in header)"
    ) in result.stderr
    assert "source 'iamApi': iam.amazonaws.com is AWS iam (query)" in result.stderr
    data = json.loads(run_cli("validate", doc, "--output", "json").stdout)
    assert data["valid"] is True and len(data["notes"]) == 4
    flagship = run_cli("validate", "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml")
    assert " is AWS " not in flagship.stderr  # it declares SigV4 itself
