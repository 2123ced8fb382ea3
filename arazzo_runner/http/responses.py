"""Responses as the step context sees them: status, headers, a body parsed by media type.

* JSON (``application/json``, ``+json``, ``x-amz-json-1.0/1.1``, ``text/json``): parsed; an
  empty body is ``None``; a body that is not valid JSON stays text (``json_error`` says why),
  because a server that lies about its content type should still be debuggable.
* XML (``application/xml``, ``text/xml``, ``+xml``): ``body`` is the text; ``xml`` is the parsed
  ElementTree root (for XPath criteria), or ``None`` when it does not parse. Python's expat
  does not fetch external entities and limits entity expansion.
* ``text/*``: text, decoded with the declared charset (UTF-8 by default).
* anything else (including no content type): ``bytes``.

``error`` carries the API error code and message (:func:`error_info`) for answers that have one;
moto's XML auth errors come back as ``text/html`` and are recognised too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import httpx

from .bodies import is_json, is_xml, media_type
from .errors import ErrorInfo, error_info


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """One answer, parsed. ``headers`` keeps httpx's case-insensitive multi-dict."""

    status_code: int
    headers: httpx.Headers = field(repr=False)
    content_type: str
    body: Any = field(repr=False)
    content: bytes = field(repr=False)
    xml: Any = field(default=None, repr=False)
    json_error: str | None = None
    error: ErrorInfo | None = None


def parse_body(
    content: bytes, content_type: str | None, charset: str | None = None
) -> tuple[Any, Any, str | None]:
    """``(body, xml_root, json_error)`` for raw ``content`` of ``content_type``."""
    kind = media_type(content_type)
    if is_json(kind):
        if not content.strip():
            return None, None, None
        text = content.decode(charset or "utf-8", errors="replace")
        try:
            return json.loads(text), None, None
        except ValueError as exc:
            return text, None, f"invalid JSON: {exc}"
    if is_xml(kind):
        text = content.decode(charset or "utf-8", errors="replace")
        try:
            root = ElementTree.fromstring(content) if content.strip() else None
        except ElementTree.ParseError:
            root = None
        return text, root, None
    if kind.startswith("text/"):
        return content.decode(charset or "utf-8", errors="replace"), None, None
    return content, None, None


def parse_response(response: httpx.Response) -> ParsedResponse:
    """Parse a read ``httpx.Response`` (call ``response.read()`` first when streaming)."""
    content = response.content
    content_type = response.headers.get("content-type", "")
    # httpx parses Content-Type with email.message to find a charset: only ask when there is one.
    charset = response.charset_encoding if "charset" in content_type.lower() else None
    body, root, json_error = parse_body(content, content_type, charset)
    error = (  # successes carry no error: skip copying the headers for every poll answer
        error_info(response.status_code, _plain(response.headers), body, content_type)
        if response.status_code >= 400
        else None
    )
    return ParsedResponse(
        status_code=response.status_code,
        headers=response.headers,
        content_type=content_type,
        body=body,
        content=content,
        xml=root,
        json_error=json_error,
        error=error,
    )


def _plain(headers: httpx.Headers) -> Mapping[str, str]:
    return {k: v for k, v in headers.items()}
