"""Fuzz the document loader: any text, any structure, never an exception but ``YamlReadError``
(for text) or problems (for documents); the crashes of the issue-17 battery are kept as examples."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from arazzo_runner.document.loader import load_with_problems
from arazzo_runner.yaml12 import YamlReadError, parse_text

YAML_PIECES = [
    "a: ",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    ": ",
    "\n",
    "  ",
    "&x ",
    "*x",
    "!!str ",
    "!!python/object ",
    "'",
    '"',
    "#",
    "|\n",
    ">\n",
    "---\n",
    "...\n",
    "? ",
    "1",
    "true",
    "null",
    "~",
    ".nan",
    "0x1F",
    "2023-02-23",
    "<<: *x\n",
    "\t",
    "%YAML 1.2\n",
    "\\u0000",
    "é",
    "\x00",
    "\ufeff",
]
hostile_yaml = st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join)


def _alias_bomb(width: int, levels: int) -> str:
    lines = ["a: &a [" + ",".join(['"x"'] * width) + "]"]
    for i in range(1, levels):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


@given(st.one_of(st.text(max_size=400), hostile_yaml))
@example("[" * 495 + "]" * 495)  # issue 17: RecursionError, exit 70
@example("{a: " * 499 + "1" + "}" * 499)
@example("a:\n" + "".join(" " * i + "b:\n" for i in range(1, 499)))
@example(_alias_bomb(11, 6))  # issue 17: 411 bytes, 17.5 s, 350 MB
@example(_alias_bomb(10, 12))
@example("a: !!python/object/apply:os.system ['true']\n")
@example("\ufeffa: 1\nb: 2023-02-23\nc: yes\n")
def test_parse_text_raises_only_yaml_read_error(text: str) -> None:
    try:
        parse_text(text, "fuzz.yaml")
    except YamlReadError as exc:
        assert exc.problems and all(p.location.file == "fuzz.yaml" for p in exc.problems)


@given(st.binary(max_size=300))
def test_json_files_raise_only_yaml_read_error(raw: bytes) -> None:
    from arazzo_runner.yaml12 import parse_bytes

    with contextlib.suppress(YamlReadError):
        parse_bytes(raw, "fuzz.json")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=25,
)

SEED = {
    "arazzo": "1.0.1",
    "info": {"title": "fuzz", "version": "1"},
    "sourceDescriptions": [{"name": "api", "url": "./api.json", "type": "openapi"}],
    "workflows": [
        {
            "workflowId": "w",
            "inputs": {"type": "object", "properties": {"x": {"type": "string"}}},
            "steps": [
                {
                    "stepId": "s",
                    "operationId": "op",
                    "parameters": [{"name": "q", "in": "query", "value": "$inputs.x"}],
                    "successCriteria": [{"condition": "$statusCode == 200"}],
                    "outputs": {"o": "$response.body#/a"},
                }
            ],
            "outputs": {"o": "$steps.s.outputs.o"},
        }
    ],
}
OPENAPI = {
    "openapi": "3.0.3",
    "info": {"title": "api", "version": "1"},
    "paths": {
        "/x": {"get": {"operationId": "op", "responses": {"200": {"$ref": "#/components/responses/ok"}}}}
    },
    "components": {"responses": {"ok": {"description": "ok"}}},
}
PATHS = [
    ("workflows", 0, "steps", 0, "operationId"),
    ("workflows", 0, "steps", 0, "successCriteria", 0, "condition"),
    ("workflows", 0, "steps", 0, "successCriteria", 0),
    ("workflows", 0, "steps", 0, "outputs", "o"),
    ("workflows", 0, "steps", 0, "parameters", 0, "value"),
    ("workflows", 0, "inputs"),
    ("workflows", 0, "outputs"),
    ("sourceDescriptions", 0, "url"),
    ("workflows", 0, "steps", 0),
    ("workflows",),
    ("arazzo",),
]
OPENAPI_PATHS = [
    ("paths", "/x", "get", "responses", "200", "$ref"),
    ("paths", "/x", "get", "responses", "200"),
    ("paths", "/x"),
    ("components",),
    ("openapi",),
]
REF_VALUES = ["file:///etc/passwd#/x", "../../../etc/hosts", "#/nope", "./api.json#/paths", "/dev/zero", "#"]


def _mutate(data: dict, path: tuple, value: object) -> dict:
    copy = json.loads(json.dumps(data))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@given(
    st.sampled_from(PATHS),
    st.one_of(
        json_values, st.sampled_from(["$", "$response.body#/", "{$inputs.x", "$steps..o", "a" * 20000])
    ),
    st.sampled_from(OPENAPI_PATHS),
    st.one_of(json_values, st.sampled_from(REF_VALUES)),
)
def test_documents_load_or_report_problems(
    tmp_path_factory, path: tuple, value: object, openapi_path: tuple, openapi_value: object
) -> None:
    folder = Path(tmp_path_factory.mktemp("doc"))
    (folder / "api.json").write_text(json.dumps(_mutate(OPENAPI, openapi_path, openapi_value)))
    (folder / "doc.arazzo.json").write_text(json.dumps(_mutate(SEED, path, value)))
    document, problems = load_with_problems(folder / "doc.arazzo.json")  # never raises
    assert document is not None or problems
    for problem in problems:
        assert problem.location.file, problem  # every problem is located
