"""Turn schema-valid document data into the frozen model of :mod:`.model`.

It runs only after :mod:`.schema` accepted the data, so shapes are known; what it does is
naming (``in`` → ``in_``, camelCase → snake_case), freezing, separating ``x-`` extensions and
recording each object's JSON pointer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from ..yaml12 import ParsedFile, escape_token
from .model import (
    EMPTY,
    ArazzoDocument,
    Components,
    Criterion,
    CriterionExpressionType,
    FailureAction,
    Info,
    Parameter,
    PayloadReplacement,
    RequestBody,
    Reusable,
    SourceDescription,
    Step,
    SuccessAction,
    Workflow,
)


def _ext(data: Mapping[str, Any]) -> Mapping[str, Any]:
    found = {k: v for k, v in data.items() if k.startswith("x-")}
    return MappingProxyType(found) if found else EMPTY


def _frozen_map(data: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(data)) if data else EMPTY


def _criterion(data: Mapping[str, Any], pointer: str) -> Criterion:
    raw_type = data.get("type", "simple")
    expression_type = None
    kind = raw_type
    if isinstance(raw_type, Mapping):
        expression_type = CriterionExpressionType(
            type=raw_type["type"],
            version=raw_type["version"],
            extensions=_ext(raw_type),
            pointer=f"{pointer}/type",
        )
        kind = raw_type["type"]
    return Criterion(
        condition=data["condition"],
        context=data.get("context"),
        type=kind,
        expression_type=expression_type,
        extensions=_ext(data),
        pointer=pointer,
    )


def _criteria(items: list[Any] | None, pointer: str) -> tuple[Criterion, ...]:
    return tuple(_criterion(c, f"{pointer}/{i}") for i, c in enumerate(items or ()))


def _is_reusable(data: Mapping[str, Any]) -> bool:
    return "reference" in data


def _reusable(data: Mapping[str, Any], pointer: str) -> Reusable:
    return Reusable(
        reference=data["reference"], value=data.get("value"), has_value="value" in data, pointer=pointer
    )


def _parameter(data: Mapping[str, Any], pointer: str) -> Parameter:
    return Parameter(
        name=data["name"], value=data["value"], in_=data.get("in"), extensions=_ext(data), pointer=pointer
    )


def _parameters(items: list[Any] | None, pointer: str) -> tuple[Parameter | Reusable, ...]:
    out: list[Parameter | Reusable] = []
    for i, item in enumerate(items or ()):
        ptr = f"{pointer}/{i}"
        out.append(_reusable(item, ptr) if _is_reusable(item) else _parameter(item, ptr))
    return tuple(out)


def _success_action(data: Mapping[str, Any], pointer: str) -> SuccessAction:
    return SuccessAction(
        name=data["name"],
        type=data["type"],
        workflow_id=data.get("workflowId"),
        step_id=data.get("stepId"),
        criteria=_criteria(data.get("criteria"), f"{pointer}/criteria"),
        extensions=_ext(data),
        pointer=pointer,
    )


def _failure_action(data: Mapping[str, Any], pointer: str) -> FailureAction:
    return FailureAction(
        name=data["name"],
        type=data["type"],
        workflow_id=data.get("workflowId"),
        step_id=data.get("stepId"),
        retry_after=data.get("retryAfter"),
        retry_limit=data.get("retryLimit"),
        criteria=_criteria(data.get("criteria"), f"{pointer}/criteria"),
        extensions=_ext(data),
        pointer=pointer,
    )


def _actions(items: list[Any] | None, pointer: str, make: Any) -> tuple[Any, ...]:
    out = []
    for i, item in enumerate(items or ()):
        ptr = f"{pointer}/{i}"
        out.append(_reusable(item, ptr) if _is_reusable(item) else make(item, ptr))
    return tuple(out)


def _request_body(data: Mapping[str, Any] | None, pointer: str) -> RequestBody | None:
    if data is None:
        return None
    replacements = tuple(
        PayloadReplacement(
            target=r["target"], value=r["value"], extensions=_ext(r), pointer=f"{pointer}/replacements/{i}"
        )
        for i, r in enumerate(data.get("replacements") or ())
    )
    return RequestBody(
        content_type=data.get("contentType"),
        payload=data.get("payload"),
        has_payload="payload" in data,
        replacements=replacements,
        extensions=_ext(data),
        pointer=pointer,
    )


def _step(data: Mapping[str, Any], pointer: str) -> Step:
    return Step(
        step_id=data["stepId"],
        description=data.get("description"),
        operation_id=data.get("operationId"),
        operation_path=data.get("operationPath"),
        workflow_id=data.get("workflowId"),
        parameters=_parameters(data.get("parameters"), f"{pointer}/parameters"),
        request_body=_request_body(data.get("requestBody"), f"{pointer}/requestBody"),
        success_criteria=_criteria(data.get("successCriteria"), f"{pointer}/successCriteria"),
        on_success=_actions(data.get("onSuccess"), f"{pointer}/onSuccess", _success_action),
        on_failure=_actions(data.get("onFailure"), f"{pointer}/onFailure", _failure_action),
        outputs=_frozen_map(data.get("outputs")),
        extensions=_ext(data),
        pointer=pointer,
    )


def _workflow(data: Mapping[str, Any], pointer: str) -> Workflow:
    return Workflow(
        workflow_id=data["workflowId"],
        steps=tuple(_step(s, f"{pointer}/steps/{i}") for i, s in enumerate(data["steps"])),
        summary=data.get("summary"),
        description=data.get("description"),
        inputs=data.get("inputs"),
        depends_on=tuple(data.get("dependsOn") or ()),
        success_actions=_actions(data.get("successActions"), f"{pointer}/successActions", _success_action),
        failure_actions=_actions(data.get("failureActions"), f"{pointer}/failureActions", _failure_action),
        outputs=_frozen_map(data.get("outputs")),
        parameters=_parameters(data.get("parameters"), f"{pointer}/parameters"),
        extensions=_ext(data),
        pointer=pointer,
    )


def _components(data: Mapping[str, Any] | None) -> Components:
    if not data:
        return Components()
    base = "/components"

    def table(kind: str, make: Any) -> Mapping[str, Any]:
        items = data.get(kind) or {}
        return MappingProxyType(
            {name: make(value, f"{base}/{kind}/{escape_token(name)}") for name, value in items.items()}
        )

    return Components(
        inputs=_frozen_map(data.get("inputs")),
        parameters=table("parameters", _parameter),
        success_actions=table("successActions", _success_action),
        failure_actions=table("failureActions", _failure_action),
        extensions=_ext(data),
    )


def build_document(parsed: ParsedFile) -> ArazzoDocument:
    """Build the model from a schema-valid parsed file."""
    data = parsed.data
    info = data["info"]
    return ArazzoDocument(
        arazzo=data["arazzo"],
        info=Info(
            title=info["title"],
            version=info["version"],
            summary=info.get("summary"),
            description=info.get("description"),
            extensions=_ext(info),
        ),
        source_descriptions=tuple(
            SourceDescription(
                name=s["name"],
                url=s["url"],
                type=s.get("type"),
                extensions=_ext(s),
                pointer=f"/sourceDescriptions/{i}",
            )
            for i, s in enumerate(data["sourceDescriptions"])
        ),
        workflows=tuple(_workflow(w, f"/workflows/{i}") for i, w in enumerate(data["workflows"])),
        components=_components(data.get("components")),
        extensions=_ext(data),
        file=parsed,
    )
