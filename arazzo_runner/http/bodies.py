"""Request bodies: RFC 6901 replacements, then encoding by media type.

Media types (parameters such as ``; charset=utf-8`` are kept on the header, ignored for the choice):

* JSON: ``application/json``, any ``*/*+json``, ``application/x-amz-json-1.0`` / ``-1.1``, ``text/json``.
  Containers and scalars are written as compact UTF-8 JSON. A ``str`` payload is taken to be
  JSON text already (a payload template) and sent as is; ``bytes`` are sent as is.
  For AWS JSON types, object members whose value is ``None`` are left out (botocore's serializer
  does the same, and AWS services reject ``null`` members): an optional input that was not given
  therefore disappears from the body instead of being sent as ``null``. Other JSON keeps ``null``
  unless ``drop_nulls=True``.
* ``application/x-www-form-urlencoded``: an object becomes ``k=v&…`` (lists repeat the key,
  nested values are JSON); a string is sent as is.
* ``multipart/form-data``: an object becomes one part per member (``bytes`` → file part,
  anything else → text part, containers as JSON), with a random boundary.
* XML (``application/xml``, ``text/xml``, ``+xml``): ``str`` as UTF-8, ``bytes`` raw; an object
  by the generic mapping of :mod:`.xml_objects` (root element: the request body schema's
  ``xml.name`` or ``$ref`` name, else the object's only member). AWS operations that map to a
  service model are serialised by botocore instead (:mod:`.aws_wire`).
* ``text/*`` and anything else: ``str`` as UTF-8, ``bytes`` raw. Objects cannot be written as
  these types; that is a :class:`RequestBuildError`.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from .errors import RequestBuildError
from .replacement_targets import jsonpath_locations, set_by_xpath
from .serialize import scalar_text
from .xml_objects import object_to_xml

_JSON = re.compile(r"^(application/(json|x-amz-json-1\.[01]|[^;]*\+json)|text/json)$")
_AWS_JSON = re.compile(r"^application/x-amz-json-1\.[01]$")
_XML = re.compile(r"^(application/xml|text/xml|[a-z]+/[^;]*\+xml)$")


def media_type(content_type: str | None) -> str:
    """``Application/JSON; charset=utf-8`` → ``application/json``."""
    if content_type is not None and len(content_type) <= _CACHED_LENGTH:
        return _kinds(content_type)[0]
    return (content_type or "").split(";", 1)[0].strip().lower()


def is_json(content_type: str | None) -> bool:
    if content_type is not None and len(content_type) <= _CACHED_LENGTH:
        return _kinds(content_type)[1]
    return bool(_JSON.match(media_type(content_type)))


def is_aws_json(content_type: str | None) -> bool:
    if content_type is not None and len(content_type) <= _CACHED_LENGTH:
        return _kinds(content_type)[2]
    return bool(_AWS_JSON.match(media_type(content_type)))


def is_xml(content_type: str | None) -> bool:
    if content_type is not None and len(content_type) <= _CACHED_LENGTH:
        return _kinds(content_type)[3]
    return bool(_XML.match(media_type(content_type)))


#: Content types up to this long are looked up in :func:`_kinds` (a server's odd, long ones are not kept).
_CACHED_LENGTH = 200


@lru_cache(maxsize=256)
def _kinds(content_type: str) -> tuple[str, bool, bool, bool]:
    """(media type, JSON?, AWS JSON?, XML?) of a content type: every request and answer asks."""
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind, bool(_JSON.match(kind)), bool(_AWS_JSON.match(kind)), bool(_XML.match(kind))


@dataclass(frozen=True, slots=True)
class Replacement:
    """One ``replacements`` entry: where in the payload (``target``) and the value to put there.

    ``target_type`` is 1.1's ``targetSelectorType`` (``jsonpointer``, ``jsonpath``, ``xpath``;
    ``None``: a JSON Pointer into JSON, an XPath into XML) and ``target_version`` its version.
    """

    target: str
    value: Any
    target_type: str | None = None
    target_version: str | None = None


@dataclass(frozen=True, slots=True)
class RequestBody:
    """An evaluated step ``requestBody``: payload, optional media type and replacements."""

    payload: Any
    content_type: str | None = None
    replacements: tuple[Replacement, ...] = ()
    #: Leave out ``None`` members; ``None`` means "for AWS JSON media types only".
    drop_nulls: bool | None = field(default=None)


@dataclass(frozen=True, slots=True)
class EncodedBody:
    """Bytes ready to send and the ``Content-Type`` header that goes with them."""

    content: bytes
    content_type: str


def apply_replacements(payload: Any, replacements: Sequence[Replacement]) -> Any:
    """A copy of ``payload`` with each replacement applied in order (the input is not changed).

    A target names an existing location, or a new member of an existing object, or ``-`` / the
    next index of an existing array (appended). ``""`` replaces the whole payload. A string
    payload that is JSON text is parsed first, so templates written as strings work too. XML
    text takes XPath targets, and 1.1 JSONPath targets set every node they select (see
    :mod:`.replacement_targets`).
    """
    if not replacements:
        return payload
    result = copy.deepcopy(payload)
    if isinstance(result, bytes):
        result = result.decode("utf-8", errors="replace")
    if isinstance(result, str) and result.lstrip().startswith("<"):
        # An XML payload (Arazzo 1.1): targets are XPath unless they say otherwise.
        for replacement in replacements:
            if replacement.target_type not in (None, "xpath"):
                raise RequestBuildError(
                    f"replacement target {replacement.target!r} is {replacement.target_type}, but the payload is XML"
                )
            result = set_by_xpath(result, replacement.target, replacement.value, replacement.target_version)
        return result
    if isinstance(result, str):
        try:
            result = json.loads(result)
        except ValueError:
            raise RequestBuildError("replacements need a JSON or XML payload") from None
    for replacement in replacements:
        if replacement.target_type == "xpath":
            raise RequestBuildError(
                f"replacement target {replacement.target!r} is an XPath, but the payload is JSON"
            )
        if replacement.target_type == "jsonpath":
            locations = jsonpath_locations(result, replacement.target, replacement.target_version)
            if not locations:
                raise RequestBuildError(
                    f"replacement target {replacement.target!r} selects nothing in the payload"
                )
            for location in locations:
                result = _set_pointer(result, location, replacement.value)
            continue
        result = _set_pointer(result, replacement.target, replacement.value)
    return result


def _set_pointer(document: Any, pointer: str, value: Any) -> Any:
    if pointer == "":
        return value
    if not pointer.startswith("/"):
        raise RequestBuildError(f"replacement target {pointer!r} is not a JSON pointer (must start with '/')")
    tokens = [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
    parent = document
    for depth, token in enumerate(tokens[:-1]):
        parent = _child(parent, token, pointer, tokens[: depth + 1])
    last = tokens[-1]
    if isinstance(parent, dict):
        parent[last] = value
    elif isinstance(parent, list):
        index = len(parent) if last == "-" else _index(last, pointer)
        if index == len(parent):
            parent.append(value)
        elif 0 <= index < len(parent):
            parent[index] = value
        else:
            raise RequestBuildError(f"replacement target {pointer!r}: index {last} is out of range")
    else:
        raise RequestBuildError(
            f"replacement target {pointer!r} goes inside a value that is not an object or array"
        )
    return document


def _child(node: Any, token: str, pointer: str, so_far: list[str]) -> Any:
    if isinstance(node, dict) and token in node:
        return node[token]
    if isinstance(node, list):
        index = _index(token, pointer)
        if 0 <= index < len(node):
            return node[index]
    where = "/" + "/".join(t.replace("~", "~0").replace("/", "~1") for t in so_far)
    raise RequestBuildError(f"replacement target {pointer!r}: nothing at {where!r} in the payload")


def _index(token: str, pointer: str) -> int:
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise RequestBuildError(f"replacement target {pointer!r}: {token!r} is not an array index")
    return int(token)


def drop_nulls(value: Any) -> Any:
    """``value`` without object members whose value is ``None`` (recursively; list items are kept)."""
    if isinstance(value, Mapping):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [drop_nulls(v) for v in value]
    return value


def default_content_type(payload: Any) -> str:
    """The media type to use when neither the step nor the operation gives one."""
    if isinstance(payload, bytes | bytearray):
        return "application/octet-stream"
    if isinstance(payload, str):
        return "text/plain"
    return "application/json"


def encode_body(body: RequestBody, content_type: str, xml_root: str | None = None) -> EncodedBody:
    """Encode ``body`` (replacements applied here) as ``content_type`` (``xml_root``: the root
    element's name for an object written as XML, from the operation's schema)."""
    payload = apply_replacements(body.payload, body.replacements)
    kind = media_type(content_type)
    if isinstance(payload, bytes | bytearray):
        return EncodedBody(bytes(payload), content_type)
    if is_json(kind):
        strip = is_aws_json(kind) if body.drop_nulls is None else body.drop_nulls
        if isinstance(payload, str):
            return EncodedBody(payload.encode("utf-8"), content_type)
        if strip:
            payload = drop_nulls(payload)
        text = json.dumps(
            payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False, default=_reject
        )
        return EncodedBody(text.encode("utf-8"), content_type)
    if kind == "application/x-www-form-urlencoded":
        if isinstance(payload, str):
            return EncodedBody(payload.encode("utf-8"), content_type)
        if isinstance(payload, Mapping):
            pairs = [
                (str(k), scalar_text(item))
                for k, v in payload.items()
                if v is not None
                for item in (v if isinstance(v, list | tuple) else [v])
            ]
            return EncodedBody(urlencode(pairs).encode("ascii"), content_type)
        raise RequestBuildError("an application/x-www-form-urlencoded payload must be an object or a string")
    if kind == "multipart/form-data":
        return _multipart(payload)
    if is_xml(kind) and isinstance(payload, Mapping):
        if xml_root is not None and len(payload) == 1 and xml_root in payload:
            xml_root = None  # the payload names its root itself
        return EncodedBody(object_to_xml(payload, xml_root), content_type)
    if isinstance(payload, str):
        return EncodedBody(payload.encode("utf-8"), content_type)
    if payload is None:
        return EncodedBody(b"", content_type)
    if isinstance(payload, int | float | bool):
        return EncodedBody(scalar_text(payload).encode("utf-8"), content_type)
    what = (
        "an object"
        if isinstance(payload, Mapping)
        else "a list"
        if isinstance(payload, list | tuple)
        else "this"
    )
    raise RequestBuildError(
        f"cannot write {what} payload as {kind or 'an unknown media type'};"
        " give the payload as a string (already serialised) or use a JSON or XML media type"
    )


def _multipart(payload: Any) -> EncodedBody:
    """RFC 7578 ``multipart/form-data``: one part per member, ``bytes`` as file parts."""
    if not isinstance(payload, Mapping):
        raise RequestBuildError("a multipart/form-data payload must be an object (one part per member)")
    boundary = secrets.token_hex(16)
    chunks: list[bytes] = []
    for key, value in payload.items():
        if value is None:
            continue
        name = _quote_part_name(str(key))
        if isinstance(value, bytes | bytearray):
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n"
            )
            content = bytes(value)
        else:
            head = f'Content-Disposition: form-data; name="{name}"\r\n'
            content = scalar_text(value).encode("utf-8")
        chunks.append(f"--{boundary}\r\n{head}\r\n".encode() + content + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return EncodedBody(b"".join(chunks), f"multipart/form-data; boundary={boundary}")


def _quote_part_name(name: str) -> str:
    """Escape a part name as the HTML form encoding does (``"`` and line breaks percent-encoded)."""
    return name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _reject(value: Any) -> Any:
    raise RequestBuildError(f"a {type(value).__name__} value cannot be written as JSON")
