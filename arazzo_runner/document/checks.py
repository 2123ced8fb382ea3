"""Semantic checks: what the JSON Schema cannot say about an Arazzo document.

Runs after the schema accepted the document and its sources were loaded. Reports *every*
problem, each located at the field that causes it:

* unique source names, workflowIds, stepIds (per workflow);
* each step calls exactly one operation or workflow, and that target resolves;
* ``goto``/``retry`` targets exist (step targets in the workflow that runs the action, which for
  a component action means every workflow that references it);
* ``dependsOn`` targets exist and form no cycle;
* ``$components.*`` references resolve to the right kind of component; ``$ref`` in inputs
  resolve;
* every runtime expression, embedded expression and criterion parses, and the steps, workflows
  and components that expressions name exist;
* output names match ``^[a-zA-Z0-9.\\-_]+$``.

Legal but suspicious things (an unqualified operationId with several OpenAPI sources, a
parameter the operation does not declare) are warnings: they never fail validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any, TypeVar

from ..errors import Location, Problem, Severity
from ..sources.openapi import OpenApiSource, Operation
from ..yaml12 import escape_token
from .model import (
    MISSING_REF,
    ArazzoDocument,
    FailureAction,
    Parameter,
    Reusable,
    Step,
    SuccessAction,
    Workflow,
)
from .references import expression_checks
from .resolved import Document, ResolutionError, SourceUnavailable

T = TypeVar("T")

OUTPUT_NAME = re.compile(r"^[a-zA-Z0-9.\-_]+$")
_ACTION_KINDS = {
    "onSuccess": "successActions",
    "successActions": "successActions",
    "onFailure": "failureActions",
    "failureActions": "failureActions",
}


class DocumentChecker:
    """What the checks of every Arazzo version share: the document, and the problems found so far,
    each located at a JSON pointer of the document (or at a location of its own)."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.spec: ArazzoDocument = document.spec
        self.problems: list[Problem] = []

    def error(self, message: str, pointer: str, code: str = "invalid") -> None:
        self.problems.append(Problem(message, self.spec.locate(pointer), Severity.ERROR, code))

    def warning(self, message: str, pointer: str, code: str = "warning") -> None:
        self.problems.append(Problem(message, self.spec.locate(pointer), Severity.WARNING, code))

    def at(self, location: Location, message: str, code: str, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(message, location, severity, code))

    def resolving(self, resolve: Callable[[], T], what: str, pointer: str, code: str = "invalid") -> T | None:
        """What ``resolve()`` finds (a workflow or an operation, possibly of another document); None
        when it does not resolve (an error ``what: why`` at ``pointer``) or when its source could not
        be read (reported once, where the source is loaded)."""
        try:
            return resolve()
        except SourceUnavailable:
            return None
        except ResolutionError as exc:
            self.error(f"{what}: {exc}", pointer, code)
            return None


