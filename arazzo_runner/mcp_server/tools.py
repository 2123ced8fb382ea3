"""Workflows as MCP tool definitions: names, descriptions, schemas, and checking a caller's arguments.

Plain data in and out (no MCP SDK here), so the rules are testable on their own:

* a tool is named after its workflow id; when two documents share an id, both are prefixed by
  their document's file stem (``train.startJob``); the server's own tools' names are reserved;
* the input schema is the workflow's inputs schema with local ``$ref``s inlined and every
  **secret input** removed: secrets (``format: password``, ``writeOnly``, a secret-like name, as
  the engine masks them) come from the server's configuration, never from the model;
* the output schema describes the result object ``arazzo run --output json`` prints, with the
  workflow's outputs named, plus the ``running`` shape a call returns when it outlives ``--wait``.
"""

from __future__ import annotations

import copy
import fnmatch
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..document.model import Workflow
from ..document.resolved import Document
from ..engine.inputs import InputsError, prepare_inputs, secret_input_names

#: The server's own tools: a workflow with one of these ids is prefixed by its document.
RESERVED = frozenset({"arazzo_runs", "arazzo_run_status", "arazzo_resume"})
#: How deep local ``$ref``s are inlined into a tool's input schema (a cycle stops here too).
_MAX_REF_DEPTH = 16


@dataclass(frozen=True)
class WorkflowTool:
    """One served workflow."""

    name: str
    document: Document
    #: The document as given on the command line (for resources and the log).
    path: str
    workflow: Workflow
    secret_inputs: frozenset[str]
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]

    @property
    def workflow_id(self) -> str:
        return self.workflow.workflow_id


def workflow_tools(
    documents: Sequence[tuple[str, Document]],
    *,
    allow: Sequence[str] = (),
    deny: Sequence[str] = (),
) -> list[WorkflowTool]:
    """The tools for these documents' workflows that ``allow`` (globs; empty: all) and ``deny`` let through.

    A glob matches the workflow id or the tool name; deny wins over allow.
    """
    ids = Counter(w.workflow_id for _, doc in documents for w in doc.workflows)
    tools: list[WorkflowTool] = []
    for path, document in documents:
        for workflow in document.workflows:
            name = workflow.workflow_id
            if ids[name] > 1 or name in RESERVED:
                name = f"{_stem(path)}.{name}"
            if not _admitted(name, workflow.workflow_id, allow, deny):
                continue
            secrets = secret_input_names(document, workflow)
            tools.append(
                WorkflowTool(
                    name=name,
                    document=document,
                    path=path,
                    workflow=workflow,
                    secret_inputs=secrets,
                    description=_description(workflow, secrets),
                    input_schema=input_schema(document, workflow, secrets),
                    output_schema=output_schema(workflow),
                )
            )
    return tools


def _stem(path: str) -> str:
    stem = Path(path).name
    for suffix in (".yaml", ".yml", ".json", ".arazzo"):
        stem = stem.removesuffix(suffix)
    return re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "document"


def _admitted(name: str, workflow_id: str, allow: Sequence[str], deny: Sequence[str]) -> bool:
    def matches(globs: Sequence[str]) -> bool:
        return any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(workflow_id, g) for g in globs)

    return not matches(deny) and (not allow or matches(allow))


def _description(workflow: Workflow, secrets: frozenset[str]) -> str:
    parts = [p.strip() for p in (workflow.summary, workflow.description) if p and p.strip()]
    text = "\n\n".join(dict.fromkeys(parts)) or f"Runs the Arazzo workflow {workflow.workflow_id!r}."
    if secrets:
        text += (
            f"\n\nSecret inputs ({', '.join(sorted(secrets))}) are supplied by the server, not by the caller."
        )
    return text


def input_schema(document: Document, workflow: Workflow, secrets: frozenset[str]) -> dict[str, Any]:
    """The workflow's inputs schema, self-contained (local ``$ref``s inlined), secrets removed."""
    raw = document.spec.inputs_schema(workflow)
    schema: dict[str, Any] = _inline(
        document, copy.deepcopy(dict(raw)) if isinstance(raw, Mapping) else {}, 0
    )
    schema.setdefault("type", "object")
    properties = schema.get("properties")
    if isinstance(properties, dict):
        schema["properties"] = {k: v for k, v in properties.items() if k not in secrets}
    required = schema.get("required")
    if isinstance(required, list):
        schema["required"] = [name for name in required if name not in secrets]
    return schema


