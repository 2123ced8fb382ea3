"""An Arazzo workflow of AWS operations as an Amazon States Language state machine.

Each step becomes a ``Task`` on the ``aws-sdk`` integration
(``arn:aws:states:::aws-sdk:sagemaker:createTrainingJob``): the request body becomes
``Parameters`` (``Key.$`` for expressions), the step's outputs a ``ResultSelector`` kept at
``$.steps.<step>.outputs`` (see :mod:`.asl_paths` for the data layout). Control flow:

* ``onSuccess`` actions → a ``Choice`` after the task, in the document's order (the first whose
  criteria hold wins, as in Arazzo); a ``goto`` back to a step that already ran (a poll loop)
  passes through a ``Wait`` of the step's poll interval; ``end`` → the workflow's outputs.
* success criteria beyond ``$statusCode == 2xx`` → a ``Choice`` whose default is the failure path.
* ``onFailure`` ``retry`` → ``Retry``; ``end`` → ``Catch`` to a ``Fail``; ``goto`` → ``Catch``.
* optional inputs without a default that a body uses → a ``Choice`` on ``IsPresent`` in front of
  one task per combination (AWS rejects ``null`` members; the runner leaves such members out).
* a create step followed by the describe step that polls it while ``InProgress`` → one task on
  the optimised ``.sync`` integration (``arn:aws:states:::sagemaker:createTrainingJob.sync``),
  unless ``optimise=False``.

What has no equivalent is listed in :attr:`StateMachineExport.untranslatable` (step, construct,
why) and the definition is then incomplete: callers must not deploy it. Choices that change
behaviour in a way a reader should know are listed in :attr:`StateMachineExport.notes`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

from ..document.describe import pick_workflow
from ..document.model import FailureAction, Reusable, Step, SuccessAction, Workflow
from ..document.resolved import Document, ResolutionError
from ..engine.options import PollPacing
from .asl_paths import (
    NotTranslatable,
    answer_path,
    criterion_rule,
    field_value,
    input_names,
    is_expression,
    is_status_success,
    path_key,
)
from .aws_calls import AwsCall, aws_call, request_payload
from .errors import AwsModelError

#: SageMaker jobs Step Functions can run to completion itself (``.sync``), by their model name.
SYNC_JOBS = {
    "sagemaker": ("TrainingJob", "TransformJob", "ProcessingJob", "LabelingJob"),
}
OUTPUTS_STATE = "Outputs"
MAX_STATE_NAME = 80  # the States Language's limit
MAX_OPTIONAL_INPUTS = 3


#: Why an Arazzo 1.1 Selector Object output is reported rather than translated.
SELECTOR_OUTPUT = "a Selector Object (Arazzo 1.1) output is not translated to States Language paths yet"


@dataclass(frozen=True, slots=True)
class Untranslatable:
    """A construct the state machine cannot express: where, what, and why."""

    step: str | None
    construct: str
    why: str

    def __str__(self) -> str:
        where = f"step {self.step}" if self.step else "workflow"
        return f"{where}: {self.construct}: {self.why}"


@dataclass(frozen=True, slots=True)
class StateMachineExport:
    """The state machine definition, what could not be translated, and notes for the reader."""

    definition: dict[str, Any]
    untranslatable: tuple[Untranslatable, ...] = ()
    notes: tuple[str, ...] = ()
    #: ``(create step, poll step)`` pairs that became one ``.sync`` task.
    sync_tasks: tuple[tuple[str, str], ...] = field(default=())

    @property
    def complete(self) -> bool:
        return not self.untranslatable


def export_asl(document: Document, workflow_id: str | None = None, *, optimise: bool = True) -> StateMachineExport:
    """Translate one workflow; never raises for untranslatable constructs (they are listed)."""
    workflow = pick_workflow(document, workflow_id)
    return _Exporter(document, workflow, optimise).build()


@dataclass
class _Exporter:
    document: Document
    workflow: Workflow
    optimise: bool
    states: dict[str, Any] = field(default_factory=dict)
    problems: list[Untranslatable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Step id → the JSONPath of its data (``$.steps.<key>``); filled as steps are emitted.
    step_path: dict[str, str] = field(default_factory=dict)
    sync_pairs: list[tuple[str, str]] = field(default_factory=list)

    def build(self) -> StateMachineExport:
        wf = self.workflow
        for construct, present in (
            ("dependsOn", wf.depends_on),
            ("successActions", wf.success_actions),
            ("failureActions", wf.failure_actions),
            ("parameters", wf.parameters),
        ):
            if present:
                self.problems.append(
                    Untranslatable(None, construct, "workflow-level actions, parameters and dependencies have no States Language equivalent here")
                )
        schema = self.document.spec.inputs_schema(wf)
        properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
        required = set(schema.get("required", ())) if isinstance(schema, Mapping) else set()
        self.defaults = {n: p["default"] for n, p in properties.items() if isinstance(p, Mapping) and "default" in p}
        self.optional = {n for n in properties if n not in required and n not in self.defaults}
        self.calls = self._calls()
        groups = self._groups()
        self.entry = {step.step_id: _state_name(group[0].step_id) for group in groups for step in group}
        start = self._inputs_states(self.entry[groups[0][0].step_id] if groups else OUTPUTS_STATE)
        for index, group in enumerate(groups):
            following = self.entry[groups[index + 1][0].step_id] if index + 1 < len(groups) else OUTPUTS_STATE
            self._group_states(group, following)
        self._outputs_state()
        definition = {
            "Comment": f"Arazzo workflow {wf.workflow_id}" + (f": {wf.summary}" if wf.summary else ""),
            "StartAt": start,
            "States": self.states,
        }
        return StateMachineExport(definition, tuple(self.problems), tuple(self.notes), tuple(self.sync_pairs))

    # -- what each step calls ----------------------------------------------------------------
    def _calls(self) -> dict[str, AwsCall]:
        calls: dict[str, AwsCall] = {}
        for step in self.workflow.steps:
            if step.workflow_id is not None:
                self.problems.append(
                    Untranslatable(step.step_id, "workflowId", "nested workflows would need a state machine of their own (states:startExecution.sync); not generated")
                )
                continue
            try:
                call = aws_call(self.document, step)
            except (AwsModelError, ResolutionError) as exc:
                self.problems.append(Untranslatable(step.step_id, "operation", str(exc)))
                continue
            if call is None:
                self.problems.append(
                    Untranslatable(step.step_id, "operation", "not an AWS operation: Step Functions calls AWS APIs (aws-sdk) only")
                )
                continue
            calls[step.step_id] = call
        return calls

    def _groups(self) -> list[list[Step]]:
        """Steps in order; a recognised create-and-poll pair is one group when optimising."""
        steps = list(self.workflow.steps)
        groups: list[list[Step]] = []
        index = 0
        while index < len(steps):
            step = steps[index]
            following = steps[index + 1] if index + 1 < len(steps) else None
            if self.optimise and following is not None and self._sync_pattern(step, following):
                groups.append([step, following])
                self.sync_pairs.append((step.step_id, following.step_id))
                index += 2
            else:
                groups.append([step])
                index += 1
        return groups

    def _sync_pattern(self, create: Step, poll: Step) -> bool:
        first, second = self.calls.get(create.step_id), self.calls.get(poll.step_id)
        if first is None or second is None:
            return False
        jobs = SYNC_JOBS.get(first.model.name, ())
        job = next((j for j in jobs if first.name == f"Create{j}"), None)
        if job is None or second.name != f"Describe{job}":
            return False
        name_member = f"{job}Name"
        create_body, poll_body = request_payload(create), request_payload(poll)
        if not isinstance(create_body, Mapping) or not isinstance(poll_body, Mapping):
            return False
        if create_body.get(name_member) != poll_body.get(name_member) or create_body.get(name_member) is None:
            return False
        if create.on_success or create.on_failure or poll.on_failure:
            return False
        if not all(is_status_success(c) for c in (*create.success_criteria, *poll.success_criteria)):
            return False
        actions = self._actions(poll.on_success, "successActions")
        loops = [a for a in actions if a.type == "goto" and a.step_id == poll.step_id]
        others = [a for a in actions if a not in loops]
        if len(loops) != 1 or any(a.type != "end" for a in others):
            return False
        if len(loops[0].criteria) != 1:
            return False
        try:
            rule, members = criterion_rule(loops[0].criteria[0], "$")
        except NotTranslatable:
            return False
        return members == [[f"{job}Status"]] and rule.get("StringEquals") == "InProgress"

    # -- states ------------------------------------------------------------------------------
    def _inputs_states(self, first: str) -> str:
        init = {"inputs.$": "$", "steps": {}}
        if not self.defaults:
            self.states["Inputs"] = {"Type": "Pass", "Comment": "The workflow inputs, and room for step results", "Parameters": init, "Next": first}
            return "Inputs"
        self.states["Input defaults"] = {
            "Type": "Pass",
            "Comment": "Defaults from the workflow's inputs schema",
            "Parameters": {"defaults": self.defaults, "given.$": "$"},
            "Next": "Inputs",
        }
        self.states["Inputs"] = {
            "Type": "Pass",
            "Comment": "The inputs given, over the schema's defaults; room for step results",
            "Parameters": {"inputs.$": "States.JsonMerge($.defaults, $.given, false)", "steps": {}},
            "Next": first,
        }
        return "Input defaults"

    def _group_states(self, group: list[Step], following: str) -> None:
        step = group[0]
        call = self.calls.get(step.step_id)
        key = "$.steps" + path_key(step.step_id)
        if call is None:
            return
        self._check_parameters(step)
        sync = len(group) == 2
        poll = group[1] if sync else None
        result_selector = self._result_selector(step, call, poll)
        body_fields: dict[str, Any] = {}
        if poll is not None:
            self.step_path[poll.step_id] = key + ".poll"
        after_success = following
        if poll is not None:
            ends = [a for a in self._actions(poll.on_success, "successActions") if a.type == "end"]
            after_success = OUTPUTS_STATE if ends else following
            self.notes.append(
                f"steps {step.step_id} + {poll.step_id}: one {call.action.split(':')[1][:1].lower() + call.name[1:]}.sync task;"
                " Step Functions fails the task when the job ends other than Completed, where the Arazzo"
                " workflow ends successfully and reports the status (--no-optimise, or optimise=False, keeps that)"
            )
        else:
            after_success = self._success_choice(step, call, following, key, body_fields)
        if body_fields:
            result_selector["body"] = body_fields
        task_next = after_success
        retry, catch = self._failure(step, following)
        resource = self._resource(call, sync)
        variants = self._variants(step)
        if variants is None:
            return
        self.step_path[step.step_id] = key
        tasks = []
        for present, absent in variants:
            name = _state_name(step.step_id if len(variants) == 1 else f"{step.step_id} [{self._variant_label(present, absent)}]")
            try:
                parameters = self._parameters(request_payload(step), set(absent))
            except NotTranslatable as exc:
                self.problems.append(Untranslatable(step.step_id, "requestBody", str(exc)))
                return
            state: dict[str, Any] = {"Type": "Task", "Resource": resource}
            if step.description:
                state["Comment"] = " ".join(step.description.split())[:500]
            state["Parameters"] = parameters
            if result_selector:
                state["ResultSelector"] = result_selector
                state["ResultPath"] = key
            else:
                state["ResultPath"] = None
            if retry:
                state["Retry"] = retry
            if catch:
                state["Catch"] = catch
            state["Next"] = task_next
            self.states[name] = state
            tasks.append((name, present, absent))
        if len(tasks) > 1:
            self.states[self.entry[step.step_id]] = {
                "Type": "Choice",
                "Comment": "Optional inputs: AWS rejects null members, so a member whose input is absent is left out",
                "Choices": [
                    {**self._presence_rule(present, absent), "Next": name} for name, present, absent in tasks[:-1]
                ],
                "Default": tasks[-1][0],
            }
        # Reading order: the step's states together, the entry first, its Choice/Wait/Fail after.
        for name in [self.entry[step.step_id]] + [t[0] for t in tasks]:
            if name in self.states:
                self.states[name] = self.states.pop(name)
        for name in [n for n in self.states if n.startswith(f"{step.step_id}: ")]:
            self.states[name] = self.states.pop(name)

    def _resource(self, call: AwsCall, sync: bool) -> str:
        operation = call.name[:1].lower() + call.name[1:]
        if sync:
            return f"arn:aws:states:::{call.model.name}:{operation}.sync"
        return f"arn:aws:states:::aws-sdk:{call.model.name}:{operation}"

    def _check_parameters(self, step: Step) -> None:
        for parameter in step.parameters:
            if isinstance(parameter, Reusable):
                self.problems.append(Untranslatable(step.step_id, f"parameters ({parameter.reference})", "an aws-sdk task takes the request body only"))
            elif not (parameter.in_ == "header" and parameter.name.lower() == "x-amz-target"):
                self.problems.append(
                    Untranslatable(step.step_id, f"parameters ({parameter.name} in {parameter.in_})", "an aws-sdk task takes the request body only; the operation is the task's Resource")
                )

    def _result_selector(self, step: Step, call: AwsCall, poll: Step | None) -> dict[str, Any]:
        selector: dict[str, Any] = {}
        # With .sync the result is the describe answer: the create step's outputs are read from it.
        answer = self.calls[poll.step_id] if poll is not None else call
        outputs = self._outputs(step, answer)
        if outputs is not None:
            selector["outputs"] = outputs
        if poll is not None:
            poll_outputs = self._outputs(poll, answer)
            if poll_outputs is not None:
                selector["poll"] = {"outputs": poll_outputs}
        return selector

    def _outputs(self, step: Step, call: AwsCall) -> dict[str, Any] | None:
        if not step.outputs:
            return None
        used = self._used_outputs(step.step_id)
        out: dict[str, Any] = {}
        for name, expression in step.outputs.items():
            if not isinstance(expression, str):
                self.problems.append(Untranslatable(step.step_id, f"outputs.{name}", SELECTOR_OUTPUT))
                continue
            try:
                path, members = answer_path(expression)
            except NotTranslatable as exc:
                self.problems.append(Untranslatable(step.step_id, f"outputs.{name}", str(exc)))
                continue
            if not self._always_present(call, members):
                if name in used:
                    self.problems.append(
                        Untranslatable(step.step_id, f"outputs.{name}", f"{expression} may be absent from {call.name}'s answer (not required in botocore's model) and a ResultSelector path that finds nothing fails the state")
                    )
                else:
                    self.notes.append(
                        f"step {step.step_id}: output {name} ({expression}) is not kept: no later step or workflow output uses it, and it may be absent from the answer, where a ResultSelector path fails"
                    )
                continue
            out[f"{name}.$"] = path
        return out

    def _used_outputs(self, step_id: str) -> set[str]:
        text = json.dumps(
            [dict(self.workflow.outputs)]
            + [[request_payload(s), [getattr(p, "value", None) for p in s.parameters]] for s in self.workflow.steps],
            default=str,
        )
        return set(re.findall(rf"\$steps\.{re.escape(step_id)}\.outputs\.([A-Za-z0-9_\-]+)", text))

    def _always_present(self, call: AwsCall, members: list[str]) -> bool:
        shapes = call.model.shapes
        shape_name = (call.model.operations[call.name].get("output") or {}).get("shape")
        for member in members:
            shape = shapes.get(shape_name or "", {})
            if member not in (shape.get("required") or ()) or member not in (shape.get("members") or {}):
                return False
            shape_name = shape["members"][member].get("shape")
        return True

    def _success_choice(self, step: Step, call: AwsCall, following: str, key: str, body_fields: dict[str, Any]) -> str:
        """Add the Choice states that follow a task; returns the state the task goes to."""
        body_root = key + ".body"
        index = [s.step_id for s in self.workflow.steps].index(step.step_id)
        choices: list[dict[str, Any]] = []
        default = following
        for action in self._actions(step.on_success, "successActions"):
            target = self._success_target(step, action, index)
            if target is None:
                continue
            if not action.criteria:
                default = target  # later actions can never be chosen
                break
            rule = _all_of(
                [self._rule(step, call, c, body_root, body_fields, f"onSuccess {action.name}") for c in action.criteria]
            )
            if rule is not None:
                choices.append({**rule, "Next": target})
        after = default
        if choices:
            after = _state_name(f"{step.step_id}: on success")
            self.states[after] = {"Type": "Choice", "Choices": choices, "Default": default}
        extra = [c for c in step.success_criteria if not is_status_success(c)]
        if not extra:
            return after
        if self._actions(step.on_failure, "failureActions"):
            self.problems.append(
                Untranslatable(step.step_id, "successCriteria with onFailure", "a Retry or Catch acts on task errors only, not on criteria a Choice tests afterwards")
            )
        rule = _all_of([self._rule(step, call, c, body_root, body_fields, "successCriteria") for c in extra])
        name = _state_name(f"{step.step_id}: success criteria")
        self.states[name] = {
            "Type": "Choice",
            "Choices": [{**rule, "Next": after}] if rule is not None else [],
            "Default": self._failed_state(step),
        }
        return name

    def _success_target(self, step: Step, action: SuccessAction, index: int) -> str | None:
        if action.type == "end":
            return OUTPUTS_STATE
        if action.workflow_id is not None or action.step_id is None:
            self.problems.append(Untranslatable(step.step_id, f"onSuccess {action.name}", "goto a workflow: nested workflows are not generated"))
            return None
        ids = [s.step_id for s in self.workflow.steps]
        if action.step_id not in ids:
            self.problems.append(Untranslatable(step.step_id, f"onSuccess {action.name}", f"no step {action.step_id!r}"))
            return None
        target = self.entry.get(action.step_id, action.step_id)
        if ids.index(action.step_id) > index:
            return target
        interval = self._poll_interval(self.workflow.steps[ids.index(action.step_id)])
        wait = _state_name(f"{step.step_id}: wait before {action.step_id}")
        self.states[wait] = {
            "Type": "Wait",
            "Comment": "Poll loop pacing (the runner adds backoff and jitter; a Wait has a fixed delay)",
            "Seconds": interval,
            "Next": target,
        }
        return wait

    def _poll_interval(self, step: Step) -> int:
        extension = step.extensions.get("x-arazzo-poll")
        interval = PollPacing().interval
        if isinstance(extension, Mapping) and isinstance(extension.get("interval"), int | float):
            interval = extension["interval"]
        return max(1, math.ceil(float(interval)))

    def _rule(
        self, step: Step, call: AwsCall, criterion: Any, body_root: str, body_fields: dict[str, Any], where: str
    ) -> dict[str, Any] | None:
        try:
            rule, fields = criterion_rule(criterion, body_root)
        except NotTranslatable as exc:
            self.problems.append(Untranslatable(step.step_id, where, str(exc)))
            return None
        for members in fields:
            if not self._always_present(call, members):
                self.problems.append(
                    Untranslatable(step.step_id, where, f"{'/'.join(members)} may be absent from {call.name}'s answer; a Choice on a missing field fails")
                )
                return None
        for members in fields:
            node = body_fields
            for member in members[:-1]:
                node = node.setdefault(member, {})
            node[f"{members[-1]}.$"] = "$" + "".join(path_key(m) for m in members)
        return rule

    def _failure(self, step: Step, following: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        retry: list[dict[str, Any]] = []
        catch: list[dict[str, Any]] = []
        for action in self._actions(step.on_failure, "failureActions"):
            where = f"onFailure {action.name}"
            if action.criteria:
                self.problems.append(
                    Untranslatable(step.step_id, where, "criteria on a failed answer: after a Task fails Step Functions sees only Error and Cause")
                )
                continue
            if action.type == "retry":
                if action.step_id or action.workflow_id:
                    self.problems.append(Untranslatable(step.step_id, where, "retry through another step or workflow has no Retry equivalent"))
                    continue
                retry.append(
                    {
                        "ErrorEquals": ["States.ALL"],
                        "IntervalSeconds": max(1, math.ceil(action.retry_after or 1)),
                        "MaxAttempts": 1 if action.retry_limit is None else action.retry_limit,
                        "BackoffRate": 1.0,
                    }
                )
            elif action.type == "end":
                catch.append({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": self._failed_state(step, action.name)})
                break
            elif action.step_id and action.step_id in self.entry:
                catch.append({"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": self.entry[action.step_id]})
                break
            else:
                self.problems.append(Untranslatable(step.step_id, where, "goto a workflow or an unknown step"))
        return retry, catch

    def _failed_state(self, step: Step, action_name: str | None = None) -> str:
        name = _state_name(f"{step.step_id}: failed" + (f" ({action_name})" if action_name else ""))
        self.states[name] = {
            "Type": "Fail",
            "Error": "Arazzo.StepFailed",
            "Cause": f"step {step.step_id} failed" + (f"; failure action {action_name} ends the workflow" if action_name else ""),
        }
        return name

    def _variants(self, step: Step) -> list[tuple[tuple[str, ...], tuple[str, ...]]] | None:
        """(present, absent) optional inputs per task variant, most present first."""
        used = sorted(self._optional_inputs_used(request_payload(step)))
        if len(used) > MAX_OPTIONAL_INPUTS:
            self.problems.append(
                Untranslatable(step.step_id, "requestBody", f"{len(used)} optional inputs without defaults ({', '.join(used)}): one task per combination would be {2 ** len(used)} tasks; give them defaults")
            )
            return None
        variants = []
        for size in range(len(used), -1, -1):
            for present in combinations(used, size):
                variants.append((present, tuple(n for n in used if n not in present)))
        return variants

    def _optional_inputs_used(self, value: Any) -> set[str]:
        found: set[str] = set()
        if isinstance(value, Mapping):
            for item in value.values():
                found |= self._optional_inputs_used(item)
        elif isinstance(value, list):
            for item in value:
                found |= self._optional_inputs_used(item)
        elif isinstance(value, str):
            names = input_names(value)
            if names and names[0] in self.optional:
                found.add(names[0])
        return found

    @staticmethod
    def _variant_label(present: tuple[str, ...], absent: tuple[str, ...]) -> str:
        return ", ".join([f"with {n}" for n in present] + [f"without {n}" for n in absent])

    @staticmethod
    def _presence_rule(present: tuple[str, ...], absent: tuple[str, ...]) -> dict[str, Any]:
        rules = [{"Variable": "$.inputs" + path_key(n), "IsPresent": True} for n in present]
        rules += [{"Variable": "$.inputs" + path_key(n), "IsPresent": False} for n in absent]
        return rules[0] if len(rules) == 1 else {"And": rules}

    def _parameters(self, value: Any, absent: set[str]) -> Any:
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for member, item in value.items():
                names = input_names(item) if isinstance(item, str) else None
                if names and names[0] in absent:
                    continue
                if is_expression(item):
                    out[f"{member}.$"] = field_value(item, self.step_path)
                else:
                    out[member] = self._parameters(item, absent)
            return out
        if isinstance(value, list):
            if any(is_expression(item) for item in value):
                raise NotTranslatable("an expression directly inside an array has no field name to carry '.$'")
            return [self._parameters(item, absent) for item in value]
        return value

    def _outputs_state(self) -> None:
        parameters: dict[str, Any] = {}
        for name, expression in self.workflow.outputs.items():
            if not isinstance(expression, str):
                self.problems.append(Untranslatable(None, f"outputs.{name}", SELECTOR_OUTPUT))
                continue
            try:
                parameters[f"{name}.$"] = field_value(expression, self.step_path)
            except NotTranslatable as exc:
                self.problems.append(Untranslatable(None, f"outputs.{name}", str(exc)))
        self.states[OUTPUTS_STATE] = {
            "Type": "Pass",
            "Comment": "The workflow's outputs",
            "Parameters": parameters,
            "End": True,
        }

    def _actions(self, items: tuple[Any, ...], table: str) -> list[Any]:
        out = []
        for item in items:
            if isinstance(item, Reusable):
                item = self.document.spec.components.lookup(table, item.component_name or "")
            if isinstance(item, SuccessAction | FailureAction):
                out.append(item)
        return out


def _state_name(text: str) -> str:
    """``text``, or for names past the 80-character limit its start and a short digest (unique)."""
    if len(text) <= MAX_STATE_NAME:
        return text
    import hashlib

    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return text[: MAX_STATE_NAME - 10] + "… " + digest


def _all_of(rules: list[dict[str, Any] | None]) -> dict[str, Any] | None:
    """One Choice rule that holds when all of ``rules`` do; ``None`` when any could not be translated."""
    present = [rule for rule in rules if rule is not None]
    if len(present) != len(rules) or not present:
        return None
    return present[0] if len(present) == 1 else {"And": present}
