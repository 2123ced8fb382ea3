"""Workflow inputs: JSON Schema validation (every problem at once), defaults, secret names.

The inputs schema may ``$ref`` into the document (``#/components/inputs/...``); it is validated
with the document registered as the base resource, so those references resolve as JSON Schema
says, with jsonschema doing all the validating.
"""

from __future__ import annotations

import copy
import re
import weakref
from collections.abc import Mapping
from typing import Any

from ..document.model import Workflow
from ..document.resolved import Document
from ..errors import UsageError

_SECRET_NAME = re.compile(r"(pass(word|wd)?|secret|token|api[-_]?key|credential|private[-_]?key|auth)", re.I)


class InputsError(UsageError):
    """Inputs do not match the workflow's schema; ``problems`` lists every one."""

    def __init__(self, workflow_id: str, problems: list[str]) -> None:
        super().__init__(f"invalid inputs for workflow {workflow_id!r}: " + "; ".join(problems))
        self.problems = problems


def apply_defaults(schema: Any, value: Any) -> Any:
    """A copy of ``value`` with ``default``s of absent object properties filled in (recursively)."""
    if not isinstance(schema, Mapping) or not isinstance(value, dict):
        return value
    result = dict(value)
    for name, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, Mapping):
            continue
        if name not in result and "default" in prop:
            result[name] = copy.deepcopy(prop["default"])
        elif name in result:
            result[name] = apply_defaults(prop, result[name])
    return result


def secret_input_names(document: Document, workflow: Workflow) -> frozenset[str]:
    """Inputs to mask everywhere: ``format: password``, ``writeOnly``, or a secret-like name."""
    schema = document.spec.inputs_schema(workflow)
    names: set[str] = set()
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    for name, prop in (properties or {}).items():
        prop = prop if isinstance(prop, Mapping) else {}
        if prop.get("format") == "password" or prop.get("writeOnly") is True or _SECRET_NAME.search(name):
            names.add(name)
    return frozenset(names)


def prepare_inputs(
    document: Document, workflow: Workflow, inputs: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Validated inputs with defaults applied; raises :class:`InputsError` listing every problem."""
    value: dict[str, Any] = dict(inputs or {})
    schema = document.spec.inputs_schema(workflow)
    if not schema:
        return value
    value = apply_defaults(schema, value)
    validator = _validator(document, workflow)
    problems = []
    secrets = secret_input_names(document, workflow)
    for error in sorted(validator.iter_errors(value), key=lambda e: [str(p) for p in e.absolute_path]):
        where = "/".join(str(p) for p in error.absolute_path)
        message = error.message
        if error.absolute_path and error.absolute_path[0] in secrets:
            # jsonschema quotes the value; a secret's value never goes into a message.
            problems.append(
                f"{where}: invalid value (not shown: secret input; expected {error.validator} {error.validator_value!r})"
            )
        elif error.validator == "required":
            problems.append(message.replace("is a required property", "is required"))
        else:
            problems.append(f"{where or 'inputs'}: {message}" if where else message)
    if problems:
        raise InputsError(workflow.workflow_id, problems)
    return value


#: Per document, per workflow pointer: its inputs validator, built on a workflow's first run. A fleet
#: starts thousands of runs of one workflow; building the registry and validator (and resolving the
#: ``$ref`` anew) for each was ~5 % of the engine's CPU per step. Validators are read-only once built.
_VALIDATORS: weakref.WeakKeyDictionary[Document, dict[str, Any]] = weakref.WeakKeyDictionary()


def _validator(document: Document, workflow: Workflow) -> Any:
    per_document = _VALIDATORS.get(document)
    if per_document is None:
        per_document = _VALIDATORS.setdefault(document, {})
    found = per_document.get(workflow.pointer)
    if found is None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        base = "urn:arazzo:document"
        data = document.spec.file.data if document.spec.file else {}
        resource = Resource.from_contents(data, default_specification=DRAFT202012)
        registry = Registry().with_resource(base, resource)
        root = {"$ref": f"{base}#{workflow.pointer}/inputs"}
        found = per_document[workflow.pointer] = Draft202012Validator(root, registry=registry)
    return found


def inputs_for(document: Document, workflow: Workflow, available: Mapping[str, Any]) -> dict[str, Any]:
    """Inputs for a workflow run by dependsOn, goto, retry or --on-interrupt (the spec names none,
    A9): the caller's inputs that the callee declares (all of them when it declares none)."""
    declared = document.spec.declared_inputs(workflow)
    if declared is not None:
        return {k: v for k, v in available.items() if k in declared}
    return dict(available)
