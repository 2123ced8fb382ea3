"""The expression language of Arazzo 1.0.x and 1.1.x: runtime expressions, templates, criteria.

Parsers take ``arazzo=(major, minor)``, the document's version (1.0 by default): 1.1 adds the
``$self`` and ``$message`` roots and settles what a JSONPath condition is.

Everything is parsed once, at load, by a hand-written lexer and parsers into small ASTs, then
evaluated against an :class:`EvaluationContext` on every step of every poll. Nothing here
ever runs document text as Python. The rules (precedence, null and missing values, coercion,
case-insensitive strings, the JSONPath truth and root-filter rules, the regex time limit,
stringification) are written down in ``README.md`` next to this file.

Layout: ``lexer``/``conditions`` (simple conditions), ``runtime`` (runtime expressions),
``templates`` (string field values), ``pointer`` (RFC 6901), ``values`` (comparison, truth,
text), ``jsonpath_queries``/``regex_patterns``/``xpath_queries`` (the other criterion types),
``criteria`` (dispatch and outcomes), ``explain`` (rendering values for people),
``context`` (what expressions read), ``errors``.
"""

from __future__ import annotations

from .conditions import Condition, parse_condition
from .context import EvaluationContext
from .criteria import CompiledCriterion, CriterionOutcome, compile_criterion
from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .jsonpath_queries import JsonPathQuery, compile_jsonpath
from .runtime import ARAZZO_1_0, ARAZZO_1_1, RuntimeExpression, parse_runtime_expression
from .selectors import CompiledSelector, compile_selector
from .templates import ValueTemplate, parse_value
from .values import MISSING, Missing, render_text

__all__ = [
    "ARAZZO_1_0",
    "ARAZZO_1_1",
    "MISSING",
    "CompiledCriterion",
    "CompiledSelector",
    "Condition",
    "CriterionOutcome",
    "EvaluationContext",
    "ExpressionEvaluationError",
    "ExpressionSyntaxError",
    "JsonPathQuery",
    "Missing",
    "RuntimeExpression",
    "ValueTemplate",
    "compile_criterion",
    "compile_jsonpath",
    "compile_selector",
    "parse_condition",
    "parse_runtime_expression",
    "parse_value",
    "render_text",
]
