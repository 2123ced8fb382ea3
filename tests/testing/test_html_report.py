"""``arazzo test --html``: the page, loaded in headless Chromium (Debian's ``chromium``; ``make test``
installs it where it can), read back from the DOM, with a screenshot kept as a test artefact
(``$ARAZZO_TEST_ARTEFACTS``, default ``.test-artefacts/`` at the repository root)."""

from __future__ import annotations

import os
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import ROOT

from .conftest import SECRET_KEY

ARTEFACTS = Path(os.environ.get("ARAZZO_TEST_ARTEFACTS") or ROOT / ".test-artefacts")


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.skip(
            "Debian's chromium is not installed: `make test` installs it with apt-get when it runs as root"
            " with apt available (or run `apt-get install -y chromium`)"
        )
    return found


def _headless(browser: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


class _Dom(HTMLParser):
    """What the test reads from the DOM Chromium built: the summary's counts, step rows, case sections."""

    def __init__(self) -> None:
        super().__init__()
        self.summary: dict[str, str] = {}
        self.step_rows: list[dict[str, str]] = []
        self.cases: list[dict[str, str]] = []
        self.svgs = 0
        self.exchanges = 0
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        classes = found.get("class", "").split()
        if found.get("id") == "summary":
            self.summary = {k[5:]: v for k, v in found.items() if k.startswith("data-")}
        if tag == "tr" and "step-row" in classes:
            self.step_rows.append(found)
        if tag == "section" and "case" in classes:
            self.cases.append(found)
        if tag == "details" and "exchange" in classes:
            self.exchanges += 1
        if tag == "svg" and "timeline" in classes:
            self.svgs += 1
        for name in ("src", "href"):
            if found.get(name, "").startswith(("http:", "https:", "//")):
                self.external.append(found[name])


def test_html_report_in_headless_chromium(shop, suite, arazzo, tmp_path) -> None:
    browser = _chromium()
    page = tmp_path / "report.html"
    code, _, _ = arazzo(
        "test", str(suite), "--server", f"shop={shop.url}", "--no-journal", "-j", "2", "--html", str(page)
    )
    assert code == 1
    text = page.read_text()
    assert SECRET_KEY not in text
    dom = _Dom()
    dom.feed(_headless(browser, "--dump-dom", page.as_uri()).stdout)
    # summary: 6 workflows (shop: 2 pass, 1 fail, 1 skip; together: 2 pass side by side)
    assert dom.summary == {"total": "6", "passed": "4", "failed": "1", "skipped": "1", "errors": "0"}
    assert [c["data-workflow"] for c in dom.cases] == [
        "get-item",
        "order",
        "after-item",
        "needs-token",
        "left",
        "right",
    ]
    # one row per step execution: get-item 1, order 2 (lookUp, placeOrder), after-item 2 (its
    # dependency get-item runs first), together 2
    rows = [(r["data-step"], r["data-status"]) for r in dom.step_rows]
    assert rows == [
        ("fetchItem", "succeeded"),
        ("lookUp", "succeeded"),
        ("placeOrder", "failed"),
        ("fetchItem", "succeeded"),
        ("fetchAgain", "succeeded"),
        ("meet", "succeeded"),
        ("meet", "succeeded"),
    ]
    assert dom.svgs == 5  # a timeline for every workflow that ran
    assert dom.exchanges == 7  # each request with its response, as many as the steps sent
    assert dom.external == []
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    screenshot = ARTEFACTS / "arazzo-test-report.png"
    screenshot.unlink(missing_ok=True)
    _headless(browser, "--window-size=1280,1600", f"--screenshot={screenshot}", page.as_uri())
    assert screenshot.stat().st_size > 10_000  # a picture, not an empty page
