"""The core is checked by the type checker (issue 27): a typo in a copy of a core module is an
error mypy reports, because no class of the core stands on an ``Any`` base any more (the mixins on
``_Base: Any = object`` let ``self._emitt(...)`` and ``self.state.recordz`` pass strict mypy)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import arazzo_runner

PACKAGE = Path(arazzo_runner.__file__).parent
ROOT = PACKAGE.parent

#: (module, the line as written, the same line with a typo, what mypy says)
TYPOS = [
    (
        "engine/transitions.py",
        'self.emit(LimitHit(limit="max_depth"',
        'self.emitt(LimitHit(limit="max_depth"',
        '"Machine" has no attribute "emitt"',
    ),
    ("engine/transitions.py", "self.state.records.append(", "self.state.recordz.append(", '"RunState" has no attribute "recordz"'),
    ("engine/core.py", "return self.machine.next(now)", "return self.machine.nxt(now)", '"Machine" has no attribute "nxt"'),
    ("engine/lookups.py", "found = self._documents.get(key)", "found = self._document.get(key)", '"DocumentIndex" has no attribute "_document"'),
    # Events are declared with @declare_event (a PEP 681 dataclass_transform): their fields stay checked.
    (
        "engine/transitions.py",
        "execution=frame.executions[step.step_id],",
        "executin=frame.executions[step.step_id],",
        'Unexpected keyword argument "executin" for "StepStarted"',
    ),
    # A decision that follows an action must say which (the ActionChosen event is built from it).
    (
        "engine/decisions.py",
        "return Goto(action.step_id, chosen=chosen, checks=done)",
        "return Goto(action.step_id, checks=done)",
        'Missing named argument "chosen" for "Goto"',
    ),
]


@pytest.fixture(scope="module")
def mypy_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One incremental cache for this module's two mypy runs: the second reads what the core imports
    from it instead of analysing the whole package again. It starts as a copy of the project's own
    cache when there is one (``make test`` runs ``make typecheck`` first, so the unchanged modules
    are read, not analysed again); a copy, so that nothing written here reaches the project's. It
    stays sound either way round: a module whose source (or shadow copy), options or mypy version
    differ from what the cache saw is checked again, and mypy keeps no cache for a module with errors."""
    cache = tmp_path_factory.mktemp("mypy") / "cache"
    if (ROOT / ".mypy_cache").is_dir():
        shutil.copytree(ROOT / ".mypy_cache", cache)
    return cache


def test_mypy_catches_typos_in_copies_of_the_core_modules(tmp_path: Path, mypy_cache: Path) -> None:
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(mypy_cache)]
    copies: dict[Path, str] = {}
    for module, line, typo, _ in TYPOS:
        source = PACKAGE / module
        text = copies.get(source, source.read_text())
        assert text.count(line) == 1, line
        copies[source] = text.replace(line, typo)
    for source, text in copies.items():
        copy = tmp_path / source.name
        copy.write_text(text)
        # mypy reads the copy in place of the module (--shadow-file), with the project's configuration.
        command += ["--shadow-file", str(source), str(copy)]
    done = subprocess.run([*command, *map(str, copies)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    for module, _, _, said in TYPOS:
        assert re.search(rf"{re.escape(module)}:\d+: error: {re.escape(said)}", done.stdout), done.stdout


def test_the_unchanged_core_passes(mypy_cache: Path) -> None:
    modules = sorted({str(PACKAGE / module) for module, *_ in TYPOS})
    command = [sys.executable, "-m", "mypy", "--cache-dir", str(mypy_cache), *modules]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_any_base_and_no_subclassing_of_any_allowed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert all("disallow_subclassing_any" not in o for o in config.get("overrides", []))
    assert "disallow_subclassing_any" not in config
    any_bases = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"^\w+: Any = object$", path.read_text(), re.MULTILINE)
    ]
    assert any_bases == []


def test_only_the_transitions_module_changes_a_phase() -> None:
    """h11's ``_state.py`` rule: every assignment to a ``phase`` (the run's or a frame's) is in
    engine/transitions.py."""
    import ast

    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign | ast.AnnAssign) else []
            for target in targets:
                for part in ast.walk(target):
                    if isinstance(part, ast.Attribute) and part.attr in ("phase", "waiting_for"):
                        found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found and all(place.startswith("engine/transitions.py:") for place in found), found
