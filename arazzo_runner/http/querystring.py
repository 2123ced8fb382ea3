"""Arazzo 1.1 / OpenAPI 3.2 ``in: querystring``: one parameter that is the whole query string.

The value "MUST resolve to a string representing the complete query string" in the media type
of the operation's ``querystring`` parameter (its ``content``; ``application/x-www-form-
urlencoded`` when the operation does not define one):

* form-urlencoded text (``"filter=active&sort=desc"``) is sent as written, minus a leading
  ``?``: its ``=`` ``&`` ``+`` and valid ``%XX`` escapes are kept, and every other character a
  query cannot hold literally is percent-encoded, ``#`` included, so the value can never end
  the URL or start a fragment. An object is accepted too (a Selector Object may select one) and
  written ``key=value&...``, lists repeating the key;
* any other media type (``application/json``...): the text (an object or array is serialised
  as compact JSON first) is percent-encoded whole, as OpenAPI 3.2 describes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .errors import RequestBuildError

FORM = "application/x-www-form-urlencoded"
#: Characters form text keeps as written: its own delimiters and the query's other sub-delims.
_FORM_TEXT_SAFE = "=&+!$'()*,;:@/?"
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def serialize_querystring(name: str, value: Any, media_type: str | None) -> str:
    """The query string (without ``?``) for the ``querystring`` parameter ``name``."""
    media = (media_type or FORM).split(";", 1)[0].strip().lower()
    if media == FORM:
        if isinstance(value, str):
            text = _BAD_PERCENT.sub("%25", value.removeprefix("?"))
            return quote(text, safe=_FORM_TEXT_SAFE + "%")
        if isinstance(value, Mapping):
            pairs: list[str] = []
            for key, item in value.items():
                for one in item if isinstance(item, list) else [item]:
                    pairs.append(f"{quote(str(key), safe='')}={quote(_scalar(one), safe='')}")
            return "&".join(pairs)
        raise RequestBuildError(
            f"querystring parameter {name!r} must be a string (the complete query string) or an"
            f" object of names and values, not {type(value).__name__}"
        )
    if isinstance(value, str):
        text = value
    elif "json" in media:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    else:
        raise RequestBuildError(
            f"querystring parameter {name!r} must be a string in {media}, not {type(value).__name__}"
        )
    return quote(text, safe="")


def querystring_media_type(definition: Mapping[str, Any] | None) -> str | None:
    """The media type an operation's ``querystring`` Parameter Object gives (its ``content`` key)."""
    content = definition.get("content") if definition else None
    if isinstance(content, Mapping) and content:
        return str(next(iter(content)))
    return None
