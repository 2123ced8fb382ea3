"""SigV4 against moto's server with signature checking on: the flagship's two SageMaker calls.

Accepted with the IAM user's key; a wrong secret is rejected with ``SignatureDoesNotMatch``
surfaced as a typed error with a plain hint; a body changed after signing is rejected; a retried
request is signed again; no secret shows up in any error, repr or redacted header dump.
"""

from __future__ import annotations

import uuid

import botocore.session
import httpx
import pytest

from arazzo_runner.http import (
    ApiError,
    AwsEnvironment,
    RequestBody,
    StepParameter,
    build_request,
    endpoint_for,
    redacted_headers,
    send_with_retries,
)
from arazzo_runner.http.retries import RetryPolicy
from tests.unit.http.sources import SAGEMAKER, openapi_source, operation


@pytest.fixture(scope="module")
def sagemaker():
    source = openapi_source(SAGEMAKER, "sagemakerApi")
    return source, operation(source, "CreateTrainingJob"), operation(source, "DescribeTrainingJob")


def environment(access_key: str, secret: str, token: str | None = None) -> AwsEnvironment:
    session = botocore.session.Session()
    session.set_credentials(access_key, secret, token)
    return AwsEnvironment(session=session, region="us-east-1", environ={})


def create_body(name: str) -> RequestBody:
    return RequestBody(
        payload={
            "TrainingJobName": name,
            "AlgorithmSpecification": {
                "TrainingImage": "123.dkr.ecr/img:latest",
                "TrainingInputMode": "File",
            },
            "RoleArn": "arn:aws:iam::123456789012:role/SageMakerRole",
            "InputDataConfig": None,  # optional input not given: left out of the body
            "OutputDataConfig": {"S3OutputPath": "s3://bucket/out"},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
            "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        },
        content_type="application/x-amz-json-1.1",
    )


def call(client, source, operation, env, moto_url, body, target):
    endpoint = endpoint_for(source, operation, aws=env, server_override=moto_url)
    request = build_request(
        source,
        operation,
        [StepParameter("X-Amz-Target", "header", target)],
        body,
        base_url=endpoint.base_url,
    )
    return endpoint, request


def describe_job(moto, source, describe, env, name):
    """DescribeTrainingJob ``name`` with ``env``'s credentials: (sent request, result)."""
    with httpx.Client() as client:
        endpoint, request = call(
            client,
            source,
            describe,
            env,
            moto.url,
            RequestBody({"TrainingJobName": name}, "application/x-amz-json-1.1"),
            "SageMaker.DescribeTrainingJob",
        )
        return request, send_with_retries(client, request, policy=endpoint.retry_policy, auth=endpoint.auth)


def test_flagship_calls_are_accepted(moto, sagemaker):
    source, create, describe = sagemaker
    env = environment(moto.access_key_id, moto.secret_access_key)
    name = f"job-{uuid.uuid4().hex[:8]}"
    with httpx.Client() as client:
        endpoint, request = call(
            client, source, create, env, moto.url, create_body(name), "SageMaker.CreateTrainingJob"
        )
        assert b"InputDataConfig" not in request.content
        result = send_with_retries(client, request, policy=endpoint.retry_policy, auth=endpoint.auth)
        assert result.response.status_code == 200, result.response.body
        assert result.response.body["TrainingJobArn"].endswith(f"training-job/{name}")
        assert "AWS4-HMAC-SHA256" in request.headers["Authorization"]
        assert "/sagemaker/aws4_request" in request.headers["Authorization"]

        _, result = describe_job(moto, source, describe, env, name)
        assert result.response.status_code == 200
        assert result.response.body["TrainingJobStatus"] in {"InProgress", "Completed"}


def test_unknown_job_is_a_typed_validation_error(moto, sagemaker):
    source, _, describe = sagemaker
    env = environment(moto.access_key_id, moto.secret_access_key)
    _, result = describe_job(moto, source, describe, env, "no-such-job")
    assert result.response.status_code == 400
    assert result.response.error.code == "ValidationException"
    assert result.attempts == 1  # not a retryable code


def test_wrong_secret_is_rejected_plainly(moto, sagemaker):
    source, _, describe = sagemaker
    wrong = "wrongSecretKey0123456789abcdefghijklmnopq"
    env = environment(moto.access_key_id, wrong)
    _, result = describe_job(moto, source, describe, env, "x")
    info = result.response.error
    assert result.response.status_code == 403
    assert info.code == "SignatureDoesNotMatch"
    assert info.is_auth_failure
    error = ApiError(info)
    assert "SignatureDoesNotMatch" in str(error)
    assert "AWS_SECRET_ACCESS_KEY" in str(error)
    assert wrong not in str(error) and wrong not in repr(error)


def test_unknown_access_key_is_rejected(moto, sagemaker):
    source, _, describe = sagemaker
    env = environment("AKIAUNKNOWNKEY000000", moto.secret_access_key)
    _, result = describe_job(moto, source, describe, env, "x")
    assert result.response.error.code == "InvalidClientTokenId"
    assert "AWS_ACCESS_KEY_ID" in str(result.response.error)


class _TamperAfterSigning(httpx.Auth):
    """Signs with the real auth, then changes the body (what a buggy proxy would do)."""

    def __init__(self, inner: httpx.Auth) -> None:
        self.inner = inner

    def auth_flow(self, request):
        self.inner.sign(request)  # type: ignore[attr-defined]
        tampered = request.content.replace(b'"x"', b'"y"')
        request.stream = httpx.ByteStream(tampered)
        request._content = tampered
        yield request


def test_body_altered_after_signing_is_rejected(moto, sagemaker):
    source, _, describe = sagemaker
    env = environment(moto.access_key_id, moto.secret_access_key)
    with httpx.Client() as client:
        endpoint, request = call(
            client,
            source,
            describe,
            env,
            moto.url,
            RequestBody({"TrainingJobName": "x"}),
            "SageMaker.DescribeTrainingJob",
        )
        response = client.send(request, auth=_TamperAfterSigning(endpoint.auth))
    assert response.status_code == 403
    assert b"SignatureDoesNotMatch" in response.content


def test_retried_request_is_signed_again(moto, sagemaker):
    """Attempt 1 is throttled by a wrapping transport; attempt 2 must carry a fresh, valid signature."""
    source, _, describe = sagemaker
    env = environment(moto.access_key_id, moto.secret_access_key)
    signatures: list[str] = []
    real = httpx.HTTPTransport()

    def handler(request: httpx.Request) -> httpx.Response:
        signatures.append(request.headers["Authorization"])
        if len(signatures) == 1:
            return httpx.Response(400, json={"__type": "ThrottlingException", "message": "Rate exceeded"})
        response = real.handle_request(request)
        response.read()
        return response

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        endpoint, request = call(
            client,
            source,
            describe,
            env,
            moto.url,
            RequestBody({"TrainingJobName": "x"}),
            "SageMaker.DescribeTrainingJob",
        )
        sleeps: list[float] = []
        policy = RetryPolicy.aws_standard(rng=lambda: 0.5)
        result = send_with_retries(client, request, policy=policy, auth=endpoint.auth, sleep=sleeps.append)
    assert result.attempts == 2 and sleeps == [0.5]
    assert result.retries[0].reason == "ThrottlingException"
    assert result.response.error.code == "ValidationException"  # moto accepted the re-signed request
    assert request.headers.get_list("Authorization") == [signatures[-1]]


def test_session_token_is_sent_and_never_shown(moto, sagemaker):
    source, _, describe = sagemaker
    token = "SESSIONTOKENsecret/abc+def=="
    env = environment(moto.access_key_id, moto.secret_access_key, token)
    with httpx.Client() as client:
        endpoint, request = call(
            client,
            source,
            describe,
            env,
            moto.url,
            RequestBody({"TrainingJobName": "x"}),
            "SageMaker.DescribeTrainingJob",
        )
        client.send(request, auth=endpoint.auth)
    assert request.headers["X-Amz-Security-Token"] == token
    shown = " ".join(
        [
            repr(request),
            repr(endpoint),
            repr(endpoint.auth),
            repr(env),
            str(redacted_headers(request.headers)),
        ]
    )
    for secret in (token, moto.secret_access_key, request.headers["Authorization"]):
        assert secret not in shown
