"""``pytest --arazzo PATHS``: workflows collected as pytest items, live and replayed, in a fresh project
(a temporary folder with no conftest of ours: pytest finds the plugin by its entry point)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .conftest import SECRET_KEY, ShopServer


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    (project / "together.arazzo.yaml").unlink(missing_ok=True)  # passes only side by side
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rA", "--arazzo", ".", *args],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_live_workflows_are_items_with_pytest_junit_and_k(suite, shop: ShopServer) -> None:
    run = _pytest(suite, "--arazzo-server", f"shop={shop.url}", "--junitxml", "out.xml")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed, 2 passed, 1 skipped" in run.stdout
    assert "FAILED shop.arazzo.yaml::order" in run.stdout
    assert "step: placeOrder (line 35)" in run.stdout and "API error code: OutOfStock" in run.stdout
    assert SECRET_KEY not in run.stdout
    junit = (suite / "out.xml").read_text()
    assert 'name="get-item"' in junit and 'name="needs-token"' in junit
    selected = _pytest(suite, "--arazzo-server", f"shop={shop.url}", "-k", "get-item")
    assert selected.returncode == 0 and "1 passed" in selected.stdout, selected.stdout


def test_replayed_workflows_need_no_server(suite, arazzo, tmp_path) -> None:
    recordings = tmp_path / "recordings"
    with ShopServer() as shop:
        arazzo(
            "test",
            str(suite / "shop.arazzo.yaml"),
            "--server",
            f"shop={shop.url}",
            "--record",
            str(recordings),
        )
    run = _pytest(suite, "--arazzo-replay", str(recordings))
    assert "1 failed, 2 passed, 1 skipped" in run.stdout, run.stdout + run.stderr
