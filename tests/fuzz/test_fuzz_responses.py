"""Fuzz response parsing: any bytes, content type and charset; never an exception, bounded depth."""

from __future__ import annotations

import json

from hypothesis import example, given
from hypothesis import strategies as st

from arazzo_runner.http.responses import read_body

CONTENT_TYPES = [
    "application/json",
    "application/x-amz-json-1.1",
    "application/problem+json",
    "application/xml",
    "text/xml",
    "text/plain",
    "text/html",
    "",
    "application/octet-stream",
    "image/svg+xml",
]
CHARSETS = [None, "utf-8", "latin-1", "utf-16", "x-no-such", "rot13", "hex", "punycode", "idna", "utf-32", ""]
JSONISH = [
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"\\",
    b":",
    b",",
    b"1",
    b"NaN",
    b"Infinity",
    b"-",
    b"1e400",
    b" ",
    b"<a>",
    b"</a>",
]


@given(
    st.one_of(st.binary(max_size=500), st.lists(st.sampled_from(JSONISH), max_size=200).map(b"".join)),
    st.sampled_from(CONTENT_TYPES),
    st.sampled_from(CHARSETS),
)
@example(b"[" * 2000 + b"]" * 2000, "application/x-amz-json-1.1", None)  # issue 17: exit 70
@example(b'{"a": 1}', "application/json", "x-unknown-charset")  # issue 17: LookupError, exit 70
@example(b'{"a": NaN, "b": Infinity, "c": 1e400}', "application/json", None)
@example(b"<a>" * 500 + b"</a>" * 500, "application/xml", None)
def test_any_body_is_read_without_raising_and_stays_strict_json(
    content: bytes, content_type: str, charset: str | None
) -> None:
    body, _root, problem, warnings = read_body(content, content_type, charset)
    assert problem is None or isinstance(problem, str)
    assert all(isinstance(w, str) for w in warnings)
    json.dumps(body if not isinstance(body, bytes) else None, allow_nan=False)  # strict JSON
