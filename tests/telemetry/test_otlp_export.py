"""``arazzo run --otel`` exports OTLP/HTTP to a local receiver; the bytes decode with opentelemetry-proto.

The receiver is a tiny ``http.server`` on 127.0.0.1 (port 0) keeping every POST; the run is the
real CLI in a subprocess, configured only by the standard ``OTEL_*`` variables. Also here: with
no ``--otel`` the run imports nothing of OpenTelemetry (the cost of telemetry off is zero).
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from tests.cli.in_process import run_cli_process
from tests.conftest import FLAGSHIP, ROOT

INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"


class Receiver:
    """An OTLP/HTTP receiver that keeps what it is sent: ``{path: [body, ...]}``."""

    def __init__(self) -> None:
        received: dict[str, list[bytes]] = {}
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                if self.headers.get("content-encoding") == "gzip":
                    body = gzip.decompress(body)
                received.setdefault(self.path, []).append(body)
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    made = Receiver()
    yield made
    made.close()


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(SageMakerEmulator(in_progress=1)) as server:
        yield server


def arazzo(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return run_cli_process(args, env=env, cwd=ROOT)


def _attributes(values) -> dict:
    found = {}
    for item in values:
        value = item.value
        found[item.key] = getattr(value, value.WhichOneof("value")) if value.WhichOneof("value") else None
    return found


def test_otel_run_exports_traces_and_metrics_over_otlp_http(receiver, emulator, tmp_path) -> None:
    env = {
        **os.environ,
        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url,
        "OTEL_SERVICE_NAME": "arazzo-test",
    }
    args = ["run", str(FLAGSHIP), "--inputs", str(INPUTS), "--server", f"sagemakerApi={emulator.url}"]
    done = arazzo(*args, "--poll-interval", "0", "--no-journal", "--otel", "-q", env=env)
    assert done.returncode == 0, done.stderr
    traces = [ExportTraceServiceRequest.FromString(body) for body in receiver.received["/v1/traces"]]
    spans = [
        (resource, span)
        for request in traces
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert {_attributes(r.resource.attributes)["service.name"] for r, _ in spans} == {"arazzo-test"}
    names = [span.name for _, span in spans]
    assert "arazzo.run train-and-poll-job" in names
    assert names.count("arazzo.step pollTrainingJob") == 2
    assert len({span.trace_id for _, span in spans}) == 1
    posts = [_attributes(span.attributes) for _, span in spans if span.name == "POST"]
    assert [p["rpc.method"] for p in posts] == [
        "CreateTrainingJob",
        "DescribeTrainingJob",
        "DescribeTrainingJob",
    ]
    assert {p["http.response.status_code"] for p in posts} == {200}

    metrics = [ExportMetricsServiceRequest.FromString(body) for body in receiver.received["/v1/metrics"]]
    names = {
        metric.name
        for request in metrics
        for resource in request.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    assert {
        "arazzo.runs.started",
        "arazzo.runs.finished",
        "http.client.request.duration",
        "arazzo.requests",
    } <= names


def test_without_otel_nothing_of_opentelemetry_is_imported(emulator) -> None:
    """The CLI and the library, a whole flagship run: ``opentelemetry`` never enters sys.modules."""
    script = f"""
import sys
from arazzo_runner.cli.main import main
code = main(["run", {str(FLAGSHIP)!r}, "--inputs", {str(INPUTS)!r}, "--server", "sagemakerApi={emulator.url}",
             "--poll-interval", "0", "--no-journal", "-q"])
loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry"))
print(code, loaded)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip().splitlines()[-1] == "0 []", done.stdout + done.stderr


def test_otel_without_propagate_still_parses_and_propagate_needs_otel(tmp_path) -> None:
    done = arazzo("run", str(FLAGSHIP), "--inputs", str(INPUTS), "--propagate-trace", env=dict(os.environ))
    assert done.returncode == 2
    assert "--propagate-trace needs --otel" in done.stderr
    assert "Traceback" not in done.stderr


def test_otel_with_record_is_refused_not_silently_ignored(tmp_path) -> None:
    done = arazzo(
        "run", str(FLAGSHIP), "--inputs", str(INPUTS), "--otel", "--record", str(tmp_path / "r.har"),
        env=dict(os.environ),
    )  # fmt: skip
    assert done.returncode == 2
    assert "--otel does not combine with --record" in done.stderr
    assert "Traceback" not in done.stderr


def test_telemetry_is_public_api_and_lazy() -> None:
    script = (
        "import sys, arazzo_runner; assert not any(m.startswith('opentelemetry') for m in sys.modules);"
        " from arazzo_runner import Telemetry; print(Telemetry.__module__)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.stdout.strip() == "arazzo_runner.telemetry.setup", done.stderr


def test_otel_without_the_extra_says_how_to_install_it() -> None:
    """The extra absent (opentelemetry made unimportable): a usage error naming the extra, exit 2."""
    script = f"""
import sys
for name in ("opentelemetry", "opentelemetry.trace", "opentelemetry.metrics"):
    sys.modules[name] = None  # as if the [otel] extra were not installed
from arazzo_runner.cli.main import main
sys.exit(main(["run", {str(FLAGSHIP)!r}, "--inputs", {str(INPUTS)!r}, "--otel"]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 2, done.stderr
    assert "pip install 'arazzo-runner[otel]'" in done.stderr
    assert "Traceback" not in done.stderr
