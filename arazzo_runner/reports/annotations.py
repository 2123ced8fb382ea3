"""GitHub Actions annotations: a failed workflow becomes ``::error file=…,line=…::message``, pointing
at the failing step's line in the document (the loader keeps every node's position), so the
pull request shows the failure on the step. Printed when ``GITHUB_ACTIONS=true``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..testing.suite import CaseOutcome


def in_github_actions(environ: Mapping[str, str]) -> bool:
    return environ.get("GITHUB_ACTIONS") == "true"


def _data(text: str) -> str:
    """A message escaped as the workflow-command syntax requires (``%``, CR, LF)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """A property value escaped (also ``:`` and ``,``, which separate properties)."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def error_annotations(outcomes: Sequence[CaseOutcome]) -> list[str]:
    """One ``::error`` line per failed or errored case (skips are not errors)."""
    lines = []
    for outcome in outcomes:
        if outcome.status not in ("failed", "error") or outcome.failure is None:
            continue
        failure = outcome.failure
        properties = [f"file={_property(outcome.document_path)}"]
        if failure.line is not None:
            properties.append(f"line={failure.line}")
        title = f"{outcome.workflow_id} failed" + (f" at step {failure.step_id}" if failure.step_id else "")
        properties.append(f"title={_property(title)}")
        lines.append(f"::error {','.join(properties)}::{_data(failure.summary())}")
    return lines
