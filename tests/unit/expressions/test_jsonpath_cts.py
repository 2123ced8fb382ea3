"""All 703 RFC 9535 compliance tests through our JSONPath entry point (``compile_jsonpath``)."""

from __future__ import annotations

import pytest

from arazzo_runner.expressions import ExpressionSyntaxError, compile_jsonpath

from .helpers import load

CASES = load("jsonpath-cts/cts.json")["tests"]


def test_the_suite_is_complete() -> None:
    assert len(CASES) == 703


@pytest.mark.parametrize("case", CASES, ids=[f"{i}-{c['name']}" for i, c in enumerate(CASES)])
def test_cts_case(case: dict) -> None:
    if case.get("invalid_selector"):
        with pytest.raises(ExpressionSyntaxError) as info:
            compile_jsonpath(case["selector"])
        assert 0 <= info.value.offset <= len(case["selector"])
        return
    found = compile_jsonpath(case["selector"]).find(case["document"])
    if "results" in case:
        assert found in case["results"]
    else:
        assert found == case["result"]
