"""A run's warnings, collected from its events: for ``--output json``, the summary and ``--strict``.

The engine reports what it could not read as ``warning`` events (an output with no value and why,
a JSON pointer into text, JSON labelled ``text/html``...). The progress display shows them in
every mode; this log keeps the distinct ones (step id and message, with how often a poll loop
repeated them) so that ``--output json`` lists them and ``--strict`` can fail the run on them.
OpenAPI violations (``--validate``) have their own list and their own ``strict``.
"""

from __future__ import annotations

from typing import Any


class WarningLog:
    """Passes every event on to ``inner``; keeps the run's distinct warnings."""

    def __init__(self, inner: Any, entries: list[dict[str, Any]] | None = None) -> None:
        self.inner = inner
        #: ``entries`` continues a log (a Temporal run's warnings carried across continue-as-new).
        self._entries: dict[tuple[str | None, str], dict[str, Any]] = {
            (e["stepId"], e["message"]): dict(e) for e in entries or ()
        }

    def __call__(self, event: Any) -> None:
        if event.kind == "warning" and getattr(event, "violation", None) is None:
            key = (event.step_id, event.message)
            entry = self._entries.setdefault(
                key, {"stepId": event.step_id, "message": event.message, "count": 0}
            )
            entry["count"] += 1
        if self.inner is not None:
            self.inner(event)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, masker: Any = None) -> list[dict[str, Any]]:
        """The warnings, secret input values masked (events are masked already; this is a guard)."""
        return [
            {**e, "message": masker.text(e["message"]) if masker is not None else e["message"]}
            for e in self._entries.values()
        ]
