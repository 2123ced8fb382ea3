"""The typed, frozen model of an Arazzo 1.0.x or 1.1.x document.

One dataclass per object of the specification, with every field it defines, its ``x-``
extensions kept in ``extensions`` and its own JSON pointer in ``pointer`` (so the engine can
locate any error back to ``file:line:col`` through :meth:`ArazzoDocument.locate`).

Lists are tuples and maps are read-only mappings, so one loaded document can be shared by many
concurrent runs without one of them changing what another sees. Values the spec types as *Any*
(parameter values, payloads, extension values) are plain JSON data and are not deep-frozen: the
engine copies what it needs to change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from ..errors import Location
from ..yaml12 import ParsedFile, follow_tokens, pointer_tokens

EMPTY: Mapping[str, Any] = MappingProxyType({})


def _empty() -> Mapping[str, Any]:
    return EMPTY


#: What :meth:`ArazzoDocument.resolve_local` returns for a reference that does not resolve.
MISSING_REF: Any = object()

ActionType = Literal["end", "goto", "retry"]
CriterionKind = Literal["simple", "regex", "jsonpath", "xpath"]
ParameterIn = Literal["path", "query", "querystring", "header", "cookie", "channel"]
SourceType = Literal["openapi", "arazzo", "asyncapi"]
SelectorKind = Literal["jsonpath", "xpath", "jsonpointer"]


_OTHER_WORKFLOW = re.compile(r"^\$workflows\.([^.]+)\.steps\.([^.]+)$")
_OTHER_DOCUMENT = re.compile(r"^\$sourceDescriptions\.[^.]+\.([^.]+)\.steps\.([^.]+)$")


def step_dependency(entry: str, workflow_id: str) -> tuple[str, str] | None:
    """``(workflowId, stepId)`` a ``dependsOn`` entry names (None when it is none of the forms)."""
    for pattern in (_OTHER_WORKFLOW, _OTHER_DOCUMENT):
        match = pattern.match(entry)
        if match:
            return match[1], match[2]
    return None if entry.startswith("$") else (workflow_id, entry)


@dataclass(frozen=True, slots=True)
class Located:
    """An object of the document that knows where it stands: its JSON ``pointer`` (keyword-only, as
    every object has one), so an error about it is located through :meth:`ArazzoDocument.locate`."""

    pointer: str = field(default="", kw_only=True)


@dataclass(frozen=True, slots=True)
class Extensible(Located):
    """An object the specification lets carry ``x-`` extensions, kept in ``extensions``."""

    extensions: Mapping[str, Any] = field(default_factory=_empty, kw_only=True)


@dataclass(frozen=True, slots=True)
class Info(Extensible):
    title: str
    version: str
    summary: str | None = None
    description: str | None = None
    pointer: str = field(default="/info", kw_only=True)


@dataclass(frozen=True, slots=True)
class SourceDescription(Extensible):
    name: str
    url: str
    #: As written; ``None`` when omitted (the loader sniffs the document then, see A8).
    type: SourceType | None = None


@dataclass(frozen=True, slots=True)
class CriterionExpressionType(Extensible):
    type: Literal["jsonpath", "xpath"]
    version: str


@dataclass(frozen=True, slots=True)
class Criterion(Extensible):
    condition: str
    context: str | None = None
    #: ``simple`` when omitted, as the spec says.
    type: CriterionKind = "simple"
    #: Set when ``type`` was given as a Criterion Expression Type Object.
    expression_type: CriterionExpressionType | None = None

    @property
    def version(self) -> str | None:
        return self.expression_type.version if self.expression_type else None


@dataclass(frozen=True, slots=True)
class SelectorObject(Located):
    """An Arazzo 1.1 Selector Object: ``selector`` applied to the value of ``context``.

    It stands where 1.1 allows one (parameter, payload, replacement and output values) in
    documents that declare ``arazzo: 1.1.x``; in 1.0.x documents the same mapping stays plain data.
    ``version`` is set when ``type`` was an Expression Type Object.
    """

    context: str
    selector: str
    type: SelectorKind
    version: str | None = None

    def to_data(self) -> dict[str, Any]:
        """The object as written (for ``show`` and dry runs)."""
        kind: Any = {"type": self.type, "version": self.version} if self.version else self.type
        return {"context": self.context, "selector": self.selector, "type": kind}


@dataclass(frozen=True, slots=True)
class Reusable(Located):
    """A Reusable Object: ``reference`` to a component, and for parameters a value override."""

    reference: str
    value: Any = None
    has_value: bool = False

    @property
    def component_kind(self) -> str | None:
        """``parameters``/``successActions``/``failureActions``/``inputs`` from the reference."""
        parts = self.reference.split(".", 2)
        return parts[1] if len(parts) == 3 and parts[0] == "$components" else None

    @property
    def component_name(self) -> str | None:
        parts = self.reference.split(".", 2)
        return parts[2] if len(parts) == 3 and parts[0] == "$components" else None


@dataclass(frozen=True, slots=True)
class Parameter(Extensible):
    name: str
    value: Any
    #: ``None`` for parameters of a step that calls a workflow (they are its inputs).
    in_: ParameterIn | None = None

    @property
    def key(self) -> tuple[str, str | None]:
        """A parameter's identity is ``name`` + ``in`` (PARAM-00); headers ignore case."""
        return (self.name.lower() if self.in_ == "header" else self.name, self.in_)


