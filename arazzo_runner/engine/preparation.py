"""Step preparation, once for everybody: a step and the values in scope → a :class:`SendRequest`.

Runs, ``--dry-run`` and anything later (a Temporal activity) call :func:`prepare_request`, so
what a dry run shows is what a run sends: the same parameters (workflow-level then the step's,
merged by name and ``in``), the same body and replacements, the same ``x-security``. Only the
``render`` function differs: a run leaves absent values out, a dry run shows them as
placeholders (``<$steps.create.outputs.arn>``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..document.expression_values import expression_values
from ..document.model import Parameter as ParameterObject
from ..document.model import Reusable, SelectorObject, Step, Workflow
from ..document.resolved import Document, ResolutionError
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext
from ..sources.openapi import OpenApiSource
from . import compiled, selectors, step_timeout
from .needs import Body, Parameter, SendRequest

Render = Callable[[Any, EvaluationContext], Any]

#: What a document or its inputs can make go wrong while a step is prepared: these fail the
#: step (its failure actions apply); anything else is a bug of ours and must surface as one.
STEP_ERRORS = (ArazzoError, ResolutionError)


def render_tree(value: Any, ctx: EvaluationContext, leaf: Render) -> Any:
    """``leaf`` applied to every value inside objects and arrays; absent values drop out of them.

    Runs and dry runs walk values the same way and differ only in how a leaf renders."""
    if type(value) is str:  # most values: skip the Mapping ABC check, the slowest test here
        return leaf(value, ctx)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            rendered = render_tree(item, ctx, leaf)
            if rendered is not MISSING:
                out[key] = rendered
        return out
    if isinstance(value, list):
        return [r for r in (render_tree(item, ctx, leaf) for item in value) if r is not MISSING]
    return leaf(value, ctx)


def _evaluated(value: Any, ctx: EvaluationContext) -> Any:
    if isinstance(value, SelectorObject):  # Arazzo 1.1: stands for the value it selects
        return selectors.select(value, ctx)
    if isinstance(value, str):
        return compiled.value_template(value).render(ctx)
    return value


def render(value: Any, ctx: EvaluationContext) -> Any:
    """Evaluate expressions inside ``value``; absent values drop out of objects and arrays."""
    return render_tree(value, ctx, _evaluated)


def context_for(
    document: Document,
    inputs: dict[str, Any],
    steps: dict[str, Any],
    outputs: dict[str, Any],
    workflows: dict[str, Any],
) -> EvaluationContext:
    """The evaluation context of a workflow execution of ``document`` (runs and dry runs alike)."""
    sources, components = expression_values(document)  # what $sourceDescriptions/$components name
    return EvaluationContext(
        inputs=inputs,
        steps=steps,
        outputs=outputs,
        workflows=workflows,
        source_descriptions=sources,
        components=components,
        self_uri=document.self_uri or MISSING,
    )


def merged_parameters(
    document: Document,
    workflow: Workflow,
    step: Step,
    for_workflow: bool = False,
    accepts: frozenset[str] | None = None,
) -> list[tuple[ParameterObject, Any]]:
    """(parameter, raw value) pairs: workflow-level then step-level, merged by (name, in); step wins.

    Component references resolve, with their ``value`` override. For a step that calls a
    workflow every parameter is an input ("When the step in context specifies a workflowId,
    then all parameters map to workflow inputs"), keyed by name; workflow-level ones are passed
    only when the callee declares that input (``accepts``), so a parameter meant for the
    workflow's operation steps cannot break the callee's schema.
    """
    merged: dict[Any, tuple[ParameterObject, Any]] = {}
    for items, workflow_level in ((workflow.parameters, True), (step.parameters, False)):
        for item in items:
            if isinstance(item, ParameterObject):
                parameter, raw = item, item.value
            else:
                parameter = document.spec.components.lookup("parameters", item.component_name or "")
                if parameter is None:
                    continue
                raw = item.value if item.has_value else parameter.value
            if for_workflow and workflow_level and accepts is not None and parameter.name not in accepts:
                continue
            merged[parameter.name if for_workflow else parameter.key] = (parameter, raw)
    return list(merged.values())


def evaluated_parameters(
    document: Document,
    workflow: Workflow,
    step: Step,
    ctx: EvaluationContext,
    *,
    for_workflow: bool,
    accepts: frozenset[str] | None = None,
    render: Render = render,
) -> list[Parameter]:
    """The step's parameters (see :func:`merged_parameters`), values evaluated; absent ones left out."""
    values = []
    for parameter, raw in merged_parameters(document, workflow, step, for_workflow, accepts):
        value = render(raw, ctx)
        if value is MISSING:
            continue  # an optional input that was not given: leave the parameter out
        values.append(Parameter(parameter.name, None if for_workflow else parameter.in_, value))
    return values


def x_security(
    workflow: Workflow, step: Step, ctx: EvaluationContext, render: Render = render
) -> tuple[Any, ...]:
    """Redocly's ``x-security`` (workflow entries first, then the step's), values evaluated."""
    entries = [*(workflow.extensions.get("x-security") or ()), *(step.extensions.get("x-security") or ())]
    return tuple(render(entry, ctx) for entry in entries) if entries else ()


def body(step: Step, ctx: EvaluationContext, render: Render = render) -> Body | None:
    spec = step.request_body
    if spec is None or not spec.has_payload:
        return None
    payload = render(spec.payload, ctx)
    if payload is MISSING:
        return None
    replacements = []
    for replacement in spec.replacements:
        value = render(replacement.value, ctx)
        replacements.append(
            (
                replacement.target,
                None if value is MISSING else value,
                replacement.target_type,
                replacement.target_version,
            )
        )
    return Body(payload, spec.content_type, tuple(replacements))


def prepare_request(
    document: Document,
    document_path: tuple[str, ...],
    workflow: Workflow,
    step: Step,
    ctx: EvaluationContext,
    render: Render = render,
) -> SendRequest:
    """The request ``step`` makes with the values in ``ctx``.

    Raises ``ArazzoError``/``ResolutionError`` for what the document or its inputs get wrong
    (the caller fails the step with it).
    """
    operation = document.resolve_step_operation(step)
    source = document.sources[operation.source_name]
    assert isinstance(source, OpenApiSource)
    parameters = evaluated_parameters(document, workflow, step, ctx, for_workflow=False, render=render)
    evaluated_body = body(step, ctx, render)
    return SendRequest(
        workflow.workflow_id,
        step.step_id,
        document_path,
        operation.source_name,
        operation.path,
        operation.method,
        tuple(parameters),
        evaluated_body,
        evaluated_body.payload if evaluated_body is not None else None,
        x_security(workflow, step, ctx, render),
        step_timeout.seconds(step.timeout),
    )


def action_parameters(
    document: Document, items: tuple[ParameterObject | Reusable, ...]
) -> list[tuple[ParameterObject, Any]]:
    """(parameter, raw value) pairs of a 1.1 success/failure action's ``parameters`` (components resolved)."""
    found: list[tuple[ParameterObject, Any]] = []
    for item in items:
        if isinstance(item, ParameterObject):
            found.append((item, item.value))
            continue
        parameter = document.spec.components.lookup("parameters", item.component_name or "")
        if isinstance(parameter, ParameterObject):
            found.append((parameter, item.value if item.has_value else parameter.value))
    return found
