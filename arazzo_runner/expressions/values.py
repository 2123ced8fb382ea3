"""JSON-value semantics shared by conditions, criteria and templates.

One place decides what "absent", "equal", "less than", "true" and "as text" mean, so that a
simple condition, the ``$.x == "y"`` JSONPath form and an embedded ``{$...}`` all agree. The
rules are listed in this package's README.md; the functions below are their only
implementation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "MISSING",
    "AliasedObject",
    "MappedText",
    "Missing",
    "json_view",
    "loose_equals",
    "loose_order",
    "render_text",
    "to_number",
    "truthy",
]


class Missing:
    """The type of :data:`MISSING`: a value that is not there at all (not even ``null``).

    The engine needs the difference: an optional input that was not given is left out of a
    request body, while an explicit ``null`` is sent as ``null``. ``MISSING`` is falsy and
    compares like ``null`` in conditions (``$inputs.absent == null`` is true).
    """

    _instance: Missing | None = None
    __slots__ = ()

    def __new__(cls) -> Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final = Missing()


class MappedText(str):
    """An answer's text (XML) that also has a JSON *view*: what JSON pointers and JSONPath read.

    An S3 or EC2 answer is XML; ``$response.body#/KeyCount`` and ``$[?@.KeyCount > 0]`` read the
    view (botocore's parse by the service model, or the generic XML mapping), while XPath criteria
    and ``$response.body`` itself see the text as sent. Made when the exchange is loaded into the
    evaluation context; the run state keeps the text and the view as two plain values.
    """

    view: Any

    def __new__(cls, text: str, view: Any) -> MappedText:
        made = super().__new__(cls, text)
        made.view = view
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (MappedText, (str(self), self.view))


class AliasedObject(dict[str, Any]):
    """A JSON object whose members may also be read by a second name (``aliases``: name → member;
    ``None`` means the object itself). An AWS answer's view reads both by member name
    (``Errors``) and by the XML element name the document's author saw (``Error``), without the
    member appearing twice in outputs. The aliases are a reading aid: written out (JSON, the run
    state) the object is a plain one."""

    aliases: dict[str, str | None]

    def __init__(self, members: Any = (), aliases: dict[str, str | None] | None = None) -> None:
        super().__init__(members)
        self.aliases = dict(aliases or {})

    def get(self, key: Any, default: Any = None) -> Any:
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        aliases = getattr(self, "aliases", {})
        if key in aliases:
            target = aliases[key]
            if target is None:
                return self
            if dict.__contains__(self, target):
                return dict.__getitem__(self, target)
        return default

    def __reduce__(self) -> tuple[Any, ...]:
        return (AliasedObject, (dict(self), self.aliases))


def json_view(value: Any) -> Any:
    """What a JSON pointer or JSONPath reads of ``value``: the view of a :class:`MappedText`."""
    return value.view if isinstance(value, MappedText) else value


# RFC 8259 number grammar: what a "numeric string" is when coercing for comparisons.
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")


def to_number(value: Any) -> int | float | None:
    """The number a value stands for in a numeric comparison, or ``None``.

    Numbers are themselves (booleans are not numbers); a string is a number when it is exactly
    a JSON number (``"30"``, ``"-1.5e3"``; not ``" 30"``, ``"0x1F"`` or ``"NaN"``).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value) if any(c in value for c in ".eE") else int(value)
    return None


def truthy(value: Any) -> bool:
    """Truth of a bare operand (``$response.body.active`` used without an operator).

    ``MISSING``, ``null``, ``false``, ``0``, ``""``, ``[]`` and ``{}`` are false; anything else
    is true.
    """
    if value is MISSING or value is None:
        return False
    return bool(value)


def loose_equals(left: Any, right: Any) -> bool:
    """``==`` of simple conditions.

    ``null``/``MISSING`` equal only each other; booleans equal only booleans; a number and a
    numeric string compare as numbers; strings compare case-insensitively (``casefold``);
    arrays and objects compare element-wise with these same rules. Anything else is unequal.
    """
    if left is None or left is MISSING:
        return right is None or right is MISSING
    if right is None or right is MISSING:
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left is right
    if isinstance(left, str) and isinstance(right, str):
        return left == right or left.casefold() == right.casefold()
    if isinstance(left, int | float) or isinstance(right, int | float):
        a, b = to_number(left), to_number(right)
        return a is not None and b is not None and a == b
    if isinstance(left, list | tuple) and isinstance(right, list | tuple):
        return len(left) == len(right) and all(loose_equals(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping) and isinstance(right, Mapping):
        return left.keys() == right.keys() and all(loose_equals(left[k], right[k]) for k in left)
    return False


def loose_order(left: Any, op: str, right: Any) -> bool:
    """``<``, ``<=``, ``>``, ``>=`` of simple conditions.

    Two values compare when both are numbers or numeric strings (as numbers), or both are
    strings (case-folded, code point order). ``null``, ``MISSING``, booleans, arrays, objects
    and mixed kinds never compare: the result is false, whatever the operator.
    """
    a, b = to_number(left), to_number(right)
    if a is None or b is None:
        if not (isinstance(left, str) and isinstance(right, str)):
            return False
        a, b = left.casefold(), right.casefold()  # type: ignore[assignment]
    if op == "<":
        return a < b  # type: ignore[operator]
    if op == "<=":
        return a <= b  # type: ignore[operator]
    if op == ">":
        return a > b  # type: ignore[operator]
    return a >= b  # type: ignore[operator]


def render_text(value: Any) -> str:
    """A value as text: embedded ``{$...}`` substitution and the subject of a regex.

    A string is itself; ``true``/``false``/``null`` and numbers are their JSON text (``200``,
    ``1.5``, never a Python repr such as ``True`` or ``None``); arrays and objects are compact
    JSON (RFC 8259, UTF-8 kept as is). Bytes are decoded as UTF-8 (invalid bytes replaced).
    """
    if isinstance(value, str):
        return value
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    if value is MISSING:
        return ""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
