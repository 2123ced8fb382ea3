"""A time budget for one criterion, honoured wherever a foreign library can run away.

Mechanism (issue 17, point 3): no criterion may run unbounded, and none may leave CPU burning
after it gave up, so we bound the work *inside* the evaluation rather than abandoning a thread:

* every regular expression a criterion runs (``regex`` criteria, the Goessner ``=~`` operator,
  XPath ``matches``/``replace``/``tokenize``/``analyze-string``) is matched by the ``regex``
  package with a timeout taken from the criterion's remaining budget;
* XPath ranges (``1 to N``) longer than :data:`MAX_RANGE` are refused, at compile time when
  static (so ``arazzo validate`` never builds them) and at evaluation otherwise, and each range
  checks the budget (so nested ranges stop too);
* JSONPath recursive descent (``..``) is refused on contexts of more than :data:`MAX_DESCENT_NODES`
  nodes (counted with an early exit), since its cost grows with every node of the body.

* an XPath evaluation (and the static evaluation elementpath does while parsing) runs
  :func:`interruptible`: every Python call and generator step elementpath makes passes a check
  of the deadline (every :data:`CHECK_EVERY` calls), so an expression whose cost is quadratic or
  worse in the answer (``count(//i[. = //i])`` over 300 KB) stops when the budget is spent,
  whatever it spends it on (paths, predicates, comparisons, ``for``, user functions).

Going over fails the criterion with :class:`BudgetExceeded` as its reason; the step's failure
actions apply.

Why a hook inside the evaluation and not a worker process with a hard time limit: a criterion is
evaluated on every poll of a loop, and a fork (or a spawned interpreter that imports elementpath)
per evaluation costs far more than the evaluation; forking a process that runs threads (the
asyncio driver's, Temporal's) is unsafe; and a thread cannot be stopped, so it would leave CPU
burning after the criterion gave up. The hook costs one counter increment per call, only while an
XPath expression runs, in the calling thread only (``sys.settrace`` is per thread), and it puts
back any tracer that was there (a debugger, coverage). What it does not stop: one call into C
that runs long by itself; elementpath's C-level work is bounded by the answer's size (depth 100,
64 MiB) and by :data:`MAX_RANGE`.
"""

from __future__ import annotations

import contextlib
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import Any, TypeVar

import regex

from ..errors import ArazzoError

CRITERION_SECONDS = 1.0
"""CPU seconds one criterion (all its regexes and ranges together) may spend."""

#: The budget's clock: the CPU time of the evaluating thread. A runaway expression spends CPU, so it
#: is stopped all the same; an evaluation of a few milliseconds whose thread waits for a core (a
#: loaded CI machine, a busy thread holding the GIL) is not failed for the wait. The ``regex``
#: package's own timeout is wall time: it gets what is left of this budget, never more.
_clock = time.thread_time

MAX_RANGE = 1_000_000
"""Most integers one XPath range expression may produce."""

MAX_DESCENT_NODES = 50_000
"""Most nodes a JSONPath query with recursive descent (``..``) may walk."""

_deadline: ContextVar[float | None] = ContextVar("criterion_deadline", default=None)


class BudgetExceeded(ArazzoError, TimeoutError):
    """A criterion went over its budget; the message says which.

    Also a ``TimeoutError``: the evaluators that stop at any timeout (a regex's own) catch both."""


@contextlib.contextmanager
def budget(seconds: float | None = None) -> Iterator[None]:
    """Run the enclosed evaluation with a deadline (an enclosing, earlier one wins)."""
    ends = _clock() + (CRITERION_SECONDS if seconds is None else seconds)
    outer = _deadline.get()
    token = _deadline.set(ends if outer is None else min(outer, ends))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining() -> float:
    """Seconds left in the current budget; raises :class:`BudgetExceeded` when none are."""
    ends = _deadline.get()
    if ends is None:
        return CRITERION_SECONDS
    left = ends - _clock()
    if left <= 0:
        raise BudgetExceeded(f"the criterion ran out of its {CRITERION_SECONDS:g} s budget")
    return left


#: Calls between two looks at the clock in :func:`interruptible` (a look costs well under 1 µs; a few
#: thousand elementpath calls take well under a millisecond).
CHECK_EVERY = 1024

