"""Start moto's server in a child process for a test, and give a test an all-powerful IAM user.

moto's behaviour (``INITIAL_NO_AUTH_ACTION_COUNT``, Step Functions execution, IAM enforcement) is set
per process before it is imported, so each flavour is a small script that prints ``PORT <n>`` and serves
until its stdin closes; this module starts one and always stops it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ALLOW_ALL = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'
#: The key moto accepts for its first, unchecked calls (any key works while they last).
FREE_CALLS_KEY = ("AKIAFREECALLS0000000", "free-calls-secret")


@contextmanager
def moto_server(script: Path, *args: str) -> Iterator[str]:
    """Run ``script`` (a moto launcher) and yield its ``http://127.0.0.1:<port>`` URL."""
    process = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("PORT "):
            pytest.fail(f"moto did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}"
    finally:
        if process.stdin:
            process.stdin.close()
        # Then at once SIGTERM: moto's own stop waits out werkzeug's half-second poll and the
        # interpreter's shutdown (about a second); its state dies with it either way.
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


def iam_client(url: str, key: str, secret: str, region: str = "us-east-1") -> object:
    import botocore.session

    return botocore.session.Session().create_client(
        "iam", region_name=region, endpoint_url=url, aws_access_key_id=key, aws_secret_access_key=secret
    )


def admin_access_key(url: str, user: str) -> tuple[str, str]:
    """With moto's free calls: a user allowed everything, and its access key (id, secret)."""
    iam = iam_client(url, *FREE_CALLS_KEY)
    iam.create_user(UserName=user)  # type: ignore[attr-defined]
    iam.put_user_policy(UserName=user, PolicyName="all", PolicyDocument=ALLOW_ALL)  # type: ignore[attr-defined]
    key = iam.create_access_key(UserName=user)["AccessKey"]  # type: ignore[attr-defined]
    return key["AccessKeyId"], key["SecretAccessKey"]
