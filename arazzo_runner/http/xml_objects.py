"""The generic XML ⇄ object mapping, for XML that no AWS service model describes.

With a service model, botocore's serialisers and parsers do this (:mod:`arazzo_runner.aws_model.protocols`).
Without one, JSON pointers and JSONPath still read XML answers, and YAML objects can still be sent
as XML, by these rules (written with ElementTree, read from the bounded parse of
:mod:`arazzo_runner.body_parsing`):

XML → object (:func:`xml_to_object`, the answer's *view*):

* the root element is not a member: its children are (``<ListBucketResult><KeyCount>1</KeyCount>``
  → ``{"KeyCount": "1"}``), as botocore's parsers leave out the result wrapper;
* an element with child elements is an object; a name that occurs more than once among siblings
  is a list, in document order; a name that occurs once is a single value (no model says whether
  it could repeat: a one-item list reads as its item);
* an element without child elements is its text (``""`` when empty); text stays text (no model
  says it is a number);
* attributes are members named ``@name``; an element with attributes and text keeps the text
  as ``#text``; namespaces are dropped from names (``{uri}Tag`` → ``Tag``).

object → XML (:func:`object_to_xml`, a request body):

* the root element's name is the schema's ``xml.name``, else the name of the ``$ref``'d schema,
  else the only member of a one-member object (``{"Tagging": {...}}``);
* a member is an element; a list member is that element repeated; ``None`` is left out;
  ``true``/``false`` and numbers as JSON writes them; ``@name`` members are attributes and
  ``#text`` is text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree

from .errors import RequestBuildError

MAX_DEPTH = 100


def _local(tag: Any) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1] if text.startswith("{") else text


def _value(element: Any, depth: int) -> Any:
    children = list(element)
    attributes = {f"@{_local(k)}": v for k, v in element.attrib.items()}
    if not children:
        text = element.text or ""
        if attributes:
            return {**attributes, "#text": text} if text.strip() else attributes
        return text
    if depth >= MAX_DEPTH:
        return None
    return {**attributes, **_members(children, depth + 1)}


def _members(children: list[Any], depth: int) -> dict[str, Any]:
    found: dict[str, Any] = {}
    repeated: set[str] = set()
    for child in children:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        name = _local(child.tag)
        value = _value(child, depth)
        if name in found:
            if name not in repeated:
                found[name] = [found[name]]
                repeated.add(name)
            found[name].append(value)
        else:
            found[name] = value
    return found


def xml_to_object(root: Any) -> dict[str, Any]:
    """The generic view of a parsed XML answer (the root's members)."""
    attributes = {f"@{_local(k)}": v for k, v in root.attrib.items()}
    return {**attributes, **_members(list(root), 1)}


def object_to_xml(payload: Any, root_name: str | None) -> bytes:
    """``payload`` as an XML document (see the module's rules); raises :class:`RequestBuildError`."""
    if root_name is None:
        if isinstance(payload, Mapping) and len(payload) == 1:
            ((root_name, payload),) = payload.items()
        else:
            raise RequestBuildError(
                "cannot write this object payload as XML without a root element name: give the payload"
                " one top-level member (the root element), an xml.name or a $ref'd schema on the"
                " operation's request body, or give the payload as a string (already serialised)"
            )
    root = ElementTree.Element(str(root_name))
    _fill(root, payload, 0)
    text: bytes = ElementTree.tostring(root, encoding="utf-8", xml_declaration=False)
    return text


def _text(value: Any) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _fill(element: Any, value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise RequestBuildError("the XML payload nests deeper than 100 levels")
    if isinstance(value, Mapping):
        for key, item in value.items():
            name = str(key)
            if item is None:
                continue
            if name.startswith("@"):
                element.set(name[1:], _text(item))
            elif name == "#text":
                element.text = _text(item)
            else:
                for one in item if isinstance(item, list | tuple) else [item]:
                    if one is not None:
                        _fill(ElementTree.SubElement(element, name), one, depth + 1)
    elif isinstance(value, list | tuple):
        raise RequestBuildError(
            "an XML element cannot hold a list directly: name its items (a member per item)"
        )
    elif value is not None:
        element.text = _text(value)


def root_name_from_schema(schema: Any) -> str | None:
    """The root element's name from a request body's raw schema (``xml.name``, else the ``$ref`` name)."""
    if not isinstance(schema, Mapping):
        return None
    xml = schema.get("xml")
    if isinstance(xml, Mapping) and isinstance(xml.get("name"), str):
        return str(xml["name"])
    ref = schema.get("$ref")
    if isinstance(ref, str) and "/" in ref:
        return ref.rsplit("/", 1)[-1] or None
    return None
