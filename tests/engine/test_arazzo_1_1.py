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


INVOICE = b"<Invoice><Header><InvoiceNumber>INV-2026-042</InvoiceNumber></Header></Invoice>"
CUSTOMER = b"<CustomerInfo><Id>C-7</Id><Name>Ada</Name></CustomerInfo>"


def test_selector_object_examples_select_values_everywhere_1_1_allows(server) -> None:
    """Parameter, payload, replacement and output values given as Selector Objects (1.1.0 text)."""
    document = arazzo_runner.load(EXAMPLES / "selectors.arazzo.yaml")
    assert document.warnings == []
    xml = {"content-type": "application/xml"}
    server.reset(
        {
            ("GET", "/users/me"): [(200, {"user": {"profile": {"email": "ada@example.com"}}})],
            ("GET", "/invoices/latest"): [(200, INVOICE, xml)],
            ("GET", "/inventory"): [(200, {"newQuantity": 3, "skus": ["ABC123", "XYZ"]})],
            ("POST", "/orders"): [(200, {"orderId": "o-17"})],
            ("GET", "/customers/latest"): [(200, CUSTOMER, xml)],
            ("POST", "/envelopes"): [(200, {})],
        }
    )
    result = run(document, server, "selectorExamples", {"pet_id": 42, "user": {"id": "u-1"}})
    assert result.succeeded, result.error
    assert result.outputs == {
        "userEmail": "ada@example.com",
        "orderId": "o-17",
        "itemSkus": ["ABC123", "XYZ"],
    }
    by_path = {r.path.split("?")[0]: r for r in server.requests}
    assert by_path["/users/me"].path == "/users/me?userId=u-1"
    assert by_path["/orders"].body == {
        "invoiceId": "INV-2026-042",  # XPath 3.0 selector on the XML an earlier step returned
        "petId": 42,  # replacement by JSON Pointer, runtime expression value
        "quantity": 10,  # replacement by JSON Pointer, literal value
        "items": [{"sku": "ABC123", "quantity": 3}, {"sku": "XYZ", "quantity": 5}],  # JSONPath target
    }
    assert by_path["/envelopes"].body == (
        "<Envelope><Header><CustomerId>C-7</CustomerId></Header><Body /></Envelope>"
    )


def test_a_selector_that_cannot_apply_fails_the_step_with_the_reason(server) -> None:
    document = arazzo_runner.load(EXAMPLES / "selectors.arazzo.yaml")
    server.reset(
        {
            ("GET", "/users/me"): [(200, {"user": {}})],
            ("GET", "/invoices/latest"): [(200, {"not": "xml"})],
            ("GET", "/inventory"): [(200, {})],
        }
    )
    result = run(document, server, "selectorExamples", {"pet_id": 42, "user": {"id": "u-1"}})
    assert result.status == "failed"
    assert result.error.step_id == "placeOrder"
    assert (
        "xpath selector '/Invoice/Header/InvoiceNumber': the context is dict, not XML text"
        in result.error.message
    )
    assert [r.path.split("?")[0] for r in server.requests] == ["/users/me", "/invoices/latest", "/inventory"]
