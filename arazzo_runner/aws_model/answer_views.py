"""AWS answers as JSON views: botocore's parser for the protocol, the operation's output shape.

What :mod:`.protocols` maps a step's call to, this module reads the answer of: botocore's parser
(rest-xml, query, ec2; the JSON protocols' answers are JSON already) with timestamps and blobs
kept as the text the server sent, so the view is plain JSON data that JSON pointers and JSONPath
read by member name. Two things make it read the way documents are written against the XML:

* a structure whose members have other wire names (S3's ``Errors`` is ``<Error>``, EC2's
  ``Reservations`` is ``reservationSet``) is an :class:`AliasedObject` that reads by both names,
  without a member appearing twice in outputs;
* when the output's XML document *is* its payload member (S3's ``GetBucketEncryption`` answers
  ``<ServerSideEncryptionConfiguration>``), the payload's members are at the top, as the root
  element's children are (the member's own name still reads the whole).

``ResponseMetadata.HTTPHeaders`` is left out (``$response.header`` reads headers).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..expressions.values import AliasedObject

if TYPE_CHECKING:
    from .protocols import AwsOperation

__all__ = ["jsonable", "parse_answer"]


def _keep(value: Any) -> Any:
    return value


def parse_answer(operation: AwsOperation, status: int, headers: Mapping[str, str], body: bytes) -> Any:
    """botocore's parse of an answer into the output shape's JSON view (errors as ``Error``)."""
    from botocore.parsers import PROTOCOL_PARSERS

    parser = PROTOCOL_PARSERS[operation.protocol](timestamp_parser=_keep, blob_parser=_keep)
    response = {"status_code": status, "headers": dict(headers), "body": body}
    output = operation.model.output_shape
    if output is not None and output.serialization.get("payload"):
        member = output.members[output.serialization["payload"]]
        if member.type_name in ("blob", "string"):
            return None  # the payload is the body itself: $response.body reads it as it is
    parsed = parser.parse(response, output)
    view = jsonable(parsed)
    if output is None or not isinstance(view, dict) or "Error" in parsed:
        return view
    view = _with_wire_names(view, output, 0)
    payload = output.serialization.get("payload")
    if payload and isinstance(view.get(payload), dict):
        # The XML document is the payload member (S3's ServerSideEncryptionConfiguration): its
        # members are read at the top, as the document's root element's children are.
        inner = view[payload]
        rest = {k: v for k, v in view.items() if k != payload}
        aliases = {**getattr(inner, "aliases", {}), payload: None}
        wire = output.members[payload].serialization.get("name")
        if isinstance(wire, str) and wire != payload:
            aliases[wire] = None
        return AliasedObject({**inner, **rest}, aliases)
    return view


def _with_wire_names(value: Any, shape: Any, depth: int) -> Any:
    """``value`` whose structures may also be read by their members' wire names when those differ
    (S3's ``Errors`` is ``Error`` on the wire, EC2's ``Reservations`` is ``reservationSet``):
    documents written against the XML read the view by the element names they see."""
    if depth > 64 or shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        members = {}
        aliases: dict[str, str | None] = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name")
            located = member.serialization.get("location")  # headers are read as $response.header
            if isinstance(wire, str) and not located and wire != name and wire not in shape.members:
                aliases[wire] = name
        for key, item in value.items():
            member = shape.members.get(key)
            members[key] = _with_wire_names(item, member, depth + 1) if member is not None else item
        return AliasedObject(members, aliases) if aliases else members
    if kind == "list" and isinstance(value, list):
        return [_with_wire_names(item, shape.member, depth + 1) for item in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _with_wire_names(v, shape.value, depth + 1) for k, v in value.items()}
    return value


def jsonable(value: Any, depth: int = 0) -> Any:
    """Plain JSON data: ``ResponseMetadata.HTTPHeaders`` dropped, bytes decoded, datetimes as ISO text."""
    if depth > 100:
        return None
    if isinstance(value, Mapping):
        return {
            str(k): jsonable(v, depth + 1)
            for k, v in value.items()
            if not (k in ("HTTPHeaders", "RetryAttempts") and depth == 1)
        }
    if isinstance(value, list | tuple):
        return [jsonable(v, depth + 1) for v in value]
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "read"):
        return None
    return value
