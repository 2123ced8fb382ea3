"""A run SIGKILLed mid-poll and resumed is one trace: the trace id is kept in the journal.

The first process (a real child process) runs the flagship journaled against the SageMaker
emulator, exporting each span as it ends over OTLP/HTTP to the test's receiver, and SIGKILLs
itself when the first poll wait begins. ``resume`` in the test process then carries the run
on with the SDK's InMemorySpanExporter: its spans have the first process's trace id, and its
root, ``arazzo.resume``, is a child of the original run span and links to it.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.journal import Journal
from tests.conftest import FLAGSHIP, ROOT

from .test_otlp_export import INPUTS, Receiver

CHILD = """
import json, os, signal, sys
import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from arazzo_runner.telemetry import Telemetry
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

provider = TracerProvider()
provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=sys.argv[1] + "/v1/traces")))

def killed(seconds):  # the first poll wait: the process dies as a crash would kill it
    os.kill(os.getpid(), signal.SIGKILL)

arazzo_runner.load(sys.argv[2]).run(
    None, json.loads(sys.argv[3]), servers={"sagemakerApi": sys.argv[4]},
    options=RunOptions(pacing=PollPacing(interval=float(sys.argv[6]))), sleep=killed, journal=sys.argv[5],
    telemetry=Telemetry(provider),
)
"""


def killed_run(receiver: Receiver, emulator: EmulatorServer, journal: Path, name: str, interval: str):
    """The flagship run by a child process that exports to ``receiver``, polls ``interval`` s apart
    and is SIGKILLed at its first poll wait: (its journal record, the traceparent the journal kept)."""
    inputs = {**json.loads(INPUTS.read_text()), "trainingJobName": name}
    child = subprocess.run(
        [sys.executable, "-c", CHILD, receiver.url, str(FLAGSHIP), json.dumps(inputs), emulator.url, str(journal), interval],
        cwd=ROOT, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr
    with Journal(journal) as store:
        (record,) = store.runs()
        (kept,) = [e["detail"] for e in store.timeline(record.id) if e["kind"] == "trace"]
    return record, kept


def test_resume_after_sigkill_continues_the_trace(captured, tmp_path) -> None:
    receiver = Receiver()
    journal = tmp_path / "runs.db"
    try:
        with EmulatorServer(SageMakerEmulator(in_progress=1)) as emulator:
            record, kept = killed_run(receiver, emulator, journal, "resumed-1", "5")
            result = arazzo_runner.resume(
                record.id, journal=journal, servers={"sagemakerApi": emulator.url},
                sleep=lambda seconds: None, telemetry=captured.telemetry,
            )  # fmt: skip
        assert result.status == "succeeded", result.error
    finally:
        receiver.close()
    first = [
        span
        for body in receiver.received["/v1/traces"]
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    # the first process ended its create step before it died (the run span never ended)
    assert "arazzo.step createTrainingJob" in [s.name for s in first]
    (trace_id,) = {s.trace_id for s in first}
    # the journal keeps the run span's traceparent: the same trace, the run span's id
    _, kept_trace, kept_span, _ = kept.split("-")
    assert bytes.fromhex(kept_trace) == trace_id
    original_run_span = bytes.fromhex(kept_span)

    spans = captured.spans()
    assert {s.context.trace_id.to_bytes(16, "big") for s in spans} == {trace_id}
    (resume,) = [s for s in spans if s.name.startswith("arazzo.resume")]
    assert resume.parent.span_id.to_bytes(8, "big") == original_run_span
    assert [link.context.span_id.to_bytes(8, "big") for link in resume.links] == [original_run_span]
    assert resume.attributes["arazzo.run.resumed"] is True
    assert resume.attributes["arazzo.run.id"] == record.id
    assert resume.attributes["arazzo.run.status"] == "succeeded"
    names = [s.name for s in spans]
    assert "arazzo.step pollTrainingJob" in names and "arazzo.step createTrainingJob" not in names


def test_cli_resume_with_otel_exports_the_same_trace(tmp_path) -> None:
    """``arazzo resume RUN_ID --otel`` (OTEL_* only): its spans carry the journal's trace id."""
    import os

    from tests.cli.in_process import run_cli

    receiver = Receiver()
    journal = tmp_path / "runs.db"
    try:
        with EmulatorServer(SageMakerEmulator(in_progress=1)) as emulator:
            record, kept = killed_run(receiver, emulator, journal, "resumed-cli", "0.1")
            receiver.received.clear()
            done = run_cli(  # in this process: main(argv) with its own streams and environment
                ["resume", record.id, "--journal", str(journal), "--otel", "-q"],
                cwd=ROOT, env={**os.environ, "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url},
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
    finally:
        receiver.close()
    spans = [
        span
        for body in receiver.received["/v1/traces"]
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
    ]
    assert {span.trace_id.hex() for span in spans} == {kept.split("-")[1]}
    (resume,) = [s for s in spans if s.name.startswith("arazzo.resume")]
    assert resume.parent_span_id.hex() == kept.split("-")[2]
