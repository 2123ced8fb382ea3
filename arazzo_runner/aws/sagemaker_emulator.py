"""A local Amazon SageMaker for demos and tests: JSON 1.1 over HTTP, SigV4 verified, jobs with real lifecycles.

Start it::

    python -m arazzo_runner.aws.sagemaker_emulator --port 0      # prints http://127.0.0.1:PORT

or in-process (tests)::

    with EmulatorServer(SageMakerEmulator(clock=fake_clock)) as server:
        server.url, server.emulator.count("DescribeTrainingJob")

What it speaks: ``POST /`` with ``X-Amz-Target: SageMaker.<Operation>`` and a JSON body, for
Create/Describe/Stop of training, transform and processing jobs and CreateModel/DescribeModel.
Every request's SigV4 signature is recomputed with botocore against the configured keys
(:mod:`.sigv4_verify`); required members are checked against botocore's SageMaker model.

How a test decides what a job does (first match wins):

1. ``emulator.script_job("training", name, outcome="Failed", in_progress=3)`` or
   ``POST /_emulator/jobs`` ``{"kind": "training", "name": ..., "outcome": ..., "inProgress": ...,
   "stopping": ..., "failureReason": ...}`` before the job is created;
2. directives in the job name after ``--``: ``job--fail``, ``job--stop``, ``job--maxruntime``,
   ``job--polls3`` (combinable: ``job--polls0-fail``), see :func:`.sagemaker_jobs.script_from_name`;
3. the emulator's defaults (``in_progress=5``: one answer per secondary status, then Completed).

Progress is counted in Describe calls by default (InProgress N times, then the outcome) or in
seconds of the injected ``clock`` (``advance="time"``). Faults: ``emulator.add_fault(Fault(...))``
or ``POST /_emulator/faults`` ``{"operation": "DescribeTrainingJob", "code": "ThrottlingException",
"times": 2, "when": "before"}`` (``"after"``: the work is done, the answer is the error), and a
random ``throttle_rate``. ``GET /_emulator/calls`` lists the calls (operation, job name, status,
error code) with counts; ``POST /_emulator/reset`` forgets everything. The ``/_emulator/``
endpoints are not signed: the server listens on 127.0.0.1 only by default.

Events: in time mode the jobs can also announce themselves, as SageMaker does — an
:class:`~.training_events.EventPump` ticks them and publishes every training job state change as a
"SageMaker Training Job State Change" event to an EventBridge bus (moto's in the tests and
``make demo-events``, where a rule routes them to an SQS queue), so a workflow can wait for events
with zero DescribeTrainingJob calls.

Compared with moto's server (measured): moto's jobs are born ``Completed``, a duplicate name
silently overwrites, StopTrainingJob answers 500, and auth errors come back as XML; this
emulator plays the lifecycle, rejects duplicates with ``ResourceInUse``, stops jobs through
``Stopping``, and answers auth errors as AWS JSON errors.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from .emulator_faults import Fault, FaultPlan
from .emulator_http import BackgroundServer, HttpRequest, HttpResponse, server_url, start_server
from .sagemaker_jobs import KINDS, JobScript, Outcome, SageMakerError, SageMakerJobs
from .sigv4_verify import AuthFailure, Credential, verify_sigv4

TARGET_PREFIX = "SageMaker."
CONTENT_TYPE = "application/x-amz-json-1.1"
ADMIN_PREFIX = "/_emulator/"

#: Throwaway credentials the emulator always accepts (print them, never real ones).
DEMO_ACCESS_KEY_ID = "AKIAEMULATOREXAMPLE1"
DEMO_SECRET_ACCESS_KEY = "emulator/secret/access/key/not-a-real-one"

#: Operation → (method of :class:`SageMakerJobs`, the body member naming the job or model).
OPERATIONS: Mapping[str, tuple[str, str]] = {
    "CreateTrainingJob": ("create_training_job", "TrainingJobName"),
    "DescribeTrainingJob": ("describe_training_job", "TrainingJobName"),
    "StopTrainingJob": ("stop_training_job", "TrainingJobName"),
    "CreateTransformJob": ("create_transform_job", "TransformJobName"),
    "DescribeTransformJob": ("describe_transform_job", "TransformJobName"),
    "StopTransformJob": ("stop_transform_job", "TransformJobName"),
    "CreateProcessingJob": ("create_processing_job", "ProcessingJobName"),
    "DescribeProcessingJob": ("describe_processing_job", "ProcessingJobName"),
    "StopProcessingJob": ("stop_processing_job", "ProcessingJobName"),
    "CreateModel": ("create_model", "ModelName"),
    "DescribeModel": ("describe_model", "ModelName"),
}


@dataclass(frozen=True, slots=True)
class Call:
    """One SageMaker API call the emulator answered (admin calls are not recorded)."""

    operation: str | None
    name: str | None
    status: int
    code: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"operation": self.operation, "name": self.name, "status": self.status, "code": self.code}


class SageMakerEmulator:
    """The emulator's logic: ``handle(HttpRequest) -> HttpResponse``, no sockets (see module docs)."""

    def __init__(
        self,
        *,
        credentials: Mapping[str, str | Credential] | None = None,
        region: str = "us-east-1",
        check_region: bool = False,
        account_id: str = "123456789012",
        in_progress: int = 5,
        stopping: int = 1,
        advance: Literal["describe", "time"] = "describe",
        seconds_per_phase: float = 1.0,
        clock: Callable[[], float] = time.time,
        wall_clock: Callable[[], float] = time.time,
        verify_signatures: bool = True,
        throttle_rate: float = 0.0,
        seed: int = 0,
    ) -> None:
        import random

        given = credentials if credentials is not None else {DEMO_ACCESS_KEY_ID: DEMO_SECRET_ACCESS_KEY}
        self.credentials: dict[str, Credential] = {
            key: value if isinstance(value, Credential) else Credential(value) for key, value in given.items()
        }
        self.region = region
        self.check_region = check_region
        self.verify_signatures = verify_signatures
        self._wall_clock = wall_clock
        self.jobs = SageMakerJobs(
            clock=clock,
            region=region,
            account_id=account_id,
            default_script=JobScript(in_progress=in_progress, stopping=stopping),
            advance=advance,
            seconds_per_phase=seconds_per_phase,
        )
        self.faults = FaultPlan(throttle_rate=throttle_rate, rng=random.Random(seed))
        self.calls: list[Call] = []

    # -- the Python API for tests ----------------------------------------------------------------

    def script_job(
        self,
        kind: str,
        name: str,
        *,
        outcome: str | Outcome = Outcome.COMPLETED,
        in_progress: int | None = None,
        stopping: int | None = None,
        failure_reason: str | None = None,
    ) -> None:
        """Decide what the job ``name`` of ``kind`` (training/transform/processing) will do."""
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        default = self.jobs.default_script
        self.jobs.script(
            kind,
            name,
            JobScript(
                outcome=Outcome(outcome),
                in_progress=default.in_progress if in_progress is None else in_progress,
                stopping=default.stopping if stopping is None else stopping,
                failure_reason=failure_reason,
            ),
        )

    def add_fault(self, fault: Fault) -> None:
        self.faults.add(fault)

    def count(self, operation: str | None = None) -> int:
        """How many calls of ``operation`` (all SageMaker calls when ``None``) were answered."""
        return sum(1 for call in self.calls if operation is None or call.operation == operation)

    def reset(self) -> None:
        self.jobs.reset()
        self.faults.clear()
        self.calls.clear()

    # -- HTTP ----------------------------------------------------------------------------------------

    def handle(self, request: HttpRequest) -> HttpResponse:
        if request.target.startswith(ADMIN_PREFIX):
            return self._admin(request)
        target = request.header("X-Amz-Target") or ""
        operation = target[len(TARGET_PREFIX) :] if target.startswith(TARGET_PREFIX) else None
        name: str | None = None
        try:
            if request.method != "POST" or request.target.split("?", 1)[0] != "/":
                raise SageMakerError(
                    "UnknownOperationException", f"{request.method} {request.target} is not an operation", 404
                )
            if self.verify_signatures:
                failure = self._verify(request)
                if failure is not None:
                    raise SageMakerError(failure.code, failure.message, failure.status)
            if operation is None or operation not in OPERATIONS:
                raise SageMakerError(
                    "UnknownOperationException",
                    f"The operation {target or '(no X-Amz-Target)'} is not supported by the SageMaker emulator"
                    f" (it knows {', '.join(sorted(OPERATIONS))})",
                )
            body = _json_object(request.body)
            method, name_member = OPERATIONS[operation]
            name = body.get(name_member) if isinstance(body.get(name_member), str) else None
            _check_required(operation, body)
            self._fault(operation, "before")
            answer = getattr(self.jobs, method)(body)
            self._fault(operation, "after")
        except SageMakerError as error:
            self.calls.append(Call(operation, name, error.status, error.code))
            return _error_response(error)
        self.calls.append(Call(operation, name, 200))
        return _json_response(200, answer)

    def _verify(self, request: HttpRequest) -> AuthFailure | None:
        return verify_sigv4(
            method=request.method,
            target=request.target,
            headers=request.headers,
            body=request.body,
            credentials=self.credentials,
            service="sagemaker",
            region=self.region if self.check_region else None,
            now=self._wall_clock(),
        )

    def _fault(self, operation: str, when: Literal["before", "after"]) -> None:
        fault = self.faults.take(operation, when)
        if fault is not None:
            raise SageMakerError(fault.code, fault.text, fault.status)

    def _admin(self, request: HttpRequest) -> HttpResponse:
        path = request.target.split("?", 1)[0][len(ADMIN_PREFIX) :]
        try:
            if request.method == "GET" and path == "calls":
                counts = Counter(call.operation for call in self.calls if call.operation)
                return _json_response(
                    200,
                    {
                        "calls": [call.to_json() for call in self.calls],
                        "counts": dict(sorted(counts.items())),
                    },
                )
            if request.method == "POST" and path == "reset":
                self.reset()
                return _json_response(200, {})
            if request.method == "POST" and path == "jobs":
                data = _json_object(request.body)
                self.script_job(
                    str(data.get("kind", "training")),
                    str(data["name"]),
                    outcome=str(data.get("outcome", "Completed")),
                    in_progress=int(data["inProgress"]) if "inProgress" in data else None,
                    stopping=int(data["stopping"]) if "stopping" in data else None,
                    failure_reason=str(data["failureReason"]) if data.get("failureReason") else None,
                )
                return _json_response(200, {})
            if request.method == "POST" and path == "faults":
                self.add_fault(Fault.from_json(_json_object(request.body)))
                return _json_response(200, {})
        except SageMakerError as error:
            return _error_response(error)
        except (KeyError, TypeError, ValueError) as exc:
            return _error_response(SageMakerError("ValidationException", f"bad admin request: {exc}"))
        return _error_response(
            SageMakerError(
                "UnknownOperationException", f"no admin endpoint {request.method} /_emulator/{path}", 404
            )
        )


