"""The flagship suite (``workflows/``, 8 documents) through ``arazzo test -j 4``: live against the SageMaker
emulator and moto (EventBridge → SQS for the event-driven workflow), recorded, then replayed with no
server at all. A fresh emulator makes three workflows fail by the suite's own design: a transform
needs a model nobody created, a stop names a job that does not exist, and the fail-on-error example
asks the emulator for a failed job (its ``failureActions`` ``end``)."""

from __future__ import annotations

from pathlib import Path

from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.aws.training_events import EventBridgePublisher, EventPump, route_to_queue
from tests.conftest import ROOT
from tests.moto_servers import admin_access_key, moto_server

MOTO_PROCESS = ROOT / "tests" / "integration" / "http" / "moto_process.py"
QUEUE = "arazzo-demo-sagemaker-training-events"  # the event-driven workflow's example inputs name it
PASS = {
    "process-and-poll-job",
    "train-and-poll-job",
    "train-and-wait-for-event",
    "train-model-and-batch-transform",
    "train-spot-with-hyperparameters",
}
FAIL = {"transform-and-poll-job", "stop-training-job", "train-until-success"}


def _verdicts(out: str) -> dict[str, str]:
    return {
        line.split("::", 1)[1].split()[0].rstrip(":"): line.split()[0]
        for line in out.splitlines()
        if "::" in line and line.split()[0] in ("PASS", "FAIL", "SKIP", "ERROR")
    }


def test_flagship_suite_live_with_events_then_replayed(arazzo, monkeypatch, tmp_path: Path) -> None:
    import botocore.session

    recordings = tmp_path / "recordings"
    monkeypatch.chdir(ROOT)
    with moto_server(MOTO_PROCESS, "3") as url:
        key, secret = admin_access_key(url, "suite")
        for name, value in (("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", secret)):
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("AWS_REGION", "us-east-1")
        monkeypatch.setenv("AWS_ENDPOINT_URL_SQS", url)
        for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
            monkeypatch.delenv(name, raising=False)
        session = botocore.session.Session()
        session.set_credentials(key, secret)
        events = session.create_client("events", region_name="us-east-1", endpoint_url=url)
        sqs = session.create_client("sqs", region_name="us-east-1", endpoint_url=url)
        route_to_queue(events, sqs, QUEUE)
        emulator = SageMakerEmulator(
            credentials={key: secret}, in_progress=2, advance="time", seconds_per_phase=0.05
        )
        with (
            EmulatorServer(emulator) as server,
            EventPump(emulator, EventBridgePublisher(events), interval=0.02),
        ):
            code, out, err = arazzo(
                "test",
                "workflows/",
                "-j",
                "4",
                "--server",
                f"sagemakerApi={server.url}",
                "--poll-interval",
                "0.05",
                "--record",
                str(recordings),
            )
    assert code == 1, out + err
    verdicts = _verdicts(out)
    assert {w for w, v in verdicts.items() if v == "PASS"} == PASS, out
    assert {w for w, v in verdicts.items() if v == "FAIL"} == FAIL, out
    assert "5 passed, 3 failed" in out
    assert len(list(recordings.glob("*.har"))) == 8
    # No emulator, no moto: the recordings answer; the event-driven workflow is skipped (no messages in a HAR)
    code, out, err = arazzo("test", "workflows/", "-j", "4", "--replay", str(recordings))
    assert code == 1, out + err
    verdicts = _verdicts(out)
    assert verdicts.pop("train-and-wait-for-event") == "SKIP"
    assert {w for w, v in verdicts.items() if v == "PASS"} == PASS - {"train-and-wait-for-event"}
    assert {w for w, v in verdicts.items() if v == "FAIL"} == FAIL
