"""Tokens of simple conditions (and of the ``$.path == "literal"`` JSONPath form).

A hand-written scanner: one pass, every token carries its offsets, and anything that is not
part of the language (``__import__``, ``;``, a lone ``=``) is an :class:`ExpressionSyntaxError`
at its offset. Nothing in a condition is ever handed to Python to run.
"""

from __future__ import annotations

import json
import re
from typing import NamedTuple

from .errors import ExpressionSyntaxError

__all__ = ["COMPARISONS", "Token", "tokenize"]

COMPARISONS = frozenset({"==", "!=", "<", "<=", ">", ">="})
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# An operand of a simple condition runs from '$' up to whitespace or one of these.
_OPERAND_END = frozenset("!&()<=>{|}")
_PATH_END = frozenset("!&)<=>|")
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.$")


class Token(NamedTuple):
    """``kind`` is the operator itself, or number/string/true/false/null/operand/eof."""

    kind: str
    value: object
    start: int
    end: int


def tokenize(text: str, *, jsonpath_operands: bool = False) -> list[Token]:
    """Split a condition into tokens.

    ``jsonpath_operands`` switches what ``$`` starts: a runtime expression with navigation
    (simple conditions) or a JSONPath query, which may hold brackets, quotes and spaces
    (``$['a b'][0]``) and so is delimited by balance instead of by characters.
    """
    tokens: list[Token] = []
    pos, size = 0, len(text)
    while pos < size:
        ch = text[pos]
        if ch in " \t\r\n":
            pos += 1
            continue
        start = pos
        two = text[pos : pos + 2]
        if two in ("==", "!=", "<=", ">=", "&&", "||"):
            tokens.append(Token(two, two, start, start + 2))
            pos += 2
        elif ch in "()<>!":
            tokens.append(Token(ch, ch, start, start + 1))
            pos += 1
        elif ch == "=":
            raise ExpressionSyntaxError("use '==' to compare ('=' alone is not an operator)", text, pos)
        elif ch in "&|":
            raise ExpressionSyntaxError(f"use '{ch * 2}' ('{ch}' alone is not an operator)", text, pos)
        elif ch == "$":
            pos = _scan_path(text, pos) if jsonpath_operands else _scan_operand(text, pos)
            tokens.append(Token("operand", (start, pos), start, pos))
        elif ch == "{" and not jsonpath_operands and text.startswith("{$", pos):
            close = text.find("}", pos)
            if close < 0:
                raise ExpressionSyntaxError("'{$' is not closed by '}'", text, pos)
            tokens.append(Token("operand", (pos + 1, close), start, close + 1))
            pos = close + 1
        elif ch == "'":
            value, pos = _scan_single_quoted(text, pos)
            tokens.append(Token("string", value, start, pos))
        elif ch == '"':
            value, pos = _scan_double_quoted(text, pos)
            tokens.append(Token("dstring", value, start, pos))
        elif ch == "-" or ch.isdigit():
            match = _NUMBER.match(text, pos)
            if match is None:
                raise ExpressionSyntaxError("malformed number", text, pos)
            pos = match.end()
            _no_word_after(text, pos)
            literal = match.group()
            number = float(literal) if any(c in literal for c in ".eE") else int(literal)
            tokens.append(Token("number", number, start, pos))
        elif _WORD.match(text, pos):
            word = _WORD.match(text, pos).group()  # type: ignore[union-attr]
            pos += len(word)
            if word not in ("true", "false", "null") or (pos < size and text[pos] in _WORD_CHARS):
                raise ExpressionSyntaxError(
                    f"unexpected word {word!r}: a value is a runtime expression ($...), a number, "
                    "true, false, null or a 'quoted string'",
                    text,
                    start,
                )
            tokens.append(Token(word, {"true": True, "false": False, "null": None}[word], start, pos))
        else:
            raise ExpressionSyntaxError(f"unexpected character {ch!r}", text, pos)
    tokens.append(Token("eof", None, size, size))
    return tokens


def _no_word_after(text: str, pos: int) -> None:
    if pos < len(text) and text[pos] in _WORD_CHARS:
        raise ExpressionSyntaxError(f"unexpected {text[pos]!r} after a number", text, pos)


def _scan_operand(text: str, pos: int) -> int:
    pos += 1
    while pos < len(text) and not text[pos].isspace() and text[pos] not in _OPERAND_END:
        pos += 1
    return pos


def _scan_path(text: str, pos: int) -> int:
    """End of a JSONPath query: brackets and parentheses balanced, quotes skipped."""
    depth = 0
    pos += 1
    size = len(text)
    while pos < size:
        ch = text[pos]
        if ch in "'\"":
            close = pos + 1
            while close < size and text[close] != ch:
                close += 2 if text[close] == "\\" else 1
            if close >= size:
                raise ExpressionSyntaxError("unterminated string in JSONPath query", text, pos)
            pos = close + 1
            continue
        if ch in "[(":
            depth += 1
        elif ch in "])":
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and (ch.isspace() or ch in _PATH_END):
            break
        pos += 1
    if depth:
        raise ExpressionSyntaxError("unbalanced '[' or '(' in JSONPath query", text, pos)
    return pos


def _scan_single_quoted(text: str, pos: int) -> tuple[str, int]:
    """A spec string literal: single quotes, a quote inside written twice (``'it''s'``)."""
    chunks = []
    start = pos
    pos += 1
    while True:
        close = text.find("'", pos)
        if close < 0:
            raise ExpressionSyntaxError("unterminated string (missing closing ')", text, start)
        chunks.append(text[pos:close])
        if text.startswith("''", close):
            chunks.append("'")
            pos = close + 2
            continue
        return "".join(chunks), close + 1


def _scan_double_quoted(text: str, pos: int) -> tuple[str, int]:
    """A JSON string literal (not in the spec; accepted with a warning, see criteria.py)."""
    close = pos + 1
    while close < len(text) and text[close] != '"':
        close += 2 if text[close] == "\\" else 1
    if close >= len(text):
        raise ExpressionSyntaxError('unterminated string (missing closing ")', text, pos)
    try:
        value = json.loads(text[pos : close + 1])
    except ValueError:
        raise ExpressionSyntaxError("malformed double-quoted string", text, pos) from None
    return value, close + 1
