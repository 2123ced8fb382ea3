"""``python -m arazzo_runner.aws.sagemaker_emulator --port 0`` as the demo starts it: prints its URL, serves, stops."""

from __future__ import annotations

import subprocess
import sys

import botocore.session
from botocore.config import Config

from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY


def test_started_as_a_command() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "arazzo_runner.aws.sagemaker_emulator", "--port", "0", "--in-progress", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = process.stdout.readline().strip() if process.stdout else ""
        assert url.startswith("http://127.0.0.1:")
        sagemaker = botocore.session.get_session().create_client(
            "sagemaker",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id=DEMO_ACCESS_KEY_ID,
            aws_secret_access_key=DEMO_SECRET_ACCESS_KEY,
            config=Config(retries={"max_attempts": 1}),
        )
        sagemaker.create_model(
            ModelName="m",
            PrimaryContainer={"Image": "i"},
            ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
        )
        assert sagemaker.describe_model(ModelName="m")["ModelArn"].endswith(":model/m")
    finally:
        process.terminate()
        process.wait(timeout=5)
    assert process.returncode == 0
    assert "AWS_ENDPOINT_URL_SAGEMAKER=" in (process.stderr.read() if process.stderr else "")
