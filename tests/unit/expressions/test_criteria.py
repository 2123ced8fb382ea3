"""Criterion Objects of every type: the flagship poll loop, the spec's examples, and failures."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from arazzo_runner.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionSyntaxError,
    compile_criterion,
    parse_runtime_expression,
)

from .helpers import load

CTX = EvaluationContext(status_code=200)

# -- the flagship: SageMaker DescribeTrainingJob polled until it leaves InProgress -----------

STILL_TRAINING = compile_criterion('$.TrainingJobStatus == "InProgress"', "jsonpath")
TERMINAL = compile_criterion('$.TrainingJobStatus != "InProgress"', "jsonpath")


@pytest.mark.parametrize(
    ("body", "still_training"),
    [
        ({"TrainingJobStatus": "InProgress", "SecondaryStatus": "Training"}, True),
        ({"TrainingJobStatus": "Completed"}, False),
        ({"TrainingJobStatus": "Failed", "FailureReason": "oops"}, False),
        ({"TrainingJobStatus": "Stopped"}, False),
        ({"TrainingJobStatus": "Stopping"}, False),
        ({"TrainingJobName": "job"}, False),  # no status: not InProgress, so the loop ends
        ({}, False),
        ({"TrainingJobStatus": None}, False),
        ({"TrainingJobStatus": ["InProgress"]}, False),
        ("not json", False),
        (MISSING, False),
        (None, False),
    ],
)
def test_flagship_loop_decides_on_every_status(body: object, still_training: bool) -> None:
    assert STILL_TRAINING.evaluate(body, CTX).passed is still_training
    # exactly one of the two onSuccess actions applies: goto (poll again) or end
    assert TERMINAL.evaluate(body, CTX).passed is (not still_training)


def test_flagship_form_warns_with_the_rfc9535_spelling() -> None:
    # One note per condition; its RFC spelling already uses single quotes.
    (comparison,) = STILL_TRAINING.warnings
    assert "not an RFC 9535 JSONPath query" in comparison
    assert "$[?@.TrainingJobStatus == 'InProgress']" in comparison


def test_rfc9535_spelling_of_the_flagship_decides_the_same() -> None:
    rfc = compile_criterion("$[?@.TrainingJobStatus == 'InProgress']", "jsonpath")
    assert rfc.warnings == ()
    for status, expected in (
        ("InProgress", True),
        ("Completed", False),
        ("Failed", False),
        ("Stopped", False),
    ):
        assert rfc.evaluate({"TrainingJobStatus": status}, CTX).passed is expected
    assert rfc.evaluate({}, CTX).passed is False


def test_flagship_explanation_names_the_value_seen() -> None:
    outcome = STILL_TRAINING.evaluate({"TrainingJobStatus": "Completed"}, CTX)
    assert (
        outcome.explanation
        == '$.TrainingJobStatus == "InProgress" is false: $.TrainingJobStatus = "Completed"'
    )
    assert outcome.observations == (("$.TrainingJobStatus", "Completed"),)
    missing = TERMINAL.evaluate({}, CTX)
    assert missing.explanation.endswith("$.TrainingJobStatus = absent")


def test_flagship_success_criterion() -> None:
    criterion = compile_criterion("$statusCode == 200")
    assert criterion.evaluate(MISSING, EvaluationContext(status_code=200)).passed
    failed = criterion.evaluate(MISSING, EvaluationContext(status_code=400))
    assert not failed.passed
    assert failed.explanation == "$statusCode == 200 is false: $statusCode = 400"
    assert [e.text for e in criterion.references()] == ["$statusCode"]


def test_comparison_form_combines_with_and_or() -> None:
    criterion = compile_criterion("$.a == 1 && ($.b[0] > 2 || $['c d'] == 'x')", "jsonpath")
    assert criterion.evaluate({"a": 1, "b": [3]}, CTX).passed
    assert criterion.evaluate({"a": 1, "b": [0], "c d": "X"}, CTX).passed
    assert not criterion.evaluate({"a": 2, "b": [3]}, CTX).passed


# -- the spec's own jsonpath example and the root-filter rule --------------------------------

PETS = compile_criterion("$[?count(@.pets) > 0]", "jsonpath")


def test_spec_example_passes_when_pets_is_non_empty() -> None:
    body = {"pets": [{"id": 1}, {"id": 2}]}
    context_value = parse_runtime_expression("$response.body").evaluate(EvaluationContext(response_body=body))
    outcome = PETS.evaluate(context_value, CTX)
    assert outcome.passed
    assert "root filter applied to the object itself" in outcome.explanation


def test_spec_example_fails_without_pets() -> None:
    assert not PETS.evaluate({"other": 1}, CTX).passed


def test_length_spells_the_element_count() -> None:
    """count() counts nodes (an empty array is one node); length() counts elements."""
    criterion = compile_criterion("$[?length(@.pets) > 0]", "jsonpath")
    assert criterion.evaluate({"pets": [1]}, CTX).passed
    assert not criterion.evaluate({"pets": []}, CTX).passed


DERIVED = load("derived/jsonpath-criterion-semantics.json")["cases"]


@pytest.mark.parametrize("case", DERIVED, ids=lambda c: f"{c['condition']} on {c['context']}")
def test_derived_corpus_follows_our_root_filter_rule(case: dict) -> None:
    """Objects are tested themselves (the wrapped reading); arrays are filtered (strict RFC 9535)."""
    expected = (
        case["wrapped_context_pass"] if isinstance(case["context"], dict) else case["strict_rfc9535_pass"]
    )
    assert compile_criterion(case["condition"], "jsonpath").evaluate(case["context"], CTX).passed is expected


@pytest.mark.parametrize(
    ("condition", "context", "expected"),
    [
        ("$.pets[0].id", {"pets": [{"id": 1}]}, True),
        ("$.pets[5]", {"pets": [{"id": 1}]}, False),
        ("$.pets[?@.status == 'sold']", {"pets": [{"status": "sold"}]}, True),
        ("$.pets[?@.status == 'sold']", {"pets": [{"status": "Sold"}]}, False),  # RFC 9535 is case-sensitive
        ("$[?@.id == 2]", [{"id": 1}, {"id": 2}], True),
        ("$", {}, True),
        ("$", "text", True),
        ("$.a", "text", False),
        ("$..id", {"a": {"b": {"id": 1}}}, True),
        ("  $.a  ", {"a": 1}, True),
        ("$.a", {"a": None}, True),  # a null node is a node
        ("$.a", None, False),
        ("$.a", MISSING, False),
    ],
)
def test_jsonpath_queries_pass_on_a_non_empty_nodelist(
    condition: str, context: object, expected: bool
) -> None:
    outcome = compile_criterion(condition, "jsonpath").evaluate(context, CTX)
    assert outcome.passed is expected, outcome.explanation


def test_null_and_absent_contexts_say_so() -> None:
    assert "the context is null" in compile_criterion("$.a", "jsonpath").evaluate(None, CTX).explanation
    assert "the context is absent" in compile_criterion("$.a", "jsonpath").evaluate(MISSING, CTX).explanation


@pytest.mark.parametrize(
    ("condition", "offset"),
    [
        ("$.a ==", 6),
        ("$[?@.a =~ 'x']", 7),
        ("$.a | $.b", 4),
        ("$..", 0),
        ("$.a == 'x' ==", 11),
        ("$..a == 1", 0),  # a comparison, but not on a singular query
        ("true", 0),
        ("", 0),
    ],
)
def test_invalid_jsonpath_is_a_syntax_error(condition: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as info:
        compile_criterion(condition, "jsonpath")
    assert info.value.offset == offset


# -- Goessner dialect ---------------------------------------------------------------------------


def test_goessner_dialect() -> None:
    criterion = compile_criterion(
        "$.pets[?(@.status == 'done')]", "jsonpath", "draft-goessner-dispatch-jsonpath-00"
    )
    assert criterion.evaluate({"pets": [{"status": "done"}]}, CTX).passed
    assert not criterion.evaluate({"pets": [{"status": "x"}]}, CTX).passed
    root = compile_criterion("$[?(@.status == 'done')]", "jsonpath", "draft-goessner-dispatch-jsonpath-00")
    assert root.evaluate({"status": "done"}, CTX).passed  # root filter rule applies here too
    assert root.evaluate([{"status": "done"}], CTX).passed
    with pytest.raises(ExpressionSyntaxError, match="Goessner"):
        compile_criterion("$[?(", "jsonpath", "draft-goessner-dispatch-jsonpath-00")
    with pytest.raises(ExpressionSyntaxError, match="version"):
        compile_criterion("$.a", "jsonpath", "rfc9535")


# -- regex --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "context", "expected"),
    [
        ("^200$", 200, True),  # the spec's example: the number is matched as its JSON text
        ("^200$", 201, False),
        ("^2\\d\\d$", 204, True),
        ("^1.5$", 1.5, True),
        ("^true$", True, True),  # never Python's "True"
        ("done", "status: done", True),  # search, not fullmatch
        ("^done", "status: done", False),
        ('"id":1', {"id": 1}, True),  # objects as compact JSON
        ("^application/json", "application/json; charset=utf-8", True),
        ("x", None, False),
        ("x", MISSING, False),
    ],
)
def test_regex(pattern: str, context: object, expected: bool) -> None:
    assert compile_criterion(pattern, "regex").evaluate(context, CTX).passed is expected


def test_regex_compile_warnings_are_passed_on() -> None:
    criterion = compile_criterion("[[:alpha:]-criterion-warning-test]", "regex")
    assert criterion.warnings and "set" in criterion.warnings[0]


def test_regex_explanation() -> None:
    outcome = compile_criterion("^200$", "regex").evaluate(404, CTX)
    assert outcome.explanation == "regex '^200$' found no match in \"404\""


def test_catastrophic_regex_is_stopped_by_the_time_limit() -> None:
    criterion = compile_criterion("^(a+)+$", "regex")
    outcome = criterion.evaluate("a" * 5000 + "!", CTX)
    assert not outcome.passed
    assert "gave up" in outcome.explanation or "no match" in outcome.explanation


def test_polynomial_regex_on_a_large_body_is_bounded() -> None:
    criterion = compile_criterion("(.*)*(.*)*y", "regex")
    outcome = criterion.evaluate("x" * 200_000, CTX)
    assert not outcome.passed


@pytest.mark.parametrize(("pattern", "offset"), [("(", 0), ("a)", 1), ("[a-", 0), ("x{2,1}", 2), ("\\", 0)])
def test_invalid_regex_is_a_syntax_error(pattern: str, offset: int) -> None:
    with pytest.raises(ExpressionSyntaxError, match="regular expression") as info:
        compile_criterion(pattern, "regex")
    assert info.value.offset == offset


# -- xpath --------------------------------------------------------------------------------------

ORDER = "<?xml version='1.0' encoding='UTF-8'?><order><status>done</status><n>3</n><item/><item/></order>"


@pytest.mark.parametrize("version", [None, "xpath-30", "xpath-20", "xpath-10"])
@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ("/order/status = 'done'", True),
        ("/order/status = 'DONE'", False),
        ("/order/status", True),
        ("/order/missing", False),
        ("count(/order/item) = 2", True),
        ("number(/order/n) > 5", False),
        ("string(/order/missing)", False),
    ],
)
def test_xpath(version: str | None, condition: str, expected: bool) -> None:
    assert compile_criterion(condition, "xpath", version).evaluate(ORDER, CTX).passed is expected


def test_xpath_accepts_bytes_and_elements() -> None:
    criterion = compile_criterion("/order/status = 'done'", "xpath")
    assert criterion.evaluate(ORDER.encode(), CTX).passed
    assert criterion.evaluate(ET.fromstring(ORDER.split("?>", 1)[1]), CTX).passed


@pytest.mark.parametrize(
    ("context", "reason"),
    [
        ({"status": "done"}, "not XML"),
        ('{"status": "done"}', "not well-formed XML"),
        ("<!DOCTYPE x [<!ENTITY a 'aaaa'>]><x>&a;</x>", "DTD is refused"),
        (None, "null"),
        (MISSING, "absent"),
    ],
)
def test_xpath_on_something_else_fails_with_a_reason(context: object, reason: str) -> None:
    outcome = compile_criterion("/x", "xpath").evaluate(context, CTX)
    assert not outcome.passed
    assert reason in outcome.explanation


def test_xpath_dynamic_error_fails_with_a_reason() -> None:
    outcome = compile_criterion("$undefined = 1", "xpath").evaluate("<x/>", CTX)
    assert not outcome.passed
    assert "could not be evaluated" in outcome.explanation


@pytest.mark.parametrize("condition", ["/order[", "foo(", "1 +"])
def test_invalid_xpath_is_a_syntax_error(condition: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match="XPath"):
        compile_criterion(condition, "xpath")


def test_unknown_xpath_version() -> None:
    with pytest.raises(ExpressionSyntaxError, match="xpath-30"):
        compile_criterion("/x", "xpath", "xpath-40")


# -- simple criteria: warnings and types ----------------------------------------------------------


def test_condition_wrapped_in_braces_is_accepted_with_a_warning() -> None:
    criterion = compile_criterion("{$statusCode == 401}")  # the spec's JSON example (erratum ERR-04)
    assert criterion.evaluate(MISSING, EvaluationContext(status_code=401)).passed
    assert "wrapped in {...}" in criterion.warnings[0]


def test_double_quoted_literal_in_a_simple_condition_warns() -> None:
    criterion = compile_criterion('$response.body.status == "done"')
    assert criterion.evaluate(MISSING, EvaluationContext(response_body={"status": "DONE"})).passed
    assert "single quotes" in criterion.warnings[0]
    assert compile_criterion("$response.body.status == 'done'").warnings == ()


@pytest.mark.parametrize(
    ("condition", "type_", "version", "message"),
    [
        ("$statusCode == 200", "sql", None, "unknown criterion type"),
        ("$statusCode == 200", "simple", "xpath-30", "version applies"),
        ("x", "regex", "v1", "version applies"),
    ],
)
def test_bad_type_or_version(condition: str, type_: str, version: str | None, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError, match=message):
        compile_criterion(condition, type_, version)


def test_simple_ignores_the_context_value() -> None:
    criterion = compile_criterion("$statusCode == 200", "simple")
    assert criterion.evaluate({"anything": 1}, EvaluationContext(status_code=200)).passed
