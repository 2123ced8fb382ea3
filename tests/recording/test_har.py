"""The HAR 1.2 file: shape, the ``_arazzo`` extension, round trip, and files from other tools."""

from __future__ import annotations

import json

import pytest

from arazzo_runner.recording import (
    HarError,
    RecordedExchange,
    RecordedRequest,
    RecordedResponse,
    Recording,
    read_har,
    write_har,
)
from arazzo_runner.recording.har import from_har

from .conftest import FLAGSHIP_HAR


def test_flagship_recording_is_har_1_2_with_the_arazzo_extension() -> None:
    data = json.loads(FLAGSHIP_HAR.read_text())
    log = data["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "arazzo-runner"
    entry = log["entries"][0]
    for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert key in entry
    assert entry["request"]["postData"]["mimeType"] == "application/x-amz-json-1.1"
    assert {"send", "wait", "receive"} <= set(entry["timings"])
    assert entry["_arazzo"] == {"stepId": "createTrainingJob"}
    extension = log["_arazzo"]
    assert extension["formatVersion"] == 1
    assert extension["workflowId"] == "train-and-poll-job"
    assert extension["status"] == "succeeded"
    assert set(extension) >= {"inputs", "outputs", "error", "steps", "document"}
    assert [e["_arazzo"]["stepId"] for e in log["entries"]] == ["createTrainingJob"] + ["pollTrainingJob"] * 4


def test_round_trip_keeps_binary_bodies(tmp_path) -> None:
    recording = Recording(
        exchanges=(
            RecordedExchange(
                RecordedRequest(
                    "PUT", "http://h/x?a=1", (("content-type", "application/octet-stream"),), b"\xff\x00"
                ),
                RecordedResponse(201, (("content-type", "image/png"),), b"\x89PNG\xff", reason="Created"),
                started=1_750_000_000.5,
                wait_ms=3.25,
                receive_ms=0.5,
                step_id="upload",
            ),
        ),
        workflow_id="w",
        inputs={"a": 1},
        outputs={"b": [1, 2]},
        status="succeeded",
    )
    path = tmp_path / "r.har"
    write_har(path, recording)
    data = json.loads(path.read_text())
    assert data["log"]["entries"][0]["response"]["content"]["encoding"] == "base64"
    assert data["log"]["entries"][0]["request"]["queryString"] == [{"name": "a", "value": "1"}]
    assert read_har(path) == recording


def test_a_har_from_another_tool_replays_without_the_extension() -> None:
    recording = from_har(
        {
            "log": {
                "version": "1.2",
                "entries": [{"request": {"method": "get", "url": "http://h/"}, "response": {"status": 204}}],
            }
        }
    )
    assert recording.exchanges[0].request.method == "GET"
    assert recording.workflow_id is None and recording.inputs == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "cannot read"),
        ('{"log": {}}', "not a HAR file"),
        ('{"log": {"entries": [{}]}}', "entry 1: no request"),
    ],
)
def test_bad_files_are_reported_plainly(tmp_path, text: str, message: str) -> None:
    path = tmp_path / "bad.har"
    path.write_text(text)
    with pytest.raises(HarError, match=message):
        read_har(path)


def test_missing_file(tmp_path) -> None:
    with pytest.raises(HarError, match="no such recording"):
        read_har(tmp_path / "absent.har")
