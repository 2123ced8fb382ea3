"""RFC 6901: the examples of section 5, and python-jsonpath's resolver as an oracle."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonpath import JSONPointer

from arazzo_runner.expressions import MISSING, ExpressionSyntaxError
from arazzo_runner.expressions.pointer import parse_pointer, resolve_pointer

RFC_DOC = {
    "foo": ["bar", "baz"],
    "": 0,
    "a/b": 1,
    "c%d": 2,
    "e^f": 3,
    "g|h": 4,
    "i\\j": 5,
    'k"l': 6,
    " ": 7,
    "m~n": 8,
}


def resolve(text: str, doc: object = RFC_DOC) -> object:
    return resolve_pointer(doc, parse_pointer(text, 0, len(text)))


@pytest.mark.parametrize(
    ("pointer", "value"),
    [
        ("", RFC_DOC),
        ("/foo", ["bar", "baz"]),
        ("/foo/0", "bar"),
        ("/", 0),
        ("/a~1b", 1),
        ("/c%d", 2),
        ("/e^f", 3),
        ("/g|h", 4),
        ("/i\\j", 5),
        ('/k"l', 6),
        ("/ ", 7),
        ("/m~0n", 8),
    ],
)
def test_rfc6901_section5(pointer: str, value: object) -> None:
    assert resolve(pointer) == value


@pytest.mark.parametrize(
    "pointer", ["/foo/2", "/foo/-", "/foo/00", "/foo/-1", "/foo/0/x", "/nope", "/foo/ 1"]
)
def test_nothing_there(pointer: str) -> None:
    assert resolve(pointer) is MISSING


@pytest.mark.parametrize("pointer", ["foo", "/~", "/~2", "/a{b}"])
def test_invalid_pointer(pointer: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse_pointer(pointer, 0, len(pointer))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=10,
)
tokens = st.lists(st.sampled_from(["0", "1", "a", "", "~", "/", "b~/", "10"]), max_size=4)


@given(json_values, tokens)
def test_agrees_with_python_jsonpath_on_standard_pointers(doc: object, parts: list[str]) -> None:
    text = "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)
    if isinstance(doc, str):
        # python-jsonpath JSON-parses str documents (even for the empty pointer: "0" -> 0, "[" raises);
        # a JSON string has no children, and the empty pointer is the string itself.
        assert resolve(text, doc) == doc if not parts else resolve(text, doc) is MISSING
        return
    oracle = JSONPointer(text, unicode_escape=False).resolve(doc, default=MISSING)
    ours = resolve(text, doc)
    if any(p.startswith(("~", "#")) for p in parts):
        return  # python-jsonpath's non-standard key/index selectors ("~key", "#0"): no oracle
    assert ours == oracle or (ours is MISSING and oracle is MISSING)
