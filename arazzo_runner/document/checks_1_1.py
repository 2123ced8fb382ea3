"""Checks that only Arazzo 1.1 documents need (the loader runs them after :mod:`.checks`).

1.1 adds AsyncAPI steps (``channelPath``, ``action``, ``correlationId``, an ``operationId`` of an
``asyncapi`` source): their operation or channel must resolve, their ``action`` must be known
(given, or the AsyncAPI operation's), a ``receive`` should be bounded by a ``timeout``, and their
parameters go in a message ``header`` or the ``channel`` address. The other 1.1 additions that the
schema cannot check are checked here too, so that :mod:`.checks` stays the one place for what both
versions share.
"""

from __future__ import annotations

from functools import partial

from ..errors import Problem, Severity
from .checks import DocumentChecker
from .model import Parameter, PayloadReplacement, Reusable, Step, Workflow, step_dependency
from .resolved import Document


class _Checker(DocumentChecker):
    def run(self) -> list[Problem]:
        for workflow in self.spec.workflows:
            for step in workflow.steps:
                self.step(workflow, step)
        return self.problems

    def step(self, workflow: Workflow, step: Step) -> None:
        if self.document.is_async_step(step):
            self.depends_on(workflow, step)
            self.async_step(workflow, step)
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

    def async_step(self, workflow: Workflow, step: Step) -> None:
        """An AsyncAPI step: its operation or channel resolves, its action is known, its parameters fit."""
        target = "channelPath" if step.channel_path is not None else "operationId"
        operation = self.resolving(
            partial(self.document.resolve_async_operation, step),
            f"step {step.step_id!r}",
            f"{step.pointer}/{target}",
            "unresolved",
        )
        if operation is None:
            return
        action = step.action or operation.action
        if action not in ("send", "receive"):
            self.error(
                f"step {step.step_id!r} is an AsyncAPI step: it needs 'action: send' or 'action: receive'",
                step.pointer,
            )
            return
        if step.action is not None and operation.action is not None and step.action != operation.action:
            self.warning(
                f"step {step.step_id!r}: action {step.action!r} but AsyncAPI operation"
                f" {operation.operation_id!r} is a {operation.action!r}; the step's action is followed",
                f"{step.pointer}/action",
            )
        if action == "receive" and step.timeout is None:
            from ..sources.asyncapi import DEFAULT_RECEIVE_TIMEOUT

            self.warning(
                f"step {step.step_id!r} receives without a 'timeout': it waits at most"
                f" {DEFAULT_RECEIVE_TIMEOUT:g} s (this runner's bound)",
                step.pointer,
            )
        if step.correlation_id is not None and not operation.correlation:
            self.warning(
                f"step {step.step_id!r} has a correlationId but the AsyncAPI messages of"
                f" {operation.summary!r} declare no correlationId location; it is matched against the"
                " 'correlationId' message header",
                f"{step.pointer}/correlationId",
            )
        if step.request_body is not None and action == "receive":
            self.warning(
                f"step {step.step_id!r} receives: its requestBody is ignored", step.request_body.pointer
            )
        for item in step.parameters:  # workflow-level ones in other places are for its HTTP steps
            parameter = item
            if isinstance(item, Reusable):
                parameter = self.spec.components.lookup("parameters", item.component_name or "")
            if not isinstance(parameter, Parameter):
                continue
            if parameter.in_ not in ("header", "channel"):
                self.error(
                    f"parameter {parameter.name!r}: an AsyncAPI step takes 'in: header' (message headers)"
                    " or 'in: channel' (channel address parameters)",
                    item.pointer,
                )
            elif parameter.in_ == "channel" and parameter.name not in operation.address_parameters:
                self.warning(
                    f"parameter {parameter.name!r} (in channel): channel {operation.channel_key!r} address"
                    f" {operation.address!r} has no {{{parameter.name}}}",
                    item.pointer,
                )

    def warning(self, message: str, pointer: str, code: str = "asyncapi") -> None:
        self.problems.append(Problem(message, self.spec.locate(pointer), Severity.WARNING, code))


def check_1_1(document: Document) -> list[Problem]:
    """Every 1.1-specific problem of ``document`` (a 1.1.x document)."""
    return _Checker(document).run()
