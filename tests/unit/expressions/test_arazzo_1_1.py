"""The Arazzo 1.1 expression language: ``$self``, ``$message.*`` and the JSONPath rule."""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import (
    ARAZZO_1_1,
    MISSING,
    EvaluationContext,
    ExpressionSyntaxError,
    compile_criterion,
    parse_runtime_expression,
    parse_value,
)


def test_self_evaluates_to_the_documents_self_uri() -> None:
    ctx = EvaluationContext(self_uri="https://api.example.com/workflows/pet-purchase.arazzo.yaml")
    assert parse_runtime_expression("$self", arazzo=ARAZZO_1_1).evaluate(ctx) == ctx.self_uri
    assert parse_runtime_expression("$self", arazzo=ARAZZO_1_1).evaluate(EvaluationContext()) is MISSING
    template = parse_value("{$self}#/workflows/0", arazzo=ARAZZO_1_1)
    assert template.render(ctx) == ctx.self_uri + "#/workflows/0"
    outcome = compile_criterion("$self != null", arazzo=ARAZZO_1_1).evaluate(MISSING, ctx)
    assert outcome.passed, outcome.explanation


def test_message_expressions_parse_and_read_the_received_message() -> None:
    ctx = EvaluationContext(
        message_headers={"Content-Type": "application/json"},
        message_payload={"orderId": "o-1", "items": [{"id": 7}]},
    )
    cases = {
        "$message.payload": ctx.message_payload,
        "$message.payload#/orderId": "o-1",
        "$message.payload#/items/0/id": 7,
        "$message.body#/orderId": "o-1",
        "$message.header.content-type": "application/json",
        "$message.query.page": MISSING,
    }
    for text, expected in cases.items():
        expr = parse_runtime_expression(text, arazzo=ARAZZO_1_1)
        assert (expr.root, expr.text) == ("message", text)
        assert expr.evaluate(ctx) == expected if expected is not MISSING else expr.evaluate(ctx) is MISSING
    # Nothing fills the message before AsyncAPI steps run: every $message is absent.
    assert (
        parse_runtime_expression("$message.payload", arazzo=ARAZZO_1_1).evaluate(EvaluationContext())
        is MISSING
    )


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("$message", 8, "expected '.'"),
        ("$message.status", 9, "header, query, path, body or payload"),
        ("$response.payload", 10, "header, query, path or body"),
        ("$selfie", 0, r"unknown runtime expression \$selfie; expected one of .*\$message.*\$self,"),
        ("$self.x", 5, "unexpected '.'"),
    ],
)
def test_1_1_syntax_errors(text: str, offset: int, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=message) as info:
        parse_runtime_expression(text, arazzo=ARAZZO_1_1)
    assert info.value.offset == offset


def test_1_0_grammar_still_refuses_the_1_1_roots() -> None:
    for text in ("$self", "$message.payload"):
        with pytest.raises(
            ExpressionSyntaxError, match=r"Arazzo 1\.1 expression; this document is Arazzo 1\.0"
        ):
            parse_runtime_expression(text)


def test_jsonpath_conditions_must_be_rfc_9535_queries_in_1_1() -> None:
    """1.1: a JSONPath condition passes when the query selects a node; a comparison is no query."""
    flagship_style = '$.TrainingJobStatus == "InProgress"'
    assert compile_criterion(flagship_style, "jsonpath").warnings  # 1.0: accepted, with a warning
    with pytest.raises(ExpressionSyntaxError, match=r"write \$\[\?@\.TrainingJobStatus == 'InProgress'\]"):
        compile_criterion(flagship_style, "jsonpath", arazzo=ARAZZO_1_1)
    # The spec's own 1.1 examples (Criterion Object, "JSONPath Conditions").
    pets = {"pets": [{"id": 1}]}
    for condition, context, passed in (
        ("$[?count(@.pets) > 0]", pets, True),
        ("$.pets[*]", pets, True),
        ("$.pets[*]", {"pets": []}, False),
        ("$.data[*]", {"data": [1]}, True),
        ("$.pets[*]", None, False),
        ("$.pets[*]", MISSING, False),
    ):
        outcome = compile_criterion(condition, "jsonpath", arazzo=ARAZZO_1_1).evaluate(
            context, EvaluationContext()
        )
        assert outcome.passed is passed, (condition, context, outcome.explanation)


