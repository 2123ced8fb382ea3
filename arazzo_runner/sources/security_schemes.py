"""What an OpenAPI description says about its security schemes, read without any HTTP machinery.

The HTTP layer builds auth from these; redaction (in the engine core too) needs the apiKey
names, which is why this lives with the sources and not in :mod:`arazzo_runner.http`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .description import plain
from .openapi import OpenApiSource


def security_schemes(source: OpenApiSource) -> dict[str, dict[str, Any]]:
    """``components.securitySchemes`` with ``$ref``s resolved.

    Without any ``$ref`` in them (the usual case) they are read from the parsed file as they are
    (:meth:`OpenApiSource.parsed_node`)."""
    schemes = source.parsed_node("components", "securitySchemes")
    if schemes is None:
        return {}
    if isinstance(schemes, Mapping) and not _has_ref(schemes):
        return {str(name): plain(scheme) for name, scheme in schemes.items()}
    return _resolved_security_schemes(source)


def _has_ref(value: Any) -> bool:
    if isinstance(value, Mapping):
        return "$ref" in value or any(_has_ref(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(_has_ref(v) for v in value)
    return False


def _resolved_security_schemes(source: OpenApiSource) -> dict[str, dict[str, Any]]:
    components = source.spec / "components"
    if "components" not in source.spec or "securitySchemes" not in components:
        return {}
    found: dict[str, dict[str, Any]] = {}
    schemes = components / "securitySchemes"
    with schemes.open() as names:
        keys = [str(k) for k in names]
    for name in keys:
        with (schemes / name).open() as data:
            found[name] = plain(data)
    return found


@dataclass(frozen=True)
class SecretNames:
    """Parameter names whose values are credentials in a source (from its apiKey schemes)."""

    headers: frozenset[str] = frozenset()
    query: frozenset[str] = frozenset()
    cookies: frozenset[str] = frozenset()


def secret_names(source: OpenApiSource) -> SecretNames:
    """The header, query and cookie names of every apiKey scheme of ``source`` (for redaction)."""
    found: dict[str, set[str]] = {"header": set(), "query": set(), "cookie": set()}
    for scheme in security_schemes(source).values():
        name, location = scheme.get("name"), scheme.get("in")
        if scheme.get("type") == "apiKey" and isinstance(name, str) and location in found:
            found[location].add(name)
    return SecretNames(
        frozenset(n.lower() for n in found["header"]), frozenset(found["query"]), frozenset(found["cookie"])
    )