T = TypeVar("T")


def interruptible(work: Callable[[], T]) -> T:
    """``work()``, stopped with :class:`BudgetExceeded` once the current budget is spent.

    A trace function (this thread only) counts the calls ``work`` makes, generator steps
    included, and every :data:`CHECK_EVERY` of them compares the clock with the deadline; past
    it, it raises, which Python delivers inside the call being made, so the evaluation unwinds
    as from any error. The tracer that was installed before (a debugger, coverage) is put back."""
    ends = _deadline.get()
    if ends is None:
        ends = _clock() + CRITERION_SECONDS
    calls = 0

    def check(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        calls += 1
        if calls % CHECK_EVERY == 0 and _clock() > ends:
            raise BudgetExceeded(f"the criterion ran out of its {CRITERION_SECONDS:g} s budget")

    previous = sys.gettrace()
    sys.settrace(check)
    try:
        return work()
    finally:
        sys.settrace(previous)


def check_range(start: int, stop: int) -> None:
    """Refuse an XPath range too long to build, and stop when the budget is spent."""
    if stop - start + 1 > MAX_RANGE:  # read at call time: tests lower it
        raise BudgetExceeded(f"the range {start} to {stop} is longer than {MAX_RANGE} items")
    remaining()


def descent_too_large(value: Any, limit: int = MAX_DESCENT_NODES) -> bool:
    """Whether ``value`` holds more than ``limit`` nodes (walks at most ``limit`` of them)."""
    count = 0
    stack = [value]
    while stack:
        item = stack.pop()
        count += 1
        if count > limit:
            return True
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return False


def _timed_out(pattern: Any) -> BudgetExceeded:
    text = getattr(pattern, "pattern", pattern)
    return BudgetExceeded(f"regex {str(text)[:80]!r} ran out of the criterion's {CRITERION_SECONDS:g} s budget")


def _under_budget(name: str) -> Callable[..., Any]:
    """The ``regex`` pattern method ``name``, run with the current budget's timeout."""

    def method(self: GuardedPattern, *args: Any, **kwargs: Any) -> Any:
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


class GuardedPattern:
    """A compiled pattern whose matching methods run under the current budget."""

    __slots__ = ("_compiled", "pattern")

    def __init__(self, compiled: Any) -> None:
        self._compiled = compiled
        self.pattern = compiled.pattern

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        try:
            result = getattr(self._compiled, name)(*args, timeout=remaining(), **kwargs)
            if name in ("finditer",):
                return list(result)  # iterate now, under the timeout
            return result
        except TimeoutError:
            raise _timed_out(self) from None

    search = _under_budget("search")
    match = _under_budget("match")
    fullmatch = _under_budget("fullmatch")
    sub = _under_budget("sub")
    subn = _under_budget("subn")
    split = _under_budget("split")
    findall = _under_budget("findall")

    def finditer(self, *a: Any, **k: Any) -> Any:
        return iter(self._call("finditer", *a, **k))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compiled, name)


def guarded_compile(pattern: Any, flags: int = 0) -> GuardedPattern:
    """``re.compile`` with the ``regex`` engine (``re``-compatible mode) and the budget's timeout."""
    if isinstance(pattern, GuardedPattern):
        return pattern
    if isinstance(pattern, re.Pattern):
        pattern, flags = pattern.pattern, pattern.flags & ~re.UNICODE
    try:
        return GuardedPattern(regex.compile(pattern, flags=flags | regex.VERSION0))
    except regex.error as exc:
        raise re.error(str(exc)) from None


class GuardedRe:
    """A stand-in for the ``re`` module inside a library: same API, matching under the budget."""

    error = re.error

    def compile(self, pattern: Any, flags: int = 0) -> GuardedPattern:
        return guarded_compile(pattern, flags)

    def search(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).search(string)

    def match(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).match(string)

    def fullmatch(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).fullmatch(string)

    def sub(self, pattern: Any, repl: Any, string: Any, count: int = 0, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).sub(repl, string, count)

    def split(self, pattern: Any, string: Any, maxsplit: int = 0, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).split(string, maxsplit)

    def findall(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).findall(string)

    def finditer(self, pattern: Any, string: Any, flags: int = 0) -> Any:
        return guarded_compile(pattern, flags).finditer(string)

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)
