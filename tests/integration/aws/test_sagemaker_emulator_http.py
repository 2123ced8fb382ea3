"""The SageMaker emulator over real HTTP on 127.0.0.1: botocore's own client and the runner's signer.

No real sleeps: progress is counted in Describe calls, and botocore's waiter runs with Delay 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import botocore.session
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, WaiterError

from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from arazzo_runner.http import AwsEnvironment, SigV4Auth

NO_RETRIES = Config(retries={"max_attempts": 1, "mode": "standard"})


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    with EmulatorServer(SageMakerEmulator(in_progress=3)) as running:
        yield running


@pytest.fixture
def emulator(server: EmulatorServer) -> Iterator[SageMakerEmulator]:
    server.emulator.reset()
    yield server.emulator


def client(url: str, secret: str = DEMO_SECRET_ACCESS_KEY):
    return botocore.session.get_session().create_client(
        "sagemaker",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=DEMO_ACCESS_KEY_ID,
        aws_secret_access_key=secret,
        config=NO_RETRIES,
    )


def create(sagemaker, name: str) -> str:
    return sagemaker.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": "123.dkr.ecr/img:1", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
        OutputDataConfig={"S3OutputPath": "s3://bucket/out"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )["TrainingJobArn"]


def test_botocore_waiter_one_create_and_n_plus_one_describes(server, emulator) -> None:
    sagemaker = client(server.url)
    arn = create(sagemaker, "waited")
    sagemaker.get_waiter("training_job_completed_or_stopped").wait(
        TrainingJobName="waited", WaiterConfig={"Delay": 0, "MaxAttempts": 10}
    )
    assert emulator.count("CreateTrainingJob") == 1
    assert emulator.count("DescribeTrainingJob") == 4  # InProgress 3 times, then Completed
    answer = sagemaker.describe_training_job(TrainingJobName="waited")
    assert answer["TrainingJobArn"] == arn and answer["TrainingJobStatus"] == "Completed"
    assert answer["ModelArtifacts"]["S3ModelArtifacts"] == "s3://bucket/out/waited/output/model.tar.gz"
    assert answer["CreationTime"].tzinfo is not None  # epoch seconds parsed by botocore as timestamps
    assert [t["Status"] for t in answer["SecondaryStatusTransitions"]][-1] == "Completed"


def test_failed_job_fails_the_waiter_with_its_reason(server, emulator) -> None:
    emulator.script_job(
        "training", "broken", outcome="Failed", in_progress=1, failure_reason="AlgorithmError: oops"
    )
    sagemaker = client(server.url)
    create(sagemaker, "broken")
    with pytest.raises(WaiterError, match="Failed"):
        sagemaker.get_waiter("training_job_completed_or_stopped").wait(
            TrainingJobName="broken", WaiterConfig={"Delay": 0, "MaxAttempts": 10}
        )
    assert (
        sagemaker.describe_training_job(TrainingJobName="broken")["FailureReason"] == "AlgorithmError: oops"
    )


def test_stop_duplicate_unknown_and_missing_members(server, emulator) -> None:
    sagemaker = client(server.url)
    create(sagemaker, "to-stop")
    sagemaker.stop_training_job(TrainingJobName="to-stop")
    assert sagemaker.describe_training_job(TrainingJobName="to-stop")["TrainingJobStatus"] == "Stopping"
    assert sagemaker.describe_training_job(TrainingJobName="to-stop")["TrainingJobStatus"] == "Stopped"
    with pytest.raises(ClientError) as duplicate:
        create(sagemaker, "to-stop")
    assert duplicate.value.response["Error"]["Code"] == "ResourceInUse"
    assert duplicate.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    with pytest.raises(ClientError) as unknown:
        sagemaker.describe_training_job(TrainingJobName="never-created")
    assert unknown.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Requested resource not found.",
    }
    assert len(emulator.jobs.jobs("training")) == 1


def test_wrong_secret_is_refused_with_a_json_error(server, emulator) -> None:
    with pytest.raises(ClientError) as refused:
        client(server.url, secret="not-the-secret").describe_training_job(TrainingJobName="x")
    error = refused.value.response
    assert error["Error"]["Code"] == "SignatureDoesNotMatch"
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_transform_processing_and_model_with_botocore(server, emulator) -> None:
    sagemaker = client(server.url)
    sagemaker.create_model(
        ModelName="m1",
        PrimaryContainer={"Image": "img", "ModelDataUrl": "s3://bucket/out/model.tar.gz"},
        ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
    )
    assert sagemaker.describe_model(ModelName="m1")["PrimaryContainer"]["Image"] == "img"
    sagemaker.create_transform_job(
        TransformJobName="t1",
        ModelName="m1",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://b/in"}}},
        TransformOutput={"S3OutputPath": "s3://b/pred"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1},
    )
    sagemaker.get_waiter("transform_job_completed_or_stopped").wait(
        TransformJobName="t1", WaiterConfig={"Delay": 0, "MaxAttempts": 10}
    )
    sagemaker.create_processing_job(
        ProcessingJobName="p1",
        AppSpecification={"ImageUri": "img"},
        RoleArn="arn:aws:iam::123456789012:role/r",
        ProcessingResources={
            "ClusterConfig": {"InstanceType": "ml.t3.medium", "InstanceCount": 1, "VolumeSizeInGB": 10}
        },
    )
    sagemaker.stop_processing_job(ProcessingJobName="p1")
    sagemaker.get_waiter("processing_job_completed_or_stopped").wait(
        ProcessingJobName="p1", WaiterConfig={"Delay": 0, "MaxAttempts": 10}
    )
    assert sagemaker.describe_processing_job(ProcessingJobName="p1")["ProcessingJobStatus"] == "Stopped"


def runner_client(url: str) -> httpx.Client:
    """The runner's own signer (``arazzo_runner.http.SigV4Auth``) in front of httpx."""
    session = botocore.session.Session()
    session.set_credentials(DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY)
    auth = SigV4Auth(
        AwsEnvironment(session=session, region="us-east-1", environ={}), signing_name="sagemaker"
    )
    return httpx.Client(base_url=url, auth=auth)


