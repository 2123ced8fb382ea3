"""Which AWS API call each step of a workflow makes, read from the document and botocore's model.

Shared by the IAM policy generator and the Step Functions exporter: both need, per step, the
botocore service (client name, signing name, model), the operation's model name
(``CreateTrainingJob``) and the request body the step writes. The operation name comes from the
OpenAPI path key (``/#X-Amz-Target=SageMaker.CreateTrainingJob``), else the step's own
``X-Amz-Target`` header, else the ``operationId``; it must exist in botocore's model, so an IAM
action or a Step Functions resource is never made up from a misspelling.

:func:`reachable_steps` walks what a run of a workflow can reach: its steps, the workflows its
steps call, the workflows ``goto``/``retry`` actions name, and ``dependsOn`` (the engine runs
those first), across nested Arazzo sources.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..document.model import FailureAction, Reusable, Step, SuccessAction, Workflow
from ..document.resolved import Document, ResolutionError, WorkflowRef
from ..engine.inputs import apply_defaults
from ..http.aws import aws_signing
from ..sources.openapi import OpenApiSource, Operation
from .errors import AwsModelError
from .service_models import ServiceModel, load_service_model

_TARGET_KEY = re.compile(r"#X-Amz-Target=(?P<prefix>[A-Za-z0-9_.\-]+)\.(?P<operation>[A-Za-z0-9_]+)$")
_INPUT_REF = re.compile(r"^\$inputs\.(?P<name>[A-Za-z0-9_.\-]+)$")


@dataclass(frozen=True, slots=True)
class ReachedStep:
    """A step a run can execute, with the workflow and document it belongs to."""

    document: Document
    workflow: Workflow
    step: Step
    #: ``False`` for steps of workflows reached through a nested call, goto or dependsOn.
    top_level: bool
    #: The workflow's input values known before running: the given inputs (with schema defaults)
    #: for the top-level workflow; for a called workflow, the step parameters that are literals or
    #: ``$inputs.x`` of a known input. Empty for workflows reached by goto or dependsOn.
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``stepId`` for the top-level workflow's steps, ``workflowId.stepId`` for the others."""
        return self.step.step_id if self.top_level else f"{self.workflow.workflow_id}.{self.step.step_id}"


@dataclass(frozen=True, slots=True)
class AwsCall:
    """The AWS API operation one step calls."""

    source: OpenApiSource
    operation: Operation
    model: ServiceModel
    #: The operation's name in botocore's model (``CreateTrainingJob``).
    name: str
    signing_name: str

    @property
    def action(self) -> str:
        """The IAM action: service signing name + operation (``sagemaker:CreateTrainingJob``)."""
        return f"{self.signing_name}:{self.name}"

    @property
    def input_shape(self) -> Mapping[str, Any]:
        shape_name = (self.model.operations[self.name].get("input") or {}).get("shape")
        return self.model.shapes.get(shape_name, {}) if shape_name else {}

    def member_shape(self, member: str) -> tuple[str | None, Mapping[str, Any]]:
        """The shape name and shape of a top-level input member."""
        ref = (self.input_shape.get("members") or {}).get(member) or {}
        name = ref.get("shape")
        return name, (self.model.shapes.get(name, {}) if name else {})


@lru_cache(maxsize=32)
def _model(client_name: str) -> ServiceModel:
    return load_service_model(client_name)


def aws_call(document: Document, step: Step) -> AwsCall | None:
    """The AWS call ``step`` makes, ``None`` when it calls no SigV4-signed AWS operation.

    Raises :class:`AwsModelError` when the operation is an AWS one but botocore's model does not
    know it, and :class:`ResolutionError` when the step's operation does not resolve.
    """
    if step.workflow_id is not None:
        return None
    operation = document.resolve_step_operation(step)
    source = document.sources[operation.source_name]
    assert isinstance(source, OpenApiSource)
    signing = aws_signing(source, operation)
    if signing is None or not signing.signing_name or not signing.client_name:
        return None
    model = _model(signing.client_name)
    name = _operation_name(step, operation)
    if name not in model.operations:
        raise AwsModelError(
            f"step {step.step_id!r}: botocore's {model.name} model has no operation {name!r}"
        )
    return AwsCall(source, operation, model, name, signing.signing_name)


