"""Hostile servers of the issue-17 battery: importable as ``hostile_servers`` by these tests."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
