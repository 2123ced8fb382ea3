"""RFC 6901 JSON Pointers after ``#`` in runtime expressions (``$response.body#/data/0/id``).

Parsed once into a tuple of reference tokens; resolving is a plain loop, no exceptions on the
hot path. We keep our own 30 lines instead of ``jsonpath.JSONPointer`` because that resolver adds
non-standard lookups (``#key``/``~key`` key pointers, ``#n`` index pointers, ``\\uXXXX``
decoding, JSON-parsing of string documents) and is about ten times slower; the unit tests use
it as an oracle on standard pointers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import ExpressionSyntaxError
from .values import MISSING, MappedText

__all__ = ["parse_pointer", "resolve_pointer"]

_ARRAY_INDEX = re.compile(r"0|[1-9][0-9]*")


def parse_pointer(text: str, start: int, end: int) -> tuple[str, ...]:
    """Parse ``text[start:end]`` as a JSON Pointer; offsets in errors are into ``text``."""
    if start == end:
        return ()
    if text[start] != "/":
        raise ExpressionSyntaxError("a JSON pointer must start with '/'", text, start)
    for i in range(start, end):
        ch = text[i]
        if ch == "~" and (i + 1 >= end or text[i + 1] not in "01"):
            raise ExpressionSyntaxError("'~' in a JSON pointer must be followed by 0 or 1", text, i)
        if ch in "{}":
            raise ExpressionSyntaxError(f"{ch!r} is not allowed in a JSON pointer", text, i)
    return tuple(tok.replace("~1", "/").replace("~0", "~") for tok in text[start + 1 : end].split("/"))


def resolve_pointer(document: Any, tokens: tuple[str, ...]) -> Any:
    """The value ``tokens`` point at in ``document``, or ``MISSING`` when there is none.

    Objects are looked up by key; arrays by a decimal index without leading zeros (``-``, the
    past-the-end index, points at nothing); scalars have no children. XML text with a JSON
    view (:class:`.values.MappedText`) is read through its view.
    """
    if tokens and isinstance(document, MappedText):
        document = document.view
    for token in tokens:
        if isinstance(document, Mapping):
            document = document.get(token, MISSING)
            if document is MISSING:
                return MISSING
        elif isinstance(document, Sequence) and not isinstance(document, str | bytes | bytearray):
            if not _ARRAY_INDEX.fullmatch(token):
                return MISSING
            index = int(token)
            if index >= len(document):
                return MISSING
            document = document[index]
        else:
            return MISSING
    return document
