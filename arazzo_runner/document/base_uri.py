"""Arazzo 1.1 base URIs: a document's ``$self`` and what relative references resolve against.

RFC 3986 §5.1: a ``$self`` in the document is its base URI (resolved first against the retrieval
URI when it is itself relative); without one, the retrieval URI is. Local files are identified by
their ``file:`` URI, so ``$self: workflows/x.yaml`` in ``/a/b/doc.yaml`` is
``file:///a/b/workflows/x.yaml``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urljoin, urlsplit


def retrieval_uri(location: str) -> str:
    """The URI a document was read from: a URL as is, a local path as a ``file:`` URI."""
    if urlsplit(location).scheme in ("http", "https", "file"):
        return location
    return Path(os.path.abspath(location)).as_uri()


def resolve_self(self_ref: str | None, location: str) -> str | None:
    """The document's ``$self`` as an absolute URI (None when the document has none)."""
    if self_ref is None:
        return None
    return urljoin(retrieval_uri(location), self_ref)


def base_uri(self_ref: str | None, location: str) -> str:
    """What the document's relative references resolve against: ``$self``, else where it was read."""
    return resolve_self(self_ref, location) or retrieval_uri(location)
