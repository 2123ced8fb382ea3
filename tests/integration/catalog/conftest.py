"""One moto server (SigV4 checked) for the whole catalog corpus, and a runner that runs each workflow once."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.sources import fetch
from tests.moto_servers import admin_access_key, moto_server

from .aws_state import MotoState
from .corpus import CorpusRunner
from .generated import generate_descriptions

#: The same launcher the HTTP tests use: moto with ``INITIAL_NO_AUTH_ACTION_COUNT`` set, so only the
#: first 3 calls (the IAM user and its key) go unchecked and every later request must be signed.
MOTO_LAUNCHER = Path(__file__).resolve().parents[1] / "http" / "moto_process.py"


@contextmanager
def _signed_moto(source_map: dict[str, str] | None = None) -> Iterator[CorpusRunner]:
    with moto_server(MOTO_LAUNCHER, "3") as url:
        key, secret = admin_access_key(url, "catalog")
        yield CorpusRunner(url, MotoState(url, key, secret), source_map)


@pytest.fixture(scope="module", autouse=True)
def parsed_once() -> Iterator[None]:
    """Each file parsed once for the module's runs, not once per run: the 37 workflows name a dozen
    OpenAPI files, each read by several workflows in both corpora (parsing was a third of the module's
    time). Keyed by the file's path, size, times and inode, as the journal's remembered digests are;
    a file that changed is parsed again. The parsed files are only read (one load already shares a
    parsed file among the sources that name it)."""
    parsed: dict[tuple[str, int, int, int, int], Any] = {}
    original: Callable[..., Any] = fetch.read_file

    def read_file(path: str, verify: Callable[[int], None] | None = None) -> Any:
        st = os.stat(path)
        key = (os.path.abspath(path), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        if key not in parsed:
            parsed[key] = original(path, verify=verify)
        return parsed[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fetch, "read_file", read_file)
        yield


@pytest.fixture(scope="module")
def corpus() -> Iterator[CorpusRunner]:
    """The workflows with their own OpenAPI files."""
    with _signed_moto() as runner:
        yield runner


@pytest.fixture(scope="module")
def generated_corpus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CorpusRunner]:
    """The same workflows, their OpenAPI files replaced by ``arazzo aws-openapi``'s (a moto of its own)."""
    source_map = generate_descriptions(tmp_path_factory.mktemp("aws-openapi"))
    with _signed_moto(source_map) as runner:
        yield runner
