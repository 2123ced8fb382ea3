"""Simple conditions: a precedence-climbing parser and an evaluator over the AST.

Grammar (loosest first; ``!`` binds tightest, as in C and JavaScript)::

    condition  := or EOF
    or         := and ( "||" and )*
    and        := comparison ( "&&" comparison )*
    comparison := unary ( ( "==" | "!=" | "<" | "<=" | ">" | ">=" ) unary )?   # no chaining
    unary      := "!" unary | primary
    primary    := literal | operand | "(" or ")"
    operand    := runtime-expression ( "." member | "[" digits "]" )*

So ``!$a == true`` is ``(!$a) == true`` and ``a || b && c`` is ``a || (b && c)``; ``a < b < c``
is a syntax error. Comparison, truth and absence rules are in ``values.py``. The same parser
reads the ``$.TrainingJobStatus == "InProgress"`` JSONPath form, where an operand is an RFC 9535
singular query evaluated against the criterion's context value.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from .context import EvaluationContext
from .errors import ExpressionSyntaxError
from .jsonpath_queries import JsonPathQuery, compile_jsonpath
from .lexer import COMPARISONS, Token, tokenize
from .runtime import ARAZZO_1_0, RuntimeExpression, parse_expression_span
from .values import MISSING, loose_equals, loose_order, truthy

__all__ = ["Condition", "parse_condition"]

#: Deepest nesting of parentheses and '!' accepted (keeps hostile input far from recursion limits).
MAX_DEPTH = 64
#: Longest condition accepted, in characters: keeps parsing of hostile text well under 100 ms.
MAX_LENGTH = 10_000

Seen = list[tuple[str, Any]]


class _Scope:
    """Per-evaluation state: where operands read from and what they saw (for explanations)."""

    __slots__ = ("context_value", "ctx", "seen")

    def __init__(self, ctx: EvaluationContext, context_value: Any, seen: Seen) -> None:
        self.ctx = ctx
        self.context_value = context_value
        self.seen = seen


@dataclass(slots=True, eq=False)
class Node:
    """An AST node; ``value`` computes it in a scope. ``text`` is the node's source, for explanations
    (keyword-only, so that each node's own fields come first)."""

    text: str = field(kw_only=True)

    def value(self, scope: _Scope) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(slots=True, eq=False)
class Literal(Node):
    literal: Any

    def value(self, scope: _Scope) -> Any:
        return self.literal


@dataclass(slots=True, eq=False)
class Reading(Node):
    """An operand: what it reads is recorded in the scope, for the explanation of a failed criterion."""

    def value(self, scope: _Scope) -> Any:
        result = self.read(scope)
        scope.seen.append((self.text, result))
        return result

    def read(self, scope: _Scope) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(slots=True, eq=False)
class Operand(Reading):
    """A runtime expression followed by ``.member`` / ``[index]`` navigation."""

    expr: RuntimeExpression
    navigation: tuple[str | int, ...]

    def read(self, scope: _Scope) -> Any:
        result = self.expr.evaluate(scope.ctx)
        for step in self.navigation:
            result = navigate(result, step)
        return result


@dataclass(slots=True, eq=False)
class PathOperand(Reading):
    """A JSONPath singular query read from the criterion's context value."""

    query: JsonPathQuery

    def read(self, scope: _Scope) -> Any:
        context_value = scope.context_value
        return MISSING if context_value is MISSING else self.query.resolve_singular(context_value)


@dataclass(slots=True, eq=False)
class Not(Node):
    operand: Node

    def value(self, scope: _Scope) -> bool:
        return not truthy(self.operand.value(scope))


@dataclass(slots=True, eq=False)
class Compare(Node):
    op: str
    left: Node
    right: Node

    def value(self, scope: _Scope) -> bool:
        left, right = self.left.value(scope), self.right.value(scope)
        if self.op == "==":
            return loose_equals(left, right)
        if self.op == "!=":
            return not loose_equals(left, right)
        return loose_order(left, self.op, right)


#: The two operators a :class:`Junction` joins its items with.
JunctionOp = typing.Literal["&&", "||"]  # typing's: ``Literal`` here is the node class


@dataclass(slots=True, eq=False)
class Junction(Node):
    """``a && b && …`` (``op`` ``&&``: every item holds) or ``a || b || …`` (``||``: one does); items
    are read in order and only as far as the answer needs, as the operators short-circuit."""

    op: JunctionOp
    items: list[Node]

    def value(self, scope: _Scope) -> bool:
        holds = (truthy(item.value(scope)) for item in self.items)
        return all(holds) if self.op == "&&" else any(holds)


def navigate(value: Any, step: str | int) -> Any:
    """One ``.member`` (str) or ``[index]`` (int) step; ``MISSING`` when there is nothing there."""
    if value is MISSING:
        return MISSING
    if isinstance(value, Mapping):
        return value.get(step if isinstance(step, str) else str(step), MISSING)
    if isinstance(step, int) and isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return value[step] if step < len(value) else MISSING
    return MISSING


@dataclass(frozen=True, slots=True, eq=False)
class Condition:
    """A parsed simple condition (or JSONPath comparison); evaluate as often as needed."""

    text: str
    root: Node
    expressions: tuple[RuntimeExpression, ...] = ()
    double_quoted: bool = False
    paths: tuple[JsonPathQuery, ...] = ()

    def evaluate(self, ctx: EvaluationContext, context_value: Any = MISSING) -> bool:
        """Whether the condition holds."""
        return truthy(self.root.value(_Scope(ctx, context_value, [])))

    def evaluate_explained(self, ctx: EvaluationContext, context_value: Any = MISSING) -> tuple[bool, Seen]:
        """Whether it holds, and each operand read with the value it had (in order read)."""
        seen: Seen = []
        return truthy(self.root.value(_Scope(ctx, context_value, seen))), seen

    def references(self) -> tuple[RuntimeExpression, ...]:
        """The runtime expressions the condition reads, for the loader's target checks."""
        return self.expressions


def parse_condition(text: str, *, arazzo: tuple[int, int] = ARAZZO_1_0) -> Condition:
    """Parse a simple condition (Criterion Object, ``type: simple``) of the ``arazzo`` grammar."""
    return _Parser(text, jsonpath_operands=False, arazzo=arazzo).parse()


def parse_jsonpath_comparison(text: str) -> Condition:
    """Parse ``<singular JSONPath> <op> <literal>`` (and ``&&``/``||``/``!`` combinations)."""
    return _Parser(text, jsonpath_operands=True).parse()


class _Parser:
    __slots__ = (
        "arazzo",
        "depth",
        "double_quoted",
        "expressions",
        "jsonpath_operands",
        "paths",
        "pos",
        "text",
        "tokens",
    )

    def __init__(self, text: str, *, jsonpath_operands: bool, arazzo: tuple[int, int] = ARAZZO_1_0) -> None:
        if not isinstance(text, str):
            raise ExpressionSyntaxError("a condition must be a string", str(text), 0)
        if len(text) > MAX_LENGTH:
            raise ExpressionSyntaxError(f"condition longer than {MAX_LENGTH} characters", text, MAX_LENGTH)
        self.text = text
        self.jsonpath_operands = jsonpath_operands
        self.arazzo = arazzo
        self.tokens = tokenize(text, jsonpath_operands=jsonpath_operands)
        self.pos = 0
        self.depth = 0
        self.expressions: list[RuntimeExpression] = []
        self.paths: list[JsonPathQuery] = []
        self.double_quoted = False

    def parse(self) -> Condition:
        if self.tokens[0].kind == "eof":
            raise ExpressionSyntaxError("empty condition", self.text, 0)
        root = self._or()
        token = self._peek()
        if token.kind != "eof":
            raise ExpressionSyntaxError(f"unexpected {self._show(token)}", self.text, token.start)
        return Condition(self.text, root, tuple(self.expressions), self.double_quoted, tuple(self.paths))

    def _peek(self) -> Token:
        return self.tokens[self.pos]

    def _next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def _show(self, token: Token) -> str:
        return "end of condition" if token.kind == "eof" else repr(self.text[token.start : token.end])

    def _span(self, start: int) -> str:
        return self.text[start : self.tokens[self.pos - 1].end].strip()

    def _or(self) -> Node:
        return self._junction("||", self._and)

    def _and(self) -> Node:
        return self._junction("&&", self._comparison)

    def _junction(self, op: JunctionOp, operand: Callable[[], Node]) -> Node:
        """``operand (op operand)*``: a lone operand as it is, more joined in one :class:`Junction`."""
        start = self._peek().start
        items = [operand()]
        while self._peek().kind == op:
            self._next()
            items.append(operand())
        return items[0] if len(items) == 1 else Junction(op, items, text=self._span(start))

    def _comparison(self) -> Node:
        start = self._peek().start
        left = self._unary()
        if self._peek().kind not in COMPARISONS:
            return left
        op = self._next().kind
        right = self._unary()
        following = self._peek()
        if following.kind in COMPARISONS:
            raise ExpressionSyntaxError(
                "comparisons do not chain; combine them with && or ||, or use parentheses",
                self.text,
                following.start,
            )
        return Compare(op, left, right, text=self._span(start))

    def _unary(self) -> Node:
        token = self._peek()
        if token.kind != "!":
            return self._primary()
        self._enter(token)
        self._next()
        operand = self._unary()
        self.depth -= 1
        return Not(operand, text=self._span(token.start))

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionSyntaxError(f"nested deeper than {MAX_DEPTH} levels", self.text, token.start)

    def _primary(self) -> Node:
        token = self._next()
        kind = token.kind
        if kind == "(":
            self._enter(token)
            inner = self._or()
            closing = self._next()
            if closing.kind != ")":
                raise ExpressionSyntaxError(
                    f"expected ')' to close the '(' at offset {token.start}, found {self._show(closing)}",
                    self.text,
                    closing.start,
                )
            self.depth -= 1
            return inner
        if kind in ("number", "string", "true", "false", "null"):
            return Literal(token.value, text=self.text[token.start : token.end])
        if kind == "dstring":
            self.double_quoted = True
            return Literal(token.value, text=self.text[token.start : token.end])
        if kind == "operand":
            start, end = cast(tuple[int, int], token.value)
            return self._path(start, end) if self.jsonpath_operands else self._operand(start, end, token)
        raise ExpressionSyntaxError(
            f"expected a value (a runtime expression, a literal or '('), found {self._show(token)}",
            self.text,
            token.start,
        )

    def _operand(self, start: int, end: int, token: Token) -> Operand:
        expr, pos = parse_expression_span(self.text, start, end, operand=True, arazzo=self.arazzo)
        navigation: list[str | int] = []
        while pos < end:
            ch = self.text[pos]
            if ch == ".":
                stop = pos + 1
                while stop < end and self.text[stop] not in ".[]":
                    stop += 1
                if stop == pos + 1:
                    raise ExpressionSyntaxError("expected a member name after '.'", self.text, pos + 1)
                navigation.append(self.text[pos + 1 : stop])
                pos = stop
            elif ch == "[":
                stop = self.text.find("]", pos, end)
                digits = self.text[pos + 1 : stop] if stop > 0 else ""
                if not (digits.isascii() and digits.isdigit()):
                    raise ExpressionSyntaxError(
                        "expected '[' index ']' with a 0-based integer", self.text, pos
                    )
                navigation.append(int(digits))
                pos = stop + 1
            else:
                raise ExpressionSyntaxError(f"unexpected {ch!r} after {expr.text}", self.text, pos)
        self.expressions.append(expr)
        return Operand(expr, tuple(navigation), text=self.text[token.start : token.end])

    def _path(self, start: int, end: int) -> PathOperand:
        query_text = self.text[start:end]
        query = compile_jsonpath(query_text, start, self.text)
        if query.singular_keys is None:
            raise ExpressionSyntaxError(
                f"{query_text} is not a singular JSONPath query (only names and indexes, e.g. $.a.b[0])",
                self.text,
                start,
            )
        self.paths.append(query)
        return PathOperand(query, text=query_text)
