"""Parameter serialisation matrix, on the wire: JaredCE/Arazzo-Runner's parameter-style documents
(copied in tests/data/http/jaredce) and inputs, sent to an echo server on 127.0.0.1.

Expected forms follow the OpenAPI 3.0.3 / 3.1.1 style tables (see tests/data/http/SOURCES.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from arazzo_runner.http import StepParameter, build_request
from tests.unit.http.sources import DATA, STYLES, openapi_source

INPUTS = json.loads((DATA / "jaredce" / "parameter-styles-input.json").read_text())

RGB = "R,100,G,200,B,150"

# (document, workflow input key, parameter name, in, expected request target or header value)
PATH_CASES = [
    ("path/simple/primitive", "FindpetbyID-PathPrimitive", "/pet/blue"),
    ("path/simple/primitive-exploded", "FindpetbyID-PathPrimitiveExploded", "/pet/blue"),
    ("path/simple/array", "FindpetbyID-PathArray", "/pet/blue,black,brown"),
    ("path/simple/array-exploded", "FindpetbyID-PathArrayExploded", "/pet/blue,black,brown"),
    ("path/simple/object", "FindpetbyID-PathObject", f"/pet/{RGB}"),
    ("path/simple/object-exploded", "FindpetbyID-PathObjectExploded", "/pet/R=100,G=200,B=150"),
    ("path/label/primitive", "FindpetbyID-PathPrimitive", "/pet/.blue"),
    ("path/label/primitive-exploded", "FindpetbyID-PathPrimitiveExploded", "/pet/.blue"),
    ("path/label/array", "FindpetbyID-PathArray", "/pet/.blue,black,brown"),
    ("path/label/array-exploded", "FindpetbyID-PathArrayExploded", "/pet/.blue.black.brown"),
    ("path/label/object", "FindpetbyID-PathObject", f"/pet/.{RGB}"),
    ("path/label/object-exploded", "FindpetbyID-PathObjectExploded", "/pet/.R=100.G=200.B=150"),
    ("path/matrix/primitive", "FindpetbyID-PathPrimitive", "/pet/;petId=blue"),
    ("path/matrix/primitive-exploded", "FindpetbyID-PathPrimitiveExploded", "/pet/;petId=blue"),
    ("path/matrix/array", "FindpetbyID-PathArray", "/pet/;petId=blue,black,brown"),
    (
        "path/matrix/array-exploded",
        "FindpetbyID-PathArrayExploded",
        "/pet/;petId=blue;petId=black;petId=brown",
    ),
    ("path/matrix/object", "FindpetbyID-PathObject", f"/pet/;petId={RGB}"),
    ("path/matrix/object-exploded", "FindpetbyID-PathObjectExploded", "/pet/;R=100;G=200;B=150"),
]

QUERY_CASES = [
    ("query/form/primitive", "findPetsByTags-QueryPrimitive", "tags=blue"),
    ("query/form/primitive-exploded", "findPetsByTags-QueryPrimitiveExploded", "tags=blue"),
    ("query/form/array", "findPetsByTags-QueryArray", "tags=blue,black,brown"),
    ("query/form/array-exploded", "findPetsByTags-QueryArrayExploded", "tags=blue&tags=black&tags=brown"),
    ("query/form/object", "findPetsByTags-QueryObject", f"tags={RGB}"),
    ("query/form/object-exploded", "findPetsByTags-QueryObjectExploded", "R=100&G=200&B=150"),
    ("query/spaceDelimited/array", "findPetsByTags-QueryArray", "tags=blue%20black%20brown"),
    (
        "query/spaceDelimited/array-exploded",
        "findPetsByTags-QueryArrayExploded",
        "tags=blue&tags=black&tags=brown",
    ),
    ("query/spaceDelimited/object", "findPetsByTags-QueryObject", "tags=R%20100%20G%20200%20B%20150"),
    ("query/spaceDelimited/object-exploded", "findPetsByTags-QueryObjectExploded", "R=100&G=200&B=150"),
    ("query/pipeDelimited/array", "findPetsByTags-QueryArray", "tags=blue|black|brown"),
    (
        "query/pipeDelimited/array-exploded",
        "findPetsByTags-QueryArrayExploded",
        "tags=blue&tags=black&tags=brown",
    ),
    ("query/pipeDelimited/object", "findPetsByTags-QueryObject", "tags=R|100|G|200|B|150"),
    ("query/pipeDelimited/object-exploded", "findPetsByTags-QueryObjectExploded", "R=100&G=200&B=150"),
    ("query/deepObject/object", "findPetsByTags-QueryObject", "tags[R]=100&tags[G]=200&tags[B]=150"),
]

HEADER_CASES = [
    ("header/simple-primitive", "FindpetbyID-HeaderPrimitive", "x-simple", "xSimple", "blue"),
    (
        "header/simple-primitive-exploded",
        "FindpetbyID-HeaderPrimitiveExploded",
        "x-simple",
        "xSimple",
        "blue",
    ),
    ("header/simple-array", "FindpetbyID-HeaderArray", "x-array", "xArray", "blue,black,brown"),
    (
        "header/simple-array-exploded",
        "FindpetbyID-HeaderArrayExploded",
        "x-array",
        "xArray",
        "blue,black,brown",
    ),
    ("header/simple-object", "FindpetbyID-HeaderObject", "x-object", "xObject", RGB),
    # this document does not set ``explode`` (despite its name): simple's default is false
    ("header/simple-object-exploded", "FindpetbyID-HeaderObjectExploded", "x-object", "xObject", RGB),
    # the matrix style declared for Accept must be ignored (OpenAPI: such definitions SHALL be ignored)
    ("header/ignore-Accept", "FindpetbyID-ignoreAccept", "Accept", "Accept", "blue,black,brown"),
]


def _send(
    echo_server, document: str, parameters: list[StepParameter], path: str, method: str = "get"
) -> dict:
    source = openapi_source(STYLES / f"{document}.json", "pets")
    found = source.operation_at(path, method)
    assert found is not None
    request = build_request(source, found, parameters, base_url=echo_server.url + "/v2")
    with httpx.Client() as client:
        return client.send(request).json()


@pytest.mark.parametrize(("document", "key", "expected"), PATH_CASES, ids=[c[0] for c in PATH_CASES])
def test_path_styles(echo_server, document: str, key: str, expected: str) -> None:
    echoed = _send(
        echo_server, document, [StepParameter("petId", "path", INPUTS[key]["petId"])], "/pet/{petId}"
    )
    assert echoed["target"] == "/v2" + expected


@pytest.mark.parametrize(("document", "key", "expected"), QUERY_CASES, ids=[c[0] for c in QUERY_CASES])
def test_query_styles(echo_server, document: str, key: str, expected: str) -> None:
    echoed = _send(
        echo_server, document, [StepParameter("tags", "query", INPUTS[key]["tags"])], "/pet/findByTags"
    )
    assert echoed["target"] == "/v2/pet/findByTags?" + expected


@pytest.mark.parametrize(
    ("document", "key", "header", "input_name", "expected"), HEADER_CASES, ids=[c[0] for c in HEADER_CASES]
)
def test_header_styles(
    echo_server, document: str, key: str, header: str, input_name: str, expected: str
) -> None:
    values = INPUTS[key]
    parameters = [
        StepParameter("petId", "path", values["petId"]),
        StepParameter(header, "header", values[input_name]),
    ]
    echoed = _send(echo_server, document, parameters, "/pet/{petId}")
    assert echoed["target"] == "/v2/pet/1"
    sent = [v for k, v in echoed["headers"] if k.lower() == header.lower()]
    assert sent == [expected]


@pytest.mark.parametrize("style", ["simple", "label", "matrix"])
def test_hostile_path_value_stays_one_segment(echo_server, style: str) -> None:
    echoed = _send(
        echo_server, f"path/{style}/primitive", [StepParameter("petId", "path", "a/b c?d#e")], "/pet/{petId}"
    )
    target = echoed["target"]
    assert "?" not in target and "#" not in target
    assert target.count("/") == 3  # /v2/pet/<one segment>
    assert target.endswith("a%2Fb%20c%3Fd%23e")


def test_hostile_query_value_cannot_add_a_parameter(echo_server) -> None:
    echoed = _send(
        echo_server,
        "query/form/primitive",
        [StepParameter("tags", "query", "x&admin=1#frag")],
        "/pet/findByTags",
    )
    assert echoed["target"] == "/v2/pet/findByTags?tags=x%26admin%3D1%23frag"


def test_cookie_parameters(echo_server) -> None:
    echoed = _send(
        echo_server,
        "path/simple/primitive",
        [
            StepParameter("petId", "path", 1),
            StepParameter("session", "cookie", "a b;c"),
            StepParameter("n", "cookie", 5),
        ],
        "/pet/{petId}",
    )
    cookies = [v for k, v in echoed["headers"] if k.lower() == "cookie"]
    assert cookies == ["session=a%20b%3Bc; n=5"]


def test_data_files_are_local() -> None:
    assert Path(STYLES).is_dir() and "shared" not in str(STYLES)
