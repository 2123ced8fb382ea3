"""Errors of the HTTP layer, and the error code an API answer carries.

Two kinds of thing live here:

* exceptions we raise (:class:`RequestBuildError`, :class:`CredentialsError`,
  :class:`TransportFailure`, :class:`ApiError`), all under :class:`arazzo_runner.errors.ArazzoError`
  so the CLI prints them in a line;
* :func:`error_info`, which reads the error code and message out of an answer: AWS JSON errors
  (header ``x-amzn-errortype``, body ``__type`` and ``message``/``Message``) and the XML errors
  AWS query services and moto's auth layer send (``<Error><Code>…``, even for JSON services and
  even under ``Content-Type: text/html``). Criteria and retry policies use the code.

No message built here ever contains a credential: the texts come from the server's answer (which
never echoes a secret) and from fixed hints.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree

from ..errors import ArazzoError, Location


class HttpError(ArazzoError):
    """Root of the errors raised by :mod:`arazzo_runner.http`."""


class RequestBuildError(HttpError):
    """The step's values cannot be turned into the request the operation describes.

    Raised before anything is sent: a missing path parameter, a header value with a line break,
    an object payload for a media type we cannot write, a server URL that cannot be resolved.
    """

    exit_code = 1

    def __init__(self, message: str, location: Location | None = None) -> None:
        super().__init__(message, location)


class CredentialsError(HttpError):
    """No AWS credentials could be found, or they could not be read (says what to set)."""


class TransportFailure(HttpError):
    """The request could not be completed (connection refused, reset, timed out) after retries."""

    def __init__(self, message: str, attempts: int, retries: tuple[Any, ...] = ()) -> None:
        super().__init__(message)
        self.attempts = attempts
        #: The transport retries made before giving up (``TransportRetry``), for the run's counts.
        self.retries = retries


# -- error codes in answers -----------------------------------------------------------------

#: What to do about the authentication failures users meet first (codes as AWS and moto send them).
AUTH_HINTS: Mapping[str, str] = {
    "SignatureDoesNotMatch": (
        "the request signature does not match: the secret access key does not belong to the access key id"
        " (check AWS_SECRET_ACCESS_KEY or the profile's aws_secret_access_key), or the request was changed after"
        " signing"
    ),
    "InvalidClientTokenId": (
        "the access key id is not known to this endpoint: check AWS_ACCESS_KEY_ID / AWS_PROFILE, and that the"
        " endpoint and region are the ones the key belongs to"
    ),
    "UnrecognizedClientException": (
        "the access key id or session token is not valid for this endpoint: check AWS_ACCESS_KEY_ID,"
        " AWS_SESSION_TOKEN / AWS_PROFILE"
    ),
    "ExpiredToken": "the session token has expired: refresh the credentials (e.g. `aws sso login`)",
    "ExpiredTokenException": "the session token has expired: refresh the credentials (e.g. `aws sso login`)",
    "MissingAuthenticationToken": "the request was not signed: the source must declare SigV4",
    "IncompleteSignature": "the request signature is incomplete",
    "InvalidSignatureException": (
        "the request signature does not match: check the secret access key, or the request was changed after"
        " signing"
    ),
    "AccessDenied": "the credentials are valid but not allowed to do this (IAM policy)",
    "AccessDeniedException": "the credentials are valid but not allowed to do this (IAM policy)",
}

AUTH_ERROR_CODES = frozenset(AUTH_HINTS)


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """The error an answer reports: a code criteria can test, a message a person can read."""

    status: int
    code: str | None
    message: str | None
    request_id: str | None = None

    @property
    def is_auth_failure(self) -> bool:
        return self.code in AUTH_ERROR_CODES

    @property
    def hint(self) -> str | None:
        return AUTH_HINTS.get(self.code or "")

    def __str__(self) -> str:
        head = f"{self.code or 'error'} (HTTP {self.status})"
        if self.message:
            head += f": {self.message}"
        if self.hint:
            head += f" — {self.hint}"
        return head

    def said(self) -> str | None:
        """What the API said, for a failed step's reason: code and message, plus the auth hint."""
        message = self.message
        if message and len(message) > 2 * MESSAGE_LIMIT:
            message = message[: 2 * MESSAGE_LIMIT - 1] + "…"
        text = ": ".join(part for part in (self.code, message) if part)
        if not text:
            return None
        return f"{text} — {self.hint}" if self.hint else text


