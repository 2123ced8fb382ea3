"""Checks that only Arazzo 1.1 documents need (the loader runs them after :mod:`.checks`).

1.1 adds AsyncAPI steps (``channelPath``, ``action``, ``correlationId``, an ``operationId`` of an
``asyncapi`` source), which this runner does not execute yet: each is refused here, located, so
a document is never half-run. The other 1.1 additions that the schema cannot check are checked
here too, so that :mod:`.checks` stays the one place for what both versions share.
"""

from __future__ import annotations

from ..errors import Problem, Severity
from .model import ArazzoDocument, Parameter, PayloadReplacement, Reusable, Step, Workflow, step_dependency
from .resolved import Document, ResolutionError, SourceUnavailable

_ASYNC_FIELDS = (("channelPath", "channel_path"), ("action", "action"), ("correlationId", "correlation_id"))


class _Checker:
    def __init__(self, document: Document) -> None:
        self.document = document
        self.spec: ArazzoDocument = document.spec
        self.problems: list[Problem] = []

    def error(self, message: str, pointer: str, code: str = "invalid") -> None:
        self.problems.append(Problem(message, self.spec.locate(pointer), Severity.ERROR, code))

    def run(self) -> list[Problem]:
        for workflow in self.spec.workflows:
            for step in workflow.steps:
                self.step(workflow, step)
        return self.problems

    def step(self, workflow: Workflow, step: Step) -> None:
        if self.is_async(step):
            self.error(
                f"step {step.step_id!r} is an AsyncAPI step: AsyncAPI steps (send/receive) are not"
                " supported yet; this runner executes the OpenAPI and workflow steps of Arazzo 1.1",
                step.pointer,
                "unsupported",
            )
            return
        self.depends_on(workflow, step)
        if step.workflow_id is None:
            self.querystring(workflow, step)
        if step.request_body is not None:
            for replacement in step.request_body.replacements:
                self.replacement_target(replacement)

    def replacement_target(self, replacement: PayloadReplacement) -> None:
        """A JSONPath or XPath ``target`` must compile (JSON Pointers are checked when applied)."""
        from ..expressions.errors import ExpressionSyntaxError
        from ..expressions.jsonpath_queries import compile_goessner, compile_jsonpath
        from ..expressions.xpath_queries import compile_xpath

        try:
            if replacement.target_type == "jsonpath":
                goessner = replacement.target_version == "draft-goessner-dispatch-jsonpath-00"
                (compile_goessner if goessner else compile_jsonpath)(replacement.target)
            elif replacement.target_type == "xpath":
                compile_xpath(replacement.target, replacement.target_version)
        except ExpressionSyntaxError as exc:
            self.error(f"replacement target: {exc.message}", f"{replacement.pointer}/target", "expression")

    def depends_on(self, workflow: Workflow, step: Step) -> None:
        """Step ``dependsOn`` names existing steps, and none later in this workflow (steps run in order)."""
        order = [s.step_id for s in workflow.steps]
        for i, entry in enumerate(step.depends_on):
            pointer = f"{step.pointer}/dependsOn/{i}"
            named = step_dependency(entry, workflow.workflow_id)
            if named is None:
                continue  # the schema's patterns already refused other forms
            workflow_id, step_id = named
            if entry.startswith("$sourceDescriptions."):
                owner = self.other_document_workflow(entry)
            else:
                owner = workflow if workflow_id == workflow.workflow_id else self.spec.workflow(workflow_id)
            if owner is None:
                self.error(f"dependsOn {entry!r}: no workflow {workflow_id!r}", pointer, "unresolved")
            elif owner.step(step_id) is None:
                known = ", ".join(s.step_id for s in owner.steps)
                self.error(
                    f"dependsOn {entry!r}: workflow {workflow_id!r} has no step {step_id!r} (it has: {known})",
                    pointer,
                    "unresolved",
                )
            elif owner is workflow and order.index(step_id) >= order.index(step.step_id):
                self.error(
                    f"dependsOn {entry!r}: that step comes at or after {step.step_id!r}; steps run in"
                    " document order here, so it could never have completed first",
                    pointer,
                )

    def other_document_workflow(self, entry: str) -> Workflow | None:
        name, workflow_id = entry.split(".")[1:3]
        source = self.document.sources.get(name)
        return source.workflow(workflow_id) if isinstance(source, Document) else None

    def querystring(self, workflow: Workflow, step: Step) -> None:
        """``in: querystring`` is the whole query: one at most, and no ``in: query`` beside it."""
        located: dict[str, list[str]] = {}
        for item in (*workflow.parameters, *step.parameters):
            parameter = item
            if isinstance(item, Reusable):
                parameter = self.spec.components.lookup("parameters", item.component_name or "")
            if isinstance(parameter, Parameter) and parameter.in_ in ("query", "querystring", "channel"):
                located.setdefault(parameter.in_, []).append(item.pointer)
        for pointer in located.get("channel", ()):
            self.error("'in: channel' is for AsyncAPI steps; this step calls an OpenAPI operation", pointer)
        strings = located.get("querystring", [])
        if len(strings) > 1:
            self.error(
                "a step has at most one 'in: querystring' parameter (it is the whole query)", strings[1]
            )
        if strings and located.get("query"):
            self.error(
                "'in: querystring' is the whole query string: it cannot be combined with 'in: query'"
                f" parameters (one is at {located['query'][0]})",
                strings[0],
            )

    def is_async(self, step: Step) -> bool:
        if any(getattr(step, attribute) is not None for _, attribute in _ASYNC_FIELDS):
            return True
        operation_id = step.operation_id
        if operation_id is None:
            return False
        if operation_id.startswith("$sourceDescriptions."):
            name = operation_id.split(".", 2)[1]
            source = self.spec.source(name)
            return source is not None and source.type == "asyncapi"
        if not any(s.type == "asyncapi" for s in self.spec.source_descriptions):
            return False
        try:
            self.document.resolve_operation_id(operation_id)
        except SourceUnavailable:
            return True  # not in the OpenAPI sources: the AsyncAPI source is where it would be
        except ResolutionError:
            return False  # reported by checks
        return False


def check_1_1(document: Document) -> list[Problem]:
    """Every 1.1-specific problem of ``document`` (a 1.1.x document)."""
    return _Checker(document).run()
