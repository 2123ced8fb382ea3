"""Operations of the AWS REST protocols (``rest-json``: Lambda, API Gateway; ``rest-xml``: S3, Route 53).

An operation's ``http.requestUri`` (``/{Bucket}/{Key+}?uploads``) becomes, in the OpenAPI way:

* the path key: the URI's path, plus the literal query as a fragment when there is one
  (``/{Bucket}/{Key+}#uploads``, ``/{Bucket}#list-type=2``). OpenAPI path keys carry no query; the
  fragment keeps keys unique and is never sent (the request builder drops it). When two operations
  still share method and key (S3's ``PutObject``/``CopyObject``/``UploadPart`` are all
  ``PUT /{Bucket}/{Key+}``), each key gets ``x-aws-operation=<Name>`` in its fragment;
* the literal query: one required ``in: query`` parameter per name, whose schema allows only the
  model's value (``const``, also the ``default``; ``""`` for a bare ``?uploads``, with
  ``allowEmptyValue``), so a client sends ``?uploads=`` / ``?list-type=2`` without being told;
* greedy labels (``{Key+}``): a path parameter named as in the template (``Key+``), marked
  ``x-aws-greedy: true``: its ``/`` are sent as they are, not as ``%2F``;
* members bound to the URI, the query string and headers: parameters named by their
  ``locationName``; ``headers`` maps (``x-amz-meta-*``) are listed in ``x-aws-headerPrefixes``;
* the body: the ``payload`` member (a structure as ``application/xml``/``application/json`` whose
  root element is the member's name; a blob or string as raw bytes), or else the members left;
* the answer: headers from header members, the body from the output's payload or its other
  members, with the model's ``responseCode``; errors as ``4XX``/``5XX`` with the modeled codes.

``x-aws-requestUri`` keeps botocore's ``requestUri`` verbatim for programs that map a request back
to the operation by method and URI template.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote

from .doc_text import description
from .openapi_common import error_body, modeled_errors, operation_header
from .service_models import ServiceModel
from .shape_schemas import MEMBER_DESCRIPTION_LIMIT, SchemaBuilder

_TEMPLATE = re.compile(r"\{([^{}]+)\}")
REST_JSON_ERROR = "AwsRestJsonError"
REST_XML_ERROR = "AwsRestXmlError"


def media_type(model: ServiceModel) -> str:
    """The media type of a REST service's structured bodies."""
    return "application/xml" if model.protocol == "rest-xml" else "application/json"


def error_schema_name(model: ServiceModel) -> str:
    return REST_XML_ERROR if model.protocol == "rest-xml" else REST_JSON_ERROR


def request_target(model: ServiceModel, name: str) -> tuple[str, str, str]:
    """``(method, path, literal query)`` of operation ``name``'s ``requestUri``."""
    http = model.operations[name].get("http") or {}
    path, _, literal = str(http.get("requestUri") or "/").partition("?")
    return str(http.get("method") or "POST").lower(), path or "/", literal


