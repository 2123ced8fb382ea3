"""Responses as the step context sees them: status, headers, a body parsed by media type.

* JSON (``application/json``, ``+json``, ``x-amz-json-1.0/1.1``, ``text/json``): parsed within the
  bounds of :mod:`arazzo_runner.body_parsing` (depth, size, charset, non-finite numbers → null);
  an empty body is ``None``. A body that is not usable JSON stays text and ``problem`` says why:
  a step whose criteria or outputs read ``$response.body`` fails with that reason, any other step
  runs with a warning (a server that lies about its content type should still be debuggable).
* XML (``application/xml``, ``text/xml``, ``+xml``): ``body`` is the text; ``xml`` is the parsed
  ElementTree root (for XPath criteria), or ``None`` when it does not parse or nests too deep.
  Python's expat does not fetch external entities and limits entity expansion. ``view`` is the
  generic object mapping of the XML (:mod:`.xml_objects`), what JSON pointers and JSONPath read
  (an AWS answer mapped to a service model gets botocore's parse instead: :mod:`.aws_wire`).
* ``text/html`` whose body is JSON (moto's EventBridge, some gateways): read as JSON, with a
  warning that says so.
* ``text/*``: text, decoded with the declared charset (UTF-8 by default, and when the charset is
  unknown, with a warning).
* anything else (including no content type): ``bytes``.

``error`` carries the API error code and message (:func:`error_info`) for answers that have one;
moto's XML auth errors come back as ``text/html`` and are recognised too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from ..body_parsing import decode_text, read_json, read_xml
from .bodies import is_json, is_xml, media_type
from .errors import ErrorInfo, error_info
from .xml_objects import xml_to_object


@dataclass(frozen=True, slots=True)
class ParsedResponse:
    """One answer, parsed. ``headers`` keeps httpx's case-insensitive multi-dict."""

    status_code: int
    headers: httpx.Headers = field(repr=False)
    content_type: str
    body: Any = field(repr=False)
    content: bytes = field(repr=False)
    xml: Any = field(default=None, repr=False)
    #: Why the body could not be read as its declared media type (the body is then its text).
    problem: str | None = None
    error: ErrorInfo | None = None
    #: What reading the body changed or guessed (an unknown charset, NaN read as null...).
    warnings: tuple[str, ...] = ()
    #: The generic object view of an XML body (``None`` otherwise).
    view: Any = field(default=None, repr=False)

    @property
    def json_error(self) -> str | None:  # the former name of ``problem``
        return self.problem


def parse_body(
    content: bytes, content_type: str | None, charset: str | None = None
) -> tuple[Any, Any, str | None]:
    """``(body, xml_root, problem)`` for raw ``content`` of ``content_type``."""
    body, root, problem, _ = read_body(content, content_type, charset)
    return body, root, problem


def read_body(
    content: bytes, content_type: str | None, charset: str | None = None
) -> tuple[Any, Any, str | None, tuple[str, ...]]:
    """``(body, xml_root, problem, warnings)``; never raises, whatever the server sent."""
    kind = media_type(content_type)
    if is_json(kind):
        if not content.strip():
            return None, None, None, ()
        read = read_json(content, charset)
        return read.value, None, read.problem, read.warnings
    if is_xml(kind):
        text, warnings = decode_text(content, charset)
        root, problem = read_xml(content)
        return text, root, problem, warnings
    if kind == "text/html" and content.lstrip()[:1] in (b"{", b"["):
        read = read_json(content, charset)
        if read.problem is None:
            note = f"the answer is labelled {kind} but its body is JSON: it was read as JSON"
            return read.value, None, None, (note, *read.warnings)
    if kind.startswith("text/"):
        text, warnings = decode_text(content, charset)
        return text, None, None, warnings
    return content, None, None, ()


def parse_response(response: httpx.Response, content: bytes | None = None) -> ParsedResponse:
    """Parse an answer: ``content`` is its decoded body when it was streamed (else it is read)."""
    content = response.content if content is None else content
    content_type = response.headers.get("content-type", "")
    # httpx parses Content-Type with email.message to find a charset: only ask when there is one.
    charset = _charset(response) if "charset" in content_type.lower() else None
    body, root, problem, warnings = read_body(content, content_type, charset)
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
        problem=problem,
        error=error,
        warnings=warnings,
        view=xml_to_object(root) if root is not None else None,
    )


def _charset(response: httpx.Response) -> str | None:
    try:
        return response.charset_encoding
    except Exception:  # a Content-Type header email.message cannot make sense of
        return None


def _plain(headers: httpx.Headers) -> Mapping[str, str]:
    return {k: v for k, v in headers.items()}
