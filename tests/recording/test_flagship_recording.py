"""The shipped flagship recording replays offline; record → replay round trips; drift fails readably."""

from __future__ import annotations

import asyncio
import shutil

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.http import sigv4
from arazzo_runner.recording import read_har, replay, replay_async
from arazzo_runner.recording.runs import THROWAWAY_ACCESS_KEY_ID
from tests.conftest import FLAGSHIP, ROOT
from tests.recordings.record_flagship import record_flagship

from .conftest import FLAGSHIP_HAR


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def signatures(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The Authorization header of every request SigV4 signed."""
    seen: list[str] = []
    original = sigv4.SigV4Auth.sign

    def sign(self: sigv4.SigV4Auth, request) -> None:
        original(self, request)
        seen.append(request.headers["Authorization"])

    monkeypatch.setattr(sigv4.SigV4Auth, "sign", sign)
    return seen


def test_shipped_recording_replays_with_zero_network(
    flagship, no_network, no_credentials, signatures
) -> None:
    recording = read_har(FLAGSHIP_HAR)
    outcome = replay(flagship, FLAGSHIP_HAR)
    assert outcome.ok, outcome.problems
    result = outcome.result
    assert result.succeeded, result.error
    assert result.outputs == recording.outputs
    assert result.outputs["trainingJobStatus"] == "Completed"
    assert result.step("pollTrainingJob").attempts == 4
    assert result.requests == 5
    assert no_network == []
    # SigV4 ran for every request, with throwaway keys (none are configured here).
    assert len(signatures) == 5
    assert all(s.startswith(f"AWS4-HMAC-SHA256 Credential={THROWAWAY_ACCESS_KEY_ID}/") for s in signatures)
    # Requests went to the document's real AWS URL: only the replay transport answered.
    assert outcome.transport.served == 5


def test_shipped_recording_replays_async(flagship, no_network, no_credentials) -> None:
    outcome = asyncio.run(replay_async(flagship, FLAGSHIP_HAR))
    assert outcome.ok, outcome.problems
    assert outcome.result.outputs == read_har(FLAGSHIP_HAR).outputs
    assert no_network == []


def test_record_then_replay_gives_identical_outputs(flagship, tmp_path, monkeypatch) -> None:
    har = tmp_path / "flagship.har"
    recorded = record_flagship(har, in_progress=2)
    assert recorded.succeeded, recorded.error
    assert read_har(har).outputs == recorded.outputs
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("socket.socket.connect", lambda self, address: pytest.fail(f"connect {address}"))
    outcome = replay(flagship, har)
    assert outcome.ok, outcome.problems
    assert outcome.result.outputs == recorded.outputs
    assert [s.outputs for s in outcome.result.steps] == [s.outputs for s in recorded.steps]
    assert outcome.result.step("pollTrainingJob").attempts == 3


def test_poll_loop_replays_without_sleeping_unless_paced(flagship) -> None:
    slept: list[float] = []
    fast = replay(flagship, FLAGSHIP_HAR, sleep=slept.append)
    assert fast.ok and sum(slept) == 0
    paced: list[float] = []
    options = RunOptions(pacing=PollPacing(interval=2, backoff=1.5, max_interval=60, jitter=0))
    outcome = replay(flagship, FLAGSHIP_HAR, pace=True, options=options, sleep=paced.append)
    assert outcome.ok
    assert paced == [2, 3, 4.5]


def _renamed_workflow(tmp_path) -> arazzo_runner.Document:
    (tmp_path / "workflows").mkdir()
    (tmp_path / "openapi").mkdir()
    shutil.copy(ROOT / "openapi" / "amazon-sagemaker-openapi.yml", tmp_path / "openapi")
    text = FLAGSHIP.read_text()
    old = "        TrainingJobName: $inputs.trainingJobName\n        AlgorithmSpecification:"
    assert old in text
    changed = tmp_path / "workflows" / FLAGSHIP.name
    changed.write_text(
        text.replace(old, "        JobName: $inputs.trainingJobName\n        AlgorithmSpecification:")
    )
    return arazzo_runner.load(changed, allow_outside=True)  # ../openapi is outside workflows/


def test_renamed_payload_field_fails_with_a_readable_diff(tmp_path, no_network) -> None:
    outcome = replay(_renamed_workflow(tmp_path), FLAGSHIP_HAR)
    assert not outcome.ok
    assert outcome.result.status == "failed"
    assert outcome.result.error.step_id == "createTrainingJob"
    assert "does not match the recording (body differs)" in outcome.result.error.message
    (problem,) = outcome.problems
    lines = problem.splitlines()
    assert lines[0] == "request #1 (step createTrainingJob) does not match the recording (body differs):"
    assert "  expected: POST / [X-Amz-Target: SageMaker.CreateTrainingJob]" in lines
    assert '  -  "TrainingJobName": "arazzo-demo-xgboost-001"' in lines
    assert '  +  "JobName": "arazzo-demo-xgboost-001",' in lines
    with pytest.raises(arazzo_runner.ArazzoError, match="body differs"):
        outcome.check()
    assert no_network == []


def test_match_keys_are_configurable(tmp_path) -> None:
    # Ignoring the body, the renamed field no longer matters.
    outcome = replay(_renamed_workflow(tmp_path), FLAGSHIP_HAR, match="method,path,target")
    assert outcome.ok, outcome.problems
    assert outcome.result.succeeded


def test_cli_replay_and_drift(run_cli, tmp_path) -> None:
    ok = run_cli("run", str(FLAGSHIP), "--replay", str(FLAGSHIP_HAR), "--output", "json")
    assert ok.returncode == 0, ok.stderr
    assert '"trainingJobStatus": "Completed"' in ok.stdout
    drift = run_cli(
        "run",
        str(FLAGSHIP),
        "--replay",
        str(FLAGSHIP_HAR),
        "--inputs",
        str(ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"),
        "-i",
        "trainingJobName=renamed-job",
        "-q",
    )
    assert drift.returncode == 1
    assert "the run does not match the recording" in drift.stderr
    assert '+  "TrainingJobName": "renamed-job"' in drift.stderr
    assert "Traceback" not in drift.stderr
