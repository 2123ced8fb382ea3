"""Arazzo 1.1 Payload Replacement targets that are not JSON Pointers: JSONPath and XPath.

``targetSelectorType`` says how ``target`` reads; when it is omitted the target is a JSON Pointer
into a JSON payload and an XPath into an XML one (the spec's rule), which :mod:`.bodies` decides.

* JSONPath (RFC 9535, or Goessner with ``draft-goessner-dispatch-jsonpath-00``): the value is
  set at **every** node the query selects (``$.items[?(@.sku=='ABC123')].quantity``).
* XPath (3.1 by default, or the version given) on XML text: every element selected gets the
  value as its text (its children are replaced); the payload stays XML text. XML with a DTD is
  refused, as everywhere else.

A target that selects nothing is an error (the replacement would silently do nothing).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from ..expressions import render_text
from ..expressions.errors import ExpressionSyntaxError
from ..expressions.xpath_queries import NotXML, compile_xpath, xml_root
from .errors import RequestBuildError

GOESSNER = "draft-goessner-dispatch-jsonpath-00"


def jsonpath_locations(document: Any, target: str, version: str | None) -> list[str]:
    """RFC 6901 pointers of the nodes ``target`` selects in ``document``."""
    try:
        if version == GOESSNER:
            from jsonpath_ng.ext.parser import parse as parse_goessner

            return [
                "/" + "/".join(_token(p) for p in _goessner_parts(m))
                for m in parse_goessner(target).find(document)
            ]
        from ..expressions.jsonpath_queries import compile_jsonpath

        query = compile_jsonpath(target)
        return [str(match.pointer()) for match in query.path.finditer(document)]
    except ExpressionSyntaxError as exc:
        raise RequestBuildError(f"replacement target {target!r}: {exc.message}") from None
    except Exception as exc:  # library limits, Goessner parse errors
        raise RequestBuildError(f"replacement target {target!r} cannot be applied: {exc}") from None


def _goessner_parts(match: Any) -> list[str]:
    parts: list[str] = []
    path = match.full_path
    while hasattr(path, "left"):
        parts.insert(0, str(path.right))
        path = path.left
    if str(path) != "$":
        parts.insert(0, str(path))
    return [p.strip("[]'") for p in parts]


def _token(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def set_by_xpath(payload: Any, target: str, value: Any, version: str | None) -> str:
    """``payload`` (XML text) with ``value`` as the text of every element ``target`` selects."""
    try:
        root = xml_root(payload)
    except NotXML as exc:
        raise RequestBuildError(f"replacement target {target!r} is an XPath, but {exc}") from None
    try:
        query = compile_xpath(target, version)
        _, selected = query.evaluate(root)
    except ExpressionSyntaxError as exc:
        raise RequestBuildError(f"replacement target {target!r}: {exc.message}") from None
    except Exception as exc:  # XPath dynamic errors
        raise RequestBuildError(f"replacement target {target!r} cannot be applied: {exc}") from None
    items = selected if isinstance(selected, list) else [selected]
    elements: list[ET.Element] = []
    for item in items:
        element = getattr(item, "elem", item)  # elementpath node or bare element
        if isinstance(element, ET.Element):
            elements.append(element)
    if not elements:
        raise RequestBuildError(f"replacement target {target!r} selects no element of the XML payload")
    text = "" if value is None else render_text(value)
    for element in elements:
        for child in list(element):
            element.remove(child)
        element.text = text
    return ET.tostring(root, encoding="unicode")
