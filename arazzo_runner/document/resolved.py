"""A loaded Arazzo document with its sources attached, and lookups across them.

This is the object :func:`arazzo_runner.load` returns. Resolution rules live here, once, so the
validator, the CLI and the engine cannot disagree about which operation or workflow a step
targets:

* ``operationId`` unqualified: found in exactly one OpenAPI source (an error naming the
  candidates when several sources define it); qualified: ``$sourceDescriptions.<name>.<id>``.
* ``operationPath``: ``{$sourceDescriptions.<name>.url}#<RFC 6901 pointer>``; the fragment may
  also be percent-encoded. It must land on an Operation Object under ``/paths``.
* ``workflowId`` (steps, actions, dependsOn): a local id, or
  ``$sourceDescriptions.<name>.<workflowId>`` for a workflow of a nested Arazzo source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from ..errors import ArazzoError, Problem
from ..errors import did_you_mean as _suggest
from ..sources.asyncapi import AsyncApiError, AsyncApiSource, AsyncOperation
from ..sources.openapi import HTTP_METHODS, OpenApiSource, Operation
from ..yaml12 import pointer_tokens
from .model import ArazzoDocument, Step, Workflow

if TYPE_CHECKING:  # for the run convenience methods' signatures only: documents import no engine code
    pass

_QUALIFIED = re.compile(r"^\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.(.+)$")
_CHANNEL_PATH = re.compile(r"^\{?\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}?#(.*)$", re.DOTALL)
_OPERATION_PATH = re.compile(r"^\{?\$sourceDescriptions\.([A-Za-z0-9_\-]+)\.url\}?#(.*)$", re.DOTALL)


class ResolutionError(ArazzoError):
    """A reference that does not resolve; the message says what exists instead."""

    exit_code = 2


class SourceUnavailable(ResolutionError):
    """The reference may well be right, but the source it needs failed to load.

    That failure is reported once, at the source; checks skip references that depend on it
    instead of repeating it at every step.
    """


@dataclass(frozen=True, slots=True)
class WorkflowRef:
    """A workflow and the document it belongs to (components are scoped per document)."""

    document: Document
    workflow: Workflow

    @property
    def key(self) -> tuple[str, str]:
        return (self.document.location, self.workflow.workflow_id)


@dataclass(eq=False)
class Document:
    """An Arazzo document, validated, with every source description loaded."""

    spec: ArazzoDocument
    location: str
    sources: dict[str, OpenApiSource | AsyncApiSource | Document] = field(default_factory=dict)
    #: Names of declared sources that could not be loaded (already reported).
    failed_sources: set[str] = field(default_factory=set)
    warnings: list[Problem] = field(default_factory=list)
    #: The folder tree its local files were confined to (``loader.confinement_root``; journaled so
    #: that ``resume`` from any working directory applies the same one). None for a remote document.
    confinement_root: str | None = None
    #: apiKey header/query names of every source (engine.redaction.api_key_names fills it once).
    _api_key_names: Any = field(default=None, repr=False)

    # A document knows nothing of execution: ``arazzo_runner.load`` returns a
    # :class:`arazzo_runner.running.RunnableDocument`, this same object with ``run`` & co.

    # -- convenience -------------------------------------------------------------------------
    @property
    def self_uri(self) -> str | None:
        """Arazzo 1.1 ``$self`` resolved to an absolute URI (what ``$self`` evaluates to); None
        when the document has no ``$self``."""
        from .base_uri import resolve_self

        return resolve_self(self.spec.self_uri, self.location)

    @property
    def workflows(self) -> tuple[Workflow, ...]:
        return self.spec.workflows

    def workflow(self, workflow_id: str) -> Workflow | None:
        return self.spec.workflow(workflow_id)

    @property
    def openapi_sources(self) -> list[OpenApiSource]:
        return [s for s in self.sources.values() if isinstance(s, OpenApiSource)]

    # -- resolution --------------------------------------------------------------------------
    def resolve_operation_id(self, value: str) -> Operation:
        match = _QUALIFIED.match(value)
        if match:
            name, operation_id = match.groups()
            source = self._openapi_source(name)
            found = source.operations_by_id(operation_id)
            if not found:
                raise ResolutionError(
                    f"operationId {operation_id!r} is not defined in source {name!r}"
                    + _suggest(operation_id, source.operation_ids())
                )
            if len(found) > 1:
                where = ", ".join(op.summary for op in found)
                raise ResolutionError(
                    f"operationId {operation_id!r} is defined twice in source {name!r}: {where}"
                )
            return found[0]
        candidates = [op for src in self.openapi_sources for op in src.operations_by_id(value)]
        if not candidates and self.failed_sources:
            raise SourceUnavailable(f"operationId {value!r} may be in a source that failed to load")
        if not candidates:
            known = [i for src in self.openapi_sources for i in src.operation_ids()]
            raise ResolutionError(f"unknown operationId {value!r}" + _suggest(value, known))
        if len(candidates) > 1:
            names = sorted({op.source_name for op in candidates})
            raise ResolutionError(
                f"operationId {value!r} is ambiguous: sources {', '.join(names)} define it;"
                f" write '$sourceDescriptions.{names[0]}.{value}' to choose one"
            )
        return candidates[0]

    def resolve_operation_path(self, value: str) -> Operation:
        match = _OPERATION_PATH.match(value.strip())
        if not match:
            raise ResolutionError(
                f"operationPath {value!r} must look like"
                " '{$sourceDescriptions.<name>.url}#/paths/~1path/<method>'"
            )
        name, fragment = match.groups()
        source = self._openapi_source(name)
        tokens = _fragment_tokens(fragment)
        if len(tokens) != 3 or tokens[0] != "paths":
            raise ResolutionError(
                f"operationPath fragment {fragment!r} must point at an operation: #/paths/<escaped path>/<method>"
            )
        _, path, method = tokens
        if method not in HTTP_METHODS:
            raise ResolutionError(f"operationPath ends in {method!r}, which is not an HTTP method")
        operation = source.operation_at(path, method)
        if operation is None:
            methods = [m.upper() for m in HTTP_METHODS if source.operation_at(path, m)]
            if methods:
                raise ResolutionError(
                    f"source {name!r} has no {method.upper()} operation at path {path!r} (it has {', '.join(methods)})"
                )
            paths = sorted({op.path for op in source.operations()})
            raise ResolutionError(f"source {name!r} has no path {path!r}" + _suggest(path, paths))
        return operation

    def resolve_step_operation(self, step: Step) -> Operation:
        if step.operation_id is not None:
            return self.resolve_operation_id(step.operation_id)
        if step.operation_path is not None:
            return self.resolve_operation_path(step.operation_path)
        raise ResolutionError(f"step {step.step_id!r} does not call an operation")

    # -- Arazzo 1.1 AsyncAPI steps ------------------------------------------------------------
    @property
    def asyncapi_sources(self) -> list[AsyncApiSource]:
        return [s for s in self.sources.values() if isinstance(s, AsyncApiSource)]

    def is_async_step(self, step: Step) -> bool:
        """Whether ``step`` sends or receives a message (an AsyncAPI step) rather than calling HTTP.

        It is when it has ``action`` or ``channelPath``, or when its ``operationId`` names an
        operation of an ``asyncapi`` source (qualified, or found only there).
        """
        if step.action is not None or step.channel_path is not None or step.correlation_id is not None:
            return True
        if step.operation_id is None:
            return False
        match = _QUALIFIED.match(step.operation_id)
        if match:
            declared = self.spec.source(match[1])
            return declared is not None and declared.type == "asyncapi"
        if any(src.operations_by_id(step.operation_id) for src in self.openapi_sources):
            return False
        return any(step.operation_id in src.operation_ids() for src in self.asyncapi_sources)

    def resolve_async_operation(self, step: Step) -> AsyncOperation:
        """The AsyncAPI operation (or channel) an AsyncAPI step names."""
        try:
            if step.channel_path is not None:
                return self._resolve_channel_path(step.channel_path)
            if step.operation_id is None:
                raise ResolutionError(f"step {step.step_id!r} names no AsyncAPI operation or channel")
            match = _QUALIFIED.match(step.operation_id)
            if match:
                name, operation_id = match.groups()
                source = self._asyncapi_source(name)
                found = source.operation(operation_id)
                if found is None:
                    raise ResolutionError(
                        f"operation {operation_id!r} is not defined in AsyncAPI source {name!r}"
                        + _suggest(operation_id, source.operation_ids())
                    )
                return found
            candidates = [
                op for src in self.asyncapi_sources if (op := src.operation(step.operation_id)) is not None
            ]
            if not candidates and self.failed_sources:
                raise SourceUnavailable(f"operation {step.operation_id!r} may be in a source that failed to load")
            if not candidates:
                known = [i for src in self.asyncapi_sources for i in src.operation_ids()]
                raise ResolutionError(
                    f"unknown AsyncAPI operation {step.operation_id!r}" + _suggest(step.operation_id, known)
                )
            if len(candidates) > 1:
                names = sorted(op.source_name for op in candidates)
                raise ResolutionError(
                    f"operationId {step.operation_id!r} is ambiguous: AsyncAPI sources {', '.join(names)}"
                    f" define it; write '$sourceDescriptions.{names[0]}.{step.operation_id}'"
                )
            return candidates[0]
        except AsyncApiError as exc:
            raise ResolutionError(str(exc)) from None

    def _resolve_channel_path(self, value: str) -> AsyncOperation:
        match = _CHANNEL_PATH.match(value.strip())
        if not match:
            raise ResolutionError(
                f"channelPath {value!r} must look like '{{$sourceDescriptions.<name>.url}}#/channels/<key>'"
            )
        name, fragment = match.groups()
        source = self._asyncapi_source(name)
        tokens = _fragment_tokens(fragment)
        if len(tokens) != 2 or tokens[0] != "channels":
            raise ResolutionError(f"channelPath fragment {fragment!r} must point at a channel: #/channels/<key>")
        found = source.channel(tokens[1])
        if found is None:
            raise ResolutionError(
                f"source {name!r} has no channel {tokens[1]!r}" + _suggest(tokens[1], source.channel_keys())
            )
        return found

    def _source(self, name: str) -> OpenApiSource | AsyncApiSource | Document:
        """The source description ``name`` (of any kind), loaded: unknown and failed ones are errors."""
        source = self.sources.get(name)
        if name in self.failed_sources:
            raise SourceUnavailable(f"source {name!r} failed to load")
        if source is None:
            raise ResolutionError(f"unknown source description {name!r}" + _suggest(name, list(self.sources)))
        return source

    def _asyncapi_source(self, name: str) -> AsyncApiSource:
        source = self._source(name)
        if not isinstance(source, AsyncApiSource):
            raise ResolutionError(f"source {name!r} is not an AsyncAPI description")
        return source

    def resolve_workflow(self, value: str) -> WorkflowRef:
        match = _QUALIFIED.match(value)
        if match:
            name, workflow_id = match.groups()
            source = self._source(name)
            if not isinstance(source, Document):
                raise ResolutionError(f"source {name!r} is an OpenAPI or AsyncAPI description, not an Arazzo document")
            workflow = source.workflow(workflow_id)
            if workflow is None:
                known = [w.workflow_id for w in source.workflows]
                raise ResolutionError(
                    f"workflow {workflow_id!r} is not defined in source {name!r}"
                    + _suggest(workflow_id, known)
                )
            return WorkflowRef(source, workflow)
        workflow = self.workflow(value)
        if workflow is None:
            known = [w.workflow_id for w in self.workflows]
            raise ResolutionError(f"unknown workflowId {value!r}" + _suggest(value, known))
        return WorkflowRef(self, workflow)

    def _openapi_source(self, name: str) -> OpenApiSource:
        source = self._source(name)
        if isinstance(source, AsyncApiSource):
            raise ResolutionError(f"source {name!r} is an AsyncAPI description, not an OpenAPI description")
        if not isinstance(source, OpenApiSource):
            raise ResolutionError(f"source {name!r} is an Arazzo document, not an OpenAPI description")
        return source


def _fragment_tokens(fragment: str) -> list[str]:
    """The JSON pointer tokens of an ``operationPath``/``channelPath`` fragment (percent-decoded)."""
    try:
        return pointer_tokens(unquote(fragment))
    except ValueError as exc:
        raise ResolutionError(str(exc)) from None