def _operation_name(step: Step, operation: Operation) -> str:
    match = _TARGET_KEY.search(operation.path)
    if match:
        return match.group("operation")
    for parameter in step.parameters:
        if (
            not isinstance(parameter, Reusable)
            and parameter.in_ == "header"
            and parameter.name.lower() == "x-amz-target"
            and isinstance(parameter.value, str)
        ):
            return parameter.value.rpartition(".")[2]
    return operation.operation_id or step.operation_id or ""


def request_payload(step: Step) -> Any:
    """The body the step writes, with its ``replacements`` applied where they target a top-level
    member (deeper ones are applied too when the path exists); values stay expressions."""
    body = step.request_body
    if body is None or not body.has_payload:
        return None
    payload = copy.deepcopy(body.payload)
    for replacement in body.replacements:
        tokens = [t.replace("~1", "/").replace("~0", "~") for t in replacement.target.lstrip("/").split("/")]
        node = payload
        for token in tokens[:-1]:
            node = node.get(token) if isinstance(node, dict) else None
        if isinstance(node, dict) and tokens and tokens[-1]:
            node[tokens[-1]] = replacement.value
    return payload


def input_reference(value: Any) -> str | None:
    """The input name when ``value`` is exactly ``$inputs.NAME``, else ``None``."""
    if isinstance(value, str):
        match = _INPUT_REF.match(value.strip())
        if match:
            return match.group("name")
    return None


def reachable_steps(
    document: Document, workflow: Workflow, inputs: Mapping[str, Any] | None = None
) -> Iterator[ReachedStep]:
    """Every step a run of ``workflow`` can execute, each workflow once, in discovery order.

    ``inputs`` are the top-level workflow's (defaults applied here); called workflows get the
    values their calling step passes when those are known (see :attr:`ReachedStep.inputs`).
    """
    seen: set[tuple[str, str]] = set()
    pending: list[tuple[Document, Workflow, bool, Mapping[str, Any]]] = [
        (document, workflow, True, dict(inputs or {}))
    ]
    while pending:
        doc, current, top, known = pending.pop(0)
        key = (doc.location, current.workflow_id)
        if key in seen:
            continue
        seen.add(key)
        known = apply_defaults(doc.spec.inputs_schema(current), dict(known))
        targets: list[tuple[str, Mapping[str, Any]]] = [(t, {}) for t in current.depends_on]
        targets += [(t, {}) for t in _action_workflows(doc, (*current.success_actions, *current.failure_actions))]
        for step in current.steps:
            yield ReachedStep(doc, current, step, top, known)
            if step.workflow_id is not None:
                targets.append((step.workflow_id, _passed_inputs(step, known)))
            targets += [(t, {}) for t in _action_workflows(doc, (*step.on_success, *step.on_failure))]
        for target, passed in targets:
            try:
                ref: WorkflowRef = doc.resolve_workflow(target)
            except ResolutionError:
                continue  # reported by validation; nothing of it can run
            pending.append((ref.document, ref.workflow, False, passed))


def _passed_inputs(step: Step, known: Mapping[str, Any]) -> dict[str, Any]:
    """The called workflow's inputs a step fixes: literals, and ``$inputs.x`` of known inputs."""
    passed: dict[str, Any] = {}
    for parameter in step.parameters:
        if isinstance(parameter, Reusable):
            continue
        name = input_reference(parameter.value)
        if name is not None:
            if name in known:
                passed[parameter.name] = known[name]
        elif not (isinstance(parameter.value, str) and "$" in parameter.value):
            passed[parameter.name] = parameter.value
    return passed


def _action_workflows(
    document: Document, actions: tuple[SuccessAction | FailureAction | Reusable, ...]
) -> list[str]:
    out: list[str] = []
    for action in actions:
        if isinstance(action, Reusable):
            table = "successActions" if action.component_kind == "successActions" else "failureActions"
            action = document.spec.components.lookup(table, action.component_name or "")
        workflow_id = getattr(action, "workflow_id", None)
        if isinstance(workflow_id, str) and workflow_id:
            out.append(workflow_id)
    return out
