"""Events declared with ``@declare_event("<kind>")`` (and the step's own on ``StepEvent``) are what the
hand-written ``@dataclass(frozen=True, slots=True)`` classes were: frozen, slotted, picklable, with
the same kinds, the same positional order and the same key order in ``to_dict()`` (JSON lines,
journals and Temporal histories read them back by kind and field name)."""

from __future__ import annotations

import dataclasses
import pickle

import pytest

from arazzo_runner.engine import events as ev


def _declared() -> list[type[ev.Event]]:
    found, pending = [], list(ev.Event.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        # (a slotted dataclass is a new class: the one it replaced lingers among the subclasses until
        # collected, so only the class the module names counts)
        if getattr(ev, cls.__name__, None) is cls and "kind" in vars(cls):
            found.append(cls)
    return found


def test_every_event_has_its_own_kind_and_the_base_has_none() -> None:
    kinds = [cls.kind for cls in _declared()]
    assert len(kinds) == len(set(kinds)) == 17
    assert "kind" not in vars(ev.StepEvent)


@pytest.mark.parametrize("cls", _declared(), ids=lambda cls: cls.__name__)
def test_an_event_is_frozen_slotted_and_survives_pickling(cls: type[ev.Event]) -> None:
    values = [f"v{i}" for i in range(len(cls.__match_args__))]
    event = cls(*values, at=1.5)
    assert not hasattr(event, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.at = 2.0  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(event)) == event
    assert list(event.to_dict()) == ["at", *cls.__match_args__, "kind"][: len(event.to_dict())]


def test_step_events_keep_step_id_first_positionally_and_in_json() -> None:
    built = ev.RequestBuilt("s1", "GET", "http://127.0.0.1/x", [("a", "b")], None, at=2.0)
    assert built.step_id == "s1" and built.method == "GET"
    assert list(built.to_dict()) == ["at", "step_id", "method", "url", "headers", "body", "kind"]
    finished = ev.StepFinished("w", "s", 1, "succeeded", 200, {}, 3.0)
    assert list(finished.to_dict())[:3] == ["at", "workflow_id", "step_id"]
    assert isinstance(built, ev.StepEvent) and not isinstance(finished, ev.StepEvent)


def test_message_events_keep_their_fields_in_order() -> None:
    sent = ev.MessageSent("s", "sqs", "q", {"h": 1}, {"p": 2}, "m1", 4.0, at=1.0)
    received = ev.MessageReceived("s", "sqs", "q", None, None, None, 5.0)
    fields = ["at", "step_id", "protocol", "address", "headers", "payload", "message_id", "duration_ms", "kind"]
    assert list(sent.to_dict()) == list(received.to_dict()) == fields
    assert sent.to_dict()["kind"] == "message_sent" and received.to_dict()["kind"] == "message_received"
    assert pickle.loads(pickle.dumps(received)) == received


def test_mcp_events_are_declared_as_the_engine_s_and_say_the_same() -> None:
    from arazzo_runner.mcp_server.events import RunCancelled, ToolAnswered, ToolCalled

    answered = ToolAnswered("t", "succeeded", "r1", at=2.0)
    assert answered.to_dict() == {
        "at": 2.0, "tool": "t", "status": "succeeded", "run_id": "r1", "detail": None, "kind": "mcp_tool_answered"
    }
    assert list(answered.to_dict()) == ["at", "tool", "status", "run_id", "detail", "kind"]
    assert list(ToolCalled("t").to_dict()) == ["at", "tool", "arguments", "kind"]
    assert ToolCalled("t").to_dict()["kind"] == "mcp_tool_called" and ToolCalled("t").arguments == {}
    assert RunCancelled("t", None).to_dict() == {"at": 0.0, "tool": "t", "run_id": None, "kind": "mcp_run_cancelled"}
    for made in (answered, ToolCalled("t", {"a": 1}), RunCancelled("t", "r")):
        assert not hasattr(made, "__dict__") and pickle.loads(pickle.dumps(made)) == made
        with pytest.raises(dataclasses.FrozenInstanceError):
            made.at = 1.0  # type: ignore[misc]


def test_only_the_declared_classes_name_a_kind_so_lookups_by_kind_find_them() -> None:
    """``@declare_event`` returns a new (slotted) class; the class it replaced lingers among ``Event``'s
    subclasses until collected. A lookup by kind over the subclasses (Temporal's ``event_from_dict``)
    must find the declared class: an event read back is equal to, and an instance of, the one sent."""
    import importlib

    from arazzo_runner.temporal.messages import event_from_dict

    pending, named = list(ev.Event.__subclasses__()), 0
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if "kind" in vars(cls):
            assert getattr(importlib.import_module(cls.__module__), cls.__name__) is cls, cls
            named += 1
    assert named >= 17 + 3  # the engine's events and the MCP server's
    for cls in _declared():
        sent = cls(*[f"v{i}" for i in range(len(cls.__match_args__))], at=1.5)
        back = event_from_dict(sent.to_dict())
        assert type(back) is cls and back == sent
