"""swaggerexpert/arazzo-runtime-expression corpus: 1.0 forms parse, invalid texts are rejected.

The corpus follows the Arazzo 1.1 grammar. The 1.1-only forms below must be *rejected* by a
1.0.x parser, each with a reason, and parse with the 1.1 grammar; everything else is 1.0 (including ``#/pointer`` after
``$inputs``/``$outputs``/``$steps``/``$workflows``, which the 1.0.1 examples table uses).
"""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import ARAZZO_1_1, ExpressionSyntaxError, parse_runtime_expression

from .helpers import load

CORPUS = load("swaggerexpert-runtime-expression/expressions.json")

#: Cases that are Arazzo 1.1 only, with the reason. A 1.0.x parser rejects them.
ARAZZO_1_1_ONLY = {
    "$self": "$self was added in Arazzo 1.1",
    "$message.header.content-type": "$message (AsyncAPI steps) was added in Arazzo 1.1",
    "$message.query.page": "$message was added in Arazzo 1.1",
    "$message.path.id": "$message was added in Arazzo 1.1",
    "$message.body": "$message was added in Arazzo 1.1",
    "$message.body#/status": "$message was added in Arazzo 1.1",
    "$message.payload": "$message and payload-reference were added in Arazzo 1.1",
    "$message.payload#/user/id": "$message and payload-reference were added in Arazzo 1.1",
    "$message.payload#/data/items/0": "$message and payload-reference were added in Arazzo 1.1",
}

VALID = sorted(set(CORPUS["valid_expressions"]) | set(CORPUS["test_true"]))


@pytest.mark.parametrize("text", [t for t in VALID if t not in ARAZZO_1_1_ONLY])
def test_valid_1_0_expression_parses(text: str) -> None:
    expr = parse_runtime_expression(text)
    assert expr.text == text


@pytest.mark.parametrize("text", sorted(ARAZZO_1_1_ONLY))
def test_arazzo_1_1_only_form_is_rejected_with_a_reason(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=r"Arazzo 1\.1"):
        parse_runtime_expression(text)


@pytest.mark.parametrize("text", sorted(ARAZZO_1_1_ONLY))
def test_arazzo_1_1_only_form_parses_under_the_1_1_grammar(text: str) -> None:
    expr = parse_runtime_expression(text, arazzo=ARAZZO_1_1)
    assert expr.text == text and expr.root in ("self", "message")


@pytest.mark.parametrize("text", CORPUS["test_false"])
def test_invalid_text_is_rejected(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse_runtime_expression(text)
    with pytest.raises(ExpressionSyntaxError):
        parse_runtime_expression(text, arazzo=ARAZZO_1_1)


def test_counts() -> None:
    """The figures quoted in the report: what runs, and what is skipped as 1.1-only."""
    assert len(VALID) == 83
    assert len([t for t in VALID if t not in ARAZZO_1_1_ONLY]) == 74
    assert len(CORPUS["test_false"]) == 14
