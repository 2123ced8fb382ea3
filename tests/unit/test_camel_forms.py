"""The exact camelCase plain-data forms of the package's records: keys in order, values as shown.

These forms are public formats (the JSON result, the journal's snapshots, ``arazzo runs --output
json``, the test reports' traces), so every key, its place and its value (rounded or not, ``None``
kept) is pinned here; comparing ``list(d.items())`` makes the key order part of the check.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from typing import Any

import pytest

from arazzo_runner.camel_forms import CamelForm, camel_case
from arazzo_runner.engine.needs import Delivery
from arazzo_runner.engine.result import RunError, StepRecord
from arazzo_runner.engine.state import (
    CompletedDependency,
    Outcome,
    Wait,
    record_from_json,
    record_to_json,
)
from arazzo_runner.http.validation import Violation
from arazzo_runner.journal.store import RunRecord
from arazzo_runner.testing.trace import StepSpan


def items(data: dict[str, Any]) -> list[tuple[str, Any]]:
    return list(data.items())


def test_step_record_rounds_its_duration_for_the_result_and_not_for_the_state() -> None:
    record = StepRecord("poll", "wf", 2, "failed", None, {"id": 7}, 12.3456789, "status 500")
    assert items(record.to_dict()) == [
        ("stepId", "poll"),
        ("workflowId", "wf"),
        ("attempt", 2),
        ("status", "failed"),
        ("statusCode", None),
        ("outputs", {"id": 7}),
        ("durationMs", 12.346),
        ("reason", "status 500"),
    ]
    state = record_to_json(record)
    assert items(state)[6] == ("durationMs", 12.3456789)
    assert list(state) == list(record.to_dict())
    assert record_from_json(json.loads(json.dumps(state))) == record
    old = {k: v for k, v in state.items() if k != "reason"}  # a snapshot from before ``reason``
    assert record_from_json(old).reason is None


def test_run_error_keeps_its_none_ids() -> None:
    assert items(RunError("limit", "too many steps").to_dict()) == [
        ("type", "limit"),
        ("message", "too many steps"),
        ("stepId", None),
        ("workflowId", None),
    ]
    assert items(RunError("step_failed", "boom", "s1", "wf").to_dict()) == [
        ("type", "step_failed"),
        ("message", "boom"),
        ("stepId", "s1"),
        ("workflowId", "wf"),
    ]


def test_violation_puts_its_message_last() -> None:
    violation = Violation("is not an integer", "request", "query", "limit", None)
    assert items(violation.to_dict()) == [
        ("subject", "request"),
        ("location", "query"),
        ("name", "limit"),
        ("pointer", None),
        ("message", "is not an integer"),
    ]
    body = Violation("required", "response", "body", pointer="/items/0")
    assert items(body.to_dict()) == [
        ("subject", "response"),
        ("location", "body"),
        ("name", None),
        ("pointer", "/items/0"),
        ("message", "required"),
    ]


def test_delivery_json_both_ways() -> None:
    delivery = Delivery(
        {"headers": {}, "payload": 1}, "m-1", None, 4.5, {"p": 1}, {"receipt": "r"}, "acked late"
    )
    data = delivery.to_json()
    assert items(data) == [
        ("message", {"headers": {}, "payload": 1}),
        ("messageId", "m-1"),
        ("error", None),
        ("durationMs", 4.5),
        ("payload", {"p": 1}),
        ("ack", {"receipt": "r"}),
        ("note", "acked late"),
    ]
    assert Delivery.from_json(json.loads(json.dumps(data))) == delivery
    assert items(Delivery().to_json()) == [
        ("message", None),
        ("messageId", None),
        ("error", None),
        ("durationMs", 0.0),
        ("payload", None),
        ("ack", None),
        ("note", None),
    ]
    # Older journals: keys missing, a null duration, an integer duration.
    assert Delivery.from_json({"messageId": "m-2"}) == Delivery(message_id="m-2")
    assert Delivery.from_json({"error": "down", "durationMs": None}) == Delivery(error="down")
    restored = Delivery.from_json({"durationMs": 3})
    assert restored.duration_ms == 3.0 and isinstance(restored.duration_ms, float)


def test_wait_json_both_ways() -> None:
    wait = Wait(1700000000.25, 2.5, "poll", "check", handed_out=True)
    data = wait.to_json()
    assert items(data) == [
        ("until", 1700000000.25),
        ("seconds", 2.5),
        ("reason", "poll"),
        ("stepId", "check"),
        ("handedOut", True),
        ("resumed", False),
    ]
    assert Wait.from_json(json.loads(json.dumps(data))) == wait
    old = Wait.from_json({"until": 1.0, "seconds": 1.0, "reason": "retry", "stepId": "s"})
    assert (old.handed_out, old.resumed) == (False, False)


def test_completed_dependency_json_both_ways() -> None:
    dep = CompletedDependency("file:///w.yml", "setup", "succeeded")
    data = dep.to_json()
    assert items(data) == [("location", "file:///w.yml"), ("workflowId", "setup"), ("status", "succeeded")]
    assert CompletedDependency.from_json(data) == dep


def test_outcome_json_both_ways() -> None:
    failed = Outcome("failed", {"x": 1}, RunError("step_failed", "boom", "s1", "wf"), 1234.56789)
    data = failed.to_json()
    assert items(data) == [
        ("status", "failed"),
        ("outputs", {"x": 1}),
        ("error", {"type": "step_failed", "message": "boom", "stepId": "s1", "workflowId": "wf"}),
        ("durationMs", 1234.56789),
    ]
    assert list(data["error"]) == ["type", "message", "stepId", "workflowId"]
    assert Outcome.from_json(json.loads(json.dumps(data))) == failed
    ok = Outcome("succeeded", {}, None, 1.0)
    assert items(ok.to_json()) == [
        ("status", "succeeded"),
        ("outputs", {}),
        ("error", None),
        ("durationMs", 1.0),
    ]
    assert Outcome.from_json(ok.to_json()) == ok
    # As snapshots have always been read: any status but "succeeded" (null too) is "failed", and
    # an empty error is none.
    odd = Outcome.from_json({"status": None, "outputs": {}, "error": {}, "durationMs": 1.0})
    assert (odd.status, odd.error) == ("failed", None)


def _run_record(**changes: Any) -> RunRecord:
    values: dict[str, Any] = {
        "id": "r-1",
        "workflow_id": "wf",
        "document": "/w.yml",
        "identity": "sha256:abc",
        "status": "running",
        "started": 100.5,
        "updated": 101.25,
        "last_step": "s1",
        "next_poll": None,
        "in_flight": None,
        "pid": 4242,
        "host": "box",
        "inputs": {"token": "***"},
        "secret_inputs": ["token"],
        "sources": {"api": "/api.yml"},
        "settings": {"httpTimeout": 5},
        "snapshot": {"format": 9},
        "outputs": None,
        "error": None,
        "claimed": 100.5,
    }
    values.update(changes)
    return RunRecord(**values)


def test_run_record_shows_no_snapshot_host_or_settings() -> None:
    assert items(_run_record().to_dict()) == [
        ("runId", "r-1"),
        ("workflowId", "wf"),
        ("document", "/w.yml"),
        ("status", "running"),
        ("started", 100.5),
        ("updated", 101.25),
        ("lastStep", "s1"),
        ("nextPoll", None),
        ("inFlight", None),
        ("pid", 4242),
        ("inputs", {"token": "***"}),
        ("secretInputs", ["token"]),
        ("outputs", None),
        ("error", None),
    ]


def test_run_record_shows_a_received_message_by_its_id() -> None:
    flight = {"stepId": "recv", "delivery": {"messageId": "m-9", "ack": {"receipt": "secret"}}}
    shown = _run_record(in_flight=flight, next_poll=200.0, error={"type": "x"}).to_dict()
    assert shown["inFlight"] == {"stepId": "recv", "received": "m-9"}
    assert (shown["nextPoll"], shown["error"]) == (200.0, {"type": "x"})
    plain = {"stepId": "s", "request": {"method": "GET"}}
    assert _run_record(in_flight=plain).to_dict()["inFlight"] == plain


def test_step_span_rounds_times_to_microseconds_and_keeps_an_open_end() -> None:
    done = StepSpan(
        step_id="s1",
        workflow_id="wf",
        execution=2,
        attempt=3,
        start=0.123456789,
        end=1.000000449,
        status="succeeded",
        status_code=200,
        reason=None,
    )
    assert items(done.to_dict()) == [
        ("stepId", "s1"),
        ("workflowId", "wf"),
        ("execution", 2),
        ("attempt", 3),
        ("start", 0.123457),
        ("end", 1.0),
        ("status", "succeeded"),
        ("statusCode", 200),
        ("reason", None),
    ]
    running = StepSpan(step_id="s2", execution=1, start=2.5)
    assert items(running.to_dict()) == [
        ("stepId", "s2"),
        ("workflowId", ""),
        ("execution", 1),
        ("attempt", 1),
        ("start", 2.5),
        ("end", None),
        ("status", None),
        ("statusCode", None),
        ("reason", None),
    ]


# -- the rule itself ------------------------------------------------------------------------------


@dataclass
class _Sample:
    run_id: str
    x_security: list[str]
    started_at: float | None
    note: str | None = None
    tags: list[str] = field(default_factory=list)


def test_a_form_names_each_field_in_camel_case_in_declaration_order() -> None:
    assert [camel_case(n) for n in ("id", "step_id", "x_security", "in_flight")] == [
        "id",
        "stepId",
        "xSecurity",
        "inFlight",
    ]
    form = CamelForm(_Sample, rounded={"started_at": 2})
    sample = _Sample("r", ["k"], 1.23456)
    assert items(form.dump(sample)) == [
        ("runId", "r"),
        ("xSecurity", ["k"]),
        ("startedAt", 1.23),
        ("note", None),
        ("tags", []),
    ]
    assert form.dump(sample)["xSecurity"] is sample.x_security  # values as they are, not copies
    assert form.dump(_Sample("r", [], None))["startedAt"] is None  # null is never converted


def test_a_form_can_choose_order_hide_and_rename() -> None:
    form = CamelForm(_Sample, ("note", "run_id", "tags"), hidden=("tags",), keys={"run_id": "id"})
    assert items(form.dump(_Sample("r", [], 0.0, "n", ["t"]))) == [("note", "n"), ("id", "r")]
    one = CamelForm(_Sample, ("note",))
    assert items(one.dump(_Sample("r", [], 0.0, "n"))) == [("note", "n")]


def test_a_form_that_names_a_field_the_class_lacks_is_refused_when_made() -> None:
    for wrong in (
        {"fields": ("run_id", "nope")},
        {"hidden": ("nope",)},
        {"keys": {"nope": "x"}},
        {"rounded": {"nope": 1}},
        {"fields": ("run_id",), "read": {"note": str}},
    ):
        with pytest.raises(ValueError, match=r"nope|note"):
            CamelForm(_Sample, **wrong)


def test_loading_reads_missing_or_null_keys_as_defaults_and_keeps_a_required_null() -> None:
    form = CamelForm(_Sample, read={"tags": tuple})
    assert form.load({"runId": "r", "xSecurity": [], "startedAt": None}) == _Sample("r", [], None)
    assert form.load(
        {"runId": "r", "xSecurity": [], "startedAt": 1.0, "note": None, "tags": None}
    ) == _Sample("r", [], 1.0)
    loaded = form.load({"runId": "r", "xSecurity": [], "startedAt": 1.0, "tags": ["a"]})
    assert loaded.tags == ("a",)  # ``read`` converts a value that is there
    with pytest.raises(KeyError, match="startedAt"):
        form.load({"runId": "r", "xSecurity": []})  # a required key missing is damage, not a default


def test_a_delivery_crosses_temporals_boundary_without_its_ack_and_note() -> None:
    from arazzo_runner.temporal.messages import delivery_from_json, delivery_to_json

    delivery = Delivery({"m": 2}, "m-3", None, 7.25, {"p": 2}, {"receipt": "r"}, "late")
    data = delivery_to_json(delivery)
    assert list(data) == ["message", "messageId", "error", "durationMs", "payload"]
    assert items(data) == items(delivery.to_json())[:-2]  # the form pinned above, less ack and note
    assert delivery_from_json(json.loads(json.dumps(data))) == replace(delivery, ack=None, note=None)
    failed = Delivery(error="down")
    assert items(delivery_to_json(failed)) == items(failed.to_json())[:-2]
    # A key missing at the boundary is a fault to surface, not a receive that timed out.
    with pytest.raises(KeyError, match="messageId"):
        delivery_from_json({"message": None, "error": None, "durationMs": 0.0, "payload": None})


def test_every_record_on_a_camel_base_has_a_form_of_its_own_class() -> None:
    """``camel_form`` is set after each class: one forgotten (or inherited from a base record)
    would show another class's fields."""
    from arazzo_runner.camel_forms import CamelDict, CamelJson

    # ``slots=True`` makes a new class; the one it replaced is a subclass too until collected.
    subclasses = [cls for base in (CamelDict, CamelJson) for cls in base.__subclasses__()]
    classes = [c for c in subclasses if getattr(sys.modules[c.__module__], c.__qualname__, None) is c]
    assert {c.__name__ for c in classes} >= {
        "RunError",
        "Violation",
        "RunRecord",
        "StepSpan",
        "Delivery",
        "Wait",
        "CompletedDependency",
        "Outcome",
    }
    for cls in classes:
        assert cls.camel_form.record_class is cls, cls
