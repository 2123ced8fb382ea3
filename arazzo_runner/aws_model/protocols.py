"""Every botocore protocol on the wire: a step's call mapped to a botocore operation, its request
serialised and its answer parsed by botocore, driven by the service model.

Why botocore: its serialisers and parsers are the reference for AWS's wire formats (json,
rest-json, rest-xml, query, ec2); nothing of a format is written by hand here. This module only
*maps* what an Arazzo step says onto what botocore takes:

* **Which operation** (:func:`match_operation`), first match wins: the ``X-Amz-Target`` header
  (``DynamoDB_20120810.GetItem``); the ``Action`` query value (``?Action=RunInstances`` in the path
  key or a query parameter); the step's ``operationId`` ignoring case (``getItem``); the method plus
  the path template, compared with the model's ``requestUri`` (labels renamed, ``x-id`` ignored,
  the literal query flags such as ``?uploads`` or ``?list-type=2`` compared as a set).
* **Which input members** (:func:`input_params`): a path, query or header parameter is the member
  whose ``locationName`` (or name) it carries, ignoring case (``Key+`` → ``Key``, ``uploadId`` →
  ``UploadId``); the body payload is the input's members, or, when the input has a ``payload``
  member (S3's ``Tagging``, ``Delete``, ``CompleteMultipartUpload``…), that member's contents (a
  document may also name the member itself). Inside, a key is a member's name or its wire name
  (``locationName``: ``Part`` for ``Parts``, ``Object`` for ``Objects``), ignoring case; a list may be
  written with its XML wrapper (``TagSet: {Tag: [...]}``) or a single item for a one-item list;
  a blob member written as text is taken as base64 when it is valid base64, else as UTF-8.
  Parameters with no member (a header the model does not know) are sent as given.
* **The answer** (:func:`parse_answer`, in :mod:`.answer_views`): botocore's parser with the
  operation's output shape; timestamps and blobs are kept as the text the server sent, so the view is plain
  JSON data. ``ResponseMetadata.HTTPHeaders`` is left out (``$response.header`` reads headers).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .answer_views import parse_answer

__all__ = [
    "AwsOperation",
    "input_params",
    "match_operation",
    "parse_answer",
    "serialise_request",
]

#: The protocols whose requests and answers go through botocore here (``json`` bodies are written
#: by the engine as they always were: compact JSON, ``null`` members left out, byte for byte).
WIRE_PROTOCOLS = ("rest-json", "rest-xml", "query", "ec2")
#: Protocols whose answers are XML (parsed into a JSON view).
XML_PROTOCOLS = ("rest-xml", "query", "ec2")

_LABEL = re.compile(r"\{[^{}]+\}")


@dataclass(frozen=True, slots=True)
class AwsOperation:
    """A step's call, understood as a botocore operation of a service model."""

    service: str
    protocol: str
    #: botocore's ``OperationModel``.
    model: Any

    @property
    def name(self) -> str:
        return str(self.model.name)


@lru_cache(maxsize=32)
def service_model(name: str) -> Any:
    """botocore's ``ServiceModel`` for a client name (loaded once per process)."""
    from botocore.model import ServiceModel

    from .endpoints import shared_loader

    return ServiceModel(shared_loader().load_service_model(name, "service-2"), service_name=name)


def protocol_of(model: Any) -> str:
    """The protocol botocore would send this service with (its first supported one)."""
    from .endpoints import SUPPORTED_PROTOCOLS

    for protocol in model.metadata.get("protocols") or ():
        if protocol in SUPPORTED_PROTOCOLS:
            return str(protocol)
    return str(model.metadata.get("protocol") or "")


def _template(uri: str) -> tuple[str, frozenset[tuple[str, str]]]:
    """``/{Bucket}/{Key+}?uploads`` → (``/{}/{}``, {(``uploads``, ``""``)}): the path with labels
    renamed and the literal query flags (placeholders and botocore's ``x-id`` left out)."""
    path, _, query = uri.split("#", 1)[0].partition("?")
    path = _LABEL.sub("{}", path)
    if len(path) > 1:
        path = path.rstrip("/")
    flags = set()
    for item in query.split("&"):
        if not item:
            continue
        key, _, value = item.partition("=")
        if key == "x-id" or "{" in value:
            continue
        flags.add((key, value))
    return path or "/", frozenset(flags)


@lru_cache(maxsize=256)
def _operations(service: str) -> dict[str, Any]:
    model = service_model(service)
    return {name: model.operation_model(name) for name in model.operation_names}


@lru_cache(maxsize=2048)
def match_operation(
    services: tuple[str, ...],
    method: str,
    path_key: str,
    operation_id: str | None,
    target: str | None = None,
    action: str | None = None,
    given: tuple[str, ...] = (),
) -> AwsOperation | None:
    """The botocore operation a step's call is, in the first of ``services`` that has it.

    ``given`` (lower-cased names of the step's parameters and body members) tells apart
    operations that share a method and path (S3's PutObject and CopyObject): the one that takes
    the most of them, then the one that requires the fewest members."""
    for service in services:
        found = _match_in(service, method.upper(), path_key, operation_id, target, action, given)
        if found is not None:
            return AwsOperation(service, _protocol_for(service_model(service), target, action), found)
    return None


