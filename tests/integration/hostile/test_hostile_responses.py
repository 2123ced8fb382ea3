"""Every response is bounded in time and size (issue 17, point 2), against hostile servers."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from unittest import mock

import pytest
from hostile_servers import HostileServer, declared_huge, drip_body, drip_headers, endless_body, gzip_bomb

import arazzo_runner
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.engine import RunOptions


def pets_document(tmp_path: Path) -> arazzo_runner.Document:
    (tmp_path / "pets.openapi.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: pets, version: '1'}\nservers: [{url: 'http://127.0.0.1:9'}]\n"
        "paths:\n  /pets:\n    get:\n      operationId: listPets\n      responses: {'200': {description: ok}}\n"
    )
    (tmp_path / "flow.arazzo.yaml").write_text(
        "arazzo: 1.0.1\ninfo: {title: t, version: '1'}\n"
        "sourceDescriptions: [{name: pets, url: ./pets.openapi.yaml, type: openapi}]\n"
        "workflows:\n- workflowId: list\n  steps:\n    - stepId: list\n      operationId: listPets\n"
        "      outputs: {body: $response.body}\n"
    )
    return arazzo_runner.load(tmp_path / "flow.arazzo.yaml")


#: Sync runs (httpx), and async runs over each transport ``ARAZZO_HTTP_TRANSPORT`` can pick.
MODES = ["sync", "async", "async-lean-h11", "async-httpx"]


def run(doc, server, *, mode: str = "sync", options=None, **environment) -> arazzo_runner.RunResult:
    env = RunEnvironment(servers={"pets": server.url}, **environment)
    if mode == "sync":
        return doc.run(None, {}, environment=env, options=options)
    # ``async-NAME``: the async run's own client goes over transport NAME (``async``: the default one).
    transport = {"ARAZZO_HTTP_TRANSPORT": mode.removeprefix("async-")} if mode.startswith("async-") else {}
    with mock.patch.dict(os.environ, transport):
        return asyncio.run(doc.run_async(None, {}, environment=env, options=options))


def reason(result: arazzo_runner.RunResult) -> str:
    assert result.status == "failed"
    return result.step("list").last.reason


@pytest.mark.parametrize("mode", MODES)
def test_body_dripping_a_byte_at_a_time_is_stopped_by_the_http_timeout(tmp_path, mode) -> None:
    with HostileServer(drip_body()) as server:
        result = run(pets_document(tmp_path), server, mode=mode, request_timeout=0.15)  # 7 drips of 20 ms
    assert "took longer than 0.15 s (--http-timeout)" in reason(result)


@pytest.mark.parametrize("mode", MODES)
def test_run_deadline_stops_reading_a_dripping_body(tmp_path, mode) -> None:
    with HostileServer(drip_body()) as server:
        result = run(pets_document(tmp_path), server, mode=mode, options=RunOptions(run_timeout=0.3))
    assert "did not end before the run's deadline (--timeout)" in reason(result)


@pytest.mark.parametrize("mode", MODES)
def test_time_bound_covers_headers_dripping_too(tmp_path, mode) -> None:
    with HostileServer(drip_headers()) as server:
        result = run(pets_document(tmp_path), server, mode=mode, request_timeout=0.15)
    assert "took longer than 0.15 s" in reason(result)


def test_run_deadline_covers_headers_dripping(tmp_path) -> None:
    with HostileServer(drip_headers()) as server:
        result = run(pets_document(tmp_path), server, options=RunOptions(run_timeout=0.3))
    assert "did not end before the run's deadline (--timeout)" in reason(result)


@pytest.mark.parametrize("mode", MODES)
def test_gzip_bomb_is_counted_decoded_and_stopped(tmp_path, mode) -> None:
    with HostileServer(gzip_bomb(16 * 1024 * 1024)) as server:  # ~16 KB on the wire
        result = run(pets_document(tmp_path), server, mode=mode, max_response_size=1024 * 1024)
    text = reason(result)
    assert "after decoding, over the limit of 1048576 bytes (--max-response-size)" in text
    passed = int(text.split("passed ")[1].split(" bytes")[0])
    assert passed < 1024 * 1024 + 64 * 1024 * 1024  # stopped within one decoded chunk of the limit


@pytest.mark.parametrize("mode", MODES)
def test_endless_body_stops_at_the_size_limit(tmp_path, mode) -> None:
    with HostileServer(endless_body()) as server:
        result = run(pets_document(tmp_path), server, mode=mode, max_response_size=2 * 1024 * 1024)
    assert "over the limit of 2097152 bytes" in reason(result)


def test_declared_size_over_the_limit_is_refused_before_reading(tmp_path) -> None:
    with HostileServer(declared_huge()) as server:
        result = run(pets_document(tmp_path), server)
    assert "declares 10737418240 bytes, over the limit of 67108864 bytes" in reason(result)


def test_a_limit_is_not_retried(tmp_path) -> None:
    with HostileServer(endless_body()) as server:
        result = run(pets_document(tmp_path), server, max_response_size=100_000, transport_retries=True)
        assert server.connections == 1
    assert result.transport_retries == 0


def test_recording_applies_the_size_limit_too(tmp_path) -> None:
    """The recording transport reads answers whole: it must stop too (an endless body hung it)."""
    from arazzo_runner.recording import record

    with HostileServer(endless_body()) as server:
        env = RunEnvironment(servers={"pets": server.url}, max_response_size=1024 * 1024)
        result = record(pets_document(tmp_path), None, {}, tmp_path / "run.har", environment=env)
    assert "over the limit of 1048576 bytes (--max-response-size)" in reason(result)
