"""The default async transport (the lean one) trusts what httpx trusts: ``SSL_CERT_FILE`` when set (a
company's CA), as the blocking httpx client does. It used to load certifi's bundle whatever the
environment said, so an async run refused a server the same run on the blocking client reached."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from tls_certs import MutualTlsEchoServer

from arazzo_runner.http.lean_transport import LeanAsyncTransport


async def _get(url: str, transport: LeanAsyncTransport) -> httpx.Response:
    async with httpx.AsyncClient(transport=transport) as client:
        return await client.get(url)


@pytest.mark.parametrize("framing", ["httptools", "h11"])
def test_the_lean_transport_trusts_ssl_cert_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, framing
) -> None:
    server = MutualTlsEchoServer(tmp_path, monkeypatch)  # SSL_CERT_FILE: the test CA
    client_cert = server.certs["client"]
    with server:
        answer = asyncio.run(_get(server.url, LeanAsyncTransport(cert=client_cert, framing=framing)))
        assert answer.status_code == 200 and server.seen == ["client"]
        monkeypatch.delenv("SSL_CERT_FILE")  # certifi's bundle alone does not know the test CA
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            asyncio.run(_get(server.url, LeanAsyncTransport(cert=client_cert, framing=framing)))