class _Checker(DocumentChecker):
    # -- the checks --------------------------------------------------------------------------
    def run(self) -> list[Problem]:
        self.check_unique()
        for workflow in self.spec.workflows:
            self.check_workflow(workflow)
        self.check_depends_on_cycles()
        self.check_components()
        for problem in expression_checks(self.document):
            self.problems.append(problem)
        return self.problems

    def check_unique(self) -> None:
        _duplicates(
            self, [(s.name, f"{s.pointer}/name") for s in self.spec.source_descriptions], "source name"
        )
        _duplicates(
            self, [(w.workflow_id, f"{w.pointer}/workflowId") for w in self.spec.workflows], "workflowId"
        )
        for workflow in self.spec.workflows:
            _duplicates(self, [(s.step_id, f"{s.pointer}/stepId") for s in workflow.steps], "stepId")

    def check_workflow(self, workflow: Workflow) -> None:
        for name in workflow.outputs:
            self.check_output_name(name, f"{workflow.pointer}/outputs/{escape_token(name)}")
        for i, target in enumerate(workflow.depends_on):
            self.resolving(
                partial(self.document.resolve_workflow, target),
                "dependsOn",
                f"{workflow.pointer}/dependsOn/{i}",
                "unresolved",
            )
        self.check_parameter_list(workflow.parameters)
        self.check_actions(workflow, workflow.success_actions, "successActions")
        self.check_actions(workflow, workflow.failure_actions, "failureActions")
        self.check_input_refs(workflow.inputs, f"{workflow.pointer}/inputs")
        for step in workflow.steps:
            self.check_step(workflow, step)

    def check_step(self, workflow: Workflow, step: Step) -> None:
        kind = step.target_kind
        operation: Operation | None = None
        if self.document.spec.version >= (1, 1) and self.document.is_async_step(step):
            kind = None  # an AsyncAPI step: resolved and checked by checks_1_1
        if kind in ("operationId", "operationPath"):
            operation = self.resolving(
                lambda: self.document.resolve_step_operation(step),
                f"step {step.step_id!r}",
                f"{step.pointer}/{kind}",
                "unresolved",
            )
            if (
                kind == "operationId"
                and operation is not None
                and not step.operation_id.startswith("$")  # type: ignore[union-attr]
                and len(self.document.openapi_sources) > 1
            ):
                self.warning(
                    f"step {step.step_id!r}: with several OpenAPI sources the spec requires a qualified"
                    f" operationId: '$sourceDescriptions.{operation.source_name}.{operation.operation_id}'",
                    f"{step.pointer}/operationId",
                    "unqualified",
                )
        elif kind == "workflowId":
            self.resolving(
                lambda: self.document.resolve_workflow(step.workflow_id),  # type: ignore[arg-type]
                f"step {step.step_id!r}",
                f"{step.pointer}/workflowId",
                "unresolved",
            )
            if step.request_body is not None:
                self.warning(
                    f"step {step.step_id!r} calls a workflow: its requestBody is ignored",
                    step.request_body.pointer,
                    "ignored",
                )
        self.check_parameter_list(step.parameters, operation=operation, step=step)
        self.check_actions(workflow, step.on_success, "onSuccess", step)
        self.check_actions(workflow, step.on_failure, "onFailure", step)
        for name in step.outputs:
            self.check_output_name(name, f"{step.pointer}/outputs/{escape_token(name)}")

    def check_output_name(self, name: str, pointer: str) -> None:
        if not OUTPUT_NAME.match(name):
            self.at(
                self.spec.file.locate(pointer, key=True) if self.spec.file else Location(pointer=pointer),
                f"output name {name!r} must match ^[a-zA-Z0-9.\\-_]+$",
                "output-name",
            )

    def check_parameter_list(
        self,
        items: tuple[Parameter | Reusable, ...],
        *,
        operation: Operation | None = None,
        step: Step | None = None,
    ) -> None:
        seen: dict[tuple[str, str | None], str] = {}
        for item in items:
            parameter: Parameter | None
            if isinstance(item, Reusable):
                parameter = self.check_reference(item, "parameters")
                if parameter is None:
                    continue
            else:
                parameter = item
            key = parameter.key
            if key in seen:
                where = f"in {parameter.in_}" if parameter.in_ else "input"
                self.error(
                    f"parameter {parameter.name!r} ({where}) is given twice", item.pointer, "duplicate"
                )
            seen[key] = item.pointer
            if step is not None and step.workflow_id is not None and parameter.in_ is not None:
                self.warning(
                    f"parameter {parameter.name!r}: 'in' is ignored on a step that calls a workflow"
                    " (its parameters are the workflow's inputs)",
                    item.pointer,
                    "ignored",
                )
            if operation is not None and parameter.in_ is not None:
                declared = _declared_parameters(self.document, operation)
                if parameter.in_ == "querystring" and declared is not None:
                    # 1.1: the querystring parameter is the operation's only one, whatever its name
                    declared = (
                        declared | {(parameter.name, "querystring")}
                        if any(where == "querystring" for _, where in declared)
                        else declared
                    )
                if declared is not None and parameter.key not in declared:
                    self.warning(
                        f"parameter {parameter.name!r} (in {parameter.in_}) is not declared by operation"
                        f" {operation.summary} of source {operation.source_name!r}",
                        item.pointer,
                        "undeclared-parameter",
                    )

    def check_reference(self, item: Reusable, expected_kind: str) -> Any:
        kind, name = item.component_kind, item.component_name
        pointer = f"{item.pointer}/reference"
        if kind is None or name is None:
            self.error(
                f"reference {item.reference!r} must be '$components.{expected_kind}.<name>'",
                pointer,
                "bad-reference",
            )
            return None
        if kind != expected_kind:
            self.error(
                f"reference {item.reference!r} points at {kind}, but {expected_kind} are expected here",
                pointer,
                "bad-reference",
            )
            return None
        target = self.spec.components.lookup(kind, name)
        if target is None:
            known = {
                "parameters": self.spec.components.parameters,
                "successActions": self.spec.components.success_actions,
                "failureActions": self.spec.components.failure_actions,
            }.get(kind, {})
            from ..errors import did_you_mean as _suggest

            self.error(
                f"reference {item.reference!r} does not resolve: no components.{kind}.{name}"
                + _suggest(name, list(known)),
                pointer,
                "unresolved",
            )
            return None
        if item.has_value and kind != "parameters":
            self.warning(
                "'value' only applies to parameter references; it is ignored here", item.pointer, "ignored"
            )
        return target

    def check_actions(
        self,
        workflow: Workflow,
        items: tuple[SuccessAction | FailureAction | Reusable, ...],
        field_name: str,
        step: Step | None = None,
    ) -> None:
        kind = _ACTION_KINDS[field_name]
        for item in items:
            action = self.check_reference(item, kind) if isinstance(item, Reusable) else item
            if action is None:
                continue
            self.check_action_target(
                workflow, action, item.pointer, via=item if isinstance(item, Reusable) else None
            )

    def check_action_target(
        self, workflow: Workflow, action: SuccessAction | FailureAction, pointer: str, via: Reusable | None
    ) -> None:
        origin = f" (from {via.reference})" if via else ""
        if action.step_id is not None and workflow.step(action.step_id) is None:
            from ..errors import did_you_mean as _suggest

            known = [s.step_id for s in workflow.steps]
            target_pointer = pointer if via else f"{pointer}/stepId"
            self.error(
                f"{action.type} action {action.name!r}{origin}: no step {action.step_id!r} in workflow"
                f" {workflow.workflow_id!r}" + _suggest(action.step_id, known),
                target_pointer,
                "unresolved",
            )
        if action.workflow_id is not None:
            self.resolving(
                partial(self.document.resolve_workflow, action.workflow_id),
                f"{action.type} action {action.name!r}{origin}",
                pointer if via else f"{pointer}/workflowId",
                "unresolved",
            )
        if action.step_id is not None and action.workflow_id is not None:
            self.error(
                f"{action.type} action {action.name!r}: stepId and workflowId are mutually exclusive",
                pointer,
                "invalid",
            )

    def check_input_refs(self, schema: Any, pointer: str) -> None:
        for ref, ref_pointer in _refs(schema, pointer):
            if ref.startswith("#/") and self.spec.resolve_local(ref) is MISSING_REF:
                self.error(f"$ref {ref!r} does not resolve in this document", ref_pointer, "unresolved")

    def check_components(self) -> None:
        components = self.spec.components
        for name, schema in components.inputs.items():
            self.check_input_refs(schema, f"/components/inputs/{escape_token(name)}")
        for table in (components.success_actions, components.failure_actions):
            for action in table.values():
                if action.workflow_id is not None:
                    self.resolving(
                        partial(self.document.resolve_workflow, action.workflow_id),
                        f"{action.type} action {action.name!r}",
                        f"{action.pointer}/workflowId",
                    )

    def check_depends_on_cycles(self) -> None:
        graph: dict[str, list[str]] = {
            w.workflow_id: [d for d in w.depends_on if self.document.workflow(d) is not None]
            for w in self.spec.workflows
        }
        reported: set[frozenset[str]] = set()
        for start in graph:
            cycle = _find_cycle(graph, start)
            if cycle and frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                workflow = self.document.workflow(cycle[0])
                assert workflow is not None
                self.error(
                    "dependsOn cycle: " + " → ".join([*cycle, cycle[0]]),
                    f"{workflow.pointer}/dependsOn",
                    "cycle",
                )


