"""One moto server (SigV4 checked) for the whole catalog corpus, and a runner that runs each workflow once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from arazzo_runner.sources import fetch
from tests.moto_servers import admin_access_key, moto_server
from tests.parsed_once import reading_once

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
    """Each file parsed once for the module's runs (tests/parsed_once.py), the generated descriptions
    too although they were written just now: they are written once, before any run, and never again.
    The 37 workflows name a dozen OpenAPI files, each read by several workflows in both corpora
    (parsing was a third of the module's time)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fetch, "read_file", reading_once(fetch.read_file, settled_only=False))
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
