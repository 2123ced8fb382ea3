"""The plain JSON that crosses Temporal's boundary: run requests, exchanges, events.

No ``temporalio`` here: the workflow, the activity and the CLI share these shapes, and every
value is JSON so any data converter (and the encrypting codec) can carry it. Credentials never
appear in them: a request names an operation and its evaluated values; signing happens in the
activity.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..camel_forms import CamelForm
from ..engine import events as _events
from ..engine.needs import Delivery, Exchange, Response, Retried, SentRequest


def run_request(
    document: str,
    fingerprint: Mapping[str, str],
    workflow_id: str,
    inputs: Mapping[str, Any],
    options: Mapping[str, Any],
    *,
    servers: Mapping[str, str] | None = None,
    source_map: Mapping[str, str] | None = None,
    allow_remote: bool = False,
    snapshot: Mapping[str, Any] | None = None,
    heartbeat_timeout: float | None = None,
    settings: Mapping[str, Any] | None = None,
    local_wait: float | None = None,
    history_budget: int | None = None,
    reads_per_task: int | None = None,
) -> dict[str, Any]:
    """The workflow's input. ``document`` is a path every worker can read (same checkout or image);
    ``fingerprint`` makes a worker with another version of it refuse the run. ``heartbeat_timeout``
    (seconds; default :data:`.workflow.HEARTBEAT_TIMEOUT`): how long an activity may go without a
    heartbeat before Temporal hands it to another worker. ``settings``: the run's
    :meth:`~arazzo_runner.run_settings.RunSettings.to_json`, which every activity of the run
    carries to the worker that applies it (left out when ``None``: a run without them).
    ``local_wait``: safe reads after a wait up to this many seconds are local activities
    (:mod:`.reads`; ``None``: every request an activity, every wait a timer, as runs submitted
    before local reads); ``history_budget``: the events after which such a run continues as new
    (default :data:`.reads.HISTORY_BUDGET`); ``reads_per_task``: the local reads in a row after which
    it ends its workflow task (default :data:`.reads.MAX_READS_PER_TASK`). Each is left out of the
    input when ``None``, so the workflow reads its default (as it does for runs submitted before
    the option existed, which replay as they ran)."""
    extra: dict[str, Any] = {} if heartbeat_timeout is None else {"heartbeatTimeout": heartbeat_timeout}
    if settings is not None:
        extra["settings"] = dict(settings)
    if local_wait is not None:
        extra["localWait"] = float(local_wait)
    if history_budget is not None:
        extra["historyBudget"] = int(history_budget)
    if reads_per_task is not None:
        extra["readsPerTask"] = int(reads_per_task)
    return {
        **extra,
        "document": document,
        "fingerprint": dict(fingerprint),
        "workflowId": workflow_id,
        "inputs": dict(inputs),
        "options": dict(options),
        "servers": dict(servers or {}),
        "sourceMap": dict(source_map or {}),
        "allowRemote": allow_remote,
        "snapshot": dict(snapshot) if snapshot is not None else None,
    }


def exchange_to_json(exchange: Exchange) -> dict[str, Any]:
    request = exchange.request
    response = exchange.response
    return {
        "request": None
        if request is None
        else {
            "method": request.method,
            "url": request.url,
            "headers": [list(h) for h in request.headers],
            "body": request.body,
        },
        "response": None
        if response is None
        else {
            "statusCode": response.status_code,
            "headers": [list(h) for h in response.headers],
            "body": response.body,
            "errorCode": response.error_code,
            # An XML answer's JSON view (botocore's parse): what pointers read in the workflow.
            "view": response.view,
        },
        "error": exchange.error,
        "retries": [[r.attempt, r.reason, r.delay] for r in exchange.retries],
        "durationMs": exchange.duration_ms,
        "receivedAt": exchange.received_at,
        "note": exchange.note,
        "violations": list(exchange.violations),
        "unsent": exchange.unsent,
    }


def exchange_from_json(data: Mapping[str, Any]) -> Exchange:
    request = data["request"]
    response = data["response"]
    return Exchange(
        request=None
        if request is None
        else SentRequest(
            request["method"], request["url"], tuple((k, v) for k, v in request["headers"]), request["body"]
        ),
        response=None
        if response is None
        else Response(
            response["statusCode"],
            tuple((k, v) for k, v in response["headers"]),
            response["body"],
            response["errorCode"],
            view=response.get("view"),
        ),
        error=data["error"],
        retries=tuple(Retried(a, r, d) for a, r, d in data["retries"]),
        duration_ms=data["durationMs"],
        received_at=data["receivedAt"],
        note=data["note"],
        violations=tuple(data["violations"]),
        unsent=bool(data.get("unsent", False)),
    )


#: A message step's outcome as it crosses the boundary: the delivery's own form (the received message
#: is plain data already) without ``ack`` and ``note`` (the receive activity returns the receipt to
#: acknowledge beside it, as ``receipt``).
_BOUNDARY_DELIVERY = CamelForm(Delivery, hidden=("ack", "note"))


def delivery_to_json(delivery: Delivery) -> dict[str, Any]:
    return _BOUNDARY_DELIVERY.dump(delivery)


def delivery_from_json(data: Mapping[str, Any]) -> Delivery:
    """Strict: a delivery missing a key is a fault in the activity's answer (a workflow task failure
    Temporal shows), not a message that never came (``message`` null reads as a receive timeout)."""
    return _BOUNDARY_DELIVERY.load(data, strict=True)


def _event_classes() -> dict[str, type[_events.Event]]:
    found: dict[str, type[_events.Event]] = {}
    pending = list(_events.Event.__subclasses__())
    while pending:
        cls = pending.pop()
        if "kind" in vars(cls):  # not a base such as StepEvent, which names no kind of its own
            found[cls.kind] = cls
        pending.extend(cls.__subclasses__())
    return found


_EVENT_CLASSES = _event_classes()


def event_from_dict(data: Mapping[str, Any]) -> _events.Event | None:
    """An event as the engine made it (``None`` for a kind this version does not know)."""
    cls = _EVENT_CLASSES.get(data.get("kind", ""))
    if cls is None:
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
