"""Keep secrets out of events, logs, errors and ``--dry-run`` output.

Anything that shows a request or a response to a person goes through :func:`redacted_headers`.
httpx's own ``Headers`` repr hides ``Authorization`` but not ``X-Amz-Security-Token``, cookies or
API keys, so never print ``request.headers`` directly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

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


def redacted_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], extra: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """``(name, value)`` pairs with secret values replaced; ``extra`` adds names (apiKey headers)."""
    secret = SECRET_HEADERS | {name.lower() for name in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    return [(name, REDACTED if name.lower() in secret else value) for name, value in items]
