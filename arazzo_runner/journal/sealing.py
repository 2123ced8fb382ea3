"""Secrets never reach the journal: secret input values are sealed out of a snapshot and put back on resume.

A snapshot holds the run's inputs and everything derived from them (step outputs, the request in
flight). Inputs marked secret (``format: password``, ``writeOnly``, a secret-like name: see
:func:`arazzo_runner.engine.inputs.secret_input_names`) are replaced, wherever their values occur
(whole values, or inside strings such as a URL or a header value), by a placeholder naming the
input; the journal lists those inputs as "must be supplied again". :func:`unseal` puts the values
given to ``resume`` back. Credentials (AWS keys, ``ARAZZO_*`` security credentials) are applied by
the driver when it signs a request and are never part of a snapshot in the first place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

#: A sealed value inside a string: NUL, "arazzo-secret:", index, NUL (never in real text).
_MARK = "\x00arazzo-secret:{}\x00"
_MARKED = re.compile("\x00arazzo-secret:(\\d+)\x00")
#: A sealed non-string value (an input given as a number).
_WHOLE = "$arazzoSecret"


class SecretInputsMissing(UsageError):
    """``resume`` of a run with secret inputs that were not given again."""


class Sealer:
    """Seals the values of ``names`` (taken from ``inputs``) out of JSON values, and back."""

    def __init__(self, names: list[str], inputs: Mapping[str, Any]) -> None:
        self.names = sorted(n for n in names if n in inputs)
        self._values = {n: inputs[n] for n in self.names}
        strings = sorted(
            ((str(v), i) for i, v in enumerate(self._values[n] for n in self.names) if isinstance(v, str) and v),
            key=lambda item: -len(item[0]),
        )
        self._index = {text: i for text, i in strings}
        self._pattern = re.compile("|".join(re.escape(text) for text, _ in strings)) if strings else None

    def seal(self, value: Any, *, input_keys: bool = False) -> Any:
        """``value`` with every secret replaced by its placeholder (``input_keys``: a dict of inputs)."""
        if not self.names:
            return value
        if isinstance(value, str):
            if self._pattern is None:
                return value
            return self._pattern.sub(lambda m: _MARK.format(self._index[m.group(0)]), value)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if input_keys and key in self._values and not isinstance(item, str):
                    out[key] = {_WHOLE: self.names.index(key)}
                else:
                    out[key] = self.seal(item, input_keys=key in ("inputs",))
            return out
        if isinstance(value, list | tuple):  # a tuple is a JSON array too (the state is encoded unconverted)
            return [self.seal(item) for item in value]
        return value


def unseal(value: Any, names: list[str], given: Mapping[str, Any]) -> Any:
    """Put the secret inputs ``given`` back into a sealed value; refuses when one is missing."""
    missing = [n for n in names if n not in given]
    if missing:
        flags = " ".join(f"-i {n}=..." for n in missing)
        raise SecretInputsMissing(
            f"this run has secret input{'s' if len(missing) > 1 else ''} {', '.join(missing)} that the journal"
            f" does not keep: give {'them' if len(missing) > 1 else 'it'} again as for `arazzo run`"
            f" ({flags}, or --inputs FILE)"
        )
    values = [given[n] for n in names]

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            if "\x00" not in item:
                return item
            return _MARKED.sub(lambda m: str(values[int(m.group(1))]), item)
        if isinstance(item, dict):
            if len(item) == 1 and _WHOLE in item:
                return values[item[_WHOLE]]
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        return item

    return walk(value)
