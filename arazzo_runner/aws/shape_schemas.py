"""botocore shapes → JSON Schema 2020-12 (OpenAPI 3.1), as AWS protocols put them on the wire.

Two views, chosen per builder:

* **JSON** (``json``, ``rest-json``): a member's key is its wire key, as below;
* **XML** (``rest-xml``, ``query``, ``ec2``; ``xml=True``): a member's key is its *member name*, the
  key of botocore's JSON view of the answer (what ``$response.body#/KeyCount`` reads once the
  engine parses the XML with botocore) and of the object botocore's serializers take; the element
  name, when it differs, is OpenAPI's ``xml.name``. Lists are ``xml.wrapped`` unless the model
  says ``flattened``, their items named as the model says (``member`` by default); members with
  ``xmlAttribute`` are ``xml.attribute``; maps say their entry/key/value names in
  ``x-aws-xmlMap``; timestamps default to ISO 8601 strings, as the XML protocols send them.
  The same component then serves a query protocol's form body (botocore's input object, which
  its serializer flattens as ``Name.1``/``Name.member.1``) and its XML answer.

Choices common to both, all mirroring what botocore's serializers and parsers do:

* structures and enum strings become named components (``#/components/schemas/<ShapeName>``),
  which keeps the file reviewable and makes recursive shapes finite; other shapes are inlined;
* a member's JSON key is its ``locationName`` when the model gives one, else its name;
* timestamps are epoch seconds (JSON numbers) unless the shape or member says
  ``timestampFormat: iso8601`` / ``rfc822`` (then strings);
* blobs are base64 strings; ``long`` is ``int64``; ``document`` shapes accept any JSON;
* ``min``/``max`` become length, item, property or value bounds; ``pattern`` is left out (AWS
  writes Java regular expressions, which are not ECMA-262 and would mislead a validator);
* a union (``union: true``) must set exactly one member (``minProperties``/``maxProperties`` 1);
* documentation becomes a short ``description``; member documentation sits beside the ``$ref``
  (allowed in OpenAPI 3.1).
"""

from __future__ import annotations

from typing import Any

from .doc_text import description

#: Length of descriptions: short enough to review, long enough to say what a field is.
SHAPE_DESCRIPTION_LIMIT = 300
MEMBER_DESCRIPTION_LIMIT = 240

_COUNT_LOWER_BOUNDS = frozenset({"minLength", "minItems", "minProperties"})
_INTEGER_FORMATS = {"integer": "int32", "long": "int64"}
_NUMBER_FORMATS = {"float": "float", "double": "double"}


