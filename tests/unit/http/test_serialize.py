"""Parameter styles, pure: the cases the wire matrix does not cover."""

from __future__ import annotations

import pytest

from arazzo_runner.http.errors import RequestBuildError
from arazzo_runner.http.serialize import (
    ParameterStyle,
    scalar_text,
    serialize_header,
    serialize_path,
    serialize_query,
)


def test_defaults_follow_openapi() -> None:
    assert ParameterStyle.for_location("query") == ParameterStyle("form", True)
    assert ParameterStyle.for_location("path") == ParameterStyle("simple", False)
    assert ParameterStyle.for_location("header", explode=True) == ParameterStyle("simple", True)
    with pytest.raises(RequestBuildError, match="not allowed"):
        ParameterStyle.for_location("header", "matrix")


def test_scalars() -> None:
    assert [scalar_text(v) for v in (True, False, None, 3, 2.5, "x")] == [
        "true",
        "false",
        "",
        "3",
        "2.5",
        "x",
    ]


def test_header_object_exploded() -> None:
    assert serialize_header("x", {"R": 1, "G": 2}, ParameterStyle("simple", True)) == "R=1,G=2"


def test_header_injection_is_refused() -> None:
    with pytest.raises(RequestBuildError, match="line break"):
        serialize_header("x", "a\r\nX-Evil: 1", ParameterStyle("simple", False))


def test_allow_reserved_keeps_reserved_but_never_ampersand_or_hash() -> None:
    style = ParameterStyle("form", True, allow_reserved=True)
    assert serialize_query("q", "a/b:c?d=e&f#g", style) == ["q=a/b:c?d=e%26f%23g"]
    assert serialize_query("q", "a/b", ParameterStyle("form", True)) == ["q=a%2Fb"]


def test_non_ascii_is_utf8_percent_encoded() -> None:
    assert serialize_path("p", "é ü", ParameterStyle("simple", False)) == "%C3%A9%20%C3%BC"


def test_matrix_empty_string() -> None:
    assert serialize_path("id", "", ParameterStyle("matrix", False)) == ";id"


def test_deep_object_needs_an_object() -> None:
    with pytest.raises(RequestBuildError, match="deepObject"):
        serialize_query("q", [1, 2], ParameterStyle("deepObject", True))


def test_non_ascii_header_value_is_a_build_error() -> None:
    import pytest

    from arazzo_runner.http.errors import RequestBuildError
    from arazzo_runner.http.serialize import ParameterStyle, serialize_header

    with pytest.raises(RequestBuildError, match="non-ASCII"):
        serialize_header("X-Name", "Zoë", ParameterStyle.for_location("header"))
