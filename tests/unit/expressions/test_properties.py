"""Hostile input: parsers raise only ExpressionSyntaxError, with work linear in the text; evaluation never raises."""

from __future__ import annotations

import sys
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arazzo_runner.expressions import (
    MISSING,
    EvaluationContext,
    ExpressionSyntaxError,
    compile_criterion,
    compile_jsonpath,
    parse_condition,
    parse_runtime_expression,
    parse_value,
)

# Pieces of the languages, so that generated text gets deep into the parsers, not only
# into "unexpected character" at offset 0.
PIECES = [
    "$",
    "$url",
    "$method",
    "$statusCode",
    "$request.",
    "$response.",
    "header.",
    "query.",
    "path.",
    "body",
    "#",
    "/",
    "~0",
    "~1",
    "~",
    "$inputs.",
    "$outputs.",
    "$steps.",
    ".outputs.",
    "$workflows.",
    "inputs.",
    "$sourceDescriptions.",
    "$components.",
    "parameters.",
    "x",
    "a-b",
    "0",
    "1.5",
    "-",
    "e3",
    ".",
    "[",
    "]",
    "[0]",
    "(",
    ")",
    "!",
    "!=",
    "==",
    "=",
    "<",
    "<=",
    ">",
    ">=",
    "&&",
    "||",
    "&",
    "|",
    "'",
    "''",
    '"',
    "\\",
    "{",
    "}",
    "{$",
    " ",
    "\t",
    "\n",
    "true",
    "false",
    "null",
    "?",
    "@",
    "*",
    "..",
    ",",
    ":",
    "count(",
    "length(",
    "__import__",
    "é",
    "\x00",
    "\ud7ff",
]
grammar_text = st.lists(st.sampled_from(PIECES), max_size=25).map("".join)
any_text = st.one_of(st.text(max_size=60), grammar_text)

PARSERS: dict[str, Callable[[str], object]] = {
    "runtime": parse_runtime_expression,
    "value": parse_value,
    "condition": parse_condition,
    "simple": lambda t: compile_criterion(t),
    "regex": lambda t: compile_criterion(t, "regex"),
    "jsonpath": lambda t: compile_criterion(t, "jsonpath"),
    "goessner": lambda t: compile_criterion(t, "jsonpath", "draft-goessner-dispatch-jsonpath-00"),
    "xpath": lambda t: compile_criterion(t, "xpath"),
    "xpath-10": lambda t: compile_criterion(t, "xpath", "xpath-10"),
    "jsonpath-query": compile_jsonpath,
}


def parse_or_our_error(parse: Callable[[str], object], text: str) -> object | None:
    """Parse, allowing only our error, located inside the text."""
    try:
        return parse(text)
    except ExpressionSyntaxError as exc:
        assert 0 <= exc.offset <= len(text)
        assert exc.text is not None
        return None


def calls_made(parse: Callable[[str], object], text: str) -> int:
    """The work a parse does, as a count of Python and C function calls: the same on every machine,
    unlike a timing, so a test can bound it without depending on how busy the machine is."""
    count = 0

    def profile(frame: object, event: str, arg: object) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(profile)
    try:
        parse_or_our_error(parse, text)
    finally:
        sys.setprofile(None)
    return count


@pytest.mark.parametrize("kind", sorted(PARSERS))
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=any_text)
def test_parsers_raise_only_our_error(kind: str, text: str) -> None:
    parse_or_our_error(PARSERS[kind], text)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=grammar_text,
    body=json_values,
    status=json_values,
    inputs=st.dictionaries(st.text(max_size=3), json_values),
)
def test_evaluation_never_raises(text: str, body: object, status: object, inputs: dict) -> None:
    ctx = EvaluationContext(status_code=status, response_body=body, inputs=inputs, steps={"x": inputs})
    for kind in ("simple", "jsonpath"):
        try:
            criterion = compile_criterion(text, kind)
        except ExpressionSyntaxError:
            continue
        outcome = criterion.evaluate(body, ctx)
        assert isinstance(outcome.passed, bool)
        assert isinstance(outcome.explanation, str)
    try:
        template = parse_value(text)
    except ExpressionSyntaxError:
        return
    template.render(ctx)


HOSTILE_KINDS = ("runtime", "value", "condition", "jsonpath", "jsonpath-query", "regex", "xpath")


@pytest.mark.parametrize(
    "text",
    [
        "true || " * 1_249 + "true",  # just under the 10 000-character limit of conditions
        "$statusCode == 200 && " * 454 + "true",
        "true || " * 20_000 + "true",  # over the limit: refused at once
        "(" * 64 + "true" + ")" * 64,
        "(" * 100_000,
        "!" * 100_000,
        "'" + "x" * 200_000,
        "$inputs." + "a" * 200_000,
        "$response.body#/" + "a/" * 50_000,
        "$response.body" + ".a" * 50_000,
        "$response.body" + "[0]" * 30_000,
        "{$" * 50_000,
        "-" * 100_000,
    ],
    ids=lambda t: f"{t[:12]!r}x{len(t)}",
)
def test_large_hostile_inputs_raise_only_our_error(text: str) -> None:
    for kind in HOSTILE_KINDS:
        parse_or_our_error(PARSERS[kind], text)


# Each hostile shape at a size and at four times that size: a parser whose work grows faster than the
# text (quadratic scans, re-tokenising, deep recursion) makes many more than 4x the calls. Timings of the
# large inputs above are in bench/hostile_parse.py.
GROWING: dict[str, Callable[[int], str]] = {
    "or-chain": lambda n: "true || " * n + "true",
    "and-chain": lambda n: "$statusCode == 200 && " * (n // 3) + "true",
    "or-chain-over-limit": lambda n: "true || " * (2_000 + n) + "true",
    "open-parens": lambda n: "(" * n,
    "bangs": lambda n: "!" * n,
    "open-string": lambda n: "'" + "x" * n,
    "long-name": lambda n: "$inputs." + "a" * n,
    "long-pointer": lambda n: "$response.body#/" + "a/" * n,
    "dotted": lambda n: "$response.body" + ".a" * n,
    "indexed": lambda n: "$response.body" + "[0]" * n,
    "template-opens": lambda n: "{$" * n,
    "dashes": lambda n: "-" * n,
}
GROWTH_ALLOWED = 4 * 1.5  # 4x the text; slack for fixed costs that are amortised differently


@pytest.mark.parametrize("shape", sorted(GROWING))
def test_parse_work_grows_linearly_with_hostile_input(shape: str) -> None:
    make = GROWING[shape]
    for kind in HOSTILE_KINDS:
        small = calls_made(PARSERS[kind], make(500))
        large = calls_made(PARSERS[kind], make(2_000))
        assert large <= GROWTH_ALLOWED * small + 200, (
            f"{kind} on {shape}: {small} calls at n=500 but {large} at n=2000 (more than linear)"
        )


def test_large_condition_still_evaluates() -> None:
    condition = parse_condition("$statusCode == 500 || " * 450 + "$statusCode == 200")
    assert condition.evaluate(EvaluationContext(status_code=200)) is True
    assert condition.evaluate(EvaluationContext(status_code=MISSING)) is False
