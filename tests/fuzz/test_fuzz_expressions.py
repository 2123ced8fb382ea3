"""Fuzz the expression parsers and criteria: parsing raises only ``ExpressionSyntaxError``;
evaluating never raises and ends within its budget, whatever the condition and the body."""

from __future__ import annotations

import contextlib

from hypothesis import example, given
from hypothesis import strategies as st

from arazzo_runner.expressions import (
    EvaluationContext,
    ExpressionSyntaxError,
    compile_criterion,
    parse_condition,
    parse_runtime_expression,
    parse_value,
)

PIECES = [
    "$",
    "$statusCode",
    "$response.body",
    "$response.header.",
    "$request.query.",
    "#",
    "/",
    "~1",
    "$inputs.",
    "$steps.",
    ".outputs.",
    "x",
    "0",
    "1.5",
    "-",
    "'",
    '"',
    " ",
    "==",
    "!=",
    "<",
    ">=",
    "&&",
    "||",
    "!",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "?",
    "@",
    ".",
    "..",
    "*",
    ",",
    ":",
    "=~",
    "true",
    "null",
    "count(",
    "length(",
    "match(",
    "search(",
    "(a+)+$",
    "(x+x+)+y",
    " to ",
    "1 to 300000000",
    "matches(",
    "replace(",
    "tokenize(",
    "/r/v",
    "//",
    "\\",
    "\x00",
    "é",
]
text = st.one_of(st.text(max_size=120), st.lists(st.sampled_from(PIECES), max_size=30).map("".join))
TYPES = [None, "simple", "regex", "jsonpath", "xpath"]
VERSIONS = [None, "draft-goessner-dispatch-jsonpath-00", "xpath-10", "xpath-20", "xpath-30"]

bodies = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=40,
)
xml_bodies = st.sampled_from(
    ["<r><v>" + "x" * 200 + "</v><n>300000000</n></r>", "<r/>", "not xml", "<a>" * 150 + "</a>" * 150]
)


@given(text)
def test_runtime_expressions_and_templates_raise_only_syntax_errors(source: str) -> None:
    for parse in (parse_runtime_expression, parse_value, parse_condition):
        with contextlib.suppress(ExpressionSyntaxError):
            parse(source)


@given(text, st.sampled_from(TYPES), st.sampled_from(VERSIONS), st.one_of(bodies, xml_bodies))
@example("$[?(@.v =~ '(x+x+)+y')]", "jsonpath", "draft-goessner-dispatch-jsonpath-00", [{"v": "x" * 3000}])
@example("matches(/r/v, '(x+x+)+y')", "xpath", None, "<r><v>" + "x" * 3000 + "</v></r>")
@example("count(1 to 300000000) > 0", "xpath", None, "<r/>")
@example("count(1 to xs:integer(/r/n)) > 0", "xpath", None, "<r><n>300000000</n></r>")
@example("$..a", "jsonpath", None, [{"a": i} for i in range(60_000)])
@example("(a+)+$", "regex", None, "a" * 41 + "!")
def test_criteria_compile_or_refuse_and_evaluate_without_raising(
    condition: str, kind: str | None, version: str | None, body: object
) -> None:
    try:
        criterion = compile_criterion(condition, kind, version)
    except ExpressionSyntaxError:
        return
    ctx = EvaluationContext(inputs={"x": "1"}, steps={})
    ctx.status_code = 200
    ctx.response_body = body
    outcome = criterion.evaluate(body, ctx)  # never raises
    assert isinstance(outcome.passed, bool)
    assert isinstance(outcome.explanation, str)