def _find_cycle(graph: dict[str, list[str]], start: str) -> list[str] | None:
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in on_path:
            return path[path.index(node) :]
        if node in done:
            return None
        path.append(node)
        on_path.add(node)
        for nxt in graph.get(node, ()):
            found = visit(nxt)
            if found:
                return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    found = visit(start)
    if found and found[0] == start:
        return found
    return found if found and start in found else None


def _refs(schema: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(schema, Mapping):
        for key, value in schema.items():
            child = f"{pointer}/{escape_token(key)}"
            if key == "$ref" and isinstance(value, str):
                yield value, child
            else:
                yield from _refs(value, child)
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            yield from _refs(value, f"{pointer}/{i}")


def _duplicates(checker: _Checker, items: list[tuple[str, str]], what: str) -> None:
    seen: set[str] = set()
    for value, pointer in items:
        if value in seen:
            checker.error(f"duplicate {what} {value!r}", pointer, "duplicate")
        seen.add(value)


def _declared_parameters(document: Document, operation: Operation) -> set[tuple[str, str | None]] | None:
    """(name, in) pairs the operation declares, or None when they cannot be read statically."""
    source = document.sources.get(operation.source_name)
    if not isinstance(source, OpenApiSource):
        return None
    declared: set[tuple[str, str | None]] = set()
    for raw in (*operation.path_parameters, *(operation.data.get("parameters") or ())):
        param = raw
        if isinstance(raw, Mapping) and "$ref" in raw:
            ref = raw["$ref"]
            if not isinstance(ref, str) or not ref.startswith("#/"):
                return None  # external parameter definitions: do not guess
            param = source.data
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                param = param.get(token) if isinstance(param, Mapping) else None
        if not isinstance(param, Mapping) or "name" not in param:
            return None
        where = param.get("in")
        name = str(param["name"])
        declared.add((name.lower() if where == "header" else name, where))
    return declared


def check_document(document: Document) -> list[Problem]:
    """Every semantic problem (errors and warnings) in ``document`` itself."""
    return _Checker(document).run()
