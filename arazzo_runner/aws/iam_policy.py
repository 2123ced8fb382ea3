"""A least-privilege IAM policy for the AWS operations a workflow can reach.

One statement per step (steps calling the same action on the same resource share one), its
``Sid`` made of the step ids, so a reviewer can see why each permission is there:

* **Action**: the service's signing name and the operation's name in botocore's model
  (``sagemaker:CreateTrainingJob``), as IAM names actions.
* **Resource**: when botocore's model tells the operation's resource type, the resource's ARN.
  The rule is read from the model, not from a table kept here: a required input member
  ``<X>Name`` whose sibling shape ``<X>Arn`` has the pattern
  ``arn:aws…:<service>:…:<12 digits>:<resource-type>/…`` names an ``<resource-type>`` resource
  (``TrainingJobName`` → ``arn:aws:sagemaker:REGION:ACCOUNT:training-job/NAME``). The name is the
  request's literal value or the ``$inputs`` value given (``inputs=`` narrows); otherwise ``*``
  in the name part only. Operations with no such member get ``Resource: "*"``, which is what AWS
  requires for actions without a resource type; :attr:`IamPolicy.notes` lists each such case.
* **iam:PassRole**: an input member whose shape is an IAM role ARN passes a role to the service:
  ``iam:PassRole`` on that role (the input's value when given, else any role of the account),
  with ``iam:PassedToService`` set to the service principal (``sagemaker.amazonaws.com``), as
  Step Functions' generated policies do.

Steps that call non-AWS operations get no statement (a note says so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypedDict, Unpack

from ..document.describe import pick_workflow
from ..document.resolved import Document
from ..keywords import check_keywords
from .aws_calls import AwsCall, aws_call, input_reference, reachable_steps, request_payload

POLICY_VERSION = "2012-10-17"

_RESOURCE_ARN = re.compile(
    r"^arn:aws\[a-z\\-\]\*:(?P<service>[a-z0-9-]+):\[a-z0-9\\-\]\*:\[0-9\]\{12\}:(?P<type>[a-z0-9-]+)/"
)
_ROLE_ARN = re.compile(r"^arn:aws\[a-z\\-\]\*:iam::.*:role/")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class PolicyStatement:
    """One ``Allow`` statement and the steps that need it."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    steps: tuple[str, ...]
    condition: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": list(self.resources),
        }
        if self.condition:
            data["Condition"] = {k: dict(v) for k, v in self.condition.items()}
        return data


