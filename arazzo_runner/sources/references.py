"""Check every ``$ref`` of an OpenAPI description at load time, so none fails mid-run.

openapi-core resolves ``$ref``s lazily, when a request first needs them: an unresolvable one
(a missing file, a pointer to nothing, ``file:///etc/passwd``, a target outside the document's
folder) used to end a run with exit 70 after ``arazzo validate`` had said "valid". Here each
reference is followed once, through the same fetcher (remote policy, source map, folder
confinement, regular files only), and each failure is a located problem: file, line, pointer
(an error, except a remote reference without ``--allow-remote``: a warning, since only a request
that needs it fails).
Referenced files are checked in turn, each once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..errors import Problem, Severity
from ..yaml12 import ParsedFile, YamlReadError, escape_token, follow_tokens
from .fetch import SourceFetcher, resolve_reference

#: Most ``$ref``s followed per source (a generated description has a few thousand).
MAX_REFERENCES = 100_000


def reference_problems(file: ParsedFile, location: str, fetcher: SourceFetcher) -> list[Problem]:
    """Problems with the ``$ref``s of ``file`` (at ``location``) and of the files they name."""
    problems: list[Problem] = []
    pending = [(file, location)]
    checked = {location}
    followed = 0
    while pending:
        parsed, where = pending.pop()
        for pointer, ref in _references(parsed.data):
            followed += 1
            if followed > MAX_REFERENCES:
                problems.append(
                    Problem(f"more than {MAX_REFERENCES} $refs; not checking further", parsed.locate(pointer))
                )
                return problems
            target, _, fragment = ref.partition("#")
            located = parsed.locate(f"{pointer}/$ref")
            data: Any = parsed.data
            if target:
                resolved = resolve_reference(target, where)
                try:
                    referenced = fetcher.fetch(resolved)
                except YamlReadError as exc:
                    first = exc.problems[0]
                    # A remote $ref without --allow-remote is only a problem if a request needs it.
                    severity = Severity.WARNING if first.code == "remote-refused" else Severity.ERROR
                    problems.append(
                        Problem(f"$ref {ref!r} cannot be read: {first.message}", located, severity, code="ref")
                    )
                    continue
                data = referenced.data
                if resolved not in checked:
                    checked.add(resolved)
                    pending.append((referenced, resolved))
            if fragment.startswith("/") and not _resolves(data, fragment):
                problems.append(
                    Problem(f"$ref {ref!r} does not resolve: nothing at {fragment}", located, code="ref")
                )
            elif fragment and not fragment.startswith("/"):
                continue  # a named anchor ($anchor/$id): left to the schema library
    return problems


def _references(data: Any) -> Iterator[tuple[str, str]]:
    """``(pointer of the object, $ref value)`` for every ``$ref`` in ``data`` (iterative walk)."""
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        pointer, value = stack.pop()
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str):
                yield pointer, ref
            for key, child in value.items():
                if isinstance(child, dict | list):
                    stack.append((f"{pointer}/{escape_token(key)}", child))
        elif isinstance(value, list):
            for index, child in enumerate(value):
                if isinstance(child, dict | list):
                    stack.append((f"{pointer}/{index}", child))


def _resolves(data: Any, fragment: str) -> bool:
    from urllib.parse import unquote

    tokens = (unquote(raw).replace("~1", "/").replace("~0", "~") for raw in fragment.split("/")[1:])
    absent = object()
    return follow_tokens(data, tokens, absent) is not absent
