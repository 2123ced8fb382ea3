"""Sources whose server is an AWS endpoint are signed with SigV4, whatever scheme they declare."""

from __future__ import annotations

import json
from pathlib import Path

import botocore.session
import httpx
import pytest

from arazzo_runner.http import AwsEnvironment, SecurityEnvironment, StepParameter, build_request, endpoint_for
from arazzo_runner.http.auths import HeaderAuth
from arazzo_runner.http.aws_recognition import aws_source_note
from arazzo_runner.http.sigv4 import SigV4Auth
from tests.unit.http.sources import ROOT, SAGEMAKER, openapi_source, operation

DATA = ROOT / "tests" / "data" / "aws" / "recognised"
DYNAMODB = DATA / "dynamodb-bearer.openapi.yml"
S3 = DATA / "s3-apikey.openapi.yml"


def aws(region: str | None = None) -> AwsEnvironment:
    session = botocore.session.Session()
    session.set_credentials("AKIDEXAMPLE", "secret")
    return AwsEnvironment(session=session, region=region, environ={"AWS_REGION": "eu-west-1"})


def security() -> SecurityEnvironment:
    return SecurityEnvironment({"sigv4Auth": {"token": "t0ken"}, "sigv4": {"apiKey": "k3y"}}, environ={})


def signed(path: Path, operation_id: str, *, region: str | None = None, override: str | None = None, **kw):
    source = openapi_source(path, "api")
    op = operation(source, operation_id)
    endpoint = endpoint_for(source, op, aws=aws(region), server_override=override, security=security(), **kw)
    return source, op, endpoint


def test_an_http_bearer_scheme_on_an_aws_host_is_replaced_by_sigv4() -> None:
    source, op, endpoint = signed(DYNAMODB, "putItem")
    assert isinstance(endpoint.auth, SigV4Auth) and endpoint.is_aws
    # The run's region fills {region}; the credential scope is the host's region and service.
    assert endpoint.base_url == "https://dynamodb.eu-west-1.amazonaws.com"
    request = build_request(
        source,
        op,
        [StepParameter("X-Amz-Target", "header", "DynamoDB_20120810.PutItem")],
        base_url=endpoint.base_url,
    )
    endpoint.auth.sign(request)
    assert "/eu-west-1/dynamodb/aws4_request" in request.headers["Authorization"]
    assert "t0ken" not in str(request.headers)


