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


def run(document, server, workflow_id, inputs=None, *, source="petstore", **kwargs):
    kwargs.setdefault("options", FAST)
    kwargs.setdefault("sleep", lambda s: None)
    return document.run(workflow_id, inputs, servers={source: server.url}, **kwargs)


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


class SteppingClock:
    """A fake monotonic clock that moves ``step`` seconds each time it is read."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def test_a_step_over_its_timeout_fails_and_its_failure_actions_apply(server) -> None:
    """Each exchange measures 7 s on the fake clock: over `timeout: 6000`, so every attempt fails."""
    document = arazzo_runner.load(EXAMPLES / "timeout.arazzo.yaml")
    server.reset({("GET", "/slow"): [(200, {"done": True})]})
    slept: list[float] = []
    result = run(document, server, "reportWithRetries", clock=SteppingClock(7.0), sleep=slept.append)
    assert result.status == "failed"
    assert server.count("/slow") == 6  # the call and retryLimit 5 retries
    assert slept == [1.0] * 5  # retryAfter
    assert [r.status for r in result.steps] == ["failed"] * 6
    assert result.steps[0].reason == "step timeout of 6000 ms exceeded (the exchange took 7000 ms)"
    assert "step timeout of 6000 ms exceeded" in result.error.message
    # Within the timeout (1 s per read of the clock), the same step succeeds at once.
    server.reset({("GET", "/slow"): [(200, {"done": True})]})
    result = run(document, server, "reportWithRetries", clock=SteppingClock(1.0))
    assert result.succeeded and result.outputs == {"report": {"done": True}}


def test_a_workflow_step_is_held_to_its_timeout_when_the_workflow_ends(server) -> None:
    document = arazzo_runner.load(EXAMPLES / "timeout.arazzo.yaml")
    server.reset({("GET", "/slow"): [(200, {"done": True})]})
    result = run(document, server, "callsWithTimeout", clock=SteppingClock(2.0))
    assert result.status == "failed"
    assert server.count("/slow") == 1  # the child's own step kept to its 6 s
    assert "step timeout of 6000 ms exceeded (the workflow it called took" in result.error.message


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_driver_stops_waiting_at_the_timeout(server, mode) -> None:
    """A real server that answers after 1.5 s; the 50 ms step timeout cuts the wait, then goto."""
    import asyncio

    document = arazzo_runner.load(EXAMPLES / "timeout.arazzo.yaml")
    server.reset(
        {
            ("GET", "/slow"): [(200, {"done": True}, {"x-test-delay": "1.5"})],
            ("GET", "/inventory"): [(200, {"ok": True})],
        }
    )
    if mode == "sync":
        result = run(document, server, "reportOrFallback")
    else:
        result = asyncio.run(
            document.run_async("reportOrFallback", servers={"petstore": server.url}, options=FAST)
        )
    assert result.succeeded, result.error
    assert [(r.step_id, r.status) for r in result.steps] == [
        ("slowReport", "failed"),
        ("fallback", "succeeded"),
    ]
    assert "step timeout of 50 ms exceeded" in result.steps[0].reason
    assert result.steps[0].status_code is None  # the wait was cut: the late answer never arrived


def test_self_evaluates_to_the_documents_canonical_uri(server, tmp_path) -> None:
    text = (EXAMPLES / "querystring.arazzo.yaml").read_text()
    text = text.replace("arazzo: 1.1.0\n", "arazzo: 1.1.0\n$self: ./canonical/querystring.arazzo.yaml\n")
    text = text.replace(
        "  steps:\n  - stepId: static", "  outputs: {me: $self}\n  steps:\n  - stepId: static"
    )
    (tmp_path / "petstore.openapi.yaml").write_text((EXAMPLES / "petstore.openapi.yaml").read_text())
    (tmp_path / "canonical").mkdir()
    (tmp_path / "canonical" / "petstore.openapi.yaml").write_text(
        (EXAMPLES / "petstore.openapi.yaml").read_text()
    )
    (tmp_path / "doc.arazzo.yaml").write_text(text)
    document = arazzo_runner.load(tmp_path / "doc.arazzo.yaml")
    # Relative sources now resolve against $self's folder, canonical/.
    assert document.sources["petstore"].location == str(tmp_path / "canonical" / "petstore.openapi.yaml")
    server.reset({("GET", "*"): [(200, {})]})
    result = run(document, server, "querystrings", {"category": "c", "minPrice": 1})
    assert result.outputs == {"me": (tmp_path / "canonical" / "querystring.arazzo.yaml").as_uri()}


PETSTORE_URL = "https://github.com/swagger-api/swagger-petstore/blob/master/src/main/resources/openapi.yaml"


def test_workflow_and_step_object_examples_run(server) -> None:
    document = arazzo_runner.load(
        EXAMPLES / "pet-purchase.arazzo.yaml",
        source_map={PETSTORE_URL: str(EXAMPLES / "petstore.openapi.yaml")},
    )
    assert document.warnings == []
    server.reset(
        {
            ("GET", "/user/login"): [
                (200, "token-1", {"X-Expires-After": "2026-12-01T00:00:00Z", "X-Rate-Limit": "100"})
            ],
            ("GET", "/pet/findByStatus"): [(200, [{"id": 1, "status": "available"}])],
        }
    )
    inputs = {"username": "ada", "password": "secret"}
    result = run(document, server, "loginUser", inputs, source="petStoreDescription")
    assert result.succeeded and result.outputs == {"tokenExpires": "2026-12-01T00:00:00Z"}
    result = run(document, server, "loginAndGetPets", inputs, source="petStoreDescription")
    assert result.succeeded, result.error
    assert result.outputs == {"availablePets": [{"id": 1, "status": "available"}]}
    login, pets = server.requests[-2:]
    assert login.path == "/user/login?username=ada&password=secret"
    assert (pets.path, pets.headers["Authorization"]) == ("/pet/findByStatus?status=available", "token-1")


def test_the_root_example_of_the_text_is_refused_error_by_error() -> None:
    from arazzo_runner.document.loader import load_report

    report = load_report(
        EXAMPLES / "root-example.arazzo.yaml",
        source_map={PETSTORE_URL: str(EXAMPLES / "petstore.openapi.yaml")},
    )
    assert report.rules == "1.1" and report.document is None
    assert [(p.location.pointer, p.message) for p in report.problems] == [
        ("/workflows/0/steps/2/action", "unknown field 'action'"),
        ("/workflows/0/steps/3/correlationId", "unknown field 'correlationId'"),
        ("/workflows/0/steps/3/action", "unknown field 'action'"),
    ]


DEPENDS = """arazzo: 1.1.0
info: {title: Step dependsOn, version: '1'}
sourceDescriptions:
- {name: petstore, url: ./petstore.openapi.yaml, type: openapi}
workflows:
- workflowId: ordered
  steps:
  - {stepId: a, operationId: getInventory}
  - {stepId: b, operationId: getUser, dependsOn: [a]}
