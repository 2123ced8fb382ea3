"""Evaluate an Arazzo 1.1 Selector Object in a run: ``selector`` applied to ``context``'s value.

The core calls :func:`select` wherever it renders a value (parameters, payloads, replacement
values, outputs), so a Selector Object works everywhere 1.1 allows one. Compiled selectors and
context expressions come from the parse-once caches of :mod:`.compiled`. What a selector gives
(one value, a list, ``MISSING``) and when it raises is in :mod:`arazzo_runner.expressions.selectors`.
"""

from __future__ import annotations

from typing import Any

from ..document.model import SelectorObject
from ..expressions import MISSING, EvaluationContext
from . import compiled


def select(selector: SelectorObject, ctx: EvaluationContext) -> Any:
    """The selected value; raises ``ExpressionEvaluationError`` (a step failure) when it cannot."""
    context = compiled.runtime_expression(selector.context).evaluate(ctx)
    return compiled.selector(selector.selector, selector.type, selector.version).select(context)


def placeholder(selector: SelectorObject, ctx: EvaluationContext) -> Any:
    """For dry runs: the value when it can already be selected, else ``<selector on context>``."""
    try:
        value = select(selector, ctx)
    except Exception:
        value = MISSING
    return f"<{selector.type} {selector.selector} on {selector.context}>" if value is MISSING else value