class ApiError(HttpError):
    """An answer that reports an error, raised where the caller wants an exception."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(str(info))
        self.info = info


def error_info(
    status: int, headers: Mapping[str, str], body: Any, content_type: str | None = None
) -> ErrorInfo | None:
    """Read the error code and message from an answer, or ``None`` for a success without one.

    ``body`` is the parsed body (a dict for JSON, a str for XML or text) or raw bytes.
    The header ``x-amzn-errortype`` wins (AWS JSON protocol); then ``__type`` / ``code`` in a
    JSON body, then ``<Error><Code>`` in XML. An RFC 9457 problem (``application/problem+json``)
    gives its ``title`` and ``detail`` as the message; any other answer the first
    :data:`MESSAGE_LIMIT` characters of its body, so a failed step always shows what the server said. AWS prefixes codes with a namespace
    (``com.amazon.coral.service#ThrottlingException``) and suffixes the header with a URL
    (``ThrottlingException:http://…``); both are cut off, as botocore does.
    """
    if status < 400:
        # A success is not an error even when its body has a "code" or "message" member (a
        # coupon code, a greeting); AWS reports errors with 4xx/5xx only.
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    request_id = lowered.get("x-amzn-requestid") or lowered.get("x-amz-request-id")
    code: str | None = None
    message: str | None = None
    if isinstance(body, bytes | bytearray):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            body = None
    if isinstance(body, str):
        stripped = body.lstrip()
        if stripped.startswith(("{", "[")):
            with contextlib.suppress(ValueError):
                body = json.loads(stripped)
    if isinstance(body, Mapping):
        raw = body.get("__type") or body.get("code") or body.get("Code")
        error = body.get("Error") or body.get("error")
        if raw is None and isinstance(error, Mapping):
            raw = error.get("Code") or error.get("code")
            message = _text(error.get("Message") or error.get("message"))
        code = _text(raw)
        message = message or _text(body.get("message") or body.get("Message") or body.get("errorMessage"))
        if message is None and isinstance(error, str):
            message = error
        if message is None and (body.get("title") or body.get("detail")):  # RFC 9457 problem details
            message = ": ".join(_text(body[k]) or "" for k in ("title", "detail") if body.get(k))
    elif isinstance(body, str) and body.lstrip().startswith("<"):
        code, message, xml_request_id = _xml_error(body)
        request_id = request_id or xml_request_id
    if code is None and message is None and body is not None:
        message = _excerpt(body)
    header_code = lowered.get("x-amzn-errortype")
    if header_code:
        code = header_code
    if code:
        code = code.split(":", 1)[0].rsplit("#", 1)[-1].strip() or None
    return ErrorInfo(status=status, code=code, message=message, request_id=request_id)


#: Characters of a server's message shown in a reason (an answer is untrusted: bounded).
MESSAGE_LIMIT = 200


def _excerpt(body: Any) -> str | None:
    """The start of a body with no recognised error fields, on one line."""
    if isinstance(body, str):
        text = body
    elif isinstance(body, Mapping | list):
        if not body:
            return None  # "{}" says nothing
        text = json.dumps(body, ensure_ascii=False, default=str)[: MESSAGE_LIMIT * 2]
    else:
        return None
    text = " ".join(text[: MESSAGE_LIMIT * 4].split())
    if not text:
        return None
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _xml_error(text: str) -> tuple[str | None, str | None, str | None]:
    try:
        root = ElementTree.fromstring(text.strip())
    except ElementTree.ParseError:
        return None, None, None
    code = message = request_id = None
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Code" and code is None:
            code = (element.text or "").strip() or None
        elif tag == "Message" and message is None:
            message = (element.text or "").strip() or None
        elif tag in ("RequestId", "RequestID") and request_id is None:
            request_id = (element.text or "").strip() or None
    return code, message, request_id
