"""Criterion Objects: compile a condition once for its type, then decide it with a reason.

``compile_criterion(condition, type, version)`` picks the evaluator:

- ``simple`` (or no type): a simple condition; operands come from the evaluation context.
- ``regex``: ``regex_patterns`` search on the context value rendered as text.
- ``jsonpath``: an RFC 9535 query passes when it selects at least one node. A query whose
  first segment is a filter (``$[?...]``) applied to an object context tests that object
  itself (it runs on ``[context]``), which is what the spec's ``$[?count(@.pets) > 0]`` means;
  on an array context it filters the elements, as RFC 9535 says. A condition that is not an
  RFC 9535 query but ``<singular query> <op> <literal>`` (``$.TrainingJobStatus ==
  "InProgress"``, found in real documents) is evaluated as that comparison, with the simple
  condition rules, and carries a warning giving the RFC 9535 spelling.
- ``jsonpath`` with version ``draft-goessner-dispatch-jsonpath-00``: jsonpath-ng, same rules.
- ``xpath`` (``xpath-30``/``xpath-20``/``xpath-10``; 3.1 by default): effective boolean value.

Compiling raises only :class:`ExpressionSyntaxError`; evaluating never raises: a criterion
that cannot be decided (no context, not XML, a regex that timed out) fails, and says why.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .budget import BudgetExceeded
from .conditions import MAX_LENGTH, Condition, Literal, parse_condition, parse_jsonpath_comparison
from .context import EvaluationContext
from .errors import ExpressionSyntaxError
from .explain import describe, describe_seen
from .jsonpath_queries import GoessnerQuery, JsonPathQuery, compile_goessner, compile_jsonpath
from .lexer import COMPARISONS, tokenize
from .regex_patterns import TIMEOUT_SECONDS, RegexPattern, compile_regex
from .runtime import ARAZZO_1_0, ARAZZO_1_1, RuntimeExpression
from .values import MISSING, json_view, render_text
from .xpath_queries import XPATH_VERSIONS, NotXML, XPathQuery, compile_xpath, xml_root

__all__ = ["CompiledCriterion", "CriterionOutcome", "compile_criterion"]

CRITERION_TYPES = ("simple", "regex", "jsonpath", "xpath")
GOESSNER = "draft-goessner-dispatch-jsonpath-00"
#: Arazzo 1.1's name for the default JSONPath (1.0 allows only Goessner as a version).
RFC9535 = "rfc9535"
DOUBLE_QUOTE_WARNING = (
    "double-quoted string literal: Arazzo string literals use single quotes ('...'); "
    "accepted and read as a JSON string"
)


class CriterionOutcome:
    """Whether a criterion passed, and (built on first read) why.

    ``observations`` lists what the evaluation read, as ``(operand text, value)`` pairs, for
    structured events; ``explanation`` is the same as one line for people.
    """

    __slots__ = ("_explain", "_text", "bound", "observations", "passed")

    def __init__(
        self,
        passed: bool,
        explain: Callable[[], str],
        observations: tuple[tuple[str, Any], ...] = (),
        bound: str | None = None,
    ) -> None:
        self.passed = passed
        self.observations = observations
        self._explain = explain
        self._text: str | None = None
        #: The evaluation was stopped by a bound (its time budget): which, for the step's reason.
        self.bound = bound

    @property
    def explanation(self) -> str:
        if self._text is None:
            self._text = self._explain()
        return self._text

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CriterionOutcome(passed={self.passed}, explanation={self.explanation!r})"


#: How a compiled criterion decides: (the context value, the evaluation context) -> the outcome.
Decider = Callable[[Any, EvaluationContext], CriterionOutcome]


@dataclass(frozen=True, slots=True, eq=False)
class CompiledCriterion:
    """A criterion ready to evaluate on every poll; ``warnings`` are for ``arazzo validate``."""

    condition: str
    type: str
    version: str | None
    warnings: tuple[str, ...]
    _decide: Decider
    _references: tuple[RuntimeExpression, ...] = ()

    def evaluate(self, context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        """Decide the criterion. ``context_value`` is the evaluated ``context`` expression
        (``MISSING`` when the criterion has none); simple conditions read ``ctx`` instead."""
        return self._decide(context_value, ctx)

    def references(self) -> tuple[RuntimeExpression, ...]:
        """Runtime expressions in the condition (simple conditions), for target checks."""
        return self._references


def compile_criterion(
    condition: str,
    type: str | None = None,
    version: str | None = None,
    *,
    arazzo: tuple[int, int] = ARAZZO_1_0,
) -> CompiledCriterion:
    """Compile a Criterion Object's ``condition`` for its ``type`` (and Expression Type ``version``).

    ``arazzo`` is the document's (major, minor): the grammar of runtime expressions in simple
    conditions, and, for 1.1, the clarified JSONPath rule (an RFC 9535 query, nothing else).
    """
    if not isinstance(condition, str):
        raise ExpressionSyntaxError("a condition must be a string", str(condition), 0)
    if len(condition) > MAX_LENGTH:
        raise ExpressionSyntaxError(f"condition longer than {MAX_LENGTH} characters", condition, MAX_LENGTH)
    kind = type or "simple"
    if kind not in CRITERION_TYPES:
        raise ExpressionSyntaxError(
            f"unknown criterion type {kind!r}; expected one of {', '.join(CRITERION_TYPES)}", condition, 0
        )
    if version is not None and kind in ("simple", "regex"):
        raise ExpressionSyntaxError(f"a version applies to jsonpath and xpath, not {kind}", condition, 0)
    if kind == "simple":
        return _compile_simple(condition, arazzo)
    if arazzo >= ARAZZO_1_1 and kind == "jsonpath" and version == RFC9535:
        version = None  # 1.1 names the default explicitly
    if arazzo >= ARAZZO_1_1 and "{$" in condition:
        return _compile_embedded(condition, kind, version, arazzo)
    if kind == "regex":
        pattern = compile_regex(condition)
        return CompiledCriterion(condition, kind, None, pattern.warnings, _regex_decider(pattern))
    if kind == "jsonpath":
        if version not in (None, GOESSNER):
            raise ExpressionSyntaxError(
                f"unknown JSONPath version {version!r}; the only one defined is {GOESSNER}", condition, 0
            )
        return _compile_jsonpath(condition, version, arazzo)
    if version not in XPATH_VERSIONS:
        raise ExpressionSyntaxError(
            f"unknown XPath version {version!r}; expected xpath-30, xpath-20 or xpath-10", condition, 0
        )
    query = compile_xpath(condition.strip(), version)
    return CompiledCriterion(condition, kind, version, (), _xpath_decider(query))


# -- 1.1: runtime expressions embedded in regex / jsonpath / xpath conditions ---------------


def _compile_embedded(
    condition: str, kind: str, version: str | None, arazzo: tuple[int, int]
) -> CompiledCriterion:
    """Arazzo 1.1 "Runtime Expressions in Conditions": ``{$...}`` is evaluated and substituted
    first (as text), then the resulting condition is compiled and evaluated for its type.

    The substituted text is compiled on each distinct value (cached); a text that does not
    compile fails the criterion with the reason, as 1.1 says for invalid expressions.
    """
    from functools import lru_cache

    from .templates import parse_value

    template = parse_value(condition, arazzo=arazzo)

    @lru_cache(maxsize=64)
    def compiled_for(text: str) -> CompiledCriterion | ExpressionSyntaxError:
        # Never substitute again: a value that contains "{$...}" stays text (no injection).
        try:
            if kind == "jsonpath":
                return _compile_jsonpath(text, version, arazzo)
            return compile_criterion(text, kind, version)  # regex, xpath: no 1.1-only rule
        except ExpressionSyntaxError as exc:
            return exc

    def decide(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        text = template.render(ctx)
        if text is MISSING:
            return CriterionOutcome(
                False,
                lambda: f"{kind} condition {condition!r} not applied: an embedded expression has no value",
            )
        found = compiled_for(str(text))
        if isinstance(found, ExpressionSyntaxError):
            return CriterionOutcome(
                False, lambda: f"{kind} condition {text!r} (after substitution) is invalid: {found.message}"
            )
        return found.evaluate(context_value, ctx)

    return CompiledCriterion(condition, kind, version, (), decide, template.references())


# -- simple -------------------------------------------------------------------------------


def _compile_simple(text: str, arazzo: tuple[int, int] = ARAZZO_1_0) -> CompiledCriterion:
    warnings: list[str] = []
    try:
        parsed = parse_condition(text, arazzo=arazzo)
    except ExpressionSyntaxError:
        stripped = text.strip()
        if not (stripped.startswith("{") and stripped.endswith("}")):
            raise
        # The spec's own JSON example writes "{$statusCode == 401}" (erratum ERR-04).
        parsed = parse_condition(stripped[1:-1], arazzo=arazzo)
        warnings.append("the whole condition is wrapped in {...}; write it without the braces")
    if parsed.double_quoted:
        warnings.append(DOUBLE_QUOTE_WARNING)
    return CompiledCriterion(
        text, "simple", None, tuple(warnings), _condition_decider(parsed), parsed.references()
    )


def _condition_decider(parsed: Condition) -> Decider:
    def decide(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        passed, seen = parsed.evaluate_explained(ctx, json_view(context_value))

        def explain() -> str:
            values = describe_seen(seen)
            return f"{parsed.text.strip()} is {'true' if passed else 'false'}" + (
                f": {values}" if values else ""
            )

        return CriterionOutcome(passed, explain, tuple(seen))

    return decide


def _on_context(what: str, decide: Decider) -> Decider:
    """``decide``, applied only to a context: a regex or XPath criterion over an absent or null
    context fails without being applied (``what`` names the criterion in the explanation)."""

    def decide_on_context(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        if context_value is MISSING or context_value is None:
            state = "absent" if context_value is MISSING else "null"
            return CriterionOutcome(
                False, lambda: f"{what} not applied: the context is {state}", (("context", context_value),)
            )
        return decide(context_value, ctx)

    return decide_on_context


# -- regex --------------------------------------------------------------------------------


def _regex_decider(pattern: RegexPattern) -> Decider:
    def decide(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        seen = (("context", context_value),)
        subject = render_text(context_value)
        try:
            match = pattern.search(subject)
        except TimeoutError:
            return CriterionOutcome(
                False,
                lambda: (
                    f"regex {pattern.text!r} gave up after {TIMEOUT_SECONDS} s on {describe(subject)} "
                    "(catastrophic backtracking?)"
                ),
                seen,
            )
        if match is None:
            return CriterionOutcome(
                False, lambda: f"regex {pattern.text!r} found no match in {describe(subject)}", seen
            )
        found = match.group()
        return CriterionOutcome(
            True, lambda: f"regex {pattern.text!r} matched {describe(found)} in {describe(subject)}", seen
        )

    return _on_context(f"regex {pattern.text!r}", decide)


# -- jsonpath -----------------------------------------------------------------------------


def _compile_jsonpath(
    condition: str, version: str | None, arazzo: tuple[int, int] = ARAZZO_1_0
) -> CompiledCriterion:
    text = condition.strip()
    try:
        query: JsonPathQuery | GoessnerQuery = compile_goessner(text) if version else compile_jsonpath(text)
    except ExpressionSyntaxError as query_error:
        if not _is_comparison(text):
            raise
        # An operator outside any brackets: the author wrote a comparison; report its errors.
        comparison = parse_jsonpath_comparison(text)
        if not comparison.paths:
            raise query_error from None
        if arazzo >= ARAZZO_1_1:
            # Arazzo 1.1 settles it: the condition MUST be an RFC 9535 query, and passes when it
            # selects a node; anything else fails. A condition that can only fail is an error here.
            spelling = _rfc_spelling(comparison)
            hint = f"; write {spelling}" if spelling else ""
            raise ExpressionSyntaxError(
                f"{comparison.text!r} is not an RFC 9535 JSONPath query, which Arazzo 1.1 requires"
                f" (a JSONPath condition passes when the query selects at least one node){hint}",
                condition,
                0,
            ) from None
        # One note per condition: the RFC spelling it suggests already uses single quotes.
        warnings = [_comparison_warning(comparison)]
        return CompiledCriterion(
            condition, "jsonpath", version, tuple(warnings), _condition_decider(comparison)
        )
    return CompiledCriterion(condition, "jsonpath", version, (), _query_decider(query))


def _is_comparison(text: str) -> bool:
    try:
        tokens = tokenize(text, jsonpath_operands=True)
    except ExpressionSyntaxError:
        return False
    return any(token.kind in COMPARISONS or token.kind in ("&&", "||", "!") for token in tokens)


def _comparison_warning(comparison: Condition) -> str:
    message = (
        f"{comparison.text!r} is not an RFC 9535 JSONPath query; it is evaluated as a comparison "
        "(simple-condition rules: string equality ignores case, a missing field equals only null)"
    )
    spelling = _rfc_spelling(comparison)
    return message + (f"; the RFC 9535 spelling is {spelling}" if spelling else "")


def _rfc_spelling(comparison: Condition) -> str | None:
    """``$[?@.x == 'y']`` for ``$.x == "y"`` (None when the comparison is not that simple)."""
    root = comparison.root
    left = getattr(root, "left", None)
    right = getattr(root, "right", None)
    op = getattr(root, "op", None)
    if op and left is not None and isinstance(right, Literal) and left.text.startswith("$"):
        literal = right.literal
        rendered = (
            "'" + literal.replace("\\", "\\\\").replace("'", "\\'") + "'"
            if isinstance(literal, str)
            else right.text
        )
        return f"$[?@{left.text[1:]} {op} {rendered}]"
    return None


def _query_decider(
    query: JsonPathQuery | GoessnerQuery,
) -> Decider:
    dialect = "Goessner JSONPath" if isinstance(query, GoessnerQuery) else "JSONPath"

    def decide(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        context_value = json_view(context_value)
        seen = (("context", context_value),)
        if context_value is MISSING or context_value is None:
            state = "absent" if context_value is MISSING else "null"
            return CriterionOutcome(
                False, lambda: f"{dialect} {query.text} not applied: the context is {state}", seen
            )
        wrapped = query.starts_with_filter and isinstance(context_value, Mapping)
        try:
            nodes = query.find([context_value] if wrapped else context_value)
        except Exception as exc:  # any failure inside the JSONPath library fails the criterion
            failure = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return CriterionOutcome(
                False, lambda: f"{dialect} {query.text} could not be applied: {failure}", seen
            )
        passed = bool(nodes)

        def explain() -> str:
            how = " (root filter applied to the object itself)" if wrapped else ""
            if not nodes:
                return f"{dialect} {query.text} selected no node{how} in {describe(context_value)}"
            count = f"{len(nodes)} node{'s' if len(nodes) > 1 else ''}"
            return f"{dialect} {query.text} selected {count}{how}: {describe(nodes)}"

        return CriterionOutcome(passed, explain, seen)

    return decide


# -- xpath --------------------------------------------------------------------------------


def _xpath_decider(query: XPathQuery) -> Decider:
    def decide(context_value: Any, ctx: EvaluationContext) -> CriterionOutcome:
        seen = (("context", context_value),)
        try:
            root = xml_root(context_value)
            passed, result = query.evaluate(root)
        except NotXML as exc:
            reason = str(exc)
            return CriterionOutcome(False, lambda: f"XPath {query.text} not applied: {reason}", seen)
        except BudgetExceeded as exc:
            bound = str(exc)
            return CriterionOutcome(False, lambda: f"XPath {query.text} was stopped: {bound}", seen, bound)
        except Exception as exc:  # dynamic XPath errors (unbound variable, FORG0006, ...)
            failure = str(exc)
            return CriterionOutcome(
                False, lambda: f"XPath {query.text} could not be evaluated: {failure}", seen
            )
        return CriterionOutcome(
            passed,
            lambda: (
                f"XPath {query.text} is {'true' if passed else 'false'}: it returned {_xpath_result(result)}"
            ),
            seen,
        )

    return _on_context(f"XPath {query.text}", decide)


def _xpath_result(result: Any) -> str:
    if isinstance(result, list):
        if not result:
            return "an empty sequence"
        shown = ", ".join(_xpath_item(item) for item in result[:5])
        more = f", … ({len(result)} items)" if len(result) > 5 else ""
        return f"[{shown}{more}]"
    return _xpath_item(result)


def _xpath_item(item: Any) -> str:
    elem = getattr(item, "elem", None)
    if elem is not None and hasattr(elem, "tag"):
        text = (elem.text or "").strip()
        return f"<{elem.tag}>{describe(text, 40) if text else ''}"
    return describe(item if isinstance(item, str | int | float | bool) else str(item), 80)
