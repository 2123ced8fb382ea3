"""What every loaded source description is, OpenAPI or AsyncAPI: its name in the Arazzo document,
the URL the document gives, where it was read from, and the parsed file (positions kept); and a
description's values as plain data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from ..yaml12 import ParsedFile


@dataclass
class LoadedDescription:
    name: str
    url: str
    location: str
    file: ParsedFile
    #: The top-level field that holds the description's version (``openapi``, ``asyncapi``).
    version_field: ClassVar[str]

    @property
    def data(self) -> Mapping[str, Any]:
        data: Mapping[str, Any] = self.file.data
        return data

    @property
    def version(self) -> str:
        return str(self.data.get(self.version_field))


def plain(value: Any) -> Any:
    """``value`` with every mapping turned into a ``dict`` and every sequence into a ``list``: a
    description read through another library (botocore's ``OrderedDict``, jsonschema-path's
    mappings) as plain JSON data, safe to dump as YAML."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
