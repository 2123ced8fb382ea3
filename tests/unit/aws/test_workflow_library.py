"""The SageMaker workflow library: every workflow loads without errors and its example inputs fit its schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from arazzo_runner.document.loader import load_with_problems
from arazzo_runner.errors import Severity

WORKFLOWS = Path(__file__).resolve().parents[3] / "workflows"
DOCUMENTS = sorted(WORKFLOWS.glob("amazon-sagemaker-*-workflow.yml"))


def test_the_library_is_complete() -> None:
    assert len(DOCUMENTS) >= 6


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_workflow_validates_and_inputs_fit(path: Path) -> None:
    document, problems = load_with_problems(str(path))
    assert document is not None
    assert [str(p) for p in problems if p.severity is Severity.ERROR] == []
    inputs = json.loads(path.with_name(path.stem + ".inputs.json").read_text())
    (workflow,) = yaml.safe_load(path.read_text())["workflows"]
    jsonschema.validate(inputs, workflow["inputs"])