def _inline(document: Document, node: Any, depth: int) -> Any:
    """Replace local ``$ref``s (``#/components/...``) by what they point at; deeper than the bound: ``{}``."""
    if isinstance(node, list):
        return [_inline(document, item, depth) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#"):
        if depth >= _MAX_REF_DEPTH:
            return {}
        target = document.spec.resolve_local(ref)
        if not isinstance(target, Mapping):
            return {}
        merged = {**copy.deepcopy(dict(target)), **{k: v for k, v in node.items() if k != "$ref"}}
        return _inline(document, merged, depth + 1)
    return {key: _inline(document, value, depth) for key, value in node.items()}


def output_schema(workflow: Workflow) -> dict[str, Any]:
    """The ``--output json`` result object, the workflow's outputs named; also the still-running shape."""
    step = {"type": "object"}
    return {
        "type": "object",
        "properties": {
            "workflowId": {"type": "string"},
            "status": {
                "type": "string",
                "description": "succeeded or failed when the run ended; running when it outlived the"
                " server's --wait (poll arazzo_run_status with runId); interrupted when it was cancelled",
            },
            "runId": {"type": "string", "description": "the run's id in the server's journal"},
            "outputs": {
                "type": "object",
                "properties": {name: {} for name in workflow.outputs},
                "description": "the workflow's outputs (so far, while running)",
            },
            "steps": {"type": "array", "items": step},
            "error": {"type": ["object", "null"]},
            "requests": {"type": "integer"},
            "transportRetries": {"type": ["integer", "null"]},
            "durationMs": {"type": "number"},
            "warnings": {
                "type": "array",
                "items": {"type": "object"},
                "description": "what the run could not read (e.g. an output left null, and why)",
            },
            "currentStep": {
                "type": ["string", "null"],
                "description": "the step running now (while running)",
            },
            "nextPoll": {
                "type": ["number", "null"],
                "description": "when the next poll is due, in seconds since the epoch (while running)",
            },
        },
        "required": ["workflowId", "status"],
    }


def check_arguments(
    tool: WorkflowTool, arguments: Mapping[str, Any] | None, secrets: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """The run's inputs (the caller's arguments plus the server's secrets) and every problem with them.

    Problems name the argument; a secret's value never appears in one. No problems: the run may start.
    """
    given = dict(arguments or {})
    problems = [
        f"{name}: a secret input; it comes from the server's configuration, never from the caller"
        for name in sorted(given)
        if name in tool.secret_inputs
    ]
    declared = tool.document.spec.declared_inputs(tool.workflow)
    if declared is not None:
        problems += [f"{name}: no such input" for name in sorted(given) if name not in declared]
    known = {
        k: v for k, v in given.items() if k not in tool.secret_inputs and (declared is None or k in declared)
    }
    inputs = {**known, **{k: v for k, v in secrets.items() if k in tool.secret_inputs}}
    try:
        inputs = prepare_inputs(tool.document, tool.workflow, inputs)
    except InputsError as exc:
        problems += [_server_side(p, tool) for p in exc.problems]
    return (inputs if not problems else {}), problems


def _server_side(problem: str, tool: WorkflowTool) -> str:
    """A missing secret is the server's configuration to fix, not the caller's argument."""
    for name in tool.secret_inputs:
        if problem.startswith((f"'{name}' is required", f"{name}:", f"{name}/")):
            env = secret_variable(name)
            return (
                f"{name}: secret input not configured on the server (set {env} or give it in --secrets FILE)"
            )
    return problem


def secret_variable(name: str) -> str:
    """The environment variable a secret input is read from: ``ARAZZO_SECRET_<NAME>`` (apiToken: ``..._API_TOKEN``)."""
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)  # apiToken -> api_Token
    return "ARAZZO_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", words).upper()
