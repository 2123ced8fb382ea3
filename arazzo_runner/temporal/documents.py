"""Documents as workers see them: loaded once per process, checked against the run's fingerprint.

A run names its document by path; every worker must read the same document there (a shared
checkout, the same container image). The fingerprint the client took when it submitted the run
is compared with the worker's copy, so a worker with another version refuses the run instead of
running steps that no longer mean what they meant.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from ..document.resolved import Document
from ..engine.snapshot import SnapshotError, differences, fingerprint

_CACHE: dict[tuple[Any, ...], Document] = {}
_LOCK = threading.Lock()


def load_document(
    location: str,
    *,
    source_map: Mapping[str, str] | None = None,
    allow_remote: bool = False,
    expected: Mapping[str, str] | None = None,
    network_policy: Any = None,
) -> Document:
    """The document at ``location`` (cached per process); raises :class:`SnapshotError` on a mismatch.

    ``network_policy``: the run's, which its remote sources (``allow_remote``) are fetched under."""
    rules = None
    if allow_remote and network_policy is not None:
        rules = (network_policy.allow_hosts, network_policy.deny_hosts, network_policy.deny_private_networks)
    key = (location, tuple(sorted((source_map or {}).items())), allow_remote, rules)
    document = _CACHE.get(key)
    if document is None:
        with _LOCK:
            document = _CACHE.get(key)
            if document is None:
                from ..document.loader import load

                document = _CACHE[key] = load(
                    location, allow_remote=allow_remote, source_map=source_map, network_policy=network_policy
                )
    if expected is not None:
        changes = differences(dict(expected), fingerprint(document))
        if changes:
            raise SnapshotError(
                f"this worker's copy of {location} differs from the one the run was submitted with: "
                + "; ".join(changes[:5])
            )
    return document
