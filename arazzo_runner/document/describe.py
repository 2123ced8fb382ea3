"""Plain-data summaries of a loaded document, for ``arazzo list`` / ``arazzo show`` and tools.

Returning JSON-ready dicts keeps the CLI a renderer: ``--output json`` prints these as they are
and the text view formats the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import UsageError
from .model import (
    Criterion,
    FailureAction,
    Parameter,
    Reusable,
    SelectorObject,
    Step,
    SuccessAction,
    Workflow,
)
from .resolved import Document, ResolutionError


def _inputs(workflow: Workflow, document: Document) -> list[dict[str, Any]]:
    schema = document.spec.inputs_schema(workflow) or {}
    properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    required = set(schema.get("required", ())) if isinstance(schema, Mapping) else set()
    out = []
    for name, prop in properties.items():
        prop = prop if isinstance(prop, Mapping) else {}
        item: dict[str, Any] = {"name": name, "type": prop.get("type"), "required": name in required}
        if "default" in prop:
            item["default"] = prop["default"]
        if prop.get("format") == "password":
            item["secret"] = True
        if prop.get("description"):
            item["description"] = prop["description"]
        out.append(item)
    return out


def describe_workflows(document: Document) -> list[dict[str, Any]]:
    """One entry per workflow: id, summary, inputs, outputs, step count, dependencies."""
    return [
        {
            "workflowId": w.workflow_id,
            "summary": w.summary,
            "inputs": _inputs(w, document),
            "outputs": list(w.outputs),
            "steps": len(w.steps),
            "dependsOn": list(w.depends_on),
        }
        for w in document.workflows
    ]


def pick_workflow(document: Document, workflow_id: str | None) -> Workflow:
    """The workflow asked for; optional when the document has exactly one."""
    ids = [w.workflow_id for w in document.workflows]
    if workflow_id is None:
        if len(ids) == 1:
            return document.workflows[0]
        raise UsageError(
            f"the document has {len(ids)} workflows; choose one with --workflow: {', '.join(ids)}"
        )
    workflow = document.workflow(workflow_id)
    if workflow is None:
        raise UsageError(f"no workflow {workflow_id!r}; the document has: {', '.join(ids)}")
    return workflow


def _criterion(c: Criterion) -> dict[str, Any]:
    out: dict[str, Any] = {"condition": c.condition, "type": c.type}
    if c.context:
        out["context"] = c.context
    if c.version:
        out["version"] = c.version
    return out


def _action(document: Document, item: SuccessAction | FailureAction | Reusable) -> dict[str, Any]:
    if isinstance(item, Reusable):
        target = document.spec.components.lookup(item.component_kind or "", item.component_name or "")
        if target is None:
            return {"reference": item.reference}
        return {"reference": item.reference, **_action(document, target)}
    out: dict[str, Any] = {"name": item.name, "type": item.type}
    if item.step_id:
        out["stepId"] = item.step_id
    if item.workflow_id:
        out["workflowId"] = item.workflow_id
    if isinstance(item, FailureAction):
        if item.retry_after is not None:
            out["retryAfter"] = item.retry_after
        if item.retry_limit is not None:
            out["retryLimit"] = item.retry_limit
    if item.criteria:
        out["criteria"] = [_criterion(c) for c in item.criteria]
    return out


def _parameter(document: Document, item: Parameter | Reusable) -> dict[str, Any]:
    if isinstance(item, Reusable):
        target = document.spec.components.lookup("parameters", item.component_name or "")
        out: dict[str, Any] = {"reference": item.reference}
        if isinstance(target, Parameter):
            out.update(
                {
                    "name": target.name,
                    "in": target.in_,
                    "value": _plain(item.value if item.has_value else target.value),
                }
            )
        return out
    return {"name": item.name, "in": item.in_, "value": _plain(item.value)}


def _plain(value: Any) -> Any:
    """A value as written: 1.1 Selector Objects back to their JSON form."""
    if isinstance(value, SelectorObject):
        return value.to_data()
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _step(document: Document, step: Step) -> dict[str, Any]:
    out: dict[str, Any] = {"stepId": step.step_id}
    if step.description:
        out["description"] = step.description
    if step.workflow_id is not None:
        out["workflowId"] = step.workflow_id
    elif document.is_async_step(step):  # Arazzo 1.1 AsyncAPI step
        try:
            target = document.resolve_async_operation(step)
            out["message"] = {
                "source": target.source_name,
                "operationId": target.operation_id,
                "action": step.action or target.action,
                "channel": target.address,
                "protocols": list(target.protocols),
                "correlationId": step.correlation_id,
            }
        except ResolutionError as exc:
            out["message"] = {"error": str(exc)}
    else:
        try:
            operation = document.resolve_step_operation(step)
            out["operation"] = {
                "source": operation.source_name,
                "operationId": operation.operation_id,
                "method": operation.method.upper(),
                "path": operation.path,
            }
        except ResolutionError as exc:  # only reachable for documents loaded without checks
            out["operation"] = {"error": str(exc)}
    out["parameters"] = [_parameter(document, p) for p in step.parameters]
    if step.request_body is not None:
        out["requestBody"] = {"contentType": step.request_body.content_type}
    out["successCriteria"] = [_criterion(c) for c in step.success_criteria]
    out["onSuccess"] = [_action(document, a) for a in step.on_success]
    out["onFailure"] = [_action(document, a) for a in step.on_failure]
    out["outputs"] = _plain(step.outputs)
    if step.timeout is not None:
        out["timeout"] = step.timeout
    return out


def describe_workflow(document: Document, workflow_id: str | None) -> dict[str, Any]:
    """A workflow in full: inputs, steps with their operations and actions, outputs."""
    workflow = pick_workflow(document, workflow_id)
    return {
        "workflowId": workflow.workflow_id,
        "summary": workflow.summary,
        "description": workflow.description,
        "dependsOn": list(workflow.depends_on),
        "inputs": _inputs(workflow, document),
        "parameters": [_parameter(document, p) for p in workflow.parameters],
        "successActions": [_action(document, a) for a in workflow.success_actions],
        "failureActions": [_action(document, a) for a in workflow.failure_actions],
        "steps": [_step(document, s) for s in workflow.steps],
        "outputs": _plain(workflow.outputs),
    }
