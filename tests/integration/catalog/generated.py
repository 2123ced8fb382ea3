"""The catalog's OpenAPI files replaced by ``arazzo aws-openapi`` output, as ``--source-map`` does.

Issue 24 asks that a catalog workflow run "either with its own OpenAPI file or with --source-map to a
generated one". For each OpenAPI file the corpus names, this writes botocore's description of the
same operations (those the file defines and the corpus's steps call through it) under the same file
name, and returns the source map from the original file's location to the generated one. Keeping one
generated file per original file keeps each unqualified ``operationId`` in exactly one source, as
the authors' files do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .cases import CASES, CATALOG

SERVICES = {"amazon-s3": "s3", "amazon-dynamodb": "dynamodb", "amazon-sagemaker": "sagemaker"}


def _read(path: Path, cache: dict[Path, Any]) -> Any:
    if path not in cache:
        cache[path] = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return cache[path]


def operations_by_description() -> dict[Path, set[str]]:
    """Each OpenAPI file the corpus names, and the operationIds the corpus calls through it."""
    cache: dict[Path, Any] = {}
    needed: dict[Path, set[str]] = {}
    for case in CASES:
        workflow = _read(case.path, cache)
        steps = [step for w in workflow["workflows"] for step in w["steps"]]
        for source in workflow["sourceDescriptions"]:
            location = (case.path.parent / source["url"]).resolve()
            defined = {
                operation["operationId"]
                for item in _read(location, cache)["paths"].values()
                for operation in item.values()
                if isinstance(operation, dict) and "operationId" in operation
            }
            needed.setdefault(location, set()).update(
                s["operationId"] for s in steps if s.get("operationId") in defined
            )
    return needed


def generate_descriptions(folder: Path) -> dict[str, str]:
    """Write the generated descriptions under ``folder``; the source map (original → generated)."""
    import botocore.loaders

    from arazzo_runner.aws.openapi_gen import render_openapi

    loader = botocore.loaders.create_loader()  # one loader: each service model is read once
    source_map: dict[str, str] = {}
    for original, operations in sorted(operations_by_description().items()):
        provider = original.relative_to(CATALOG.resolve()).parts[0]
        target = folder / provider / original.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_openapi(SERVICES[provider], sorted(operations), loader=loader))
        source_map[str(original)] = str(target)
    return source_map
