"""What moto holds, read and prepared with botocore clients signed by the catalog's IAM user.

The corpus test uses these clients for two things only: to put in place what a workflow expects to
find (a bucket, a table, a model, an IAM role) and, after the run, to read back what moto holds so
the workflow's outputs can be compared with it. They never carry the workflow's own requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

ACCOUNT = "123456789012"
REGION = "us-east-1"
ROLE_NAME = "catalog-sagemaker-role"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{ROLE_NAME}"
ASSUME_SAGEMAKER = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
    '"Principal":{"Service":"sagemaker.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
)


class MotoState:
    """botocore clients for S3, DynamoDB, SageMaker and IAM against one moto server."""

    def __init__(self, url: str, key: str, secret: str) -> None:
        self.url, self.access_key_id, self.secret_access_key = url, key, secret

    def _client(self, service: str) -> Any:
        import botocore.session
        from botocore.config import Config

        return botocore.session.Session().create_client(
            service,
            region_name=REGION,
            endpoint_url=self.url,
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
        )

    @cached_property
    def s3(self) -> Any:
        return self._client("s3")

    @cached_property
    def dynamodb(self) -> Any:
        return self._client("dynamodb")

    @cached_property
    def sagemaker(self) -> Any:
        return self._client("sagemaker")

    @cached_property
    def iam(self) -> Any:
        return self._client("iam")

    # -- preparing --------------------------------------------------------------------------------

    def bucket(self, name: str, *, versioned: bool = False, objects: dict[str, bytes] | None = None) -> None:
        self.s3.create_bucket(Bucket=name)
        if versioned:
            self.s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        for key, body in (objects or {}).items():
            self.s3.put_object(Bucket=name, Key=key, Body=body)

    def table(self, name: str, *, range_key: str | None = None, items: Sequence[dict[str, Any]] = ()) -> None:
        keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
        attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
        if range_key:
            keys.append({"AttributeName": range_key, "KeyType": "RANGE"})
            attributes.append({"AttributeName": range_key, "AttributeType": "S"})
        self.dynamodb.create_table(
            TableName=name, KeySchema=keys, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
        )
        for item in items:
            self.dynamodb.put_item(TableName=name, Item=item)

    def sagemaker_role(self) -> str:
        """The execution role every SageMaker input names (made once)."""
        try:
            self.iam.get_role(RoleName=ROLE_NAME)
        except self.iam.exceptions.NoSuchEntityException:
            self.iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=ASSUME_SAGEMAKER)
        return ROLE_ARN

    def model(self, name: str, data_url: str = "s3://catalog-models/existing/model.tar.gz") -> None:
        self.sagemaker.create_model(
            ModelName=name,
            PrimaryContainer={
                "Image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/inference:1",
                "ModelDataUrl": data_url,
            },
            ExecutionRoleArn=self.sagemaker_role(),
        )

    def endpoint(self, name: str, model: str) -> None:
        self.model(model)
        self.sagemaker.create_endpoint_config(
            EndpointConfigName=f"{name}-config",
            ProductionVariants=[
                {
                    "VariantName": "primary",
                    "ModelName": model,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.m5.large",
                }
            ],
        )
        self.sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")

    def training_job(self, name: str) -> None:
        """A training job (moto's are born ``Completed``)."""
        self.sagemaker.create_training_job(
            TrainingJobName=name,
            AlgorithmSpecification={
                "TrainingImage": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/xgboost:1",
                "TrainingInputMode": "File",
            },
            RoleArn=self.sagemaker_role(),
            OutputDataConfig={"S3OutputPath": "s3://catalog-training/earlier/"},
            ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 600},
        )

    # -- reading back -----------------------------------------------------------------------------

    def head(self, bucket: str, key: str) -> dict[str, Any] | None:
        """HeadObject's answer, or ``None`` when moto holds no such object."""
        try:
            return dict(self.s3.head_object(Bucket=bucket, Key=key))
        except self.s3.exceptions.ClientError as exc:
            if exc.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
                return None
            raise

    def keys(self, bucket: str) -> list[str]:
        return [o["Key"] for o in self.s3.list_objects_v2(Bucket=bucket).get("Contents", [])]

    def bucket_exists(self, bucket: str) -> bool:
        return bucket in [b["Name"] for b in self.s3.list_buckets()["Buckets"]]

    def item(self, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.dynamodb.get_item(
            TableName=table, Key=key, ConsistentRead=True
        ).get("Item")
        return item

    def tables(self) -> list[str]:
        return list(self.dynamodb.list_tables()["TableNames"])