@cache
def _input_shapes() -> dict[str, Any]:
    """The input shapes of the emulated operations, from botocore's SageMaker model (loaded once)."""
    from botocore.loaders import Loader
    from botocore.model import ServiceModel

    model = ServiceModel(Loader().load_service_model("sagemaker", "service-2"), "sagemaker")
    return {name: model.operation_model(name).input_shape for name in OPERATIONS}


def _check_required(operation: str, body: Mapping[str, Any]) -> None:
    """ValidationException in AWS's words for missing required members (nested structures included)."""
    problems: list[str] = []

    def walk(shape: Any, value: Mapping[str, Any], path: str) -> None:
        for member in shape.required_members:
            if value.get(member) is None:
                problems.append(
                    f"Value null at '{path}{member[0].lower()}{member[1:]}' failed to satisfy constraint: Member must not be null"
                )
        for member, member_shape in shape.members.items():
            child = value.get(member)
            if member_shape.type_name == "structure" and isinstance(child, Mapping):
                walk(member_shape, child, f"{path}{member[0].lower()}{member[1:]}.")

    walk(_input_shapes()[operation], body, "")
    if problems:
        count = len(problems)
        raise SageMakerError(
            "ValidationException",
            f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(problems),
        )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        data = json.loads(raw or b"{}")
    except ValueError:
        raise SageMakerError(
            "SerializationException", "Start of structure or map found where not expected."
        ) from None
    if not isinstance(data, dict):
        raise SageMakerError("SerializationException", "The request body must be a JSON object.")
    return data


