"""``run``, ``run_async`` and ``iter_run`` take their shared keyword arguments as one TypedDict
(``running.RunArguments`` and its kin, checked by mypy at the call): a keyword the function does
not take is still a ``TypeError`` at run time, as it was when each was spelled in the signature,
and nothing is started or sent for it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import arazzo_runner
from tests.conftest import FLAGSHIP


def test_an_unknown_keyword_is_a_type_error_before_anything_runs() -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    misspelt: dict[str, Any] = {"optoins": None}
    with pytest.raises(TypeError, match=r"run\(\) got an unexpected keyword argument 'optoins'"):
        doc.run(None, {}, **misspelt)
    with pytest.raises(TypeError, match=r"run_async\(\) got an unexpected keyword argument 'optoins'"):
        asyncio.run(doc.run_async(None, {}, **misspelt))
    with pytest.raises(TypeError, match=r"iter_run\(\) got an unexpected keyword argument 'optoins'"):
        doc.iter_run(None, {}, **misspelt)


def test_iter_run_takes_no_journal_or_listener() -> None:
    """``journal``, ``on_event`` and ``telemetry`` belong to run and run_async: iter_run yields the
    events itself and is never journaled."""
    doc = arazzo_runner.load(FLAGSHIP)
    for keyword in ("journal", "on_event", "telemetry"):
        extra: dict[str, Any] = {keyword: None}
        with pytest.raises(TypeError, match=rf"iter_run\(\) got an unexpected keyword argument '{keyword}'"):
            doc.iter_run(None, {}, **extra)
