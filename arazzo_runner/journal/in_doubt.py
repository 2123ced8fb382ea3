"""Requests in doubt: sent (or about to be) when the process died, no answer recorded. Resend or ask?

The rule (``safety``), first match wins:

1. the OpenAPI operation says ``x-arazzo-idempotent: true`` (or ``false``, to force a question);
2. ``GET``, ``HEAD``, ``OPTIONS``, ``PUT``, ``DELETE`` (idempotent by HTTP's definition): **resend**;
3. an AWS read (``X-Amz-Target`` operation ``Describe*``, ``List*``, ``Get*``): **resend**;
4. an AWS ``Create*`` whose ``Describe*`` twin is in the same source: **look** first. The twin is
   called with the create's name members; if the resource exists and matches what this run sent
   (every member both carry is equal), the create *was* done by this run: its answer is rebuilt
   from the description (the members of the create's response schema) and the run carries on,
   without a second create. If the resource does not exist (HTTP 404, an AWS not-found code in
   any of its spellings, or a generic validation code whose message says so: :func:`not_found`),
   the create is sent.
5. anything else (a ``POST``, a ``PATCH``): **ask**. ``resume`` stops naming the step and the
   request; ``--resend`` sends it again, ``--assume-failed`` treats it as failed (the step's
   ``onFailure`` actions apply).

``safety`` is also how the journal chooses its fsync policy: the record before a request that is
not "resend" is fsynced (:mod:`.store`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from ..document.resolved import Document
from ..engine.needs import SendRequest
from ..errors import ArazzoError

Safety = Literal["resend", "look", "ask"]

IDEMPOTENT_METHODS = frozenset({"get", "head", "options", "put", "delete"})
AWS_READ_PREFIXES = ("Describe", "List", "Get")
#: Error codes meaning "no such resource" from a Describe call (the common ones; any code that
#: says ``NotFound`` / ``NoSuch`` / ``DoesNotExist`` counts too: :func:`not_found`).
NOT_FOUND_CODES = frozenset(
    {"ResourceNotFound", "ResourceNotFoundException", "NotFoundException", "NoSuchEntity", "NotFound", "NoSuchKey"}
)
#: How AWS spells "not found" inside its error codes. botocore's waiters (``waiters-2.json``, the
#: error acceptors of the ``*Deleted`` / ``*NotExists`` waiters) use codes such as
#: ``ResourceNotFoundException``, ``InvalidInstanceID.NotFound``, ``DBInstanceNotFound``,
#: ``ResourceNotFoundFault``, ``NoSuchEntity``, ``NoSuchKey``: every one matches this.
_NOT_FOUND_CODE = re.compile(r"NotFound|NoSuch|DoesNotExist|NotExist", re.IGNORECASE)
#: Generic codes that services also use for "no such resource", told apart by their message
#: (SageMaker: ``ValidationException`` "Requested resource not found"; its ``EndpointDeleted`` and
#: ``NotebookInstanceDeleted`` waiters accept ``ValidationException`` as "gone").
GENERIC_CODES = frozenset({"ValidationException", "ValidationError", "InvalidParameterValue", "InvalidRequest"})
_NOT_FOUND_MESSAGE = re.compile(
    r"not found|does not exist|doesn't exist|could not find|cannot find|can't find|no such|not exist",
    re.IGNORECASE,
)


def not_found(status_code: int, error_code: str | None, message: str) -> bool:
    """Whether a Describe answer says "no such resource": HTTP 404, an AWS not-found error code,
    or a generic validation code whose message says the resource is not found."""
    if status_code == 404:
        return True
    if not error_code or not 400 <= status_code < 500:
        return False
    code = error_code.rpartition("#")[2].split(":", 1)[0]  # "aws.protocols#X" / "X:http://..." spellings
    if code in NOT_FOUND_CODES or _NOT_FOUND_CODE.search(code):
        return True
    return code in GENERIC_CODES and bool(_NOT_FOUND_MESSAGE.search(message))


def user_choice(choice: str, what: str, note: Any) -> str | None:
    """The resumer's own answer for ``what`` in doubt (``--resend`` or ``--assume-failed``), noted in
    the run's timeline; ``None`` when it is left to what the request or message is (``safe``)."""
    if choice == "resend":
        note(f"{what} in doubt: sent again (--resend)")
        return choice
    if choice == "assume-failed":
        note(f"{what} in doubt: assumed failed (--assume-failed)")
        return choice
    return None


#: The error a step is fed for something in doubt that ``--assume-failed`` takes as failed.
ASSUMED_FAILED = "assumed failed: the {} when the run stopped (resume --assume-failed)"


