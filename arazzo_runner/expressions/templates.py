"""String field values: a whole expression, a template with ``{$...}`` inside, or a literal.

Parameter values, payload leaves, outputs and replacement values are strings that may be
expressions. The rule (documented in README.md) is decided here once, at load:

1. A string starting with ``$`` followed by a runtime-expression root (``$url``,
   ``$inputs.``...; also 1.1's ``$self``/``$message``, to say they are not 1.0) must be
   exactly one runtime expression, or it is a syntax error. Its value keeps its JSON type.
2. Otherwise, a string containing ``{$`` is a template: each ``{$...}`` up to the next ``}``
   must be one runtime expression. The result is a string.
3. Anything else is a literal, returned unchanged (``"$5.00"``, ``"{not an expression}"``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from .context import EvaluationContext
from .errors import ExpressionSyntaxError
from .runtime import ARAZZO_1_0, ROOTS, ROOTS_1_1, RuntimeExpression, parse_expression_span
from .values import MISSING, render_text

__all__ = ["ValueTemplate", "parse_value"]

ValueKind = Literal["literal", "expression", "template"]


@dataclass(frozen=True, slots=True)
class ValueTemplate:
    """A classified string value, ready to render many times.

    ``parts`` holds literal strings and expressions in order (a literal value is one string,
    a whole expression is one expression).
    """

    text: str
    kind: ValueKind
    parts: tuple[str | RuntimeExpression, ...]

    @property
    def expression(self) -> RuntimeExpression | None:
        """The expression of a whole-value expression, else ``None``."""
        return self.parts[0] if self.kind == "expression" else None  # type: ignore[return-value]

    def references(self) -> tuple[RuntimeExpression, ...]:
        """Every runtime expression in the value, for the loader's target checks."""
        return tuple(p for p in self.parts if isinstance(p, RuntimeExpression))

    def render(
        self, ctx: EvaluationContext, unknown: Callable[[RuntimeExpression], str] | None = None
    ) -> Any:
        """The value in ``ctx``.

        A whole expression returns its value as is (a number stays a number; ``MISSING`` when
        absent). A template returns a string with each embedded value as text (see
        ``render_text``), or ``MISSING`` when any embedded value is absent, so the engine
        applies one rule ("absent: leave the field out") to both forms; with ``unknown`` (a dry
        run's placeholders), an absent embedded value is written as ``unknown(expression)``.
        """
        if self.kind == "literal":
            return self.text
        if self.kind == "expression":
            return self.parts[0].evaluate(ctx)  # type: ignore[union-attr]
        pieces = []
        for part in self.parts:
            if isinstance(part, str):
                pieces.append(part)
                continue
            value = part.evaluate(ctx)
            if value is MISSING:
                if unknown is None:
                    return MISSING
                pieces.append(unknown(part))
                continue
            pieces.append(render_text(value))
        return "".join(pieces)


def _root_word(text: str, start: int) -> str:
    end = start + 1
    while end < len(text) and text[end].isascii() and text[end].isalpha():
        end += 1
    return text[start + 1 : end]


def looks_like_expression(text: str) -> bool:
    """Whether rule 1 applies: ``$`` followed by a runtime-expression root word."""
    return text.startswith("$") and (_root_word(text, 0) in ROOTS or _root_word(text, 0) in ROOTS_1_1)


def parse_value(value: str, *, arazzo: tuple[int, int] = ARAZZO_1_0) -> ValueTemplate:
    """Classify and parse a string field value (rules in the module docstring).

    ``arazzo`` is the document's (major, minor): it decides whether ``$self``/``$message`` exist.
    """
    if not isinstance(value, str):
        raise ExpressionSyntaxError("a templated value must be a string", str(value), 0)
    if looks_like_expression(value):
        expr, _ = parse_expression_span(value, 0, len(value), arazzo=arazzo)
        return ValueTemplate(value, "expression", (expr,))
    if "{$" not in value:
        return ValueTemplate(value, "literal", (value,))
    parts: list[str | RuntimeExpression] = []
    pos = 0
    while True:
        open_at = value.find("{$", pos)
        if open_at < 0:
            break
        close_at = value.find("}", open_at)
        if close_at < 0:
            raise ExpressionSyntaxError(
                "'{$' opens an embedded expression that is not closed by '}'", value, open_at
            )
        if open_at > pos:
            parts.append(value[pos:open_at])
        expr, _ = parse_expression_span(value, open_at + 1, close_at, arazzo=arazzo)
        parts.append(expr)
        pos = close_at + 1
    if pos < len(value):
        parts.append(value[pos:])
    return ValueTemplate(value, "template", tuple(parts))
