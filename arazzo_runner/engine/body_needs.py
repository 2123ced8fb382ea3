"""Whether a step reads its response body: a body that could not be read then fails the step.

A server that declares JSON and sends something else (or JSON nested too deep to read safely)
must not let a step "succeed" with every output null. The step fails when its success criteria,
its outputs or the criteria of its actions read ``$response.body``; a step that reads nothing
from the body runs on, with a warning.
"""

from __future__ import annotations

from ..document.model import Criterion, Reusable, Step

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
