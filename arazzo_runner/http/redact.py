"""Secrets out of output: the rules live in :mod:`arazzo_runner.redact` (the core uses them too)."""

from __future__ import annotations

from ..redact import REDACTED, SECRET_HEADERS, SECRET_QUERY_PARAMS, redacted_headers, redacted_url

__all__ = ["REDACTED", "SECRET_HEADERS", "SECRET_QUERY_PARAMS", "redacted_headers", "redacted_url"]
