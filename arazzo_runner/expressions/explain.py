"""Short, readable renderings of values for explanations ("why did this criterion fail?").

Explanations are built only when someone reads them (``CriterionOutcome.explanation``), so a
poll loop that never looks pays nothing for them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .values import MISSING

__all__ = ["describe", "describe_seen"]

#: Longest rendering of one value; longer ones are cut and say how long they were.
LIMIT = 160


def describe(value: Any, limit: int = LIMIT) -> str:
    """A value as JSON-like text (``"Completed"``, ``200``, ``null``), or ``absent``."""
    if value is MISSING:
        return "absent"
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=repr)
    except (TypeError, ValueError):  # pragma: no cover - circular structures
        text = repr(value)
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text)} chars)"
    return text


def describe_seen(seen: Iterable[tuple[str, Any]]) -> str:
    """``$statusCode = 404, $response.body.status = "done"`` (each operand once, in order)."""
    parts: dict[str, str] = {}
    for text, value in seen:
        parts.setdefault(text, f"{text} = {describe(value)}")
    return ", ".join(parts.values())