class RequestInDoubt(ArazzoError):
    """A resumed run stops at a request that may or may not have been done; the user decides."""

    exit_code = 2


def aws_target(need: SendRequest) -> str | None:
    """``Service.Operation`` of an AWS JSON request (the path's fragment or the header)."""
    _, sep, fragment = need.operation_path.partition("#")
    if sep:
        for part in fragment.split("&"):
            name, _, value = part.partition("=")
            if name.lower() == "x-amz-target" and value:
                return value
    for parameter in need.parameters:
        if parameter.location == "header" and parameter.name.lower() == "x-amz-target":
            return str(parameter.value)
    return None


def _operation_name(target: str) -> str:
    return target.rpartition(".")[2]


def _operation(document: Document, need: SendRequest) -> Any:
    from ..engine.lookups import operation_of

    try:
        return operation_of(document, need)
    except (ArazzoError, KeyError, AssertionError):
        return None, None


def describe_twin(document: Document, need: SendRequest) -> str | None:
    """The ``operation_path`` of the Describe twin of an AWS create, when the source has one."""
    target = aws_target(need)
    source, _ = _operation(document, need)
    if target is None or source is None:
        return None
    name = _operation_name(target)
    if not name.startswith("Create"):
        return None
    twin_target = target[: -len(name)] + "Describe" + name[len("Create") :]
    path = need.operation_path.replace(target, twin_target) if target in need.operation_path else None
    if path is not None and source.operation_at(path, need.method) is not None:
        return path
    return None


def safety(document: Document, need: SendRequest) -> Safety:
    """What to do with ``need`` if it is found in flight after a crash (see the module's rule)."""
    _, operation = _operation(document, need)
    if operation is not None:
        declared = operation.data.get("x-arazzo-idempotent") if isinstance(operation.data, Mapping) else None
        if declared is True:
            return "resend"
        if declared is False:
            return "ask"
    target = aws_target(need)
    if target is not None:
        name = _operation_name(target)
        if name.startswith(AWS_READ_PREFIXES):
            return "resend"
        if name.startswith("Create") and describe_twin(document, need) is not None:
            return "look"
        return "ask"
    if need.method.lower() in IDEMPOTENT_METHODS:
        return "resend"
    return "ask"


def describe_request(document: Document, need: SendRequest) -> SendRequest:
    """The Describe twin of the create ``need``, with the create's ``*Name`` members as its body."""
    path = describe_twin(document, need)
    assert path is not None
    target = aws_target(need)
    assert target is not None
    name = _operation_name(target)
    twin_target = target[: -len(name)] + "Describe" + name[len("Create") :]
    payload = need.payload if isinstance(need.payload, Mapping) else {}
    names = {k: v for k, v in payload.items() if k.endswith("Name") and isinstance(v, str)}
    from dataclasses import replace

    from ..engine.needs import Body, Parameter

    parameters = tuple(
        Parameter(p.name, p.location, twin_target)
        if p.location == "header" and p.name.lower() == "x-amz-target"
        else p
        for p in need.parameters
    )
    content_type = need.body.content_type if need.body is not None else None
    return replace(
        need,
        operation_path=path,
        parameters=parameters,
        body=Body(names, content_type),
        payload=names,
    )


def same_resource(sent: Any, described: Any) -> bool:
    """True when every member present both in what was sent and in the description is equal."""
    if isinstance(sent, Mapping) and isinstance(described, Mapping):
        return all(same_resource(v, described[k]) for k, v in sent.items() if k in described)
    if isinstance(sent, list) or isinstance(described, list):
        return True  # lists are often normalised by the service: not evidence either way
    return sent == described or str(sent) == str(described)


def response_members(document: Document, need: SendRequest) -> list[str] | None:
    """The top-level members of the operation's success response schema (local ``$ref``s followed)."""
    source, operation = _operation(document, need)
    if operation is None:
        return None
    data = source.data

    def deref(node: Any) -> Any:
        for _ in range(10):
            if isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/"):
                target: Any = data
                for part in node["$ref"][2:].split("/"):
                    target = target.get(part.replace("~1", "/").replace("~0", "~")) if isinstance(target, Mapping) else None
                node = target
            else:
                break
        return node

    responses = deref(operation.data.get("responses")) or {}
    for code in ("200", "201", "2XX", "default"):
        response = deref(responses.get(code)) if isinstance(responses, Mapping) else None
        if not isinstance(response, Mapping):
            continue
        for media in (deref(response.get("content")) or {}).values():
            schema = deref(media.get("schema")) if isinstance(media, Mapping) else None
            if isinstance(schema, Mapping) and isinstance(schema.get("properties"), Mapping):
                return list(schema["properties"])
    return None
