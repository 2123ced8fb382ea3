"""On Temporal, one trace spans the submitting process and every worker, also after a kill.

The flagship is submitted from the test process (temporalio's OpenTelemetry interceptor on its
client, spans in the SDK's InMemorySpanExporter); two ``arazzo worker --otel`` processes export
over OTLP/HTTP to the test's receiver (``OTEL_*`` variables only). The first worker is SIGKILLed
while the run waits between polls; the second finishes it. Every span, in all three processes,
has the run's one trace id.
"""

from __future__ import annotations

import asyncio

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

import arazzo_runner
from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator
from arazzo_runner.temporal.connection import TemporalTarget, connect
from arazzo_runner.temporal.runs import follow, new_request, submit
from tests.conftest import FLAGSHIP
from tests.telemetry.conftest import Captured
from tests.telemetry.test_otlp_export import Receiver
from tests.temporal.conftest import FLAGSHIP_INPUTS
from tests.temporal.test_worker_failover import PACED, STICKY, on_a_timer
from tests.temporal.worker_process import WorkerProcess


@pytest.fixture
def receiver():
    made = Receiver()
    yield made
    made.close()


def _exported(receiver: Receiver) -> list[tuple[str, object]]:
    """(service.instance.id, span) for every span the workers exported."""
    found = []
    for body in receiver.received.get("/v1/traces", []):
        for resource in ExportTraceServiceRequest.FromString(body).resource_spans:
            attributes = {a.key: a.value.string_value for a in resource.resource.attributes}
            for scope in resource.scope_spans:
                found.extend((attributes.get("service.instance.id"), span) for span in scope.spans)
    return found


def test_two_workers_one_trace_after_a_kill(temporal_server, task_queue, receiver, monkeypatch) -> None:
    from arazzo_runner.telemetry.temporal import interceptors, submission

    captured = Captured()
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "20")  # each span exported within 20 ms of its end
    document = arazzo_runner.load(FLAGSHIP)
    with EmulatorServer(SageMakerEmulator(in_progress=3, stopping=0)) as emulator:
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=first")
        first = WorkerProcess(temporal_server.address, task_queue, "--otel", *STICKY).wait_ready()
        second = None
        try:

            async def run() -> dict:
                client = await connect(
                    TemporalTarget(temporal_server.address), interceptors=interceptors(captured.telemetry)
                )
                request = new_request(
                    document,
                    None,
                    {**FLAGSHIP_INPUTS, "trainingJobName": "otel-failover"},
                    options=PACED,
                    servers={"sagemakerApi": emulator.url},
                )
                nonlocal second
                with submission(captured.telemetry, "train-and-poll-job", None) as listener:
                    handle = await submit(client, request, task_queue=task_queue)
                    # the create is done and the first poll answered: the run sleeps on a timer
                    while emulator.emulator.count("DescribeTrainingJob") < 1 or not await on_a_timer(handle):
                        await asyncio.sleep(0.02)
                    first.kill()
                    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=second")
                    second = WorkerProcess(temporal_server.address, task_queue, "--otel").wait_ready()
                    return await asyncio.wait_for(follow(handle, listener, every=0.05), 90)

            outcome = asyncio.run(run())
            assert outcome["status"] == "succeeded", outcome["error"]
            assert emulator.emulator.count("CreateTrainingJob") == 1
        finally:
            first.close()
            if second is not None:
                second.stop()  # SIGTERM: the worker shuts down and flushes its exporter
                second.close()
    mine = captured.spans()
    (trace_id,) = {span.context.trace_id for span in mine}
    names = {span.name for span in mine}
    assert {
        "arazzo.submit train-and-poll-job",
        "StartWorkflow:ArazzoRun",
        "arazzo.run train-and-poll-job",
    } <= names
    theirs = _exported(receiver)
    assert {int.from_bytes(span.trace_id, "big") for _, span in theirs} == {trace_id}
    sends = {(instance, span.name) for instance, span in theirs if span.name.startswith("RunActivity")}
    assert ("first", "RunActivity:arazzo.send") in sends
    assert ("second", "RunActivity:arazzo.send") in sends
    # the run's own spans (from the events the submitter followed): every poll, in the same trace
    polls = [s for s in mine if s.name == "arazzo.step pollTrainingJob"]
    assert len(polls) == 4


def test_cli_run_on_temporal_with_otel_is_one_trace(
    temporal_server, task_queue, emulator, receiver, monkeypatch
) -> None:
    """``arazzo worker --otel`` and ``arazzo run --temporal --otel``, configured by OTEL_* only (the run
    in this process, ``main(argv)`` with its own environment: tests/temporal/test_cli_temporal.py)."""
    from tests.temporal.test_cli_temporal import cli

    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url)
    monkeypatch.setenv("OTEL_BSP_SCHEDULE_DELAY", "20")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=worker")
    worker = WorkerProcess(temporal_server.address, task_queue, "--otel").wait_ready()
    try:
        monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=cli")
        done = cli(
            "run", str(FLAGSHIP), "-q",
            "--inputs", "workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json",
            "--server", f"sagemakerApi={emulator.url}", "--poll-interval", "0",
            "--temporal", temporal_server.address, "--task-queue", task_queue, "--otel",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    finally:
        worker.stop()
        worker.close()
    spans = _exported(receiver)
    assert len({span.trace_id for _, span in spans}) == 1
    cli_names = {span.name for who, span in spans if who == "cli"}
    assert {
        "arazzo.submit train-and-poll-job",
        "StartWorkflow:ArazzoRun",
        "arazzo.run train-and-poll-job",
    } <= cli_names
    assert "arazzo.step pollTrainingJob" in cli_names
    sends = [span for who, span in spans if who == "worker" and span.name == "RunActivity:arazzo.send"]
    assert sends
    # the worker puts each request's HTTP and AWS attributes on its activity's span
    attributes = [{a.key: a.value for a in span.attributes} for span in sends]
    methods = sorted(a["rpc.method"].string_value for a in attributes)
    assert methods == ["CreateTrainingJob"] + ["DescribeTrainingJob"] * (len(sends) - 1)
    assert all(a["http.response.status_code"].int_value == 200 for a in attributes)
    assert all(a["url.full"].string_value == emulator.url + "/" for a in attributes)
