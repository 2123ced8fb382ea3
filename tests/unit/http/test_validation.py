"""openapi-core validation against a known operation (fragment path keys included)."""

from __future__ import annotations

import httpx
import pytest

from arazzo_runner.http import (
    RequestBody,
    StepParameter,
    Violation,
    build_request,
    validate_exchange,
    validate_request,
    validate_response,
)
from tests.unit.http.sources import DATA, SAGEMAKER, openapi_source, operation

BASE = "https://api.example.test/v2"
AWS = "https://api.sagemaker.us-east-1.amazonaws.com"


@pytest.fixture(scope="module")
def source():
    return openapi_source(DATA / "validation.yaml")


@pytest.fixture(scope="module")
def sagemaker():
    return openapi_source(SAGEMAKER, name="sagemaker")


def put(source, payload, target="Shop.PutItem") -> httpx.Request:
    op = operation(source, "PutItem")
    return build_request(
        source, op, [StepParameter("X-Amz-Target", "header", target)], RequestBody(payload), base_url=BASE
    )


def test_a_valid_request_to_a_fragment_path_key_has_no_violations(source) -> None:
    request = put(source, {"Name": "n", "Tags": [{"Key": "k"}]})
    assert request.url.path == "/v2/"
    assert validate_request(source, operation(source, "PutItem"), request) == []


def test_body_violations_carry_json_pointers(source) -> None:
    request = put(source, {"Name": "", "Count": -1, "Tags": [{"Key": "k"}, {}]})
    found = validate_request(source, operation(source, "PutItem"), request)
    by_pointer = {v.pointer: v for v in found}
    assert set(by_pointer) == {"/Name", "/Count", "/Tags/1"}
    assert all(v.subject == "request" and v.location == "body" for v in found)
    assert "'Key' is a required property" in by_pointer["/Tags/1"].message
    assert str(by_pointer["/Count"]).startswith("request body at /Count: ")


def test_header_parameter_violation_names_the_parameter(source) -> None:
    found = validate_request(
        source, operation(source, "PutItem"), put(source, {"Name": "n", "Tags": []}, "Shop.Other")
    )
    assert [(v.location, v.name) for v in found] == [("header", "X-Amz-Target")]


def test_missing_required_body(source) -> None:
    op = operation(source, "PutItem")
    request = build_request(
        source, op, [StepParameter("X-Amz-Target", "header", "Shop.PutItem")], base_url=BASE
    )
    (violation,) = validate_request(source, op, request)
    assert violation.location == "body" and violation.pointer == ""


def test_path_query_header_and_cookie_parameters_under_a_server_path(source) -> None:
    op = operation(source, "getItem")
    good = build_request(
        source,
        op,
        [
            StepParameter("itemId", "path", 7),
            StepParameter("limit", "query", 3),
            StepParameter("session", "cookie", "abcd"),
        ],
        base_url=BASE,
    )
    assert validate_request(source, op, good, base_url=BASE) == []
    bad = build_request(
        source,
        op,
        [
            StepParameter("itemId", "path", "seven"),
            StepParameter("limit", "query", 30),
            StepParameter("X-Trace", "header", "nope"),
            StepParameter("session", "cookie", "ab"),
        ],
        base_url=BASE,
    )
    found = validate_request(source, op, bad, base_url=BASE)
    assert {(v.location, v.name) for v in found} == {
        ("path", "itemId"),
        ("query", "limit"),
        ("header", "X-Trace"),
        ("cookie", "session"),
    }
    missing = build_request(source, op, [StepParameter("itemId", "path", 7)], base_url=BASE)
    (violation,) = validate_request(source, op, missing, base_url=BASE)
    assert (violation.location, violation.name) == ("query", "limit")
    assert "Missing required query parameter" in violation.message


