"""Telemetry tests: the SDK's in-memory span exporter and metric reader, the emulator's credentials."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY


class Captured:
    """A Telemetry over in-memory SDK providers, and what they captured."""

    def __init__(self, *, propagate: bool = False) -> None:
        from arazzo_runner.telemetry import Telemetry

        self.spans_exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans_exporter))
        self.reader = InMemoryMetricReader()
        self.telemetry = Telemetry(
            tracer_provider, MeterProvider(metric_readers=[self.reader]), propagate=propagate
        )

    def spans(self):
        return list(self.spans_exporter.get_finished_spans())

    def metrics(self) -> dict[str, list]:
        """Metric name -> its data points."""
        found: dict[str, list] = {}
        data = self.reader.get_metrics_data()
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def captured() -> Captured:
    return Captured()


@pytest.fixture(autouse=True)
def emulator_credentials(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER"):
        monkeypatch.delenv(name, raising=False)
    yield
