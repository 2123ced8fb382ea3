"""Parts every generated AWS operation shares, whatever its protocol: ids, aliases and documentation.

Each Operation Object names its botocore operation three ways, so that a workflow (and the engine
that maps a step to botocore's serialisers and parsers) finds it however it is spelt:

* ``operationId`` is botocore's spelling (``GetItem``, ``ListObjectsV2``), the one AWS documents;
* ``x-operationId-aliases`` lists the lowerCamel spelling (``getItem``) that many hand-written
  workflows use; the loader resolves a step's ``operationId`` through it
  (:mod:`arazzo_runner.sources.openapi`). An alias that would equal another operation's name is
  left out;
* ``x-aws-operation`` is botocore's operation name again, as data a program reads without
  parsing the path key (``botocore.model.ServiceModel.operation_model(name)``).

An operation whose model gives an endpoint ``hostPrefix`` (S3 Control's ``{AccountId}.``) says
so in ``x-aws-hostPrefix``: botocore prepends it to the host, which the document's servers do not.
"""

from __future__ import annotations

from typing import Any

from .doc_text import description, summary
from .service_models import ServiceModel

OPERATION_DESCRIPTION_LIMIT = 500
ALIASES_EXTENSION = "x-operationId-aliases"


def lower_camel(name: str) -> str:
    """``GetItem`` → ``getItem``; ``ListObjectsV2`` → ``listObjectsV2`` (only the first letter)."""
    return name[:1].lower() + name[1:]


def aliases(model: ServiceModel, name: str) -> list[str]:
    """Other ids operation ``name`` answers to: its lowerCamel spelling, unless that is its own name
    or another operation's (compared over the whole model, so a subset gets the same aliases)."""
    alias = lower_camel(name)
    if alias == name or alias in model.operations:
        return []
    return [alias]


def operation_header(model: ServiceModel, name: str) -> dict[str, Any]:
    """The start of an Operation Object: ids, aliases, summary, description, deprecation, docs."""
    spec = model.operations[name]
    operation: dict[str, Any] = {"operationId": name}
    found = aliases(model, name)
    if found:
        operation[ALIASES_EXTENSION] = found
    operation["x-aws-operation"] = name
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
    host_prefix = (spec.get("endpoint") or {}).get("hostPrefix")
    if host_prefix:
        # botocore prepends it to the endpoint's host (``{AccountId}.`` from the input member
        # AccountId, ``runtime.``); the servers above do not carry it.
        operation["x-aws-hostPrefix"] = str(host_prefix)
    return operation


def error_body(
    description: str,
    properties: dict[str, Any],
    *,
    xml_root: str | None = None,
    required: list[str] | None = None,
) -> dict[str, Any]:
    """The schema of a protocol's error body: an object that ``description`` explains, with
    ``properties``; ``xml_root`` is the element an XML protocol's body is (``ErrorResponse``)."""
    schema: dict[str, Any] = {"description": description, "type": "object"}
    if required:
        schema["required"] = required
    if xml_root:
        schema["xml"] = {"name": xml_root}
    schema["properties"] = properties
    return schema


def error_code(model: ServiceModel, shape_name: str) -> str:
    """The code an error shape is answered with (``error.code``, else the shape's name)."""
    error = model.shapes.get(shape_name, {}).get("error") or {}
    return str(error.get("code") or shape_name)


def modeled_errors(model: ServiceModel, name: str) -> list[str]:
    """The error codes operation ``name`` lists in the model, sorted."""
    spec = model.operations[name]
    return sorted(error_code(model, error["shape"]) for error in spec.get("errors") or [])
