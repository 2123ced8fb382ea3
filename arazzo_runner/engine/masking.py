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

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shorter values would mask unrelated text; such "secrets" are not secret anyway.
MIN_SECRET_LENGTH = 4
#: Most values one masker holds: masking costs a scan per value, and credentials do not multiply
#: (a token rotating on every request would otherwise slow every event of a long poll loop).
MAX_LEARNED = 256


def encodings(value: str) -> dict[str, str]:
    """``value`` as a request may carry it: ``{encoding: text}`` for every spelling that differs
    from the value itself (percent-encoded in a path, in a query or form ``+`` style, escaped
    inside a JSON string). A secret is masked, and kept out of the journal, in each of them."""
    found = {
        "url": quote(value, safe=""),
        "urlpath": quote(value, safe="/"),
        "urlplus": quote_plus(value),
        "json": json.dumps(value)[1:-1],
        "jsonu": json.dumps(value, ensure_ascii=False)[1:-1],
    }
    return {name: text for name, text in found.items() if text != value}


def spellings(values: Iterable[str]) -> set[str]:
    """Every value and its :func:`encodings`, long enough to mask."""
    found: set[str] = set()
    for value in values:
        if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH:
            found.add(value)
            found.update(encodings(value).values())
    return found


@dataclass(slots=True, eq=False)
class Masker:
    """One run's secrets. Not frozen: :meth:`learn` adds credentials as requests are sent."""

    names: frozenset[str] = frozenset()
    values: tuple[str, ...] = ()
    #: The values learned from requests as sent (credentials, not inputs), in every spelling:
    #: the journal scrubs these out (secret inputs are sealed there instead, to be put back).
    learned: tuple[str, ...] = ()

    def learn(self, values: Iterable[str]) -> None:
        """Mask these values too from now on, in every spelling (:func:`encodings`; longest
        first, so no secret is half-masked)."""
        new = spellings(values) - set(self.values)
        if new and len(self.values) < MAX_LEARNED:
            self.values = tuple(sorted({*self.values, *new}, key=len, reverse=True))
            self.learned = tuple(sorted({*self.learned, *new}, key=len, reverse=True))

    @classmethod
    def for_inputs(
        cls, names: Iterable[str], inputs: Mapping[str, Any], values: Iterable[Any] | None = None
    ) -> Masker:
        """Masks the inputs ``names`` (under their names) and their values, in every spelling;
        ``values``: the secret values themselves when they are not the whole inputs (nested
        ``format: password`` members: :func:`arazzo_runner.engine.inputs.secret_input_values`)."""
        names = frozenset(names)
        if values is None:
            values = [inputs[n] for n in names if n in inputs]
        texts = {str(v) for v in values if isinstance(v, str | int | float) and not isinstance(v, bool)} - {""}
        return cls(names, tuple(sorted(spellings(texts), key=len, reverse=True)))

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
