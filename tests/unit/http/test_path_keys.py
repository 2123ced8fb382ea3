"""Greedy labels and path keys that carry a query, on the generic request path (no service model)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arazzo_runner.http import RequestBuildError, StepParameter, build_request
from tests.unit.http.sources import openapi_source, operation

DESCRIPTION = """
openapi: 3.1.0
info: {title: keys, version: '1'}
servers: [{url: 'https://store.example.com'}]
paths:
  /{Bucket}/{Key+}:
    get: {operationId: getObject, responses: {'200': {description: ok}}}
  /{Bucket}/{Key+}?uploadId={uploadId}:
    delete:
      operationId: abort
      parameters:
      - {name: uploadId, in: query, required: true, schema: {type: string}}
      responses: {'204': {description: ok}}
  /{Bucket}?uploads:
    post: {operationId: startUpload, responses: {'200': {description: ok}}}
  /?Action=RunInstances:
    post: {operationId: runInstances, responses: {'200': {description: ok}}}
"""


@pytest.fixture
def source(tmp_path: Path):
    (tmp_path / "keys.yaml").write_text(DESCRIPTION)
    return openapi_source(tmp_path / "keys.yaml")


def url(source, operation_id: str, *parameters: StepParameter) -> str:
    request = build_request(source, operation(source, operation_id), parameters, base_url="https://h")
    return str(request.url)


def test_a_greedy_label_keeps_its_slashes(source) -> None:
    assert url(
        source, "getObject", StepParameter("Bucket", "path", "b"), StepParameter("Key+", "path", "a/b c")
    ) == ("https://h/b/a/b%20c")
    assert url(
        source, "getObject", StepParameter("Bucket", "path", "b"), StepParameter("Key", "path", "x/y")
    ) == ("https://h/b/x/y")


def test_a_query_placeholder_is_sent_once_from_the_query_parameter(source) -> None:
    found = url(
        source,
        "abort",
        StepParameter("Bucket", "path", "b"),
        StepParameter("Key+", "path", "k"),
        StepParameter("uploadId", "query", "u1"),
    )
    assert found == "https://h/b/k?uploadId=u1"


def test_a_query_placeholder_is_not_asked_for_as_a_path_parameter(source) -> None:
    found = url(source, "abort", StepParameter("Bucket", "path", "b"), StepParameter("Key+", "path", "k"))
    assert found == "https://h/b/k"  # left out when not given (the server says what is missing)
    with pytest.raises(RequestBuildError, match=r"'Key\+' of DELETE .* has no value"):
        url(source, "abort", StepParameter("Bucket", "path", "b"))


def test_literal_query_items_of_the_path_key_are_sent_as_they_are(source) -> None:
    assert url(source, "startUpload", StepParameter("Bucket", "path", "b")) == "https://h/b?uploads"
    assert url(source, "runInstances", StepParameter("MaxCount", "query", 1)) == (
        "https://h/?Action=RunInstances&MaxCount=1"
    )


def test_validation_reads_path_parameters_of_a_path_key_that_carries_a_query() -> None:
    """``/{Bucket}?list-type=2``: the query part is not part of the path template --validate reads."""
    from arazzo_runner.http.validation import validate_request
    from tests.unit.http.sources import ROOT

    s3 = openapi_source(ROOT / "tests" / "data" / "aws" / "recognised" / "s3-apikey.openapi.yml", "s3")
    op = operation(s3, "ListObjectsV2")
    request = build_request(s3, op, [StepParameter("Bucket", "path", "b1")], base_url="https://h")
    assert str(request.url) == "https://h/b1?list-type=2"
    assert validate_request(s3, op, request, base_url="https://h") == []
