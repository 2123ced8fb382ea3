"""A pytest plugin: the session trusts one CA certificate, not certifi's whole bundle (issue 27, point 7).

Every httpx client a run makes builds a TLS context, and by default that reads and parses certifi's CA
bundle (about 150 roots): 20 ms on a quiet machine, up to 50 ms on a loaded one, for each of the
suite's hundreds of runs (in this process and in every ``arazzo`` it starts), although no test
reaches a public host (tests use only 127.0.0.1, nearly all over plain HTTP). ``SSL_CERT_FILE``,
which httpx honours, names a file holding the bundle's first root only; children inherit it.

What TLS tests verify is unchanged: the mutual-TLS tests trust their own throwaway CA through
``SSL_CERT_FILE`` (tests/integration/hostile/tls_certs.py), and a certificate from no trusted CA is
refused as before.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import certifi
import pytest

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----\n.*?\n-----END CERTIFICATE-----\n", re.DOTALL)


def pytest_configure(config: pytest.Config) -> None:
    found = _PEM.search(Path(certifi.where()).read_text(encoding="ascii"))
    assert found is not None, f"no certificate in {certifi.where()}"
    folder = Path(tempfile.mkdtemp(prefix="arazzo-test-trust-"))
    bundle = folder / "one-root.pem"
    bundle.write_text(found.group(0), encoding="ascii")
    config.stash[_FOLDER_KEY] = folder
    config.stash[_DEVELOPERS_KEY] = os.environ.get("SSL_CERT_FILE")
    os.environ["SSL_CERT_FILE"] = str(bundle)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _DEVELOPERS_KEY in config.stash:  # the developer's SSL_CERT_FILE back, or its absence
        developers = config.stash[_DEVELOPERS_KEY]
        if developers is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = developers
    folder = config.stash.get(_FOLDER_KEY, None)
    if folder is not None:
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()


_FOLDER_KEY = pytest.StashKey[Path]()
_DEVELOPERS_KEY = pytest.StashKey[str | None]()
