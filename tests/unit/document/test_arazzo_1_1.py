"""Arazzo 1.1 documents: version routing, the 1.1 schema, and 1.1-only loader checks."""

from __future__ import annotations

from pathlib import Path

import pytest

import arazzo_runner
from arazzo_runner.document.loader import load_report
from arazzo_runner.document.model import SelectorObject
from arazzo_runner.document.schema import validate_schema
from arazzo_runner.errors import Severity
from arazzo_runner.yaml12 import read_file
from tests.conftest import DATA

from .helpers import write_doc

SCHEMA_TESTS = DATA / "arazzo-1.1" / "schema-tests"
HEADER_1_1 = """arazzo: 1.1.0
info: {title: T, version: '1'}
sourceDescriptions:
- {name: pets, url: ./pets.openapi.yaml, type: openapi}
"""


def _errors(path: Path) -> list:
    return [p for p in load_report(path).problems if p.severity is Severity.ERROR]


@pytest.mark.parametrize("name", sorted(p.name for p in (SCHEMA_TESTS / "pass").iterdir()))
def test_upstream_schema_pass_cases_validate(name: str) -> None:
    assert validate_schema(read_file(str(SCHEMA_TESTS / "pass" / name)), (1, 1)) == []


@pytest.mark.parametrize("name", sorted(p.name for p in (SCHEMA_TESTS / "fail").iterdir()))
def test_upstream_schema_fail_cases_are_refused(name: str) -> None:
    assert validate_schema(read_file(str(SCHEMA_TESTS / "fail" / name)), (1, 1)) != []


def test_a_1_1_document_loads_and_reports_the_rules_applied(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets, timeout: 500}]}\n",
        header=HEADER_1_1.replace("info:", "$self: https://example.com/doc.arazzo.yaml\ninfo:"),
    )
    # Relative source URLs resolve against $self (Appendix B), here mapped to the local copy.
    report = load_report(
        path, source_map={"https://example.com/pets.openapi.yaml": str(tmp_path / "pets.openapi.yaml")}
    )
    assert report.rules == "1.1" and report.problems == []
    document = report.document
    assert document is not None and document.spec.version == (1, 1)
    assert document.spec.self_uri == "https://example.com/doc.arazzo.yaml"
    assert document.workflows[0].steps[0].timeout == 500


def test_1_0_documents_keep_the_1_0_rules(tmp_path: Path) -> None:
    """1.1 fields in a 1.0.x document are unknown fields, and selector-shaped values are data."""
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets, timeout: 500}]}\n",
    )
    report = load_report(path)
    assert report.rules == "1.0"
    assert [p.message for p in report.problems] == ["unknown field 'timeout'"]
    body = """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: createPet
    requestBody:
      payload: {context: $inputs.x, selector: $.a, type: jsonpath}
"""
    doc_1_0 = arazzo_runner.load(write_doc(tmp_path, body))
    assert not isinstance(doc_1_0.workflows[0].steps[0].request_body.payload, SelectorObject)
    doc_1_1 = arazzo_runner.load(write_doc(tmp_path, body, header=HEADER_1_1))
    assert isinstance(doc_1_1.workflows[0].steps[0].request_body.payload, SelectorObject)


def test_self_with_a_fragment_is_refused(tmp_path: Path) -> None:
    path = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n",
        header=HEADER_1_1.replace("info:", "$self: https://example.com/doc.yaml#/x\ninfo:"),
    )
    (problem,) = _errors(path)
    assert problem.location.pointer == "/$self" and problem.location.line == 2


