"""Arazzo runtime expressions and criteria as Amazon States Language JSONPath and Choice rules.

The state machine keeps its data in one JSON document: ``$.inputs`` (the workflow inputs, with
their schema defaults), ``$.steps.<key>.outputs`` (each step's outputs, picked from the answer by
``ResultSelector``) and ``$.steps.<key>.body`` (the answer fields the step's criteria test). So:

* ``$inputs.a.b``             → ``$.inputs.a.b``
* ``$steps.s.outputs.o``      → ``$.steps.s.outputs.o``
* ``$response.body#/A/B``     → ``$.A.B`` (in a ``ResultSelector``, which sees the raw answer)
* ``"{$inputs.x}-suffix"``    → ``States.Format('{}-suffix', $.inputs.x)``

Criteria become Choice rules over ``$.steps.<key>.body``: the JSONPath dialect's
``$.Status == "InProgress"`` (context ``$response.body``) and the simple
``$response.body#/Status == 'InProgress'``, with ``==``/``!=``/``<``/``<=``/``>``/``>=`` against a
string, number or boolean literal. Anything else raises :class:`NotTranslatable` with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from ..document.model import Criterion

_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INPUTS = re.compile(r"^\$inputs((?:\.[A-Za-z0-9_\-]+)+)$")
_STEP_OUTPUT = re.compile(r"^\$steps\.(?P<step>[A-Za-z0-9_\-]+)\.outputs((?:\.[A-Za-z0-9_\-]+)+)$")
_BODY_POINTER = re.compile(r"^\$response\.body(?:#(?P<pointer>/.*))?$")
_EMBEDDED = re.compile(r"\{(\$[^{}]+)\}")
_LITERAL = r"""(?P<literal>"[^"]*"|'[^']*'|-?\d+(?:\.\d+)?|true|false)"""
_OPERATOR = r"(?P<op>==|!=|<=|>=|<|>)"
_JSONPATH_CONDITION = re.compile(rf"^\s*\$(?P<path>(?:\.[A-Za-z0-9_]+)+)\s*{_OPERATOR}\s*{_LITERAL}\s*$")
_SIMPLE_CONDITION = re.compile(rf"^\s*\$response\.body#(?P<pointer>/\S*)\s*{_OPERATOR}\s*{_LITERAL}\s*$")
_STATUS_OK = re.compile(r"^\s*\$statusCode\s*==\s*2\d\d\s*$")


class NotTranslatable(Exception):
    """An expression or criterion with no States Language equivalent; the message says why."""


def path_key(name: str) -> str:
    """A name as a JSONPath member (``.name``, or ``['na-me']`` when it is not a plain word)."""
    if _SIMPLE_KEY.match(name):
        return f".{name}"
    return "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']"


def members_path(root: str, names: list[str]) -> str:
    return root + "".join(path_key(n) for n in names)


def pointer_members(pointer: str) -> list[str]:
    """RFC 6901 pointer tokens (``/A/B`` → ``["A", "B"]``)."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.lstrip("/").split("/")]


def input_names(expression: str) -> list[str] | None:
    """``$inputs.a.b`` → ``["a", "b"]``; ``None`` for anything else."""
    match = _INPUTS.match(expression.strip())
    return match.group(1).lstrip(".").split(".") if match else None


def value_path(expression: str, step_path: dict[str, str]) -> str:
    """The JSONPath of a runtime expression over the state data (``$.inputs…``, ``$.steps…``)."""
    text = expression.strip()
    names = input_names(text)
    if names is not None:
        return members_path("$.inputs", names)
    match = _STEP_OUTPUT.match(text)
    if match:
        step = match.group("step")
        if step not in step_path:
            raise NotTranslatable(f"{text}: step {step!r} does not run before this point")
        return members_path(step_path[step] + ".outputs", match.group(2).lstrip(".").split("."))
    raise NotTranslatable(
        f"{text}: only $inputs.… and $steps.<id>.outputs.… have a place in the state data"
    )


def answer_path(expression: str) -> tuple[str, list[str]]:
    """A step output's ``$response.body#/A/B`` as ``($.A.B, ["A", "B"])`` for a ``ResultSelector``."""
    match = _BODY_POINTER.match(expression.strip())
    if not match:
        raise NotTranslatable(
            f"{expression}: a Task's result is the answer's body; headers, status and URL are not kept"
        )
    names = pointer_members(match.group("pointer") or "")
    return members_path("$", names), names


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and (value.strip().startswith("$") or bool(_EMBEDDED.search(value)))


def field_value(value: str, step_path: dict[str, str]) -> str:
    """A string field's ``.$`` value: a path, or ``States.Format`` for text with ``{$…}`` inside."""
    if value.strip().startswith("$") and not _EMBEDDED.search(value):
        return value_path(value, step_path)
    parts: list[str] = []
    args: list[str] = []
    position = 0
    for match in _EMBEDDED.finditer(value):
        parts.append(_format_literal(value[position : match.start()]))
        parts.append("{}")
        args.append(value_path(match.group(1), step_path))
        position = match.end()
    parts.append(_format_literal(value[position:]))
    return f"States.Format('{''.join(parts)}', {', '.join(args)})"


def _format_literal(text: str) -> str:
    for char in ("\\", "'", "{", "}"):
        text = text.replace(char, "\\" + char)
    return text


def is_status_success(criterion: Criterion) -> bool:
    """``$statusCode == 2xx``: what a Task's success already means (the SDK fails otherwise)."""
    return criterion.type == "simple" and bool(_STATUS_OK.match(criterion.condition))


