"""Layering rules the engine core promises (issue 13): checked, not just written down."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.document.resolved import ResolutionError
from arazzo_runner.drivers import RunEnvironment
from arazzo_runner.errors import ArazzoError, UsageError
from arazzo_runner.http.security import MissingCredential
from arazzo_runner.yaml12 import YamlReadError

ENGINE = Path(arazzo_runner.__file__).parent / "engine"
DATA = Path(__file__).resolve().parent.parent / "data" / "engine"


def test_the_core_loads_no_http_library() -> None:
    modules = sorted(f"arazzo_runner.engine.{p.stem}" for p in ENGINE.glob("*.py") if p.stem != "__init__")
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + "bad = sorted(m for m in sys.modules if m in ('httpx', 'botocore')"
        + " or m.startswith(('httpx.', 'arazzo_runner.http', 'arazzo_runner.messaging', 'botocore.')))\n"
        + "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


#: The one module that owns every transition of the state machine (issue 27; h11's ``_state.py`` rule:
#: everything that changes the state lives in one file) may be longer: splitting it would spread the
#: machine over files again. What it works out without changing the run lives in answers.py & co.
LONGER = {"transitions.py": 800}


def test_engine_modules_stay_small() -> None:
    sizes = {p.name: len(p.read_text().splitlines()) for p in ENGINE.glob("*.py")}
    too_long = {name: size for name, size in sizes.items() if size > LONGER.get(name, 400)}
    assert too_long == {}, sizes


def test_errors_have_one_root() -> None:
    for kind in (ResolutionError, YamlReadError, MissingCredential, UsageError):
        assert issubclass(kind, ArazzoError)


def test_servers_or_aws_next_to_an_environment_is_an_error() -> None:
    doc = arazzo_runner.load(DATA / "control.arazzo.yaml")
    with pytest.raises(UsageError, match=r"servers= cannot be combined with environment="):
        doc.run("noCriteria", servers={"api": "http://127.0.0.1:9"}, environment=RunEnvironment())


def _runtime_nodes(tree: object) -> list[object]:
    """Every node of ``tree`` except those under ``if TYPE_CHECKING:`` (imports for annotations only:
    they never run, so they couple no layers at run time; e.g. ``Document.run`` is typed with the
    engine's ``RunResult`` that way)."""
    import ast

    nodes: list[object] = []
    pending: list[ast.AST] = [tree]  # type: ignore[list-item]
    while pending:
        node = pending.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            pending.extend(node.orelse)
            continue
        pending.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(package: str) -> set[str]:
    """Every module a package's files import at run time (function-level imports included), as
    absolute names."""
    import ast

    root = Path(arazzo_runner.__file__).parent
    found: set[str] = set()
    for path in (root / package).rglob("*.py"):
        here = ["arazzo_runner", *path.relative_to(root).with_suffix("").parts[:-1]]
        for node in _runtime_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = here[: len(here) - node.level + 1] if node.level else []
                found.add(".".join([*base, node.module or ""]).strip("."))
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [
        ("document", ("arazzo_runner.engine", "arazzo_runner.drivers", "arazzo_runner.cli")),
        (
            "engine",
            (
                "arazzo_runner.drivers",
                "arazzo_runner.http",
                "arazzo_runner.messaging",
                "arazzo_runner.cli",
                "httpx",
            ),
        ),
        ("aws", ("arazzo_runner.cli",)),
        # Telemetry consumes events: it never reaches into the drivers, HTTP or the CLI (issue 30).
        (
            "telemetry",
            ("arazzo_runner.cli", "arazzo_runner.drivers", "arazzo_runner.http", "arazzo_runner.journal"),
        ),
    ],
)
def test_layers_only_point_down(package: str, forbidden: tuple[str, ...]) -> None:
    bad = sorted(name for name in _imports(package) if name.startswith(forbidden))
    assert bad == []


def test_documents_from_the_public_api_can_run() -> None:
    doc = arazzo_runner.load(DATA / "control.arazzo.yaml")
    assert callable(doc.run) and callable(doc.iter_run) and callable(doc.run_async)


def test_sources_do_not_import_documents() -> None:
    """document/ imports sources/ (a document holds its sources); never the other way round."""
    assert sorted(n for n in _imports("sources") if n.startswith("arazzo_runner.document")) == []
