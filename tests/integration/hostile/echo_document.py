"""The one-step echo workflow the network-policy tests run: ``GET /echo`` on source ``api``, written
into a folder as ``api.json`` and ``doc.arazzo.yaml`` (the path of the latter is returned)."""

from __future__ import annotations

import json
from pathlib import Path

OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "echo", "version": "1"},
    "paths": {"/echo": {"get": {"operationId": "echo", "responses": {"200": {"description": "ok"}}}}},
}
CRITERIA = ", successCriteria: [{condition: $statusCode == 200}]"


def write_echo_document(folder: Path, *, criteria: bool = True) -> Path:
    """``criteria=False``: the step has no success criteria (any answer succeeds it)."""
    (folder / "api.json").write_text(json.dumps(OPENAPI))
    arazzo = folder / "doc.arazzo.yaml"
    arazzo.write_text(
        "arazzo: 1.0.1\n"
        "info: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: api, url: api.json}]\n"
        "workflows:\n"
        "- workflowId: w\n"
        "  steps:\n"
        f"  - {{stepId: echo, operationId: echo{CRITERIA if criteria else ''}}}\n"
    )
    return arazzo
