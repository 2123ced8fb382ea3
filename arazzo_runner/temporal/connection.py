"""Connecting to Temporal: the dev server, a production cluster (mTLS) or Temporal Cloud (API key).

One place builds the client for the CLI, workers and tests, with the encrypting codec when a key
is given, so a client and its workers agree on how payloads look.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import temporalio.converter
from temporalio.client import Client
from temporalio.converter import PayloadCodec
from temporalio.service import TLSConfig

from ..errors import UsageError
from .codec import CodecChain, CompressionCodec, EncryptionCodec


@dataclass(frozen=True)
class TemporalTarget:
    """Where and how to connect (the CLI's ``--temporal``, ``--namespace``, TLS and API-key options)."""

    address: str
    namespace: str = "default"
    tls: bool = False
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    tls_server_name: str | None = None
    api_key: str | None = None
    encryption_key: bytes | None = None

    def tls_config(self) -> TLSConfig | bool:
        if not (self.tls or self.tls_cert or self.tls_ca or self.api_key):
            return False
        if bool(self.tls_cert) != bool(self.tls_key):
            raise UsageError("--tls-cert and --tls-key go together (the client certificate and its key)")

        def read(path: str | None) -> bytes | None:
            if path is None:
                return None
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise UsageError(f"cannot read {path}: {exc.strerror}") from exc

        return TLSConfig(
            client_cert=read(self.tls_cert),
            client_private_key=read(self.tls_key),
            server_root_ca_cert=read(self.tls_ca),
            domain=self.tls_server_name,
        )


def data_converter(encryption_key: bytes | None) -> temporalio.converter.DataConverter:
    """Temporal's default converter with large payloads compressed and, given a key, every payload
    encrypted (clients, workers and replayers must all use it to read one another's payloads)."""
    codec: PayloadCodec = CompressionCodec()
    if encryption_key is not None:
        codec = CodecChain(codec, EncryptionCodec(encryption_key))
    return dataclasses.replace(temporalio.converter.default(), payload_codec=codec)


async def connect(target: TemporalTarget, *, interceptors: Sequence[Any] = ()) -> Client:
    """A client for ``target``; a clear :class:`UsageError` when nothing answers there.

    ``interceptors``: client interceptors, which its workers take too (OpenTelemetry tracing:
    :func:`arazzo_runner.telemetry.temporal.interceptors`)."""
    try:
        return await Client.connect(
            target.address,
            interceptors=list(interceptors),
            namespace=target.namespace,
            tls=target.tls_config(),
            api_key=target.api_key,
            data_converter=data_converter(target.encryption_key),
        )
    except RuntimeError as exc:  # the SDK's connection failure
        raise UsageError(f"cannot connect to Temporal at {target.address}: {exc}") from exc
