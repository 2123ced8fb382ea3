"""AWS as people describe it, against moto's server with SigV4 checking on (a third-party verifier).

The descriptions in tests/data/aws/recognised declare an AWS server and ``http bearer``,
``apiKey Authorization`` or nothing; the engine recognises the AWS endpoint from the host, signs
with SigV4 under the service model's signing name (moto routes and verifies by it), serialises
each protocol with botocore (json, rest-xml, query, ec2) and reads the XML answers through
botocore's parsers. What the workflows report is compared with what moto holds afterwards.
"""

from __future__ import annotations

import uuid

import botocore.session
import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from tests.unit.http.sources import ROOT

DOC = ROOT / "tests" / "data" / "aws" / "recognised" / "protocols.arazzo.yml"
SOURCES = ("dynamodbApi", "s3Api", "ec2Api", "iamApi")


@pytest.fixture
def keys(moto, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", moto.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", moto.secret_access_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    return moto


def client(keys, service: str):
    return botocore.session.Session().create_client(
        service,
        region_name="us-east-1",
        endpoint_url=keys.url,
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
    )


def run(keys, workflow: str, inputs: dict, **options):
    events: list = []
    result = arazzo_runner.load(DOC).run(
        workflow,
        inputs,
        servers={name: keys.url for name in SOURCES},
        options=RunOptions(pacing=PollPacing(interval=0)),
        on_event=events.append,
        **options,
    )
    return result, events


def test_dynamodb_with_an_http_bearer_scheme_is_signed_and_runs(keys) -> None:
    table = f"t{uuid.uuid4().hex[:8]}"
    client(keys, "dynamodb").create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    result, events = run(keys, "dynamodb-put-get", {"table": table, "id": "a1"})
    assert result.status == "succeeded", result.error
    assert result.outputs == {"colour": "blue"}
    held = client(keys, "dynamodb").get_item(TableName=table, Key={"pk": {"S": "a1"}})["Item"]
    assert held == {"pk": {"S": "a1"}, "colour": {"S": "blue"}}
    sent = [e for e in events if e.kind == "request_built"]
    assert all("Bearer" not in str(e.headers) for e in sent)


def test_s3_rest_xml_with_an_apikey_authorization_scheme(keys) -> None:
    bucket = f"b-{uuid.uuid4().hex[:10]}"
    result, events = run(keys, "s3-objects", {"bucket": bucket, "key": "nested/dir/object.txt"})
    assert result.status == "succeeded", result.error
    s3 = client(keys, "s3")
    # The greedy label kept its slashes: one object, under the key as given.
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["nested/dir/object.txt"]
    assert s3.get_object(Bucket=bucket, Key="nested/dir/object.txt")["Body"].read() == b"hello from arazzo"
    # JSON pointers read the XML answer by member name (botocore's parse: KeyCount is a number).
    assert result.outputs["keyCount"] == 1 and result.outputs["firstKey"] == "nested/dir/object.txt"
    # The YAML object went out as S3's XML: the tag is on the bucket.
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "team", "Value": "arazzo"}]
    # uploadId went once, as a query parameter, and the upload is gone.
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    abort = next(e for e in events if e.kind == "request_built" and e.step_id == "abortUpload")
    assert abort.url.count("uploadId=") == 1 and "/uploads/big.bin?" in abort.url
    passed = [e for e in events if e.kind == "criterion_evaluated" and e.step_id == "list"]
    assert passed and all(e.passed for e in passed)  # simple, XPath (raw XML) and JSONPath (view)


def test_ec2_and_iam_query_protocols_and_a_null_that_says_why(keys) -> None:
    user = f"u-{uuid.uuid4().hex[:8]}"
    result, events = run(keys, "ec2-and-iam", {"userName": user})
    assert result.status == "succeeded", result.error
    vpc = client(keys, "ec2").describe_vpcs(VpcIds=[result.outputs["vpcId"]])["Vpcs"][0]
    assert (result.outputs["cidr"], vpc["CidrBlock"]) == ("10.7.0.0/16", "10.7.0.0/16")
    assert result.outputs["name"] == "arazzo" and vpc["Tags"] == [{"Key": "Name", "Value": "arazzo"}]
    arn = client(keys, "iam").get_user(UserName=user)["User"]["Arn"]
    assert result.outputs["arn"] == arn
    # An output the answer cannot give is null, never silently: a warning with the step id says why.
    assert result.outputs["missing"] is None
    (warning,) = [e for e in events if e.kind == "warning" and e.step_id == "createUser"]
    assert "output 'missing'" in warning.message and "/User has no member 'NoSuchMember'" in warning.message


def test_a_wrong_secret_is_refused_so_signatures_are_checked(keys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wrong" + keys.secret_access_key)
    result, events = run(keys, "ec2-and-iam", {"userName": "never"})
    assert result.status == "failed"
    codes = [e.error_code for e in events if e.kind == "response_received"]
    assert codes and codes[0] in ("AuthFailure", "SignatureDoesNotMatch")


def _cli(keys, tmp_path, *extra: str):
    import json
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": keys.access_key_id,
        "AWS_SECRET_ACCESS_KEY": keys.secret_access_key,
        "AWS_REGION": "us-east-1",
        "XDG_STATE_HOME": str(tmp_path),
    }
    servers = [arg for name in SOURCES for arg in ("--server", f"{name}={keys.url}")]
    done = subprocess.run(
        [
            *(
                sys.executable,
                "-m",
                "arazzo_runner",
                "run",
                str(DOC),
                "--workflow",
                "ec2-and-iam",
                "--no-journal",
            ),
            *("-i", f"userName=cli-{uuid.uuid4().hex[:8]}", *servers, *extra),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    return done, (json.loads(done.stdout) if "--output" in extra else None)


def test_the_cli_shows_counts_lists_and_with_strict_fails_on_warnings(keys, tmp_path) -> None:
    done, _ = _cli(keys, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no member 'NoSuchMember'" in done.stderr  # shown without -v
    assert "ec2-and-iam: succeeded · 3 requests" in done.stderr and "· 1 warning\n" in done.stderr
    done, data = _cli(keys, tmp_path, "--output", "json", "--strict")
    assert done.returncode == 1
    assert data["status"] == "succeeded" and data["strict"] == {"failed": True, "warnings": 1}
    (warning,) = data["warnings"]
    assert warning["stepId"] == "createUser" and "NoSuchMember" in warning["message"]
