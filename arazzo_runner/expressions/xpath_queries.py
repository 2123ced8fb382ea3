"""XPath criteria over XML bodies, with elementpath (XPath 3.1 by default; 3.0, 2.0, 1.0).

A criterion passes when the expression's effective boolean value (XPath ``fn:boolean``) is
true: a non-empty node sequence, ``true()``, a non-empty string, a non-zero number. The context
value must be XML: an ElementTree element, or ``str``/``bytes`` that parse as XML. Documents
with a DTD (``<!DOCTYPE``) are refused, which rules out entity-expansion attacks whatever the
expat version.

Bounded (see :mod:`.budget`): parsing and evaluating run under the criterion's time budget,
checked as elementpath works (:func:`.budget.interruptible`: ``count(//i[. = //i])`` over a big
answer stops when the budget is spent, as a failed criterion);
ranges longer than ``MAX_RANGE`` are refused (elementpath evaluates static expressions while
parsing, so ``count(1 to 300000000)`` is refused by ``arazzo validate`` without being built);
the regex functions match with the ``regex`` engine under the budget's timeout.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import ExpressionSyntaxError

__all__ = ["XPATH_VERSIONS", "XPathQuery", "compile_xpath", "xml_root"]

#: Versions a Criterion Expression Type may name (None: XPath 3.1, the spec's default). The
#: parsers are imported on first use: elementpath (and the ssl it pulls in) costs ~80 ms of
#: start-up that runs without XPath criteria should not pay.
XPATH_VERSIONS: tuple[str | None, ...] = (None, "xpath-31", "xpath-30", "xpath-20", "xpath-10")


_BOUNDED: dict[str | None, type] = {}


def _parser_class(version: str | None) -> type:
    """The elementpath parser for ``version``, with bounded ranges and guarded regexes (cached)."""
    bounded = _BOUNDED.get(version)
    if bounded is None:
        bounded = _BOUNDED[version] = _bounded(_library_parser_class(version))
    return bounded


def _bounded(parser_class: type) -> type:
    _guard_library_regexes()
    table = dict(parser_class.symbol_table)  # type: ignore[attr-defined]
    to = table.get("to")
    if to is not None:
        from elementpath.datatypes import Integer
        from elementpath.sequences import xlist

        from .budget import check_range

        def evaluate(self: Any, context: Any = None) -> Any:
            start, stop = self.get_operands(context, cls=Integer)
            if not isinstance(start, int) or not isinstance(stop, int):
                return []
            check_range(start, stop)
            return xlist(range(start, stop + 1))

        table["to"] = type(to.__name__, (to,), {"evaluate": evaluate})
    return type(f"Bounded{parser_class.__name__}", (parser_class,), {"symbol_table": table})


def _guard_library_regexes() -> None:
    """elementpath's regex functions call the ``re`` module of their modules: give them ours."""
    import elementpath.xpath2._xpath2_functions as xpath2_functions
    import elementpath.xpath30._xpath30_functions as xpath30_functions

    from .budget import GuardedRe

    for module in (xpath2_functions, xpath30_functions):
        if not isinstance(module.re, GuardedRe):
            module.re = GuardedRe()  # type: ignore[attr-defined]


def _library_parser_class(version: str | None) -> type:
    if version in ("xpath-10",):
        from elementpath import XPath1Parser

        return XPath1Parser
    if version == "xpath-20":
        from elementpath import XPath2Parser

        return XPath2Parser
    if version == "xpath-30":
        from elementpath.xpath30 import XPath30Parser

        return XPath30Parser
    from elementpath.xpath31 import XPath31Parser

    return XPath31Parser


_COLUMN = re.compile(r"column (\d+)")


class NotXML(ValueError):
    """The context value is not an XML document (the criterion fails with this reason)."""


@dataclass(frozen=True, slots=True, eq=False)
class XPathQuery:
    text: str
    token: Any

    def evaluate(self, root: Any) -> tuple[bool, Any]:
        """The effective boolean value and the raw result; elementpath errors propagate."""
        from elementpath import XPathContext

        from .budget import budget, interruptible

        with budget():
            return interruptible(lambda: self._evaluate(XPathContext(root)))

    def _evaluate(self, context: Any) -> tuple[bool, Any]:
        result = self.token.evaluate(context)
        if isinstance(result, Iterator):
            result = list(result)  # a lazy sequence does its work now, under the budget
        return bool(self.token.boolean_value(result)), result


def compile_xpath(text: str, version: str | None) -> XPathQuery:
    from .budget import BudgetExceeded, budget, interruptible

    parser_class = _parser_class(version)
    try:
        with budget():
            token = interruptible(lambda: parser_class().parse(text))
    except BudgetExceeded as exc:
        raise ExpressionSyntaxError(f"XPath refused: {exc}", text, 0) from None
    except Exception as exc:  # elementpath raises ElementPath*Error, which mix in builtin types
        match = _COLUMN.search(str(exc))
        offset = int(match.group(1)) - 1 if match else 0
        raise ExpressionSyntaxError(f"invalid XPath: {exc}", text, offset) from None
    return XPathQuery(text, token)


def xml_root(value: Any) -> Any:
    """The element to evaluate against; raises :class:`NotXML` with the reason."""
    if isinstance(value, ET.Element):
        return value
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", errors="replace")
    if not isinstance(value, str):
        raise NotXML(f"the context is {type(value).__name__}, not XML text")
    if "<!DOCTYPE" in value or "<!ENTITY" in value:
        raise NotXML("XML with a DTD is refused")
    from ..body_parsing import read_xml  # bounded: depth and size limits

    root, problem = read_xml(value.encode("utf-8"))
    if root is None:
        raise NotXML(f"the context is not well-formed XML ({problem or 'empty'})")
    return root
