"""Why an expression read nothing from an answer: the words of the warning, never a silent null.

A step whose output is ``$response.body#/KeyCount`` over an answer that has no ``KeyCount`` (or
over text that is not JSON, or over XML nothing could map) would otherwise "succeed" with a null
output. The engine warns instead (a ``Warning`` event with the step id, shown in every output
mode, counted in the summary, failing the run under ``--strict``); this module finds the words:

* :func:`why_missing`: for an output whose value is absent, what the answer had instead (the
  member that was not there and the members that were, or the kind of body it was);
* :func:`unreadable_criteria`: the success criteria that apply a JSON pointer or JSONPath to a
  body that is text or bytes, not JSON nor XML mapped to an object (such a criterion can only
  read nothing; when it still passes, nobody would know).

Pure functions over the evaluation context: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..document.model import Step
from ..expressions import MISSING, EvaluationContext
from ..expressions.values import MappedText

_POINTER = re.compile(r"^\s*\$response\.body#(?P<pointer>/[^\s{}]*)?\s*$")
_SHOWN = 8


def _kind(body: Any) -> str | None:
    """What a body is when a JSON pointer cannot read it (``None``: it can)."""
    if isinstance(body, MappedText):
        return None
    if isinstance(body, str):
        text = body.lstrip()
        if text.startswith("<"):
            return "XML or HTML text that could not be mapped to an object"
        return "text, not JSON"
    if isinstance(body, bytes | bytearray):
        return f"{len(body)} bytes of binary content" if body else "empty"
    return None


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def why_missing(expression: Any, ctx: EvaluationContext) -> str | None:
    """Why the output ``expression`` (its text) has no value, when it reads the answer body."""
    if not isinstance(expression, str):
        return None
    match = _POINTER.match(expression)
    if match is None:
        return None
    body = ctx.response_body
    if body is MISSING:
        return "there is no answer to read"
    kind = _kind(body)
    if kind is not None:
        return f"the answer body is {kind}: a JSON pointer reads nothing in it"
    node: Any = body.view if isinstance(body, MappedText) else body
    walked: list[str] = []
    for token in _tokens(match.group("pointer") or ""):
        if isinstance(node, Mapping):
            found = node.get(token, MISSING)
            if found is MISSING:
                where = "/" + "/".join(walked) if walked else "the answer"
                keys = sorted(str(k) for k in node)  # the same words whatever order the answer came in
                has = ", ".join(keys[:_SHOWN]) + (", …" if len(keys) > _SHOWN else "")
                return f"{where} has no member {token!r}" + (f" (it has {has})" if keys else " (it is empty)")
            node = found
        elif isinstance(node, Sequence) and not isinstance(node, str | bytes | bytearray):
            if not token.isdigit() or int(token) >= len(node):
                where = "/" + "/".join(walked) if walked else "the answer"
                return f"{where} is a list of {len(node)} without an item {token!r}"
            node = node[int(token)]
        else:
            where = "/" + "/".join(walked) if walked else "the answer"
            return f"{where} is {type(node).__name__ if node is not None else 'null'}, which has no member {token!r}"
        walked.append(token)
    return None


def failed_step(ctx: EvaluationContext) -> str:
    """Why a failed step's outputs are null (a run may go on after it: ``onFailure: goto``)."""
    status = ctx.status_code
    return f"the step failed (HTTP {status})" if isinstance(status, int) else "the step failed"


def unreadable_criteria(step: Step, ctx: EvaluationContext) -> list[str]:
    """One warning per success criterion that applies a JSON pointer or JSONPath to an answer body
    that is text or bytes (not JSON, nor XML mapped to an object)."""
    kind = _kind(ctx.response_body) if ctx.response_body is not MISSING else None
    if kind is None:
        return []
    found = []
    for criterion in step.success_criteria:
        context = criterion.context or ""
        kind_of = criterion.type or "simple"
        pointer = "$response.body#" in criterion.condition or "$response.body#" in context
        jsonpath = kind_of == "jsonpath" and "$response.body" in context
        if pointer or jsonpath:
            how = "a JSON pointer" if pointer else "JSONPath"
            found.append(
                f"criterion {criterion.condition.strip()!r} reads the answer with {how}, but the answer body"
                f" is {kind}: it reads nothing there"
            )
    return found
