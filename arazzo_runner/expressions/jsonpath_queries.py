"""JSONPath queries: RFC 9535 (python-jsonpath, strict mode) and Goessner (jsonpath-ng).

This module only compiles and runs queries: ``compile_jsonpath(text).find(value)`` is the
RFC 9535 entry point the compliance test suite runs through, unchanged by any Arazzo rule.
How a nodelist becomes pass/fail, and the root-filter rule, live in ``criteria.py``.

Bounded (see :mod:`.budget`): queries run under the criterion's time budget; the regexes of
RFC 9535 ``match()``/``search()`` and of the Goessner ``=~`` operator match under its timeout
(``=~`` patterns are also checked at load time); a query with recursive descent (``..``) is
refused on a value of more than ``MAX_DESCENT_NODES`` nodes.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import jsonpath
from jsonpath.selectors import Filter, IndexSelector, NameSelector

from .budget import MAX_DESCENT_NODES as _MAX_DESCENT_NODES
from .budget import BudgetExceeded, GuardedPattern, budget, descent_too_large
from .errors import ExpressionSyntaxError
from .values import MISSING

__all__ = ["GoessnerQuery", "JsonPathQuery", "compile_goessner", "compile_jsonpath"]

# strict=True: RFC 9535 only, none of python-jsonpath's extensions (unions with '|', '#' keys,
# '=~', 'in', pseudo-root '^', ...), so that what validates here validates elsewhere.
_ENV = jsonpath.JSONPathEnvironment(strict=True)


def _guarded(function: Any) -> Any:
    """RFC 9535 ``match``/``search`` whose compiled patterns match under the criterion budget."""

    class Guarded(type(function)):  # type: ignore[misc]
        def check_cache(self, pattern: str) -> Any:
            compiled = super().check_cache(pattern)
            return GuardedPattern(compiled) if compiled is not None else None

    return Guarded()


for _name in ("match", "search"):
    _ENV.function_extensions[_name] = _guarded(_ENV.function_extensions[_name])
#: Longest query accepted, in characters.
MAX_LENGTH = 10_000


@dataclass(frozen=True, slots=True, eq=False)
class JsonPathQuery:
    """A compiled RFC 9535 query."""

    text: str
    path: Any  # jsonpath.JSONPath
    singular_keys: tuple[str | int, ...] | None
    starts_with_filter: bool

    def find(self, value: Any) -> list[Any]:
        """The values of the nodelist the query selects from ``value`` (RFC 9535 semantics).

        Raises ``jsonpath.JSONPathError`` for evaluation limits (deep recursion).
        """
        if isinstance(value, str):
            # python-jsonpath would json.loads() a str document; a JSON string is a leaf.
            return [value] if not self.path.segments else []
        _check_descent(self.text, value)
        with budget():
            found: list[Any] = self.path.findall(value)
        return found

    def resolve_singular(self, value: Any) -> Any:
        """The one value a singular query selects, or ``MISSING`` (fast path, no nodelist)."""
        if self.singular_keys is None:
            nodes = self.find(value)
            return nodes[0] if nodes else MISSING
        for key in self.singular_keys:
            if isinstance(key, str):
                if not isinstance(value, Mapping) or key not in value:
                    return MISSING
                value = value[key]
            else:
                if not isinstance(value, Sequence) or isinstance(value, str | bytes | bytearray):
                    return MISSING
                if not -len(value) <= key < len(value):
                    return MISSING
                value = value[key]
        return value


def compile_jsonpath(text: str, base_offset: int = 0, whole_text: str | None = None) -> JsonPathQuery:
    """Compile an RFC 9535 query; syntax errors become :class:`ExpressionSyntaxError`.

    ``base_offset``/``whole_text`` place the error when the query is part of a longer text.
    Queries longer than ``MAX_LENGTH`` characters are refused (python-jsonpath's parser needs
    about 2 ms per 1 000 characters, and more on pathological nesting).
    """
    if len(text) > MAX_LENGTH:
        raise ExpressionSyntaxError(
            f"JSONPath query longer than {MAX_LENGTH} characters",
            whole_text or text,
            base_offset + MAX_LENGTH,
        )
    try:
        path = _ENV.compile(text)
    except jsonpath.JSONPathSyntaxError as exc:
        offset = getattr(getattr(exc, "token", None), "index", 0) or 0
        raise ExpressionSyntaxError(
            f"invalid JSONPath (RFC 9535): {_first_line(exc)}", whole_text or text, base_offset + offset
        ) from None
    except (jsonpath.JSONPathError, RecursionError, ValueError, TypeError, IndexError) as exc:
        raise ExpressionSyntaxError(
            f"invalid JSONPath (RFC 9535): {_first_line(exc)}", whole_text or text, base_offset
        ) from None
    if not isinstance(path, jsonpath.JSONPath):  # pragma: no cover - strict mode has no compounds
        raise ExpressionSyntaxError("invalid JSONPath (RFC 9535)", whole_text or text, base_offset)
    return JsonPathQuery(text, path, _singular_keys(path), _starts_with_filter(path))


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (some library errors cannot even print)."""
    try:
        text = str(exc)
    except Exception:
        return type(exc).__name__
    return text.splitlines()[0] if text.strip() else type(exc).__name__


