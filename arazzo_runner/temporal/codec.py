"""Payload codecs: large payloads compressed, and every payload encrypted when a key is given.

Compression: a run that polls for days carries its step records in its continue-as-new input and
its result, about half a kilobyte a poll, and Temporal refuses a payload over 2 MB (it warns past
512 KiB) — a few thousand polls, a day or two of a training job polled every 30 s. Payloads above
:data:`COMPRESS_ABOVE` are zlib-compressed (repeated poll records shrink some twentyfold); smaller
ones, nearly every activity's, stay as they were, so histories stay readable with Temporal's own
tools. Inflating is bounded (:data:`MAX_INFLATED`): a stored history is input like any other.

Encryption: AES-256-GCM over every payload Temporal stores.

Responses (and the run's inputs and outputs) travel through Temporal as payloads and are kept
in its history. With this codec on both the clients and the workers, the server only ever holds
ciphertext: a token from a response body cannot be read from the stored history without the
key. The key is 32 bytes, given base64-encoded (``ARAZZO_TEMPORAL_KEY`` or ``--encryption-key``
files); each payload gets a fresh 96-bit nonce, and its key id travels in the metadata so a
wrong key is a clear error, not garbage.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zlib
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from ..errors import UsageError

ENCODING = b"binary/encrypted"
KEY_ENV = "ARAZZO_TEMPORAL_KEY"
COMPRESSED = b"binary/zlib"
#: Payloads of this many serialised bytes or more are compressed (well below Temporal's 512 KiB warning).
COMPRESS_ABOVE = 128 * 1024
#: A compressed payload may inflate to at most this many bytes; more is refused, not allocated.
MAX_INFLATED = 64 * 1024 * 1024


def parse_key(text: str) -> bytes:
    """A base64 (standard or URL-safe) 32-byte key; a usage error otherwise (never echoing it)."""
    cleaned = text.strip()
    try:
        key = base64.urlsafe_b64decode(
            cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4)
        )
    except ValueError:
        key = b""
    if len(key) != 32:
        raise UsageError(
            "the Temporal encryption key must be 32 bytes, base64-encoded"
            ' (make one with: python -c "import os,base64;print(base64.b64encode(os.urandom(32)).decode())")'
        )
    return key


def key_from_environment() -> bytes | None:
    value = os.environ.get(KEY_ENV)
    return parse_key(value) if value else None


class EncryptionCodec(PayloadCodec):
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)
        self.key_id = hashlib.sha256(key).hexdigest()[:16].encode()

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload(
                metadata={"encoding": ENCODING, "encryption-key-id": self.key_id},
                data=self._encrypt(payload.SerializeToString()),
            )
            for payload in payloads
        ]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)  # not ours (written without a codec): pass it through
                continue
            if payload.metadata.get("encryption-key-id") != self.key_id:
                raise ValueError(
                    "payload was encrypted with another key (key id"
                    f" {payload.metadata.get('encryption-key-id', b'?').decode()}, ours {self.key_id.decode()})"
                )
            decoded.append(Payload.FromString(self._decrypt(payload.data)))
        return decoded

    def _encrypt(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, data, None)

    def _decrypt(self, data: bytes) -> bytes:
        return self._aead.decrypt(data[:12], data[12:], None)


class CompressionCodec(PayloadCodec):
    """zlib over payloads of :data:`COMPRESS_ABOVE` bytes or more; others pass as they are."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        encoded = []
        for payload in payloads:
            # ByteSize() measures without serialising: every activity's payload passes here, and
            # nearly all of them are small.
            if payload.ByteSize() < COMPRESS_ABOVE:
                encoded.append(payload)
                continue
            packed = zlib.compress(payload.SerializeToString())
            if len(packed) < payload.ByteSize():
                encoded.append(Payload(metadata={"encoding": COMPRESSED}, data=packed))
            else:
                encoded.append(payload)
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [
            Payload.FromString(_inflate(payload.data))
            if payload.metadata.get("encoding") == COMPRESSED
            else payload
            for payload in payloads
        ]


def _inflate(data: bytes) -> bytes:
    inflater = zlib.decompressobj()
    raw = inflater.decompress(data, MAX_INFLATED)
    if inflater.unconsumed_tail or not inflater.eof:
        raise ValueError(f"a compressed payload inflates past {MAX_INFLATED} bytes, or is cut short")
    return raw


class CodecChain(PayloadCodec):
    """Codecs applied in order when encoding and in reverse when decoding (compress, then encrypt:
    ciphertext does not compress)."""

    def __init__(self, *codecs: PayloadCodec) -> None:
        self.codecs = codecs

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        for codec in self.codecs:
            payloads = await codec.encode(payloads)
        return list(payloads)

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        for codec in reversed(self.codecs):
            payloads = await codec.decode(payloads)
        return list(payloads)
