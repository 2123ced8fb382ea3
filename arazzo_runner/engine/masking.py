"""Masking secret input values out of everything a run reports.

Inputs named like secrets or declared ``format: password`` / ``writeOnly`` are secrets. Their
values are replaced by ``***`` wherever they appear in events, step outputs shown to people and
error messages: as whole values, inside strings (a URL, an ``Authorization`` value) and under
their own input names. Header credentials are redacted separately (``http.redacted_headers``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MASK = "***"
#: Shorter values would mask unrelated text; such "secrets" are not secret anyway.
MIN_SECRET_LENGTH = 4


@dataclass(frozen=True, slots=True)
class Masker:
    names: frozenset[str] = frozenset()
    values: tuple[str, ...] = ()

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
