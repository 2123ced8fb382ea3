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


# -- 5. one result schema for every ending -----------------------------------------------------


def check_schema(data: dict) -> None:
    import jsonschema

    import arazzo_runner

    schema = arazzo_runner.result_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)


def test_the_published_schema_refuses_what_it_should() -> None:
    import jsonschema

    good = {
        "workflowId": "w", "status": "interrupted", "runId": "r", "outputs": {}, "steps": [], "requests": 0,
        "error": {"type": "interrupted", "message": "m", "stepId": None, "workflowId": "w"},
        "transportRetries": 0, "durationMs": 1.0,
    }  # fmt: skip
    check_schema(good)
    for bad in (
        {**good, "transportRetries": None},
        {**good, "error": None},  # an interrupted run says why
        {**good, "status": "succeeded"},  # a succeeded run has no error
        {**good, "steps": [{"stepId": "a", "attempt": 1, "status": "succeeded", "statusCode": 200,
                            "outputs": {}, "durationMs": 1, "reason": None}]},  # no workflowId
    ):  # fmt: skip
        with pytest.raises(jsonschema.ValidationError):
            check_schema(bad)


@pytest.mark.parametrize("journal", [True, False])
def test_succeeded_and_failed_results_match_the_schema(server, tmp_path, journal: bool) -> None:
    extra = ["--poll-interval", "0", "--output", "json"] + ([] if journal else ["--no-journal"])
    server.reset(job_script(in_progress=1))
    succeeded = arazzo(*flagship_args(server.url, tmp_path), *extra)
    assert succeeded.returncode == 0, succeeded.stderr
    check_schema(json.loads(succeeded.stdout))
    assert ("runId" in json.loads(succeeded.stdout)) is journal
    refused = job_script(in_progress=0)
    refused[("POST", CREATE)] = [
        (400, {"__type": "ValidationException", "message": "no"}, {"content-type": "application/x-amz-json-1.1"})
    ]
    server.reset(refused)
    failed = arazzo(*flagship_args(server.url, tmp_path), *extra, "--validate")
    assert failed.returncode == 1, failed.stderr
    data = json.loads(failed.stdout)
    check_schema(data)
    assert data["status"] == "failed"


def test_an_interrupted_result_matches_the_schema_and_names_the_run_to_resume(server, tmp_path) -> None:
    from tests.cli.test_run import DESCRIBE, interrupt_while_polling

    server.reset(job_script(in_progress=10_000))
    process_output: dict = {}

    code, stderr = interrupt_while_polling(
        server.url, lambda: server.count(DESCRIBE), tmp_path, "--output", "json", stdout=process_output
    )
    assert code == 130, stderr
    data = json.loads(process_output["stdout"])
    check_schema(data)
    assert data["status"] == "interrupted" and data["transportRetries"] == 0
    assert data["runId"] and f"arazzo resume {data['runId']}" in stderr
    assert all(step["workflowId"] == "train-and-poll-job" for step in data["steps"])


def test_a_server_without_a_scheme_is_exit_2_at_startup(server, tmp_path) -> None:
    server.reset(job_script(in_progress=0))
    bare = server.url.removeprefix("http://")
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS)]
    result = arazzo(*args, "--server", f"sagemakerApi={bare}")
    assert result.returncode == 2, result.stderr
    assert f"e.g. sagemakerApi=http://{bare}" in result.stderr
    assert server.requests == [] and "Traceback" not in result.stderr
    assert arazzo(*args, "--server", "sagemakerApi=ftp://127.0.0.1:9", "--dry-run").returncode == 2


def test_resume_of_a_finished_run_says_it_is_finished(server, tmp_path) -> None:
    server.reset(job_script(in_progress=0))
    journal = str(tmp_path / "runs.db")
    first = arazzo(*flagship_args(server.url, tmp_path), "--journal", journal, "--output", "json")
    assert first.returncode == 0, first.stderr
    run_id = json.loads(first.stdout)["runId"]
    sent = len(server.requests)
    again = arazzo("resume", run_id, "--journal", journal)
    assert again.returncode == 0, again.stderr
    assert f"run {run_id} already finished (succeeded); nothing to resume" in again.stderr
    assert "trainingJobStatus: Completed" in again.stdout
    assert len(server.requests) == sent  # nothing sent again


