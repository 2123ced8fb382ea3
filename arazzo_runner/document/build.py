"""Turn schema-valid document data into the frozen model of :mod:`.model`.

It runs only after :mod:`.schema` accepted the data, so shapes are known; what it does is
naming (``in`` → ``in_``, camelCase → snake_case), freezing, separating ``x-`` extensions and
recording each object's JSON pointer.

In an Arazzo 1.1 document, a Selector Object where 1.1 allows one (parameter, replacement and
output values, and anywhere inside a payload) becomes a :class:`.model.SelectorObject`. Inside a
payload, whose schema is "Any", a mapping is one when it has exactly the fields ``context``,
``selector`` and ``type`` with the types the Selector Object gives them. In 1.0 documents such
mappings stay plain data, as 1.0 defines them.
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
    SelectorObject,
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


_SELECTOR_KINDS = ("jsonpath", "xpath", "jsonpointer")
_SELECTOR_FIELDS = frozenset({"context", "selector", "type"})


def _selector(value: Any, pointer: str) -> SelectorObject | None:
    """``value`` as a Selector Object when it has that shape, else ``None``."""
    if not isinstance(value, Mapping) or not set(value) >= _SELECTOR_FIELDS:
        return None
    if any(key not in _SELECTOR_FIELDS and not str(key).startswith("x-") for key in value):
        return None
    context, selector, kind = value["context"], value["selector"], value["type"]
    version = None
    if isinstance(kind, Mapping):
        version = kind.get("version")
        kind = kind.get("type")
        if not isinstance(version, str):
            return None
    if not (isinstance(context, str) and isinstance(selector, str) and kind in _SELECTOR_KINDS):
        return None
    return SelectorObject(context, selector, kind, version, pointer=pointer)


def _value(value: Any, pointer: str, v11: bool) -> Any:
    """A parameter, replacement or output value: a Selector Object in 1.1, else as written."""
    return (_selector(value, pointer) or value) if v11 else value


def _payload(value: Any, pointer: str, v11: bool) -> Any:
    """A payload with the 1.1 Selector Objects inside it (at any depth) made typed."""
    if not v11:
        return value
    found = _selector(value, pointer)
    if found is not None:
        return found
    if isinstance(value, Mapping):
        return {k: _payload(v, f"{pointer}/{escape_token(k)}", v11) for k, v in value.items()}
    if isinstance(value, list):
        return [_payload(v, f"{pointer}/{i}", v11) for i, v in enumerate(value)]
    return value


def _outputs(data: Mapping[str, Any] | None, pointer: str, v11: bool) -> Mapping[str, Any]:
    if not data:
        return EMPTY
    return MappingProxyType({k: _value(v, f"{pointer}/{escape_token(k)}", v11) for k, v in data.items()})


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


def _parameter(data: Mapping[str, Any], pointer: str, v11: bool = False) -> Parameter:
    return Parameter(
        name=data["name"],
        value=_value(data["value"], f"{pointer}/value", v11),
        in_=data.get("in"),
        extensions=_ext(data),
        pointer=pointer,
    )


def _parameters(items: list[Any] | None, pointer: str, v11: bool) -> tuple[Parameter | Reusable, ...]:
    out: list[Parameter | Reusable] = []
    for i, item in enumerate(items or ()):
        ptr = f"{pointer}/{i}"
        out.append(_reusable(item, ptr) if _is_reusable(item) else _parameter(item, ptr, v11))
    return tuple(out)


def _action_fields(data: Mapping[str, Any], pointer: str, v11: bool) -> dict[str, Any]:
    """The fields success and failure actions share."""
    return {
        "name": data["name"],
        "type": data["type"],
        "workflow_id": data.get("workflowId"),
        "step_id": data.get("stepId"),
        "criteria": _criteria(data.get("criteria"), f"{pointer}/criteria"),
        "parameters": _parameters(data.get("parameters"), f"{pointer}/parameters", v11),
        "extensions": _ext(data),
        "pointer": pointer,
    }


def _success_action(data: Mapping[str, Any], pointer: str, v11: bool) -> SuccessAction:
    return SuccessAction(**_action_fields(data, pointer, v11))


def _failure_action(data: Mapping[str, Any], pointer: str, v11: bool) -> FailureAction:
    return FailureAction(
        **_action_fields(data, pointer, v11),
        retry_after=data.get("retryAfter"),
        retry_limit=data.get("retryLimit"),
    )


def _actions(items: list[Any] | None, pointer: str, make: Any, v11: bool) -> tuple[Any, ...]:
    out = []
    for i, item in enumerate(items or ()):
        ptr = f"{pointer}/{i}"
        out.append(_reusable(item, ptr) if _is_reusable(item) else make(item, ptr, v11))
    return tuple(out)


def _replacement(data: Mapping[str, Any], pointer: str, v11: bool) -> PayloadReplacement:
    kind: Any = data.get("targetSelectorType")
    version = None
    if isinstance(kind, Mapping):
        kind, version = kind.get("type"), kind.get("version")
    return PayloadReplacement(
        target=data["target"],
        value=_value(data["value"], f"{pointer}/value", v11),
        target_type=kind,
        target_version=version,
        extensions=_ext(data),
        pointer=pointer,
    )


def _request_body(data: Mapping[str, Any] | None, pointer: str, v11: bool) -> RequestBody | None:
    if data is None:
        return None
    replacements = tuple(
        _replacement(r, f"{pointer}/replacements/{i}", v11)
        for i, r in enumerate(data.get("replacements") or ())
    )
    return RequestBody(
        content_type=data.get("contentType"),
        payload=_payload(data.get("payload"), f"{pointer}/payload", v11),
        has_payload="payload" in data,
        replacements=replacements,
        extensions=_ext(data),
        pointer=pointer,
    )


def _step(data: Mapping[str, Any], pointer: str, v11: bool) -> Step:
    return Step(
        step_id=data["stepId"],
        description=data.get("description"),
        operation_id=data.get("operationId"),
        operation_path=data.get("operationPath"),
        workflow_id=data.get("workflowId"),
        parameters=_parameters(data.get("parameters"), f"{pointer}/parameters", v11),
        request_body=_request_body(data.get("requestBody"), f"{pointer}/requestBody", v11),
        success_criteria=_criteria(data.get("successCriteria"), f"{pointer}/successCriteria"),
        on_success=_actions(data.get("onSuccess"), f"{pointer}/onSuccess", _success_action, v11),
        on_failure=_actions(data.get("onFailure"), f"{pointer}/onFailure", _failure_action, v11),
        outputs=_outputs(data.get("outputs"), f"{pointer}/outputs", v11),
        timeout=data.get("timeout"),
        depends_on=tuple(data.get("dependsOn") or ()),
        channel_path=data.get("channelPath"),
        action=data.get("action"),
        correlation_id=data.get("correlationId"),
        extensions=_ext(data),
        pointer=pointer,
    )


def _workflow(data: Mapping[str, Any], pointer: str, v11: bool) -> Workflow:
    return Workflow(
        workflow_id=data["workflowId"],
        steps=tuple(_step(s, f"{pointer}/steps/{i}", v11) for i, s in enumerate(data["steps"])),
        summary=data.get("summary"),
        description=data.get("description"),
        inputs=data.get("inputs"),
        depends_on=tuple(data.get("dependsOn") or ()),
        success_actions=_actions(
            data.get("successActions"), f"{pointer}/successActions", _success_action, v11
        ),
        failure_actions=_actions(
            data.get("failureActions"), f"{pointer}/failureActions", _failure_action, v11
        ),
        outputs=_outputs(data.get("outputs"), f"{pointer}/outputs", v11),
        parameters=_parameters(data.get("parameters"), f"{pointer}/parameters", v11),
        extensions=_ext(data),
        pointer=pointer,
    )


def _components(data: Mapping[str, Any] | None, v11: bool) -> Components:
    if not data:
        return Components()
    base = "/components"

    def table(kind: str, make: Any) -> Mapping[str, Any]:
        items = data.get(kind) or {}
        return MappingProxyType(
            {name: make(value, f"{base}/{kind}/{escape_token(name)}", v11) for name, value in items.items()}
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
    major, minor = (int(p) for p in data["arazzo"].split(".")[:2])
    v11 = (major, minor) >= (1, 1)
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
        workflows=tuple(_workflow(w, f"/workflows/{i}", v11) for i, w in enumerate(data["workflows"])),
        components=_components(data.get("components"), v11),
        extensions=_ext(data),
        self_uri=data.get("$self"),
        file=parsed,
    )
