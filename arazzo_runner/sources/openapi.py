"""OpenAPI 3.0 / 3.1 source descriptions and their operation index.

The description is opened as a :class:`jsonschema_path.SchemaPath` (openapi-core's own spec type,
which follows ``$ref`` across files) with handlers that read files through our YAML 1.2 reader
and refuse remote references unless remote fetching is allowed. The ``openapi_core.OpenAPI``
object (request/response validation, parameter deserialisation) is built lazily, on first use,
because most runs of a loaded document never need it and building it validates the whole spec.

Operations are indexed by ``operationId`` and by ``(path, method)``. Path keys are used verbatim:
keys carrying a fragment, such as ``/#X-Amz-Target=SageMaker.CreateTrainingJob`` in descriptions
generated from AWS models, are ordinary keys here; the request builder drops the fragment.

An operation may also answer to other ids, listed in its ``x-operationId-aliases`` extension
(``arazzo aws-openapi`` writes ``GetItem`` with the alias ``getItem``, the lowerCamel spelling
many hand-written AWS workflows use). An alias never hides a real ``operationId``: when another
operation has that id, the alias is ignored; two operations claiming one alias make it
ambiguous, as two equal ids are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, ClassVar

from ..yaml12 import escape_token
from .description import LoadedDescription
from .fetch import SourceFetcher, resolve_reference

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
#: Extension listing other ids an operation answers to (see the module docstring).
ALIASES_EXTENSION = "x-operationId-aliases"
#: What :meth:`OpenApiSource.parsed_node` returns when a ``$ref`` stands in the way.
REFERENCED: Any = object()


@dataclass(frozen=True, slots=True)
class Operation:
    """One OpenAPI operation, as a step targets it."""

    source_name: str
    path: str
    method: str
    operation_id: str | None
    #: RFC 6901 pointer to the Operation Object inside the source file.
    pointer: str
    #: The raw Operation Object (``$ref``s not expanded).
    data: Mapping[str, Any] = field(repr=False, compare=False)
    #: Path-item level parameters (apply to every operation of the path).
    path_parameters: tuple[Any, ...] = field(default=(), repr=False, compare=False)

    @property
    def summary(self) -> str:
        return f"{self.method.upper()} {self.path}"


class _Handler:
    """jsonschema-path resolver handler: reads ``$ref`` targets through our fetcher."""

    def __init__(self, fetcher: SourceFetcher) -> None:
        self.fetcher = fetcher

    def __call__(self, uri: str) -> Any:
        from ..yaml12 import YamlReadError

        try:
            return self.fetcher.fetch(uri).data
        except YamlReadError as exc:
            raise OSError(exc.problems[0].message) from None


@dataclass
class OpenApiSource(LoadedDescription):
    """A loaded OpenAPI description."""

    version_field: ClassVar[str] = "openapi"
    fetcher: SourceFetcher = field(repr=False)
    #: Facts derived once per operation and reused by every request (e.g. its parameter
    #: definitions with $refs resolved): the description never changes after loading.
    derived: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False, compare=False)
    #: ``False`` when the Arazzo ``sourceDescription`` says ``x-arazzo-aws: false``: the source is
    #: not signed as AWS even if its server is an AWS host (``http.aws_recognition``).
    aws_recognition: bool | None = None

    def once(self, kind: str, operation: Operation, compute: Any) -> Any:
        """``compute(self, operation)``, computed on first use per operation and kept."""
        key = (kind, operation.pointer)
        found = self.derived.get(key)
        if found is None:
            found = compute(self, operation)
            self.derived[key] = found
        return found

    def parsed_node(self, *keys: str) -> Any:
        """The node at ``keys`` as parsed, when no ``$ref`` stands on the way there or on the node
        itself (``None`` when it is absent); :data:`REFERENCED` when one does, or a node on the
        way is not an object: then read it through :attr:`spec`, which resolves references.

        Why: building :attr:`spec` imports jsonschema-path (and requests), ~0.1 s of a run's start,
        for descriptions (as AWS-generated ones) whose operations hold no reference to resolve."""
        node: Any = self.data
        for key in keys:
            if not isinstance(node, Mapping) or "$ref" in node:
                return REFERENCED
            node = node.get(key)
            if node is None:
                return None
        return REFERENCED if isinstance(node, Mapping) and "$ref" in node else node

    @cached_property
    def spec(self) -> Any:
        """The description as an openapi-core ``SchemaPath`` (``$ref``s resolved on access)."""
        from jsonschema_path import SchemaPath

        handler = _Handler(self.fetcher)
        handlers = {"file": handler, "http": handler, "https": handler, "<all_urls>": handler}
        base = self.location if "://" in self.location else f"file://{self.location}"
        # The separator must not occur in keys: AWS-style path keys contain "#" (the default).
        return SchemaPath.from_dict(dict(self.data), base_uri=base, handlers=handlers, separator="\x00")

    @cached_property
    def openapi(self) -> Any:
        """``openapi_core.OpenAPI`` for validation and deserialisation (built on first use)."""
        from openapi_core import OpenAPI

        return OpenAPI(self.spec)

    @cached_property
    def servers(self) -> tuple[Mapping[str, Any], ...]:
        return tuple(self.data.get("servers") or ())

    @cached_property
    def _index(self) -> tuple[dict[str, list[Operation]], dict[tuple[str, str], Operation]]:
        by_id: dict[str, list[Operation]] = {}
        by_path: dict[tuple[str, str], Operation] = {}
        aliases: dict[str, list[Operation]] = {}
        paths = self.data.get("paths") or {}
        if not isinstance(paths, Mapping):
            return by_id, by_path
        for path, item in paths.items():
            if not isinstance(item, Mapping):
                continue
            if "$ref" in item:
                item = self._follow(item["$ref"]) or item
            shared = tuple(item.get("parameters") or ())
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, Mapping):
                    continue
                operation = Operation(
                    source_name=self.name,
                    path=path,
                    method=method,
                    operation_id=op.get("operationId"),
                    pointer=f"/paths/{escape_token(path)}/{method}",
                    data=op,
                    path_parameters=shared,
                )
                by_path[(path, method)] = operation
                if operation.operation_id is not None:
                    by_id.setdefault(operation.operation_id, []).append(operation)
                listed = op.get(ALIASES_EXTENSION)
                if isinstance(listed, list):
                    for alias in listed:
                        if isinstance(alias, str) and alias != operation.operation_id:
                            aliases.setdefault(alias, []).append(operation)
        for alias, operations in aliases.items():
            by_id.setdefault(alias, operations)  # a real operationId wins over an alias
        return by_id, by_path

    def _follow(self, ref: str) -> Mapping[str, Any] | None:
        """Resolve a path-item ``$ref`` (local or in another file)."""
        from jsonpath import JSONPointer

        target, _, fragment = ref.partition("#")
        try:
            data = self.fetcher.fetch(resolve_reference(target, self.location)).data if target else self.data
            found = JSONPointer(fragment or "").resolve(data)
        except Exception:  # an unresolvable path item is reported where it is used
            return None
        return found if isinstance(found, Mapping) else None

    def operations_by_id(self, operation_id: str) -> list[Operation]:
        return self._index[0].get(operation_id, [])

    def operation_at(self, path: str, method: str) -> Operation | None:
        return self._index[1].get((path, method))

    def operations(self) -> list[Operation]:
        return list(self._index[1].values())

    def operation_ids(self) -> list[str]:
        return list(self._index[0])
