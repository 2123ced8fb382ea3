"""Shared fixtures: paths to the repository's data and a runner for the real ``arazzo`` CLI."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
FLAGSHIP = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.yml"
FLAGSHIP_INPUTS_FILE = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"


def flagship_inputs() -> dict[str, Any]:
    """The flagship's example inputs, a fresh dict on each call (callers may change theirs)."""
    return json.loads(FLAGSHIP_INPUTS_FILE.read_text())

# Loaded before any test module is imported: the journal and state live in a folder of the session, children
# get default signal dispositions, leftovers are killed (see tests/process_hygiene.py); an unchanged file a
# document names is parsed once per process (tests/parsed_once.py); TLS contexts trust one CA, quickly
# made (tests/session_trust.py).
pytest_plugins = ["tests.process_hygiene", "tests.parsed_once", "tests.session_trust"]


@pytest.fixture
def run_cli():
    """Run ``arazzo ARGS`` as a user would, in this process (``tests/cli/in_process.py``: its
    streams, environment and directory are the call's own); ``process=True``: in a subprocess."""
    from tests.cli.in_process import run_cli as in_process
    from tests.cli.in_process import run_cli_process

    def run(*args: str, cwd: Path | None = None, process: bool = False) -> Any:
        if not process:
            return in_process(args, env=os.environ, cwd=cwd or ROOT)
        return run_cli_process(args, cwd=cwd or ROOT)

    return run


#: The files that took longest in a clean-clone run (per-file test time from `--junitxml`, 2026-12-05
#: 11:36, after issue 27's Temporal knobs and journal-test cuts: 265 worker-seconds), longest first, started before all
#: others. Under `make test` (`-n 2 --dist loadfile --no-loadscope-reorder`) a file is the unit of
#: scheduling: one of these started late leaves the other worker idle at the end while it finishes
#: alone. Longest first is the classic remedy (LPT). Every other file keeps its place, each file its
#: own order. Re-rank when a file gets much faster or slower.
LONGEST_FIRST = (
    "tests/temporal/test_continue_as_new.py",
    "tests/mcp_server/test_mcp_server.py",
    "tests/temporal/test_worker_failover.py",
    "tests/temporal/test_event_flagship_on_temporal.py",
    "tests/integration/catalog/test_catalog_moto.py",
    "tests/journal/test_crash_battery.py",
    "tests/unit/aws/test_openapi_protocols.py",
    "tests/engine/test_async_defaults.py",
    "tests/cli/test_never_a_surprise.py",
    "tests/journal/test_crash_battery_events.py",
    "tests/test_suite_hygiene.py",
    "tests/temporal/test_otel_on_temporal.py",
    "tests/integration/http/test_async_transports.py",
    "tests/integration/hostile/test_hostile_responses.py",
    "tests/temporal/test_two_workers_many_runs.py",
    "tests/integration/aws/test_generated_openapi_moto.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: place for place, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.partition("::")[0], len(rank)))  # stable: order kept
