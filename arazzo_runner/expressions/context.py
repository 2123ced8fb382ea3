"""What runtime expressions read: a plain, mutable record the engine fills as a run goes on.

Nothing here performs I/O. The engine sets the request/response fields for the step being
decided, keeps ``inputs``/``outputs`` for the current workflow, and adds each finished step's
outputs to ``steps``. A field that has no value yet (``$statusCode`` before any response) is
``MISSING``, which every expression reports as ``MISSING`` rather than raising.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .values import MISSING

__all__ = ["EvaluationContext", "header_value"]


def _empty() -> dict[str, Any]:
    return {}


@dataclass(slots=True)
class EvaluationContext:
    """The values behind ``$url``, ``$request.*``, ``$inputs.*``, ``$steps.*`` and the rest.

    Bodies should be the parsed JSON value when the content is JSON, and ``str``/``bytes``
    otherwise (XPath criteria parse XML text themselves). Headers may be any mapping (a plain
    dict or ``httpx.Headers``); look-ups are case-insensitive either way. ``workflows`` maps a
    workflowId to ``{"inputs": {...}, "outputs": {...}}``; ``source_descriptions`` maps a
    source name to the members ``$sourceDescriptions.<name>.<x>`` may name (``url``, and the
    operationIds/workflowIds the engine resolved); ``components`` maps a kind
    (``parameters``, ``successActions``, ``failureActions``, ``inputs``) to its named entries.
    """

    url: Any = MISSING
    method: Any = MISSING
    status_code: Any = MISSING
    request_headers: Mapping[str, Any] = field(default_factory=_empty)
    request_query: Mapping[str, Any] = field(default_factory=_empty)
    request_path: Mapping[str, Any] = field(default_factory=_empty)
    request_body: Any = MISSING
    response_headers: Mapping[str, Any] = field(default_factory=_empty)
    response_body: Any = MISSING
    inputs: Mapping[str, Any] = field(default_factory=_empty)
    outputs: Mapping[str, Any] = field(default_factory=_empty)
    steps: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)
    workflows: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=_empty)
    source_descriptions: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)
    components: Mapping[str, Mapping[str, Any]] = field(default_factory=_empty)
    #: 1.1 ``$self``: the document's ``$self`` resolved to an absolute URI (``MISSING`` without one).
    self_uri: Any = MISSING
    #: 1.1 ``$message.header.*`` / ``$message.payload`` (and ``.body``): the message an AsyncAPI
    #: step received (set by ``engine.message_steps.received``; empty outside a receive step).
    message_headers: Mapping[str, Any] = field(default_factory=_empty)
    message_payload: Any = MISSING


def header_value(headers: Mapping[str, Any], name: str) -> Any:
    """A header by case-insensitive name; several values are joined with ", " (RFC 9110 5.3)."""
    value = headers.get(name, MISSING)
    if value is MISSING:
        folded = name.lower()
        for key, candidate in headers.items():
            if key.lower() == folded:
                value = candidate
                break
        else:
            return MISSING
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value
