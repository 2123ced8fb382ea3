"""Regenerate ``amazon-sagemaker-train-and-poll-job.har``: the flagship run against the local emulator.

    .venv/bin/python tests/recordings/record_flagship.py

The emulator (``arazzo_runner.aws.sagemaker_emulator``) verifies SigV4 with its throwaway keys
and plays a training job that is InProgress for three Describe calls, then Completed, so the
recording holds 1 CreateTrainingJob and 4 DescribeTrainingJob exchanges. Its clocks are fixed,
so regenerating changes only timings, dates, request ids and signatures (redacted anyway). Nothing here talks to AWS.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"
HAR = Path(__file__).resolve().parent / "amazon-sagemaker-train-and-poll-job.har"
IN_PROGRESS = 3
FIXED_TIME = 1_750_000_000.0


def record_flagship(path: Path = HAR, *, in_progress: int = IN_PROGRESS) -> object:
    """Record the flagship against a fresh emulator into ``path``; returns the RunResult."""
    import botocore.session

    import arazzo_runner
    from arazzo_runner.aws.sagemaker_emulator import (
        DEMO_ACCESS_KEY_ID,
        DEMO_SECRET_ACCESS_KEY,
        EmulatorServer,
        SageMakerEmulator,
    )
    from arazzo_runner.engine import PollPacing, RunOptions
    from arazzo_runner.http import AwsEnvironment
    from arazzo_runner.recording import record

    session = botocore.session.Session()
    session.set_credentials(DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY)
    aws = AwsEnvironment(region="us-east-1", session=session)
    document = arazzo_runner.load(WORKFLOW)
    inputs = json.loads(INPUTS.read_text())
    emulator = SageMakerEmulator(in_progress=in_progress, clock=lambda: FIXED_TIME)
    with EmulatorServer(emulator) as server:
        return record(
            document,
            None,
            inputs,
            path,
            servers={"sagemakerApi": server.url},
            aws=aws,
            options=RunOptions(pacing=PollPacing(interval=0)),
            label="workflows/amazon-sagemaker-train-and-poll-job-workflow.yml",
        )


if __name__ == "__main__":
    result = record_flagship()
    print(f"{HAR.relative_to(ROOT)}: {result.status}, {result.requests} requests, outputs {result.outputs}")
    sys.exit(0 if result.succeeded else 1)
