"""JaredCE/Arazzo-Runner's openapi-requestBody-tests on the wire: build_request → echo server on 127.0.0.1.

The Arazzo documents, their OpenAPI descriptions and the inputs are copied in
tests/data/http/jaredce (see SOURCES.md). Each case takes the step's ``requestBody`` and path
parameters from the Arazzo document, resolves ``$inputs.<name>`` from the input file, builds the
request against the description's operation and asserts what arrives: method, target, media type
and bytes. Upstream asserts with nock interceptors in JavaScript specs that were not copied; the
expectations here are ours, from the media types (see bodies.py for the encoding rules).
"""

from __future__ import annotations

import base64
import json
from email.parser import BytesParser
from email.policy import HTTP

import httpx
import pytest

from arazzo_runner.http import RequestBody, RequestBuildError, StepParameter, build_request
from tests.unit.http.sources import DATA, openapi_source, operation

JAREDCE = DATA / "jaredce"
INPUTS = json.loads((JAREDCE / "request-bodies-input.json").read_text())
PET = INPUTS["addPet-application/json"]["pet"]
XML_DRINK = INPUTS["updatePet-text/xml"]["petDrink"].encode()

# (Arazzo document, method, request target, Content-Type, body bytes)
CASES = [
    ("application-json", "POST", "/pet", "application/json", json.dumps(PET, separators=(",", ":")).encode()),
    (
        "application-octet-stream",
        "POST",
        "/pet/1/uploadImage",
        "application/octet-stream",
        b"SGVsbG8gd29ybGQh",
    ),
    (
        "application-x-www-form-urlencoded",
        "POST",
        "/pet/1",
        "application/x-www-form-urlencoded",
        b"name=pete&status=pending",
    ),
    (
        "application-x-www-form-urlencoded-string",
        "POST",
        "/pet/1",
        "application/x-www-form-urlencoded",
        b"name=pete&status=pending",
    ),
    ("text-html", "POST", "/pet/1", "text/html", b"<html><body><p>Hello World!</p></body></html>"),
    ("text-plain", "POST", "/pet/1", "text/plain", b"Hello World!"),
    ("text-xml", "POST", "/pet/1", "text/xml", XML_DRINK),
]


def evaluate(value, inputs):
    """The only expressions these documents use: ``$inputs.<name>``."""
    if isinstance(value, str) and value.startswith("$inputs."):
        return inputs[value.removeprefix("$inputs.")]
    return value


def step_request(case: str, base_url: str) -> httpx.Request:
    arazzo = json.loads((JAREDCE / "requestBody-tests" / f"{case}.json").read_text())
    source_dir = arazzo["sourceDescriptions"][0]["url"].rsplit("/", 2)[-2]
    source = openapi_source(JAREDCE / "request-bodies" / f"{source_dir}.json", name="pets-openAPI")
    (workflow,) = arazzo["workflows"]
    (step,) = workflow["steps"]
    inputs = INPUTS[workflow["workflowId"]]
    parameters = [
        StepParameter(p["name"], p["in"], evaluate(p["value"], inputs)) for p in step.get("parameters", [])
    ]
    body = step["requestBody"]
    request_body = RequestBody(evaluate(body["payload"], inputs), content_type=body.get("contentType"))
    return build_request(
        source, operation(source, step["operationId"]), parameters, request_body, base_url=base_url
    )


def arrived(server, request: httpx.Request) -> dict:
    with httpx.Client() as client:
        assert client.send(request).status_code == 200
    record = server.received[-1]
    record["headers"] = {k.lower(): v for k, v in record["headers"]}
    record["bytes"] = base64.b64decode(record["body"])
    return record


@pytest.mark.parametrize(
    ("case", "method", "target", "content_type", "body"), CASES, ids=[c[0] for c in CASES]
)
def test_request_body_on_the_wire(scripted, case, method, target, content_type, body) -> None:
    record = arrived(scripted, step_request(case, scripted.url))
    assert (record["method"], record["target"]) == (method, target)
    assert record["headers"]["content-type"] == content_type
    assert record["bytes"] == body
    assert int(record["headers"]["content-length"]) == len(body)


def test_multipart_form_data_on_the_wire(scripted) -> None:
    record = arrived(scripted, step_request("multipart-form-data", scripted.url))
    assert (record["method"], record["target"]) == ("POST", "/pet/1/uploadImage")
    content_type = record["headers"]["content-type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + record["bytes"]
    )
    (part,) = message.iter_parts()
    assert part.get_param("name", header="content-disposition") == "file"
    # the input is a string (base64 text), so it is sent as a text part, as given
    assert part.get_payload(decode=True) == b"SGVsbG8gd29ybGQh"


def test_application_xml_from_an_object_by_the_generic_mapping(scripted) -> None:
    """JaredCE serialises the object to XML from the schema's ``xml`` hints; we write it by the
    generic mapping (http/xml_objects.py): the root element is the $ref'd schema's name, each
    member an element, a list member repeated."""
    record = arrived(scripted, step_request("application-xml", scripted.url))
    assert record["headers"]["content-type"] == "application/xml"
    assert record["bytes"] == (
        b"<petDrink><name>water</name><ingredients><id>1</id><name>water</name></ingredients></petDrink>"
    )


def test_a_list_payload_cannot_be_written_as_xml() -> None:
    from arazzo_runner.http.bodies import encode_body

    with pytest.raises(RequestBuildError, match="cannot write a list payload as application/xml"):
        encode_body(RequestBody([1, 2]), "application/xml")
