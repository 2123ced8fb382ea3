"""Names given on the command line must mean something: ``--server SOURCE=`` and ``-i NAME=``.

A name that matches nothing used to be ignored silently, so a typo (``sagemakerAPI=`` for
``sagemakerApi=``) sent the requests to the real endpoint. Each check raises a
:class:`~arazzo_runner.errors.UsageError` (exit 2) that lists the known names with a did-you-mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import UsageError, did_you_mean


def openapi_source_names(document: Any) -> list[str]:
    """Names of every OpenAPI source the document can send to, nested Arazzo sources included."""
    from ..document.resolved import Document
    from ..sources.openapi import OpenApiSource

    names: list[str] = []
    seen: set[int] = set()

    def visit(doc: Any) -> None:
        if id(doc) in seen:
            return
        seen.add(id(doc))
        for name, source in doc.sources.items():
            if isinstance(source, OpenApiSource):
                if name not in names:
                    names.append(name)
            elif isinstance(source, Document):  # not an AsyncAPI source: it has no servers to override
                visit(source)

    visit(document)
    return names


def check_server_names(servers: Mapping[str, str], document: Any) -> None:
    """Every ``--server`` SOURCE must name an OpenAPI source description."""
    known = openapi_source_names(document)
    problems = [
        f"--server {name!r} names no source description{did_you_mean(name, known)}"
        for name in servers
        if name not in known
    ]
    if problems:
        raise UsageError("; ".join(problems) + f" (the sources are: {', '.join(known) or 'none'})")


def _allows_additional(schema: Any) -> bool:
    additional = schema.get("additionalProperties", False) if isinstance(schema, Mapping) else False
    return additional is not False


def check_input_names(
    pairs: Iterable[str] | None, document: Any, workflow: Any, files: Iterable[str] | None = None
) -> None:
    """Every ``-i`` NAME (its first dotted part) and every top-level key of every ``--inputs`` file or
    inline object must be an input the workflow declares.

    Accepted when the inputs schema declares no ``properties`` at all, or sets
    ``additionalProperties`` to anything but ``false`` explicitly: a workflow that lists its
    inputs is taken to mean exactly those (the JSON Schema default would let every typo through,
    and a misspelled ``inputDataConfg`` in a file launched a training job without its data).
    """
    from .inputs import load_inputs_argument

    declared = document.spec.declared_inputs(workflow)
    if declared is None or _allows_additional(document.spec.inputs_schema(workflow)):
        return
    known = sorted(declared)
    problems = []
    for value in files or ():
        label = "--inputs (inline JSON)" if value.strip().startswith("{") else f"--inputs {value}"
        for name in load_inputs_argument(value):
            if name not in declared:
                problems.append(
                    f"{label}: {name!r}: workflow {workflow.workflow_id!r} declares no such input"
                    + did_you_mean(name, known)
                )
    for pair in pairs or ():
        name = pair.partition("=")[0].split(".", 1)[0]
        if name and name not in declared:
            problems.append(
                f"-i {name!r}: workflow {workflow.workflow_id!r} declares no such input"
                + did_you_mean(name, known)
            )
    if problems:
        raise UsageError("; ".join(problems) + f" (its inputs are: {', '.join(known) or 'none'})")
