"""Operations of the AWS Query protocols (``query``: STS, IAM, SNS; ``ec2``: EC2).

A Query call is ``POST /`` with a form body that names the operation (``Action=RunInstances``)
and the API version (``Version=2016-11-15``), and its answer is XML. In the OpenAPI way:

* the path key is ``/#Action=<Name>`` (the fragment keeps keys unique, as ``/#X-Amz-Target=…``
  does for the JSON protocol; the URL sent is ``/``);
* ``Action`` and ``Version`` are required query parameters whose schema allows only the model's
  value (``const``, also the ``default``): AWS reads them from the query string or the body alike,
  so a client that sends the required constants reaches the right operation;
* the body is ``application/x-www-form-urlencoded``; its schema is the operation's input as
  botocore takes it (member names; nested lists and structures). On the wire AWS Query flattens
  them (``InstanceId.1=…``, ``Filter.1.Name=…``, ``Attributes.entry.1.key=…``), which is what
  botocore's query/EC2 serialiser writes; scalar members travel as they are;
* the answer is ``text/xml``: its schema is the output shape in botocore's JSON view (member
  names; the element name in ``xml.name``), the ``<NameResult>`` wrapper of the query protocol
  named in ``x-aws-resultWrapper`` (botocore's parser drops it);
* errors: ``4XX``/``5XX`` with the modeled codes (``<ErrorResponse><Error>`` for query,
  ``<Response><Errors><Error>`` for EC2).
"""

from __future__ import annotations

from typing import Any

from .openapi_common import error_body, modeled_errors, operation_header
from .service_models import ServiceModel
from .shape_schemas import SchemaBuilder

FORM = "application/x-www-form-urlencoded"
XML = "text/xml"
QUERY_ERROR = "AwsQueryError"
EC2_ERROR = "AwsEc2Error"


def error_schema_name(model: ServiceModel) -> str:
    return EC2_ERROR if model.protocol == "ec2" else QUERY_ERROR


def query_operation(model: ServiceModel, builder: SchemaBuilder, name: str) -> dict[str, Any]:
    """The Operation Object of Query/EC2 operation ``name``."""
    spec = model.operations[name]
    operation = operation_header(model, name)
    operation["parameters"] = [
        _constant("Action", name, "The operation to call (the Query protocol routes on it)."),
        _constant("Version", model.api_version, "The API version the request is written for."),
    ]
    input_name = (spec.get("input") or {}).get("shape")
    if input_name:
        shape = model.shapes[input_name]
        operation["requestBody"] = {
            "description": "The operation's input as botocore takes it; on the wire, nested members are"
            f" flattened as the {'EC2' if model.protocol == 'ec2' else 'AWS'} Query protocol does.",
            "required": bool(shape.get("required")),
            "content": {FORM: {"schema": builder.ref(input_name)}},
        }
    output = spec.get("output") or {}
    media: dict[str, Any]
    if output.get("shape"):
        schema = {**builder.ref(output["shape"]), "xml": {"name": f"{name}Response"}}
        media = {"schema": schema}
        if output.get("resultWrapper"):
            media["x-aws-resultWrapper"] = str(output["resultWrapper"])
    else:
        media = {"schema": {"type": "object", "xml": {"name": f"{name}Response"}}}
    modeled = modeled_errors(model, name)
    client: dict[str, Any] = {
        "description": "Client error"
        + (f": one of this operation's ({', '.join(modeled)}) or a common one." if modeled else "."),
        "content": {XML: {"schema": {"$ref": f"#/components/schemas/{error_schema_name(model)}"}}},
    }
    if modeled:
        client["x-aws-errors"] = modeled
    operation["responses"] = {
        "200": {"description": "Success.", "content": {XML: media}},
        "4XX": client,
        "5XX": {"$ref": "#/components/responses/ServerError"},
    }
    return operation


def _constant(name: str, value: str, text: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": text,
        "schema": {"type": "string", "const": value, "default": value},
    }


def query_error_schema(model: ServiceModel) -> dict[str, Any]:
    """The XML error body of a Query (``<ErrorResponse>``) or EC2 (``<Response><Errors>``) service."""
    error = {
        "type": "object",
        "properties": {
            "Type": {"type": "string", "description": "Sender or Receiver."},
            "Code": {"type": "string", "description": "The error code (InvalidParameterValue...)."},
            "Message": {"type": "string"},
        },
    }
    if model.protocol == "ec2":
        return error_body(
            "An EC2 error: <Response><Errors><Error><Code/><Message/></Error></Errors>"
            "<RequestID/></Response>.",
            {
                "Errors": {
                    "type": "array",
                    "xml": {"wrapped": True},
                    "items": {**error, "xml": {"name": "Error"}},
                },
                "RequestID": {"type": "string"},
            },
            xml_root="Response",
        )
    return error_body(
        "An AWS Query error: <ErrorResponse><Error><Type/><Code/><Message/></Error>"
        "<RequestId/></ErrorResponse>.",
        {"Error": error, "RequestId": {"type": "string"}},
        xml_root="ErrorResponse",
    )
