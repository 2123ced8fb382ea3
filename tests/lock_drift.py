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


def locked_versions(lock_path: Path) -> dict[str, str]:
    lock = tomllib.loads(lock_path.read_text(encoding="utf-8"))
    return {_normalise(p["name"]): p.get("version", "") for p in lock.get("package", [])}


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
        f"  {name}: {locked.get(name, '(not locked)')} -> {version}"
        for name, version in sorted(installed.items())
        if locked.get(name) != version
    ]
    print("\n".join(changed) if changed else "  none")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
