"""What ``$sourceDescriptions.*`` and ``$components.*`` evaluate to at run time.

The spec defines both as references into the document, so they evaluate to what they name:

* ``$sourceDescriptions.<name>.<reference>``: the operation with that operationId (OpenAPI
  source) or the workflow with that workflowId (Arazzo source) first, else a field of the
  Source Description Object (``url``, ``name``, ``type``) — the 1.1 priority rule (checklist A7),
  which 1.0.1 documents use too. An operation is the Operation Object as written, with
  ``method``, ``path`` and ``operationId`` added; a workflow is the Workflow Object as written.
* ``$components.<kind>.<name>``: the component as written (a parameter's ``name``/``in``/
  ``value``, an action, an inputs schema).

Values are plain data, read lazily and cached per document (one Document serves many runs).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from typing import Any

from ..sources.openapi import OpenApiSource
from .resolved import Document

_CACHE: weakref.WeakKeyDictionary[Document, tuple[Mapping[str, Any], Mapping[str, Any]]] = (
    weakref.WeakKeyDictionary()
)
_COMPONENT_KINDS = ("parameters", "successActions", "failureActions", "inputs")


class _SourceMembers(Mapping[str, Any]):
    """The members of one source description, resolved on first look-up."""

    def __init__(self, document: Document, name: str, fields: Mapping[str, Any]) -> None:
        self._document = document
        self._name = name
        self._fields = fields
        self._found: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._found:
            self._found[key] = self._resolve(key)
        value = self._found[key]
        if value is _ABSENT:
            raise KeyError(key)
        return value

    def _resolve(self, key: str) -> Any:
        source = self._document.sources.get(self._name)
        if isinstance(source, OpenApiSource):
            operations = source.operations_by_id(key)
            if len(operations) == 1:
                op = operations[0]
                return {**op.data, "operationId": key, "method": op.method, "path": op.path}
        elif isinstance(source, Document):
            workflow = source.workflow(key)
            if workflow is not None and source.spec.file is not None:
                raw = source.spec.file.data.get("workflows") or []
                return next(
                    (w for w in raw if isinstance(w, Mapping) and w.get("workflowId") == key), _ABSENT
                )
        return self._fields.get(key, _ABSENT)

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


_ABSENT = object()


def expression_values(document: Document) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """``(source_descriptions, components)`` for an :class:`~arazzo_runner.expressions.EvaluationContext`."""
    cached = _CACHE.get(document)
    if cached is not None:
        return cached
    raw = document.spec.file.data if document.spec.file is not None else {}
    raw_sources = {s.get("name"): s for s in raw.get("sourceDescriptions") or () if isinstance(s, Mapping)}
    sources = {
        s.name: _SourceMembers(
            document, s.name, {"url": s.url, "name": s.name, "type": s.type, **raw_sources.get(s.name, {})}
        )
        for s in document.spec.source_descriptions
    }
    found = raw.get("components")
    raw_components: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    components = {
        kind: dict(raw_components.get(kind) or {}) if isinstance(raw_components.get(kind), Mapping) else {}
        for kind in _COMPONENT_KINDS
    }
    _CACHE[document] = (sources, components)
    return sources, components
