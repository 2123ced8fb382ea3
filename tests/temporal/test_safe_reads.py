"""Which requests a Temporal run sends as local activities: safe reads only (``temporal/reads.py``).

Pure checks of the rule, both sides: RFC 9110's safe methods and AWS read verbs go local; a create,
any other ``POST`` and the idempotent-but-not-safe methods stay regular activities, and a document
can veto an operation with ``x-arazzo-idempotent: false``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.engine.needs import Parameter, SendRequest
from arazzo_runner.temporal.reads import HISTORY_BUDGET, LOCAL_WAIT, aws_operation, safe_read
from arazzo_runner.temporal.workflow import HISTORY_MARGIN
from tests.conftest import FLAGSHIP

OPENAPI = """\
openapi: 3.0.3
info: {title: reads, version: "1"}
servers: [{url: "http://api.example.test"}]
paths:
  /jobs/{id}:
    get: {operationId: getJob, responses: {"200": {description: ok}}}
    put: {operationId: putJob, responses: {"200": {description: ok}}}
    delete: {operationId: deleteJob, responses: {"204": {description: ok}}}
  /counter:
    get:
      operationId: bumpCounter
      x-arazzo-idempotent: false
      responses: {"200": {description: a GET that counts, as some APIs do}}
"""
ARAZZO = """\
arazzo: 1.0.1
info: {title: reads, version: "1"}
sourceDescriptions: [{name: api, url: ./api.openapi.yaml, type: openapi}]
workflows:
  - workflowId: w
    steps:
      - {stepId: s, operationId: getJob, parameters: [{name: id, in: path, value: "1"}]}
"""


@pytest.fixture(scope="module")
def document(tmp_path_factory):
    folder: Path = tmp_path_factory.mktemp("reads")
    (folder / "api.openapi.yaml").write_text(OPENAPI)
    (folder / "reads.arazzo.yaml").write_text(ARAZZO)
    return arazzo_runner.load(folder / "reads.arazzo.yaml")


def need(method: str, path: str, *, source: str = "api", target: str | None = None) -> SendRequest:
    parameters = () if target is None else (Parameter("X-Amz-Target", "header", target),)
    return SendRequest("w", "s", (), source, path, method, parameters, None)


@pytest.mark.parametrize("method", ["get", "HEAD", "options", "trace"])
def test_rfc_9110_safe_methods_are_safe_reads(document, method) -> None:
    assert safe_read(document, need(method, "/jobs/{id}"))


@pytest.mark.parametrize("method", ["put", "delete", "post", "patch"])
def test_other_methods_are_not_even_when_idempotent(document, method) -> None:
    """PUT and DELETE are idempotent, not safe: a second DELETE answers 404 where the first did not."""
    assert not safe_read(document, need(method, "/jobs/{id}"))


def test_a_document_vetoes_a_get_that_changes_something(document) -> None:
    assert not safe_read(document, need("get", "/counter"))


def test_the_flagships_describe_is_a_safe_read_and_its_create_is_not() -> None:
    flagship = arazzo_runner.load(FLAGSHIP)
    describe = need("post", "/#X-Amz-Target=SageMaker.DescribeTrainingJob", source="sagemakerApi")
    create = need("post", "/#X-Amz-Target=SageMaker.CreateTrainingJob", source="sagemakerApi")
    assert aws_operation(describe) == "DescribeTrainingJob"
    assert safe_read(flagship, describe)
    assert not safe_read(flagship, create)


@pytest.mark.parametrize(
    ("path", "target", "safe"),
    [
        ("/", "SageMaker.ListTrainingJobs", True),  # the target as a header parameter
        ("/", "DynamoDB_20120810.GetItem", True),
        ("/", "DynamoDB_20120810.PutItem", False),
        ("/#Action=DescribeInstances", None, True),  # query protocol, as `arazzo aws-openapi` writes it
        ("/?Action=DescribeStacks&Version=2010-05-15", None, True),
        ("/#Action=RunInstances", None, False),
        ("/#Action=ReceiveMessage", None, False),  # consumes: not a read verb
        ("/", None, False),  # a POST that names no operation
    ],
)
def test_aws_posts_are_safe_reads_by_their_read_verb(document, path, target, safe) -> None:
    assert safe_read(document, need("post", path, target=target)) is safe


def test_the_limits_keep_a_history_well_under_temporals_warning() -> None:
    assert HISTORY_BUDGET + HISTORY_MARGIN < 10_000  # Temporal warns at 10,240 events
    assert LOCAL_WAIT == 1.0  # Temporal's "frequent polling": every second or faster
