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
from ..engine import compiled, selectors
from ..engine.inputs import input_masker, prepare_inputs
from ..engine.needs import SendRequest
from ..engine.preparation import context_for, prepare_request, render_tree
from ..engine.redaction import Redactor
from ..errors import ArazzoError
from ..expressions import MISSING, EvaluationContext
from .adapter import http_request
from .environment import RunEnvironment


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


def placeholder_render(value: Any, ctx: EvaluationContext) -> Any:
    """Like a run's rendering, but a value nobody can know yet shows as ``<expression>``.

    An optional input that was not given is left out, as a run leaves it out; an Arazzo 1.1
    Selector Object shows its value when it can already be selected.
    """
    return render_tree(value, ctx, _placeholder_leaf)


def _placeholder_leaf(value: Any, ctx: EvaluationContext) -> Any:
    if isinstance(value, SelectorObject):
        return selectors.placeholder(value, ctx)
    if isinstance(value, str):
        template = compiled.value_template(value)
        rendered = template.render(ctx)
        if rendered is not MISSING:
            return rendered
        if template.kind == "expression":
            expression = template.expression
            if expression is not None and expression.root == "inputs":
                return MISSING
            return f"<{value}>"
        return template.render(ctx, unknown=lambda part: f"<{part.text}>")
    return value


def signed_request(
    document: Document, need: SendRequest, environment: RunEnvironment
) -> tuple[httpx.Request, Any, Any, Any, Any]:
    """The request a run sends for ``need``, signed, not sent: (request, payload, source, operation, endpoint)."""
    request, endpoint, source, operation, payload = http_request(document, need, environment)
    if endpoint.auth is not None:
        next(endpoint.auth.sync_auth_flow(request))  # signs in place, sends nothing
    return request, payload, source, operation, endpoint


def dry_request(
    document: Document, workflow: Any, step: Any, ctx: EvaluationContext, environment: RunEnvironment
) -> tuple[httpx.Request, Any, Any, Any, Any]:
    """The first request of ``step``, prepared as a run prepares it (placeholders for the unknown), signed."""
    need = prepare_request(document, (), workflow, step, ctx, render=placeholder_render)
    return signed_request(document, need, environment)


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
    masker = input_masker(document, workflow, prepared)
    redactor = Redactor.for_document(document, masker)
    environment = environment or RunEnvironment()
    ctx = context_for(document, prepared, {}, {}, {})
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
            request, payload, source, operation, endpoint = dry_request(
                document, workflow, step, ctx, environment
            )
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
