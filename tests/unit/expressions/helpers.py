"""Paths to the corpus copies under tests/data/expressions (never ../shared at run time)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[2] / "data" / "expressions"


def load(relative: str) -> Any:
    return json.loads((DATA / relative).read_text(encoding="utf-8"))
