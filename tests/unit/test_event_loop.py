"""``arazzo worker``'s event loop: uvloop when installed (the dev extra installs it), unless turned off."""

from __future__ import annotations

import asyncio
import sys

import pytest

from arazzo_runner import event_loop


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


def test_uvloop_is_used_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("uvloop")
    monkeypatch.delenv("ARAZZO_UVLOOP", raising=False)
    assert event_loop.uvloop_wanted()
    assert event_loop.run(_loop_module()).startswith("uvloop")


@pytest.mark.parametrize("value", ["0", "off", "False", " no "])
def test_arazzo_uvloop_0_keeps_asyncios_loop(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("ARAZZO_UVLOOP", value)
    assert not event_loop.uvloop_wanted()
    assert event_loop.run(_loop_module()).startswith("asyncio")


def test_without_uvloop_asyncios_loop_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ARAZZO_UVLOOP", raising=False)
    monkeypatch.setitem(sys.modules, "uvloop", None)  # import uvloop -> ImportError
    assert not event_loop.uvloop_wanted()
    assert event_loop.run(_loop_module()).startswith("asyncio")
