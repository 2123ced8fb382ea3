"""Arazzo 1.1 documents run: the spec's own 1.1.0 examples, over real HTTP to a local server.

The documents are in ``tests/data/arazzo-1.1/spec-examples`` (provenance in ``../SOURCES.md``).
"""

from __future__ import annotations

import pytest

import arazzo_runner
from arazzo_runner.engine import PollPacing, RunOptions
from tests.conftest import DATA

EXAMPLES = DATA / "arazzo-1.1" / "spec-examples"
FAST = RunOptions(pacing=PollPacing(interval=0))


def run(document, server, workflow_id, inputs=None, **kwargs):
    kwargs.setdefault("options", FAST)
    kwargs.setdefault("sleep", lambda s: None)
    return document.run(workflow_id, inputs, servers={"petstore": server.url}, **kwargs)


def test_querystring_examples_send_the_whole_query_string(server) -> None:
    document = arazzo_runner.load(EXAMPLES / "querystring.arazzo.yaml")
    assert document.warnings == []
    server.reset({("GET", "*"): [(200, {"items": []})]})
    result = run(document, server, "querystrings", {"category": "books & more", "minPrice": 9.5})
    assert result.succeeded, result.error
    assert [r.path for r in server.requests] == [
        "/items/search?filter=active&sort=desc&limit=50",
        # Embedded values are text in a form string: '&' inside a value is the author's to escape.
        "/items/search?category=books%20&%20more&minPrice=9.5&inStock=true",
        "/items/filter?%7B%22filter%22%3A%22active%22%2C%22sort%22%3A%22desc%22%2C%22limit%22%3A50%7D",
    ]


def test_querystring_cannot_be_combined_with_query_parameters(tmp_path) -> None:
    text = (EXAMPLES / "querystring.arazzo.yaml").read_text()
    text = text.replace(
        '      value: "filter=active&sort=desc&limit=50"\n',
        '      value: "filter=active&sort=desc&limit=50"\n    - {name: page, in: query, value: 2}\n',
    )
    (tmp_path / "petstore.openapi.yaml").write_text((EXAMPLES / "petstore.openapi.yaml").read_text())
    (tmp_path / "doc.arazzo.yaml").write_text(text)
    with pytest.raises(arazzo_runner.DocumentError, match="cannot be combined with 'in: query'"):
        arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
