"""The HTTP clients a run makes when the caller passes none.

Async runs use the lean keep-alive transport (:mod:`.lean_transport`, httptools framing), which measured
several times httpcore's pool's throughput for fleets of concurrent runs (bench/RESULTS.md); sync runs
keep plain httpx. ``ARAZZO_HTTP_TRANSPORT=lean-h11`` frames the lean transport with h11 instead (its
first framing, pure Python); ``ARAZZO_HTTP_TRANSPORT=httpx`` switches async runs back to httpx's own
transport (for comparison, or if a server needs something the lean one does not do, such as HTTP/2).
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from typing import Any

import httpx

from .lean_transport import Framing, LeanAsyncTransport

TRANSPORT_VARIABLE = "ARAZZO_HTTP_TRANSPORT"
#: The lean transport's framing for each of its names (``httpx`` is httpx's own transport).
LEAN_FRAMINGS: dict[str, Framing] = {"lean": "httptools", "lean-h11": "h11"}
ASYNC_TRANSPORTS = (*LEAN_FRAMINGS, "httpx")


def async_transport_name(environ: Any = None) -> str:
    """Which transport new async clients use: ``lean`` unless ``ARAZZO_HTTP_TRANSPORT`` says
    ``lean-h11`` or ``httpx``."""
    value = (environ if environ is not None else os.environ).get(TRANSPORT_VARIABLE, "lean").strip().lower()
    return value if value in ASYNC_TRANSPORTS else "lean"


def new_async_client(
    timeout: httpx.Timeout,
    *,
    max_connections: int = 100,
    tls_by_host: Mapping[str, ssl.SSLContext] | None = None,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` for a run (or a fleet of runs) over the chosen transport.

    ``tls_by_host``: a TLS context (with a client certificate, for mutual TLS) for ``https://host``
    only, mounted as a transport of the same kind (``--client-cert``).
    """
    name = async_transport_name()
    if name == "httpx":
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        mounts: dict[str, httpx.AsyncBaseTransport] = {
            f"https://{host}": httpx.AsyncHTTPTransport(verify=context, limits=limits)
            for host, context in (tls_by_host or {}).items()
        }
        return httpx.AsyncClient(timeout=timeout, limits=limits, mounts=mounts or None)
    framing = LEAN_FRAMINGS[name]
    mounts = {
        f"https://{host}": LeanAsyncTransport(
            max_connections=max_connections, verify=context, framing=framing
        )
        for host, context in (tls_by_host or {}).items()
    }
    transport = LeanAsyncTransport(max_connections=max_connections, framing=framing)
    return httpx.AsyncClient(timeout=timeout, transport=transport, mounts=mounts or None)
