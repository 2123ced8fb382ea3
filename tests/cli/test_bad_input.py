"""Each bad input of the foundation issue: exit 2, one located line per problem, no traceback."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from arazzo_runner import yaml12
from tests.unit.document.helpers import write_doc

LOCATED = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): (?P<message>.+)$")
ONE_STEP = "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n"


def located_lines(stderr: str) -> list[re.Match[str]]:
    lines = [line for line in stderr.splitlines() if not line.endswith(("errors", "error")) or ":" in line]
    return [m for m in (LOCATED.match(line) for line in lines) if m]


def assert_rejected(result, *, contains: str, line: int | None = None) -> re.Match[str]:
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    matches = [m for m in located_lines(result.stderr) if contains in m["message"]]
    assert matches, result.stderr
    if line is not None:
        assert int(matches[0]["line"]) == line, result.stderr
    return matches[0]


def test_unparseable_yaml(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("arazzo: 1.0.1\ninfo:\n  title: [unclosed\n  version: 1\n")
    match = assert_rejected(run_cli("validate", str(path)), contains="invalid YAML")
    assert match["file"].endswith("bad.yaml")


def test_json_trailing_comma(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{\n  "arazzo": "1.0.1",\n  "info": {"title": "t", "version": "1"},\n}\n')
    assert_rejected(run_cli("validate", str(path)), contains="invalid JSON", line=4)


def test_missing_required_field(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        ONE_STEP,
        header="arazzo: 1.0.1\ninfo: {title: T}\nsourceDescriptions:\n- {name: pets, url: ./pets.openapi.yaml}\n",
    )
    assert_rejected(run_cli("validate", str(path)), contains="missing required field 'version'", line=2)


def test_unsupported_version(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        ONE_STEP,
        header="arazzo: 2.0.0\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n- {name: pets, url: ./pets.openapi.yaml}\n",
    )
    result = run_cli("validate", str(path))
    assert_rejected(result, contains="unsupported Arazzo version '2.0.0'", line=1)
    assert len(located_lines(result.stderr)) == 1


def test_goto_missing_step(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- workflowId: w\n  steps:\n  - stepId: s\n    operationId: listPets\n"
        "    onSuccess:\n    - {name: again, type: goto, stepId: pollJob}\n",
    )
    assert_rejected(run_cli("validate", str(path)), contains="no step 'pollJob' in workflow 'w'", line=11)


def test_unknown_operation_id(tmp_path: Path, run_cli) -> None:
    path = write_doc(tmp_path, "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPetz}]}\n")
    assert_rejected(run_cli("validate", str(path)), contains="unknown operationId 'listPetz'", line=6)


def test_source_file_missing(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        ONE_STEP,
        header="arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n- {name: pets, url: ./nope.yaml}\n",
    )
    result = run_cli("validate", str(path))
    assert_rejected(result, contains="source 'pets': file not found", line=4)
    assert len(located_lines(result.stderr)) == 1  # no cascade of "unknown operationId"


def test_source_not_openapi(tmp_path: Path, run_cli) -> None:
    (tmp_path / "notes.yaml").write_text("title: just some yaml\n")
    path = write_doc(
        tmp_path,
        ONE_STEP,
        header="arazzo: 1.0.1\ninfo: {title: T, version: '1'}\nsourceDescriptions:\n- {name: pets, url: ./notes.yaml, type: openapi}\n",
    )
    assert_rejected(run_cli("validate", str(path)), contains="is not an OpenAPI description", line=4)


def test_depends_on_cycle(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: a, dependsOn: [b], steps: [{stepId: s, operationId: listPets}]}\n"
        "- {workflowId: b, dependsOn: [a], steps: [{stepId: s, operationId: listPets}]}\n",
    )
    assert_rejected(run_cli("validate", str(path)), contains="dependsOn cycle: a → b → a", line=6)


def test_bad_components_reference(tmp_path: Path, run_cli) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- workflowId: w\n  steps:\n  - stepId: s\n    operationId: listPets\n"
        "    parameters:\n    - reference: $components.parameters.limit\n",
    )
    assert_rejected(run_cli("validate", str(path)), contains="no components.parameters.limit", line=11)


def test_fifty_megabyte_document(tmp_path: Path, run_cli) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as f:
        f.write("arazzo: 1.0.1\nx-padding: '")
        chunk = "a" * 1_048_576
        for _ in range(50):
            f.write(chunk)
        f.write("'\n")
    assert path.stat().st_size > yaml12.MAX_DOCUMENT_BYTES
    result = run_cli("validate", str(path))
    assert result.returncode == 2
    assert "refusing to load it" in result.stderr and "Traceback" not in result.stderr


def test_yaml_alias_bomb(tmp_path: Path, run_cli) -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert_rejected(run_cli("validate", str(path)), contains="alias bomb")


@pytest.mark.parametrize("output", ["text", "json"])
def test_flagship_is_valid(run_cli, output: str) -> None:
    result = run_cli(
        "validate", "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml", "--output", output
    )
    assert result.returncode == 0, result.stderr
    if output == "json":
        import json

        report = json.loads(result.stdout)
        assert report["valid"] is True and report["errors"] == 0
