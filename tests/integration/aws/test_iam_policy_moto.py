"""The generated IAM policy, enforced by moto: exactly enough to run the flagship, nothing spare.

A user holding exactly ``arazzo iam-policy``'s policy runs the unmodified flagship against moto's
server; the same policy minus any one statement is refused at the step that statement names; a
different job name or role than the policy was made for is refused too (resources are checked,
see moto_iam_process.py for what the harness adds to moto's enforcement).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner import iam_policy
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import flagship_inputs
from tests.moto_servers import admin_access_key, iam_client, moto_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = flagship_inputs()
ACCOUNT = "123456789012"  # moto's default account
REGION = "us-east-1"


@pytest.fixture(scope="module")
def moto_iam() -> Iterator[tuple[str, object]]:
    """moto enforcing IAM (after 3 free calls that make an admin), and the admin's IAM client."""
    with moto_server(HERE / "moto_iam_process.py", "3") as url:
        yield url, iam_client(url, *admin_access_key(url, "admin"), region=REGION)


def _user_with(admin, policy: dict) -> tuple[str, str]:
    name = f"u-{uuid.uuid4().hex[:10]}"
    admin.create_user(UserName=name)
    admin.put_user_policy(UserName=name, PolicyName="generated", PolicyDocument=json.dumps(policy))
    key = admin.create_access_key(UserName=name)["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def _run(moto_iam, monkeypatch, policy: dict, inputs: dict):
    url, admin = moto_iam
    key, secret = _user_with(admin, policy)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    events: list = []
    result = arazzo_runner.load(FLAGSHIP).run(
        None,
        inputs,
        servers={"sagemakerApi": url},
        options=RunOptions(pacing=PollPacing(interval=0)),
        on_event=events.append,
    )
    refused = [(e.step_id, e.error_code) for e in events if e.kind == "response_received" and e.error_code]
    return result, refused


def _policy_for(inputs: dict):
    return iam_policy(arazzo_runner.load(FLAGSHIP), None, inputs, region=REGION, account_id=ACCOUNT)


def _inputs() -> dict:
    return {**INPUTS, "trainingJobName": f"iam-{uuid.uuid4().hex[:12]}"}


def test_exactly_the_generated_policy_runs_the_flagship(moto_iam, monkeypatch) -> None:
    inputs = _inputs()
    policy = _policy_for(inputs)
    assert [s.sid for s in policy.statements] == [
        "CreateTrainingJob",
        "CreateTrainingJobPassRole",
        "PollTrainingJob",
    ]
    result, refused = _run(moto_iam, monkeypatch, policy.to_dict(), inputs)
    assert refused == []
    assert result.status == "succeeded", result.error
    assert result.outputs["trainingJobArn"] == (
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/{inputs['trainingJobName']}"
    )
    assert result.outputs["trainingJobStatus"] == "Completed"


@pytest.mark.parametrize(
    ("sid", "step"),
    [
        ("CreateTrainingJob", "createTrainingJob"),
        ("CreateTrainingJobPassRole", "createTrainingJob"),
        ("PollTrainingJob", "pollTrainingJob"),
    ],
)
def test_each_statement_is_needed(moto_iam, monkeypatch, sid: str, step: str) -> None:
    inputs = _inputs()
    policy = _policy_for(inputs).without(sid)
    result, refused = _run(moto_iam, monkeypatch, policy.to_dict(), inputs)
    assert result.status == "failed"
    assert refused == [(step, "AccessDenied")]


def test_another_job_name_is_refused(moto_iam, monkeypatch) -> None:
    policy = _policy_for(_inputs())
    result, refused = _run(moto_iam, monkeypatch, policy.to_dict(), _inputs())
    assert result.status == "failed"
    assert refused == [("createTrainingJob", "AccessDenied")]


def test_another_role_is_refused(moto_iam, monkeypatch) -> None:
    inputs = _inputs()
    policy = _policy_for(inputs)
    other = {**inputs, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/SomeoneElsesRole"}
    result, refused = _run(moto_iam, monkeypatch, policy.to_dict(), other)
    assert result.status == "failed"
    assert refused == [("createTrainingJob", "AccessDenied")]
