"""Runtime expressions (Arazzo 1.0.1 and 1.1.0 § Runtime Expressions): parser and AST.

``$url``, ``$method``, ``$statusCode``, ``$request.{header.<token>|query.<name>|path.<name>|
body[#ptr]}``, ``$response.{header.<token>|body[#ptr]}``, ``$inputs.<name>[#ptr]``,
``$outputs.<name>[#ptr]``, ``$steps.<stepId>.outputs.<name>[#ptr]``,
``$workflows.<workflowId>.{inputs|outputs}.<name>[#ptr]``,
``$sourceDescriptions.<name>.<member>`` and
``$components.{parameters|successActions|failureActions|inputs}.<name>``; with
``arazzo=(1, 1)`` also ``$self`` and ``$message.{header.<token>|query.<name>|path.<name>|
body[#ptr]|payload[#ptr]}`` (the message an AsyncAPI step received). The 1.1 grammar is the
1.0 one plus those two roots, so a text that parses under 1.0 parses to the same AST under 1.1.

A parsed expression is a small frozen record (root, part, owner, name, pointer) that doubles as
the reference the loader checks (``$steps.X`` names a step, ``$components.parameters.Y`` a
component), plus a getter chosen once at parse time, so evaluating is one dict look-up or two.

The same scanner serves three callers: a whole string (``parse_runtime_expression``), the inside
of ``{...}`` in a template, and an operand of a simple condition, where a name ends at ``.`` or
``[`` because what follows is navigation (``$response.body.data[0].id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .context import EvaluationContext, header_value
from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .pointer import parse_pointer, resolve_pointer
from .values import MISSING

__all__ = [
    "ARAZZO_1_0",
    "ARAZZO_1_1",
    "ROOTS",
    "RuntimeExpression",
    "parse_expression_span",
    "parse_runtime_expression",
]

#: ``(major, minor)`` of the grammars: a document's version picks the one its expressions use.
ARAZZO_1_0 = (1, 0)
ARAZZO_1_1 = (1, 1)

#: The names that may follow ``$`` in Arazzo 1.0.x.
ROOTS = frozenset(
    {
        "url",
        "method",
        "statusCode",
        "request",
        "response",
        "inputs",
        "outputs",
        "steps",
        "workflows",
        "sourceDescriptions",
        "components",
    }
)
#: Roots that Arazzo 1.1 added; named in errors so that a user knows why they fail.
ROOTS_1_1 = frozenset({"self", "message"})
COMPONENT_KINDS = ("parameters", "successActions", "failureActions", "inputs")

_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
# Characters that never belong to a name or an id: they end it, and a caller decides whether
# what follows is allowed (a pointer, navigation, the end of the text).
_NEVER_IN_NAME = frozenset("{}")

Getter = Callable[[EvaluationContext], Any]


@dataclass(frozen=True, slots=True)
class RuntimeExpression:
    """One parsed runtime expression; also the reference it makes.

    ``root`` is the word after ``$``. ``part`` is ``header``/``query``/``path``/``body`` for
    ``$request``/``$response``, ``inputs``/``outputs`` for ``$workflows``, ``outputs`` for
    ``$steps`` and the component kind for ``$components``. ``owner`` is the stepId, workflowId
    or source description name. ``name`` is the header, parameter, input, output, component or
    source member name. ``pointer`` is the parsed ``#/...`` (``None`` when absent).
    """

    text: str
    root: str
    part: str | None = None
    owner: str | None = None
    name: str | None = None
    pointer: tuple[str, ...] | None = None
    _get: Getter = field(default=lambda ctx: MISSING, repr=False, compare=False)

    def evaluate(self, ctx: EvaluationContext) -> Any:
        """The value, keeping its JSON type; ``MISSING`` when it is not there."""
        value = self._get(ctx)
        if self.pointer and value is not MISSING:
            return resolve_pointer(value, self.pointer)
        return value

    def require(self, ctx: EvaluationContext) -> Any:
        """Like :meth:`evaluate`, but an absent value raises :class:`ExpressionEvaluationError`."""
        value = self.evaluate(ctx)
        if value is MISSING:
            raise ExpressionEvaluationError(f"{self.text} has no value")
        return value

    def references(self) -> tuple[RuntimeExpression, ...]:
        """The expressions this one refers to: itself (same accessor as templates/conditions)."""
        return (self,)

    def __str__(self) -> str:
        return self.text


def parse_runtime_expression(text: str, *, arazzo: tuple[int, int] = ARAZZO_1_0) -> RuntimeExpression:
    """Parse ``text`` as exactly one runtime expression of the ``arazzo`` (major, minor) grammar.

    Raises :class:`ExpressionSyntaxError` (with the offset of the problem) otherwise.
    """
    if not isinstance(text, str):
        raise ExpressionSyntaxError("a runtime expression must be a string", str(text), 0)
    expr, _ = parse_expression_span(text, 0, len(text), arazzo=arazzo)
    return expr


def _error(message: str, text: str, offset: int) -> ExpressionSyntaxError:
    return ExpressionSyntaxError(message, text, offset)


def _scan_name(text: str, pos: int, end: int, stops: str) -> int:
    """End of the name starting at ``pos``: the first stop character, brace, space or control."""
    while pos < end:
        ch = text[pos]
        if ch in stops or ch in _NEVER_IN_NAME or ch.isspace() or ch < " " or ch == "\x7f":
            break
        pos += 1
    return pos


def _name(text: str, pos: int, end: int, stops: str, missing: str) -> tuple[str, int]:
    """The (non-empty) name starting at ``pos`` and where it ends; ``missing`` says what was expected."""
    stop = _scan_name(text, pos, end, stops)
    if stop == pos:
        raise _error(missing, text, pos)
    return text[pos:stop], stop


def _expect(text: str, pos: int, end: int, literal: str, what: str) -> int:
    if text.startswith(literal, pos) and pos + len(literal) <= end:
        return pos + len(literal)
    raise _error(f"expected {literal!r} {what}", text, pos)


def parse_expression_span(
    text: str, start: int, end: int, *, operand: bool = False, arazzo: tuple[int, int] = ARAZZO_1_0
) -> tuple[RuntimeExpression, int]:
    """Parse the runtime expression at ``text[start:end]``; return it and where it stopped.

    Without ``operand`` the expression must fill the span. With ``operand`` (a condition
    operand) it may stop early, where ``.member``/``[index]`` navigation begins, and names end
    at ``.`` or ``[``; the caller parses the rest. ``arazzo`` is the document's Arazzo
    ``(major, minor)``: ``$self`` and ``$message`` exist from 1.1 on.
    """
    if start >= end or text[start] != "$":
        raise _error("a runtime expression starts with '$'", text, start)
    pos = start + 1
    while pos < end and text[pos].isascii() and text[pos].isalpha():
        pos += 1
    root = text[start + 1 : pos]
    if root in ROOTS_1_1 and arazzo < ARAZZO_1_1:
        raise _error(f"${root} is an Arazzo 1.1 expression; this document is Arazzo 1.0.x", text, start)
    if root not in ROOTS and root not in ROOTS_1_1:
        roots = ROOTS | ROOTS_1_1 if arazzo >= ARAZZO_1_1 else ROOTS
        known = ", ".join("$" + r for r in sorted(roots))
        raise _error(f"unknown runtime expression ${root}; expected one of {known}", text, start)
    name_stops = "#.[" if operand else "#"
    part = owner = name = None
    if root in ("url", "method", "statusCode", "self"):
        stop = pos
    elif root in ("request", "response", "message"):
        pos = _expect(text, pos, end, ".", f"after ${root}")
        word_end = pos
        while word_end < end and text[word_end].isascii() and text[word_end].isalpha():
            word_end += 1
        part = text[pos:word_end]
        if part == "header":
            pos = _expect(text, word_end, end, ".", "after 'header'")
            stop = pos
            while stop < end and text[stop] in _TCHAR:
                stop += 1
            if stop == pos:
                raise _error("expected a header name (an HTTP token)", text, pos)
            name = text[pos:stop]
        elif part in ("query", "path"):
            if root == "response":
                raise _error(
                    f"$response.{part} has no meaning; parameters are read with $request.{part}",
                    text,
                    pos,
                )
            pos = _expect(text, word_end, end, ".", f"after {part!r}")
            stop = _scan_name(text, pos, end, name_stops)
            name = text[pos:stop]  # the 1.0 ABNF allows an empty name here
        elif part == "body" or (part == "payload" and root == "message"):
            stop = word_end
        elif root == "message":
            raise _error("expected header, query, path, body or payload after $message.", text, pos)
        else:
            raise _error(f"expected header, query, path or body after ${root}.", text, pos)
    elif root in ("inputs", "outputs"):
        pos = _expect(text, pos, end, ".", f"after ${root}")
        name, stop = _name(text, pos, end, name_stops, f"expected a name after ${root}.")
    elif root == "steps":
        pos = _expect(text, pos, end, ".", "after $steps")
        owner, pos = _scan_id(text, pos, end, "step id")
        if not text.startswith(".outputs.", pos) or pos + 9 > end:
            raise _error(
                f"expected '.outputs.<name>' after the step id (write $steps.{owner}.outputs.<name>)",
                text,
                pos,
            )
        part = "outputs"
        pos += 9
        name, stop = _name(text, pos, end, name_stops, "expected an output name")
    elif root == "workflows":
        pos = _expect(text, pos, end, ".", "after $workflows")
        owner, pos = _scan_id(text, pos, end, "workflow id")
        pos = _expect(text, pos, end, ".", "after the workflow id")
        for candidate in ("inputs", "outputs"):
            if text.startswith(candidate + ".", pos) and pos + len(candidate) < end:
                part = candidate
                pos += len(candidate) + 1
                break
        else:
            raise _error("expected 'inputs.' or 'outputs.' after the workflow id", text, pos)
        name, stop = _name(text, pos, end, name_stops, f"expected a name after {part}.")
    elif root == "sourceDescriptions":
        pos = _expect(text, pos, end, ".", "after $sourceDescriptions")
        owner, pos = _scan_id(text, pos, end, "source description name")
        pos = _expect(text, pos, end, ".", "after the source description name")
        # operationIds may contain dots, so the member runs to the end (no navigation after it)
        missing = "expected a member (url, an operationId or a workflowId)"
        name, stop = _name(text, pos, end, "#[" if operand else "", missing)
    else:  # components
        pos = _expect(text, pos, end, ".", "after $components")
        for candidate in COMPONENT_KINDS:
            if text.startswith(candidate + ".", pos) and pos + len(candidate) < end:
                part = candidate
                pos += len(candidate) + 1
                break
        else:
            raise _error(f"expected one of {', '.join(COMPONENT_KINDS)} after $components.", text, pos)
        name, stop = _name(text, pos, end, ".[#" if operand else "#", "expected a component name")

    pointer = None
    if (
        stop < end
        and text[stop] == "#"
        and (root in ("inputs", "outputs", "steps", "workflows") or part in ("body", "payload"))
    ):
        pointer_end = end if not operand else _scan_name(text, stop + 1, end, "")
        pointer = parse_pointer(text, stop + 1, pointer_end)
        stop = pointer_end
    if not operand and stop != end:
        if part == "body" and pointer is None and text[stop] in ".[":
            # Common in the wild: $response.body.data[0].id. Say what the 1.0 grammar wants.
            suggestion = _navigation_as_pointer(text[stop:end])
            hint = f" (write {text[start:stop]}#{suggestion})" if suggestion else ""
            raise _error(f"use a JSON pointer after {text[start:stop]}, not '{text[stop]}'{hint}", text, stop)
        raise _error(f"unexpected {text[stop]!r} in runtime expression", text, stop)
    source = text[start:stop]
    return RuntimeExpression(source, root, part, owner, name, pointer, _getter(root, part, owner, name)), stop


def _navigation_as_pointer(navigation: str) -> str | None:
    """``.data[0].id`` as the RFC 6901 pointer ``/data/0/id`` (None when it is not that simple)."""
    tokens: list[str] = []
    for dotted in navigation.split("."):
        if not dotted:
            continue
        name, _, rest = dotted.partition("[")
        if name:
            tokens.append(name)
        while rest:
            index, sep, rest = rest.partition("]")
            if not sep or not index.isdigit():
                return None
            tokens.append(index)
            rest = rest.removeprefix("[")
    if not tokens:
        return None
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _scan_id(text: str, pos: int, end: int, what: str) -> tuple[str, int]:
    return _name(text, pos, end, ".#[", f"expected a {what}")


def _getter(root: str, part: str | None, owner: str | None, name: str | None) -> Getter:
    """The function that reads this expression's value from a context (chosen once)."""
    empty: dict[str, Any] = {}
    key = name or ""
    if root == "url":
        return lambda c: c.url
    if root == "method":
        return lambda c: c.method
    if root == "statusCode":
        return lambda c: c.status_code
    if root == "self":
        return lambda c: c.self_uri
    if root == "message":
        if part == "header":
            return lambda c: header_value(c.message_headers, key)
        if part in ("body", "payload"):
            return lambda c: c.message_payload
        return lambda c: MISSING  # a message has no query or path parameters
    if root == "inputs":
        return lambda c: c.inputs.get(key, MISSING)
    if root == "outputs":
        return lambda c: c.outputs.get(key, MISSING)
    if root == "steps":
        return lambda c: (c.steps.get(owner) or empty).get(key, MISSING)  # type: ignore[arg-type]
    if root == "workflows":
        return lambda c: ((c.workflows.get(owner) or empty).get(part) or empty).get(key, MISSING)  # type: ignore[arg-type]
    if root == "sourceDescriptions":
        return lambda c: (c.source_descriptions.get(owner) or empty).get(key, MISSING)  # type: ignore[arg-type]
    if root == "components":
        return lambda c: (c.components.get(part) or empty).get(key, MISSING)  # type: ignore[arg-type]
    if root == "request":
        if part == "header":
            return lambda c: header_value(c.request_headers, key)
        if part == "query":
            return lambda c: c.request_query.get(key, MISSING)
        if part == "path":
            return lambda c: c.request_path.get(key, MISSING)
        return lambda c: c.request_body
    if part == "header":
        return lambda c: header_value(c.response_headers, key)
    return lambda c: c.response_body
