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

from ..engine.masking import MIN_SECRET_LENGTH, encodings
from ..errors import UsageError

#: A sealed value inside a string: NUL, "arazzo-secret:", index, NUL (never in real text). A member
#: of an object input, or a value in another spelling, adds ``:pointer:encoding`` after the index.
_MARK = "\x00arazzo-secret:{}\x00"
_MARKED = re.compile("\x00arazzo-secret:(\\d+)(?::([^\x00]*):([a-z]+))?\x00")
#: A sealed non-string value (an input given as a number); ``_AT``: the member's JSON pointer.
_WHOLE = "$arazzoSecret"
_AT = "at"


def _pointer(path: tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _follow(value: Any, pointer: str) -> Any:
    for part in pointer.split("/")[1:] if pointer else ():
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def _spelled(value: Any, encoding: str) -> str:
    text = str(value)
    return text if encoding == "raw" else encodings(text).get(encoding, text)


class SecretInputsMissing(UsageError):
    """``resume`` of a run with secret inputs that were not given again."""


class Sealer:
    """Seals the values of ``names`` (taken from ``inputs``) out of JSON values, and back.

    ``paths``: where the secret scalars are (``(name, path inside the input)``,
    :func:`arazzo_runner.engine.inputs.secret_input_paths`); by default each input whole. Each
    is sealed in every spelling a request may give it (percent-encoded, JSON-escaped: the
    placeholder names the spelling, so :func:`unseal` puts back exactly what was there), and a
    number wherever it occurs as that number."""

    def __init__(
        self, names: list[str], inputs: Mapping[str, Any], paths: list[tuple[str, tuple[Any, ...]]] | None = None
    ) -> None:
        self.names = sorted(n for n in names if n in inputs)
        self._values = {n: inputs[n] for n in self.names}
        if paths is None:
            paths = [(n, ()) for n in self.names]
        spelled: dict[str, str] = {}
        self._numbers: dict[tuple[type, Any], dict[str, Any]] = {}
        for name, path in paths:
            if name not in self._values:
                continue
            index = self.names.index(name)
            try:
                value = self._values[name]
                for part in path:
                    value = value[part]
            except (KeyError, IndexError, TypeError):
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float) or value == "":
                continue
            pointer = _pointer(path)
            if not isinstance(value, str):
                marker: dict[str, Any] = {_WHOLE: index}
                if pointer:
                    marker[_AT] = pointer
                self._numbers.setdefault((type(value), value), marker)
            text = str(value)
            if len(text) < MIN_SECRET_LENGTH and not (isinstance(value, str) and not path):
                continue
            for encoding, form in [("raw", text), *encodings(text).items()]:
                if encoding == "raw" and not pointer:
                    spelled.setdefault(form, _MARK.format(index))
                else:
                    spelled.setdefault(form, f"\x00arazzo-secret:{index}:{pointer}:{encoding}\x00")
        self._marks = spelled
        ordered = sorted(spelled, key=len, reverse=True)
        self._pattern = re.compile("|".join(re.escape(text) for text in ordered)) if ordered else None

    def seal(self, value: Any, *, input_keys: bool = False) -> Any:
        """``value`` with every secret replaced by its placeholder (``input_keys``: a dict of inputs)."""
        if not self.names:
            return value
        if isinstance(value, str):
            if self._pattern is None:
                return value
            return self._pattern.sub(lambda m: self._marks[m.group(0)], value)
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
        if self._numbers and isinstance(value, int | float) and not isinstance(value, bool):
            marker = self._numbers.get((type(value), value))
            if marker is not None:
                return dict(marker)
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

    def put_back(match: re.Match[str]) -> str:
        value = values[int(match.group(1))]
        if match.group(3) is None:
            return str(value)
        return _spelled(_follow(value, match.group(2)), match.group(3))

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            if "\x00" not in item:
                return item
            return _MARKED.sub(put_back, item)
        if isinstance(item, dict):
            if _WHOLE in item and set(item) <= {_WHOLE, _AT}:
                return _follow(values[item[_WHOLE]], item.get(_AT, ""))
            return {k: walk(v) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        return item

    return walk(value)
