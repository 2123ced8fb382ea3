"""No private name crosses a module boundary inside the package (issue 27, point 3).

A leading underscore says "this module's own business": another module that imports such a name
couples itself to a detail its owner may change without notice. The rule is read from the source
(every ``from … import _name`` whose module is in the package), so a new crossing fails here with
the file and line, whichever layer it is in. Private names of *other* projects are the business of
the adapter modules that own them (``http/httpx_internals.py``), not of this test.
"""

from __future__ import annotations

import ast
from pathlib import Path

import arazzo_runner

PACKAGE = Path(arazzo_runner.__file__).resolve().parent


def _package_module(node: ast.ImportFrom) -> bool:
    """Whether an import reads from this package (relative, or spelt ``arazzo_runner…``)."""
    return node.level > 0 or (node.module or "").split(".")[0] == "arazzo_runner"


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def crossings(root: Path) -> list[str]:
    """``file:line name`` for every private name one module of ``root`` imports from another."""
    found = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and _package_module(node):
                for alias in node.names:
                    if _private(alias.name):
                        found.append(f"{path.relative_to(root)}:{node.lineno} {alias.name}")
    return found


def test_no_module_imports_another_modules_private_name() -> None:
    assert crossings(PACKAGE) == []


def test_the_check_sees_a_crossing(tmp_path: Path) -> None:
    """The rule can fail: a module importing another's private helper is reported with its line."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "a.py").write_text("def _helper():\n    return 1\n")
    (package / "b.py").write_text("from __future__ import annotations\n\nfrom .a import _helper\n")
    (package / "c.py").write_text("from arazzo_runner.errors import did_you_mean as _suggest\n")
    assert crossings(package) == ["b.py:3 _helper"]
