"""Keep secrets out of events, logs, errors and ``--dry-run`` output.

Anything that shows a request or a response to a person goes through :func:`redacted_headers`
and :func:`redacted_url` (plain text in and out: the engine core uses them too). httpx's own ``Headers`` repr hides ``Authorization`` but not
``X-Amz-Security-Token``, cookies or API keys, so never print ``request.headers`` directly.

Besides the fixed lists below, the names a source's ``apiKey`` schemes declare are secrets too:
``security.secret_names(source)`` gives them, pass them as ``extra`` (headers, query parameters).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

REDACTED = "[redacted]"

#: Header names whose values are credentials (lower case).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-amz-security-token",
        "cookie",
        "set-cookie",
        "x-api-key",
        "api-key",
        "apikey",
    }
)

#: Query parameter names whose values are credentials (lower case): presigned AWS URLs, common API keys.
SECRET_QUERY_PARAMS = frozenset(
    {
        "x-amz-signature",
        "x-amz-credential",
        "x-amz-security-token",
        "access_token",
        "api_key",
        "apikey",
        "api-key",
        "token",
        "client_secret",
    }
)


def redacted_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], extra: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """``(name, value)`` pairs with secret values replaced; ``extra`` adds names (apiKey headers)."""
    secret = SECRET_HEADERS | {name.lower() for name in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(name, REDACTED if name.lower() in secret else value) for name, value in items]


def redacted_url(url: Any, extra: Iterable[str] = ()) -> str:
    """``url`` with the values of secret query parameters replaced; ``extra`` adds names (apiKey in query).

    The rest of the URL is kept as sent (percent-encoding unchanged), so it still shows exactly
    what went on the wire; user info (``https://user:pass@host``) is dropped.
    """
    split = urlsplit(str(url))  # an httpx.URL's text is already normalised and percent-encoded
    secret = SECRET_QUERY_PARAMS | {name.lower() for name in extra}
    parts = []
    for part in split.query.split("&") if split.query else []:
        name = part.split("=", 1)[0]
        parts.append(f"{name}={REDACTED}" if unquote(name).lower() in secret else part)
    host = split.netloc.rpartition("@")[2]
    shown = f"{split.scheme}://{host}{split.path or '/'}" if split.scheme else split.path
    return shown + ("?" + "&".join(parts) if parts else "") + (f"#{split.fragment}" if split.fragment else "")