@dataclass(frozen=True, slots=True)
class PayloadReplacement(Extensible):
    target: str
    value: Any
    #: 1.1 ``targetSelectorType`` (``None``: JSON Pointer for JSON, XPath for XML payloads).
    target_type: SelectorKind | None = None
    target_version: str | None = None


@dataclass(frozen=True, slots=True)
class RequestBody(Extensible):
    content_type: str | None = None
    payload: Any = None
    has_payload: bool = False
    replacements: tuple[PayloadReplacement, ...] = ()


@dataclass(frozen=True, slots=True)
class Action(Extensible):
    """What a Success and a Failure Action Object share: a name, a type and the step or workflow a
    ``goto`` names. Each kind declares its own fields after these, in the specification's order."""

    name: str
    type: ActionType
    workflow_id: str | None = None
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class SuccessAction(Action):
    type: Literal["end", "goto"]
    criteria: tuple[Criterion, ...] = ()
    #: 1.1: inputs for the workflow a ``goto`` names.
    parameters: tuple[Parameter | Reusable, ...] = ()


@dataclass(frozen=True, slots=True)
class FailureAction(Action):
    retry_after: float | None = None
    retry_limit: int | None = None
    criteria: tuple[Criterion, ...] = ()
    #: 1.1: inputs for the workflow a ``goto``/``retry`` names.
    parameters: tuple[Parameter | Reusable, ...] = ()


@dataclass(frozen=True, slots=True)
class Step(Extensible):
    step_id: str
    description: str | None = None
    operation_id: str | None = None
    operation_path: str | None = None
    workflow_id: str | None = None
    parameters: tuple[Parameter | Reusable, ...] = ()
    request_body: RequestBody | None = None
    success_criteria: tuple[Criterion, ...] = ()
    on_success: tuple[SuccessAction | Reusable, ...] = ()
    on_failure: tuple[FailureAction | Reusable, ...] = ()
    #: Runtime expressions (strings), or 1.1 Selector Objects.
    outputs: Mapping[str, str | SelectorObject] = field(default_factory=_empty)
    #: 1.1: milliseconds the step may take before it fails (its onFailure actions apply).
    timeout: int | None = None
    #: 1.1: steps that must have completed before this one runs.
    depends_on: tuple[str, ...] = ()
    #: 1.1 AsyncAPI steps (``channelPath``, ``action``, ``correlationId``): a send or receive
    #: step (see ``Document.is_async_step`` and ``engine.message_steps``).
    channel_path: str | None = None
    action: str | None = None
    correlation_id: Any = None

    @property
    def target_kind(self) -> Literal["operationId", "operationPath", "workflowId"] | None:
        if self.operation_id is not None:
            return "operationId"
        if self.operation_path is not None:
            return "operationPath"
        if self.workflow_id is not None:
            return "workflowId"
        return None


