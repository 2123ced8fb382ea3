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
from .masking import Masker

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


def _secret_property(name: str | None, prop: Mapping[str, Any]) -> bool:
    return (
        prop.get("format") == "password"
        or prop.get("writeOnly") is True
        or (name is not None and bool(_SECRET_NAME.search(name)))
    )


def _holds_secret(prop: Any, depth: int = 0) -> bool:
    """Whether an object/array schema declares a ``format: password`` / ``writeOnly`` member inside."""
    if not isinstance(prop, Mapping) or depth > 32:
        return False
    for child in (prop.get("properties") or {}).values():
        if isinstance(child, Mapping) and (_secret_property(None, child) or _holds_secret(child, depth + 1)):
            return True
    items = prop.get("items")
    return isinstance(items, Mapping) and (_secret_property(None, items) or _holds_secret(items, depth + 1))


def secret_input_names(document: Document, workflow: Workflow) -> frozenset[str]:
    """Inputs to mask everywhere: ``format: password``, ``writeOnly``, or a secret-like name; and
    an object input with such a member at any depth (the journal keeps none of it)."""
    schema = document.spec.inputs_schema(workflow)
    names: set[str] = set()
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    for name, prop in (properties or {}).items():
        prop = prop if isinstance(prop, Mapping) else {}
        if _secret_property(name, prop) or _holds_secret(prop):
            names.add(name)
    return frozenset(names)


def _leaves(value: Any, path: tuple[Any, ...], depth: int = 0) -> list[tuple[tuple[Any, ...], Any]]:
    if depth > 64:
        return []
    if isinstance(value, Mapping):
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, k), depth + 1)]
    if isinstance(value, list):
        return [leaf for i, v in enumerate(value) for leaf in _leaves(v, (*path, i), depth + 1)]
    return [(path, value)]


def _secret_leaves(prop: Any, value: Any, path: tuple[Any, ...], depth: int = 0) -> list[tuple[tuple[Any, ...], Any]]:
    """The secret scalars of ``value`` under schema ``prop``: all of a secret member, none elsewhere."""
    if not isinstance(prop, Mapping) or depth > 32:
        return []
    found: list[tuple[tuple[Any, ...], Any]] = []
    if isinstance(value, Mapping):
        for name, child in (prop.get("properties") or {}).items():
            if name in value and isinstance(child, Mapping):
                if _secret_property(None, child):
                    found += _leaves(value[name], (*path, name))
                else:
                    found += _secret_leaves(child, value[name], (*path, name), depth + 1)
    elif isinstance(value, list) and isinstance(prop.get("items"), Mapping):
        items = prop["items"]
        for i, item in enumerate(value):
            found += _leaves(item, (*path, i)) if _secret_property(None, items) else _secret_leaves(items, item, (*path, i), depth + 1)
    return found


def secret_input_paths(
    document: Document, workflow: Workflow, inputs: Mapping[str, Any]
) -> list[tuple[str, tuple[Any, ...]]]:
    """Where the secret scalars of ``inputs`` are: ``(input name, path inside it)``; ``()`` is the
    whole input. A secret input's every scalar, and the members of an object input that its
    schema marks ``format: password`` / ``writeOnly`` at any depth."""
    schema = document.spec.inputs_schema(workflow)
    properties = (schema.get("properties") if isinstance(schema, Mapping) else None) or {}
    found: list[tuple[str, tuple[Any, ...]]] = []
    for name in sorted(secret_input_names(document, workflow)):
        if name not in inputs:
            continue
        found_prop = properties.get(name)
        prop: Mapping[str, Any] = found_prop if isinstance(found_prop, Mapping) else {}
        if _secret_property(name, prop):
            found += [(name, path) for path, _ in _leaves(inputs[name], ())]
        else:
            found += [(name, path) for path, _ in _secret_leaves(prop, inputs[name], ())]
    return found


def value_at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


def input_masker(document: Document, workflow: Workflow, inputs: Mapping[str, Any]) -> Masker:
    """The run's :class:`~.masking.Masker`: secret inputs by name, their secret scalars by value."""

    paths = secret_input_paths(document, workflow, inputs)
    return Masker.for_inputs(
        secret_input_names(document, workflow), inputs, [value_at(inputs[n], p) for n, p in paths]
    )


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
