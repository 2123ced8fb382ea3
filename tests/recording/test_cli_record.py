"""``arazzo run --record`` / ``--replay`` / ``--replay-match`` through the real CLI."""

from __future__ import annotations

import json
import os

import pytest

from arazzo_runner.aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)
from arazzo_runner.cli.main import main
from tests.cli.in_process import CliResult, run_cli
from tests.conftest import FLAGSHIP, ROOT

INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"


def arazzo(*args: str, **env: str) -> CliResult:
    """The CLI in this process, without the AWS variables of the test's own environment."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    return run_cli(args, env={**environ, **env}, cwd=ROOT)


def test_record_against_the_emulator_then_replay(tmp_path) -> None:
    har = tmp_path / "cli.har"
    with EmulatorServer(SageMakerEmulator(in_progress=1)) as server:
        recorded = arazzo(
            "run", str(FLAGSHIP), "--inputs", str(INPUTS), "--server", f"sagemakerApi={server.url}",
            "--poll-interval", "0", "--record", str(har), "--output", "json",
            AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY=DEMO_SECRET_ACCESS_KEY, AWS_REGION="us-east-1",
        )  # fmt: skip
    assert recorded.returncode == 0, recorded.stderr
    text = har.read_text()
    assert DEMO_ACCESS_KEY_ID not in text and DEMO_SECRET_ACCESS_KEY not in text
    data = json.loads(text)
    assert len(data["log"]["entries"]) == 3
    assert data["log"]["_arazzo"]["outputs"] == json.loads(recorded.stdout)["outputs"]
    # The emulator is gone: the replay cannot be using it (inputs and workflow come from the file).
    replayed = arazzo("run", str(FLAGSHIP), "--replay", str(har), "--output", "json")
    assert replayed.returncode == 0, replayed.stderr
    assert json.loads(replayed.stdout)["outputs"] == json.loads(recorded.stdout)["outputs"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--record", "a.har", "--replay", "b.har"], "cannot be used together"),
        (["--replay-match", "method"], "only applies with --replay"),
        (["--replay", "x.har", "--replay-match", "method,verb"], "unknown replay match key 'verb'"),
        (["--replay", "does-not-exist.har"], "no such recording"),
    ],
)
def test_usage_errors(capsys, args: list[str], message: str) -> None:
    assert main(["run", str(FLAGSHIP), *args]) == 2
    assert message in capsys.readouterr().err
