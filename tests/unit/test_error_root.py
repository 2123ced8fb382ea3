"""One error root: every exception class the package defines for callers is an ``ArazzoError``, and
the hierarchy drawn at the top of ``errors.py`` names every one of them (issue 27)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import arazzo_runner
from arazzo_runner import errors
from arazzo_runner.errors import ArazzoError

#: Exceptions that never leave their module, or that a server turns into an answer (errors.py says so).
OUTSIDE_THE_ROOT = {"NotXML", "NotTranslatable", "SageMakerError"}
#: Modules that need an optional extra or start something on import.
SKIPPED_PREFIXES = ("arazzo_runner.__main__", "arazzo_runner.cli.demo")


def _exception_classes() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(arazzo_runner.__path__, "arazzo_runner."):
        if info.name.startswith(SKIPPED_PREFIXES):
            continue
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, Exception)
                and value.__module__ == info.name
                and not name.startswith("_")
            ):
                found[name] = value
    return found


def test_every_public_exception_has_the_one_root() -> None:
    classes = _exception_classes()
    assert {"MessagingError", "AsyncApiError", "BudgetExceeded", "HttpError"} <= set(classes)
    escaping = sorted(
        name for name, cls in classes.items() if not issubclass(cls, ArazzoError) and name not in OUTSIDE_THE_ROOT
    )
    assert escaping == []


def test_the_drawn_hierarchy_names_every_error() -> None:
    drawn = errors.__doc__ or ""
    missing = sorted(
        name for name, cls in _exception_classes().items() if issubclass(cls, ArazzoError) and name not in drawn
    )
    assert missing == []


def test_budget_exceeded_is_still_a_timeout() -> None:
    from arazzo_runner.expressions.budget import BudgetExceeded

    assert issubclass(BudgetExceeded, TimeoutError)
    assert str(BudgetExceeded("over")) == "over"
