"""A workflow as a Mermaid flowchart: steps, and the edges its actions and defaults create.

Edges: the default "next step" after success (solid), ``goto``/``end`` success actions
(labelled with their criteria), failure actions (dotted: ``retry`` loops back to the step or
through the step/workflow it names, ``goto``, ``end``), and the default failure exit. Steps that
call a workflow, and ``goto``/``retry`` targets that are workflows, appear as subroutine nodes.
"""

from __future__ import annotations

import re

from .describe import pick_workflow
from .model import Criterion, FailureAction, Reusable, Step, SuccessAction, Workflow
from .resolved import Document, ResolutionError

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def _node(step_id: str) -> str:
    return "s_" + _UNSAFE.sub("_", step_id)


def _label(text: str) -> str:
    """Mermaid label text: quotes and pipes would end the label early."""
    return text.replace('"', "'").replace("|", "¦")


def _criteria_label(criteria: tuple[Criterion, ...]) -> str:
    return " and ".join(c.condition for c in criteria)


def _actions(
    document: Document, items: tuple[SuccessAction | FailureAction | Reusable, ...], table: str
) -> list[SuccessAction | FailureAction]:
    out: list[SuccessAction | FailureAction] = []
    for item in items:
        if isinstance(item, Reusable):
            target = document.spec.components.lookup(table, item.component_name or "")
            if isinstance(target, SuccessAction | FailureAction):
                out.append(target)
        else:
            out.append(item)
    return out


def _target(
    document: Document, action: SuccessAction | FailureAction, workflow_nodes: dict[str, str]
) -> str | None:
    if action.step_id is not None:
        return _node(action.step_id)
    if action.workflow_id is not None:
        node = "w_" + _UNSAFE.sub("_", action.workflow_id)
        workflow_nodes[node] = action.workflow_id
        return node
    return None


def _operation_text(document: Document, step: Step) -> str:
    if step.workflow_id is not None:
        return f"workflow {step.workflow_id}"
    try:
        operation = document.resolve_step_operation(step)
    except ResolutionError:
        return step.operation_id or step.operation_path or ""
    return f"{operation.method.upper()} {operation.operation_id or operation.path}"


def mermaid(document: Document, workflow_id: str | None = None) -> str:
    """The Mermaid ``flowchart`` source for one workflow."""
    workflow: Workflow = pick_workflow(document, workflow_id)
    lines = [
        "flowchart TD",
        f'  start(["{_label(workflow.workflow_id)}"])',
        '  done(["succeeded"])',
        '  failed(["failed"])',
    ]
    workflow_nodes: dict[str, str] = {}
    for step in workflow.steps:
        shape = ("[[", "]]") if step.workflow_id is not None else ("[", "]")
        text = _label(f"{step.step_id}<br/>{_operation_text(document, step)}")
        lines.append(f'  {_node(step.step_id)}{shape[0]}"{text}"{shape[1]}')
    lines.append(f"  start --> {_node(workflow.steps[0].step_id)}")
    for index, step in enumerate(workflow.steps):
        here = _node(step.step_id)
        following = _node(workflow.steps[index + 1].step_id) if index + 1 < len(workflow.steps) else "done"
        success = _actions(document, (*step.on_success, *workflow.success_actions), "successActions")
        unconditional = False
        for action in success:
            label = _label(_criteria_label(action.criteria) or "success")
            if action.type == "end":
                lines.append(f'  {here} -->|"{label}"| done')
            else:
                target = _target(document, action, workflow_nodes)
                lines.append(f'  {here} -->|"{label}"| {target}')
            unconditional = unconditional or not action.criteria
        if not unconditional:
            lines.append(f"  {here} --> {following}")
        failure = _actions(document, (*step.on_failure, *workflow.failure_actions), "failureActions")
        unconditional = False
        for action in failure:
            label = _criteria_label(action.criteria)
            if action.type == "retry":
                limit = 1 if action.retry_limit is None else action.retry_limit
                label = _label(
                    f"retry ×{limit}"
                    + (f" after {action.retry_after:g}s" if action.retry_after else "")
                    + (f" if {label}" if label else "")
                )
                via = _target(document, action, workflow_nodes)
                if via is not None:
                    lines.append(f'  {here} -.->|"{label}"| {via}')
                    lines.append(f"  {via} -.-> {here}")
                else:
                    lines.append(f'  {here} -.->|"{label}"| {here}')
                continue
            label = _label(label or "failure")
            if action.type == "end":
                lines.append(f'  {here} -.->|"{label}"| failed')
            else:
                lines.append(f'  {here} -.->|"{label}"| {_target(document, action, workflow_nodes)}')
            unconditional = unconditional or not action.criteria
        if not unconditional:
            lines.append(f"  {here} -.->|failure| failed")
    for node, name in workflow_nodes.items():
        lines.append(f'  {node}[["workflow {_label(name)}"]]')
    return "\n".join(lines) + "\n"