def test_asyncapi_sources_and_steps_load(tmp_path: Path) -> None:
    document = arazzo_runner.load(DATA / "asyncapi" / "orders.arazzo.yaml")
    send, receive = document.workflows[0].steps
    assert document.is_async_step(send) and document.is_async_step(receive)
    placed = document.resolve_async_operation(send)
    assert (placed.action, placed.channel_key, placed.address) == ("send", "placeOrder", "{ordersQueue}")
    assert placed.protocols == ("sqs",) and placed.address_with({"ordersQueue": "q1"}) == "q1"
    confirm = document.resolve_async_operation(receive)
    assert [c.text for c in confirm.correlation] == ["$message.header#/orderCorrelationId"]
    assert confirm.correlation[0].find({"orderCorrelationId": "c-1"}, {}) == "c-1"
    assert receive.correlation_id == "$inputs.orderCorrelationId" and receive.timeout == 6000


def test_asyncapi_steps_are_checked_located(tmp_path: Path) -> None:
    (tmp_path / "orders.asyncapi.yaml").write_text((DATA / "asyncapi" / "orders.asyncapi.yaml").read_text())
    header = HEADER_1_1 + "- {name: orders, url: ./orders.asyncapi.yaml, type: asyncapi}\n"
    path = write_doc(
        tmp_path,
        """workflows:
- workflowId: w
  steps:
  - stepId: list
    operationId: $sourceDescriptions.pets.listPets
  - stepId: confirm
    operationId: $sourceDescriptions.orders.confirmOrdr
    action: receive
    timeout: 6000
  - stepId: byChannel
    channelPath: '{$sourceDescriptions.orders.url}#/channels/confirmOrder'
    action: receive
    parameters: [{name: x, in: query, value: 1}]
""",
        header=header,
    )
    report = load_report(path)
    errors = [(p.location.pointer, p.message) for p in report.problems if p.severity is Severity.ERROR]
    assert errors == [
        (
            "/workflows/0/steps/1/operationId",
            "step 'confirm': operation 'confirmOrdr' is not defined in AsyncAPI source 'orders'"
            " (did you mean 'confirmOrder'?)",
        ),
        (
            "/workflows/0/steps/2/parameters/0",
            "parameter 'x': an AsyncAPI step takes 'in: header' (message headers) or 'in: channel'"
            " (channel address parameters)",
        ),
    ]
    (warning,) = [p for p in report.problems if p.severity is Severity.WARNING]
    assert "receives without a 'timeout': it waits at most 300 s" in warning.message
    assert warning.location.pointer == "/workflows/0/steps/2"


def test_a_non_asyncapi_file_declared_asyncapi_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orders.asyncapi.yaml").write_text("asyncapi: 2.6.0\ninfo: {title: t, version: '1'}\n")
    header = HEADER_1_1 + "- {name: orders, url: ./orders.asyncapi.yaml, type: asyncapi}\n"
    path = write_doc(tmp_path, "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n", header=header)
    (error,) = _errors(path)
    assert "has AsyncAPI version '2.6.0'; only 3.x is supported" in error.message
    assert error.location.pointer == "/sourceDescriptions/1/url"


def test_validate_says_which_rules_it_applied(run_cli, tmp_path: Path) -> None:
    ok = write_doc(
        tmp_path,
        "workflows:\n- {workflowId: w, steps: [{stepId: s, operationId: listPets}]}\n",
        header=HEADER_1_1,
    )
    result = run_cli("validate", str(ok))
    assert result.returncode == 0
    assert result.stderr.strip().endswith(f"{ok}: valid (Arazzo 1.1 rules)")
    bad = write_doc(tmp_path, "workflows: []\n", name="bad.arazzo.yaml")
    result = run_cli("validate", str(bad), "--output", "json")
    assert result.returncode == 2 and '"rules": "1.0"' in result.stdout


