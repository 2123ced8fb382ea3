"""The generic XML <-> object mapping (no service model) and JSON labelled text/html."""

from __future__ import annotations

from xml.etree import ElementTree

from arazzo_runner.http.responses import read_body
from arazzo_runner.http.xml_objects import object_to_xml, xml_to_object


def test_xml_answers_map_to_objects() -> None:
    root = ElementTree.fromstring(
        '<R xmlns="urn:x" id="7"><A>1</A><B><C>x</C></B><D>p</D><D>q</D><E/><F lang="en">hi</F></R>'
    )
    assert xml_to_object(root) == {
        "@id": "7",
        "A": "1",
        "B": {"C": "x"},
        "D": ["p", "q"],
        "E": "",
        "F": {"@lang": "en", "#text": "hi"},
    }


def test_objects_map_to_xml() -> None:
    payload = {"@xmlns": "urn:x", "A": 1, "B": [True, {"C": "x"}], "N": None, "#text": None}
    assert object_to_xml(payload, "R") == b'<R xmlns="urn:x"><A>1</A><B>true</B><B><C>x</C></B></R>'


def test_json_labelled_text_html_is_read_as_json_with_a_warning() -> None:
    body, _, problem, warnings = read_body(b'{"Entries": [1]}', "text/html; charset=utf-8")
    assert body == {"Entries": [1]} and problem is None
    assert warnings == ("the answer is labelled text/html but its body is JSON: it was read as JSON",)
    body, _, _, warnings = read_body(b"<html>{not json}</html>", "text/html")
    assert body == "<html>{not json}</html>" and warnings == ()
