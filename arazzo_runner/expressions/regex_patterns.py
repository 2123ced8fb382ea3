"""Regex criteria: Python ``re`` syntax, matched with a time limit.

Dialect: what Python's ``re`` accepts (checked with ``re.compile`` at load). Matching uses the
``regex`` package in ``VERSION0`` mode (its ``re``-compatible mode) for one reason: its
``timeout``. A pattern with catastrophic backtracking (``(a+)+$``, ``(.*)*x``) on a hostile or
simply large body is stopped after ``TIMEOUT_SECONDS`` and the criterion fails with that reason,
instead of hanging the run. We guard by time rather than by refusing patterns, because no static
check catches every polynomial blow-up (``.*.*x`` takes minutes in ``re`` on 10 kB) while a
timeout catches all of them.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

import regex

from .errors import ExpressionSyntaxError

__all__ = ["TIMEOUT_SECONDS", "RegexPattern", "compile_regex"]

#: Longest a single regex criterion may run.
TIMEOUT_SECONDS = 0.25


@dataclass(frozen=True, slots=True, eq=False)
class RegexPattern:
    """A compiled pattern; ``search`` returns the match or ``None``, or raises TimeoutError."""

    text: str
    compiled: Any
    warnings: tuple[str, ...] = ()

    def search(self, subject: str) -> Any:
        return self.compiled.search(subject, timeout=TIMEOUT_SECONDS)


def compile_regex(pattern: str) -> RegexPattern:
    """Compile ``pattern``; an invalid one is an :class:`ExpressionSyntaxError` at its offset."""
    try:
        with warnings.catch_warnings(record=True) as caught:  # e.g. "possible nested set"
            warnings.simplefilter("always")
            re.compile(pattern)
    except re.error as exc:
        raise ExpressionSyntaxError(f"invalid regular expression: {exc.msg}", pattern, exc.pos or 0) from None
    except (RecursionError, OverflowError, ValueError) as exc:
        raise ExpressionSyntaxError(f"invalid regular expression: {exc}", pattern, 0) from None
    try:
        compiled = regex.compile(pattern, flags=regex.VERSION0)
    except (regex.error, RecursionError, OverflowError, ValueError) as exc:
        raise ExpressionSyntaxError(f"unsupported regular expression: {exc}", pattern, 0) from None
    notes = tuple(
        f"regex: {w.message}" for w in caught if issubclass(w.category, FutureWarning | DeprecationWarning)
    )
    return RegexPattern(pattern, compiled, notes)
