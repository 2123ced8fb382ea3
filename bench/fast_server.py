"""A deliberately tiny SageMaker-style server for benchmarks: asyncio protocol, no sleeps, one write per answer.

Why not the emulator (``arazzo_runner.aws.sagemaker_emulator``): it checks required members
against botocore's model, records every call and (by default) recomputes each SigV4 signature
with botocore (~60-100 µs a request); the benchmarks want the *client* to be the bottleneck.
This server parses only what it must (``Content-Length``, ``X-Amz-Target`` and the job name in
the JSON body) and answers ``CreateTrainingJob`` then ``DescribeTrainingJob`` with
``InProgress`` ``--in-progress`` times per job, then ``Completed``.

Signature verification is **off** by default (for speed); ``--verify`` turns on the emulator's
botocore-based check (throwaway key ``AKIAEMULATOREXAMPLE1``) so a run can prove that the
requests are really signed.

Run it alone (prints its URL on the first line)::

    .venv/bin/python bench/fast_server.py --in-progress 500

It listens on 127.0.0.1 only and stops on SIGINT/SIGTERM or when its parent's stdin closes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

CONTENT_TYPE = b"application/x-amz-json-1.1"

#: A DescribeTrainingJob answer of realistic size (SageMaker returns ~30 members, ~1.5 kB).
_DESCRIBE_TEMPLATE: dict[str, Any] = {
    "TrainingJobArn": "arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}",
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMakerExecutionRole",
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/train"}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "CreationTime": 1717243200.0,
    "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": 1717243200.0}] * 3,
}


def _answer(status: int, body: bytes, content_type: bytes = CONTENT_TYPE) -> bytes:
    reason = b"OK" if status == 200 else b"Bad Request"
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nx-amzn-RequestId: bench\r\nContent-Length: %d\r\n\r\n"
        % (status, reason, content_type, len(body))
        + body
    )


class Jobs:
    """Per-job Describe counters: InProgress ``in_progress`` times, then Completed (then forgotten)."""

    def __init__(self, in_progress: int, content_type: bytes = CONTENT_TYPE) -> None:
        self.in_progress = in_progress
        self.content_type = content_type
        self.polls: dict[str, int] = {}
        self.requests = 0

    def handle(self, target: str, body: bytes) -> bytes:
        self.requests += 1
        try:
            name = str(json.loads(body).get("TrainingJobName"))
        except (ValueError, AttributeError):
            return _answer(400, b'{"__type":"ValidationException","message":"bad body"}', self.content_type)
        arn = f"arn:aws:sagemaker:us-east-1:123456789012:training-job/{name}"
        if target == "SageMaker.CreateTrainingJob":
            self.polls[name] = 0
            return _answer(200, json.dumps({"TrainingJobArn": arn}).encode(), self.content_type)
        if target == "SageMaker.DescribeTrainingJob":
            seen = self.polls.get(name, 0)
            done = seen >= self.in_progress
            if done:
                self.polls.pop(name, None)
            else:
                self.polls[name] = seen + 1
            data = dict(_DESCRIBE_TEMPLATE, TrainingJobArn=arn, TrainingJobName=name)
            data["TrainingJobStatus"] = "Completed" if done else "InProgress"
            data["SecondaryStatus"] = "Completed" if done else "Training"
            if done:
                data["ModelArtifacts"] = {"S3ModelArtifacts": f"s3://b/out/{name}/output/model.tar.gz"}
            return _answer(200, json.dumps(data).encode(), self.content_type)
        return _answer(
            400, b'{"__type":"UnknownOperationException","message":"unknown target"}', self.content_type
        )


Verifier = Callable[[str, str, list[tuple[str, str]], bytes], bool]


def _emulator_verifier() -> Verifier:
    """The emulator's botocore-based SigV4 check, against its throwaway key."""
    from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY
    from arazzo_runner.aws.sigv4_verify import Credential, verify_sigv4

    credentials = {DEMO_ACCESS_KEY_ID: Credential(DEMO_SECRET_ACCESS_KEY)}

    def verify(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> bool:
        failure = verify_sigv4(
            method=method,
            target=target,
            headers=headers,
            body=body,
            credentials=credentials,
            service="sagemaker",
        )
        return failure is None

    return verify


class Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection; requests may arrive pipelined or split across reads."""

    def __init__(self, jobs: Jobs, verify: Verifier | None) -> None:
        self.jobs = jobs
        self.verify = verify
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).decode("latin-1")
            lines = head.split("\r\n")
            length = 0
            target = ""
            headers: list[tuple[str, str]] = []
            for line in lines[1:]:
                name, _, value = line.partition(":")
                lowered = name.strip().lower()
                value = value.strip()
                if lowered == "content-length":
                    length = int(value)
                elif lowered == "x-amz-target":
                    target = value
                if self.verify is not None:
                    headers.append((name.strip(), value))
            if len(self.buffer) < end + 4 + length:
                return
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            assert self.transport is not None
            if self.verify is not None:
                method, path, _ = lines[0].split(" ", 2)
                if not self.verify(method, path, headers, body):
                    self.transport.write(_answer(403, b'{"__type":"InvalidSignatureException"}'))
                    continue
            self.transport.write(self.jobs.handle(target, body))


async def start(
    in_progress: int,
    *,
    verify: bool = False,
    host: str = "127.0.0.1",
    port: int = 0,
    content_type: str = CONTENT_TYPE.decode(),
) -> tuple[asyncio.Server, Jobs]:
    """Listen on ``host:port`` (0: any free port); returns the server and its job counters."""
    jobs = Jobs(in_progress, content_type.encode("latin-1"))
    verifier = _emulator_verifier() if verify else None
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(jobs, verifier), host, port, backlog=4096)
    return server, jobs


def url_of(server: asyncio.Server) -> str:
    host, port = server.sockets[0].getsockname()[:2]
    return f"http://{host}:{port}"


async def _serve(args: argparse.Namespace) -> None:
    server, jobs = await start(
        args.in_progress, verify=args.verify, port=args.port, content_type=args.content_type
    )
    print(url_of(server), flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    # Stop when the parent goes away (its end of our stdin closes): no orphan servers.
    loop.add_reader(sys.stdin.fileno(), lambda: stop.set() if not sys.stdin.buffer.read1(4096) else None)
    await stop.wait()
    server.close()
    print(f"served {jobs.requests} requests", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--in-progress", type=int, default=500, help="InProgress answers per job (default 500)"
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--verify", action="store_true", help="verify SigV4 signatures (off by default)")
    parser.add_argument(
        "--content-type",
        default=CONTENT_TYPE.decode(),
        help="Content-Type of the answers (default AWS's; peers that parse only application/json need that)",
    )
    args = parser.parse_args()
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
