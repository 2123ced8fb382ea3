"""AWS steps on the wire: which botocore operation a step calls, its request built by botocore's
serialiser, its answer read by botocore's parser (see :mod:`arazzo_runner.aws_model.protocols`).

Applies to AWS endpoints only (recognised from the host, or declaring SigV4 with
``info.x-aws-serviceName``), and only when the step's call maps to an operation of the service
model. The ``json`` protocol's requests are built as before (compact JSON, ``null`` members
left out: byte for byte what the flagship has always sent) and its answers are JSON already;
rest-json, rest-xml, query and ec2 requests are serialised by botocore, and the XML protocols'
answers get a JSON *view* (the output shape's members) that JSON pointers and JSONPath read,
while XPath keeps reading the XML text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import httpx

from ..aws_model.endpoints import recognise_host
from ..aws_model.protocols import (
    WIRE_PROTOCOLS,
    XML_PROTOCOLS,
    AwsOperation,
    input_params,
    match_operation,
    parse_answer,
    serialise_request,
)
from ..sources.openapi import OpenApiSource, Operation
from .endpoint import Endpoint
from .errors import RequestBuildError
from .request import EvaluatedParameter, new_request, parsed_url


def _service_names(endpoint: Endpoint, source: OpenApiSource) -> tuple[str, ...]:
    if endpoint.aws is not None:
        return endpoint.aws.service.names or (endpoint.aws.service.name,)
    if not endpoint.is_aws:
        return ()
    info = source.data.get("info")
    name = info.get("x-aws-serviceName") if isinstance(info, Mapping) else None
    return (str(name),) if isinstance(name, str) and name else ()


def _json_only(endpoint: Endpoint, source: OpenApiSource) -> bool:
    """A service that speaks only the json protocol: nothing to map (its requests are built and
    its answers read as JSON, as always), so no model is loaded for it."""
    if endpoint.aws is not None:
        return endpoint.aws.service.protocol == "json"
    info = source.data.get("info")
    return isinstance(info, Mapping) and info.get("x-aws-protocol") == "json"


def _routing(operation: Operation, parameters: Iterable[EvaluatedParameter]) -> tuple[str | None, str | None]:
    """(``X-Amz-Target`` value, ``Action`` value) from the step's parameters or the path key."""
    target = action = None
    for parameter in parameters:
        if parameter.value is None:
            continue
        if parameter.location == "header" and parameter.name.lower() == "x-amz-target":
            target = str(parameter.value)
        elif parameter.location == "query" and parameter.name.lower() == "action":
            action = str(parameter.value)
    for part in (operation.path.partition("?")[2], operation.path.partition("#")[2]):
        for item in part.split("&"):
            key, _, value = item.partition("=")
            if key.lower() == "action" and value and "{" not in value and action is None:
                action = value
            elif key.lower() == "x-amz-target" and value and target is None:
                target = value
    return target, action


def aws_operation(
    endpoint: Endpoint,
    source: OpenApiSource,
    operation: Operation,
    parameters: Iterable[EvaluatedParameter],
    payload: Any = None,
) -> AwsOperation | None:
    """The botocore operation this step's call is (``None``: not AWS, or no operation fits)."""
    services = _service_names(endpoint, source)
    if not services or _json_only(endpoint, source):
        return None
    target, action = _routing(operation, parameters)
    given = {p.name.rstrip("+").lower() for p in parameters if p.value is not None}
    if isinstance(payload, Mapping):
        given.update(str(k).lower() for k in payload)
    try:
        return match_operation(
            services,
            operation.method,
            operation.path,
            operation.operation_id,
            target,
            action,
            tuple(sorted(given)),
        )
    except Exception:  # botocore lacks the model (an older botocore): the generic path applies
        return None


def build_aws_request(
    source: OpenApiSource,
    operation: Operation,
    parameters: Iterable[EvaluatedParameter],
    payload: Any,
    has_body: bool,
    content_type: str | None,
    endpoint: Endpoint,
) -> tuple[httpx.Request, AwsOperation] | None:
    """The request botocore's serialiser makes for this step, or ``None`` to build it generically
    (not an AWS operation, the json protocol, or a body given as text)."""
    parameters = list(parameters)
    found = aws_operation(endpoint, source, operation, parameters, payload)
    if found is None or found.protocol not in WIRE_PROTOCOLS:
        return None
    raw = _raw_payload(found)
    if has_body and isinstance(payload, str | bytes | bytearray) != raw:
        # Text for a structured body: the document serialised it itself, sent as written. An
        # object for a blob body (InvokeEndpoint's): encoded by its media type, as any body.
        return None
    mapped = input_params(found, [(p.name, str(p.location), p.value) for p in parameters], payload, has_body)
    host = httpx.URL(endpoint.base_url).host
    try:
        wire = serialise_request(
            found, mapped, endpoint.base_url, host_prefix=recognise_host(host) is not None
        )
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise RequestBuildError(
            f"cannot serialise {operation.summary} as AWS {found.service} {found.name} ({found.protocol}):"
            f" {type(exc).__name__}: {exc}"
        ) from None
    headers = list(wire.headers)
    names = {k.lower() for k, _ in headers}
    if wire.body and content_type and "content-type" not in names:
        headers.append(("Content-Type", content_type))
    return new_request(wire.method, parsed_url(wire.url), headers, wire.body or None), found


def _raw_payload(found: AwsOperation) -> bool:
    """Whether the operation's body is a blob or string member (S3's PutObject ``Body``)."""
    shape = found.model.input_shape
    member = shape.serialization.get("payload") if shape is not None else None
    return bool(member) and shape.members[member].type_name in ("blob", "string")


def answer_view(found: AwsOperation | None, status: int, headers: Mapping[str, str], content: bytes) -> Any:
    """The answer's JSON view by botocore's parser (XML protocols), or ``None``."""
    if found is None or found.protocol not in XML_PROTOCOLS:
        return None
    if content.strip() and not content.lstrip().startswith(b"<"):
        return None  # not XML (a proxy's HTML page, say): the generic reading applies
    try:
        return parse_answer(found, status, headers, content)
    except Exception:  # botocore could not parse it: the generic mapping still applies
        return None
