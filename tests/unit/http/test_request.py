"""Server selection and request building on the flagship's SageMaker description."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from arazzo_runner.http import AwsEnvironment, RequestBody, StepParameter, build_request, endpoint_for
from arazzo_runner.http.errors import RequestBuildError
from arazzo_runner.http.servers import resolve_base_url

from .sources import SAGEMAKER, STYLES, openapi_source, operation


@pytest.fixture(scope="module")
def sagemaker():
    return openapi_source(SAGEMAKER, "sagemakerApi")


def test_fragment_is_dropped_and_aws_json_sent(sagemaker) -> None:
    create = operation(sagemaker, "CreateTrainingJob")
    request = build_request(
        sagemaker,
        create,
        [StepParameter("X-Amz-Target", "header", "SageMaker.CreateTrainingJob")],
        RequestBody({"TrainingJobName": "j", "InputDataConfig": None}),  # no contentType: the operation's
        base_url="https://api.sagemaker.us-east-1.amazonaws.com",
    )
    assert str(request.url) == "https://api.sagemaker.us-east-1.amazonaws.com/"
    assert request.method == "POST"
    assert request.headers["X-Amz-Target"] == "SageMaker.CreateTrainingJob"
    assert request.headers["Content-Type"] == "application/x-amz-json-1.1"
    assert json.loads(request.content) == {"TrainingJobName": "j"}


def test_step_content_type_wins(sagemaker) -> None:
    request = build_request(
        sagemaker,
        operation(sagemaker, "DescribeTrainingJob"),
        [StepParameter("Content-Type", "header", "text/plain")],
        RequestBody({"a": None}, content_type="application/json"),
        base_url="http://h",
    )
    assert request.headers.get_list("Content-Type") == ["application/json"]
    assert json.loads(request.content) == {"a": None}


def test_region_variable_endpoint_variables_and_override(sagemaker) -> None:
    create = operation(sagemaker, "CreateTrainingJob")
    assert resolve_base_url(sagemaker, create) == "https://api.sagemaker.us-east-1.amazonaws.com"
    env = AwsEnvironment(region="eu-west-1", environ={}, session=_NoConfigSession())
    assert (
        endpoint_for(sagemaker, create, aws=env).base_url == "https://api.sagemaker.eu-west-1.amazonaws.com"
    )
    env = AwsEnvironment(
        region="eu-west-1",
        environ={"AWS_ENDPOINT_URL_SAGEMAKER": "http://127.0.0.1:5000"},
        session=_NoConfigSession(),
    )
    assert endpoint_for(sagemaker, create, aws=env).base_url == "http://127.0.0.1:5000"
    env = AwsEnvironment(environ={"AWS_ENDPOINT_URL": "http://127.0.0.1:5001/"}, session=_NoConfigSession())
    assert endpoint_for(sagemaker, create, aws=env).base_url == "http://127.0.0.1:5001"
    env = AwsEnvironment(
        environ={"AWS_ENDPOINT_URL": "http://x", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"},
        session=_NoConfigSession(),
    )
    assert endpoint_for(sagemaker, create, aws=env).base_url.startswith("https://api.sagemaker.")
    assert endpoint_for(sagemaker, create, aws=env, server_override="http://o:1/").base_url == "http://o:1"
    enum_source = _with_servers(
        sagemaker, [{"url": "https://{region}.x", "variables": {"region": {"default": "a", "enum": ["a"]}}}]
    )
    with pytest.raises(RequestBuildError, match="must be one of a; got 'b'"):
        resolve_base_url(enum_source, None, variables={"region": "b"})


def test_non_aws_source_gets_no_auth_and_connection_only_retries() -> None:
    source = openapi_source(STYLES / "path/simple/primitive.json", "pets")
    endpoint = endpoint_for(source, source.operation_at("/pet/{petId}", "get"))
    assert endpoint.auth is None and not endpoint.is_aws
    assert endpoint.base_url == "http://petstore.swagger.io/v2"
    assert endpoint.retry_policy.retry_statuses == frozenset()


def test_path_parameter_errors() -> None:
    source = openapi_source(STYLES / "path/simple/primitive.json", "pets")
    get = source.operation_at("/pet/{petId}", "get")
    with pytest.raises(RequestBuildError, match=r"'petId' of GET /pet/\{petId\} has no value"):
        build_request(source, get, [], base_url="http://h")
    with pytest.raises(RequestBuildError, match="has no 'in'"):
        build_request(source, get, [StepParameter("petId", None, 1)], base_url="http://h")
    with pytest.raises(RequestBuildError, match="'other' does not appear"):
        build_request(
            source,
            get,
            [StepParameter("petId", "path", 1), StepParameter("other", "path", 2)],
            base_url="http://h",
        )


def test_none_parameter_is_left_out() -> None:
    source = openapi_source(STYLES / "query/form/array.json", "pets")
    get = source.operation_at("/pet/findByTags", "get")
    request = build_request(source, get, [StepParameter("tags", "query", None)], base_url="http://h")
    assert str(request.url) == "http://h/pet/findByTags"


def test_relative_server_needs_an_http_source() -> None:
    source = _with_servers(openapi_source(STYLES / "query/form/array.json", "pets"), [{"url": "/v3"}])
    with pytest.raises(RequestBuildError, match="--server pets="):
        resolve_base_url(source, None)


class _NoConfigSession:
    """Stands in for botocore's Session where only config lookups are needed."""

    full_config: ClassVar[dict] = {}

    def get_scoped_config(self) -> dict:
        return {}

    def get_config_variable(self, name: str):
        return None


def _with_servers(source, servers):
    from arazzo_runner.sources.openapi import OpenApiSource

    clone = OpenApiSource(source.name, source.url, source.location, source.file, source.fetcher)
    clone.__dict__["servers"] = tuple(servers)
    return clone


def test_a_required_const_parameter_the_step_leaves_out_is_sent_once(sagemaker) -> None:
    """The generated description's X-Amz-Target is required with one value: a step that leaves it
    out still reaches the operation; a step that gives it (in any case) sends it once, as written."""
    describe = operation(sagemaker, "DescribeTrainingJob")
    body = RequestBody({"TrainingJobName": "j"})
    left_out = build_request(sagemaker, describe, [], body, base_url="http://h")
    assert left_out.headers.get_list("X-Amz-Target") == ["SageMaker.DescribeTrainingJob"]
    given = build_request(
        sagemaker,
        describe,
        [StepParameter("x-amz-target", "header", "SageMaker.Other")],
        body,
        base_url="http://h",
    )
    assert given.headers.get_list("X-Amz-Target") == ["SageMaker.Other"]
