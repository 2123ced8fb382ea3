"""The flagship's exported state machine: valid States Language, and run by moto's interpreter
with the same outputs as a local run of the workflow against the same moto server.

moto's limits met (moto 5.2.5): its interpreter has no optimised SageMaker integration
(``sagemaker`` is in its unsupported list), so the ``.sync`` export is parsed and accepted but
its execution fails; the ``aws-sdk`` export (``optimise=False``) is the one executed. moto's
training jobs are born ``Completed``, so the poll loop's ``Wait`` is never entered there. moto's
ASL lexer reads the key ``"RoleArn.$"`` as the ``Credentials`` keyword and fails the state
(``States.Runtime: 'RoleArn.$'``), so for moto only the binding is replaced by the literal role
the inputs give (:func:`_for_moto`); the definition exported and schema-checked is unchanged.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import botocore.session
import pytest

import arazzo_runner
from arazzo_runner import export_asl
from arazzo_runner.aws.asl_schema import asl_schema_problems
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import flagship_inputs
from tests.moto_servers import moto_server

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = flagship_inputs()
REGION = "us-east-1"
CREDENTIALS = {"aws_access_key_id": "AKIAEXAMPLE000000000", "aws_secret_access_key": "not-checked-here"}


@pytest.fixture(scope="module")
def moto_sfn() -> Iterator[str]:
    with moto_server(HERE / "moto_sfn_process.py") as url:
        import httpx

        httpx.post(f"{url}/moto-api/config", json={"stepfunctions": {"execute_state_machine": True}}).raise_for_status()
        yield url


def _sfn(url: str):
    return botocore.session.Session().create_client(
        "stepfunctions", region_name=REGION, endpoint_url=url, **CREDENTIALS
    )


def _execute(url: str, definition: dict, inputs: dict) -> dict:
    """Create the state machine, run it, wait for its end (moto runs it on a thread)."""
    sfn = _sfn(url)
    machine = sfn.create_state_machine(
        name=f"arazzo-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/StepFunctionsRole",
    )["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(inputs))["executionArn"]
    deadline = time.monotonic() + 30
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.monotonic() > deadline:
            return described
        time.sleep(0.05)  # waiting for moto's interpreter thread, not pacing anything of ours


def _for_moto(definition: dict, role_arn: str) -> dict:
    """The definition with ``"RoleArn.$": "$.inputs.roleArn"`` replaced by the literal role."""
    text = json.dumps(definition).replace('"RoleArn.$": "$.inputs.roleArn"', f'"RoleArn": {json.dumps(role_arn)}')
    assert text != json.dumps(definition)
    return json.loads(text)


def _local_run(url: str, inputs: dict, monkeypatch) -> dict:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", CREDENTIALS["aws_access_key_id"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", CREDENTIALS["aws_secret_access_key"])
    monkeypatch.setenv("AWS_REGION", REGION)
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    result = arazzo_runner.load(FLAGSHIP).run(
        None, inputs, servers={"sagemakerApi": url}, options=RunOptions(pacing=PollPacing(interval=0))
    )
    assert result.status == "succeeded", result.error
    return dict(result.outputs)


@pytest.mark.parametrize("optimise", [True, False])
def test_flagship_exports_completely_and_validates(optimise: bool) -> None:
    exported = export_asl(arazzo_runner.load(FLAGSHIP), optimise=optimise)
    assert exported.untranslatable == ()
    assert asl_schema_problems(exported.definition) == []
    resources = {s.get("Resource") for s in exported.definition["States"].values()} - {None}
    if optimise:
        assert resources == {"arn:aws:states:::sagemaker:createTrainingJob.sync"}
        assert exported.sync_tasks == (("createTrainingJob", "pollTrainingJob"),)
    else:
        assert resources == {
            "arn:aws:states:::aws-sdk:sagemaker:createTrainingJob",
            "arn:aws:states:::aws-sdk:sagemaker:describeTrainingJob",
        }
        kinds = {name: s["Type"] for name, s in exported.definition["States"].items()}
        assert kinds["pollTrainingJob: wait before pollTrainingJob"] == "Wait"
        assert kinds["pollTrainingJob: on success"] == "Choice"


def test_schema_check_finds_a_broken_definition() -> None:
    definition = export_asl(arazzo_runner.load(FLAGSHIP)).definition
    broken = {**definition, "States": {**definition["States"], "Outputs": {"Type": "Bogus"}}}
    assert any(p.startswith("/States/Outputs/Type:") for p in asl_schema_problems(broken))
    assert asl_schema_problems({"States": {}}) != []


@pytest.mark.parametrize("with_optional", [True, False], ids=["inputDataConfig", "no-inputDataConfig"])
def test_moto_runs_the_state_machine_to_the_local_runs_outputs(moto_sfn, monkeypatch, with_optional) -> None:
    inputs = {**INPUTS, "trainingJobName": f"asl-{uuid.uuid4().hex[:10]}"}
    if not with_optional:
        del inputs["inputDataConfig"]
    local = _local_run(moto_sfn, inputs, monkeypatch)
    exported = export_asl(arazzo_runner.load(FLAGSHIP), optimise=False)
    described = _execute(moto_sfn, _for_moto(exported.definition, inputs["roleArn"]), inputs)
    assert described["status"] == "SUCCEEDED", (described.get("error"), described.get("cause"))
    assert json.loads(described["output"]) == local
    assert local["trainingJobStatus"] == "Completed"


def test_moto_has_no_optimised_sagemaker_integration(moto_sfn) -> None:
    """A limit of moto, recorded so that this test says so when moto gains it."""
    inputs = {**INPUTS, "trainingJobName": f"asl-{uuid.uuid4().hex[:10]}"}
    definition = _for_moto(export_asl(arazzo_runner.load(FLAGSHIP)).definition, inputs["roleArn"])
    described = _execute(moto_sfn, definition, inputs)
    assert described["status"] == "FAILED"
    assert "Unsupported sync callback procedure" in described.get("cause", "")
