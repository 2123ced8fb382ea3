"""No secret reaches a recording: credentials headers, query keys, cookies, apiKeys, secret inputs."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import httpx

import arazzo_runner
from arazzo_runner.http import AwsEnvironment
from arazzo_runner.recording import Recorder, Redactor, read_har, record, replay, write_har

from .conftest import FLAGSHIP_INPUTS

HERE = Path(__file__).parent
SECRETS = {
    "apiToken": "tok-SECRET-123",
    "pin": "9876-pin-secret",
}
EVERY_SECRET = [
    *SECRETS.values(),
    "cookie-secret-value",
    "set-cookie-secret",
    "sts-secret-key-value",
    "sts-session-token-value",
]


def _echo(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    return httpx.Response(
        200,
        json={
            "pin": body["pin"],
            "Credentials": {
                "SecretAccessKey": "sts-secret-key-value",
                "SessionToken": "sts-session-token-value",
            },
        },
        headers={"Set-Cookie": "sid=set-cookie-secret"},
    )


def test_secret_inputs_api_keys_and_cookies_never_reach_the_file(tmp_path) -> None:
    document = arazzo_runner.load(HERE / "secrets.arazzo.yaml")
    har = tmp_path / "run.har"
    result = record(document, None, {"user": "ann", **SECRETS}, har, transport=httpx.MockTransport(_echo))
    assert result.succeeded, result.error
    text = har.read_text()
    for secret in EVERY_SECRET:
        assert secret not in text, secret
    recording = read_har(har)
    request = recording.exchanges[0].request
    assert request.url.endswith("/login?sessionKey=[redacted]")
    assert request.header("x-api-key") == "[redacted]" and request.header("cookie") == "[redacted]"
    assert json.loads(request.body) == {"user": "ann", "pin": "***", "note": "pin is ***"}
    assert recording.inputs == {"user": "ann", "apiToken": "***", "pin": "***"}
    # …and the redacted recording still replays, with the real secrets or with the masked inputs.
    assert replay(document, har, inputs={"user": "ann", **SECRETS}).ok
    assert replay(document, har).ok


def test_sigv4_credentials_and_session_token_never_reach_the_file(flagship, tmp_path) -> None:
    session = botocore.session.Session()
    session.set_credentials("AKIASECRETKEYID12345", "secret/access/key/VALUE", "SESSION-TOKEN-VALUE-42")
    aws = AwsEnvironment(region="us-east-1", session=session)
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = (
            {"TrainingJobArn": "arn:1"}
            if b"AlgorithmSpecification" in request.content
            else {"TrainingJobStatus": "Completed"}
        )
        return httpx.Response(200, json=body, headers={"content-type": "application/x-amz-json-1.1"})

    har = tmp_path / "signed.har"
    result = record(flagship, None, FLAGSHIP_INPUTS, har, transport=httpx.MockTransport(answer), aws=aws)
    assert result.succeeded, result.error
    assert seen[0].headers["X-Amz-Security-Token"] == "SESSION-TOKEN-VALUE-42"  # it was really sent
    text = har.read_text()
    for secret in ("AKIASECRETKEYID12345", "secret/access/key/VALUE", "SESSION-TOKEN-VALUE-42", "Signature="):
        assert secret not in text, secret


def test_presigned_query_credentials_are_redacted(tmp_path) -> None:
    recorder = Recorder()
    url = (
        "https://bucket.s3.amazonaws.com/key?X-Amz-Algorithm=AWS4-HMAC-SHA256"
        "&X-Amz-Credential=AKIAPRESIGNED0000001%2F20250101%2Fus-east-1%2Fs3%2Faws4_request"
        "&X-Amz-Signature=deadbeefcafe&X-Amz-Security-Token=presigned-token"
    )
    transport = recorder.transport(httpx.MockTransport(lambda r: httpx.Response(200, text="ok")))
    with httpx.Client(transport=transport) as client:
        client.get(url, headers={"Authorization": "Bearer bearer-secret", "Cookie": "a=cookie-secret"})
    har = tmp_path / "presigned.har"
    write_har(har, recorder.recording(Redactor()))
    text = har.read_text()
    for secret in (
        "AKIAPRESIGNED0000001",
        "deadbeefcafe",
        "presigned-token",
        "bearer-secret",
        "cookie-secret",
    ):
        assert secret not in text, secret
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in text  # what is not secret stays readable
