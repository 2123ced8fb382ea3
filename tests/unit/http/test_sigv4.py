"""SigV4 auth without a server: what is signed, re-signing, host restriction, credential errors, secrets."""

from __future__ import annotations

import botocore.session
import httpx
import pytest

from arazzo_runner.http import AwsEnvironment, CredentialsError, SigV4Auth, redacted_headers

KEY, SECRET, TOKEN = "AKIAEXAMPLEKEY000000", "secretKeyValue/abcdefghijklmnopqrstuvwx", "tokenValue+xyz=="


def _env(token: str | None = TOKEN, region: str | None = None) -> AwsEnvironment:
    session = botocore.session.Session()
    session.set_credentials(KEY, SECRET, token)
    return AwsEnvironment(session=session, region=region, environ={})


def _send(
    auth: httpx.Auth, url: str = "https://api.sagemaker.eu-west-2.amazonaws.com/"
) -> list[httpx.Request]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    with httpx.Client(transport=httpx.MockTransport(handler)) as client:
        request = client.build_request(
            "POST", url, content=b'{"a":1}', headers={"X-Amz-Target": "SageMaker.X"}
        )
        client.send(request, auth=auth)
        client.send(request, auth=auth)  # a retry: signed again, not twice
    return seen


def test_signs_with_region_from_host_and_signing_name() -> None:
    (_first, second) = _send(SigV4Auth(_env(), signing_name="sagemaker"))
    authorization = second.headers["Authorization"]
    assert authorization.startswith(f"AWS4-HMAC-SHA256 Credential={KEY}/")
    assert "/eu-west-2/sagemaker/aws4_request" in authorization
    assert "x-amz-target" in authorization and "host" in authorization
    assert second.headers.get_list("Authorization") == [authorization]
    assert second.headers["X-Amz-Security-Token"] == TOKEN


def test_explicit_region_and_host_service_fallback() -> None:
    (_, request) = _send(SigV4Auth(_env(region="ap-south-1")))
    assert "/ap-south-1/sagemaker/aws4_request" in request.headers["Authorization"]


def test_other_hosts_are_never_signed() -> None:
    auth = SigV4Auth(_env(), signing_name="sagemaker", hosts=["api.sagemaker.us-east-1.amazonaws.com"])
    (request, _) = _send(auth, "https://evil.example.com/")
    assert "Authorization" not in request.headers and "X-Amz-Security-Token" not in request.headers


def test_missing_credentials_say_what_to_set(monkeypatch, tmp_path) -> None:
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(CredentialsError) as caught:
        _send(SigV4Auth(AwsEnvironment(), signing_name="sagemaker"))
    message = str(caught.value)
    assert "AWS_ACCESS_KEY_ID" in message and "AWS_SECRET_ACCESS_KEY" in message and "AWS_PROFILE" in message


def test_credentials_from_the_environment_chain(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.setenv("AWS_REGION", "ca-central-1")
    env = AwsEnvironment()
    assert env.region == "ca-central-1"
    (_, request) = _send(SigV4Auth(env, signing_name="sagemaker"), "http://127.0.0.1:9/")
    assert "/ca-central-1/sagemaker/aws4_request" in request.headers["Authorization"]
    assert "X-Amz-Security-Token" not in request.headers


def test_no_secret_in_reprs_or_redacted_headers() -> None:
    env = _env()
    auth = SigV4Auth(env, signing_name="sagemaker")
    (_, request) = _send(auth)
    shown = " ".join([repr(env), repr(auth), repr(request), str(redacted_headers(request.headers))])
    for secret in (SECRET, TOKEN, request.headers["Authorization"]):
        assert secret not in shown