def literal_query(literal: str) -> list[tuple[str, str]]:
    """``uploads`` → ``[("uploads", "")]``; ``list-type=2&x=y`` → ``[("list-type", "2"), ("x", "y")]``."""
    pairs = []
    for part in literal.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def rest_operation(model: ServiceModel, builder: SchemaBuilder, name: str) -> dict[str, Any]:
    """The Operation Object of REST operation ``name``."""
    spec = model.operations[name]
    _, path, literal = request_target(model, name)
    operation = operation_header(model, name)
    operation["x-aws-requestUri"] = str((spec.get("http") or {}).get("requestUri") or "/")
    input_name = (spec.get("input") or {}).get("shape")
    input_shape = model.shapes[input_name] if input_name else {"members": {}}
    members: dict[str, Any] = input_shape.get("members") or {}
    required = set(input_shape.get("required") or [])
    parameters: list[dict[str, Any]] = []
    by_location = {
        (str(m.get("locationName") or n)): (n, m) for n, m in members.items() if m.get("location") == "uri"
    }
    for variable in _TEMPLATE.findall(path):
        greedy = variable.endswith("+")
        found = by_location.get(variable.rstrip("+"))
        schema = builder.member(found[1]) if found else {"type": "string"}
        parameter: dict[str, Any] = {"name": variable, "in": "path", "required": True}
        text = description(found[1].get("documentation"), MEMBER_DESCRIPTION_LIMIT) if found else ""
        if greedy:
            text = (text + " " if text else "") + "A greedy label: its '/' are sent as they are."
            parameter["x-aws-greedy"] = True
        if text:
            parameter["description"] = text
        parameter["schema"] = {k: v for k, v in schema.items() if k != "description"}
        parameters.append(parameter)
    for key, value in literal_query(literal):
        constant: dict[str, Any] = {
            "name": key,
            "in": "query",
            "required": True,
            "description": f"Part of the operation's URI ({operation['x-aws-requestUri']}); always this value.",
            "schema": {"type": "string", "const": value, "default": value},
        }
        if value == "":
            constant["allowEmptyValue"] = True
        parameters.append(constant)
    prefixes: dict[str, str] = {}
    for member_name, member in members.items():
        location = member.get("location")
        if location == "querystring":
            parameters.append(_parameter(builder, member_name, member, "query", member_name in required))
        elif location == "header":
            parameters.append(_parameter(builder, member_name, member, "header", member_name in required))
        elif location == "headers":
            prefixes[member_name] = str(member.get("locationName") or "")
    if parameters:
        operation["parameters"] = parameters
    if prefixes:
        operation["x-aws-headerPrefixes"] = prefixes
    if input_name:
        body = _body(model, builder, input_name, input_shape)
        if body is not None:
            operation["requestBody"] = body
    operation["responses"] = _responses(model, builder, name)
    return operation


def _parameter(
    builder: SchemaBuilder, member_name: str, member: dict[str, Any], where: str, required: bool
) -> dict[str, Any]:
    """A query or header parameter for a member; timestamps default as botocore sends them there."""
    default_format = "rfc822" if where == "header" else "iso8601"
    schema = builder.shape(member["shape"], timestamp_format=member.get("timestampFormat") or default_format)
    parameter: dict[str, Any] = {"name": str(member.get("locationName") or member_name), "in": where}
    if required:
        parameter["required"] = True
    text = description(member.get("documentation"), MEMBER_DESCRIPTION_LIMIT)
    if text:
        parameter["description"] = text
    if member.get("deprecated"):
        parameter["deprecated"] = True
    if where == "query" and builder.shape_type(member["shape"]) == "map":
        parameter["style"] = "form"
        parameter["explode"] = True
    parameter["schema"] = schema
    return parameter


def _body_members(shape: dict[str, Any]) -> list[str]:
    return [n for n, m in (shape.get("members") or {}).items() if not m.get("location")]


def _payload_content(
    model: ServiceModel, builder: SchemaBuilder, member_name: str, member: dict[str, Any]
) -> dict[str, Any]:
    """``content`` for a payload member: a structure in the service's media type, else raw bytes."""
    kind = builder.shape_type(member["shape"])
    if kind == "structure":
        schema = builder.ref(member["shape"])
        if model.protocol == "rest-xml":
            xml: dict[str, Any] = {"name": str(member.get("locationName") or member_name)}
            namespace = member.get("xmlNamespace")
            if isinstance(namespace, dict) and namespace.get("uri"):
                xml["namespace"] = str(namespace["uri"])
            elif model.xml_namespace:
                xml["namespace"] = model.xml_namespace
            schema = {**schema, "xml": xml}
        return {media_type(model): {"schema": schema}}
    if kind == "string":
        return {"text/plain": {"schema": {"type": "string"}}}
    return {
        "application/octet-stream": {
            "schema": {"type": "string", "contentMediaType": "application/octet-stream"}
        }
    }


