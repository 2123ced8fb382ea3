"""Writing small documents for loader tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import DATA

HEADER = """arazzo: 1.0.1
info: {title: T, version: '1'}
sourceDescriptions:
- {name: pets, url: ./pets.openapi.yaml, type: openapi}
"""


def write_doc(tmp_path: Path, body: str, *, name: str = "doc.arazzo.yaml", header: str = HEADER) -> Path:
    """Write ``header + body`` next to a copy of the pets OpenAPI description."""
    shutil.copy(DATA / "documents" / "pets.openapi.yaml", tmp_path / "pets.openapi.yaml")
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path
