"""Parse-once caches for the expressions a run evaluates.

The loader already parsed every expression to validate the document; runs re-parse nothing:
these caches are keyed by the expression text (identical texts share one AST) and are safe to
share across threads and concurrent runs (``lru_cache`` locks internally, ASTs are immutable).

Values and runtime expressions are parsed with the Arazzo 1.1 grammar whatever the document's
version: it is the 1.0 grammar plus ``$self``/``$message``, which the loader already refused in
1.0 documents, so the AST is the same. Criteria are keyed by the version too, since 1.1 decides
JSONPath conditions differently (see ``expressions/README.md``).
"""

from __future__ import annotations

from functools import lru_cache

from ..expressions import (
    ARAZZO_1_0,
    ARAZZO_1_1,
    CompiledCriterion,
    RuntimeExpression,
    ValueTemplate,
    compile_criterion,
    parse_runtime_expression,
    parse_value,
)
from ..expressions.selectors import CompiledSelector, compile_selector


@lru_cache(maxsize=8192)
def value_template(text: str) -> ValueTemplate:
    return parse_value(text, arazzo=ARAZZO_1_1)


@lru_cache(maxsize=4096)
def runtime_expression(text: str) -> RuntimeExpression:
    return parse_runtime_expression(text, arazzo=ARAZZO_1_1)


@lru_cache(maxsize=4096)
def criterion(
    condition: str, kind: str | None, version: str | None, arazzo: tuple[int, int] = ARAZZO_1_0
) -> CompiledCriterion:
    return compile_criterion(condition, kind, version, arazzo=arazzo)


@lru_cache(maxsize=1024)
def selector(text: str, kind: str, version: str | None) -> CompiledSelector:
    return compile_selector(text, kind, version)
