"""Generate an OpenAPI 3.1 description of an AWS service from botocore's model, in any of its protocols.

``arazzo aws-openapi sagemaker --operations CreateTrainingJob,DescribeTrainingJob`` calls
:func:`render_openapi`. The output is what a workflow needs to call the service as the SDKs do:

* ``servers``: botocore's endpoint templates per partition, ``region`` as a variable (a global
  service such as IAM gets its fixed URL);
* operations keyed and shaped per protocol:

  - AWS JSON 1.0/1.1 (``json``: SageMaker, DynamoDB): one ``POST`` per operation keyed
    ``/#X-Amz-Target=<targetPrefix>.<Operation>`` (the fragment keeps keys unique; the URL sent
    is ``/``), with a required ``X-Amz-Target`` header whose only value is the target, and
    ``application/x-amz-json-<version>`` bodies; errors as HTTP 400 with ``__type``;
  - REST-JSON and REST-XML (Lambda, S3): see :mod:`.openapi_rest` (the ``requestUri``'s path,
    its literal query as constant parameters, greedy labels, payload members, headers);
  - Query and EC2 (STS, EC2): see :mod:`.openapi_query` (``/#Action=<Operation>``, constant
    ``Action``/``Version``, form bodies, XML answers);

* every operation: ``operationId`` in botocore's spelling, ``x-operationId-aliases`` with the
  lowerCamel one, ``x-aws-operation`` (see :mod:`.openapi_common`);
* request and response schemas from the shapes (see :mod:`.shape_schemas`);
* SigV4: a security scheme with ``x-amazon-apigateway-authtype: awsSigv4`` and
  ``info.x-aws-signingName`` (what :func:`arazzo_runner.http.aws_signing` reads), plus
  ``info.x-aws-serviceName`` (botocore's client name, for ``AWS_ENDPOINT_URL_<SERVICE>``) and
  ``info.x-aws-protocol``.

Output is deterministic: operations and components sorted by name, members in model order,
no dates; the header names the botocore version whose model it was generated from, so a test can
compare a committed file with a fresh generation from that same version.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from .doc_text import description
from .errors import AwsModelError
from .openapi_common import error_body, modeled_errors, operation_header
from .openapi_query import XML as QUERY_MEDIA
from .openapi_query import error_schema_name as query_error_name
from .openapi_query import query_error_schema, query_operation
from .openapi_rest import error_schema_name as rest_error_name
from .openapi_rest import media_type as rest_media
from .openapi_rest import request_target, rest_error_schema, rest_operation
from .service_models import ServiceModel, endpoint_servers, load_service_model
from .shape_schemas import SchemaBuilder

XML_PROTOCOLS = frozenset({"rest-xml", "query", "ec2"})
SERVICE_DESCRIPTION_LIMIT = 400
SECURITY_SCHEME = "sigv4"
ERROR_SCHEMA = "AwsJsonError"

#: Client errors every AWS JSON operation can answer (HTTP 400), besides its modeled ones.
COMMON_CLIENT_ERRORS = (
    "AccessDeniedException",
    "IncompleteSignature",
    "InvalidSignatureException",
    "MissingAuthenticationTokenException",
    "RequestExpired",
    "SerializationException",
    "ThrottlingException",
    "UnknownOperationException",
    "UnrecognizedClientException",
    "ValidationException",
)


def generate_openapi(
    service: str, operations: Sequence[str] | None = None, *, loader: Any = None
) -> dict[str, Any]:
    """The OpenAPI 3.1 document (plain dicts) for ``service``, limited to ``operations`` if given.

    ``service`` is botocore's client name (``sagemaker``, ``s3``, ``ec2``); ``operations`` are
    model operation names (``CreateTrainingJob``) or their lowerCamel spelling. Raises
    :class:`AwsModelError` for an unknown service or operation, or a protocol we cannot describe
    (Smithy RPC v2 CBOR only).
    """
    model = load_service_model(service, loader=loader)
    names = _select_operations(model, operations)
    builder = SchemaBuilder(model.shapes, xml=model.protocol in XML_PROTOCOLS)
    if model.protocol == "json":
        return _json_document(model, builder, names, loader=loader)
    if model.protocol in ("query", "ec2"):
        paths = {f"/#Action={name}": {"post": query_operation(model, builder, name)} for name in names}
        error_name, error_schema, media = query_error_name(model), query_error_schema(model), QUERY_MEDIA
    else:  # rest-json, rest-xml
        paths = _rest_paths(model, builder, names)
        error_name, error_schema, media = rest_error_name(model), rest_error_schema(model), rest_media(model)
    info = _info(model, names)
    info["x-aws-apiVersion"] = model.api_version
    if model.metadata.get("signatureVersion"):
        info["x-aws-signatureVersion"] = str(model.metadata["signatureVersion"])
    if model.xml_namespace:
        info["x-aws-xmlNamespace"] = model.xml_namespace
    document = _document(model, info, paths, loader)
    document["components"]["responses"] = {
        "ServerError": {
            "description": "A server-side failure (InternalError, ServiceUnavailable); safe to retry with backoff.",
            "content": {media: {"schema": {"$ref": f"#/components/schemas/{error_name}"}}},
        }
    }
    schemas = {**builder.components, error_name: error_schema}
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def _document(
    model: ServiceModel, info: dict[str, Any], paths: dict[str, Any], loader: Any
) -> dict[str, Any]:
    """The OpenAPI document of every protocol: the model's servers, SigV4 on every operation (the
    caller adds the components of its protocol: responses and schemas)."""
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": endpoint_servers(model.endpoint_prefix, loader=loader),
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {"securitySchemes": _security_schemes()},
    }


def _rest_paths(model: ServiceModel, builder: SchemaBuilder, names: list[str]) -> dict[str, Any]:
    """Path items of REST operations: keys as :mod:`.openapi_rest` says, methods grouped per key."""
    keys: dict[str, tuple[str, str]] = {}
    for name in model.operations:  # the whole model, so a subset's keys are the same as the full file's
        method, path, literal = request_target(model, name)
        keys[name] = (method, f"{path}#{literal}" if literal else path)
    taken: dict[tuple[str, str], int] = {}
    for method, key in keys.values():
        taken[(method, key)] = taken.get((method, key), 0) + 1
    paths: dict[str, Any] = {}
    for name in names:
        method, key = keys[name]
        if taken[(method, key)] > 1:
            key += ("&" if "#" in key else "#") + f"x-aws-operation={name}"
        paths.setdefault(key, {})[method] = rest_operation(model, builder, name)
    return paths


def _info(model: ServiceModel, names: list[str]) -> dict[str, Any]:
    info: dict[str, Any] = {
        "title": str(model.metadata.get("serviceFullName") or model.name),
        "version": str(model.metadata.get("apiVersion", "")),
    }
    text = description(model.documentation, SERVICE_DESCRIPTION_LIMIT)
    subset = len(names) < len(model.operations)
    if subset:
        text = f"{text}\n\nSubset: {len(names)} of the service's {len(model.operations)} operations.".strip()
    if text:
        info["description"] = text
    info.update(
        {
            "x-aws-signingName": model.signing_name,
            "x-aws-serviceName": model.name,
            "x-aws-serviceId": str(model.metadata.get("serviceId", "")),
            "x-aws-endpointPrefix": model.endpoint_prefix,
            "x-aws-protocol": model.protocol,
        }
    )
    return info


def _security_schemes() -> dict[str, Any]:
    return {
        SECURITY_SCHEME: {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "AWS Signature Version 4 (the request is signed with botocore).",
            "x-amazon-apigateway-authtype": "awsSigv4",
        }
    }


def _json_document(
    model: ServiceModel, builder: SchemaBuilder, names: list[str], *, loader: Any
) -> dict[str, Any]:
    """The AWS JSON 1.0/1.1 description (its layout is fixed: a committed file is compared with it)."""
    paths: dict[str, Any] = {}
    for name in names:
        target = f"{model.target_prefix}.{name}"
        paths[f"/#X-Amz-Target={target}"] = {"post": _operation(model, builder, name, target)}
    info = _info(model, names)
    info.update({"x-aws-jsonVersion": model.json_version, "x-aws-targetPrefix": model.target_prefix})
    document = _document(model, info, paths, loader)
    document["components"]["responses"] = _shared_responses(model)
    schemas = {**builder.components, ERROR_SCHEMA: _error_schema()}
    document["components"]["schemas"] = dict(sorted(schemas.items()))
    return document


def render_openapi(service: str, operations: Sequence[str] | None = None, *, loader: Any = None) -> str:
    """The YAML text ``arazzo aws-openapi`` writes: a header saying how to regenerate, then the document."""
    import yaml

    document = generate_openapi(service, operations, loader=loader)
    command = f"arazzo aws-openapi {service}"
    if operations:
        names = [op["x-aws-operation"] for item in document["paths"].values() for op in item.values()]
        command += " --operations " + ",".join(sorted(names))
    import botocore

    header = (
        f"# Generated by `{command}` from the {service} service model inside botocore {botocore.__version__}.\n"
        "# Do not edit by hand: regenerate it instead (`make openapi` for the files in this repository).\n"
    )
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)
    return header + body


def _select_operations(model: ServiceModel, operations: Sequence[str] | None) -> list[str]:
    if not operations:
        return sorted(model.operations)
    by_folded = {name.lower(): name for name in model.operations}
    wanted = sorted({by_folded.get(op.lower(), op) for op in _requested(operations)})
    unknown = [op for op in wanted if op not in model.operations]
    if unknown:
        hints = []
        for op in unknown:
            close = difflib.get_close_matches(op, list(model.operations), n=2)
            hints.append(f"{op} (did you mean {' or '.join(close)}?)" if close else op)
        raise AwsModelError(
            f"service {model.name!r} has no operation {', '.join(hints)}; names are botocore's"
            f" (e.g. {sorted(model.operations)[0]}), in any case"
        )
    return wanted


def _requested(operations: Sequence[str]) -> list[str]:
    return sorted({op.strip() for op in operations if op.strip()})


def _operation(model: ServiceModel, builder: SchemaBuilder, name: str, target: str) -> dict[str, Any]:
    spec = model.operations[name]
    media = model.content_type
    operation = operation_header(model, name)
    operation["parameters"] = [
        {
            "name": "X-Amz-Target",
            "in": "header",
            "required": True,
            "description": "The operation to call (the AWS JSON protocol routes on this header).",
            "schema": {"type": "string", "const": target, "default": target},
        }
    ]
    input_schema = builder.ref(spec["input"]["shape"]) if spec.get("input") else {"type": "object"}
    operation["requestBody"] = {"required": True, "content": {media: {"schema": input_schema}}}
    output_schema = (
        builder.ref(spec["output"]["shape"])
        if spec.get("output")
        else {"type": "object", "description": "An empty JSON object."}
    )
    modeled = modeled_errors(model, name)
    error_text = "Client error; the body's __type names it"
    if modeled:
        error_text += f": one of this operation's ({', '.join(modeled)}) or"
    error_text += " a common one such as ValidationException or ThrottlingException."
    client_error: dict[str, Any] = {
        "description": error_text,
        "content": {media: {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}},
    }
    if modeled:
        client_error["x-aws-errors"] = modeled
    operation["responses"] = {
        "200": {"description": "Success.", "content": {media: {"schema": output_schema}}},
        "400": client_error,
        "403": {"$ref": "#/components/responses/AuthenticationError"},
        "5XX": {"$ref": "#/components/responses/ServerError"},
    }
    return operation


def _error_schema() -> dict[str, Any]:
    return error_body(
        "An AWS JSON-protocol error body. Besides its modeled errors, any operation may"
        " answer " + ", ".join(COMMON_CLIENT_ERRORS) + ".",
        {
            "__type": {
                "type": "string",
                "description": "The error code, sometimes prefixed with a namespace (ns#Code).",
            },
            "message": {"type": "string", "description": "What went wrong (some services write Message)."},
        },
        required=["__type"],
    )


def _shared_responses(model: ServiceModel) -> dict[str, Any]:
    media = model.content_type
    content = {media: {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    return {
        "AuthenticationError": {
            "description": "The request is not signed, or its SigV4 signature or credentials are not valid"
            " (SignatureDoesNotMatch, InvalidClientTokenId, MissingAuthenticationToken, ExpiredToken).",
            "content": content,
        },
        "ServerError": {
            "description": "A server-side failure (InternalFailure, ServiceUnavailable); safe to retry"
            " with backoff.",
            "content": content,
        },
    }