def test_json_output_with_a_bad_source_map_prints_only_json(tmp_path) -> None:
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--dry-run", "--output", "json"]
    for bad in ("nonsense", "https://example.com/nothing.yml=/no/such/file"):
        result = arazzo(*args, "--source-map", bad)
        assert result.returncode == 2, result.stderr
        data = json.loads(result.stdout)  # exactly one JSON object
        assert data["valid"] is False and any(p["severity"] == "error" for p in data["problems"])
        assert result.stderr == ""
    text = arazzo(*args[:-2], "--source-map", "nonsense")
    assert text.returncode == 2 and "--source-map expects URL=FILE" in text.stderr and text.stdout == ""


def test_dry_run_without_credentials_signs_with_placeholders_and_says_so(tmp_path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in ENV.items() if not k.startswith("AWS_")} | {
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "us-east-1",
    }
    args = ["run", FLAGSHIP, "--inputs", inputs_file(tmp_path, INPUTS), "--dry-run"]
    result = arazzo(*args, "--server", "sagemakerApi=http://127.0.0.1:9", env=env)
    assert result.returncode == 0, result.stderr
    assert "--dry-run signs with placeholder credentials (AKIAREPLAYEXAMPLE000)" in result.stderr
    assert result.stdout.count("POST http://127.0.0.1:9/") == 2
    assert "authorization: [redacted]" in result.stdout and "cannot build" not in result.stdout


def test_iam_policy_for_the_state_machine_says_what_its_sync_statements_are() -> None:
    text = arazzo("iam-policy", FLAGSHIP, "--for-state-machine", "-i", "trainingJobName=j")
    assert text.returncode == 0, text.stderr
    assert "note: steps createTrainingJob and pollTrainingJob: one .sync task" in text.stderr
    data = json.loads(arazzo("iam-policy", FLAGSHIP, "--for-state-machine", "--output", "json").stdout)
    assert any("one .sync task" in note for note in data["notes"])
    plain = arazzo("iam-policy", FLAGSHIP, "-i", "trainingJobName=j")
    assert ".sync" not in plain.stderr  # the runner's own policy has no .sync statements


EVENTS = "workflows/amazon-sagemaker-train-and-wait-for-event-workflow.yml"


def test_iam_policy_covers_the_event_workflow_sqs_receive(tmp_path) -> None:
    """It used to refuse the AsyncAPI source; the receive step needs the SQS calls the runner makes."""
    by_name = arazzo(
        "iam-policy", EVENTS, "--region", "eu-west-1", "--account-id", "123456789012", "--output", "json",
        "-i", "eventQueue=training-events", "-i", "trainingJobName=j",
    )  # fmt: skip
    assert by_name.returncode == 0, by_name.stderr
    data = json.loads(by_name.stdout)
    (receive,) = [s for s in data["policy"]["Statement"] if any(a.startswith("sqs:") for a in s["Action"])]
    assert set(receive["Action"]) == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueUrl"
    }  # fmt: skip
    assert receive["Resource"] == ["arn:aws:sqs:eu-west-1:123456789012:training-events"]
    assert any("EventBridge rule" in note for note in data["notes"])
    by_url = arazzo(
        "iam-policy", EVENTS, "--output", "json", "-i", "trainingJobName=j",
        "-i", "eventQueue=https://sqs.us-west-2.amazonaws.com/210987654321/q1",
    )  # fmt: skip
    assert by_url.returncode == 0, by_url.stderr
    statements = json.loads(by_url.stdout)["policy"]["Statement"]
    (receive,) = [s for s in statements if any(a.startswith("sqs:") for a in s["Action"])]
    assert receive["Resource"] == ["arn:aws:sqs:us-west-2:210987654321:q1"]
    assert "sqs:GetQueueUrl" not in receive["Action"]  # a URL is used as given