def test_response_body_headers_and_status(source) -> None:
    op = operation(source, "PutItem")
    request = put(source, {"Name": "n", "Tags": []})
    json10 = {"content-type": "application/x-amz-json-1.0"}
    ok = httpx.Response(200, headers={**json10, "X-Request-Id": "ab12"}, content=b'{"Id": "i"}')
    assert validate_response(source, op, request, ok) == []
    bad = httpx.Response(200, headers={**json10, "X-Request-Id": "XYZ"}, content=b'{"Id": 5}')
    found = validate_response(source, op, request, bad)
    assert {(v.location, v.name, v.pointer) for v in found} == {
        ("body", None, "/Id"),
        ("header", "X-Request-Id", None),
    }
    (status,) = validate_response(source, op, request, httpx.Response(500, headers=json10, content=b"{}"))
    assert status.location == "status" and "500" in status.message


def test_validate_exchange_combines_request_and_response(source) -> None:
    op = operation(source, "PutItem")
    request = put(source, {"Name": 1, "Tags": []})
    response = httpx.Response(500)
    assert [v.subject for v in validate_exchange(source, op, request, response)] == ["request", "response"]


def test_sagemaker_create_and_describe_training_job(sagemaker) -> None:
    create, describe = operation(sagemaker, "CreateTrainingJob"), operation(sagemaker, "DescribeTrainingJob")
    target = [StepParameter("X-Amz-Target", "header", "SageMaker.DescribeTrainingJob")]
    good = build_request(sagemaker, describe, target, RequestBody({"TrainingJobName": "job-1"}), base_url=AWS)
    assert validate_request(sagemaker, describe, good) == []
    bad = build_request(sagemaker, describe, target, RequestBody({"TrainingJobName": 3}), base_url=AWS)
    assert [(v.location, v.pointer) for v in validate_request(sagemaker, describe, bad)] == [
        ("body", "/TrainingJobName")
    ]
    create_target = [StepParameter("X-Amz-Target", "header", "SageMaker.CreateTrainingJob")]
    body = RequestBody({"TrainingJobName": "job-1", "ResourceConfig": {"InstanceCount": "one"}})
    found = validate_request(
        sagemaker, create, build_request(sagemaker, create, create_target, body, base_url=AWS)
    )
    pointers = {v.pointer for v in found}
    assert "/ResourceConfig/InstanceCount" in pointers
    assert any("'RoleArn' is a required property" in v.message for v in found)
    response = httpx.Response(
        200,
        headers={"content-type": "application/x-amz-json-1.1"},
        content=b'{"TrainingJobStatus": "Sleeping"}',
    )
    found = validate_response(sagemaker, describe, good, response)
    assert any(v.pointer == "/TrainingJobStatus" for v in found)


def test_violation_is_a_plain_value() -> None:
    v = Violation("bad", "request", "query", name="q")
    assert str(v) == "request query 'q': bad"


def test_generated_s3_operation_greedy_label_and_optional_body(tmp_path) -> None:
    """A greedy label ({Key+}) is read across '/', and an absent optional body is no violation."""
    from arazzo_runner.aws.openapi_gen import render_openapi

    target = tmp_path / "s3.yml"
    target.write_text(render_openapi("s3", ["CreateBucket", "CreateMultipartUpload"]))
    s3 = openapi_source(target, name="s3")
    upload = operation(s3, "CreateMultipartUpload")
    request = build_request(
        s3,
        upload,
        [StepParameter("Bucket", "path", "b-1"), StepParameter("Key+", "path", "dir/sub/a b.txt")],
        base_url="https://s3.us-east-1.amazonaws.com",
    )
    assert validate_request(s3, upload, request, base_url="https://s3.us-east-1.amazonaws.com") == []
    create = operation(s3, "CreateBucket")  # its CreateBucketConfiguration body is optional
    bare = build_request(s3, create, [StepParameter("Bucket", "path", "b-1")], base_url="http://h")
    assert validate_request(s3, create, bare, base_url="http://h") == []
