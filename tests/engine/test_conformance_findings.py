"""Engine behaviour the conformance corpora found at odds with the spec, kept as regressions.

A workflow-level parameter that carries `in` reaches a called workflow as an input: "When the
step in context specifies a workflowId, then all parameters map to workflow inputs" (usearazzo
inheritedRequestParameterAsInput).
"""

from __future__ import annotations

import json
from pathlib import Path

import arazzo_runner
from arazzo_runner.engine.options import PollPacing, RunOptions
from tests.conformance.canned_server import CannedServer

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "pets", "version": "1"},
    "paths": {
        "/pet/{petId}": {
            "get": {
                "operationId": "getPetById",
                "parameters": [
                    {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
    },
}

ARAZZO = {
    "arazzo": "1.0.1",
    "info": {"title": "finding", "version": "1"},
    "sourceDescriptions": [{"name": "pets", "url": "./pets.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "fetchPet",
            "inputs": {"type": "object", "properties": {"petId": {"type": "string"}}},
            "steps": [
                {
                    "stepId": "get",
                    "operationId": "getPetById",
                    "parameters": [{"name": "petId", "in": "path", "value": "$inputs.petId"}],
                }
            ],
        },
        {
            "workflowId": "caller",
            "parameters": [{"name": "petId", "in": "query", "value": "7"}],
            "steps": [{"stepId": "child", "workflowId": "fetchPet"}],
        },
    ],
}


def test_inherited_parameter_with_in_becomes_child_input(tmp_path: Path) -> None:
    (tmp_path / "pets.json").write_text(json.dumps(OPENAPI))
    (tmp_path / "finding.arazzo.json").write_text(json.dumps(ARAZZO))
    document = arazzo_runner.load(tmp_path / "finding.arazzo.json")
    with CannedServer() as server:
        scenario = server.scenario({"GET /pet/{petId}": [{"status": 200, "body": {"name": "Rex"}}]})
        result = document.run(
            "caller",
            {},
            servers={"pets": scenario.base_url},
            options=RunOptions(pacing=PollPacing(interval=0), no_wait=True),
        )
    assert scenario.lines == ["GET /pet/7"]
    assert result.status == "succeeded"
