"""How long the expression parsers take on large hostile texts (the timing the unit tests do not assert).

Run: ``.venv/bin/python bench/hostile_parse.py``. For each hostile text and parser, the best of three
parses in milliseconds; the target is < 100 ms each (a document's expression is parsed once at load).
The unit tests bound the same parses by work instead (``test_parse_work_grows_linearly_with_hostile_input``).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from arazzo_runner.expressions import (
    ExpressionSyntaxError,
    compile_criterion,
    compile_jsonpath,
    parse_condition,
    parse_runtime_expression,
    parse_value,
)

TARGET_MS = 100.0
PARSERS: dict[str, Callable[[str], object]] = {
    "runtime": parse_runtime_expression,
    "value": parse_value,
    "condition": parse_condition,
    "jsonpath": lambda t: compile_criterion(t, "jsonpath"),
    "jsonpath-query": compile_jsonpath,
    "regex": lambda t: compile_criterion(t, "regex"),
    "xpath": lambda t: compile_criterion(t, "xpath"),
}
TEXTS = [
    "true || " * 1_249 + "true",
    "$statusCode == 200 && " * 454 + "true",
    "true || " * 20_000 + "true",
    "(" * 100_000,
    "!" * 100_000,
    "'" + "x" * 200_000,
    "$inputs." + "a" * 200_000,
    "$response.body#/" + "a/" * 50_000,
    "$response.body" + ".a" * 50_000,
    "$response.body" + "[0]" * 30_000,
    "{$" * 50_000,
    "-" * 100_000,
]


def best_ms(parse: Callable[[str], object], text: str) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        with contextlib.suppress(ExpressionSyntaxError):
            parse(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000


def main() -> None:
    worst = 0.0
    print(f"{'text':<28}" + "".join(f"{kind:>15}" for kind in PARSERS))
    for text in TEXTS:
        row = [best_ms(parse, text) for parse in PARSERS.values()]
        worst = max(worst, *row)
        print(f"{text[:14]!r:<20}x{len(text):<7}" + "".join(f"{ms:>13.1f}ms" for ms in row))
    print(f"worst: {worst:.1f} ms (target < {TARGET_MS:.0f} ms)")


if __name__ == "__main__":
    main()
