"""Parse-once caches for the expressions a run evaluates.

The loader already parsed every expression to validate the document; runs re-parse nothing:
these caches are keyed by the expression text (identical texts share one AST) and are safe to
share across threads and concurrent runs (``lru_cache`` locks internally, ASTs are immutable).
"""

from __future__ import annotations

from functools import lru_cache

from ..expressions import (
    CompiledCriterion,
    RuntimeExpression,
    ValueTemplate,
    compile_criterion,
    parse_runtime_expression,
    parse_value,
)


@lru_cache(maxsize=8192)
def value_template(text: str) -> ValueTemplate:
    return parse_value(text)


@lru_cache(maxsize=4096)
def runtime_expression(text: str) -> RuntimeExpression:
    return parse_runtime_expression(text)


@lru_cache(maxsize=4096)
def criterion(condition: str, kind: str | None, version: str | None) -> CompiledCriterion:
    return compile_criterion(condition, kind, version)
