"""Dry runs build, sign and validate each step's first request without sending anything."""

from __future__ import annotations

import json
import socket

import pytest

import arazzo_runner
from arazzo_runner.drivers.dry_run import plan_requests
from tests.conftest import DATA, FLAGSHIP

from .test_flagship import INPUTS


def test_flagship_plan_is_signed_redacted_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("a dry run opened a connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    planned = plan_requests(arazzo_runner.load(FLAGSHIP), None, INPUTS)
    assert [p.step_id for p in planned] == ["createTrainingJob", "pollTrainingJob"]
    create = planned[0]
    assert (create.method, create.url) == ("POST", "https://api.sagemaker.us-east-1.amazonaws.com/")
    headers = dict(create.headers)
    assert headers["authorization"] == "[redacted]" and "x-amz-date" in headers
    assert "InputDataConfig" not in create.body  # the optional input was not given
    assert create.violations == ()
    assert "test/secret/key/never/printed" not in json.dumps([p.to_dict() for p in planned])


def test_values_from_earlier_responses_are_placeholders() -> None:
    doc = arazzo_runner.load(DATA / "engine" / "control.arazzo.yaml")
    planned = plan_requests(doc, "parent", {})
    assert planned[0].note == "calls workflow base"
    assert (
        planned[1].url.endswith("/jobs/%3Cjob-%7B$steps.child.outputs.childId%7D%3E")
        or "childId" in planned[1].url
    )
