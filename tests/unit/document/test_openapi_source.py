"""OpenAPI sources: openapi-core's SchemaPath follows $refs across files through our reader."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_runner
from tests.conftest import FLAGSHIP

from .helpers import write_doc


def test_flagship_source_through_openapi_core() -> None:
    source = arazzo_runner.load(FLAGSHIP).sources["sagemakerApi"]
    operation = source.spec / "paths" / "/#X-Amz-Target=SageMaker.CreateTrainingJob" / "post"
    # The parameter is a $ref into components: SchemaPath resolves it.
    with (operation / "parameters" / 0).open() as parameter:
        assert parameter["name"] == "X-Amz-Target"
    from openapi_core import OpenAPI

    assert isinstance(source.openapi, OpenAPI)


def test_external_refs_resolve_and_remote_refs_are_refused(tmp_path: Path) -> None:
    (tmp_path / "schemas.yaml").write_text(
        "Pet:\n  type: object\n  properties:\n    when: {type: string, example: 2023-02-23}\n"
    )
    (tmp_path / "api.yaml").write_text(
        """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /pets:
    $ref: './paths.yaml#/pets'
  /remote:
    get:
      operationId: remote
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: 'https://example.invalid/s.yaml#/X'}}}
"""
    )
    (tmp_path / "paths.yaml").write_text(
        """pets:
  get:
    operationId: listPets
    responses:
      '200':
        description: ok
        content: {application/json: {schema: {$ref: './schemas.yaml#/Pet'}}}
"""
    )
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n",
        header="arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n- {name: api, url: api.yaml}\n",
    )
    doc = arazzo_runner.load(path)
    operation = doc.resolve_step_operation(doc.workflows[0].steps[0])
    assert (operation.path, operation.method) == ("/pets", "get")
    source = doc.sources["api"]
    schema = (
        source.spec
        / "paths"
        / "/pets"
        / "get"
        / "responses"
        / "200"
        / "content"
        / "application/json"
        / "schema"
    )
    with schema.open() as resolved:
        # Read through our YAML 1.2 reader: the date stays a string.
        assert resolved["properties"]["when"]["example"] == "2023-02-23"
    remote = (
        source.spec
        / "paths"
        / "/remote"
        / "get"
        / "responses"
        / "200"
        / "content"
        / "application/json"
        / "schema"
    )
    with pytest.raises(Exception, match=r"example\.invalid") as info, remote.open():
        pass
    causes = []
    error: BaseException | None = info.value
    while error is not None:
        causes.append(str(error))
        error = error.__cause__ or error.__context__
    assert any("--allow-remote" in c for c in causes), causes


def test_operation_id_aliases_resolve_and_never_hide_a_real_id(tmp_path: Path) -> None:
    """``x-operationId-aliases`` (written by ``arazzo aws-openapi``): a step may name an operation by an
    alias; a real ``operationId`` equal to another operation's alias wins; a shared alias is ambiguous."""
    (tmp_path / "api.yaml").write_text(
        """openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /items:
    get:
      operationId: GetItem
      x-operationId-aliases: [getItem, shared]
      responses: {'200': {description: ok}}
    post:
      operationId: PutItem
      x-operationId-aliases: [getItem, shared, putItem]
      responses: {'200': {description: ok}}
  /other:
    get:
      operationId: getItem
      responses: {'200': {description: ok}}
"""
    )
    (tmp_path / "doc.arazzo.yaml").write_text(
        """arazzo: 1.0.1
info: {title: T, version: '1'}
sourceDescriptions:
- {name: api, url: ./api.yaml, type: openapi}
workflows:
- workflowId: w
  steps:
  - {stepId: put, operationId: putItem}
  - {stepId: real, operationId: getItem}
  - {stepId: exact, operationId: GetItem}
"""
    )
    document = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")  # raises when a step's operationId is unknown
    source = document.sources["api"]
    (put,) = source.operations_by_id("putItem")
    assert (put.path, put.method) == ("/items", "post")
    (real,) = source.operations_by_id("getItem")
    assert (real.path, real.method) == ("/other", "get")  # the real id, not GetItem's or PutItem's alias
    assert [op.method for op in source.operations_by_id("shared")] == ["get", "post"]
