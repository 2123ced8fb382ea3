"""Every criterion is bounded in time and memory (issue 17, point 3).

The budget is lowered for these tests so that each case that used to hang (or build hundreds of
millions of integers) ends in a fraction of a second with a reason; no wall-clock assertion.
"""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import budget
from arazzo_runner.expressions.context import EvaluationContext
from arazzo_runner.expressions.criteria import compile_criterion
from arazzo_runner.expressions.errors import ExpressionSyntaxError

GOESSNER = "draft-goessner-dispatch-jsonpath-00"
CTX = EvaluationContext()
EVIL = "(x+x+)+y"
#: Long enough that the regex engine cannot finish within the lowered budget.
VICTIM = "x" * 5000


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(budget, "CRITERION_SECONDS", 0.05)


def test_goessner_regex_operator_is_guarded() -> None:
    criterion = compile_criterion(f"$[?(@.v =~ '{EVIL}')]", "jsonpath", GOESSNER)
    outcome = criterion.evaluate([{"v": VICTIM}], CTX)
    assert not outcome.passed
    assert "time budget" in outcome.explanation
    assert criterion.evaluate([{"v": "xxy"}], CTX).passed  # the operator still works


def test_goessner_invalid_regex_is_a_load_time_error() -> None:
    with pytest.raises(ExpressionSyntaxError, match="regular expression"):
        compile_criterion("$[?(@.v =~ '(unclosed')]", "jsonpath", GOESSNER)


@pytest.mark.parametrize(
    "condition",
    [
        f"matches(/r/v, '{EVIL}')",
        f"replace(/r/v, '{EVIL}', 'z') = 'z'",
        f"count(tokenize(/r/v, '{EVIL}')) > 1",
    ],
)
def test_xpath_regex_functions_are_guarded(condition: str) -> None:
    criterion = compile_criterion(condition, "xpath")
    outcome = criterion.evaluate(f"<r><v>{VICTIM}</v></r>", CTX)
    assert not outcome.passed
    assert "budget" in outcome.explanation


def test_xpath_regex_functions_still_work() -> None:
    assert compile_criterion("matches(/r/v, '^a+b$')", "xpath").evaluate("<r><v>aab</v></r>", CTX).passed


def test_static_huge_range_is_refused_at_compile_time_without_building_it() -> None:
    with pytest.raises(ExpressionSyntaxError, match="longer than 1000000 items"):
        compile_criterion("count(1 to 300000000) > 0", "xpath")


def test_dynamic_huge_range_fails_the_criterion() -> None:
    criterion = compile_criterion("count(1 to xs:integer(/r/n)) > 0", "xpath")
    outcome = criterion.evaluate("<r><n>300000000</n></r>", CTX)
    assert not outcome.passed and "longer than 1000000 items" in outcome.explanation
    assert criterion.evaluate("<r><n>3</n></r>", CTX).passed


def test_nested_ranges_stop_at_the_budget() -> None:
    criterion = compile_criterion("count(for $i in 1 to 100000 return 1 to 100000) > 0", "xpath")
    outcome = criterion.evaluate("<r/>", CTX)
    assert not outcome.passed and "budget" in outcome.explanation


@pytest.mark.parametrize("version", [None, GOESSNER])
def test_recursive_descent_on_a_huge_value_is_refused(version: str | None) -> None:
    body = [{"a": i, "b": [1, 2]} for i in range(budget.MAX_DESCENT_NODES)]
    outcome = compile_criterion("$..a", "jsonpath", version).evaluate(body, CTX)
    assert not outcome.passed and "recursive descent" in outcome.explanation
    assert compile_criterion("$..a", "jsonpath", version).evaluate(body[:100], CTX).passed


def test_rfc9535_match_function_is_guarded() -> None:
    criterion = compile_criterion(f"$[?search(@.v, '{EVIL}')]", "jsonpath")
    outcome = criterion.evaluate([{"v": VICTIM * 4}], CTX)
    assert not outcome.passed  # either the guarded engine gave up or the filter read it as no match


def test_the_budget_counts_the_threads_work_not_its_waits() -> None:
    """A criterion of a few milliseconds on a loaded machine (its thread waiting for a core, or for
    the GIL) is not failed for the wait: the budget is the evaluating thread's CPU time. A clean-clone
    CI run failed an S3 XPath criterion with "ran out of its 1 s budget" when it was wall time."""
    import threading

    with budget.budget():  # 0.05 s (the fixture)
        threading.Event().wait(0.08)  # longer than the budget, but no CPU
        assert budget.remaining() > 0
        spin_until = budget._clock() + 0.06
        while budget._clock() < spin_until:  # CPU spent: the budget runs out
            pass
        with pytest.raises(budget.BudgetExceeded, match="budget"):
            budget.remaining()