def _singular_keys(path: Any) -> tuple[str | int, ...] | None:
    if not path.singular_query():
        return None
    keys: list[str | int] = []
    for segment in path.segments:
        (selector,) = segment.selectors
        if isinstance(selector, NameSelector):
            keys.append(selector.name)
        elif isinstance(selector, IndexSelector):
            keys.append(selector.index)
        else:  # pragma: no cover - a singular query has only name and index selectors
            return None
    return tuple(keys)


def _starts_with_filter(path: Any) -> bool:
    """Whether the query is ``$[?...]...``: its first segment filters the root's children."""
    if not path.segments:
        return False
    first = path.segments[0]
    return (
        isinstance(first, jsonpath.segments.JSONPathChildSegment)
        and len(first.selectors) == 1
        and isinstance(first.selectors[0], Filter)
    )


@dataclass(frozen=True, slots=True, eq=False)
class GoessnerQuery:
    """A compiled query in the Goessner dialect (``draft-goessner-dispatch-jsonpath-00``)."""

    text: str
    path: Any  # jsonpath_ng expression
    starts_with_filter: bool

    def find(self, value: Any) -> list[Any]:
        """The matched values (jsonpath-ng semantics)."""
        _check_descent(self.text, value)
        with budget():
            return [match.value for match in self.path.find(value)]


def _check_descent(text: str, value: Any) -> None:
    if ".." in text and descent_too_large(value):
        raise BudgetExceeded(
            f"recursive descent (..) refused on a value of more than {_MAX_DESCENT_NODES} nodes"
        )


def compile_goessner(text: str) -> GoessnerQuery:
    """Compile with jsonpath-ng's extended parser (filters, arithmetic)."""
    from jsonpath_ng.ext.parser import parse as parse_goessner  # imported only when a document uses it

    try:
        with warnings.catch_warnings():  # jsonpath-ng warns about its own deprecated syntax
            warnings.simplefilter("ignore", DeprecationWarning)
            path = parse_goessner(text)
    except Exception as exc:  # jsonpath-ng raises bare Exception subclasses from its lexer
        raise ExpressionSyntaxError(f"invalid JSONPath (Goessner): {_first_line(exc)}", text, 0) from None
    _guard_regex_operators(path, text)
    compact = "".join(text.split())
    return GoessnerQuery(text, path, compact.startswith("$[?"))


def _guard_regex_operators(node: Any, text: str, seen: set[int] | None = None) -> None:
    """Make every ``=~`` of a jsonpath-ng tree match with the guarded engine (checked now)."""
    from jsonpath_ng import JSONPath
    from jsonpath_ng.ext.filter import Expression

    from .regex_patterns import compile_regex

    seen = set() if seen is None else seen
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, Expression) and node.op == "=~" and isinstance(node.value, str):
        pattern = compile_regex(node.value)  # an invalid pattern is a load-time error
        node.__class__ = _guarded_expression_class(Expression)
        node.guarded = pattern  # type: ignore[attr-defined]
    for child in vars(node).values() if hasattr(node, "__dict__") else ():
        for item in child if isinstance(child, list | tuple) else (child,):
            if isinstance(item, JSONPath):
                _guard_regex_operators(item, text, seen)


_GUARDED_EXPRESSION: list[type] = []


def _guarded_expression_class(expression: type) -> type:
    if not _GUARDED_EXPRESSION:

        class GuardedRegexExpression(expression):  # type: ignore[misc]
            """``target =~ 'pattern'`` matched by the guarded engine (jsonpath-ng uses ``re``)."""

            def find(self, datum: Any) -> list[Any]:
                from jsonpath_ng.jsonpath import DatumInContext

                from .budget import remaining

                wrapped = DatumInContext.wrap(datum)
                found = self.target.find(wrapped)
                matched = []
                for data in found:
                    if isinstance(data.value, str):
                        try:
                            hit = self.guarded.compiled.search(data.value, timeout=remaining())
                        except TimeoutError:
                            raise BudgetExceeded(
                                f"regex {self.value!r} ran out of the criterion's time budget"
                            ) from None
                        if hit:
                            matched.append(data)
                return matched

        _GUARDED_EXPRESSION.append(GuardedRegexExpression)
    return _GUARDED_EXPRESSION[0]
