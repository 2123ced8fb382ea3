"""AWS hosts recognised from botocore's endpoint data; signing names from its service models."""

from __future__ import annotations

import pytest

from arazzo_runner.aws_model.endpoints import recognise_host, service_for_prefix


@pytest.mark.parametrize(
    ("host", "prefix", "region", "partition"),
    [
        ("s3.us-east-1.amazonaws.com", "s3", "us-east-1", "aws"),
        ("my-bucket.s3.eu-west-1.amazonaws.com", "s3", "eu-west-1", "aws"),  # virtual-hosted style
        ("s3.amazonaws.com", "s3", "us-east-1", "aws"),  # explicit host name: credential-scope region
        ("s3-us-west-2.amazonaws.com", "s3", "us-west-2", "aws"),  # legacy dash form
        ("s3.dualstack.ap-south-1.amazonaws.com", "s3", "ap-south-1", "aws"),
        ("api.sagemaker.us-east-1.amazonaws.com", "api.sagemaker", "us-east-1", "aws"),
        ("runtime.sagemaker.eu-west-2.amazonaws.com", "runtime.sagemaker", "eu-west-2", "aws"),
        ("dynamodb.us-east-1.amazonaws.com", "dynamodb", "us-east-1", "aws"),
        ("dynamodb-fips.us-west-2.amazonaws.com", "dynamodb", "us-west-2", "aws"),
        ("ec2.ap-northeast-1.api.aws", "ec2", "ap-northeast-1", "aws"),  # dual-stack DNS suffix
        ("iam.amazonaws.com", "iam", "us-east-1", "aws"),  # global service
        ("sqs.cn-north-1.amazonaws.com.cn", "sqs", "cn-north-1", "aws-cn"),
        ("EC2.US-EAST-1.AMAZONAWS.COM.", "ec2", "us-east-1", "aws"),
    ],
)
def test_aws_hosts_are_recognised(host: str, prefix: str, region: str, partition: str) -> None:
    found = recognise_host(host)
    assert found is not None
    assert (found.prefix, found.region, found.partition) == (prefix, region, partition)


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "localhost",
        "example.com",
        "amazonaws.com",
        "notaservice.us-east-1.amazonaws.com",
        "s3.us-east-1.amazonaws.com.evil.example",
        "",
        None,
    ],
)
def test_other_hosts_are_not_aws(host: str | None) -> None:
    assert recognise_host(host) is None


@pytest.mark.parametrize(
    ("prefix", "client", "signing_name", "signature", "protocol"),
    [
        ("runtime.sagemaker", "sagemaker-runtime", "sagemaker", "v4", "rest-json"),  # not the host prefix
        ("api.sagemaker", "sagemaker", "sagemaker", "v4", "json"),
        ("s3", "s3", "s3", "s3v4", "rest-xml"),
        ("dynamodb", "dynamodb", "dynamodb", "v4", "json"),
        ("ec2", "ec2", "ec2", "v4", "ec2"),
        ("iam", "iam", "iam", "v4", "query"),
        ("states", "stepfunctions", "states", "v4", "json"),
    ],
)
def test_service_models_give_the_signing_name(
    prefix: str, client: str, signing_name: str, signature: str, protocol: str
) -> None:
    service = service_for_prefix(prefix)
    assert service is not None
    assert (service.name, service.signing_name, service.signature_version, service.protocol) == (
        client,
        signing_name,
        signature,
        protocol,
    )
