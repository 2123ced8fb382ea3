"""One redactor for everything shown or stored: events, recordings, replay comparisons, dry runs.

Recording and replay must agree byte for byte on what a secret looks like once removed: the
recorder writes ``Authorization: [redacted]`` and ``***`` for a secret input, and the replay
transport applies the very same functions to the request it is about to match, so a recorded
request and its replay compare equal without the recording ever holding the secret.

What goes: credential headers (``Authorization``, ``X-Amz-Security-Token``, cookies, API-key
headers, and the header/query/cookie names of every ``apiKey`` scheme of the document's
sources), secret query parameters (``X-Amz-Credential``, ``X-Amz-Signature``, tokens, API keys),
secret input values wherever they appear in URLs and bodies (the engine's :class:`Masker`), and
JSON members that carry AWS credentials in answers (``SecretAccessKey``, ``SessionToken``).
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from ..redact import REDACTED, SECRET_HEADERS, SECRET_QUERY_PARAMS, redacted_headers, redacted_url
from .masking import MASK as MASK_TEXT
from .masking import Masker

if TYPE_CHECKING:
    from .needs import SentRequest

#: JSON members whose values are credentials whatever the workflow says (STS, SSO answers).
SECRET_JSON_MEMBERS = frozenset({"secretaccesskey", "sessiontoken", "client_secret", "access_token"})


@dataclass(frozen=True, slots=True)
class Redactor:
    """Removes secrets from URLs, headers and bodies; idempotent (redacting twice changes nothing)."""

    masker: Masker = field(default_factory=Masker)
    #: Extra secret header names (lower case), from apiKey schemes.
    header_names: frozenset[str] = frozenset()
    #: Extra secret query parameter names, from apiKey schemes.
    query_names: frozenset[str] = frozenset()
    #: Every secret header name (the fixed ones and ``header_names``), joined once, not per request.
    _secret_headers: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_secret_headers", SECRET_HEADERS | self.header_names)

    @classmethod
    def for_document(cls, document: Any, masker: Masker | None = None) -> Redactor:
        """A redactor knowing every apiKey name declared by ``document``'s sources (nested too)."""
        headers, query = api_key_names(document)
        return cls(masker or Masker(), headers, query)

    def learn_request(self, request: SentRequest) -> None:
        """Learn the credential values a sent (signed) request carries: secret headers (and the
        token after an auth scheme word), secret query parameters, user info in the URL.

        Plain data in (the core calls this when it is fed the exchange); the learned values stay
        in memory only, never in a snapshot: after a restore the request handed out again is
        signed and fed again, so they are learned again before its answer is reported."""
        values: list[str] = []
        secret_headers = self._secret_headers
        for name, value in request.headers:
            # A SigV4 Authorization value is new on every request and holds no secret (the key
            # never leaves the machine): learning it would grow the masker on every poll.
            if name.lower() in secret_headers and not value.startswith("AWS4-"):
                values.append(value)
                scheme, _, token = value.partition(" ")
                if token and scheme.isalnum():
                    values.append(token.strip())
                    if scheme.lower() == "basic":  # "user:password", base64: echoed decoded too
                        values.extend(_basic_credentials(token.strip()))
                if name.lower() in ("cookie", "set-cookie"):
                    values.extend(c.partition("=")[2] for c in value.split(";"))
        parts = urlsplit(request.url)
        if parts.query:
            secret_query = SECRET_QUERY_PARAMS | {n.lower() for n in self.query_names}
            for name, value in parse_qsl(parts.query, keep_blank_values=True):
                if name.lower() in secret_query:
                    values.append(value)
        with contextlib.suppress(ValueError):  # a URL whose port does not parse has no password either
            if parts.password:  # as written in URLs and as decoded
                values.extend((parts.password, unquote(parts.password)))
        self.masker.learn(values)

    def url(self, url: str) -> str:
        return self.masker.text(redacted_url(url, self.query_names))

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(n, self.masker.text(v)) for n, v in redacted_headers(list(headers), self.header_names)]

    def text(self, text: str) -> str:
        """A body as text: secret inputs masked, credential JSON members replaced."""
        text = self.masker.text(text)
        if not any(member in text.lower() for member in SECRET_JSON_MEMBERS):
            return text
        try:
            data = json.loads(text)
        except ValueError:
            return text
        cleaned = _without_secret_members(data)
        return text if cleaned == data else json.dumps(cleaned, ensure_ascii=False)

    def data(self, value: Any) -> Any:
        """A parsed body (JSON data): secret inputs masked, credential members replaced."""
        return self.masker.mask(_without_secret_members(value))

    def learned_out_of_json(self, text: str) -> str:
        """JSON text with every credential learned from the requests as sent removed (each
        spelling, :attr:`Masker.learned`): what the journal writes. Secret inputs are not touched
        here: the journal seals them (to be given back on resume)."""
        for secret in self.masker.learned:
            if secret in text:
                text = text.replace(secret, MASK_TEXT)
        return text

    def body(self, content: bytes) -> bytes:
        """Raw body bytes redacted; binary bodies are kept as they are (they cannot hold our inputs)."""
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return content
        return self.text(text).encode("utf-8")


def _basic_credentials(token: str) -> list[str]:
    """``user:password`` and the password of a Basic ``Authorization`` token (nothing if not base64)."""
    try:
        decoded = base64.b64decode(token, validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return []
    return [decoded, decoded.partition(":")[2]]


def _without_secret_members(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (REDACTED if k.lower() in SECRET_JSON_MEMBERS else _without_secret_members(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_without_secret_members(v) for v in value]
    return value


def api_key_names(document: Any) -> tuple[frozenset[str], frozenset[str]]:
    """(header names, query names) of every apiKey scheme of the document's sources, nested too.

    Worked out once per loaded document (it never changes) and kept on it.
    """
    cached: tuple[frozenset[str], frozenset[str]] | None = getattr(document, "_api_key_names", None)
    if cached is not None:
        return cached
    from ..sources.security_schemes import secret_names

    headers: set[str] = set()
    query: set[str] = set()
    for source in _openapi_sources(document, set()):
        names = secret_names(source)
        headers |= {h.lower() for h in names.headers}
        query |= set(names.query)
    found = (frozenset(headers), frozenset(query))
    with contextlib.suppress(AttributeError):  # not a loaded Document: recompute next time
        document._api_key_names = found
    return found


def _openapi_sources(document: Any, seen: set[int]) -> Iterable[Any]:
    from ..sources.openapi import OpenApiSource

    if id(document) in seen:
        return
    seen.add(id(document))
    for source in getattr(document, "sources", {}).values():
        if isinstance(source, OpenApiSource):
            yield source
        else:
            yield from _openapi_sources(source, seen)
