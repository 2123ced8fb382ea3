"""A step's call mapped onto a botocore operation; requests serialised and answers parsed by botocore."""

from __future__ import annotations

import pytest

from arazzo_runner.aws_model.protocols import input_params, match_operation, parse_answer, serialise_request


@pytest.mark.parametrize(
    ("services", "method", "path", "operation_id", "target", "action", "expected"),
    [
        (("dynamodb",), "post", "/#PutItem", "somethingElse", "DynamoDB_20120810.PutItem", None, "PutItem"),
        (("dynamodb",), "post", "/", "getItem", None, None, "GetItem"),  # operation id, any case
        (("ec2",), "post", "/?Action=RunInstances", None, None, "RunInstances", "RunInstances"),
        (("s3",), "get", "/{Bucket}?list-type=2", "listThem", None, None, "ListObjectsV2"),
        (("s3",), "post", "/{Bucket}/{Key+}?uploads", "x", None, None, "CreateMultipartUpload"),
        (("s3",), "put", "/{Bucket}/{Key+}", "x", None, None, "PutObject"),  # x-id ignored
        (("s3",), "put", "/{Bucket}?tagging", None, None, None, "PutBucketTagging"),
        (("s3",), "delete", "/{Bucket}/{Key+}?uploadId={uploadId}", None, None, None, "AbortMultipartUpload"),
        (
            ("sagemaker-runtime",),
            "post",
            "/endpoints/{EndpointName}/invocations",
            None,
            None,
            None,
            "InvokeEndpoint",
        ),
    ],
)
def test_steps_map_to_botocore_operations(
    services, method, path, operation_id, target, action, expected
) -> None:
    found = match_operation(services, method, path, operation_id, target, action)
    assert found is not None and found.name == expected


def test_an_rpc_path_without_target_action_or_known_id_maps_to_nothing() -> None:
    assert match_operation(("dynamodb",), "post", "/", "doTheThing") is None


def test_rest_xml_payload_written_with_xml_element_names() -> None:
    """S3's DeleteObjects as the catalog writes it: the payload's contents, flattened list by its
    wire name ``Object``; botocore adds the checksum the operation requires."""
    op = match_operation(("s3",), "post", "/{Bucket}?delete", None)
    mapped = input_params(
        op, [("Bucket", "path", "b1")], {"Object": [{"Key": "a"}, {"Key": "b"}], "Quiet": "true"}, True
    )
    assert mapped.params == {
        "Bucket": "b1",
        "Delete": {"Objects": [{"Key": "a"}, {"Key": "b"}], "Quiet": True},
    }
    wire = serialise_request(op, mapped, "https://s3.us-east-1.amazonaws.com", host_prefix=True)
    assert (wire.method, wire.url) == ("POST", "https://s3.us-east-1.amazonaws.com/b1?delete")
    assert b"<Object><Key>a</Key></Object><Object><Key>b</Key></Object><Quiet>true</Quiet>" in wire.body
    assert any(name.lower().startswith("x-amz-checksum-") for name, _ in wire.headers)


def test_list_wrappers_greedy_keys_and_unknown_parameters() -> None:
    op = match_operation(("s3",), "put", "/{Bucket}/{Key+}?tagging", None)
    mapped = input_params(
        op,
        [("Bucket", "path", "b1"), ("Key+", "path", "a/b c.txt"), ("x-custom", "header", "1")],
        {"TagSet": {"Tag": [{"Key": "k", "Value": "v"}]}},
        True,
    )
    assert mapped.params["Tagging"] == {"TagSet": [{"Key": "k", "Value": "v"}]}
    wire = serialise_request(op, mapped, "http://127.0.0.1:9", host_prefix=False)
    assert wire.url == "http://127.0.0.1:9/b1/a/b%20c.txt?tagging"  # '/' kept, space encoded
    assert ("x-custom", "1") in wire.headers


def test_query_and_ec2_bodies_are_botocore_forms() -> None:
    op = match_operation(("iam",), "post", "/", None, action="CreateUser")
    wire = serialise_request(
        op, input_params(op, [], {"UserName": "u1"}, True), "https://iam.amazonaws.com", host_prefix=True
    )
    assert wire.body == b"Action=CreateUser&Version=2010-05-08&UserName=u1"
    op = match_operation(("ec2",), "post", "/?Action=DescribeVpcs", None, action="DescribeVpcs")
    mapped = input_params(op, [("VpcId", "query", ["vpc-1", "vpc-2"])], None, False)
    wire = serialise_request(op, mapped, "https://ec2.us-east-1.amazonaws.com", host_prefix=True)
    assert wire.body == b"Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-1&VpcId.2=vpc-2"


def test_answers_parse_into_the_output_shapes_view() -> None:
    op = match_operation(("s3",), "get", "/{Bucket}?list-type=2", None)
    body = (
        b'<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><KeyCount>1</KeyCount>'
        b"<Contents><Key>a</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified><Size>3</Size></Contents>"
        b"<IsTruncated>false</IsTruncated></ListBucketResult>"
    )
    view = parse_answer(op, 200, {"content-type": "application/xml"}, body)
    assert view["KeyCount"] == 1 and view["IsTruncated"] is False
    assert view["Contents"] == [{"Key": "a", "LastModified": "2026-01-01T00:00:00.000Z", "Size": 3}]
    assert "HTTPHeaders" not in view["ResponseMetadata"]


def test_a_payload_answer_is_read_from_its_root_and_by_wire_names() -> None:
    op = match_operation(("s3",), "get", "/{Bucket}?encryption", None)
    body = (
        b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256"
        b"</SSEAlgorithm></ApplyServerSideEncryptionByDefault></Rule></ServerSideEncryptionConfiguration>"
    )
    view = parse_answer(op, 200, {}, body)
    rules = [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
    assert view["Rules"] == rules and view.get("Rule") == rules  # member name and XML element name
    assert view.get("ServerSideEncryptionConfiguration") is view
    assert "Rule" not in dict(view)  # not twice in outputs


def test_rest_json_location_members_and_blobs_written_as_base64() -> None:
    op = match_operation(("lambda",), "post", "/2015-03-31/functions/{FunctionName}/invocations", None)
    assert op is not None and op.name == "Invoke"
    mapped = input_params(
        op, [("FunctionName", "path", "fn"), ("X-Amz-Invocation-Type", "header", "Event")], b"{}", True
    )
    wire = serialise_request(op, mapped, "http://127.0.0.1:9", host_prefix=False)
    assert (wire.url, wire.body) == ("http://127.0.0.1:9/2015-03-31/functions/fn/invocations", b"{}")
    assert ("X-Amz-Invocation-Type", "Event") in wire.headers
    op = match_operation(("lambda",), "post", "/2015-03-31/functions", "createFunction")
    payload = {"FunctionName": "f", "Role": "r", "Code": {"ZipFile": "UEsDBA=="}, "Handler": "h"}
    wire = serialise_request(op, input_params(op, [], payload, True), "http://127.0.0.1:9", host_prefix=False)
    assert b'"ZipFile": "UEsDBA=="' in wire.body  # base64 given is base64 sent, not encoded twice
