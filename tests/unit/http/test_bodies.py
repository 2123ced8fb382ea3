"""Request bodies: replacements (RFC 6901) and encoding by media type."""

from __future__ import annotations

import json

import pytest

from arazzo_runner.http.bodies import (
    Replacement,
    RequestBody,
    apply_replacements,
    encode_body,
    is_json,
)
from arazzo_runner.http.errors import RequestBuildError


def test_json_media_types() -> None:
    for kind in (
        "application/json",
        "application/problem+json; charset=utf-8",
        "application/x-amz-json-1.1",
        "application/x-amz-json-1.0",
        "text/json",
    ):
        assert is_json(kind), kind
    assert not is_json("application/xml") and not is_json("application/x-amz-json-2.0")


def test_replacements_escape_and_types() -> None:
    payload = {"a/b": {"~x": 1}, "list": [1, 2], "keep": "same"}
    result = apply_replacements(
        payload,
        [
            Replacement("/a~1b/~0x", {"deep": [True]}),
            Replacement("/list/0", None),
            Replacement("/list/-", 3),
            Replacement("/new", 4.5),
        ],
    )
    assert result == {"a/b": {"~x": {"deep": [True]}}, "list": [None, 2, 3], "keep": "same", "new": 4.5}
    assert payload["list"] == [1, 2]  # not mutated


def test_replacement_of_whole_payload_and_of_json_text() -> None:
    assert apply_replacements({"a": 1}, [Replacement("", [1])]) == [1]
    assert apply_replacements('{"a": 1}', [Replacement("/a", 2)]) == {"a": 2}


def test_replacement_errors_are_clear() -> None:
    with pytest.raises(RequestBuildError, match="nothing at '/missing'"):
        apply_replacements({"a": 1}, [Replacement("/missing/x", 1)])
    with pytest.raises(RequestBuildError, match="not an array index"):
        apply_replacements({"a": [1]}, [Replacement("/a/01", 1)])
    with pytest.raises(RequestBuildError, match="need a JSON or XML payload"):
        apply_replacements("a=1&b=2", [Replacement("/a", 1)])
    # XML payloads take XPath targets (1.0 and 1.1 both say a target may be an XPath).
    assert apply_replacements("<a/>", [Replacement("/a", 1)]) == "<a>1</a>"


def test_aws_json_drops_absent_members_and_plain_json_keeps_null() -> None:
    payload = {"Name": "x", "InputDataConfig": None, "Nested": {"Opt": None, "List": [None]}}
    aws = encode_body(RequestBody(payload), "application/x-amz-json-1.1")
    assert json.loads(aws.content) == {"Name": "x", "Nested": {"List": [None]}}
    plain = encode_body(RequestBody(payload), "application/json")
    assert json.loads(plain.content)["InputDataConfig"] is None
    forced = encode_body(RequestBody(payload, drop_nulls=True), "application/json")
    assert "InputDataConfig" not in json.loads(forced.content)


def test_json_string_payload_is_sent_verbatim() -> None:
    assert encode_body(RequestBody('{"a": 1}'), "application/json").content == b'{"a": 1}'


def test_form_urlencoded() -> None:
    body = encode_body(
        RequestBody({"name": "pete smith", "tags": ["a", "b"], "skip": None}),
        "application/x-www-form-urlencoded",
    )
    assert body.content == b"name=pete+smith&tags=a&tags=b"
    assert encode_body(RequestBody("name=pete"), "application/x-www-form-urlencoded").content == b"name=pete"


def test_multipart() -> None:
    body = encode_body(RequestBody({"file": b"\x00\x01", "note": "hi", "n": 2}), "multipart/form-data")
    assert body.content_type.startswith("multipart/form-data; boundary=")
    boundary = body.content_type.split("=", 1)[1].encode()
    assert body.content.count(b"--" + boundary) == 4
    assert (
        b'name="file"; filename="file"\r\nContent-Type: application/octet-stream\r\n\r\n\x00\x01'
        in body.content
    )
    assert b'name="note"\r\n\r\nhi\r\n' in body.content


def test_text_bytes_and_objects_as_xml() -> None:
    assert encode_body(RequestBody("Hello"), "text/plain").content == b"Hello"
    assert encode_body(RequestBody(b"\xff"), "application/octet-stream").content == b"\xff"
    # An object by the generic mapping (xml_objects.py): a one-member object names its root.
    assert encode_body(RequestBody({"a": 1}), "application/xml").content == b"<a>1</a>"
    assert encode_body(RequestBody({"a": 1, "b": [True, None, 2]}), "text/xml", "Root").content == (
        b"<Root><a>1</a><b>true</b><b>2</b></Root>"
    )
    with pytest.raises(RequestBuildError, match="without a root element name"):
        encode_body(RequestBody({"a": 1, "b": 2}), "application/xml")
    with pytest.raises(RequestBuildError, match="cannot write an object payload as text/plain"):
        encode_body(RequestBody({"a": 1}), "text/plain")


def test_arazzo_1_1_replacement_targets() -> None:
    """JSONPath targets set every node they select; XPath targets set XML element text."""
    from arazzo_runner.http import Replacement, apply_replacements

    payload = {"items": [{"sku": "ABC123", "quantity": 1}, {"sku": "X", "quantity": 2}, {"sku": "ABC123"}]}
    out = apply_replacements(payload, [Replacement("$.items[?(@.sku=='ABC123')].quantity", 9, "jsonpath")])
    assert out["items"] == [{"sku": "ABC123", "quantity": 9}, {"sku": "X", "quantity": 2}, {"sku": "ABC123"}]
    out = apply_replacements(
        payload,
        [
            Replacement(
                "$.items[?(@.sku=='X')].quantity", 0, "jsonpath", "draft-goessner-dispatch-jsonpath-00"
            )
        ],
    )
    assert out["items"][1] == {"sku": "X", "quantity": 0}
    assert payload["items"][1]["quantity"] == 2  # the input is not changed
    with pytest.raises(RequestBuildError, match="selects nothing"):
        apply_replacements(payload, [Replacement("$.nope", 1, "jsonpath")])
    xml = "<Envelope><Header><CustomerId>?</CustomerId></Header></Envelope>"
    assert apply_replacements(xml, [Replacement("/Envelope/Header/CustomerId", "C-1")]) == (
        "<Envelope><Header><CustomerId>C-1</CustomerId></Header></Envelope>"
    )
    with pytest.raises(RequestBuildError, match="selects no element"):
        apply_replacements(xml, [Replacement("/Envelope/Body", "x", "xpath", "xpath-20")])
    with pytest.raises(RequestBuildError, match="is jsonpointer, but the payload is XML"):
        apply_replacements(xml, [Replacement("/a", "x", "jsonpointer")])