def _body(
    model: ServiceModel, builder: SchemaBuilder, shape_name: str, shape: dict[str, Any]
) -> dict[str, Any] | None:
    payload = shape.get("payload")
    required = set(shape.get("required") or [])
    if payload:
        member = (shape.get("members") or {})[payload]
        body: dict[str, Any] = {"content": _payload_content(model, builder, payload, member)}
        text = description(member.get("documentation"), MEMBER_DESCRIPTION_LIMIT)
        if text:
            body = {"description": text, **body}
        body["required"] = payload in required
        return body
    names = _body_members(shape)
    if not names:
        return None
    schema = builder.members(shape_name, names)
    if model.protocol == "rest-xml" and shape.get("locationName"):
        schema["xml"] = {"name": str(shape["locationName"])}
    return {"required": bool(required & set(names)), "content": {media_type(model): {"schema": schema}}}


def _responses(model: ServiceModel, builder: SchemaBuilder, name: str) -> dict[str, Any]:
    spec = model.operations[name]
    code = str((spec.get("http") or {}).get("responseCode") or 200)
    success: dict[str, Any] = {"description": "Success."}
    output_name = (spec.get("output") or {}).get("shape")
    if output_name:
        shape = model.shapes[output_name]
        members = shape.get("members") or {}
        headers: dict[str, Any] = {}
        prefixes: dict[str, str] = {}
        for member_name, member in members.items():
            if member.get("location") == "header":
                schema = builder.shape(
                    member["shape"], timestamp_format=member.get("timestampFormat") or "rfc822"
                )
                header: dict[str, Any] = {"schema": schema}
                text = description(member.get("documentation"), MEMBER_DESCRIPTION_LIMIT)
                if text:
                    header = {"description": text, **header}
                header["x-aws-member"] = member_name
                headers[str(member.get("locationName") or member_name)] = header
            elif member.get("location") == "headers":
                prefixes[member_name] = str(member.get("locationName") or "")
        if headers:
            success["headers"] = headers
        if prefixes:
            success["x-aws-headerPrefixes"] = prefixes
        payload = shape.get("payload")
        if payload:
            success["content"] = _payload_content(model, builder, payload, members[payload])
        else:
            names = _body_members(shape)
            if names:
                schema = builder.members(output_name, names)
                success["content"] = {media_type(model): {"schema": schema}}
    modeled = modeled_errors(model, name)
    client: dict[str, Any] = {
        "description": "Client error"
        + (f": one of this operation's ({', '.join(modeled)}) or a common one." if modeled else "."),
        "content": {
            media_type(model): {"schema": {"$ref": f"#/components/schemas/{error_schema_name(model)}"}}
        },
    }
    if modeled:
        client["x-aws-errors"] = modeled
    if model.protocol == "rest-json":
        client["headers"] = {
            "x-amzn-ErrorType": {
                "description": "The error code (some services send it here rather than in the body).",
                "schema": {"type": "string"},
            }
        }
    return {
        code: success,
        "4XX": client,
        "5XX": {"$ref": "#/components/responses/ServerError"},
    }


def rest_error_schema(model: ServiceModel) -> dict[str, Any]:
    """The error body of a REST service: S3-style ``<Error>`` or a JSON object with a message."""
    if model.protocol == "rest-xml":
        return error_body(
            "An AWS REST-XML error: <Error><Code>…</Code><Message>…</Message></Error>"
            " (some services wrap it in <ErrorResponse>).",
            {
                "Code": {"type": "string", "description": "The error code (NoSuchBucket, AccessDenied...)."},
                "Message": {"type": "string"},
                "RequestId": {"type": "string"},
            },
            xml_root="Error",
        )
    return error_body(
        "An AWS REST-JSON error. The code is in the x-amzn-ErrorType header, or in the"
        " body's __type or code.",
        {
            "__type": {"type": "string"},
            "code": {"type": "string"},
            "message": {"type": "string"},
            "Message": {"type": "string"},
        },
    )
