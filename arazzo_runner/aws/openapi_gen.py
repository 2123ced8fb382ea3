"""Generate an OpenAPI 3.1 description of an AWS JSON-protocol service from botocore's model.

``arazzo aws-openapi sagemaker --operations CreateTrainingJob,DescribeTrainingJob`` calls
:func:`render_openapi`. The output is what a workflow needs to call the service as the SDKs do:

* ``servers``: botocore's endpoint templates per partition, ``region`` as a variable;
* one ``POST`` per operation keyed ``/#X-Amz-Target=<targetPrefix>.<Operation>`` (the fragment
  keeps keys unique; the URL sent is ``/``), with a required ``X-Amz-Target`` header whose only
  value is the target, and ``application/x-amz-json-<version>`` bodies;
* request and response schemas from the shapes (see :mod:`.shape_schemas`);
* errors as AWS JSON services send them: HTTP 400 with ``__type`` and ``message`` (the
  operation's modeled error codes listed in ``x-aws-errors``), 403 for authentication, 5XX;
* SigV4: a security scheme with ``x-amazon-apigateway-authtype: awsSigv4`` and
  ``info.x-aws-signingName`` (what :func:`arazzo_runner.http.aws_signing` reads), plus
  ``info.x-aws-serviceName`` (botocore's client name, for ``AWS_ENDPOINT_URL_<SERVICE>``).

Output is deterministic: operations and components sorted by name, members in model order,
no dates; the header names the botocore version whose model it was generated from, so a test can
compare a committed file with a fresh generation from that same version.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from .doc_text import description, summary
from .errors import AwsModelError
from .service_models import ServiceModel, endpoint_servers, load_service_model
from .shape_schemas import SchemaBuilder

OPERATION_DESCRIPTION_LIMIT = 500
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

    ``service`` is botocore's client name (``sagemaker``, ``dynamodb``); ``operations`` are
    model operation names (``CreateTrainingJob``). Raises :class:`AwsModelError` for an unknown
    service or operation, or a service whose protocol is not AWS JSON 1.0/1.1.
    """
    model = load_service_model(service, loader=loader)
    names = _select_operations(model, operations)
    builder = SchemaBuilder(model.shapes)
    paths: dict[str, Any] = {}
    for name in names:
        target = f"{model.target_prefix}.{name}"
        paths[f"/#X-Amz-Target={target}"] = {"post": _operation(model, builder, name, target)}
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
            "x-aws-protocol": "json",
            "x-aws-jsonVersion": model.json_version,
            "x-aws-targetPrefix": model.target_prefix,
        }
    )
    return {
        "openapi": "3.1.0",
        "info": info,
        "servers": endpoint_servers(model.endpoint_prefix, loader=loader),
        "security": [{SECURITY_SCHEME: []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                SECURITY_SCHEME: {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "description": "AWS Signature Version 4 (the request is signed with botocore).",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            },
            "responses": _shared_responses(model),
            "schemas": dict(sorted({**builder.components, ERROR_SCHEMA: _error_schema()}.items())),
        },
    }


def render_openapi(service: str, operations: Sequence[str] | None = None, *, loader: Any = None) -> str:
    """The YAML text ``arazzo aws-openapi`` writes: a header saying how to regenerate, then the document."""
    import yaml

    document = generate_openapi(service, operations, loader=loader)
    command = f"arazzo aws-openapi {service}"
    if operations:
        command += " --operations " + ",".join(_requested(operations))
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
    wanted = _requested(operations)
    unknown = [op for op in wanted if op not in model.operations]
    if unknown:
        hints = []
        for op in unknown:
            close = difflib.get_close_matches(op, list(model.operations), n=2)
            hints.append(f"{op} (did you mean {' or '.join(close)}?)" if close else op)
        raise AwsModelError(
            f"service {model.name!r} has no operation {', '.join(hints)}; names are the model's, as in"
            f" X-Amz-Target (e.g. {sorted(model.operations)[0]})"
        )
    return wanted


def _requested(operations: Sequence[str]) -> list[str]:
    return sorted({op.strip() for op in operations if op.strip()})


def _operation(model: ServiceModel, builder: SchemaBuilder, name: str, target: str) -> dict[str, Any]:
    spec = model.operations[name]
    media = model.content_type
    operation: dict[str, Any] = {"operationId": name}
    text = summary(spec.get("documentation"))
    if text:
        operation["summary"] = text
    long_text = description(spec.get("documentation"), OPERATION_DESCRIPTION_LIMIT)
    if long_text and long_text != text:
        operation["description"] = long_text
    if spec.get("deprecated"):
        operation["deprecated"] = True
    if spec.get("documentationUrl"):
        operation["externalDocs"] = {"url": spec["documentationUrl"]}
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
    modeled = sorted(_error_code(model, error["shape"]) for error in spec.get("errors") or [])
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


def _error_code(model: ServiceModel, shape_name: str) -> str:
    error = model.shapes.get(shape_name, {}).get("error") or {}
    return str(error.get("code") or shape_name)


def _error_schema() -> dict[str, Any]:
    return {
        "description": "An AWS JSON-protocol error body. Besides its modeled errors, any operation may"
        " answer " + ", ".join(COMMON_CLIENT_ERRORS) + ".",
        "type": "object",
        "required": ["__type"],
        "properties": {
            "__type": {
                "type": "string",
                "description": "The error code, sometimes prefixed with a namespace (ns#Code).",
            },
            "message": {"type": "string", "description": "What went wrong (some services write Message)."},
        },
    }


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
