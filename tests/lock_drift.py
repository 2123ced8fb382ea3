"""Print which installed versions differ from uv.lock (used by `make test-latest` to say what drifted).

Usage: python -m tests.lock_drift uv.lock FREEZE.txt
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(lock_path: Path) -> dict[str, set[str]]:
    """Versions by package name: a universal lock may hold several (one per Python version range)."""
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    versions: dict[str, set[str]] = {}
    for package in lock.get("package", []):
        versions.setdefault(_normalise(package["name"]), set()).add(package.get("version", ""))
    return versions


def frozen_versions(freeze_path: Path) -> dict[str, str]:
    versions = {}
    for line in freeze_path.read_text(encoding="utf-8").splitlines():
        name, sep, version = line.partition("==")
        if sep:
            versions[_normalise(name)] = version.strip()
    return versions


def main(argv: list[str]) -> int:
    locked = locked_versions(Path(argv[0]))
    installed = frozen_versions(Path(argv[1]))
    changed = [
        f"  {name}: {' or '.join(sorted(locked[name])) if name in locked else '(not locked)'} -> {version}"
        for name, version in sorted(installed.items())
        if version not in locked.get(name, set())
    ]
    print("\n".join(changed) if changed else "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
