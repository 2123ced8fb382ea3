"""What an OpenAPI description says about its security schemes, read without any HTTP machinery.

The HTTP layer builds auth from these; redaction (in the engine core too) needs the apiKey
names, which is why this lives with the sources and not in :mod:`arazzo_runner.http`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .description import plain
from .openapi import OpenApiSource


def security_schemes(source: OpenApiSource) -> dict[str, dict[str, Any]]:
    """``components.securitySchemes`` with ``$ref``s resolved."""
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
