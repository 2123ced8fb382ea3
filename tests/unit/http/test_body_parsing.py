"""Bounded body parsing (issue 17, point 1): depth, charset, non-finite numbers, never an exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arazzo_runner.body_parsing import MAX_DEPTH, json_depth, read_json, read_xml
from arazzo_runner.expressions.xpath_queries import NotXML, xml_root
from arazzo_runner.http.responses import read_body


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        (b"1", 0),
        (b"[]", 1),
        (b'{"a": [1, {"b": []}]}', 4),
        (b'{"a": "[[[[[[[[[[" }', 1),
        (b'{"a": "\\"[[[[[[[[[[" }', 1),
        (b"[" * 300 + b"]" * 300, 300),
        (b'["' + b"[" * 300 + b'"]', 1),
    ],
)
def test_json_depth_ignores_brackets_inside_strings(text: bytes, depth: int) -> None:
    assert json_depth(text) == depth


def test_deep_json_is_a_problem_not_an_exception() -> None:
    read = read_json(b"[" * 2000 + b"]" * 2000)
    assert read.problem == f"JSON nested deeper than {MAX_DEPTH} levels"
    assert read_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH).problem is None


def test_huge_integer_is_a_problem_not_an_exception() -> None:
    assert "invalid JSON" in read_json(b"1" * 10_000).problem


def test_non_text_codec_as_charset_falls_back_to_utf8() -> None:
    body, _, problem, warnings = read_body(b'{"a": 1}', "application/json", "hex")
    assert body == {"a": 1} and problem is None and "'hex'" in warnings[0]


def test_deep_xml_is_refused_by_parse_and_by_xpath_context() -> None:
    deep = b"<a>" * 500 + b"</a>" * 500
    assert read_xml(deep) == (None, f"XML nested deeper than {MAX_DEPTH} levels")
    with pytest.raises(NotXML, match="nested deeper"):
        xml_root(deep.decode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["application/json", "application/xml", "text/plain", ""]))
def test_any_bytes_any_type_never_raise(content: bytes, content_type: str) -> None:
    read_body(content, content_type, "utf-8")


def test_non_finite_numbers_are_counted_per_body_across_threads_and_after_a_failure() -> None:
    """One shared decoder reports non-finite literals to the thread decoding: bodies read at the
    same time in other threads, or after an invalid body, never see each other's."""
    from concurrent.futures import ThreadPoolExecutor

    assert read_json(b'{"a": NaN, "b": [1e400').problem is not None  # fails midway: nothing carried over
    bodies = [("[" + ", ".join(["NaN"] * n + ["1.5"] * 50) + "]").encode() for n in range(8)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(read_json, bodies * 25))
    for n, read in zip(list(range(8)) * 25, results, strict=True):
        assert read.value.count(None) == n and read.value.count(1.5) == 50
        assert (f"{n} in all" in read.warnings[0]) if n else read.warnings == ()
    assert read_json(b"[1.0]").warnings == ()