def _json_response(status: int, data: Any, extra: Sequence[tuple[str, str]] = ()) -> HttpResponse:
    headers = (("Content-Type", CONTENT_TYPE), ("x-amzn-RequestId", str(uuid.uuid4())), *extra)
    return HttpResponse(status, json.dumps(data, separators=(",", ":")).encode(), headers)


def _error_response(error: SageMakerError) -> HttpResponse:
    return _json_response(
        error.status, {"__type": error.code, "message": error.message}, (("x-amzn-ErrorType", error.code),)
    )


class EmulatorServer(BackgroundServer):
    """The emulator on 127.0.0.1 in a background thread: ``with EmulatorServer() as server: server.url``."""

    def __init__(
        self, emulator: SageMakerEmulator | None = None, *, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self.emulator = emulator or SageMakerEmulator()
        super().__init__(self.emulator.handle, host, port)


# -- command line ------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m arazzo_runner.aws.sagemaker_emulator",
        description="A local SageMaker (JSON 1.1, SigV4-verified) whose jobs walk through the real lifecycle."
        " Prints its URL on the first line of stdout.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument("--access-key-id", help=f"accepted access key (default {DEMO_ACCESS_KEY_ID})")
    parser.add_argument("--secret-access-key", help="its secret (default: the emulator's throwaway secret)")
    parser.add_argument("--region", default="us-east-1", help="region of ARNs (default us-east-1)")
    parser.add_argument(
        "--check-region", action="store_true", help="refuse signatures scoped to other regions"
    )
    parser.add_argument("--account-id", default="123456789012")
    parser.add_argument(
        "--in-progress", type=int, default=5, help="InProgress answers before the outcome (default 5)"
    )
    parser.add_argument("--stopping", type=int, default=1, help="Stopping answers before Stopped (default 1)")
    parser.add_argument(
        "--advance",
        choices=("describe", "time"),
        default="describe",
        help="progress per Describe call or per time",
    )
    parser.add_argument(
        "--seconds-per-phase", type=float, default=1.0, help="with --advance time (default 1)"
    )
    parser.add_argument(
        "--throttle-rate", type=float, default=0.0, help="fraction of calls answered ThrottlingException"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed for --throttle-rate")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    credentials: dict[str, str] = {DEMO_ACCESS_KEY_ID: DEMO_SECRET_ACCESS_KEY}
    if args.access_key_id and args.secret_access_key:
        credentials = {args.access_key_id: args.secret_access_key}
    emulator = SageMakerEmulator(
        credentials=credentials,
        region=args.region,
        check_region=args.check_region,
        account_id=args.account_id,
        in_progress=args.in_progress,
        stopping=args.stopping,
        advance=args.advance,
        seconds_per_phase=args.seconds_per_phase,
        throttle_rate=args.throttle_rate,
        seed=args.seed,
    )

    async def serve() -> None:
        server = await start_server(emulator.handle, args.host, args.port)
        url = server_url(server)
        print(url, flush=True)
        key = next(iter(credentials))
        # The throwaway demo secret is printed (it is public, and a user needs it); a secret given
        # with --secret-access-key is the user's own and is not repeated.
        secret = (
            shlex.quote(credentials[key])
            if key == DEMO_ACCESS_KEY_ID
            else "<the --secret-access-key you gave>"
        )
        print(
            f"SageMaker emulator at {url}; use: AWS_ENDPOINT_URL_SAGEMAKER={url} AWS_ACCESS_KEY_ID={key}"
            f" AWS_SECRET_ACCESS_KEY={secret} AWS_REGION={args.region}",
            file=sys.stderr,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":  # pragma: no cover
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