def test_the_declared_hosts_region_and_service_sign_requests_sent_elsewhere() -> None:
    source, op, endpoint = signed(S3, "ListBuckets", override="http://127.0.0.1:9")
    assert endpoint.base_url == "http://127.0.0.1:9"
    request = build_request(source, op, [], base_url=endpoint.base_url)
    endpoint.auth.sign(request)
    assert "/eu-west-1/s3/aws4_request" in request.headers["Authorization"]
    # S3's signer: the payload hash travels in X-Amz-Content-SHA256 (botocore's S3SigV4Auth).
    assert request.headers["X-Amz-Content-SHA256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    assert "k3y" not in str(request.headers)


def test_an_explicit_region_wins() -> None:
    source, op, endpoint = signed(S3, "ListBuckets", region="ap-south-1", override="http://127.0.0.1:9")
    request = build_request(source, op, [], base_url=endpoint.base_url)
    endpoint.auth.sign(request)
    assert "/ap-south-1/s3/aws4_request" in request.headers["Authorization"]


def test_no_aws_signing_keeps_the_declared_scheme() -> None:
    _, _, endpoint = signed(DYNAMODB, "putItem", aws_recognition=False)
    assert isinstance(endpoint.auth, HeaderAuth) and not endpoint.is_aws


def test_x_arazzo_aws_false_on_the_description_keeps_the_declared_scheme(tmp_path: Path) -> None:
    text = DYNAMODB.read_text().replace("info:\n", "info:\n  x-arazzo-aws: false\n", 1)
    (tmp_path / "d.yml").write_text(text)
    _, _, endpoint = signed(tmp_path / "d.yml", "putItem")
    assert isinstance(endpoint.auth, HeaderAuth)


def test_x_arazzo_aws_false_on_the_source_description_keeps_the_declared_scheme(tmp_path: Path) -> None:
    import arazzo_runner

    (tmp_path / "d.yml").write_text(DYNAMODB.read_text())
    (tmp_path / "w.arazzo.yml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions:\n- {name: db, url: d.yml, type: openapi, x-arazzo-aws: false}\n"
        "workflows:\n- workflowId: w\n  steps:\n  - {stepId: s, operationId: putItem}\n"
    )
    source = arazzo_runner.load(tmp_path / "w.arazzo.yml").sources["db"]
    endpoint = endpoint_for(source, operation(source, "putItem"), aws=aws(), security=security())
    assert isinstance(endpoint.auth, HeaderAuth)


def test_a_source_that_is_not_aws_keeps_its_scheme(tmp_path: Path) -> None:
    text = DYNAMODB.read_text().replace("https://dynamodb.{region}.amazonaws.com", "https://db.example.com")
    (tmp_path / "d.yml").write_text(text)
    _, _, endpoint = signed(tmp_path / "d.yml", "putItem")
    assert isinstance(endpoint.auth, HeaderAuth) and not endpoint.is_aws


def test_a_declared_sigv4_source_keeps_its_own_path() -> None:
    source = openapi_source(SAGEMAKER, "sagemakerApi")
    endpoint = endpoint_for(source, operation(source, "CreateTrainingJob"), aws=aws())
    assert endpoint.aws is None and isinstance(endpoint.auth, SigV4Auth)
    assert aws_source_note(source) is None


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (
            S3,
            "source 'api': s3.us-east-1.amazonaws.com is AWS s3 (rest-xml); requests are signed with SigV4 as"
            " 's3' in us-east-1, replacing its declared security scheme 'sigv4' (apiKey Authorization in"
            " header) (x-arazzo-aws: false or --no-aws-signing turns this off)",
        ),
        (
            DYNAMODB,
            "source 'api': dynamodb.us-east-1.amazonaws.com is AWS dynamodb (json); requests are signed with"
            " SigV4 as 'dynamodb' in us-east-1, replacing its declared security scheme 'sigv4Auth' (http"
            " bearer) (x-arazzo-aws: false or --no-aws-signing turns this off)",
        ),
    ],
)
def test_the_note_validate_prints(path: Path, expected: str) -> None:
    assert aws_source_note(openapi_source(path, "api")) == expected


def test_no_aws_signing_travels_with_the_run_settings() -> None:
    """--no-aws-signing is journaled and sent to Temporal with the run; a resume cannot drop it quietly."""
    from arazzo_runner.run_settings import RunSettings, loosenings

    settings = RunSettings(aws_signing=False)
    back = RunSettings.from_json(settings.to_json())
    assert back.aws_signing is False and back.environment().aws_signing is False
    assert RunSettings.from_json({}).aws_signing is True  # a run journaled before the setting existed
    assert loosenings(settings, RunSettings()) == [
        "AWS signing (the run used --no-aws-signing: credentials would go to its AWS hosts)"
    ]


@pytest.mark.parametrize(("version", "s3_rules"), [("s3", True), ("s3v4", True), (None, False)])
def test_a_declared_sigv4_source_signs_with_its_signature_version(
    tmp_path: Path, version: str | None, s3_rules: bool
) -> None:
    """``aws-openapi s3`` declares SigV4 itself and says ``x-aws-signatureVersion: s3``: its bodiless
    requests need S3's payload-hash header (botocore's S3SigV4Auth), or S3 refuses the signature."""
    info = {"title": "S3", "version": "1", "x-aws-signingName": "s3"}
    if version:
        info["x-aws-signatureVersion"] = version
    document = {
        "openapi": "3.1.0",
        "info": info,
        "servers": [{"url": "http://127.0.0.1:9"}],
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            }
        },
        "security": [{"sigv4": []}],
        "paths": {
            "/{Bucket}": {
                "get": {
                    "operationId": "ListObjects",
                    "parameters": [
                        {"name": "Bucket", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    path = tmp_path / "s3.json"
    path.write_text(json.dumps(document))
    source = openapi_source(path, "s3")
    endpoint = endpoint_for(source, operation(source, "ListObjects"), aws=aws())
    assert isinstance(endpoint.auth, SigV4Auth)
    signed_request = next(endpoint.auth.auth_flow(httpx.Request("GET", "http://127.0.0.1:9/bucket")))
    assert signed_request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert ("x-amz-content-sha256" in signed_request.headers) is s3_rules