@dataclass(frozen=True, slots=True)
class Workflow(Extensible):
    workflow_id: str
    steps: tuple[Step, ...]
    summary: str | None = None
    description: str | None = None
    inputs: Mapping[str, Any] | None = None
    depends_on: tuple[str, ...] = ()
    success_actions: tuple[SuccessAction | Reusable, ...] = ()
    failure_actions: tuple[FailureAction | Reusable, ...] = ()
    outputs: Mapping[str, str | SelectorObject] = field(default_factory=_empty)
    parameters: tuple[Parameter | Reusable, ...] = ()

    def step(self, step_id: str) -> Step | None:
        for step in self.steps:
            if step.step_id == step_id:
                return step
        return None


@dataclass(frozen=True, slots=True)
class Components(Extensible):
    inputs: Mapping[str, Any] = field(default_factory=_empty)
    parameters: Mapping[str, Parameter] = field(default_factory=_empty)
    success_actions: Mapping[str, SuccessAction] = field(default_factory=_empty)
    failure_actions: Mapping[str, FailureAction] = field(default_factory=_empty)
    pointer: str = field(default="/components", kw_only=True)

    def lookup(self, kind: str, name: str) -> Any:
        table: Mapping[str, Any] = {
            "inputs": self.inputs,
            "parameters": self.parameters,
            "successActions": self.success_actions,
            "failureActions": self.failure_actions,
        }.get(kind, EMPTY)
        return table.get(name)


@dataclass(frozen=True, slots=True)
class ArazzoDocument:
    """One Arazzo document as written (its sources are resolved by :mod:`arazzo_runner.sources`)."""

    arazzo: str
    info: Info
    source_descriptions: tuple[SourceDescription, ...]
    workflows: tuple[Workflow, ...]
    components: Components = field(default_factory=Components)
    extensions: Mapping[str, Any] = field(default_factory=_empty)
    #: 1.1 ``$self`` as written (a URI-reference; the loader resolves it to the base URI).
    self_uri: str | None = None
    #: The parsed file: raw data and node positions.
    file: ParsedFile | None = field(default=None, compare=False, repr=False)

    @property
    def path(self) -> str | None:
        return self.file.path if self.file else None

    @property
    def version(self) -> tuple[int, int]:
        """``(major, minor)`` of the ``arazzo`` field: whose rules apply (the patch never matters)."""
        major, minor = self.arazzo.split(".")[:2]
        return int(major), int(minor)

    def workflow(self, workflow_id: str) -> Workflow | None:
        for workflow in self.workflows:
            if workflow.workflow_id == workflow_id:
                return workflow
        return None

    def source(self, name: str) -> SourceDescription | None:
        for source in self.source_descriptions:
            if source.name == name:
                return source
        return None

    def resolve_local(self, ref: str) -> Any:
        """The node a local ``$ref`` (``#/components/inputs/x``) names in this document, or MISSING_REF."""
        node: Any = self.file.data if self.file else {}
        try:
            tokens = pointer_tokens(ref[1:]) if ref.startswith("#") else None
        except ValueError:
            tokens = None
        return MISSING_REF if tokens is None else follow_tokens(node, tokens, MISSING_REF)

    def inputs_schema(self, workflow: Workflow) -> Any:
        """The workflow's inputs schema with a top-level local ``$ref`` followed (None if absent)."""
        schema = workflow.inputs
        if isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            found = self.resolve_local(schema["$ref"])
            return None if found is MISSING_REF else found
        return schema

    def declared_inputs(self, workflow: Workflow) -> frozenset[str] | None:
        """Input names the schema declares (``properties: {}`` declares none); None when it has no
        ``properties`` at all, so any input goes."""
        schema = self.inputs_schema(workflow)
        properties = schema.get("properties") if isinstance(schema, Mapping) else None
        return frozenset(properties) if isinstance(properties, Mapping) else None

    def locate(self, pointer: str) -> Location:
        if self.file is None:
            return Location(None, None, None, pointer)
        return self.file.locate(pointer)
