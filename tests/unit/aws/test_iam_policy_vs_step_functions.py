"""The flagship's generated policy against the one Step Functions generates for the same integration.

Step Functions' policy for ``sagemaker:createTrainingJob.sync`` (tests/data/aws, from AWS's guide) is
compared with ``iam_policy`` for the flagship, permission by permission (action → resources and
condition). Every difference is listed below with why it is right; the test fails on any other
difference, or if one of these goes away.
"""

from __future__ import annotations

import json
from pathlib import Path

import arazzo_runner
from arazzo_runner import iam_policy, state_machine_policy
from tests.conftest import flagship_inputs

ROOT = Path(__file__).resolve().parents[3]
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = flagship_inputs()
SEED = ROOT / "tests" / "data" / "aws" / "stepfunctions-sagemaker-training-sync-policy.json"
REGION, ACCOUNT = "us-east-1", "123456789012"
JOB_ARN = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{INPUTS['trainingJobName']}"

#: action → (Step Functions' resources, ours, why ours is right). ``None``: no permission.
DIFFERENCES = {
    "sagemaker:CreateTrainingJob": (
        (JOB_ARN + "*",),
        (JOB_ARN,),
        "the exact job the inputs name; the trailing * would also allow any job whose name starts with it",
    ),
    "sagemaker:DescribeTrainingJob": (
        (JOB_ARN + "*",),
        (JOB_ARN,),
        "same resource as CreateTrainingJob, for the poll step",
    ),
    "sagemaker:StopTrainingJob": (
        (JOB_ARN + "*",),
        None,
        "the workflow never stops the job; Step Functions' .sync stops it when the execution is aborted",
    ),
    "sagemaker:ListTags": (
        ("*",),
        None,
        "the workflow never lists tags; it is part of how Step Functions' .sync integration tracks the job",
    ),
    "events:PutTargets": (
        (f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule",),
        None,
        "the runner learns the job's end by polling DescribeTrainingJob; .sync uses an EventBridge rule",
    ),
    "events:PutRule": (
        (f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule",),
        None,
        "as events:PutTargets",
    ),
    "events:DescribeRule": (
        (f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule",),
        None,
        "as events:PutTargets",
    ),
}


def _seed() -> dict:
    text = SEED.read_text()
    for placeholder, value in {
        "[[region]]": REGION,
        "[[accountId]]": ACCOUNT,
        "[[trainingJobName]]": INPUTS["trainingJobName"],
        "[[roleArn]]": INPUTS["roleArn"],
    }.items():
        text = text.replace(placeholder, value)
    return json.loads(text)


def _permissions(policy: dict) -> dict[str, tuple[tuple[str, ...], str]]:
    """action → (resources, condition as JSON); every statement here is an Allow."""
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            assert action not in out, f"{action} granted twice"
            out[action] = (tuple(statement["Resource"]), json.dumps(statement.get("Condition"), sort_keys=True))
    return out


def test_flagship_policy_matches_step_functions_statement_by_statement() -> None:
    ours_policy = iam_policy(arazzo_runner.load(FLAGSHIP), None, INPUTS, region=REGION, account_id=ACCOUNT)
    theirs, ours = _permissions(_seed()), _permissions(ours_policy.to_dict())
    found = {}
    for action in sorted(set(theirs) | set(ours)):
        mine, seed = ours.get(action), theirs.get(action)
        if mine == seed:
            continue
        found[action] = (seed[0] if seed else None, mine[0] if mine else None)
        if mine and seed:
            assert mine[1] == seed[1], f"{action}: conditions differ"
    assert found == {action: (seed, mine) for action, (seed, mine, _why) in DIFFERENCES.items()}
    # The same in both: iam:PassRole on exactly the role input, only towards SageMaker.
    assert ours["iam:PassRole"] == theirs["iam:PassRole"]
    assert ours["iam:PassRole"][0] == (INPUTS["roleArn"],)
    assert "sagemaker.amazonaws.com" in ours["iam:PassRole"][1]
    # Ours names the steps: one Sid per step (and the step that passes the role).
    assert {s.sid: s.steps for s in ours_policy.statements} == {
        "CreateTrainingJob": ("createTrainingJob",),
        "CreateTrainingJobPassRole": ("createTrainingJob",),
        "PollTrainingJob": ("pollTrainingJob",),
    }


def test_state_machine_policy_matches_step_functions_but_for_the_exact_job() -> None:
    """The execution role of ``export_asl``'s ``.sync`` state machine needs what AWS generates."""
    policy = state_machine_policy(arazzo_runner.load(FLAGSHIP), None, INPUTS, region=REGION, account_id=ACCOUNT)
    theirs, ours = _permissions(_seed()), _permissions(policy.to_dict())
    assert set(ours) == set(theirs)
    differing = {action for action in ours if ours[action] != theirs[action]}
    assert differing == {"sagemaker:CreateTrainingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopTrainingJob"}
    for action in differing:  # the exact job the inputs name, not every name starting with it
        assert (ours[action][0], theirs[action][0]) == ((JOB_ARN,), (JOB_ARN + "*",))
    assert [s["Action"] for s in policy.to_dict()["Statement"]] == [s["Action"] for s in _seed()["Statement"][:2]] + [
        _seed()["Statement"][3]["Action"],
        _seed()["Statement"][2]["Action"],
    ]
