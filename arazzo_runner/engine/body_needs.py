"""Whether a step reads its response body: a body that could not be read then fails the step.

A server that declares JSON and sends something else (or JSON nested too deep to read safely)
must not let a step "succeed" with every output null. The step fails when its success criteria,
its outputs or the criteria of its actions read ``$response.body``; a step that reads nothing
from the body runs on, with a warning.
"""

from __future__ import annotations

from typing import Any

from ..document.model import Criterion, Reusable, Step
from .exchange import header_map

_BODY = "$response.body"


def reads_response_body(step: Step) -> bool:
    """True when the step's criteria, outputs or action criteria read ``$response.body``."""
    if any(_BODY in text for text in step.outputs.values() if isinstance(text, str)):
        return True
    criteria: list[Criterion] = list(step.success_criteria)
    for action in (*step.on_success, *step.on_failure):
        if not isinstance(action, Reusable):
            criteria.extend(action.criteria)
    return any(_reads(criterion) for criterion in criteria)


def _reads(criterion: Criterion) -> bool:
    return _BODY in (criterion.context or "") or _BODY in criterion.condition


def unreadable_body(step: Step, response: Any) -> tuple[list[str], str | None]:
    """``(warnings, failure)`` for an answer (``needs.Response``) whose body reading left a
    ``problem`` or ``warnings``: ``failure`` is the step's reason when it reads a body that could
    not be read; a step that reads nothing from it gets one more warning instead."""
    warnings = list(response.warnings)
    if response.problem is None:
        return warnings, None
    content_type = header_map(response.headers).get("content-type") or "no content type"
    what = f"the response body (HTTP {response.status_code}, {content_type}) cannot be read"
    if reads_response_body(step):
        return warnings, f"{what}: {response.problem}"
    warnings.append(f"{what}: {response.problem}; kept as text")
    return warnings, None