def criterion_rule(criterion: Criterion, body_root: str) -> tuple[dict[str, Any], list[list[str]]]:
    """A Choice rule for ``criterion`` over the answer fields kept under ``body_root``.

    Returns the rule and the answer members it reads (the Task's ``ResultSelector`` keeps them).
    A JSONPath filter on the body (``$[?@.A == 'x' || @.A == 'y']``) tests the body itself, as
    the runner's root-filter rule decides (expressions/README.md), and maps to ``And``/``Or``/``Not``.
    """
    condition = criterion.condition.strip()
    jsonpath_on_body = criterion.type == "jsonpath" and (criterion.context or "").strip() == "$response.body"
    if jsonpath_on_body and condition.startswith("$[?") and condition.endswith("]"):
        return _FilterParser(condition[3:-1], body_root, criterion.condition).parse()
    if jsonpath_on_body:
        match = _JSONPATH_CONDITION.match(condition)
        names = match.group("path").lstrip(".").split(".") if match else []
    elif criterion.type == "simple":
        match = _SIMPLE_CONDITION.match(condition)
        names = pointer_members(match.group("pointer")) if match else []
    else:
        match = None
        names = []
    if match is None or not names:
        raise NotTranslatable(
            f"criterion {criterion.condition!r} ({criterion.type}"
            + (f", context {criterion.context}" if criterion.context else "")
            + "): only answer-body fields compared with literals map to Choice rules"
        )
    return _comparison(members_path(body_root, names), match.group("op"), match.group("literal"), criterion.condition), [names]


def _comparison(variable: str, op: str, literal_text: str, where: str) -> dict[str, Any]:
    literal = literal_text[1:-1] if literal_text.startswith("'") else json.loads(literal_text)
    if isinstance(literal, bool):
        if op not in ("==", "!="):
            raise NotTranslatable(f"criterion {where!r}: booleans compare with == or != only")
        rule: dict[str, Any] = {"Variable": variable, "BooleanEquals": literal}
    else:
        kind = "String" if isinstance(literal, str) else "Numeric"
        suffix = {"==": "Equals", "!=": "Equals", "<": "LessThan", "<=": "LessThanEquals"}.get(op)
        suffix = suffix or {">": "GreaterThan", ">=": "GreaterThanEquals"}[op]
        rule = {"Variable": variable, kind + suffix: literal}
    return {"Not": rule} if op == "!=" else rule


_FILTER_TOKEN = re.compile(
    rf"""\s*(?:(?P<path>@(?:\.[A-Za-z_][A-Za-z0-9_]*)+)|{_OPERATOR}|(?P<and>&&)|(?P<or>\|\|)|(?P<not>!)"""
    rf"""|(?P<open>\()|(?P<close>\))|{_LITERAL})"""
)
_SWAPPED = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "==": "==", "!=": "!="}


class _FilterParser:
    """``||``, ``&&``, ``!``, parentheses and ``@.a.b OP literal`` comparisons; nothing else."""

    def __init__(self, text: str, body_root: str, where: str) -> None:
        self.where = where
        self.body_root = body_root
        self.members: list[list[str]] = []
        self.tokens: list[tuple[str, str]] = []
        position = 0
        while position < len(text):
            match = _FILTER_TOKEN.match(text, position)
            if match is None or match.end() == position:
                if text[position:].strip():
                    self._refuse(f"cannot read {text[position:].strip()[:20]!r}")
                break
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def _refuse(self, why: str) -> None:
        raise NotTranslatable(
            f"criterion {self.where!r}: {why}; only ||, &&, !, parentheses and @.field comparisons"
            " with literals map to Choice rules"
        )

    def _peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def _take(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            self._refuse("it ends too early")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> tuple[dict[str, Any], list[list[str]]]:
        rule = self._or()
        if self.index != len(self.tokens):
            self._refuse(f"unexpected {self.tokens[self.index][1]!r}")
        return rule, self.members

    def _or(self) -> dict[str, Any]:
        return self._joined("or", "Or", self._and)

    def _and(self) -> dict[str, Any]:
        return self._joined("and", "And", self._unary)

    def _joined(self, word: str, rule: str, operand: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """``operand (word operand)*`` as one ``{rule: [...]}`` Choice rule (a single operand as itself)."""
        rules = [operand()]
        while self._peek() == word:
            self._take()
            rules.append(operand())
        return rules[0] if len(rules) == 1 else {rule: rules}

    def _unary(self) -> dict[str, Any]:
        kind, _ = self._take()
        if kind == "not":
            return {"Not": self._unary()}
        if kind == "open":
            rule = self._or()
            if self._take()[0] != "close":
                self._refuse("a parenthesis is not closed")
            return rule
        self.index -= 1
        return self._comparison()

    def _comparison(self) -> dict[str, Any]:
        left_kind, left = self._take()
        op_kind, op = self._take()
        right_kind, right = self._take()
        if op_kind != "op":
            self._refuse(f"expected a comparison after {left!r}")
        if left_kind == "literal" and right_kind == "path":
            left_kind, left, right_kind, right, op = right_kind, right, left_kind, left, _SWAPPED[op]
        if left_kind != "path" or right_kind != "literal":
            self._refuse(f"{left} {op} {right} does not compare a field with a literal")
        names = left[2:].split(".")
        self.members.append(names)
        return _comparison(members_path(self.body_root, names), op, right, self.where)
