"""String field values: whole expressions keep their type, templates make strings, literals stay."""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import MISSING, EvaluationContext, ExpressionSyntaxError, parse_value


def context() -> EvaluationContext:
    return EvaluationContext(
        inputs={"qty": 3, "price": 1.5, "flag": True, "none": None, "name": "Rex", "obj": {"a": [1, "é"]}},
        steps={"login": {"token": "abc"}},
        source_descriptions={"petStore": {"url": "https://x/openapi.yaml"}},
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("$inputs.qty", 3),
        ("$inputs.price", 1.5),
        ("$inputs.flag", True),
        ("$inputs.none", None),
        ("$inputs.obj", {"a": [1, "é"]}),
    ],
)
def test_whole_value_expression_keeps_its_type(text: str, value: object) -> None:
    template = parse_value(text)
    assert template.kind == "expression"
    assert template.expression is not None and template.expression.text == text
    assert template.render(context()) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Bearer {$steps.login.outputs.token}", "Bearer abc"),
        ("{$inputs.qty}", "3"),
        ("q={$inputs.qty}&p={$inputs.price}", "q=3&p=1.5"),
        ("{$inputs.flag}/{$inputs.none}", "true/null"),
        ('{"o": {$inputs.obj}}', '{"o": {"a":[1,"é"]}}'),
        ("{$sourceDescriptions.petStore.url}#/paths/~1pets/get", "https://x/openapi.yaml#/paths/~1pets/get"),
        ("<qty>{$inputs.qty}</qty>", "<qty>3</qty>"),
    ],
)
def test_embedded_expressions_become_text(text: str, value: str) -> None:
    template = parse_value(text)
    assert template.kind == "template"
    assert template.render(context()) == value


def test_template_with_an_absent_value_is_missing() -> None:
    assert parse_value("Bearer {$inputs.token}").render(context()) is MISSING
    assert parse_value("$inputs.token").render(context()) is MISSING


@pytest.mark.parametrize(
    "text",
    [
        "$5.00",
        "$",
        "$ inputs.x",
        "price: $inputs.qty",
        "{not an expression}",
        "{ $inputs.qty }",
        "plain",
        "",
        "$$x",
    ],
)
def test_literals_are_returned_unchanged(text: str) -> None:
    template = parse_value(text)
    assert template.kind == "literal"
    assert template.references() == ()
    assert template.render(context()) == text


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("$inputs.qty tail", 11),
        ("$statusCode == 200", 11),
        ("$steps", 6),
        ("$inputs", 7),
        ("$self", 0),
        ("a {$inputs.qty", 2),
        ("a {$inputs.qty b}", 14),
        ("a {$nope}", 3),
        ("{$steps.s.name}", 9),
    ],
)
def test_expression_like_values_must_parse(text: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        parse_value(text)
    assert info.value.offset == offset
    assert info.value.text == text


def test_references_list_every_expression_in_order() -> None:
    template = parse_value("{$inputs.qty}-{$steps.login.outputs.token}")
    assert [(e.root, e.owner, e.name) for e in template.references()] == [
        ("inputs", None, "qty"),
        ("steps", "login", "token"),
    ]
