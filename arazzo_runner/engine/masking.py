"""Masking secret input values out of everything a run reports.

Inputs named like secrets or declared ``format: password`` / ``writeOnly`` are secrets. Their
values are replaced by ``***`` wherever they appear in events, step outputs shown to people and
error messages: as whole values, inside strings (a URL, an ``Authorization`` value) and under
their own input names. Header credentials are redacted separately (``http.redacted_headers``).

Credentials that are not inputs (an API key or bearer token from ``ARAZZO_*`` variables, an
OAuth2 access token, an AWS session token) are learned as they are sent (:meth:`Masker.learn`,
fed by :meth:`Redactor.learn_request`), so a server that reflects one finds it masked by value
in every event, output, error message and recording, not only under its header name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MASK = "***"
#: Shorter values would mask unrelated text; such "secrets" are not secret anyway.
MIN_SECRET_LENGTH = 4
#: Most values one masker holds: masking costs a scan per value, and credentials do not multiply
#: (a token rotating on every request would otherwise slow every event of a long poll loop).
MAX_LEARNED = 256


@dataclass(slots=True, eq=False)
class Masker:
    """One run's secrets. Not frozen: :meth:`learn` adds credentials as requests are sent."""

    names: frozenset[str] = frozenset()
    values: tuple[str, ...] = ()

    def learn(self, values: Iterable[str]) -> None:
        """Mask these values too from now on (longest first, so no secret is half-masked)."""
        new = {v for v in values if isinstance(v, str) and len(v) >= MIN_SECRET_LENGTH} - set(self.values)
        if new and len(self.values) < MAX_LEARNED:
            self.values = tuple(sorted({*self.values, *new}, key=len, reverse=True))

    @classmethod
    def for_inputs(cls, names: Iterable[str], inputs: Mapping[str, Any]) -> Masker:
        names = frozenset(names)
        values = sorted(
            {str(inputs[n]) for n in names if n in inputs and isinstance(inputs[n], str | int | float)}
            - {""},
            key=len,
            reverse=True,
        )
        return cls(names, tuple(v for v in values if len(v) >= MIN_SECRET_LENGTH))

    def text(self, value: str) -> str:
        for secret in self.values:
            if secret in value:
                value = value.replace(secret, MASK)
        return value

    def mask(self, value: Any) -> Any:
        if not self.values and not self.names:
            return value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: (MASK if k in self.names else self.mask(v)) for k, v in value.items()}
        if isinstance(value, tuple):
            return tuple(self.mask(v) for v in value)
        if isinstance(value, list):
            return [self.mask(v) for v in value]
        return value