class SchemaBuilder:
    """Turns shape references into schemas, collecting named components as it goes."""

    def __init__(
        self, shapes: dict[str, Any], *, ref_prefix: str = "#/components/schemas/", xml: bool = False
    ) -> None:
        self._shapes = shapes
        self._prefix = ref_prefix
        self.xml = xml
        self.components: dict[str, dict[str, Any]] = {}
        self._building: set[str] = set()

    def ref(self, shape_name: str) -> dict[str, Any]:
        """A ``$ref`` to the named component for ``shape_name`` (built on first use)."""
        if shape_name not in self.components and shape_name not in self._building:
            self._building.add(shape_name)
            self.components[shape_name] = self._named(shape_name)
            self._building.discard(shape_name)
        return {"$ref": self._prefix + shape_name}

    def member(self, member: dict[str, Any]) -> dict[str, Any]:
        """The schema of a member (or list item / map value) reference ``{"shape": ...}``."""
        schema = self.shape(member["shape"], timestamp_format=member.get("timestampFormat"))
        text = description(member.get("documentation"), MEMBER_DESCRIPTION_LIMIT)
        if text:
            schema = {"description": text, **schema}
        if member.get("deprecated"):
            schema = {**schema, "deprecated": True}
        return schema

    def shape(self, name: str, *, timestamp_format: str | None = None) -> dict[str, Any]:
        """The schema for shape ``name``: a ``$ref`` for structures and enums, else inline."""
        shape = self._shapes[name]
        kind = shape["type"]
        if kind == "structure" or (kind == "string" and "enum" in shape):
            return self.ref(name)
        return self._inline(shape, timestamp_format=timestamp_format)

    def _named(self, name: str) -> dict[str, Any]:
        shape = self._shapes[name]
        schema = self._structure(shape) if shape["type"] == "structure" else self._inline(shape)
        text = description(shape.get("documentation"), SHAPE_DESCRIPTION_LIMIT)
        if text:
            schema = {"description": text, **schema}
        return schema

    def shape_type(self, name: str) -> str:
        """The model type of shape ``name`` (``structure``, ``blob``, ``map``...)."""
        return str(self._shapes[name]["type"])

    def members(self, shape_name: str, names: list[str]) -> dict[str, Any]:
        """An inline object schema of some members of structure ``shape_name`` (a REST body, whose
        other members travel in the URI, the query or headers)."""
        shape = self._shapes[shape_name]
        members = shape.get("members") or {}
        return self._structure({**shape, "members": {name: members[name] for name in names}})

    def _key(self, member_name: str, member: dict[str, Any]) -> str:
        return member_name if self.xml else str(member.get("locationName", member_name))

    def _structure(self, shape: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = {}
        for member_name, member in (shape.get("members") or {}).items():
            member_schema = self.member(member)
            if self.xml:
                member_schema = self._xml_member(member_name, member, member_schema)
            properties[self._key(member_name, member)] = member_schema
        schema: dict[str, Any] = {"type": "object"}
        required = [
            self._key(m, shape["members"][m]) for m in shape.get("required") or [] if m in shape["members"]
        ]
        if required:
            schema["required"] = required
        if properties:
            schema["properties"] = properties
        if shape.get("union"):
            schema["minProperties"] = 1
            schema["maxProperties"] = 1
        return schema

    def _inline(self, shape: dict[str, Any], *, timestamp_format: str | None = None) -> dict[str, Any]:
        kind = shape["type"]
        schema: dict[str, Any]
        if kind == "string":
            schema = {"type": "string"}
            if "enum" in shape:
                schema["enum"] = list(shape["enum"])
            _bounds(schema, shape, "minLength", "maxLength")
        elif kind in _INTEGER_FORMATS:
            schema = {"type": "integer", "format": _INTEGER_FORMATS[kind]}
            _bounds(schema, shape, "minimum", "maximum")
        elif kind in _NUMBER_FORMATS:
            schema = {"type": "number", "format": _NUMBER_FORMATS[kind]}
            _bounds(schema, shape, "minimum", "maximum")
        elif kind == "boolean":
            schema = {"type": "boolean"}
        elif kind == "blob":
            schema = {"type": "string", "contentEncoding": "base64"}
            _bounds(schema, shape, "minLength", "maxLength")
        elif kind == "timestamp":
            default = "iso8601" if self.xml else None
            schema = _timestamp(timestamp_format or shape.get("timestampFormat") or default)
        elif kind == "list":
            items = self.member(shape["member"])
            if self.xml:
                items = {**items, "xml": {"name": str(shape["member"].get("locationName") or "member")}}
                if not shape.get("flattened"):
                    schema = {"type": "array", "xml": {"wrapped": True}, "items": items}
                else:
                    schema = {"type": "array", "items": items}
            else:
                schema = {"type": "array", "items": items}
            _bounds(schema, shape, "minItems", "maxItems")
        elif kind == "map":
            schema = {"type": "object"}
            key_schema = self._inline(self._shapes[shape["key"]["shape"]])
            key_schema.pop("type", None)
            if key_schema:
                schema["propertyNames"] = key_schema
            schema["additionalProperties"] = self.member(shape["value"])
            if self.xml:
                schema["x-aws-xmlMap"] = {
                    "entry": "" if shape.get("flattened") else "entry",
                    "key": str(shape["key"].get("locationName") or "key"),
                    "value": str(shape["value"].get("locationName") or "value"),
                }
            _bounds(schema, shape, "minProperties", "maxProperties")
        elif kind == "document":
            schema = {}
        else:  # pragma: no cover - botocore has no other shape types
            raise ValueError(f"unknown shape type {kind!r}")
        return schema

    def _xml_member(self, name: str, member: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` with the member's XML facts: element name, attribute, namespace, flattening."""
        xml: dict[str, Any] = dict(schema.get("xml") or {})
        location = member.get("locationName")
        target = self._shapes[member["shape"]]
        if target["type"] == "list":
            flattened = bool(member.get("flattened") or target.get("flattened"))
            if flattened:
                # Each item is an element named after the member (or its locationName).
                items = dict(schema["items"])
                items["xml"] = {"name": str(location or name)}
                schema = {**schema, "items": items}
                xml.pop("wrapped", None)
            elif location and location != name:
                xml["name"] = str(location)
        elif location and location != name:
            xml["name"] = str(location)
        if member.get("xmlAttribute"):
            xml["attribute"] = True
            if ":" in str(location or ""):
                prefix, _, local = str(location).partition(":")
                xml["name"] = local
                xml["prefix"] = prefix
        namespace = member.get("xmlNamespace")
        if isinstance(namespace, dict) and namespace.get("uri"):
            xml["namespace"] = str(namespace["uri"])
            if namespace.get("prefix"):
                xml["prefix"] = str(namespace["prefix"])
        schema = {k: v for k, v in schema.items() if k != "xml"}
        if xml:
            schema["xml"] = xml
        return schema


def _timestamp(timestamp_format: str | None) -> dict[str, Any]:
    """Epoch seconds unless the model asks for a string form (``x-aws-timestampFormat`` says which)."""
    if timestamp_format == "iso8601":
        return {"type": "string", "format": "date-time", "x-aws-timestampFormat": "iso8601"}
    if timestamp_format == "rfc822":
        return {"type": "string", "x-aws-timestampFormat": "rfc822"}
    return {"type": "number", "x-aws-timestampFormat": "unixTimestamp"}


def _bounds(schema: dict[str, Any], shape: dict[str, Any], low: str, high: str) -> None:
    """Copy ``min``/``max``; a zero lower bound on a length or count says nothing and is left out."""
    for source, target in (("min", low), ("max", high)):
        value = shape.get(source)
        if value is None or (value == 0 and target in _COUNT_LOWER_BOUNDS):
            continue
        schema[target] = int(value) if float(value).is_integer() else value
