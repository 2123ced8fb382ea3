"""Read an untrusted answer body as JSON, XML or text, with explicit bounds.

A server's body is hostile input. Every consumer after the parse (criteria, JSONPath, redaction,
``-v`` output, the HAR recorder, ``--output json``) walks it recursively, so the parse refuses what
those walks cannot take, before anything is built:

* **Depth**: JSON or XML nested deeper than :data:`MAX_DEPTH` levels is not parsed (a 4 KB body of
  2,000 ``[`` used to end the run with ``RecursionError``). The JSON depth is measured on the raw
  bytes (strings removed, brackets counted) at C speed, so the check costs little on big bodies.
* **Size**: bodies larger than :data:`MAX_PARSED_BYTES` are not parsed (the transport stops reading
  long before that with ``--max-response-size``; this guards bodies that come from elsewhere).
* **Charset**: an unknown or unusable ``charset`` is read as UTF-8 (invalid bytes replaced), with a
  warning, instead of raising ``LookupError``.
* **Non-finite numbers**: ``NaN``, ``Infinity``, ``-Infinity`` and numbers too large for a float
  (``1e400``) become ``null``, with a warning: strict JSON parsers reject them, and
  ``--output json`` must stay strict JSON.

A body that cannot be read as its media type says why in :attr:`BodyRead.problem` and keeps its
text, so a step that does not use the body still runs (with a warning) and a step that does use
it fails with that reason (see :mod:`arazzo_runner.engine.body_needs`). It lives outside the http package because XPath
criteria read XML context values through it too.
"""

from __future__ import annotations

import codecs
import json
import math
import re
import threading
from dataclasses import dataclass
from itertools import accumulate
from typing import Any
from xml.etree import ElementTree

MAX_DEPTH = 100
"""Deepest nesting of a parsed body (JSON arrays/objects, XML elements)."""

MAX_PARSED_BYTES = 64 * 1024 * 1024
"""Largest body parsed as JSON or XML; larger ones stay raw (the transport normally stops first)."""

_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_DELTA = [0] * 256
for _open in b"[{":
    _DELTA[_open] = 1
for _close in b"]}":
    _DELTA[_close] = -1


@dataclass(frozen=True, slots=True)
class BodyRead:
    """A body read as its media type: the value, why it could not be (``problem``), and warnings."""

    value: Any
    problem: str | None = None
    warnings: tuple[str, ...] = ()


def json_depth(content: bytes) -> int:
    """How deeply the arrays and objects of JSON text nest (0 for a scalar), without parsing it."""
    brackets = _STRING.sub(b"", content).translate(None, _NOT_BRACKETS)
    if not brackets:
        return 0
    return max(0, *accumulate(map(_DELTA.__getitem__, brackets)))


def decode_text(content: bytes, charset: str | None) -> tuple[str, tuple[str, ...]]:
    """``content`` as text in ``charset`` (UTF-8 by default); an unusable charset falls back to UTF-8."""
    if not charset:
        return content.decode("utf-8", errors="replace"), ()
    try:
        codecs.lookup(charset)  # LookupError for unknown names and for non-text codecs (rot13, hex...)
        return content.decode(charset, errors="replace"), ()
    except (LookupError, UnicodeError, ValueError, TypeError):
        shown = charset if len(charset) <= 40 else charset[:40] + "…"
        warning = f"unknown or unusable charset {shown!r} in the response's Content-Type; read as UTF-8"
        return content.decode("utf-8", errors="replace"), (warning,)


class _Found(threading.local):
    #: The non-finite literals of the body being decoded in this thread (a list while decoding).
    found: list[str] | None = None


_NON_FINITE = _Found()


def _constant(name: str) -> None:
    assert _NON_FINITE.found is not None
    _NON_FINITE.found.append(name)
    return None


def _number(literal: str) -> float | None:
    value = float(literal)
    if math.isfinite(value):
        return value
    assert _NON_FINITE.found is not None
    _NON_FINITE.found.append(literal if len(literal) <= 20 else literal[:20] + "…")
    return None


#: One decoder for every body: ``json.loads`` with hooks builds a decoder (and its C scanner) per
#: call, about half the cost of reading a small answer. Its hooks report to the calling thread's
#: ``_NON_FINITE`` (decoding never yields to another body in the same thread).
_DECODER = json.JSONDecoder(parse_constant=_constant, parse_float=_number)


def read_json(content: bytes, charset: str | None = None) -> BodyRead:
    """Parse a JSON body within the bounds above; never raises."""
    text, warnings = decode_text(content, charset)
    if len(content) > MAX_PARSED_BYTES:
        return BodyRead(
            text, f"body of {len(content)} bytes is larger than {MAX_PARSED_BYTES} bytes", warnings
        )
    openings = content.count(b"[") + content.count(b"{")  # cheap: most bodies cannot be too deep
    if openings > MAX_DEPTH and json_depth(content) > MAX_DEPTH:
        return BodyRead(text, f"JSON nested deeper than {MAX_DEPTH} levels", warnings)
    non_finite: list[str] = []
    _NON_FINITE.found = non_finite
    try:
        if text.startswith("\ufeff"):
            json.loads(text)  # raises json.loads's own error for a byte order mark (decode() would not)
        value = _DECODER.decode(text)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, int digits limit, deep nesting
        return BodyRead(text, f"invalid JSON: {_first_line(exc)}", warnings)
    finally:
        _NON_FINITE.found = None
    if non_finite:
        shown = ", ".join(sorted(set(non_finite))[:3])
        warnings += (
            f"the JSON body holds non-finite numbers ({shown}; {len(non_finite)} in all), which strict "
            "JSON does not allow; read as null",
        )
    return BodyRead(value, None, warnings)


class _DepthLimitedBuilder(ElementTree.TreeBuilder):
    """A tree builder that refuses documents nested deeper than :data:`MAX_DEPTH` elements."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0

    def start(self, tag: Any, attrs: Any) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep
        return super().start(tag, attrs)

    def end(self, tag: Any) -> Any:
        self.depth -= 1
        return super().end(tag)


class _TooDeep(Exception):
    pass


def read_xml(content: bytes) -> tuple[Any, str | None]:
    """``(root, problem)``: the parsed root element, or ``None`` and why. Never raises."""
    if not content.strip():
        return None, None
    if len(content) > MAX_PARSED_BYTES:
        return None, f"body of {len(content)} bytes is larger than {MAX_PARSED_BYTES} bytes"
    parser = ElementTree.XMLParser(target=_DepthLimitedBuilder())
    try:
        parser.feed(content)
        return parser.close(), None
    except _TooDeep:
        return None, f"XML nested deeper than {MAX_DEPTH} levels"
    except (ElementTree.ParseError, ValueError, RecursionError) as exc:
        return None, f"invalid XML: {_first_line(exc)}"


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:200]
