"""The one place that reaches into httpx's and httpcore's private internals.

Two speed and safety measures need what neither library exposes:

* :func:`transport_for_url`: ``Client._transport_for_url`` (the transport a client would use for a
  URL, its mounts included), so :mod:`.client_send` can hand a request to the transport without
  ``Client.send``'s per-request machinery;
* :func:`wrap_network_backends`: each connection pool's ``_network_backend`` (httpcore keeps it
  there; httpx offers no ``network_backend`` option), so :mod:`.retry_loop` can cap every socket
  read and write at the time an exchange has left.

Both degrade instead of failing: without the internal, the first answers ``None`` (callers then go
through ``Client.send``) and the second wraps nothing (the between-chunks check still bounds the
exchange). :data:`WRITTEN_FOR` names the versions this was written against;
``tests/unit/http/test_httpx_internals.py`` fails on any other, so that an upgrade of httpx or
httpcore is a decision someone checks here, not a silent fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpcore
import httpx

#: Version prefixes (``major.minor.``) of the libraries whose internals this module was written for.
WRITTEN_FOR = {"httpx": "0.28.", "httpcore": "1.0."}


def transport_for_url(client: httpx.Client | httpx.AsyncClient, url: httpx.URL) -> Any | None:
    """The transport ``client`` would send a request for ``url`` through, or None when this httpx
    does not say (then use ``client.send``)."""
    pick = getattr(client, "_transport_for_url", None)
    return pick(url) if pick is not None else None


def has_transport_for_url(client: httpx.Client | httpx.AsyncClient) -> bool:
    return hasattr(client, "_transport_for_url")


def wrap_network_backends(
    client: httpx.Client, wrap: Callable[[httpcore.NetworkBackend], httpcore.NetworkBackend], wrapped: type
) -> int:
    """Replace the network backend of every connection pool of ``client`` (its default transport
    and its mounts) by ``wrap(backend)``, unless it already is a ``wrapped``; how many were wrapped."""
    count = 0
    mounts: dict[Any, Any] = getattr(client, "_mounts", {})
    for transport in [getattr(client, "_transport", None), *mounts.values()]:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if backend is not None and not isinstance(backend, wrapped):
            pool._network_backend = wrap(backend)  # type: ignore[union-attr]
            count += 1
    return count