def call(http: httpx.Client, operation: str, body: dict) -> httpx.Response:
    return http.post(
        "/",
        content=json.dumps(body),
        headers={"X-Amz-Target": f"SageMaker.{operation}", "Content-Type": "application/x-amz-json-1.1"},
    )


def test_faults_validation_and_admin_endpoints_through_the_runner_signer(server, emulator) -> None:
    with runner_client(server.url) as http:
        missing = call(http, "CreateTrainingJob", {"TrainingJobName": "v"})
        assert missing.status_code == 400
        assert missing.json() == {
            "__type": "ValidationException",
            "message": "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint:"
            " Member must not be null; Value null at 'outputDataConfig' failed to satisfy constraint: Member"
            " must not be null",
        }
        unknown = call(http, "DeleteEverything", {})
        assert unknown.json()["__type"] == "UnknownOperationException"

        scripted = http.post("/_emulator/jobs", json={"kind": "training", "name": "lost", "inProgress": 0})
        assert scripted.status_code == 200
        http.post(
            "/_emulator/faults",
            json={"operation": "CreateTrainingJob", "code": "InternalFailure", "when": "after"},
        )
        http.post("/_emulator/faults", json={"operation": "DescribeTrainingJob", "times": 2})
        body = {"TrainingJobName": "lost", "RoleArn": "r", "OutputDataConfig": {"S3OutputPath": "s3://b/o"}}
        lost = call(http, "CreateTrainingJob", body)
        assert lost.status_code == 500 and lost.json()["__type"] == "InternalFailure"
        retried = call(http, "CreateTrainingJob", body)  # the job exists: a retry meets ResourceInUse
        assert retried.json()["__type"] == "ResourceInUse"
        throttled = [call(http, "DescribeTrainingJob", {"TrainingJobName": "lost"}) for _ in range(3)]
        assert [r.status_code for r in throttled] == [400, 400, 200]
        assert throttled[0].headers["x-amzn-ErrorType"] == "ThrottlingException"
        assert throttled[2].json()["TrainingJobStatus"] == "Completed"

        calls = http.get("/_emulator/calls").json()
        assert calls["counts"] == {"CreateTrainingJob": 3, "DeleteEverything": 1, "DescribeTrainingJob": 3}
        assert calls["calls"][2] == {
            "operation": "CreateTrainingJob",
            "name": "lost",
            "status": 500,
            "code": "InternalFailure",
        }
        assert len(emulator.jobs.jobs("training")) == 1
        assert http.post("/_emulator/reset").status_code == 200
        assert http.get("/_emulator/calls").json()["calls"] == []
        assert http.post("/_emulator/nothing").status_code == 404


def test_unsigned_requests_are_refused(server, emulator) -> None:
    answer = httpx.post(
        server.url + "/", content=b"{}", headers={"X-Amz-Target": "SageMaker.DescribeTrainingJob"}
    )
    assert answer.status_code == 403
    assert answer.json()["__type"] == "MissingAuthenticationTokenException"
