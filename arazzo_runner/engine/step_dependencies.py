"""Arazzo 1.1 step ``dependsOn``: the steps that must have completed before a step runs.

"Tools MUST respect all declared dependsOn relationships", and a tool that runs steps in order
must run them "in an order that satisfies" them. Steps run in document order here (``goto``
and ``retry`` decide the rest), so a declared dependency is met when the named step has
completed successfully earlier in this run; when it has not (a ``goto`` jumped over it), the
step fails with that reason and its ``onFailure`` actions apply. The loader already refused
dependencies that name no step, or a later step of the same workflow.

Forms: ``<stepId>`` (this workflow), ``$workflows.<workflowId>.steps.<stepId>`` (another
workflow of this document) and ``$sourceDescriptions.<name>.<workflowId>.steps.<stepId>``
(a workflow of another Arazzo document, known here by its workflowId).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..document.model import step_dependency
from .result import StepRecord


def unmet(depends_on: Iterable[str], workflow_id: str, records: Iterable[StepRecord]) -> str | None:
    """Why the step cannot run yet, or ``None`` when every step it depends on has completed
    (``records``: the run state's step records)."""
    depends_on = tuple(depends_on)
    if not depends_on:
        return None
    done = {(r.workflow_id, r.step_id) for r in records if r.status == "succeeded"}
    for entry in depends_on:
        named = step_dependency(entry, workflow_id)
        if named is not None and named not in done:
            return f"it depends on step {entry!r}, which has not completed in this run (dependsOn)"
    return None
