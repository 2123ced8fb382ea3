"""``--dry-run``: the first request of every step, built, signed and validated, never sent.

Steps are taken in document order without following actions (nothing has answered, so there is
nothing to decide on). A value that depends on an earlier step's response cannot be known yet:
it is shown as ``<$steps.create.outputs.arn>``. Credentials in headers and URLs are redacted;
secret inputs are masked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..document.describe import pick_workflow
from ..document.model import SelectorObject
from ..document.resolved import Document, ResolutionError
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext, render_text
from ..http import Replacement, RequestBody, StepParameter, build_request
from ..sources.openapi import OpenApiSource
from . import compiled, selectors
from .core import merged_parameters
from .environment import RunEnvironment
from .inputs import prepare_inputs, secret_input_names
from .masking import Masker
from .redaction import Redactor


@dataclass(frozen=True)
class PlannedRequest:
    step_id: str
    method: str | None = None
    url: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    #: Why no request could be shown (a step that calls a workflow, a build error).
    note: str | None = None
    violations: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "stepId": self.step_id,
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            "body": self.body,
            "note": self.note,
            "violations": list(self.violations),
        }


def _placeholder(value: Any, ctx: EvaluationContext) -> Any:
    if isinstance(value, SelectorObject):
        return selectors.placeholder(value, ctx)
    if isinstance(value, str):
        template = compiled.value_template(value)
        rendered = template.render(ctx)
        if rendered is not MISSING:
            return rendered
        if template.kind == "expression":
            return f"<{value}>"
        pieces = []
        for part in template.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            known = part.evaluate(ctx)
            pieces.append(f"<{part.text}>" if known is MISSING else render_text(known))
        return "".join(pieces)
    if isinstance(value, Mapping):
        return {k: _placeholder(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholder(v, ctx) for v in value]
    return value


def _is_optional_input(value: Any, ctx: EvaluationContext) -> bool:
    """An absent optional input is left out of real requests; show it left out here too."""
    if not isinstance(value, str):
        return False
    expression = compiled.value_template(value).expression
    return expression is not None and expression.root == "inputs" and expression.evaluate(ctx) is MISSING


def _drop_optional(value: Any, ctx: EvaluationContext) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_optional(v, ctx) for k, v in value.items() if not _is_optional_input(v, ctx)}
    if isinstance(value, list):
        return [_drop_optional(v, ctx) for v in value if not _is_optional_input(v, ctx)]
    return value


def plan_requests(
    document: Document,
    workflow_id: str | None,
    inputs: Mapping[str, Any] | None,
    *,
    environment: RunEnvironment | None = None,
    validate: bool = True,
) -> list[PlannedRequest]:
    """Each step's first request as it would be sent (signed headers redacted)."""
    workflow = pick_workflow(document, workflow_id)
    prepared = prepare_inputs(document, workflow, inputs)
    masker = Masker.for_inputs(secret_input_names(document, workflow), prepared)
    redactor = Redactor.for_document(document, masker)
    environment = environment or RunEnvironment()
    ctx = EvaluationContext(inputs=prepared, steps={}, workflows={})
    planned: list[PlannedRequest] = []
    for step in workflow.steps:
        if step.workflow_id is not None:
            planned.append(PlannedRequest(step.step_id, note=f"calls workflow {step.workflow_id}"))
            continue
        if document.is_async_step(step):  # Arazzo 1.1 AsyncAPI: no HTTP request to show
            try:
                target = document.resolve_async_operation(step)
                note = f"AsyncAPI {step.action or target.action} on channel {target.address} ({', '.join(target.protocols)}); not sent"
            except ResolutionError as exc:
                note = str(exc)
            planned.append(PlannedRequest(step.step_id, note=note))
            continue
        try:
            operation = document.resolve_step_operation(step)
            source = document.sources[operation.source_name]
            assert isinstance(source, OpenApiSource)
            parameters = [
                StepParameter(parameter.name, parameter.in_, _placeholder(raw, ctx))
                for parameter, raw in merged_parameters(document, workflow, step)
                if parameter.in_ is not None and not _is_optional_input(raw, ctx)
            ]
            body = None
            payload: Any = None
            spec = step.request_body
            if spec is not None and spec.has_payload:
                payload = _placeholder(_drop_optional(spec.payload, ctx), ctx)
                replacements = tuple(
                    Replacement(r.target, _placeholder(r.value, ctx), r.target_type, r.target_version)
                    for r in spec.replacements
                )
                body = RequestBody(payload, spec.content_type, replacements)
            endpoint = environment.endpoint(source, operation)
            request = build_request(source, operation, parameters, body, base_url=endpoint.base_url)
            if endpoint.auth is not None:
                next(endpoint.auth.sync_auth_flow(request))  # signs in place, sends nothing
            violations: tuple[str, ...] = ()
            if validate:
                from ..http.validation import validate_request

                violations = tuple(
                    str(v) for v in validate_request(source, operation, request, base_url=endpoint.base_url)
                )
            planned.append(
                PlannedRequest(
                    step.step_id,
                    request.method,
                    redactor.url(str(request.url)),
                    redactor.headers(request.headers.multi_items()),
                    redactor.data(payload),
                    violations=violations,
                )
            )
        except (ArazzoError, ResolutionError, ValueError, httpx.InvalidURL) as exc:  # reported per step
            planned.append(PlannedRequest(step.step_id, note=masker.text(f"cannot build the request: {exc}")))
    return planned
