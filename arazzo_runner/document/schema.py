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

from ..errors import Problem, did_you_mean
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
        subs = _branch_meant(error.instance, error.validator_value, list(error.context))
        if all(s.validator == "required" for s in subs):
            names = sorted({(_QUOTED.findall(s.message) or ["?"])[0] for s in subs})
            listed = ", ".join(names)
            instance = error.instance if isinstance(error.instance, dict) else {}
            what = f"a {instance['type']!r} action: " if isinstance(instance.get("type"), str) else ""
            if "is valid under each of" in error.message:
                return [(pointer, f"{what}only one of {listed} may be given", False)]
            if len(names) == 1:
                return [(pointer, f"{what}missing required field {names[0]!r}", False)]
            return [(pointer, f"{what}exactly one of {listed} is required", False)]
        from jsonschema.exceptions import best_match

        return _describe(best_match(subs))
    if validator == "oneOf" and "is valid under each of" in error.message:
        return [(pointer, "matches more than one allowed shape (ambiguous object)", False)]
    if validator == "pattern":
        return [(pointer, f"{error.instance!r} does not match {error.validator_value!r}", False)]
    if validator == "enum":
        allowed = ", ".join(repr(v) for v in error.validator_value)
        hint = ""
        if isinstance(error.instance, str):
            hint = did_you_mean(error.instance, [v for v in error.validator_value if isinstance(v, str)])
        return [(pointer, f"{error.instance!r} is not one of {allowed}{hint}", False)]
    if validator == "dependentRequired":
        return [(pointer, _dependent_required(error), False)]
    if validator == "type":
        return [(pointer, f"expected {error.validator_value}, got {_json_type(error.instance)}", False)]
    if validator == "minItems":
        return [(pointer, f"must have at least {error.validator_value} item(s)", False)]
    if validator == "uniqueItems":
        return [(pointer, "items must be unique", False)]
    return [(pointer, error.message, False)]


def _branch_meant(instance: Any, branches: Any, subs: list[Any]) -> list[Any]:
    """The errors of the ``oneOf`` branch the author meant: discriminate by ``reference`` first.

    Actions, parameters and inputs may be a Reusable Object (``reference``) or the object
    itself. jsonschema's best match then tends to say "missing required field 'reference'" for
    a malformed action; an object without ``reference`` is the object itself, so its own
    branch's errors are the ones to show (and the Reusable branch's when it has one).
    """
    if not isinstance(instance, dict) or not isinstance(branches, list):
        return subs
    reusable = {
        i
        for i, branch in enumerate(branches)
        if isinstance(branch, dict) and str(branch.get("$ref", "")).endswith("/reusable-object")
    }
    if not reusable:
        return subs
    wanted = [
        s
        for s in subs
        if s.relative_schema_path and (s.relative_schema_path[0] in reusable) == ("reference" in instance)
    ]
    return wanted or subs


def _dependent_required(error: Any) -> str:
    """'context' is a dependency of 'type', said for the object at hand."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    for key, needed in (error.validator_value or {}).items():
        missing = [n for n in needed if n not in instance]
        if key in instance and missing:
            names = ", ".join(repr(n) for n in missing)
            if key == "type" and "context" in missing and "condition" in instance:
                return (
                    f"a {instance.get('type')!r} criterion needs {names}: the runtime expression its condition"
                    " applies to (e.g. $response.body)"
                )
            return f"missing field {names}: required when {key!r} is given"
    return str(error.message)


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
