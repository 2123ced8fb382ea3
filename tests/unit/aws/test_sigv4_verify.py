"""The emulator's SigV4 check: requests signed by the runner's own ``SigV4Auth`` pass, anything else is refused."""

from __future__ import annotations

import time

import botocore.session
import httpx
import pytest

from arazzo_runner.aws.sigv4_verify import Credential, verify_sigv4
from arazzo_runner.http import AwsEnvironment, SigV4Auth

KEY, SECRET, TOKEN = "AKIATESTKEY000000001", "test/secret/key", "session-token"


def signed(
    secret: str = SECRET,
    token: str | None = None,
    body: bytes = b'{"TrainingJobName":"j"}',
    signing_name: str = "sagemaker",
) -> httpx.Request:
    session = botocore.session.Session()
    session.set_credentials(KEY, secret, token)
    auth = SigV4Auth(
        AwsEnvironment(session=session, region="us-east-1", environ={}), signing_name=signing_name
    )
    request = httpx.Request(
        "POST",
        "http://127.0.0.1:8080/",
        headers={
            "X-Amz-Target": "SageMaker.DescribeTrainingJob",
            "Content-Type": "application/x-amz-json-1.1",
        },
        content=body,
    )
    auth.sign(request)
    return request


def check(request: httpx.Request, *, body: bytes | None = None, credentials=None, **options):
    return verify_sigv4(
        method=request.method,
        target=request.url.raw_path.decode(),
        headers=list(request.headers.multi_items()),
        body=request.content if body is None else body,
        credentials=credentials or {KEY: Credential(SECRET)},
        service="sagemaker",
        **options,
    )


def test_a_request_signed_by_the_runner_passes() -> None:
    assert check(signed()) is None
    assert check(signed(token=TOKEN), credentials={KEY: Credential(SECRET, TOKEN)}) is None
    assert check(signed(), region="us-east-1") is None


@pytest.mark.parametrize(
    ("request_factory", "options", "code"),
    [
        (lambda: signed(secret="wrong"), {}, "SignatureDoesNotMatch"),
        (lambda: signed(), {"body": b'{"TrainingJobName":"other"}'}, "SignatureDoesNotMatch"),
        (lambda: signed(signing_name="s3"), {}, "SignatureDoesNotMatch"),
        (lambda: signed(), {"region": "eu-west-1"}, "SignatureDoesNotMatch"),
        (lambda: signed(), {"credentials": {"AKIAOTHER": Credential(SECRET)}}, "UnrecognizedClientException"),
        (
            lambda: signed(),
            {"credentials": {KEY: Credential(SECRET, "expected-token")}},
            "UnrecognizedClientException",
        ),
        (lambda: signed(), {"now": time.time() + 3600}, "InvalidSignatureException"),
    ],
)
def test_refusals(request_factory, options, code: str) -> None:
    failure = check(request_factory(), **options)
    assert failure is not None and failure.code == code and failure.status == 403


def test_missing_or_malformed_authorization() -> None:
    request = signed()
    del request.headers["Authorization"]
    assert check(request).code == "MissingAuthenticationTokenException"
    request.headers["Authorization"] = "AWS4-HMAC-SHA256 Credential=x"
    assert check(request).code == "IncompleteSignatureException"
    changed = signed()
    changed.headers["X-Amz-Target"] = "SageMaker.StopTrainingJob"  # a signed header changed after signing
    assert check(changed).code == "SignatureDoesNotMatch"