def _protocol_for(model: Any, target: str | None, action: str | None) -> str:
    """The service's protocol, or the one the step is evidently written for when the service
    speaks several (CloudWatch: CBOR, JSON and query): ``Action=`` is query, a target is JSON."""
    protocols = list(model.metadata.get("protocols") or ())
    if action and "query" in protocols:
        return "query"
    if target and "json" in protocols:
        return "json"
    return protocol_of(model)


def _match_in(
    service: str,
    method: str,
    path_key: str,
    operation_id: str | None,
    target: str | None,
    action: str | None,
    given: tuple[str, ...] = (),
) -> Any:
    operations = _operations(service)
    by_lower = {name.lower(): op for name, op in operations.items()}
    if target:
        prefix = service_model(service).metadata.get("targetPrefix")
        head, _, name = target.rpartition(".")
        if (not prefix or head == prefix) and name.lower() in by_lower:
            return by_lower[name.lower()]
    if action and action.lower() in by_lower:
        return by_lower[action.lower()]
    if operation_id and operation_id.lower() in by_lower:
        return by_lower[operation_id.lower()]
    wanted = _template(path_key)
    if wanted == ("/", frozenset()) and method == "POST":
        return None  # the RPC protocols' one path: only a target, an action or an id can tell
    found = [
        op
        for op in operations.values()
        if op.http.get("method", "POST").upper() == method
        and _template(op.http.get("requestUri", "/")) == wanted
    ]
    if len(found) > 1:
        # The path key's own query placeholders (?uploadId={uploadId}) are given too.
        named = set(given) | {k.lower() for k, _, v in _query_items(path_key) if "{" in v}
        found.sort(key=lambda op: _fit(op, named), reverse=True)
        if _fit(found[0], named) == _fit(found[1], named):
            return None  # nothing tells them apart: the generic path applies
    return found[0] if found else None


def _query_items(uri: str) -> list[tuple[str, str, str]]:
    query = uri.split("#", 1)[0].partition("?")[2]
    return [item.partition("=") for item in query.split("&") if item]


def _fit(operation: Any, given: set[str]) -> tuple[int, int]:
    shape = operation.input_shape
    if shape is None:
        return (0, 0)
    names = set(_members_by_wire_name(shape))
    required = getattr(shape, "required_members", []) or []
    return (len(names & given), -len(required))


# -- what the step says → the operation's input members ---------------------------------------


def _members_by_wire_name(shape: Any) -> dict[str, str]:
    """A structure's members by lower-cased name and wire name (``locationName``)."""
    found: dict[str, str] = {}
    for name, member in shape.members.items():
        found.setdefault(name.lower(), name)
        wire = member.serialization.get("name")
        if wire:
            found.setdefault(str(wire).lower(), name)
    return found


def conform(value: Any, shape: Any, depth: int = 0) -> Any:
    """``value`` (as a document wrote it) with keys renamed to the shape's member names and XML
    list wrappers removed; values the shape does not describe are kept as they are."""
    if shape is None or depth > 64:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, Mapping):
        names = _members_by_wire_name(shape)
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = names.get(str(key).lstrip("@").lower())  # @xsi:type: an XML attribute member
            if name is None:
                members = ", ".join(shape.members)
                raise ValueError(f"{shape.name} has no member {str(key)!r} (its members: {members})")
            if item is None:
                continue  # an optional input that was not given: left out, as botocore does
            out[name] = conform(item, shape.members[name], depth + 1)
        return out
    if kind == "list":
        member = shape.member
        if isinstance(value, Mapping) and len(value) == 1:
            (key,) = value
            wire = str(member.serialization.get("name") or "member")
            if str(key).lower() in (wire.lower(), "member", member.name.lower()):
                value = value[key]  # written with its XML wrapper: TagSet: {Tag: [...]}
        if not isinstance(value, list | tuple):
            value = [value]
        return [conform(item, member, depth + 1) for item in value]
    if kind == "map" and isinstance(value, Mapping):
        return {k: conform(v, shape.value, depth + 1) for k, v in value.items()}
    if kind == "boolean" and isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if kind in ("integer", "long") and isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    if kind == "blob" and isinstance(value, str):
        return _blob(value)
    return value


def _blob(text: str) -> bytes:
    """A blob member written as text: base64 when it is valid base64 (how JSON and XML carry
    blobs, so what authors copy from AWS's documentation), else the text's UTF-8 bytes."""
    import base64
    import binascii

    compact = text.strip()
    if compact and len(compact) % 4 == 0:
        try:
            return base64.b64decode(compact, validate=True)
        except (binascii.Error, ValueError):
            pass
    return text.encode("utf-8")


