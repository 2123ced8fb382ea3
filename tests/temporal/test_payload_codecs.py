"""Payload codecs without a server: large payloads compressed (a long run's step records stay under
Temporal's payload limits), small ones untouched, inflating bounded, compression before encryption,
and payloads written without a codec (older histories) read as they are."""

from __future__ import annotations

import asyncio
import json
import os
import zlib

import pytest
from temporalio.api.common.v1 import Payload

from arazzo_runner.temporal import codec
from arazzo_runner.temporal.codec import COMPRESSED, CodecChain, CompressionCodec, EncryptionCodec
from arazzo_runner.temporal.connection import data_converter


def _json_payload(value: object) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())


def _step_records(polls: int) -> Payload:
    """What a long run carries: one record a poll, alike but for their numbers."""
    return _json_payload(
        {
            "steps": [
                {"stepId": "pollTrainingJob", "attempt": i, "statusCode": 200, "outputs": {"status": "InProgress"}}
                for i in range(polls)
            ]
        }
    )


def test_a_large_payload_is_compressed_and_read_back() -> None:
    payload = _step_records(5000)
    assert payload.ByteSize() > codec.COMPRESS_ABOVE
    (encoded,) = asyncio.run(CompressionCodec().encode([payload]))
    assert encoded.metadata["encoding"] == COMPRESSED
    assert encoded.ByteSize() * 10 < payload.ByteSize()
    assert asyncio.run(CompressionCodec().decode([encoded])) == [payload]


def test_small_and_incompressible_payloads_pass_as_they_are() -> None:
    small = _json_payload({"trainingJobName": "x"})
    noise = Payload(metadata={"encoding": b"binary/plain"}, data=os.urandom(codec.COMPRESS_ABOVE + 1))
    assert asyncio.run(CompressionCodec().encode([small, noise])) == [small, noise]
    assert asyncio.run(CompressionCodec().decode([small, noise])) == [small, noise]


def test_inflating_is_bounded_and_a_cut_stream_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(codec, "MAX_INFLATED", 1024 * 1024)
    bomb = Payload(metadata={"encoding": COMPRESSED}, data=zlib.compress(b"\0" * (4 * 1024 * 1024)))
    with pytest.raises(ValueError, match="inflates past 1048576 bytes"):
        asyncio.run(CompressionCodec().decode([bomb]))
    (whole,) = asyncio.run(CompressionCodec().encode([_step_records(5000)]))
    cut = Payload(metadata={"encoding": COMPRESSED}, data=whole.data[: len(whole.data) // 2])
    with pytest.raises(ValueError, match="cut short"):
        asyncio.run(CompressionCodec().decode([cut]))


def test_compressed_then_encrypted_and_back() -> None:
    payload = _step_records(5000)
    chain = CodecChain(CompressionCodec(), EncryptionCodec(os.urandom(32)))
    (encoded,) = asyncio.run(chain.encode([payload]))
    assert encoded.metadata["encoding"] == b"binary/encrypted"
    assert encoded.ByteSize() * 10 < payload.ByteSize()  # compressed before it was encrypted
    assert asyncio.run(chain.decode([encoded])) == [payload]


@pytest.mark.parametrize("key", [None, os.urandom(32)], ids=["plain", "encrypted"])
def test_the_converter_reads_payloads_written_without_a_codec(key: bytes | None) -> None:
    converter = data_converter(key)
    assert converter.payload_codec is not None
    old = _json_payload({"status": "InProgress"})  # as histories before codecs stored it
    assert asyncio.run(converter.payload_codec.decode([old])) == [old]
    large = _step_records(5000)
    (stored,) = asyncio.run(converter.payload_codec.encode([large]))
    assert stored.ByteSize() * 10 < large.ByteSize()
    assert asyncio.run(converter.payload_codec.decode([stored])) == [large]
