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
