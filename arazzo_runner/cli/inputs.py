"""Workflow inputs from the command line: ``--inputs FILE|JSON`` and ``-i NAME=VALUE``.

Sources apply in order, later ones override earlier ones: a replayed recording's inputs
(``--replay``), every ``--inputs`` (a JSON or YAML file, or inline JSON), then every ``-i``. An ``-i`` value is parsed as JSON when it is valid
JSON (``-i count=3`` is a number, ``-i tags='["a"]'`` a list), else kept as a string; a dotted
name sets a nested field (``-i config.mode=fast``).
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

from ..errors import UsageError

#: Deepest nesting an input value may have (as answers: deeper is refused, not a crash later on).
MAX_INPUT_DEPTH = 100


def _too_deep(value: Any, limit: int = MAX_INPUT_DEPTH) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def _json(text: str, what: str) -> Any:
    """``json.loads`` for a command-line value: invalid or too deeply nested JSON is a usage error."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise UsageError(f"{what}: JSON nested deeper than {MAX_INPUT_DEPTH} levels") from None
    except ValueError as exc:
        raise UsageError(f"{what}: inline JSON is invalid: {exc}") from None
    if _too_deep(data):
        raise UsageError(f"{what}: JSON nested deeper than {MAX_INPUT_DEPTH} levels")
    return data


def load_inputs_argument(value: str) -> dict[str, Any]:
    """One ``--inputs`` value: a JSON/YAML file or inline JSON object (:class:`UsageError` otherwise)."""
    text = value.strip()
    if text.startswith("{"):
        data = _json(text, "--inputs")
    else:
        if not os.path.exists(value):
            raise UsageError(f"--inputs: no such file {value!r} (give a JSON/YAML file or inline JSON)")
        from ..yaml12 import YamlReadError, read_file

        try:
            data = read_file(value).data
        except YamlReadError as exc:
            raise UsageError("--inputs: " + "; ".join(str(p) for p in exc.problems)) from None
    if not isinstance(data, dict):
        raise UsageError(f"--inputs {value!r}: expected an object of input names to values")
    if _too_deep(data):
        raise UsageError(f"--inputs {value!r}: nested deeper than {MAX_INPUT_DEPTH} levels")
    return data


def _parse_value(text: str, name: str = "") -> Any:
    try:
        return _json(text, f"-i {name}")
    except UsageError as exc:
        if "nested deeper" in str(exc):
            raise
        return text


def _set_dotted(target: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    node = target
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


def collect_inputs(
    files: list[str] | None, pairs: list[str] | None, base: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Merge ``base`` (a replayed recording's inputs), then ``--inputs`` and ``-i`` in order.

    Raises :class:`UsageError` on malformed ones.
    """
    inputs: dict[str, Any] = copy.deepcopy(dict(base or {}))
    for value in files or ():
        inputs.update(load_inputs_argument(value))
    problems = []
    for pair in pairs or ():
        name, sep, raw = pair.partition("=")
        if not sep or not name:
            problems.append(f"-i {pair!r}: expected NAME=VALUE")
            continue
        _set_dotted(inputs, name, _parse_value(raw, name))
    if problems:
        raise UsageError("; ".join(problems))
    return inputs


def quoting_hints(pairs: list[str] | None, schema: Any) -> list[str]:
    """How to pass as a string an ``-i`` value that was read as JSON (``-i count=5`` is a number).

    Only for top-level inputs whose schema says ``type: string``.
    """
    properties = schema.get("properties") if isinstance(schema, Mapping) else None
    hints = []
    for pair in pairs or ():
        name, sep, raw = pair.partition("=")
        if not sep or "." in name or isinstance(_parse_value(raw), str):
            continue
        prop = properties.get(name) if isinstance(properties, Mapping) else None
        if isinstance(prop, Mapping) and prop.get("type") == "string":
            hints.append(f"-i '{name}=\"{raw}\"'")
    return hints
