"""Which message a receive takes: correlation locations, the default header, untrusted bodies."""

from __future__ import annotations

import json

import pytest

from arazzo_runner.messaging.base import MAX_MESSAGE_BYTES, Message, OutgoingMessage, parse_body
from arazzo_runner.messaging.steps import matcher
from arazzo_runner.sources.asyncapi import AsyncApiError, CorrelationLocation


def _message(headers=None, payload=None) -> Message:
    return Message(headers=headers or {}, payload=payload)


def test_payload_and_header_locations() -> None:
    by_job = matcher("job-1", ("$message.payload#/detail/TrainingJobName",))
    assert by_job(_message(payload={"detail": {"TrainingJobName": "job-1"}}))
    assert not by_job(_message(payload={"detail": {"TrainingJobName": "job-10"}}))
    assert not by_job(_message(payload="job-1"))  # no such location in a text payload
    by_header = matcher(42, ("$message.header#/requestId",))
    assert by_header(_message(headers={"RequestID": "42"}))  # header names are case-insensitive
    assert not by_header(_message(headers={"other": "42"}))


def test_without_a_declared_location_the_correlation_id_header_is_used() -> None:
    accept = matcher("c-1", ())
    assert accept(_message(headers={"correlationId": "c-1"}))
    assert not accept(_message(payload={"correlationId": "c-1"}))


def test_no_correlation_id_takes_any_message_and_objects_never_match() -> None:
    assert matcher(None, ())(_message(payload={}))
    assert not matcher("{}", ("$message.payload#/x",))(_message(payload={"x": {}}))


def test_bad_locations_are_refused() -> None:
    with pytest.raises(AsyncApiError, match=r"must be '\$message\.header#/<pointer>'"):
        CorrelationLocation.parse("$message.body#/x")


def test_bodies_are_parsed_only_when_json_and_bounded() -> None:
    assert parse_body('{"a": [1, 2]}') == {"a": [1, 2]}
    assert parse_body("plain text") == "plain text"
    assert parse_body("{not json") == "{not json"
    deep = "[" * 100_000 + "]" * 100_000
    assert parse_body(deep) == deep  # too deep to parse: stays text, no crash
    big = json.dumps({"x": "y" * MAX_MESSAGE_BYTES})
    assert parse_body(big) == big
    assert OutgoingMessage({}, {"a": "é"}).body() == '{"a":"é"}'
    assert OutgoingMessage({}, "as is").body() == "as is"