@dataclass(frozen=True, slots=True)
class IamPolicy:
    """The policy, and notes on every choice a reviewer should know about."""

    statements: tuple[PolicyStatement, ...]
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The IAM policy document (``Version`` and ``Statement``), ready for ``json.dumps``."""
        return {"Version": POLICY_VERSION, "Statement": [s.to_dict() for s in self.statements]}

    def without(self, sid: str) -> IamPolicy:
        """The same policy minus the statement ``sid`` (tests use it to show each one is needed)."""
        kept = tuple(s for s in self.statements if s.sid != sid)
        if len(kept) == len(self.statements):
            raise KeyError(sid)
        return replace(self, statements=kept)


class ArnScope(TypedDict, total=False):
    """Where a policy's resource ARNs point: ``region`` and ``account_id`` fill those ARN parts
    (``*`` when not given). Both policies take it, and both hand it on unchanged."""

    region: str | None
    account_id: str | None


def iam_policy(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    **scope: Unpack[ArnScope],
) -> IamPolicy:
    """The least-privilege policy for running ``workflow_id`` of ``document`` with this runner.

    ``inputs`` narrow resource names (job names, role ARNs) to the values given; ``region`` and
    ``account_id`` (:class:`ArnScope`) fill those ARN parts (``*`` when not given).
    """
    check_keywords("iam_policy", scope, ArnScope)
    return _policy(document, workflow_id, inputs, sync={}, **scope)


def state_machine_policy(
    document: Document,
    workflow_id: str | None = None,
    inputs: Mapping[str, Any] | None = None,
    *,
    optimise: bool = True,
    **scope: Unpack[ArnScope],
) -> IamPolicy:
    """The policy the execution role of ``export_asl``'s state machine needs (``scope``: as for
    :func:`iam_policy`).

    ``aws-sdk`` tasks need what the runner needs. A ``.sync`` task (a create-and-poll pair) needs
    what Step Functions' own generated policy for that integration grants: create, describe and
    stop on the job, ``ListTags`` (``*``, as AWS's policy has it), the role to pass, and the
    EventBridge rule ``StepFunctionsGetEventsForSageMaker<Job>sRule`` through which Step
    Functions learns that the job ended.
    """
    from .asl_export import export_asl

    check_keywords("state_machine_policy", scope, ArnScope)  # before the export runs
    exported = export_asl(document, workflow_id, optimise=optimise)
    policy = _policy(document, workflow_id, inputs, sync=dict(exported.sync_tasks), **scope)
    notes = [
        f"steps {create} and {poll}: one .sync task in the state machine; its statements are what Step"
        " Functions' own policy for that integration grants (create, describe and stop on the job,"
        " ListTags on *, the EventBridge rule through which it learns the job ended), not calls the"
        " workflow makes itself"
        for create, poll in exported.sync_tasks
    ]
    if not optimise:
        notes.append("--no-optimise: the state machine polls with aws-sdk tasks, so this is the runner's policy")
    return replace(policy, notes=(*policy.notes, *notes))


def _policy(
    document: Document,
    workflow_id: str | None,
    inputs: Mapping[str, Any] | None,
    *,
    sync: Mapping[str, str],
    region: str | None = None,
    account_id: str | None = None,
) -> IamPolicy:
    workflow = pick_workflow(document, workflow_id)
    region = region or "*"
    account = account_id or "*"
    partition = _partition(region)
    statements: list[PolicyStatement] = []
    notes: list[str] = []
    for reached in reachable_steps(document, workflow, inputs):
        if reached.step.workflow_id is not None or (reached.top_level and reached.label in sync.values()):
            continue  # a called workflow's steps are reached themselves; a .sync poll step is its create's task
        if reached.document.is_async_step(reached.step):  # Arazzo 1.1 AsyncAPI: a message step
            statements += _message_statements(reached, partition, region, account, notes)
            continue
        call = aws_call(reached.document, reached.step)
        if call is None:
            notes.append(f"step {reached.label}: not an AWS operation; no IAM permission needed")
            continue
        own_inputs = reached.inputs
        payload = request_payload(reached.step)
        payload = payload if isinstance(payload, Mapping) else {}
        resource = _resource_arn(call, payload, own_inputs, partition, region, account)
        if resource is None:
            resource = "*"
            notes.append(
                f"step {reached.label}: {call.action} has no resource type in botocore's model;"
                ' Resource "*" (AWS requires it for such actions)'
            )
        if reached.top_level and reached.label in sync:
            steps = (reached.label, sync[reached.label])
            statements += _sync_statements(call, resource, steps, partition, region, account)
        else:
            statements.append(PolicyStatement("", (call.action,), (resource,), (reached.label,)))
        for role in _passed_roles(call, payload, own_inputs, partition, account):
            statements.append(
                PolicyStatement(
                    "PassRole",
                    ("iam:PassRole",),
                    (role,),
                    (reached.label,),
                    {"StringEquals": {"iam:PassedToService": f"{call.signing_name}.amazonaws.com"}},
                )
            )
    return IamPolicy(_merged(statements), tuple(notes))


#: What the runner's SQS transport calls (``messaging/sqs.py``): a receive long-polls, deletes the message
#: it matched and makes every other one it saw visible again; a queue given by name is looked up first.
_SQS_ACTIONS = {
    "receive": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"),
    "send": ("sqs:SendMessage",),
}
_SQS_URL = re.compile(r"^https?://[^/]*?(?:sqs\.(?P<region>[a-z0-9-]+)\.[^/]+)?/(?P<account>\d{12})/(?P<queue>[^/?#]+)")


def _message_statements(
    reached: Any, partition: str, region: str, account: str, notes: list[str]
) -> list[PolicyStatement]:
    """An AsyncAPI step over SQS: the queue actions the runner calls, on the queue when it is known."""
    from ..sources.asyncapi import AsyncApiError

    step = reached.step
    target = reached.document.resolve_async_operation(step)
    if "sqs" not in target.protocols:
        notes.append(
            f"step {reached.label}: messages over {', '.join(target.protocols) or 'an unknown protocol'};"
            " no IAM permission needed by this runner"
        )
        return []
    action = step.action or target.action or "receive"
    values: dict[str, Any] = {}
    for parameter in step.parameters:
        if getattr(parameter, "in_", None) != "channel":
            continue
        name = input_reference(parameter.value)
        value = reached.inputs.get(name) if name is not None else parameter.value
        if isinstance(value, str) and not value.startswith("$"):
            values[parameter.name] = value
    try:
        address = target.address_with(values)
    except AsyncApiError:
        address = None
    queue_region, queue_account, queue = region, account, "*"
    actions = _SQS_ACTIONS.get(action, _SQS_ACTIONS["receive"])
    if address is not None:
        url = _SQS_URL.match(address)
        if url:
            queue_region = url["region"] or region
            queue_account, queue = url["account"], url["queue"]
        else:
            queue = address
    if address is None or not address.startswith(("http://", "https://")):
        actions = (*actions, "sqs:GetQueueUrl")  # the queue is named, not given by URL
    if queue == "*":
        notes.append(f"step {reached.label}: the queue is not known before the run; Resource names any queue")
    if action == "receive":
        notes.append(
            f"step {reached.label}: receives from SQS queue {queue}. The events reach it through an EventBridge"
            " rule targeting the queue: events.amazonaws.com needs sqs:SendMessage in the queue's own policy;"
            " creating the rule and the queue is set-up, not part of this role"
        )
    arn = f"arn:{partition}:sqs:{queue_region}:{queue_account}:{queue}"
    return [PolicyStatement("", actions, (arn,), (reached.label,))]


def _sync_statements(
    call: AwsCall, resource: str, steps: tuple[str, ...], partition: str, region: str, account: str
) -> list[PolicyStatement]:
    job = call.name[len("Create") :]
    actions = tuple(f"{call.signing_name}:{verb}{job}" for verb in ("Create", "Describe", "Stop"))
    rule = f"arn:{partition}:events:{region}:{account}:rule/StepFunctionsGetEventsForSageMaker{job}sRule"
    return [
        PolicyStatement("Sync", actions, (resource,), steps),
        PolicyStatement("SyncListTags", (f"{call.signing_name}:ListTags",), ("*",), steps),
        PolicyStatement("SyncEvents", ("events:PutTargets", "events:PutRule", "events:DescribeRule"), (rule,), steps),
    ]


def _partition(region: str) -> str:
    if region == "*":
        return "aws"
    try:
        import botocore.session

        return str(botocore.session.get_session().get_partition_for_region(region))
    except Exception:  # an unknown region: the commercial partition, as botocore defaults
        return "aws"


def _sid(steps: tuple[str, ...], suffix: str) -> str:
    """``Sid`` allows only letters and digits: step labels in CamelCase, then what it is for."""
    words = [w for label in steps for w in _NOT_ALNUM.split(label) if w]
    return ("".join(w[:1].upper() + w[1:] for w in words) or "Steps") + suffix


def _value(payload: Mapping[str, Any], member: str, inputs: Mapping[str, Any]) -> str | None:
    """The member's value when the request fixes it (a literal, or an ``$inputs`` value given)."""
    raw = payload.get(member)
    name = input_reference(raw)
    if name is not None:
        raw = inputs.get(name)
    elif isinstance(raw, str) and raw.startswith("$"):
        return None  # another runtime expression: known only while running
    return raw if isinstance(raw, str) and raw and "*" not in raw else None


def _resource_arn(
    call: AwsCall,
    payload: Mapping[str, Any],
    inputs: Mapping[str, Any],
    partition: str,
    region: str,
    account: str,
) -> str | None:
    required = call.input_shape.get("required") or ()
    for member in required:
        shape_name, _ = call.member_shape(member)
        if not shape_name or not shape_name.endswith("Name"):
            continue
        arn_shape = call.model.shapes.get(shape_name[: -len("Name")] + "Arn") or {}
        match = _RESOURCE_ARN.match(str(arn_shape.get("pattern") or ""))
        if match is None:
            continue
        name = _value(payload, member, inputs) or "*"
        return f"arn:{partition}:{match['service']}:{region}:{account}:{match['type']}/{name}"
    return None


def _passed_roles(
    call: AwsCall, payload: Mapping[str, Any], inputs: Mapping[str, Any], partition: str, account: str
) -> list[str]:
    roles = []
    for member in call.input_shape.get("members") or {}:
        _, shape = call.member_shape(member)
        if not _ROLE_ARN.match(str(shape.get("pattern") or "")):
            continue
        if member not in payload and member not in (call.input_shape.get("required") or ()):
            continue
        roles.append(_value(payload, member, inputs) or f"arn:{partition}:iam::{account}:role/*")
    return roles


def _merged(statements: list[PolicyStatement]) -> tuple[PolicyStatement, ...]:
    """Statements granting the same thing to several steps become one, naming them all."""
    out: dict[tuple[Any, ...], PolicyStatement] = {}
    for s in statements:
        key = (s.actions, s.resources, repr(s.condition))
        first = out.get(key)
        out[key] = replace(first, steps=first.steps + s.steps) if first else s
    # ``sid`` held the suffix until now (``PassRole``, or nothing for the step's own action).
    return tuple(replace(s, sid=_sid(s.steps, s.sid)) for s in out.values())
