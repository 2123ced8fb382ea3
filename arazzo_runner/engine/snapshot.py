"""Snapshots of a run: the versioned JSON envelope around :class:`~.state.RunState`.

A snapshot records which document it belongs to as a *fingerprint*: a hash per workflow and per
step of every Arazzo document the run can reach (the root and nested Arazzo sources), plus the
components. Restoring into a document whose fingerprint differs is refused, naming what changed
(a step edited, added or removed; a workflow removed), because the saved step indexes, counters
and outputs would no longer mean what they meant.

A snapshot holds the run's inputs and step outputs as they are, secret inputs included (a
resumed run needs them): store it as carefully as the inputs themselves.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import asdict
from typing import Any

from ..document.resolved import Document
from ..errors import ArazzoError
from ..yaml12 import follow_tokens, pointer_tokens
from .options import PollPacing, RunOptions

#: Format 2 (issue 27): step records, finished dependencies and the wait as JSON objects.
FORMAT = 2
#: Older formats :func:`migrate` reads: 1 kept step records (``[stepId, workflowId, attempt, status,
#: statusCode, outputs, durationMs, reason]``) and finished dependencies (``[location, workflowId,
#: status]``) as positional lists, and the wait as ``sleep``.
MIGRATED_FORMATS = (1,)

_RECORD_KEYS = ("stepId", "workflowId", "attempt", "status", "statusCode", "outputs", "durationMs", "reason")


class SnapshotError(ArazzoError):
    """A snapshot that cannot be restored here (another format, another document)."""

    exit_code = 2


def _digest(value: Any) -> str:
    """A short hash of plain data as written in the document (canonical JSON): it changes when the
    document does, never when this runner's model of it gains a field (a snapshot, or a Temporal
    history, taken by another version of the runner must still restore)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _written(doc: Document, pointer: str) -> Any:
    """The document's own data at ``pointer`` (what its author wrote), or None."""
    data = doc.spec.file.data if doc.spec.file is not None else None
    return follow_tokens(data, pointer_tokens(pointer))


#: A loaded document never changes: its fingerprint is worked out once.
_FINGERPRINTS: weakref.WeakKeyDictionary[Document, dict[str, str]] = weakref.WeakKeyDictionary()


def fingerprint(document: Document) -> dict[str, str]:
    """``{"<doc path>/<workflowId>": hash, "<doc path>/<workflowId>/<stepId>": hash, ...}``."""
    cached = _FINGERPRINTS.get(document)
    if cached is None:
        cached = _FINGERPRINTS[document] = _fingerprint(document)
    return dict(cached)


def _fingerprint(document: Document) -> dict[str, str]:
    found: dict[str, str] = {}
    seen: set[int] = set()

    def walk(doc: Document, prefix: str) -> None:
        if id(doc) in seen:
            return
        seen.add(id(doc))
        found[f"{prefix}components"] = _digest(_written(doc, "/components"))
        for workflow in doc.workflows:
            key = f"{prefix}{workflow.workflow_id}"
            # The workflow without its steps, then each step: a change is named precisely.
            written = _written(doc, workflow.pointer)
            head = {k: v for k, v in written.items() if k != "steps"} if isinstance(written, dict) else written
            found[key] = _digest([head, [step.step_id for step in workflow.steps]])
            for step in workflow.steps:
                found[f"{key}/{step.step_id}"] = _digest(_written(doc, step.pointer))
        for name, source in doc.sources.items():
            if isinstance(source, Document):
                walk(source, f"{prefix}{name}:")

    walk(document, "")
    return found


def differences(saved: dict[str, str], current: dict[str, str]) -> list[str]:
    """Human-readable changes from ``saved`` to ``current`` (empty when they are the same)."""
    changes = []
    for key in saved:
        if key not in current:
            changes.append(f"{_what(key)} was removed")
        elif saved[key] != current[key]:
            changes.append(f"{_what(key)} changed")
    changes.extend(f"{_what(key)} was added" for key in current if key not in saved)
    return changes


def _what(key: str) -> str:
    where, _, name = key.rpartition(":")
    source = f" (source {where!r})" if where else ""
    if name == "components":
        return f"components{source}"
    workflow, _, step = name.partition("/")
    if step:
        return f"step {step!r} of workflow {workflow!r}{source}"
    return f"workflow {workflow!r}{source}"


def options_to_json(options: RunOptions) -> dict[str, Any]:
    return asdict(options)


def options_from_json(data: dict[str, Any]) -> RunOptions:
    data = dict(data)
    pacing = PollPacing(**data.pop("pacing"))
    return RunOptions(pacing=pacing, **data)


def migrate(snapshot: dict[str, Any]) -> dict[str, Any]:
    """``snapshot`` in the current format: an older one (a journal or a Temporal history written by an
    earlier version) is rewritten into a copy; anything else is returned as it is, for
    :func:`check_envelope` to judge."""
    if not isinstance(snapshot, dict) or snapshot.get("format") not in MIGRATED_FORMATS:
        return snapshot
    state = snapshot.get("state")
    return {**snapshot, "format": FORMAT, "state": migrate_state(state) if isinstance(state, dict) else state}


def migrate_state(state: dict[str, Any]) -> dict[str, Any]:
    """A format-1 ``state`` in format 2 (a copy). Idempotent, item by item: a journal resumed across
    the change holds step records of both shapes."""
    state = dict(state)
    state["records"] = [migrate_record(record) for record in state.get("records", [])]
    state["completed_deps"] = [
        {"location": dep[0], "workflowId": dep[1], "status": dep[2]} if isinstance(dep, list) else dep
        for dep in state.get("completed_deps", [])
    ]
    if "sleep" in state:
        state.setdefault("wait", state.pop("sleep"))
    state.setdefault("wait", None)
    return state


def migrate_record(record: Any) -> dict[str, Any]:
    """A step record of any format as format 2 writes it (a JSON object)."""
    if isinstance(record, list):
        return dict(zip(_RECORD_KEYS, record, strict=False))
    found: dict[str, Any] = record
    return found


def check_envelope(document: Document, snapshot: dict[str, Any]) -> None:
    """Raise :class:`SnapshotError` unless ``snapshot`` (migrated) can be restored into ``document``."""
    if not isinstance(snapshot, dict) or "format" not in snapshot:
        raise SnapshotError("not a run snapshot (no 'format' field)")
    if snapshot["format"] != FORMAT:
        raise SnapshotError(
            f"snapshot format {snapshot['format']!r} is not supported (this version reads format {FORMAT}"
            f" and migrates {', '.join(str(f) for f in MIGRATED_FORMATS)})"
        )
    changes = differences(snapshot["document"]["fingerprint"], fingerprint(document))
    if changes:
        shown = "; ".join(changes[:5]) + (f" (and {len(changes) - 5} more)" if len(changes) > 5 else "")
        raise SnapshotError(
            f"the document changed since the snapshot was taken ({snapshot['document']['location']}): {shown};"
            " a run can only resume with the document it started with"
        )
