"""``make demo``: the flagship workflow against a local SageMaker emulator, with live progress.

Starts the emulator on 127.0.0.1 (SigV4 verified against throwaway credentials), runs
``arazzo run`` on the unmodified flagship workflow with those credentials, then stops the
emulator. Nothing leaves the machine; no AWS account is needed.
"""

from __future__ import annotations

import argparse
import os
import sys

from ..aws.sagemaker_emulator import (
    DEMO_ACCESS_KEY_ID,
    DEMO_SECRET_ACCESS_KEY,
    EmulatorServer,
    SageMakerEmulator,
)

FLAGSHIP = "workflows/amazon-sagemaker-train-and-poll-job-workflow.yml"
INPUTS = "workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json"


def use_demo_credentials(**extra: str) -> None:
    """Throwaway credentials only (the emulator verifies signatures made with them), and no profile,
    session token or endpoint override from the user's environment to send the run elsewhere."""
    os.environ.update(
        AWS_ACCESS_KEY_ID=DEMO_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=DEMO_SECRET_ACCESS_KEY,
        AWS_REGION="us-east-1",
        **extra,
    )
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        os.environ.pop(name, None)


def emulator_run_command(args: argparse.Namespace, server_url: str) -> list[str]:
    """``arazzo run`` of the demo's workflow and inputs against the emulator at ``server_url``."""
    print(
        f"Local SageMaker emulator at {server_url} (SigV4 verified, throwaway credentials)", file=sys.stderr
    )
    return ["run", args.workflow_file, "--inputs", args.inputs, "--server", f"sagemakerApi={server_url}"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m arazzo_runner.cli.demo", description=__doc__)
    parser.add_argument("--workflow-file", default=FLAGSHIP)
    parser.add_argument("--inputs", default=INPUTS)
    parser.add_argument("--in-progress", type=int, default=5, help="InProgress answers before Completed")
    parser.add_argument("--poll-interval", default="1", help="first wait between polls, seconds")
    parser.add_argument("--output", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    for path in (args.workflow_file, args.inputs):
        if not os.path.exists(path):
            print(f"demo: {path} not found (run it from the repository root: make demo)", file=sys.stderr)
            return 2
    use_demo_credentials()
    from .main import main as arazzo

    with EmulatorServer(SageMakerEmulator(in_progress=args.in_progress)) as server:
        command = [
            *emulator_run_command(args, server.url),
            "--poll-interval",
            args.poll_interval,
            "--output",
            args.output,
            # The emulator lives only as long as the demo: its runs could never be resumed.
            "--no-journal",
        ]
        print("$ arazzo " + " ".join(command), file=sys.stderr)
        code = arazzo(command)
        creates = server.emulator.count("CreateTrainingJob")
        describes = server.emulator.count("DescribeTrainingJob")
        print(
            f"Emulator saw {creates} CreateTrainingJob and {describes} DescribeTrainingJob calls.",
            file=sys.stderr,
        )
    return code


if __name__ == "__main__":
    sys.exit(main())