@pytest.mark.parametrize(
    ("selector", "kind", "version", "context", "expected"),
    [
        # The Selector Object examples of the 1.1.0 text.
        ("$.user.profile.email", "jsonpath", None, {"user": {"profile": {"email": "a@b.c"}}}, "a@b.c"),
        (
            "/Invoice/Header/InvoiceNumber",
            "xpath",
            "xpath-30",
            "<Invoice><Header><InvoiceNumber>7</InvoiceNumber></Header></Invoice>",
            "7",
        ),
        # One value keeps its type; several are a list; none is MISSING.
        ("$.n", "jsonpath", "rfc9535", {"n": 3}, 3),
        ("$.a[*].id", "jsonpath", None, {"a": [{"id": 1}, {"id": 2}]}, [1, 2]),
        ("$.a[?@.id > 5]", "jsonpath", None, {"a": [{"id": 1}]}, MISSING),
        (
            "$.a[?(@.id > 1)].id",
            "jsonpath",
            "draft-goessner-dispatch-jsonpath-00",
            {"a": [{"id": 1}, {"id": 2}]},
            2,
        ),
        ("/a/1", "jsonpointer", "rfc6901", {"a": [{"x": 1}, {"x": 2}]}, {"x": 2}),
        ("", "jsonpointer", None, [1], [1]),
        ("/missing", "jsonpointer", None, {}, MISSING),
        ("count(/r/i)", "xpath", None, "<r><i/><i/></r>", 2),
        ("/r/i/@k", "xpath", "xpath-10", "<r><i k='v'/></r>", "v"),
    ],
)
def test_compile_selector_selects(selector, kind, version, context, expected) -> None:
    from arazzo_runner.expressions import compile_selector

    found = compile_selector(selector, kind, version).select(context)
    assert found is MISSING if expected is MISSING else found == expected


def test_selector_errors() -> None:
    from arazzo_runner.expressions import ExpressionEvaluationError, compile_selector

    with pytest.raises(ExpressionSyntaxError, match="unknown jsonpath version 'xpath-30'"):
        compile_selector("$.a", "jsonpath", "xpath-30")
    with pytest.raises(ExpressionSyntaxError, match="unknown selector type 'jmespath'"):
        compile_selector("a", "jmespath")
    with pytest.raises(ExpressionEvaluationError, match="the context is absent"):
        compile_selector("$.a", "jsonpath").select(MISSING)
    with pytest.raises(ExpressionEvaluationError, match="with a DTD is refused"):
        compile_selector("/a", "xpath").select('<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>')


def test_runtime_expressions_embedded_in_regex_jsonpath_and_xpath_conditions() -> None:
    """The 1.1.0 text's "Runtime Expressions in Conditions" examples: substituted, then evaluated."""
    ctx = EvaluationContext(
        inputs={"expectedStatus": "active", "statusPattern": "ok|done"},
        steps={"getPricing": {"minPrice": 10}},
    )
    jsonpath = compile_criterion(
        '$[?(@.status == "{$inputs.expectedStatus}")]', "jsonpath", arazzo=ARAZZO_1_1
    )
    assert [e.text for e in jsonpath.references()] == ["$inputs.expectedStatus"]
    assert jsonpath.evaluate([{"status": "active"}], ctx).passed
    assert not jsonpath.evaluate([{"status": "closed"}], ctx).passed
    xpath = compile_criterion(
        "/root/items[price > {$steps.getPricing.outputs.minPrice}]", "xpath", arazzo=ARAZZO_1_1
    )
    assert xpath.evaluate("<root><items><price>12</price></items></root>", ctx).passed
    assert not xpath.evaluate("<root><items><price>8</price></items></root>", ctx).passed
    regex = compile_criterion("^({$inputs.statusPattern})$", "regex", arazzo=ARAZZO_1_1)
    assert regex.evaluate("done", ctx).passed and not regex.evaluate("failed", ctx).passed
    # An absent value, or a condition that does not compile once substituted, fails with the reason.
    missing = compile_criterion("^{$inputs.nope}$", "regex", arazzo=ARAZZO_1_1).evaluate("x", ctx)
    assert not missing.passed and "has no value" in missing.explanation
    broken = compile_criterion("$[?@.a == {$inputs.statusPattern}]", "jsonpath", arazzo=ARAZZO_1_1)
    outcome = broken.evaluate([{"a": 1}], ctx)
    assert not outcome.passed and "(after substitution) is invalid" in outcome.explanation


def test_substituted_values_are_not_substituted_again() -> None:
    ctx = EvaluationContext(inputs={"a": "{$inputs.secret}", "secret": "s3cr3t"})
    regex = compile_criterion("^{$inputs.a}$", "regex", arazzo=ARAZZO_1_1)
    assert not regex.evaluate("s3cr3t", ctx).passed
    jsonpath = compile_criterion("$[?@.v == '{$inputs.a}']", "jsonpath", arazzo=ARAZZO_1_1)
    assert jsonpath.evaluate([{"v": "{$inputs.secret}"}], ctx).passed


def test_1_1_expression_type_versions_for_criteria() -> None:
    """1.1 adds `rfc9535` (the default, named) for JSONPath and `xpath-31` for XPath."""
    query = compile_criterion("$.pets[*]", "jsonpath", "rfc9535", arazzo=ARAZZO_1_1)
    assert query.evaluate({"pets": [1]}, EvaluationContext()).passed
    with pytest.raises(ExpressionSyntaxError, match="unknown JSONPath version 'rfc9535'"):
        compile_criterion("$.pets[*]", "jsonpath", "rfc9535")  # 1.0.1 allows only the Goessner draft
    assert (
        compile_criterion("/a", "xpath", "xpath-31", arazzo=ARAZZO_1_1)
        .evaluate("<a/>", EvaluationContext())
        .passed
    )
