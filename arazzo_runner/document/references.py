"""Parse every expression of a document at load time, and check what the expressions name.

Every runtime expression, embedded ``{$...}`` template and criterion is parsed here with the
real parsers of :mod:`arazzo_runner.expressions`, so a syntax error is reported by ``arazzo
validate`` with the file, line and *column inside the string*, never half-way through a run.
Expressions that name something (``$steps.<id>.outputs.<name>``, ``$workflows.<id>``,
``$components.<kind>.<name>``, ``$sourceDescriptions.<name>``, ``$inputs.<name>``) are checked
against the document: a reference to a step that does not exist is an error, an input the
workflow's schema does not declare is a warning (the schema may allow extra inputs).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import Location, Problem, Severity
from ..errors import did_you_mean as _suggest
from ..yaml12 import escape_token
from .model import (
    ArazzoDocument,
    Criterion,
    FailureAction,
    Parameter,
    Reusable,
    SelectorObject,
    Step,
    SuccessAction,
    Workflow,
)
from .resolved import Document, ResolutionError


@dataclass(frozen=True, slots=True)
class _Scope:
    """What an expression may refer to where it appears."""

    workflow: Workflow | None = None
    #: The step being defined (its own outputs and the current response are in scope).
    step: Step | None = None


class _ExpressionChecker:
    def __init__(self, document: Document) -> None:
        from .. import expressions

        self.x = expressions
        self.document = document
        self.spec: ArazzoDocument = document.spec
        self.problems: list[Problem] = []

    # -- locating ----------------------------------------------------------------------------
    def _locate(self, pointer: str, offset: int | None = None) -> Location:
        if self.spec.file is None:
            return Location(pointer=pointer)
        if offset is None:
            return self.spec.file.locate(pointer)
        return self.spec.file.locate_in_text(pointer, offset)

    def _syntax(self, exc: Any, pointer: str, what: str) -> None:
        offset = getattr(exc, "offset", None)
        message = getattr(exc, "message", None) or str(exc)
        self.problems.append(Problem(f"{what}: {message}", self._locate(pointer, offset), code="expression"))

    def _report(
        self, message: str, pointer: str, severity: Severity = Severity.ERROR, code: str = "unresolved"
    ) -> None:
        self.problems.append(Problem(message, self._locate(pointer), severity, code))

    # -- parsing -----------------------------------------------------------------------------
    def value(self, value: Any, pointer: str, scope: _Scope, what: str, *, check_names: bool = True) -> None:
        """A field of type Any | {expression} (| Selector Object): check every string inside it."""
        for selector in _selectors(value):
            self.selector(selector, scope, what)
        for text, ptr in _strings(value, pointer):
            try:
                template = self.x.parse_value(text, arazzo=self.spec.version)
            except self.x.ExpressionSyntaxError as exc:
                self._syntax(exc, ptr, what)
                continue
            if template.kind == "literal" and (unknown := _unknown_root(text)):
                self._report(
                    f"{what} {text!r} is sent as a literal string: {unknown}",
                    ptr,
                    Severity.WARNING,
                    "unknown-root",
                )
            if check_names:
                for expression in template.references():
                    self.names(expression, ptr, scope)

    def expression(
        self, text: str, pointer: str, scope: _Scope, what: str, *, check_names: bool = True
    ) -> Any:
        """Parse one whole runtime expression; ``check_names=False`` where resolution reports."""
        try:
            expression = self.x.parse_runtime_expression(text, arazzo=self.spec.version)
        except self.x.ExpressionSyntaxError as exc:
            self._syntax(exc, pointer, what)
            return None
        if check_names:
            self.names(expression, pointer, scope)
        return expression

    def selector(self, selector: SelectorObject, scope: _Scope, what: str) -> None:
        """A 1.1 Selector Object: its context expression and its selector."""
        self.expression(selector.context, f"{selector.pointer}/context", scope, f"{what} selector context")
        try:
            self.x.compile_selector(selector.selector, selector.type, selector.version)
        except self.x.ExpressionSyntaxError as exc:
            self._syntax(exc, f"{selector.pointer}/selector", f"{what} {selector.type} selector")

    def criterion(self, criterion: Criterion, scope: _Scope) -> None:
        if criterion.context is not None:
            self.expression(criterion.context, f"{criterion.pointer}/context", scope, "criterion context")
        try:
            compiled = self.x.compile_criterion(
                criterion.condition, criterion.type, criterion.version, arazzo=self.spec.version
            )
        except self.x.ExpressionSyntaxError as exc:
            self._syntax(exc, f"{criterion.pointer}/condition", f"{criterion.type} condition")
            return
        for warning in getattr(compiled, "warnings", ()):
            self._report(warning, f"{criterion.pointer}/condition", Severity.WARNING, "criterion")
        for expression in compiled.references():
            self.names(expression, f"{criterion.pointer}/condition", scope)

    # -- names -------------------------------------------------------------------------------
    def names(self, expression: Any, pointer: str, scope: _Scope) -> None:
        """Check that what ``expression`` names exists (its root, owner and name fields)."""
        root, owner, part, name = expression.root, expression.owner, expression.part, expression.name
        text = expression.text
        if root == "steps" and scope.workflow is not None and owner is not None:
            step = scope.workflow.step(owner)
            if step is None:
                known = [s.step_id for s in scope.workflow.steps]
                self._report(
                    f"{text}: no step {owner!r} in workflow {scope.workflow.workflow_id!r}"
                    + _suggest(owner, known),
                    pointer,
                )
            elif name is not None and name not in step.outputs:
                declared = ", ".join(step.outputs) or "none"
                self._report(
                    f"{text}: step {owner!r} has no output {name!r} (it declares: {declared})", pointer
                )
        elif root == "workflows" and owner is not None:
            workflow = self.document.workflow(owner)
            if workflow is None:
                known = [w.workflow_id for w in self.document.workflows]
                self._report(f"{text}: no workflow {owner!r}" + _suggest(owner, known), pointer)
            elif part == "outputs" and name is not None and name not in workflow.outputs:
                self._report(f"{text}: workflow {owner!r} has no output {name!r}", pointer)
        elif root == "sourceDescriptions" and owner is not None:
            if self.spec.source(owner) is None:
                known = [s.name for s in self.spec.source_descriptions]
                self._report(f"{text}: no source description {owner!r}" + _suggest(owner, known), pointer)
        elif root == "components" and part is not None and name is not None:
            if self.spec.components.lookup(part, name) is None:
                self._report(f"{text}: no components.{part}.{name}", pointer)
        elif root == "inputs" and scope.workflow is not None and name is not None:
            declared_inputs = _declared_inputs(self.spec, scope.workflow)
            if declared_inputs is not None and name not in declared_inputs:
                self._report(
                    f"{text}: workflow {scope.workflow.workflow_id!r} declares no input {name!r}"
                    + _suggest(name, sorted(declared_inputs)),
                    pointer,
                    Severity.WARNING,
                    "undeclared-input",
                )
        elif root == "message" and not (scope.step is not None and scope.step.action == "receive"):
            self._report(
                f"{text}: $message is the message an AsyncAPI 'receive' step got; it has no value here",
                pointer,
            )
        elif root == "self" and self.spec.self_uri is None:
            self._report(
                f"{text}: this document has no $self field, so $self has no value",
                pointer,
                Severity.WARNING,
                "no-self",
            )
        elif root == "outputs" and scope.workflow is not None and name is not None:
            # In a step that calls a workflow, $outputs are that workflow's outputs (EXEC-08).
            owner_workflow: Workflow | None = scope.workflow
            if scope.step is not None and scope.step.workflow_id is not None:
                try:
                    owner_workflow = self.document.resolve_workflow(scope.step.workflow_id).workflow
                except ResolutionError:
                    owner_workflow = None  # reported where the step names it
            if owner_workflow is not None and name not in owner_workflow.outputs:
                self._report(
                    f"{text}: workflow {owner_workflow.workflow_id!r} has no output {name!r}",
                    pointer,
                    Severity.WARNING,
                    "undeclared-output",
                )

    # -- walking the document ----------------------------------------------------------------
    def run(self) -> list[Problem]:
        for workflow in self.spec.workflows:
            scope = _Scope(workflow)
            self.parameters(workflow.parameters, scope)
            self.actions((*workflow.success_actions, *workflow.failure_actions), scope)
            for i, target in enumerate(workflow.depends_on):
                if target.startswith("$"):
                    self.expression(
                        target, f"{workflow.pointer}/dependsOn/{i}", scope, "dependsOn", check_names=False
                    )
            for step in workflow.steps:
                self.step(step, _Scope(workflow, step))
            for name, output in workflow.outputs.items():
                self.output(name, output, f"{workflow.pointer}/outputs/{escape_token(name)}", scope)
        components = self.spec.components
        for parameter in components.parameters.values():
            self.value(parameter.value, f"{parameter.pointer}/value", _Scope(), "parameter value")
        self.actions((*components.success_actions.values(), *components.failure_actions.values()), _Scope())
        return self.problems

    def step(self, step: Step, scope: _Scope) -> None:
        for field_name in ("operationId", "workflowId"):
            text = step.operation_id if field_name == "operationId" else step.workflow_id
            if text is not None and text.startswith("$"):
                self.expression(text, f"{step.pointer}/{field_name}", scope, field_name, check_names=False)
        if step.operation_path is not None:
            self.value(
                step.operation_path,
                f"{step.pointer}/operationPath",
                scope,
                "operationPath",
                check_names=False,
            )
        self.parameters(step.parameters, scope)
        body = step.request_body
        if body is not None:
            if body.has_payload:
                self.value(body.payload, f"{body.pointer}/payload", scope, "payload")
            for replacement in body.replacements:
                self.value(replacement.value, f"{replacement.pointer}/value", scope, "replacement value")
        for criterion in step.success_criteria:
            self.criterion(criterion, scope)
        self.actions((*step.on_success, *step.on_failure), scope)
        for name, output in step.outputs.items():
            self.output(name, output, f"{step.pointer}/outputs/{escape_token(name)}", scope)

    def output(self, name: str, text: Any, pointer: str, scope: _Scope) -> None:
        """An output value MUST be a runtime expression (spec): a literal is a typo, not a constant.
        (An Arazzo 1.1 Selector Object is checked as any value is.)"""
        if not isinstance(text, str):
            self.value(text, pointer, scope, "output")
            return
        try:
            literal = self.x.parse_value(text, arazzo=self.spec.version).kind == "literal"
        except self.x.ExpressionSyntaxError:
            literal = False  # value() reports the syntax error, located in the string
        if not literal:
            self.value(text, pointer, scope, "output")
            return
        unknown = _unknown_root(text)
        if unknown:  # a misspelled root: an error, never a literal output
            self._report(
                f"output {name!r}: {text!r} is not a runtime expression; {unknown}",
                pointer,
                code="expression",
            )
            return
        self._report(
            f"output {name!r}: {text!r} is not a runtime expression (the spec requires one, e.g."
            " $response.body#/id); it is used as a constant",
            pointer,
            Severity.WARNING,
            "literal-output",
        )

    def parameters(self, items: tuple[Parameter | Reusable, ...], scope: _Scope) -> None:
        for item in items:
            if isinstance(item, Reusable):
                self.expression(
                    item.reference, f"{item.pointer}/reference", scope, "reference", check_names=False
                )
                if item.has_value:
                    self.value(item.value, f"{item.pointer}/value", scope, "parameter value")
            else:
                self.value(item.value, f"{item.pointer}/value", scope, "parameter value")

    def actions(self, items: tuple[SuccessAction | FailureAction | Reusable, ...], scope: _Scope) -> None:
        for item in items:
            if isinstance(item, Reusable):
                self.expression(
                    item.reference, f"{item.pointer}/reference", scope, "reference", check_names=False
                )
                continue
            for criterion in item.criteria:
                self.criterion(criterion, scope)
            self.parameters(item.parameters, scope)  # 1.1: inputs for the workflow it names
            if item.workflow_id is not None and item.workflow_id.startswith("$"):
                self.expression(
                    item.workflow_id, f"{item.pointer}/workflowId", scope, "workflowId", check_names=False
                )


def _declared_inputs(spec: ArazzoDocument, workflow: Workflow) -> frozenset[str] | None:
    """Input names to check ``$inputs.x`` against; a workflow with no inputs schema declares none."""
    if workflow.inputs is None:
        return frozenset()
    schema = spec.inputs_schema(workflow)
    declared = spec.declared_inputs(workflow)
    if not declared and isinstance(schema, Mapping) and schema.get("additionalProperties", True) is not False:
        return None  # declares nothing but allows anything: nothing to check against
    return declared


def _selectors(value: Any) -> Iterator[SelectorObject]:
    """The 1.1 Selector Objects in a value (a payload may hold them at any depth)."""
    if isinstance(value, SelectorObject):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _selectors(item)
    elif isinstance(value, list):
        for item in value:
            yield from _selectors(item)


_ROOT_WORD = re.compile(r"\$([A-Za-z][A-Za-z0-9]*)(?=[.#]|$)")


def _unknown_root(text: str) -> str | None:
    """Why ``text`` looks like a runtime expression but is none: its root is unknown (a typo)."""
    from ..expressions.runtime import ROOTS

    match = _ROOT_WORD.match(text)
    if match is None or match.group(1) in ROOTS:
        return None
    root = match.group(1)
    hint = _suggest(f"${root}", sorted(f"${r}" for r in ROOTS))
    if not hint and match.end() == len(text):
        return None  # a bare "$word" like nothing we know: most likely meant as text
    return f"${root} is not a runtime expression root{hint}"


def _strings(value: Any, pointer: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield value, pointer
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(item, f"{pointer}/{escape_token(key)}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{pointer}/{i}")


def expression_checks(document: Document) -> list[Problem]:
    """Parse every expression of ``document`` and check the names they use."""
    return _ExpressionChecker(document).run()


__all__ = ["ResolutionError", "expression_checks"]
