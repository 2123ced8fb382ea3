"""Why an output read nothing from an answer: the words of the warning (engine/unread_values.py)."""

from __future__ import annotations

from arazzo_runner.document.model import Criterion, Step
from arazzo_runner.engine.answers import outputs
from arazzo_runner.engine.unread_values import unreadable_criteria, why_missing
from arazzo_runner.expressions import EvaluationContext
from arazzo_runner.expressions.values import AliasedObject, MappedText


def ctx(body: object) -> EvaluationContext:
    return EvaluationContext(status_code=200, response_body=body)


def test_an_absent_member_names_what_the_answer_had() -> None:
    found = why_missing("$response.body#/Attributes", ctx({}))
    assert found == "the answer has no member 'Attributes' (it is empty)"
    found = why_missing("$response.body#/User/Nope", ctx({"User": {"Arn": "a", "Path": "/"}}))
    assert found == "/User has no member 'Nope' (it has Arn, Path)"
    assert (
        why_missing("$response.body#/Items/3", ctx({"Items": [1]}))
        == "/Items is a list of 1 without an item '3'"
    )


def test_text_and_unmapped_xml_cannot_be_read_by_a_pointer() -> None:
    assert why_missing("$response.body#/KeyCount", ctx("<a><b/>")) == (
        "the answer body is XML or HTML text that could not be mapped to an object: a JSON pointer reads nothing in it"
    )
    assert "text, not JSON" in why_missing("$response.body#/x", ctx("plain words"))
    assert "3 bytes of binary content" in why_missing("$response.body#/x", ctx(b"\x00\x01\x02"))


def test_mapped_xml_and_aliases_are_read_through_their_view() -> None:
    view = AliasedObject({"Errors": [{"Key": "k"}]}, {"Error": "Errors"})
    body = MappedText("<DeleteResult/>", view)
    warnings: list[str] = []
    values = outputs({"e": "$response.body#/Error/0/Key"}, ctx(body), "step 's'", warnings, explain=True)
    assert values == {"e": "k"} and warnings == []
    values = outputs({"d": "$response.body#/Deleted"}, ctx(body), "step 's'", warnings, explain=True)
    assert values == {"d": None}
    assert warnings == [
        "step 's' output 'd' ($response.body#/Deleted) has no value; it is null: the answer has no member"
        " 'Deleted' (it has Errors)"
    ]


def test_a_pointer_criterion_over_text_is_reported() -> None:
    step = Step(step_id="s", success_criteria=(Criterion("$response.body#/count == null"),))
    assert unreadable_criteria(step, ctx("not json")) == [
        "criterion '$response.body#/count == null' reads the answer with a JSON pointer, but the answer body"
        " is text, not JSON: it reads nothing there"
    ]
    assert unreadable_criteria(step, ctx({"count": 1})) == []


def test_a_failed_steps_null_output_says_the_step_failed() -> None:
    warnings: list[str] = []
    values = outputs(
        {"etag": "$response.header.ETag"}, EvaluationContext(status_code=404), "step 'h'", warnings, "failed"
    )
    assert values == {"etag": None}
    assert warnings == [
        "step 'h' output 'etag' ($response.header.ETag) has no value; it is null: the step failed (HTTP 404)"
    ]


def test_a_jsonpath_comparison_false_on_nothing_is_a_warning() -> None:
    from arazzo_runner.engine import decisions as d
    from arazzo_runner.engine.answers import criteria_events
    from arazzo_runner.engine.masking import Masker

    criterion = Criterion("$.Endpoints.length > 0", context="$response.body", type="jsonpath")
    checks: list[d.Check] = []
    assert not d.evaluate_criteria((criterion,), ctx({"Endpoints": [{"n": 1}]}), "onSuccess:exist", checks)
    assert checks[0].unread == ("$.Endpoints.length",)
    (_, warning) = criteria_events("list", tuple(checks), Masker())
    assert warning.kind == "warning" and warning.step_id == "list"
    assert warning.message.startswith(
        "onSuccess:exist '$.Endpoints.length > 0' is false because the JSONPath $.Endpoints.length selects"
        " nothing in the answer (JSONPath has no .length: RFC 9535 writes length(@.Endpoints)"
    )
    checks = []
    assert d.evaluate_criteria(
        (Criterion("$.NextToken == null", "$response.body", "jsonpath"),), ctx({}), "x", checks
    )
    assert checks[0].unread == ()  # it held: reading nothing was what it asked
