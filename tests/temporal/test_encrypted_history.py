"""With the AES-GCM codec, a token from a response body cannot be read in Temporal's stored history."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets

import pytest

import arazzo_runner
from arazzo_runner.temporal.codec import EncryptionCodec, parse_key
from arazzo_runner.temporal.connection import TemporalTarget, connect
from tests.conftest import DATA
from tests.engine.scripted_server import ScriptedServer
from tests.temporal.conftest import run_on_temporal


@pytest.fixture
def server():
    server = ScriptedServer()
    yield server
    server.close()


def stored_history(address: str, handle_id: str) -> str:
    """The run's history as the server stores it (read with a client that has no codec)."""

    async def fetch() -> str:
        client = await connect(TemporalTarget(address))
        history = await client.get_workflow_handle(handle_id).fetch_history()
        return history.to_json()

    return asyncio.run(fetch())


def run_behaviour(temporal_server, task_queue, server, workflow_id, key):
    """Run a workflow of behaviours.arazzo.yaml against ``server``: (result, stored history)."""
    document = arazzo_runner.load(DATA / "temporal" / "behaviours.arazzo.yaml")
    result, _, handle = asyncio.run(
        run_on_temporal(
            temporal_server.address,
            task_queue,
            document,
            workflow_id,
            {},
            servers={"api": server.url},
            encryption_key=key,
        )
    )
    return result, stored_history(temporal_server.address, handle.id)


def run_token_workflow(temporal_server, task_queue, server, key):
    token = "tok-" + secrets.token_hex(16)
    server.reset({("POST", "/token"): [(200, {"token": token})], ("GET", "/other"): [(200, {})]})
    return (token, *run_behaviour(temporal_server, task_queue, server, "token", key))


def test_a_response_token_is_unreadable_in_stored_history(temporal_server, task_queue, server) -> None:
    key = os.urandom(32)
    token, result, history = run_token_workflow(temporal_server, task_queue, server, key)
    # The run used the token (clients with the key see everything)...
    assert result["status"] == "succeeded"
    assert result["outputs"] == {"token": token}
    # ...but the server only ever stored ciphertext: not in the history, nor in any payload decoded.
    assert token not in readable(history)
    assert "binary/encrypted" in readable(history)  # the codec's encoding, in every payload's metadata


def test_without_the_codec_the_same_token_is_in_history(temporal_server, task_queue, server) -> None:
    """The control: the check above would see the token if it were stored in the clear."""
    token, result, history = run_token_workflow(temporal_server, task_queue, server, None)
    assert result["outputs"] == {"token": token}
    assert token in readable(history)


def readable(history: str) -> str:
    """The history JSON plus every base64 value in it decoded (payload data and metadata)."""
    import base64
    import binascii
    import json

    found = [history]

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            with contextlib.suppress(binascii.Error, ValueError):
                found.append(base64.b64decode(node, validate=True).decode("utf-8", "replace"))

    walk(json.loads(history))
    return "\n".join(found)


def test_codec_round_trip_and_wrong_key() -> None:
    from temporalio.api.common.v1 import Payload

    codec = EncryptionCodec(os.urandom(32))
    payload = Payload(metadata={"encoding": b"json/plain"}, data=b'{"token": "abc"}')
    encoded = asyncio.run(codec.encode([payload]))
    assert b"abc" not in encoded[0].data
    assert asyncio.run(codec.decode(encoded)) == [payload]
    with pytest.raises(ValueError, match="another key"):
        asyncio.run(EncryptionCodec(os.urandom(32)).decode(encoded))


def test_keys_are_32_bytes_base64() -> None:
    import base64

    from arazzo_runner.errors import UsageError

    raw = os.urandom(32)
    assert parse_key(base64.b64encode(raw).decode()) == raw
    assert parse_key(base64.urlsafe_b64encode(raw).decode().rstrip("=")) == raw
    with pytest.raises(UsageError, match="32 bytes"):
        parse_key("c2hvcnQ=")


@pytest.mark.parametrize("encrypted", [True, False], ids=["with-key", "control-without-key"])
def test_a_local_reads_answer_is_encrypted_in_its_marker(
    temporal_server, task_queue, server, encrypted
) -> None:
    """A GET is a local read: its answer is stored in a marker, which goes through the codec too."""
    token = "tok-" + secrets.token_hex(16)
    server.reset({("GET", "/flaky"): [(200, {"token": token})]})
    key = os.urandom(32) if encrypted else None
    result, history = run_behaviour(temporal_server, task_queue, server, "retryShortly", key)
    assert result["status"] == "succeeded"
    assert "markerRecordedEventAttributes" in history  # the GET went out as a local read
    assert (token in readable(history)) is not encrypted
