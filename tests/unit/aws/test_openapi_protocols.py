"""``arazzo aws-openapi`` for every botocore protocol: REST-XML (S3), REST-JSON (Lambda), Query (STS),
EC2, and the JSON protocol's aliases (DynamoDB, SQS). Each document validates as OpenAPI 3.1, and its
keys, parameters and schemas say what botocore's serialisers would send."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from arazzo_runner.aws.openapi_common import aliases, lower_camel
from arazzo_runner.aws.openapi_gen import generate_openapi, render_openapi
from arazzo_runner.aws.service_models import load_service_model
from arazzo_runner.http import StepParameter, build_request
from tests.unit.http.sources import openapi_source

S3_OPERATIONS = [
    "CopyObject",
    "CreateMultipartUpload",
    "DeleteObjects",
    "GetObject",
    "ListObjectsV2",
    "PutBucketTagging",
    "PutObject",
]


@pytest.fixture(scope="module")
def s3() -> dict[str, Any]:
    return generate_openapi("s3", S3_OPERATIONS)


def schema_of(document: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    return document["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]


def params(operation: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(p["name"], p["in"]): p for p in operation.get("parameters", [])}


@pytest.mark.parametrize(
    ("service", "operations"),
    [
        ("s3", None),  # the whole service: every shape kind of REST-XML
        ("dynamodb", ["GetItem", "Query"]),
        ("lambda", ["CreateFunction", "Invoke", "GetFunction", "ListFunctions"]),
        ("ec2", ["RunInstances", "DescribeInstances", "TerminateInstances"]),
        ("sqs", ["CreateQueue", "SendMessage"]),
        ("sts", None),
    ],
)
def test_every_protocol_gives_a_valid_openapi_31_document(service: str, operations: list[str] | None) -> None:
    text = render_openapi(service, operations)
    document = yaml.safe_load(text)
    validate(document)
    model = load_service_model(service)
    assert document["info"]["x-aws-protocol"] == model.protocol
    assert document["info"]["x-aws-serviceName"] == service
    assert document["info"]["x-aws-signingName"] == model.signing_name
    for item in document["paths"].values():
        for operation in item.values():
            name = operation["x-aws-operation"]
            assert operation["operationId"] == name and name in model.operations
            assert operation["x-operationId-aliases"] == [lower_camel(name)]


def test_s3_keys_carry_the_literal_query_as_fragment_and_constant_parameters(s3: dict[str, Any]) -> None:
    paths = s3["paths"]
    assert set(paths) == {
        "/{Bucket}#delete",
        "/{Bucket}#list-type=2",
        "/{Bucket}#tagging",
        "/{Bucket}/{Key+}#uploads",
        # GET /{Bucket}/{Key+} is GetObject and ListParts in the model; PUT is PutObject, CopyObject,
        # UploadPart and UploadPartCopy: the operation's name keeps their keys apart
        "/{Bucket}/{Key+}#x-aws-operation=GetObject",
        "/{Bucket}/{Key+}#x-aws-operation=CopyObject",
        "/{Bucket}/{Key+}#x-aws-operation=PutObject",
    }
    listing = paths["/{Bucket}#list-type=2"]["get"]
    assert listing["x-aws-requestUri"] == "/{Bucket}?list-type=2"
    constant = params(listing)[("list-type", "query")]
    assert constant["required"] is True and constant["schema"]["const"] == "2"
    assert params(listing)[("max-keys", "query")]["schema"]["type"] == "integer"
    upload = paths["/{Bucket}/{Key+}#uploads"]["post"]
    uploads = params(upload)[("uploads", "query")]
    assert uploads["schema"]["const"] == "" and uploads["allowEmptyValue"] is True
    key = params(upload)[("Key+", "path")]
    assert key["required"] is True and key["x-aws-greedy"] is True
    assert params(upload)[("x-amz-acl", "header")]["schema"] == {
        "$ref": "#/components/schemas/ObjectCannedACL"
    }


def test_s3_bodies_are_xml_with_member_names_and_element_names(s3: dict[str, Any]) -> None:
    tagging = s3["paths"]["/{Bucket}#tagging"]["put"]["requestBody"]
    assert tagging["required"] is True
    root = tagging["content"]["application/xml"]["schema"]
    assert root["xml"] == {"name": "Tagging", "namespace": "http://s3.amazonaws.com/doc/2006-03-01/"}
    tag_set = schema_of(s3, root)["properties"]["TagSet"]
    assert tag_set["xml"] == {"wrapped": True} and tag_set["items"]["xml"] == {"name": "Tag"}
    delete = s3["paths"]["/{Bucket}#delete"]["post"]
    objects = schema_of(s3, delete["requestBody"]["content"]["application/xml"]["schema"])["properties"][
        "Objects"
    ]
    assert "wrapped" not in objects.get("xml", {}) and objects["items"]["xml"] == {
        "name": "Object"
    }  # flattened
    answer = delete["responses"]["200"]["content"]["application/xml"]["schema"]
    assert answer["properties"]["Errors"]["items"]["xml"] == {"name": "Error"}  # member name, element name
    listing = s3["paths"]["/{Bucket}#list-type=2"]["get"]["responses"]["200"]
    body = listing["content"]["application/xml"]["schema"]["properties"]
    assert body["KeyCount"]["type"] == "integer"
    assert body["Contents"]["items"]["xml"] == {"name": "Contents"}
    assert schema_of(s3, body["Contents"]["items"])["properties"]["LastModified"]["format"] == "date-time"
    assert listing["headers"]["x-amz-request-charged"]["x-aws-member"] == "RequestCharged"


def test_s3_raw_payloads_headers_and_errors(s3: dict[str, Any]) -> None:
    put = s3["paths"]["/{Bucket}/{Key+}#x-aws-operation=PutObject"]["put"]
    assert list(put["requestBody"]["content"]) == ["application/octet-stream"]
    assert put["x-aws-headerPrefixes"] == {"Metadata": "x-amz-meta-"}
    get = s3["paths"]["/{Bucket}/{Key+}#x-aws-operation=GetObject"]["get"]
    assert list(get["responses"]["200"]["content"]) == ["application/octet-stream"]
    assert get["responses"]["200"]["headers"]["Last-Modified"]["schema"]["x-aws-timestampFormat"] == "rfc822"
    assert get["responses"]["4XX"]["x-aws-errors"] == ["InvalidObjectState", "NoSuchKey"]
    assert s3["components"]["schemas"]["AwsRestXmlError"]["xml"] == {"name": "Error"}
    assert s3["servers"][0]["url"] == "https://s3.{region}.amazonaws.com"
    assert "eu-west-1" in s3["servers"][0]["variables"]["region"]["enum"]
    # botocore spells out some regions' hosts; those equal to the template are not servers of their own
    assert not [server for server in s3["servers"] if "{region}" not in server["url"]]
    assert s3["info"]["x-aws-signatureVersion"] == "s3"


def test_rest_json_lambda() -> None:
    document = generate_openapi("lambda", ["Invoke", "CreateFunction"])
    invoke = document["paths"]["/2015-03-31/functions/{FunctionName}/invocations"]["post"]
    assert params(invoke)[("FunctionName", "path")]["required"] is True
    assert params(invoke)[("X-Amz-Invocation-Type", "header")]["schema"]["$ref"].endswith("/InvocationType")
    assert list(invoke["requestBody"]["content"]) == ["application/octet-stream"]
    create = document["paths"]["/2015-03-31/functions"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert {"FunctionName", "Role"} <= set(body["required"])
    assert "201" in create["responses"]
    assert document["components"]["schemas"]["AwsRestJsonError"]["type"] == "object"
    assert "x-amzn-ErrorType" in invoke["responses"]["4XX"]["headers"]
    assert "ResourceNotFoundException" in invoke["responses"]["4XX"]["x-aws-errors"]


def test_ec2_and_query_operations_are_keyed_by_action_with_form_bodies() -> None:
    ec2 = generate_openapi("ec2", ["RunInstances", "DescribeInstances"])
    run = ec2["paths"]["/#Action=RunInstances"]["post"]
    assert params(run)[("Action", "query")]["schema"]["const"] == "RunInstances"
    assert params(run)[("Version", "query")]["schema"]["const"] == "2016-11-15"
    form = run["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    request = schema_of(ec2, form)
    assert request["required"] == ["MaxCount", "MinCount"]
    assert request["properties"]["BlockDeviceMappings"]["xml"]["name"] == "BlockDeviceMapping"
    described = ec2["paths"]["/#Action=DescribeInstances"]["post"]["responses"]["200"]["content"]["text/xml"]
    result = schema_of(ec2, described["schema"])
    assert result["properties"]["Reservations"]["xml"]["name"] == "reservationSet"
    assert ec2["components"]["schemas"]["AwsEc2Error"]["xml"] == {"name": "Response"}
    sts = generate_openapi("sts", ["GetCallerIdentity"])
    answer = sts["paths"]["/#Action=GetCallerIdentity"]["post"]["responses"]["200"]["content"]["text/xml"]
    assert answer["x-aws-resultWrapper"] == "GetCallerIdentityResult"
    assert set(schema_of(sts, answer["schema"])["properties"]) == {"UserId", "Account", "Arn"}
    assert sts["info"]["x-aws-apiVersion"] == "2011-06-15"


def test_operations_may_be_asked_for_in_lower_camel_and_aliases_never_shadow_a_name() -> None:
    document = generate_openapi("dynamodb", ["getItem", "GetItem"])
    (operation,) = [item["post"] for item in document["paths"].values()]
    assert operation["operationId"] == "GetItem" and operation["x-operationId-aliases"] == ["getItem"]
    model = load_service_model("dynamodb")
    assert aliases(model, "GetItem") == ["getItem"]
    fake = type(model)(name="x", metadata={}, operations={"Get": {}, "get": {}}, shapes={}, documentation="")
    assert aliases(fake, "Get") == []  # "get" is another operation's name


def test_an_endpoint_host_prefix_is_carried() -> None:
    document = generate_openapi("s3control", ["GetPublicAccessBlock"])
    (item,) = document["paths"].values()
    assert item["get"]["x-aws-hostPrefix"] == "{AccountId}."
    assert params(item["get"])[("x-amz-account-id", "header")]["required"] is True


def test_a_subset_has_the_same_keys_as_the_whole_service() -> None:
    alone = generate_openapi("s3", ["PutObject"])
    assert list(alone["paths"]) == ["/{Bucket}/{Key+}#x-aws-operation=PutObject"]


def test_requests_built_from_a_generated_file(tmp_path: Path) -> None:
    """The request builder sends the constant query a key carries and keeps a greedy label's '/'."""
    target = tmp_path / "s3.yml"
    target.write_text(render_openapi("s3", ["CreateMultipartUpload", "ListObjectsV2"]))
    source = openapi_source(target, "s3")
    (upload,) = source.operations_by_id("createMultipartUpload")  # through the alias
    request = build_request(
        source,
        upload,
        [StepParameter("Bucket", "path", "b"), StepParameter("Key+", "path", "dir/a b+c.txt")],
        base_url="https://s3.us-east-1.amazonaws.com",
    )
    assert str(request.url) == "https://s3.us-east-1.amazonaws.com/b/dir/a%20b%2Bc.txt?uploads="
    (listing,) = source.operations_by_id("ListObjectsV2")
    given = build_request(
        source,
        listing,
        [StepParameter("Bucket", "path", "b"), StepParameter("list-type", "query", 2)],
        base_url="http://h",
    )
    assert str(given.url) == "http://h/b?list-type=2"  # given by the step: sent once


def test_every_protocol_s_error_schema_keeps_its_members_in_order() -> None:
    """The error bodies share one builder (``openapi_common.error_body``); the documents are unchanged."""
    from types import SimpleNamespace

    from arazzo_runner.aws.openapi_gen import _error_schema
    from arazzo_runner.aws.openapi_query import query_error_schema
    from arazzo_runner.aws.openapi_rest import rest_error_schema

    def model(protocol: str) -> Any:
        return SimpleNamespace(protocol=protocol)

    xml = ["description", "type", "xml", "properties"]
    assert list(query_error_schema(model("ec2"))) == xml
    assert list(query_error_schema(model("ec2"))["properties"]) == ["Errors", "RequestID"]
    assert query_error_schema(model("query"))["xml"] == {"name": "ErrorResponse"}
    assert list(query_error_schema(model("query"))["properties"]) == ["Error", "RequestId"]
    assert list(rest_error_schema(model("rest-xml"))) == xml
    assert list(rest_error_schema(model("rest-json"))) == ["description", "type", "properties"]
    assert list(_error_schema()) == ["description", "type", "required", "properties"]
    assert _error_schema()["required"] == ["__type"]
