"""Arazzo 1.1 Selector Objects: a JSONPath, XPath or JSON Pointer selector applied to a context.

``compile_selector(selector, type, version)`` compiles once (syntax errors are
:class:`ExpressionSyntaxError`, so the loader reports them located); ``.select(value)`` applies
it to the evaluated ``context``:

* ``jsonpath`` (RFC 9535, or ``draft-goessner-dispatch-jsonpath-00``): the nodelist's values.
* ``jsonpointer`` (RFC 6901): the value pointed at.
* ``xpath`` (3.1 by default; ``xpath-30``/``-20``/``-10``) on XML text: the result, with each
  node as its string value (an element's text content, an attribute's value).

A selector that selects **one** value gives that value (its JSON type kept); **several** give the
list of them, in document order; **none** give ``MISSING``, which the engine treats like any
absent value (the parameter or payload field is left out, the output is absent). A context that
is absent, ``null`` or of the wrong kind (XPath on non-XML) raises
:class:`ExpressionEvaluationError` with the reason, which fails the step that needed the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .errors import ExpressionEvaluationError, ExpressionSyntaxError
from .jsonpath_queries import compile_goessner, compile_jsonpath
from .pointer import parse_pointer, resolve_pointer
from .values import MISSING, json_view
from .xpath_queries import NotXML, compile_xpath, xml_root

__all__ = ["SELECTOR_TYPES", "CompiledSelector", "compile_selector"]

SELECTOR_TYPES = ("jsonpath", "xpath", "jsonpointer")
_VERSIONS = {
    "jsonpath": (None, "rfc9535", "draft-goessner-dispatch-jsonpath-00"),
    "xpath": (None, "xpath-31", "xpath-30", "xpath-20", "xpath-10"),
    "jsonpointer": (None, "rfc6901"),
}


@dataclass(frozen=True, slots=True, eq=False)
class CompiledSelector:
    """A selector ready to apply to many contexts."""

    text: str
    type: str
    version: str | None
    _select: Callable[[Any], list[Any]]

    def select(self, value: Any) -> Any:
        """The selected value (one), list of values (several) or ``MISSING`` (none)."""
        if value is MISSING or value is None:
            state = "absent" if value is MISSING else "null"
            raise ExpressionEvaluationError(f"{self.type} selector {self.text!r}: the context is {state}")
        try:
            found = self._select(value)
        except NotXML as exc:
            raise ExpressionEvaluationError(f"xpath selector {self.text!r}: {exc}") from None
        except ExpressionEvaluationError:
            raise
        except Exception as exc:  # library limits (deep recursion, XPath dynamic errors)
            raise ExpressionEvaluationError(f"{self.type} selector {self.text!r} failed: {exc}") from None
        if not found:
            return MISSING
        return found[0] if len(found) == 1 else found


def compile_selector(selector: str, type: str, version: str | None = None) -> CompiledSelector:
    """Compile a Selector Object's ``selector`` for its ``type`` (and Expression Type ``version``)."""
    if type not in SELECTOR_TYPES:
        raise ExpressionSyntaxError(
            f"unknown selector type {type!r}; expected one of {', '.join(SELECTOR_TYPES)}", selector, 0
        )
    if version not in _VERSIONS[type]:
        allowed = ", ".join(v for v in _VERSIONS[type] if v)
        raise ExpressionSyntaxError(f"unknown {type} version {version!r}; expected {allowed}", selector, 0)
    if type == "jsonpointer":
        tokens = parse_pointer(selector, 0, len(selector))

        def by_pointer(value: Any) -> list[Any]:
            found = resolve_pointer(value, tokens)
            return [] if found is MISSING else [found]

        return CompiledSelector(selector, type, version, by_pointer)
    if type == "jsonpath":
        query: Any = (
            compile_goessner(selector) if version == _VERSIONS["jsonpath"][2] else compile_jsonpath(selector)
        )
        return CompiledSelector(selector, type, version, lambda value: query.find(json_view(value)))
    xpath = compile_xpath(selector.strip(), None if version == "xpath-31" else version)

    def by_xpath(value: Any) -> list[Any]:
        _, result = xpath.evaluate(xml_root(value))
        items = result if isinstance(result, list) else [result]
        return [_xml_value(item) for item in items]

    return CompiledSelector(selector, type, version, by_xpath)


def _xml_value(item: Any) -> Any:
    """A node as its string value; an atomic XPath value (number, string, boolean) as is."""
    string_value = getattr(item, "string_value", None)
    if string_value is not None:
        return str(string_value)
    if hasattr(item, "itertext"):  # a bare ElementTree element
        return "".join(item.itertext())
    return item
