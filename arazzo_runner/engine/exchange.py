"""The current exchange as expressions see it, kept as plain data in the state.

``$url``, ``$method``, ``$statusCode``, ``$request.*``, ``$response.*`` and (Arazzo 1.1, after an
AsyncAPI receive) ``$message.*`` read the evaluation context; the state keeps the same values as
JSON (header pairs as sent and received), and the keys are :data:`.state.EXCHANGE_FIELDS`;
:func:`load_exchange` puts them into a context (after every answer, and after a restore).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ..expressions import MISSING, EvaluationContext
from ..expressions.values import MappedText
from .needs import Exchange, SendRequest


def header_map(pairs: Any) -> dict[str, str]:
    """Header pairs → lower-cased names, repeated headers joined with ", " (RFC 9110 5.3)."""
    found: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        found[key] = f"{found[key]}, {value}" if key in found else value
    return found


class HeaderPairs(Mapping[str, str]):
    """Header pairs as a case-insensitive mapping, folded only when an expression looks one up.

    The state keeps the pairs (plain data); most steps never read a header, so the fold is lazy.
    """

    __slots__ = ("_folded", "_pairs")

    def __init__(self, pairs: Any) -> None:
        self._pairs = pairs
        self._folded: dict[str, str] | None = None

    def _map(self) -> dict[str, str]:
        if self._folded is None:
            self._folded = header_map(self._pairs)
        return self._folded

    def __getitem__(self, name: str) -> str:
        return self._map()[name.lower()]

    def get(self, name: str, default: Any = None) -> Any:
        return self._map().get(name.lower(), default)

    def __iter__(self) -> Any:
        return iter(self._map())

    def __len__(self) -> int:
        return len(self._map())

    def __bool__(self) -> bool:
        return bool(self._pairs)


_NO_HEADERS = HeaderPairs(())
_NOTHING: Mapping[str, Any] = MappingProxyType({})


def load_exchange(ctx: EvaluationContext, values: Mapping[str, Any]) -> None:
    """Put the exchange ``values`` (keys: :data:`.state.EXCHANGE_FIELDS`) into ``ctx``; absent = no value."""
    get = values.get
    ctx.url = get("url", MISSING)
    ctx.method = get("method", MISSING)
    ctx.status_code = get("status_code", MISSING)
    ctx.request_body = get("request_body", MISSING)
    body = get("response_body", MISSING)
    view = get("response_view")
    if view is not None and (isinstance(body, str) or body in (b"", None)):
        body = MappedText(body or "", view)  # XML text that pointers and JSONPath read as its view
    ctx.response_body = body
    ctx.request_query = get("request_query") or _NOTHING
    ctx.request_path = get("request_path") or _NOTHING
    headers = get("request_headers")
    ctx.request_headers = HeaderPairs(headers) if headers else _NO_HEADERS
    headers = get("response_headers")
    ctx.response_headers = HeaderPairs(headers) if headers else _NO_HEADERS
    ctx.message_headers = get("message_headers") or _NOTHING
    ctx.message_payload = get("message_payload", MISSING)


def exchange_values(need: SendRequest, exchange: Exchange) -> dict[str, Any]:
    """What the state keeps of a request and its answer (keys: :data:`.state.EXCHANGE_FIELDS`)."""
    values: dict[str, Any] = {
        "request_path": {p.name: p.value for p in need.parameters if p.location == "path"}
    }
    if need.body is not None:
        values["request_body"] = need.payload
    request = exchange.request
    if request is not None:
        if need.body is not None:
            values["request_body"] = request.body
        values["url"] = request.url
        values["method"] = request.method
        values["request_headers"] = request.headers
        if "?" in request.url:
            values["request_query"] = dict(parse_qsl(urlsplit(request.url).query, keep_blank_values=True))
    response = exchange.response
    if response is not None:
        values["status_code"] = response.status_code
        values["response_headers"] = response.headers
        values["response_body"] = response.body
        if response.view is not None:
            values["response_view"] = response.view
    return values
