"""``in: querystring`` (Arazzo 1.1 / OpenAPI 3.2): the whole query string from one parameter."""

from __future__ import annotations

import pytest

from arazzo_runner.http.errors import RequestBuildError
from arazzo_runner.http.querystring import serialize_querystring

FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("value", "media_type", "expected"),
    [
        # The Arazzo 1.1.0 Parameter Object examples.
        ("filter=active&sort=desc&limit=50", None, "filter=active&sort=desc&limit=50"),
        ("category=books&minPrice=9.5&inStock=true", FORM, "category=books&minPrice=9.5&inStock=true"),
        (
            '{"filter":"active","sort":"desc","limit":50}',
            "application/json",
            "%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D",
        ),
        # Form text keeps its delimiters and escapes; what a query cannot hold is encoded.
        ("?a=1&b=x+y&c=%2F", FORM, "a=1&b=x+y&c=%2F"),
        ("a=two words&b=é", FORM, "a=two%20words&b=%C3%A9"),
        ("a=1#fragment", FORM, "a=1%23fragment"),
        ("a=100%", FORM, "a=100%25"),
        # Objects (a Selector Object may select one).
        ({"tag": ["a", "b c"], "on": True}, FORM, "tag=a&tag=b%20c&on=true"),
        ({"filter": "active"}, "application/json; charset=utf-8", "%7B%22filter%22%3A%22active%22%7D"),
    ],
)
def test_serialize_querystring(value, media_type, expected) -> None:
    assert serialize_querystring("q", value, media_type) == expected


def test_values_that_are_no_query_string_are_refused() -> None:
    with pytest.raises(RequestBuildError, match="must be a string"):
        serialize_querystring("q", 5, None)
    with pytest.raises(RequestBuildError, match="must be a string in text/plain"):
        serialize_querystring("q", {"a": 1}, "text/plain")
