"""The garbage collector while ``arazzo`` starts (issue 31): paused until a run begins, what was
loaded set aside (frozen) for the run, and the process's collector exactly as it was afterwards,
whatever the command and however it ends."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

from arazzo_runner import recording
from arazzo_runner.cli import collector
from tests.cli.in_process import run_cli
from tests.conftest import FLAGSHIP

RECORDING = Path(__file__).parents[1] / "recordings" / "amazon-sagemaker-train-and-poll-job.har"


def test_a_run_starts_with_the_collector_on_and_what_was_loaded_frozen(monkeypatch, tmp_path) -> None:
    seen: list[tuple[bool, int]] = []
    real = recording.replay

    def watching(*args, **kwargs):
        seen.append((gc.isenabled(), gc.get_freeze_count()))
        return real(*args, **kwargs)

    monkeypatch.setattr(recording, "replay", watching)
    result = run_cli(["run", str(FLAGSHIP), "--replay", str(RECORDING), "-q"], env=os.environ, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    ((enabled, frozen),) = seen
    assert enabled and frozen > 10_000  # modules and the loaded document, out of the collector's walks
    assert gc.isenabled() and gc.get_freeze_count() == 0  # handed back when main returned


@pytest.mark.parametrize(
    "args",
    [
        ["validate", str(FLAGSHIP)],
        ["run", "missing.arazzo.yaml"],
        ["--help"],
        ["run", str(FLAGSHIP), "--no-such"],
    ],
)
def test_every_other_ending_leaves_the_collector_as_it_was(args, tmp_path) -> None:
    run_cli(args, env=os.environ, cwd=tmp_path)
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        with collector.paused():
            collector.settle_for_run()
            assert not gc.isenabled() and gc.get_freeze_count() == 0
            collector.resume()
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_commands_other_than_run_get_the_collector_back_at_once() -> None:
    with collector.paused():
        assert not gc.isenabled()
        collector.resume()
        assert gc.isenabled()
    assert gc.isenabled()


def test_the_library_is_never_frozen_by_run_alone() -> None:
    """``settle_for_run`` outside ``paused`` (a caller of the run command's function) changes nothing."""
    collector.settle_for_run()
    assert gc.isenabled() and gc.get_freeze_count() == 0
