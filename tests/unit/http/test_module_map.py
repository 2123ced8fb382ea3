"""The module map in ``arazzo_runner/http/__init__.py`` names every module of the folder (issue 27)."""

from __future__ import annotations

import re
from pathlib import Path

import arazzo_runner.http as http


def test_the_module_map_names_every_module() -> None:
    folder = Path(http.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    named = set(re.findall(r":mod:`\.(\w+)`", http.__doc__ or ""))
    assert sorted(modules - named) == [] and sorted(named - modules) == []
