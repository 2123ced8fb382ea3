"""Open an OpenAPI file as an :class:`OpenApiSource` without loading an Arazzo document around it."""

from __future__ import annotations

from pathlib import Path

from arazzo_runner.sources.fetch import SourceFetcher
from arazzo_runner.sources.openapi import OpenApiSource, Operation

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "http"
SAGEMAKER = ROOT / "openapi" / "amazon-sagemaker-openapi.yml"
STYLES = DATA / "jaredce" / "parameter-styles"


def openapi_source(path: Path | str, name: str = "api", url: str | None = None) -> OpenApiSource:
    fetcher = SourceFetcher()
    location = str(path)
    return OpenApiSource(
        name=name, url=url or location, location=location, file=fetcher.fetch(location), fetcher=fetcher
    )


def operation(source: OpenApiSource, operation_id: str) -> Operation:
    (found,) = source.operations_by_id(operation_id)
    return found
