"""``iam_policy`` and ``export_asl`` on small documents: reachability, resources, every construct
the exporter translates, and every one it must report (step, construct, why) instead of dropping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import arazzo_runner
from arazzo_runner import export_asl, iam_policy
from arazzo_runner.aws.asl_schema import asl_schema_problems

ROOT = Path(__file__).resolve().parents[3]
SAGEMAKER = ROOT / "openapi" / "amazon-sagemaker-openapi.yml"
PETS = ROOT / "tests" / "data" / "documents" / "pets.openapi.yaml"
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"


def _step(step_id: str, operation: str, body: dict, **extra) -> dict:
    return {
        "stepId": step_id,
        "operationId": operation,
        "requestBody": {"contentType": "application/x-amz-json-1.1", "payload": body},
        "successCriteria": [{"condition": "$statusCode == 200"}],
        **extra,
    }


def _document(
    tmp_path: Path, workflows: list[dict], *, pets: bool = False, arazzo: str = "1.0.1"
) -> arazzo_runner.Document:
    sources = [{"name": "sagemakerApi", "url": str(SAGEMAKER), "type": "openapi"}]
    if pets:
        sources.append({"name": "pets", "url": str(PETS), "type": "openapi"})
    data = {"arazzo": arazzo, "info": {"title": "t", "version": "1"}, "sourceDescriptions": sources, "workflows": workflows}
    path = tmp_path / "doc.arazzo.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return arazzo_runner.load(path, allow_outside=True)  # it names the repository's descriptions


INPUTS_SCHEMA = {
    "type": "object",
    "required": ["jobName", "roleArn"],
    "properties": {"jobName": {"type": "string"}, "roleArn": {"type": "string"}, "mode": {"type": "string", "default": "File"}},
}
CREATE = _step(
    "create",
    "CreateTrainingJob",
    {
        "TrainingJobName": "$inputs.jobName",
        "RoleArn": "$inputs.roleArn",
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "$inputs.mode"},
        "OutputDataConfig": {"S3OutputPath": "s3://b/{$inputs.jobName}/out"},
    },
    outputs={"arn": "$response.body#/TrainingJobArn"},
)


# -- iam_policy ------------------------------------------------------------------------------
def test_without_inputs_names_are_wildcards_and_steps_of_called_workflows_are_included(tmp_path) -> None:
    doc = _document(
        tmp_path,
        [
            {"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [CREATE, {"stepId": "sub", "workflowId": "stopper"}]},
            {
                "workflowId": "stopper",
                "steps": [_step("stop", "StopTrainingJob", {"TrainingJobName": "fixed-name"})],
                "failureActions": [{"name": "again", "type": "goto", "workflowId": "describer"}],
            },
            {
                "workflowId": "describer",
                "inputs": {"type": "object", "properties": {"name": {"type": "string"}}},
                "steps": [_step("look", "DescribeTrainingJob", {"TrainingJobName": "$inputs.name"})],
            },
            {"workflowId": "unreached", "steps": [_step("never", "DescribeModel", {"ModelName": "m"})]},
        ],
    )
    policy = iam_policy(doc, "main")
    assert {s.sid: (s.actions, s.resources, s.steps) for s in policy.statements} == {
        "Create": (("sagemaker:CreateTrainingJob",), ("arn:aws:sagemaker:*:*:training-job/*",), ("create",)),
        "CreatePassRole": (("iam:PassRole",), ("arn:aws:iam::*:role/*",), ("create",)),
        "StopperStop": (("sagemaker:StopTrainingJob",), ("arn:aws:sagemaker:*:*:training-job/fixed-name",), ("stopper.stop",)),
        "DescriberLook": (("sagemaker:DescribeTrainingJob",), ("arn:aws:sagemaker:*:*:training-job/*",), ("describer.look",)),
    }
    assert policy.to_dict()["Statement"][1]["Condition"] == {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}}


def test_inputs_region_and_account_narrow_resources(tmp_path) -> None:
    doc = _document(tmp_path, [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [CREATE]}])
    role = "arn:aws:iam::111122223333:role/Train"
    policy = iam_policy(doc, None, {"jobName": "j1", "roleArn": role}, region="eu-west-1", account_id="111122223333")
    assert [s.resources for s in policy.statements] == [
        ("arn:aws:sagemaker:eu-west-1:111122223333:training-job/j1",),
        (role,),
    ]
    china = iam_policy(doc, None, {"jobName": "j1", "roleArn": role}, region="cn-north-1", account_id="1")
    assert china.statements[0].resources == ("arn:aws-cn:sagemaker:cn-north-1:1:training-job/j1",)


def test_same_permission_for_two_steps_is_one_statement_naming_both(tmp_path) -> None:
    look = {"TrainingJobName": "$inputs.jobName"}
    doc = _document(
        tmp_path,
        [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [_step("first", "DescribeTrainingJob", look), _step("second-look", "DescribeTrainingJob", look)]}],
    )
    (statement,) = iam_policy(doc, None, {"jobName": "j", "roleArn": "r"}).statements
    assert statement.sid == "FirstSecondLook" and statement.steps == ("first", "second-look")


def test_non_aws_operations_get_a_note_not_a_statement(tmp_path) -> None:
    doc = _document(tmp_path, [{"workflowId": "main", "steps": [{"stepId": "pets", "operationId": "listPets"}]}], pets=True)
    policy = iam_policy(doc)
    assert policy.statements == ()
    assert policy.notes == ("step pets: not an AWS operation; no IAM permission needed",)


def test_without_removes_one_statement_and_refuses_unknown_sids() -> None:
    policy = iam_policy(arazzo_runner.load(FLAGSHIP))
    assert [s.sid for s in policy.without("PollTrainingJob").statements] == ["CreateTrainingJob", "CreateTrainingJobPassRole"]
    with pytest.raises(KeyError):
        policy.without("Nope")


# -- export_asl ------------------------------------------------------------------------------
def test_failure_actions_become_retry_and_catch_and_templates_become_format(tmp_path) -> None:
    create = {
        **CREATE,
        "onFailure": [
            {"name": "again", "type": "retry", "retryAfter": 2.5, "retryLimit": 3},
            {"name": "give-up", "type": "end"},
        ],
    }
    describe = _step(
        "look",
        "DescribeTrainingJob",
        {"TrainingJobName": "$inputs.jobName"},
        successCriteria=[{"condition": "$statusCode == 200"}, {"condition": "$response.body#/TrainingJobStatus != 'Failed'"}],
        outputs={"status": "$response.body#/TrainingJobStatus"},
    )
    doc = _document(
        tmp_path,
        [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [create, describe], "outputs": {"arn": "$steps.create.outputs.arn", "status": "$steps.look.outputs.status"}}],
    )
    exported = export_asl(doc)
    assert exported.untranslatable == () and exported.sync_tasks == ()
    states = exported.definition["States"]
    assert asl_schema_problems(exported.definition) == []
    task = states["create"]
    assert task["Retry"] == [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 3, "BackoffRate": 1.0}]
    assert task["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "create: failed (give-up)"}]
    assert states["create: failed (give-up)"]["Type"] == "Fail"
    assert task["Parameters"]["OutputDataConfig"] == {"S3OutputPath.$": "States.Format('s3://b/{}/out', $.inputs.jobName)"}
    criteria = states["look: success criteria"]
    assert criteria["Choices"] == [
        {"Not": {"Variable": "$.steps.look.body.TrainingJobStatus", "StringEquals": "Failed"}, "Next": "Outputs"}
    ]
    assert states[criteria["Default"]]["Type"] == "Fail"
    assert states["look"]["ResultSelector"]["body"] == {"TrainingJobStatus.$": "$.TrainingJobStatus"}
    assert states["Outputs"]["Parameters"] == {"arn.$": "$.steps.create.outputs.arn", "status.$": "$.steps.look.outputs.status"}


def test_untranslatable_constructs_are_reported_with_step_construct_and_why(tmp_path) -> None:
    steps = [
        {**CREATE, "onFailure": [{"name": "only-if", "type": "end", "criteria": [{"condition": "$statusCode == 400"}]}]},
        {"stepId": "nested", "workflowId": "other"},
        {"stepId": "pets", "operationId": "listPets"},
        _step("look", "DescribeTrainingJob", {"TrainingJobName": "$inputs.jobName"}, outputs={"why": "$response.body#/FailureReason"}),
    ]
    doc = _document(
        tmp_path,
        [
            {"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": steps, "outputs": {"why": "$steps.look.outputs.why"}, "dependsOn": ["other"]},
            {"workflowId": "other", "steps": [_step("s", "StopTrainingJob", {"TrainingJobName": "x"})]},
        ],
        pets=True,
    )
    exported = export_asl(doc, "main")
    found = {(u.step, u.construct) for u in exported.untranslatable}
    assert found == {
        (None, "dependsOn"),
        ("create", "onFailure only-if"),
        ("nested", "workflowId"),
        ("pets", "operation"),
        ("look", "outputs.why"),
    }
    assert not exported.complete
    text = {str(u) for u in exported.untranslatable}
    assert "step look: outputs.why: $response.body#/FailureReason may be absent from DescribeTrainingJob's answer" in " ".join(text)


def test_selector_object_outputs_of_arazzo_1_1_are_reported_not_dropped(tmp_path) -> None:
    selector = {"context": "$response.body", "selector": "$.TrainingJobArn", "type": "jsonpath"}
    create = {**CREATE, "outputs": {"arn": selector}}
    doc = _document(
        tmp_path,
        [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [create], "outputs": {"arn": selector}}],
        arazzo="1.1.0",
    )
    exported = export_asl(doc, "main")
    assert {(u.step, u.construct) for u in exported.untranslatable} == {("create", "outputs.arn"), (None, "outputs.arn")}
    assert all("Selector Object" in u.why for u in exported.untranslatable)


def test_optional_inputs_without_defaults_get_one_task_per_combination(tmp_path) -> None:
    schema = {**INPUTS_SCHEMA, "properties": {**INPUTS_SCHEMA["properties"], "env": {"type": "object"}, "hp": {"type": "object"}}}
    create = _step(
        "create",
        "CreateTrainingJob",
        {**CREATE["requestBody"]["payload"], "Environment": "$inputs.env", "HyperParameters": "$inputs.hp"},
    )
    exported = export_asl(_document(tmp_path, [{"workflowId": "main", "inputs": schema, "steps": [create]}]))
    states = exported.definition["States"]
    assert states["create"]["Type"] == "Choice"
    tasks = sorted(n for n, s in states.items() if s["Type"] == "Task")
    assert tasks == [
        "create [with env, with hp]",
        "create [with env, without hp]",
        "create [with hp, without env]",
        "create [without env, without hp]",
    ]
    assert "Environment.$" not in states["create [with hp, without env]"]["Parameters"]
    assert states["create"]["Default"] == "create [without env, without hp]"
    assert asl_schema_problems(exported.definition) == []


def test_flagship_sync_export_notes_the_changed_failure_semantics() -> None:
    exported = export_asl(arazzo_runner.load(FLAGSHIP))
    assert any(".sync task" in n and "other than Completed" in n for n in exported.notes)
    assert any("output failureReason" in n for n in exported.notes)


# -- CLI -------------------------------------------------------------------------------------
def test_cli_iam_policy_prints_the_policy(run_cli) -> None:
    inputs = str(FLAGSHIP.with_name("amazon-sagemaker-train-and-poll-job-workflow.inputs.json"))
    done = run_cli("iam-policy", str(FLAGSHIP), "--inputs", inputs, "--region", "us-east-1", "--account-id", "123456789012")
    assert done.returncode == 0, done.stderr
    policy = json.loads(done.stdout)
    assert policy["Statement"][0]["Resource"] == ["arn:aws:sagemaker:us-east-1:123456789012:training-job/arazzo-demo-xgboost-001"]
    done = run_cli("iam-policy", str(FLAGSHIP), "--output", "json", "-i", "trainingJobName=x")
    assert json.loads(done.stdout)["statements"][0] == {"sid": "CreateTrainingJob", "steps": ["createTrainingJob"]}


def test_cli_export_asl_writes_a_file_and_refuses_untranslatable_documents(run_cli, tmp_path) -> None:
    out = tmp_path / "flagship.asl.json"
    done = run_cli("export-asl", str(FLAGSHIP), "--no-optimise", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads(out.read_text())["StartAt"] == "Input defaults"
    assert "note: step pollTrainingJob: output failureReason" in done.stderr
    pets = _document(tmp_path, [{"workflowId": "main", "steps": [{"stepId": "pets", "operationId": "listPets"}]}], pets=True)
    done = run_cli("export-asl", pets.location, "--allow-outside")
    assert done.returncode == 2
    assert "arazzo: cannot translate: step pets: operation: not an AWS operation" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli("export-asl", pets.location, "--allow-outside", "--output", "json")
    assert done.returncode == 2
    assert json.loads(done.stdout)["untranslatable"] == [
        {"step": "pets", "construct": "operation", "why": "not an AWS operation: Step Functions calls AWS APIs (aws-sdk) only"}
    ]


def test_readme_shows_the_current_policy_and_state_machine() -> None:
    section = (ROOT / "README.md").read_text().split("## AWS-native", 1)[1].split("\n## ", 1)[0]
    blocks = [json.loads(b.split("```", 1)[0]) for b in section.split("```json\n")[1:]]
    inputs = json.loads(FLAGSHIP.with_name("amazon-sagemaker-train-and-poll-job-workflow.inputs.json").read_text())
    doc = arazzo_runner.load(FLAGSHIP)
    assert blocks == [
        iam_policy(doc, None, inputs, region="us-east-1", account_id="123456789012").to_dict(),
        export_asl(doc).definition,
    ]


def test_called_workflows_get_the_inputs_their_step_passes() -> None:
    path = ROOT / "workflows" / "amazon-sagemaker-train-model-batch-transform-pipeline-workflow.yml"
    inputs = json.loads(path.with_name(path.stem + ".inputs.json").read_text())
    policy = iam_policy(arazzo_runner.load(path), None, inputs, region="us-east-1", account_id="123456789012")
    resources = [r for s in policy.statements for r in s.resources]
    assert all("*" not in r for r in resources), resources
    assert f"arn:aws:sagemaker:us-east-1:123456789012:transform-job/{inputs['transformJobName']}" in resources
    assert any(label.startswith("transform-and-poll-job.") for s in policy.statements for label in s.steps)


@pytest.mark.parametrize(
    ("condition", "fused"),
    [
        ("$response.body#/TrainingJobStatus == 'InProgress'", True),
        ("$response.body#/SecondaryStatus == 'Training'", False),
    ],
)
def test_create_and_poll_is_recognised_by_what_it_polls(tmp_path, condition: str, fused: bool) -> None:
    poll = _step(
        "poll",
        "DescribeTrainingJob",
        {"TrainingJobName": "$inputs.jobName"},
        onSuccess=[{"name": "again", "type": "goto", "stepId": "poll", "criteria": [{"condition": condition}]}],
    )
    exported = export_asl(_document(tmp_path, [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [CREATE, poll]}]))
    assert exported.untranslatable == ()
    assert exported.sync_tasks == ((("create", "poll"),) if fused else ())
    resources = sorted(s["Resource"] for s in exported.definition["States"].values() if s["Type"] == "Task")
    assert resources == (
        ["arn:aws:states:::sagemaker:createTrainingJob.sync"]
        if fused
        else ["arn:aws:states:::aws-sdk:sagemaker:createTrainingJob", "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob"]
    )


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("amazon-sagemaker-*-workflow.yml")), ids=lambda p: p.stem)
def test_every_library_workflow_exports_or_says_precisely_what_not(path: Path) -> None:
    doc = arazzo_runner.load(path)
    for optimise in (True, False):
        exported = export_asl(doc, optimise=optimise)
        assert asl_schema_problems(exported.definition) == []  # names within 80 characters included
        for problem in exported.untranslatable:
            assert problem.construct and problem.why
            assert problem.step is None or doc.workflows[0].step(problem.step) is not None


def test_jsonpath_filters_on_the_body_become_or_and_not_rules(tmp_path) -> None:
    poll = _step(
        "poll",
        "DescribeTrainingJob",
        {"TrainingJobName": "$inputs.jobName"},
        onSuccess=[
            {
                "name": "again",
                "type": "goto",
                "stepId": "poll",
                "criteria": [
                    {
                        "context": "$response.body",
                        "type": "jsonpath",
                        "condition": "$[?@.TrainingJobStatus == 'InProgress' || !(@.SecondaryStatus != 'Stopping')]",
                    }
                ],
            }
        ],
    )
    exported = export_asl(_document(tmp_path, [{"workflowId": "main", "inputs": INPUTS_SCHEMA, "steps": [poll]}]))
    assert exported.untranslatable == ()
    body = "$.steps.poll.body"
    assert exported.definition["States"]["poll: on success"]["Choices"][0] == {
        "Or": [
            {"Variable": f"{body}.TrainingJobStatus", "StringEquals": "InProgress"},
            {"Not": {"Not": {"Variable": f"{body}.SecondaryStatus", "StringEquals": "Stopping"}}},
        ],
        "Next": "poll: wait before poll",
    }
    assert exported.definition["States"]["poll"]["ResultSelector"]["body"] == {
        "TrainingJobStatus.$": "$.TrainingJobStatus",
        "SecondaryStatus.$": "$.SecondaryStatus",
    }