- workflowId: jumped
  steps:
  - stepId: a
    operationId: getInventory
    onSuccess: [{name: skip, type: goto, stepId: c}]
  - {stepId: b, operationId: getUser}
  - stepId: c
    operationId: getUser
    dependsOn: [b]
- workflowId: crossWorkflow
  steps:
  - {stepId: first, workflowId: ordered}
  - {stepId: after, operationId: getUser, dependsOn: [$workflows.ordered.steps.a]}
- workflowId: crossWorkflowNotRun
  steps:
  - {stepId: alone, operationId: getUser, dependsOn: [$workflows.ordered.steps.a]}
"""


def _depends_doc(tmp_path, text=DEPENDS):
    (tmp_path / "petstore.openapi.yaml").write_text((EXAMPLES / "petstore.openapi.yaml").read_text())
    (tmp_path / "doc.arazzo.yaml").write_text(text)
    return tmp_path / "doc.arazzo.yaml"


def test_step_depends_on_is_respected(server, tmp_path) -> None:
    document = arazzo_runner.load(_depends_doc(tmp_path))
    server.reset({("GET", "*"): [(200, {})]})
    assert run(document, server, "ordered").succeeded
    assert run(document, server, "crossWorkflow").succeeded
    result = run(document, server, "jumped")
    assert result.status == "failed" and result.error.step_id == "c"
    assert "depends on step 'b', which has not completed in this run (dependsOn)" in result.error.message
    server.reset({("GET", "*"): [(200, {})]})
    result = run(document, server, "crossWorkflowNotRun")
    assert result.status == "failed" and server.requests == []  # the step was never sent


def test_step_depends_on_is_checked_at_load(tmp_path) -> None:
    text = DEPENDS.replace("dependsOn: [a]}", "dependsOn: [nope]}").replace(
        "  - {stepId: b, operationId: getUser}\n", "  - {stepId: b, operationId: getUser, dependsOn: [c]}\n"
    )
    with pytest.raises(arazzo_runner.DocumentError) as info:
        arazzo_runner.load(_depends_doc(tmp_path, text))
    messages = [p.message for p in info.value.problems]
    assert "dependsOn 'nope': workflow 'ordered' has no step 'nope' (it has: a, b)" in messages
    assert any(m.startswith("dependsOn 'c': that step comes at or after 'b'") for m in messages)


ACTION_PARAMETERS = """arazzo: 1.1.0
info: {title: Action parameters, version: '1'}
sourceDescriptions:
- {name: petstore, url: ./petstore.openapi.yaml, type: openapi}
workflows:
- workflowId: main
  inputs: {type: object, properties: {who: {type: string}}}
  steps:
  - stepId: look
    operationId: getInventory
    onSuccess:
    - name: handOver
      type: goto
      workflowId: greet
      parameters:
      - {name: userId, value: $response.body#/owner}
    onFailure:
    - name: recover
      type: retry
      workflowId: greet
      retryLimit: 1
      parameters:
      - {name: userId, value: fallback}
- workflowId: greet
  inputs: {type: object, properties: {userId: {type: string}, who: {type: string}}, required: [userId]}
  steps:
  - stepId: user
    operationId: getUser
    parameters:
    - {name: userId, in: query, value: $inputs.userId}
"""


def test_action_parameters_are_the_inputs_of_the_workflow_it_names(server, tmp_path) -> None:
    document = arazzo_runner.load(_depends_doc(tmp_path, ACTION_PARAMETERS))
    server.reset({("GET", "/inventory"): [(200, {"owner": "u-9"})], ("GET", "/users/me"): [(200, {})]})
    assert run(document, server, "main", {"who": "ada"}).succeeded
    assert server.requests[-1].path == "/users/me?userId=u-9"
    server.reset(
        {("GET", "/inventory"): [(500, {}), (200, {"owner": "u-9"})], ("GET", "/users/me"): [(200, {})]}
    )
    assert run(document, server, "main", {"who": "ada"}).succeeded
    assert [r.path for r in server.requests][:2] == ["/inventory", "/users/me?userId=fallback"]