@dataclass(frozen=True, slots=True)
class MappedInput:
    """The operation's input parameters, and what the step gave that no member takes."""

    params: dict[str, Any]
    extra_headers: tuple[tuple[str, str], ...] = ()
    extra_query: tuple[tuple[str, str], ...] = ()


#: Parameters that choose the operation rather than carry input.
_ROUTING = {("header", "x-amz-target"), ("query", "action"), ("query", "version")}


def input_params(
    operation: AwsOperation, parameters: Iterable[tuple[str, str, Any]], payload: Any, has_body: bool
) -> MappedInput:
    """The botocore input for a step's ``(name, in, value)`` parameters and its body ``payload``."""
    shape = operation.model.input_shape
    params: dict[str, Any] = {}
    extra_headers: list[tuple[str, str]] = []
    extra_query: list[tuple[str, str]] = []
    located: dict[tuple[str, str], str] = {}
    if shape is not None:
        for name, member in shape.members.items():
            where = member.serialization.get("location")
            wire = str(member.serialization.get("name") or name)
            if where == "uri":
                located[("path", wire.lower())] = name
            elif where == "querystring":
                located[("query", wire.lower())] = name
            elif where == "header":
                located[("header", wire.lower())] = name
        names = _members_by_wire_name(shape)
    else:
        names = {}
    for name, location, value in parameters:
        if value is None or (location, name.lower()) in _ROUTING:
            continue
        key = name.rstrip("+").lower()
        member = located.get((location, key)) or (names.get(key) if location != "header" else None)
        if member is None or shape is None:
            text = value if isinstance(value, str) else str(value)
            (extra_headers if location == "header" else extra_query).append((name, text))
            continue
        params[member] = conform(value, shape.members[member])
    if has_body and shape is not None:
        params.update(_body_params(shape, payload))
    return MappedInput(params, tuple(extra_headers), tuple(extra_query))


def _body_params(shape: Any, payload: Any) -> dict[str, Any]:
    payload_member = shape.serialization.get("payload")
    if payload_member:
        member = shape.members[payload_member]
        if member.type_name == "structure":
            if isinstance(payload, Mapping) and len(payload) == 1:
                (key,) = payload
                wire = str(member.serialization.get("name") or payload_member)
                if str(key).lower() in (payload_member.lower(), wire.lower()):
                    payload = payload[key]  # the document named the member (or its root element)
            return {payload_member: conform(payload, member)}
        return {payload_member: payload}  # a blob or string body (PutObject's Body)
    if isinstance(payload, Mapping):
        conformed = conform(payload, shape)
        return dict(conformed) if isinstance(conformed, Mapping) else {}
    return {}


# -- serialise ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WireRequest:
    """A request as botocore prepared it: method, full URL, headers and body bytes."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


def serialise_request(
    operation: AwsOperation, mapped: MappedInput, base_url: str, *, host_prefix: bool
) -> WireRequest:
    """botocore's serialiser for the protocol, then botocore's request preparation (URL, query
    encoding, form bodies, checksums the operation requires)."""
    from botocore.awsrequest import prepare_request_dict
    from botocore.serialize import create_serializer

    serializer = create_serializer(operation.protocol, include_validation=False)
    request_dict = serializer.serialize_to_request(dict(mapped.params), operation.model)
    if not host_prefix:
        request_dict.pop("host_prefix", None)
    prepare_request_dict(request_dict, endpoint_url=base_url)
    _checksums(request_dict, operation)
    from botocore.awsrequest import create_request_object

    prepared = create_request_object(request_dict).prepare()
    url = str(prepared.url)
    if mapped.extra_query:
        from urllib.parse import parse_qsl, urlencode, urlsplit

        present = set(parse_qsl(urlsplit(url).query, keep_blank_values=True))
        extra = [(k, v) for k, v in mapped.extra_query if (k, v) not in present]  # ?list-type=2 once
        if extra:
            url += ("&" if "?" in url else "?") + urlencode(extra)
    headers = [(str(k), str(v)) for k, v in prepared.headers.items()]
    known = {k.lower() for k, _ in headers}
    headers.extend((k, v) for k, v in mapped.extra_headers if k.lower() not in known)
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    elif not isinstance(body, bytes):
        body = body.read() if hasattr(body, "read") else bytes(body)
    return WireRequest(str(prepared.method), url, tuple(headers), body)


def _checksums(request_dict: dict[str, Any], operation: AwsOperation) -> None:
    """The body checksum an operation requires (``Content-MD5`` or a flexible checksum), as
    botocore's own handlers add it."""
    model = operation.model
    required = model.http_checksum_required or (model.http_checksum or {}).get("requestChecksumRequired")
    if not required or not request_dict.get("body"):
        return
    from botocore.config import Config
    from botocore.httpchecksum import apply_request_checksum, resolve_request_checksum_algorithm

    context = request_dict.setdefault("context", {})
    context["client_config"] = Config(request_checksum_calculation="when_required")
    resolve_request_checksum_algorithm(request_dict, model, {})
    apply_request_checksum(request_dict)
