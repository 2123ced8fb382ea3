"""``run``, ``run_async`` and ``iter_run`` spell their keyword arguments in their signatures: a
keyword the function does not take is a ``TypeError`` at the call (``run_async``'s too, before the
coroutine exists: not later, inside a task), nothing is started or sent for it, and ``help()``
shows every keyword."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import arazzo_runner
import arazzo_runner.running
from tests.conftest import FLAGSHIP


def test_an_unknown_keyword_is_a_type_error_before_anything_runs() -> None:
    doc = arazzo_runner.load(FLAGSHIP)
    misspelt: dict[str, Any] = {"optoins": None}
    with pytest.raises(TypeError, match=r"run\(\) got an unexpected keyword argument 'optoins'"):
        doc.run(None, {}, **misspelt)
    with pytest.raises(TypeError, match=r"run_async\(\) got an unexpected keyword argument 'optoins'"):
        doc.run_async(None, {}, **misspelt)  # not awaited: the call itself refuses
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


def test_help_shows_every_keyword() -> None:
    """The signatures are what ``help()`` and editors show: each keyword by name, with its default."""
    run_keywords = {"options", "servers", "aws", "environment", "client", "sleep", "clock", "rng"}
    for function, extra in (
        (arazzo_runner.running.run, {"on_event", "journal", "telemetry"}),
        (arazzo_runner.running.run_async, {"on_event", "journal", "telemetry"}),
        (arazzo_runner.running.iter_run, set()),
    ):
        parameters = inspect.signature(function).parameters
        keywords = {name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
        assert keywords == run_keywords | extra, function.__name__
    assert inspect.iscoroutinefunction(arazzo_runner.running.run_async)


def test_keywords_declared_as_typed_dicts_are_checked_at_the_call() -> None:
    """``load`` and the IAM policies take their options as TypedDicts (``**options: Unpack[...]``): a
    misspelt one is the TypeError a spelled-out signature raises, naming the public function, not an
    option silently left unapplied (``allow_remtoe=True`` used to load as if not given)."""
    from arazzo_runner.aws.iam_policy import iam_policy, state_machine_policy
    from arazzo_runner.document.loader import load_report, load_with_problems

    misspelt: dict[str, Any] = {"allow_remtoe": True}
    for name, call in (
        ("load", arazzo_runner.load),
        ("load_with_problems", load_with_problems),
        ("load_report", load_report),
    ):
        with pytest.raises(
            TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'allow_remtoe'"
        ):
            call(FLAGSHIP, **misspelt)
    doc = arazzo_runner.load(FLAGSHIP)
    region: dict[str, Any] = {"regoin": "eu-west-1"}
    for name, policy in (("iam_policy", iam_policy), ("state_machine_policy", state_machine_policy)):
        with pytest.raises(TypeError, match=rf"^{name}\(\) got an unexpected keyword argument 'regoin'"):
            policy(doc, None, None, **region)
    assert iam_policy(doc, None, None, region="eu-west-1").statements  # the declared ones still work