def test_self_and_message_are_checked_where_they_are_used(tmp_path: Path) -> None:
    body = """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: listPets
    outputs: {got: $message.payload#/orderId, me: $self}
"""
    problems = load_report(write_doc(tmp_path, body, header=HEADER_1_1)).problems
    by_pointer = {p.location.pointer: p for p in problems}
    message = by_pointer["/workflows/0/steps/0/outputs/got"]
    assert message.severity is Severity.ERROR
    assert "$message is the message an AsyncAPI 'receive' step got" in message.message
    no_self = by_pointer["/workflows/0/steps/0/outputs/me"]
    assert no_self.severity is Severity.WARNING and no_self.code == "no-self"
    with_self = HEADER_1_1.replace("info:", "$self: ./doc.arazzo.yaml\ninfo:")
    problems = load_report(write_doc(tmp_path, body, header=with_self)).problems
    assert [p.location.pointer for p in problems] == ["/workflows/0/steps/0/outputs/got"]
    # The same document as 1.0.x: both are 1.1 expressions, refused at their column.
    problems = load_report(write_doc(tmp_path, body)).problems
    assert len(problems) == 2
    assert all("Arazzo 1.1 expression; this document is Arazzo 1.0.x" in p.message for p in problems)


def test_selector_objects_are_checked_at_load(tmp_path: Path) -> None:
    body = """workflows:
- workflowId: w
  steps:
  - stepId: s
    operationId: createPet
    requestBody:
      payload:
        name: {context: $response.body, selector: "$.name[", type: jsonpath}
      replacements:
      - {target: "$.tags[?(@ ==]", targetSelectorType: jsonpath, value: x}
    outputs:
      id: {context: $inputs.nope, selector: /id, type: jsonpointer}
      raw: {context: $response.body, selector: "id", type: jsonpointer}
      xml: {context: $response.body, selector: "/a[", type: {type: xpath, version: xpath-10}}
"""
    problems = load_report(write_doc(tmp_path, body, header=HEADER_1_1)).problems
    found = {(p.location.pointer, p.severity.value): p.message for p in problems}
    base = "/workflows/0/steps/0"
    assert "invalid JSONPath (RFC 9535)" in found[(f"{base}/requestBody/payload/name/selector", "error")]
    assert (
        "replacement target: invalid JSONPath"
        in found[(f"{base}/requestBody/replacements/0/target", "error")]
    )
    assert "declares no input 'nope'" in found[(f"{base}/outputs/id/context", "warning")]
    assert "must start with '/'" in found[(f"{base}/outputs/raw/selector", "error")]
    assert "invalid XPath" in found[(f"{base}/outputs/xml/selector", "error")]
    assert len(problems) == 5


def test_show_renders_selector_objects_and_timeouts_as_written() -> None:
    import json

    from arazzo_runner.document.describe import describe_workflow

    examples = DATA / "arazzo-1.1" / "spec-examples"
    described = describe_workflow(arazzo_runner.load(examples / "selectors.arazzo.yaml"), "selectorExamples")
    json.dumps(described)  # plain data only
    assert described["outputs"]["itemSkus"] == {
        "context": "$steps.getInventory.outputs.payload",
        "selector": "$.skus[*]",
        "type": "jsonpath",
    }
    assert described["steps"][0]["parameters"][0]["value"]["selector"] == "$.id"
    timeouts = describe_workflow(arazzo_runner.load(examples / "timeout.arazzo.yaml"), "reportWithRetries")
    assert timeouts["steps"][0]["timeout"] == 6000


def test_show_and_dry_run_describe_asyncapi_steps(run_cli) -> None:
    document = str(DATA / "asyncapi" / "orders.arazzo.yaml")
    shown = run_cli("show", document)
    assert shown.returncode == 0, shown.stderr
    assert (
        "2. confirmPetPurchaseStep: receive on channel {confirmationsQueue} (sqs) by correlationId"
        " $inputs.orderCorrelationId  [orders.confirmOrder]" in shown.stdout
    )
    inputs = '{"orderCorrelationId": "c", "petId": 1, "ordersQueue": "o", "confirmationsQueue": "q"}'
    dry = run_cli("run", document, "--inputs", inputs, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "AsyncAPI send on channel {ordersQueue} (sqs); not sent" in dry.stdout + dry.stderr
