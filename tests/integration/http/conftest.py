"""Fixtures: an echo / scripted server per module, moto's server with SigV4 checking once per session."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from http_test_servers import EchoServer  # noqa: E402


@pytest.fixture(scope="module")
def echo_server() -> Iterator[EchoServer]:
    with EchoServer() as server:
        yield server


@pytest.fixture
def scripted(echo_server: EchoServer) -> Iterator[EchoServer]:
    """The module's server with an empty script and request log; left echoing afterwards."""
    echo_server.play()
    yield echo_server
    echo_server.play()


@dataclass(frozen=True)
class MotoKeys:
    url: str
    access_key_id: str
    secret_access_key: str


@pytest.fixture(scope="session")
def moto() -> Iterator[MotoKeys]:
    """moto's server (signature checking after 3 free calls) and an IAM user's access key."""
    process = subprocess.Popen(
        [sys.executable, str(HERE / "moto_process.py"), "3"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        if not line.startswith("PORT "):
            pytest.fail(f"moto did not start: {line!r}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        import botocore.session

        iam = botocore.session.Session().create_client(
            "iam",
            region_name="us-east-1",
            endpoint_url=url,
            aws_access_key_id="AKIAFREECALLS0000000",
            aws_secret_access_key="free-calls-secret",
        )
        iam.create_user(UserName="arazzo")
        iam.put_user_policy(
            UserName="arazzo",
            PolicyName="all",
            PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        )
        key = iam.create_access_key(UserName="arazzo")["AccessKey"]
        yield MotoKeys(url, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
