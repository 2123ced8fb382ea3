"""Parameter serialisation per OpenAPI 3.0 / 3.1 ``style`` and ``explode`` (RFC 6570 flavoured).

Values arrive already evaluated (str, int, float, bool, None, list, dict). Each function returns
text that is *already percent-encoded* for where it goes, so the caller pastes it into the URL
verbatim and httpx keeps it as is:

* every character of a value outside RFC 3986 *unreserved* is percent-encoded in paths and
  queries, so ``a/b c?d#e`` stays one path segment and cannot start a query or a fragment;
* the delimiters the style itself adds (``,`` ``.`` ``;`` ``=`` ``&`` ``|`` ``%20`` ``[ ]``) are
  written literally, as the OpenAPI style tables show them;
* ``allowReserved: true`` (query only) leaves RFC 3986 reserved characters of values unencoded,
  except ``&`` and ``#``: even then a value cannot add a query parameter or end the URL;
* header values are sent as text but may not contain CR, LF or NUL (no header injection).

Scalars render as JSON does for booleans (``true``/``false``); ``None`` renders empty. Objects
inside arrays, and nested values inside objects, render as compact JSON.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .errors import RequestBuildError

#: RFC 3986 reserved characters ``allowReserved`` may leave alone (``&`` and ``#`` excluded).
_RESERVED_SAFE = ":/?[]@!$'()*+,;="

DEFAULT_STYLES = {"path": "simple", "query": "form", "header": "simple", "cookie": "form"}
ALLOWED_STYLES = {
    "path": {"simple", "label", "matrix"},
    "query": {"form", "spaceDelimited", "pipeDelimited", "deepObject"},
    "header": {"simple"},
    "cookie": {"form"},
}


@dataclass(frozen=True, slots=True)
class ParameterStyle:
    """How one parameter is written (from its OpenAPI Parameter Object, or the defaults)."""

    style: str
    explode: bool
    allow_reserved: bool = False

    @classmethod
    def for_location(
        cls,
        location: str,
        style: str | None = None,
        explode: bool | None = None,
        allow_reserved: bool = False,
    ) -> ParameterStyle:
        """OpenAPI's defaults: ``explode`` is true exactly when the style is ``form``."""
        chosen = style or DEFAULT_STYLES[location]
        if chosen not in ALLOWED_STYLES[location]:
            raise RequestBuildError(f"style {chosen!r} is not allowed for a parameter in {location}")
        return cls(chosen, chosen == "form" if explode is None else bool(explode), bool(allow_reserved))


def scalar_text(value: Any) -> str:
    """A scalar as text: booleans as ``true``/``false``, ``None`` empty, containers as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)


def _enc(text: str, allow_reserved: bool = False) -> str:
    return quote(text, safe=_RESERVED_SAFE if allow_reserved else "")


def _items(value: Any) -> list[tuple[str, Any]] | None:
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    return None


def _array(value: Any) -> list[Any] | None:
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        return list(value)
    return None


def serialize_path(name: str, value: Any, style: ParameterStyle) -> str:
    """The text that replaces ``{name}`` in the path template."""
    e = _enc
    array, items = _array(value), _items(value)
    if style.style == "simple":
        prefix, sep = "", ","
    elif style.style == "label":
        prefix, sep = ".", "." if style.explode else ","
    elif style.style == "matrix":
        n = e(name)
        if array is not None:
            if style.explode:
                return "".join(f";{n}={e(scalar_text(v))}" for v in array)
            return f";{n}=" + ",".join(e(scalar_text(v)) for v in array)
        if items is not None:
            if style.explode:
                return "".join(f";{e(k)}={e(scalar_text(v))}" for k, v in items)
            return f";{n}=" + ",".join(f"{e(k)},{e(scalar_text(v))}" for k, v in items)
        return f";{n}" if value == "" else f";{n}={e(scalar_text(value))}"
    else:
        raise RequestBuildError(f"style {style.style!r} is not allowed for a path parameter")
    if array is not None:
        return prefix + sep.join(e(scalar_text(v)) for v in array)
    if items is not None:
        if style.explode:
            return prefix + sep.join(f"{e(k)}={e(scalar_text(v))}" for k, v in items)
        return prefix + ",".join(f"{e(k)},{e(scalar_text(v))}" for k, v in items)
    return prefix + e(scalar_text(value))


def serialize_query(name: str, value: Any, style: ParameterStyle) -> list[str]:
    """Encoded ``key=value`` pairs, in order, to join with ``&``."""
    ar = style.allow_reserved

    def e(text: str) -> str:
        return _enc(text, ar)

    n = _enc(name)
    array, items = _array(value), _items(value)
    if style.style == "deepObject":
        if items is None:
            raise RequestBuildError(
                f"query parameter {name!r} has style deepObject but its value is not an object"
            )
        return [f"{n}[{_enc(k)}]={e(scalar_text(v))}" for k, v in items]
    delimiter = {"form": ",", "spaceDelimited": "%20", "pipeDelimited": "|"}.get(style.style)
    if delimiter is None:
        raise RequestBuildError(f"style {style.style!r} is not allowed for a query parameter")
    if array is not None:
        if style.explode:
            return [f"{n}={e(scalar_text(v))}" for v in array]
        return [f"{n}=" + delimiter.join(e(scalar_text(v)) for v in array)]
    if items is not None:
        if style.explode:
            return [f"{_enc(k)}={e(scalar_text(v))}" for k, v in items]
        return [f"{n}=" + delimiter.join(f"{_enc(k)}{delimiter}{e(scalar_text(v))}" for k, v in items)]
    return [f"{n}={e(scalar_text(value))}"]


def serialize_header(name: str, value: Any, style: ParameterStyle) -> str:
    """A header value (style ``simple``): ``a,b,c``; objects ``R,100,G,200`` or ``R=100,G=200``."""
    array, items = _array(value), _items(value)
    if array is not None:
        text = ",".join(scalar_text(v) for v in array)
    elif items is not None:
        joiner = "=" if style.explode else ","
        text = ",".join(f"{k}{joiner}{scalar_text(v)}" for k, v in items)
    else:
        text = scalar_text(value)
    if any(c in text for c in "\r\n\0"):
        raise RequestBuildError(f"header parameter {name!r} contains a line break or NUL, which HTTP forbids")
    if not text.isascii():
        # httpx would raise UnicodeEncodeError deep inside; RFC 9110 header values are ASCII.
        raise RequestBuildError(
            f"header parameter {name!r} has non-ASCII characters; HTTP header values are ASCII"
            " (encode the value, or send it in the body or the query)"
        )
    return text


def serialize_cookie(name: str, value: Any, style: ParameterStyle) -> list[str]:
    """``name=value`` cookie pairs (style ``form``), values percent-encoded, to join with ``; ``."""
    e = _enc
    array, items = _array(value), _items(value)
    if array is not None:
        if style.explode:
            return [f"{e(name)}={e(scalar_text(v))}" for v in array]
        return [f"{e(name)}=" + ",".join(e(scalar_text(v)) for v in array)]
    if items is not None:
        if style.explode:
            return [f"{e(k)}={e(scalar_text(v))}" for k, v in items]
        return [f"{e(name)}=" + ",".join(f"{e(k)},{e(scalar_text(v))}" for k, v in items)]
    return [f"{e(name)}={e(scalar_text(value))}"]
