"""Validation of an Arazzo document against the (patched) JSON Schema of its version.

The ``arazzo`` field picks the schema: 1.0.x documents are held to the 1.0 schema, 1.1.x
documents to the 1.1 one (each patched where it conflicts with its specification text; the
conflicts are listed at the top of each file under ``schemas/``).

jsonschema does the validating; this module only turns its errors into located, readable
:class:`~arazzo_runner.errors.Problem` lines ("missing required field 'version'",
"unknown field 'foo'") instead of dumping schema paths at the user.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

from ..errors import Problem
from ..yaml12 import ParsedFile, escape_token, parse_text

#: The schema of each ``major.minor`` this runner reads.
SCHEMA_RESOURCES = {
    (1, 0): "arazzo-1.0-schema.patched.yaml",
    (1, 1): "arazzo-1.1-schema.patched.yaml",
}
SCHEMA_RESOURCE = SCHEMA_RESOURCES[(1, 0)]


@lru_cache(maxsize=len(SCHEMA_RESOURCES))
def _validator(version: tuple[int, int] = (1, 0)) -> Any:
    from jsonschema import Draft202012Validator

    resource = SCHEMA_RESOURCES[version]
    text = resources.files(__package__).joinpath("schemas", resource).read_text("utf-8")
    schema = parse_text(text, resource).data
    return Draft202012Validator(schema)


def _pointer(path: Any) -> str:
    return "".join(f"/{escape_token(p)}" for p in path)


_QUOTED = re.compile(r"'((?:[^'\\]|\\.)*)'")


def _describe(error: Any) -> list[tuple[str, str, bool]]:
    """(pointer, message, located-at-key) triples for one jsonschema error."""
    pointer = _pointer(error.absolute_path)
    validator = error.validator
    if validator == "required":
        names = _QUOTED.findall(error.message)
        name = names[0] if names else "?"
        return [(pointer, f"missing required field {name!r}", False)]
    if validator in ("unevaluatedProperties", "additionalProperties"):
        names = _QUOTED.findall(error.message.split("(", 1)[-1])
        if not names:
            return [(pointer, error.message, False)]
        return [(f"{pointer}/{escape_token(n)}", f"unknown field {n!r}", True) for n in names]
    if validator in ("oneOf", "anyOf") and error.context:
        subs = list(error.context)
        if all(s.validator == "required" for s in subs):
            names = sorted({(_QUOTED.findall(s.message) or ["?"])[0] for s in subs})
            listed = ", ".join(names)
            if "is valid under each of" in error.message:
                return [(pointer, f"only one of {listed} may be given", False)]
            return [(pointer, f"exactly one of {listed} is required", False)]
        from jsonschema.exceptions import best_match

        return _describe(best_match(subs))
    if validator == "oneOf" and "is valid under each of" in error.message:
        return [(pointer, "matches more than one allowed shape (ambiguous object)", False)]
    if validator == "pattern":
        return [(pointer, f"{error.instance!r} does not match {error.validator_value!r}", False)]
    if validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        return [(pointer, f"{error.instance!r} is not one of {allowed}", False)]
    if validator == "type":
        return [(pointer, f"expected {error.validator_value}, got {_json_type(error.instance)}", False)]
    if validator == "minItems":
        return [(pointer, f"must have at least {error.validator_value} item(s)", False)]
    if validator == "uniqueItems":
        return [(pointer, "items must be unique", False)]
    return [(pointer, error.message, False)]


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def validate_schema(parsed: ParsedFile, version: tuple[int, int] = (1, 0)) -> list[Problem]:
    """Every schema problem in the document, located, de-duplicated, in document order.

    ``version`` is the document's ``(major, minor)``, which picks the schema.
    """
    seen: set[tuple[str, str]] = set()
    problems: list[tuple[tuple[int, int], Problem]] = []
    for error in _validator(version).iter_errors(parsed.data):
        for pointer, message, at_key in _describe(error):
            if (pointer, message) in seen:
                continue
            seen.add((pointer, message))
            location = parsed.locate(pointer, key=at_key)
            order = (location.line or 0, location.column or 0)
            problems.append((order, Problem(message, location, code="schema")))
    problems.sort(key=lambda item: item[0])
    return [p for _, p in problems]
