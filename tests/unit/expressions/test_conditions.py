"""Simple conditions: precedence, comparisons, null and missing, navigation, hostile input."""

from __future__ import annotations

import os

import pytest

from arazzo_runner.expressions import EvaluationContext, ExpressionSyntaxError, parse_condition


def context() -> EvaluationContext:
    return EvaluationContext(
        status_code=200,
        response_headers={"X-Remaining": "9", "Content-Type": "application/json"},
        response_body={
            "status": "Available",
            "data": [{"id": 42, "tags": ["a"]}],
            "count": 0,
            "active": False,
            "none": None,
            "version": "10",
            "obj": {"K": "V"},
        },
        inputs={"name": "Fluffy", "age": "30", "empty": "", "list": [], "quote": "it's"},
    )


def holds(text: str) -> bool:
    return parse_condition(text).evaluate(context())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # precedence: ! > comparison > && > ||
        ("true || false && false", True),
        ("(true || false) && false", False),
        ("!false && false", False),
        ("!(false && false)", True),
        ("!$response.body.active == true", True),  # (!false) == true
        ("!!$statusCode", True),
        ("$statusCode == 200 || $inputs.nope.x == 1", True),
        # case-insensitive string equality (spec MUST), both operators
        ("$response.body.status == 'AVAILABLE'", True),
        ("$response.body.status != 'available'", False),
        ("$response.header.content-type == 'Application/JSON'", True),
        ("'straße' == 'STRASSE'", True),
        # numbers and numeric strings
        ("$statusCode == '200'", True),
        ("$inputs.age == 30", True),
        ("$inputs.age > 29.5", True),
        ("$response.header.X-Remaining < 10", True),
        ("$response.body.version > '9'", True),  # both numeric strings: compared as numbers
        ("'b' > 'A'", True),  # strings: case-folded order
        ("$statusCode == 2e2", True),
        ("$statusCode >= 200 && $statusCode < 300", True),
        ("-1 < 0", True),
        ("$inputs.name == 1", False),
        # null and missing
        ("$response.body.none == null", True),
        ("$response.body.missing == null", True),
        ("$response.body.missing != null", False),
        ("$response.body.missing != 'x'", True),
        ("$response.body.none == 0", False),
        ("$response.body.none < 1", False),
        ("$response.body.none >= null", False),
        ("null == null", True),
        ("$statusCode == null", False),
        # booleans are not numbers
        ("$response.body.active == 0", False),
        ("$response.body.active == false", True),
        ("true == 1", False),
        ("true > false", False),
        # navigation: . and [] after the expression, #/pointer
        ("$response.body.data[0].id == 42", True),
        ("$response.body.data[0].tags[0] == 'A'", True),
        ("$response.body.data[1].id == null", True),
        ("$response.body#/data/0/id == 42", True),
        ("$response.body.obj == $response.body.obj", True),
        ("$response.body.data[0].id.deeper == null", True),
        # bare values: truthiness
        ("$statusCode", True),
        ("$response.body.count", False),
        ("$inputs.empty", False),
        ("$inputs.list", False),
        ("$inputs.name", True),
        ("$inputs.nope", False),
        ("null", False),
        ("0", False),
        ("'x'", True),
        # literals
        ("$inputs.quote == 'it''s'", True),
        ("{$statusCode} == 200", True),
        ("  $statusCode==200  ", True),
        ("\t$statusCode\n==\r200", True),
    ],
)
def test_condition(text: str, expected: bool) -> None:
    assert holds(text) is expected


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("", 0, "empty"),
        ("   ", 0, "empty"),
        ("== 200", 0, "expected a value"),
        ("$statusCode = 200", 12, "=="),
        ("$statusCode == ", 15, "expected a value"),
        ("$a == 1", 0, "unknown"),
        ("1 < 2 < 3", 6, "chain"),
        ("(1 == 1", 7, "to close the"),
        ("1 == 1)", 6, "unexpected"),
        ("$statusCode & 1", 12, "&&"),
        ("$statusCode | 1", 12, "||"),
        ("'open", 0, "unterminated"),
        ("available == 'x'", 0, "unexpected word"),
        ("True", 0, "unexpected word"),
        ("trueish", 0, "unexpected word"),
        ("1x", 1, "after a number"),
        ("$response.body.data[x] == 1", 19, "index"),
        ("$response.body.data.", 20, "member name"),
        ("$statusCode == 200;", 18, "unexpected character"),
        ("$steps.s.x == 1", 8, ".outputs."),
        ("{$statusCode == 200", 0, "not closed"),
        ("1 == 1 2", 7, "unexpected"),
    ],
)
def test_syntax_errors(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=message) as info:
        parse_condition(text)
    assert info.value.offset == offset


def test_operand_names_end_at_navigation() -> None:
    condition = parse_condition("$inputs.customer.address.city == 'Oslo' && $steps.s.outputs.o[0] > 1")
    assert [(e.root, e.owner, e.name) for e in condition.references()] == [
        ("inputs", None, "customer"),
        ("steps", "s", "o"),
    ]
    ctx = EvaluationContext(inputs={"customer": {"address": {"city": "oslo"}}}, steps={"s": {"o": [2]}})
    assert condition.evaluate(ctx) is True


def test_nesting_is_bounded() -> None:
    parse_condition("(" * 60 + "true" + ")" * 60)
    with pytest.raises(ExpressionSyntaxError, match="nested deeper"):
        parse_condition("(" * 1000 + "true" + ")" * 1000)
    with pytest.raises(ExpressionSyntaxError, match="nested deeper"):
        parse_condition("!" * 1000 + "true")


def test_explanation_lists_operands_in_order_with_short_circuit() -> None:
    condition = parse_condition("$statusCode == 404 && $response.body.status == 'x'")
    passed, seen = condition.evaluate_explained(context())
    assert passed is False
    assert seen == [("$statusCode", 200)]  # && stopped before reading the body


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('touch /tmp/arazzo-pwned')",
        "$statusCode == 200 and __import__('os').system('touch /tmp/arazzo-pwned')",
        "$statusCode == __import__('os').system('touch /tmp/arazzo-pwned')",
        "open('/tmp/arazzo-pwned', 'w')",
        "$statusCode.__class__ == 1",
        "[c for c in ().__class__.__bases__]",
        "lambda: 1",
        "$statusCode == 200; import os",
    ],
)
def test_python_code_in_a_condition_is_rejected_and_runs_nothing(text: str, tmp_path) -> None:
    marker = "/tmp/arazzo-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    try:
        condition = parse_condition(text)
    except ExpressionSyntaxError:
        condition = None
    if condition is not None:  # it parsed as data: evaluating it must not touch anything
        assert text == "$statusCode.__class__ == 1"
        assert condition.evaluate(context()) is False  # just a missing member
    assert not os.path.exists(marker)
