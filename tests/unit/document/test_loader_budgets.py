"""Loader edges (issue 17, point 7): deep nesting and alias expansion are refused fast, with a
located problem, at every depth (492–499 levels used to end in RecursionError, exit 70)."""

from __future__ import annotations

import pytest

from arazzo_runner import yaml12
from arazzo_runner.document.loader import load_with_problems
from arazzo_runner.yaml12 import YamlReadError, parse_text

HEAD = """arazzo: 1.0.1
info: {title: t, version: '1'}
sourceDescriptions: [{name: api, url: ./api.yaml}]
workflows:
- workflowId: w
  inputs: NESTED
  steps:
  - {stepId: a, operationId: a}
"""


def nested_schema(depth: int) -> str:
    return "{type: object, properties: {a: " * depth + "{type: string}" + "}}" * depth


@pytest.mark.parametrize("depth", [10, 60, 118, 122, 126, 127, 128, 200, 492, 495, 499, 2000])
def test_deep_documents_load_or_are_refused_never_crash(tmp_path, depth: int) -> None:
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      operationId: a\n"
        "      responses: {'200': {description: ok}}\n"
    )
    doc = tmp_path / "doc.arazzo.yaml"
    doc.write_text(HEAD.replace("NESTED", nested_schema(depth // 2)))
    document, problems = load_with_problems(doc)  # never raises
    if depth // 2 * 2 + 5 > yaml12.MAX_DEPTH:
        assert any(p.code == "too-deep" for p in problems), problems
        assert any("nests deeper than" in str(p) and "doc.arazzo.yaml:" in str(p) for p in problems)
    else:
        assert document is not None and not problems, problems


@pytest.mark.parametrize("text", ["[" * 495 + "]" * 495, "{a: " * 495 + "1" + "}" * 495])
def test_pyyaml_depth_limit_reads_as_ours(text: str) -> None:
    with pytest.raises(YamlReadError, match="nests deeper than"):
        parse_text(text, "deep.yaml")


def test_small_alias_document_is_refused_before_expanding() -> None:
    """A 400-byte document whose aliases expand to just under the node budget (was 17 s, 350 MB)."""
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 6):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 11) + "]")
    text = "\n".join(lines) + "\n"
    assert len(text) < 420
    with pytest.raises(YamlReadError, match="aliases expand the document by"):
        parse_text(text, "bomb.yaml")


def test_modest_anchors_still_load() -> None:
    text = "common: &c {type: string, maxLength: 10}\n" + "".join(f"f{i}: *c\n" for i in range(1000))
    assert parse_text(text, "anchors.yaml").data["f999"] == {"type": "string", "maxLength": 10}
