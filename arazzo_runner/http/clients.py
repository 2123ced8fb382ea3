"""The HTTP clients a run makes when the caller passes none.

Async runs use the lean keep-alive transport (:mod:`.lean_transport`), which measured several times
httpcore's pool's throughput for fleets of concurrent runs (bench/RESULTS.md); sync runs keep plain
httpx. ``ARAZZO_HTTP_TRANSPORT=httpx`` switches async runs back to httpx's own transport (for
comparison, or if a server needs something the lean one does not do, such as HTTP/2).
"""

from __future__ import annotations

import os
from typing import Any

import httpx

from .lean_transport import LeanAsyncTransport

TRANSPORT_VARIABLE = "ARAZZO_HTTP_TRANSPORT"
ASYNC_TRANSPORTS = ("lean", "httpx")


def async_transport_name(environ: Any = None) -> str:
    """Which transport new async clients use: ``lean`` unless ``ARAZZO_HTTP_TRANSPORT`` says ``httpx``."""
    value = (environ if environ is not None else os.environ).get(TRANSPORT_VARIABLE, "lean").strip().lower()
    return value if value in ASYNC_TRANSPORTS else "lean"


def new_async_client(timeout: httpx.Timeout, *, max_connections: int = 100) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for a run (or a fleet of runs) over the chosen transport."""
    if async_transport_name() == "httpx":
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        return httpx.AsyncClient(timeout=timeout, limits=limits)
    return httpx.AsyncClient(timeout=timeout, transport=LeanAsyncTransport(max_connections=max_connections))
