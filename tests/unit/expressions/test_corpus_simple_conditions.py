"""swaggerexpert/arazzo-criterion corpus: evaluation, the throwing case, and valid syntax."""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import (
    ARAZZO_1_1,
    MISSING,
    EvaluationContext,
    ExpressionSyntaxError,
    compile_criterion,
    parse_condition,
)

from .helpers import load

CORPUS = load("swaggerexpert-arazzo-criterion/simple-conditions.json")

#: Conditions of the corpus that are Arazzo 1.1 only, with the reason.
ARAZZO_1_1_ONLY = {"$self == null": "$self was added in Arazzo 1.1"}


def corpus_context() -> EvaluationContext:
    """The corpus gives values per runtime-expression prefix; put each where the engine would."""
    values = CORPUS["context"]
    return EvaluationContext(
        status_code=values["$statusCode"],
        response_body=values["$response.body"],
        inputs={"name": values["$inputs.name"], "age": values["$inputs.age"]},
    )


@pytest.mark.parametrize("case", CORPUS["evaluate_cases"], ids=lambda c: c["condition"])
def test_evaluate_case(case: dict) -> None:
    outcome = compile_criterion(case["condition"]).evaluate(MISSING, corpus_context())
    assert outcome.passed is case["expected"], outcome.explanation


@pytest.mark.parametrize("text", CORPUS["throws"])
def test_throwing_case_is_a_syntax_error(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError):
        parse_condition(text)


@pytest.mark.parametrize("text", [t for t in CORPUS["valid_conditions"] if t not in ARAZZO_1_1_ONLY])
def test_valid_condition_parses(text: str) -> None:
    parse_condition(text)


@pytest.mark.parametrize("text", sorted(ARAZZO_1_1_ONLY))
def test_arazzo_1_1_only_condition_is_rejected(text: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=r"Arazzo 1\.1"):
        parse_condition(text)


@pytest.mark.parametrize("text", sorted(ARAZZO_1_1_ONLY))
def test_arazzo_1_1_only_condition_parses_under_1_1(text: str) -> None:
    parse_condition(text, arazzo=ARAZZO_1_1)


def test_counts() -> None:
    assert len(CORPUS["evaluate_cases"]) == 29
    assert len(CORPUS["throws"]) == 1
    assert len(CORPUS["valid_conditions"]) == 41
