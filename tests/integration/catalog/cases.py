"""The 37 catalog workflows: what moto must hold first, and what their outputs must equal afterwards.

Each case names a workflow file under ``tests/data/catalog/<provider>/arazzo/`` (copied unmodified)
and its inputs in ``tests/data/catalog/inputs/<provider>/<file>.inputs.json``. ``prepare`` puts in
moto what the workflow expects to find; ``check`` compares the run's outputs with what moto holds
after the run (read back with botocore), so an output is right only when it is moto's value.

``must_warn`` names criteria that cannot read the answer as written: the run may still succeed
(the next step follows by default), but only with a warning saying so.
``absent`` names outputs whose null is the right answer for these inputs (a header S3 does not send,
a branch the run did not take); the engine must still explain each of them with a warning.
``fault`` is set when the document itself (or moto) keeps the workflow from passing: the test is then
a strict xfail whose reason names the fault.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .aws_state import ACCOUNT, REGION, MotoState

CATALOG = Path(__file__).resolve().parents[2] / "data" / "catalog"

Outputs = Mapping[str, Any]
Inputs = Mapping[str, Any]


@dataclass(frozen=True)
class Case:
    provider: str
    name: str  # the workflow file's stem without the provider prefix and "-workflow"
    prepare: Callable[[MotoState], None]
    check: Callable[[Outputs, MotoState, Inputs], None]
    absent: tuple[str, ...] = ()
    #: Text a warning must carry when the run succeeds: a criterion that cannot read the answer the
    #: way it is written (``$.Models.length`` is a member lookup in JSONPath; a list has no member
    #: ``length``) decides nothing, and the user must be told.
    must_warn: tuple[str, ...] = ()
    fault: str | None = None
    #: The engine still lacks something the outputs test needs: a non-strict xfail with reason
    #: "engine: ...", to be removed when the engine closes the gap.
    engine_gap: str | None = None
    #: ... for the run with ``arazzo aws-openapi``'s descriptions in place of the document's own.
    generated_gap: str | None = None

    @property
    def id(self) -> str:
        return f"{self.provider.removeprefix('amazon-')}/{self.name}"

    @property
    def path(self) -> Path:
        return CATALOG / self.provider / "arazzo" / f"{self.provider}-{self.name}-workflow.yml"

    @property
    def inputs(self) -> dict[str, Any]:
        path = CATALOG / "inputs" / self.provider / f"{self.provider}-{self.name}-workflow.inputs.json"
        inputs: dict[str, Any] = json.loads(path.read_text())
        return inputs


def _nothing(state: MotoState) -> None:
    return None


def _sorted_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))


# ---------------------------------------------------------------------------------------------------
# DynamoDB (botocore protocol json 1.0)
# ---------------------------------------------------------------------------------------------------


def _check_batch(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    keys = inputs["getRequestItems"]["catalog-batch"]["Keys"]
    held = [state.item("catalog-batch", key) for key in keys]
    assert all(held), "moto does not hold every item the batch wrote"
    assert set(out["responses"]) == {"catalog-batch"}
    assert _sorted_items(out["responses"]["catalog-batch"]) == _sorted_items(held)  # type: ignore[arg-type]


def _check_conditional_update(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.item(inputs["tableName"], inputs["key"])
    assert held == {"pk": {"S": "user-1"}, "status": {"S": "active"}, "plan": {"S": "pro"}}
    assert out["updatedAttributes"] == held


def _check_create_index(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    table = state.dynamodb.describe_table(TableName=inputs["tableName"])["Table"]
    assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-email"]
    assert out["tableStatus"] == table["TableStatus"] == "ACTIVE"
    assert out["globalSecondaryIndexes"] == json.loads(json.dumps(table["GlobalSecondaryIndexes"]))


def _check_drain(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert inputs["tableName"] not in state.tables()
    # DeleteTable answers {"TableDescription": {...}}; what it reported is moto's status of the table.
    assert out["tableStatus"] is not None


def _check_provision_and_seed(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.item(inputs["tableName"], inputs["key"])
    assert held == inputs["item"]
    assert out["item"] == held


def _check_provision(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    table = state.dynamodb.describe_table(TableName=inputs["tableName"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert (
        out["tableArn"]
        == table["TableArn"]
        == f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{inputs['tableName']}"
    )
    assert out["tableStatus"] == table["TableStatus"] == "ACTIVE"


def _check_put_then_query(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.dynamodb.query(
        TableName=inputs["tableName"],
        KeyConditionExpression=inputs["keyConditionExpression"],
        ExpressionAttributeValues=inputs["expressionAttributeValues"],
    )
    assert held["Count"] == 2 and inputs["item"] in held["Items"]
    assert out["count"] == 2
    assert out["items"] == held["Items"]


def _check_scan(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    first = state.dynamodb.scan(TableName=inputs["tableName"], Limit=2)
    last = state.dynamodb.scan(
        TableName=inputs["tableName"], Limit=2, ExclusiveStartKey=first["LastEvaluatedKey"]
    )
    assert "LastEvaluatedKey" not in last and len(last["Items"]) == 1
    assert out["lastPageItems"] == last["Items"]


def _check_transaction(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = [state.item("catalog-ledger", get["Get"]["Key"]) for get in inputs["getTransactItems"]]
    assert held == [put["Put"]["Item"] for put in inputs["writeTransactItems"]]
    assert out["responses"] == [{"Item": item} for item in held]


def _ledger(state: MotoState) -> None:
    state.table("catalog-ledger")


DYNAMODB = [
    Case(
        "amazon-dynamodb",
        "batch-write-then-batch-get",
        lambda s: s.table("catalog-batch"),
        _check_batch,
        fault=(
            "document: the criteria `$.UnprocessedItems != {}` and `$.UnprocessedItems == {}` are not JSONPath"
            " (RFC 9535 has no object literal `{}`), so the document is refused (exit 2)"
        ),
    ),
    Case(
        "amazon-dynamodb",
        "conditional-update-item",
        lambda s: s.table(
            "catalog-conditional",
            items=[{"pk": {"S": "user-1"}, "status": {"S": "new"}, "plan": {"S": "pro"}}],
        ),
        _check_conditional_update,
    ),
    Case("amazon-dynamodb", "create-index-and-wait", lambda s: s.table("catalog-index"), _check_create_index),
    Case(
        "amazon-dynamodb",
        "drain-and-delete-table",
        lambda s: s.table("catalog-drain", items=[{"pk": {"S": "old-1"}}, {"pk": {"S": "old-2"}}]),
        _check_drain,
        fault=(
            "document: output tableStatus reads $response.body#/Table/TableStatus, but DeleteTable answers"
            " {TableDescription: {TableStatus}} (DeleteTableOutput has no member Table)"
        ),
    ),
    Case("amazon-dynamodb", "provision-table-and-seed", _nothing, _check_provision_and_seed),
    Case("amazon-dynamodb", "provision-table", _nothing, _check_provision),
    Case(
        "amazon-dynamodb",
        "put-then-query",
        lambda s: s.table(
            "catalog-orders",
            range_key="sk",
            items=[{"pk": {"S": "order-1"}, "sk": {"S": "line-1"}, "sku": {"S": "gear"}}],
        ),
        _check_put_then_query,
    ),
    Case(
        "amazon-dynamodb",
        "scan-paginate",
        lambda s: s.table("catalog-scan", items=[{"pk": {"S": f"row-{n}"}} for n in range(3)]),
        _check_scan,
    ),
    Case("amazon-dynamodb", "transaction-write-then-read", _ledger, _check_transaction),
]

# ---------------------------------------------------------------------------------------------------
# S3 (botocore protocol rest-xml)
# ---------------------------------------------------------------------------------------------------


def _check_abort(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert isinstance(out["uploadId"], str) and out["uploadId"]
    assert state.s3.list_multipart_uploads(Bucket=inputs["bucket"]).get("Uploads", []) == []


def _check_archive(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    archived = state.head(inputs["bucket"], inputs["archiveKey"])
    assert archived is not None and archived["StorageClass"] == "GLACIER"
    assert state.head(inputs["bucket"], inputs["sourceKey"]) is None
    assert out["archiveEtag"] == archived["ETag"]
    assert out["storageClass"] == "GLACIER"


def _check_download(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.head(inputs["bucket"], inputs["objectKey"])
    assert held is not None
    assert out["headEtag"] == out["downloadedEtag"] == held["ETag"]


def _check_copy(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    copied = state.head(inputs["destinationBucket"], inputs["destinationKey"])
    source = state.head(inputs["sourceBucket"], inputs["sourceKey"])
    assert copied is not None and source is not None and copied["ETag"] == source["ETag"]
    assert out["copyEtag"] == out["destinationEtag"] == copied["ETag"]


def _check_create_bucket(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    bucket = inputs["bucket"]
    assert state.s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == inputs["region"]
    held = state.s3.get_object(Bucket=bucket, Key=inputs["objectKey"])
    assert held["Body"].read().decode() == inputs["objectBody"]
    assert held["ContentType"] == inputs["contentType"]
    assert out["bucketLocation"] == f"/{bucket}"  # moto's (and us-east-1's) Location for a new bucket
    assert out["etag"] == out["retrievedEtag"] == held["ETag"]


def _check_delete(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    versions = state.s3.list_object_versions(Bucket=inputs["bucket"], Prefix=inputs["objectKey"])
    markers = versions.get("DeleteMarkers", [])
    assert len(markers) == 1 and markers[0]["IsLatest"]
    assert state.head(inputs["bucket"], inputs["objectKey"]) is None
    assert out["deleteMarker"] == "true"
    assert out["versionId"] == markers[0]["VersionId"]


def _check_empty_and_delete(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert not state.bucket_exists(inputs["bucket"])
    assert out["keyCount"] == 2
    # Quiet: true asks S3 to list no Deleted entries; moto ignores Quiet and lists them all.
    assert out["deleted"] == [{"Key": o["Key"]} for o in inputs["objectsToDelete"]]


def _check_versioning(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert state.s3.get_bucket_versioning(Bucket=inputs["bucket"])["Status"] == "Enabled"
    held = state.head(inputs["bucket"], inputs["objectKey"])
    assert held is not None and held["VersionId"] not in (None, "null")
    assert out["versioningStatus"] == "Enabled"
    assert out["versionId"] == held["VersionId"]


def _check_get_or_create(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.s3.get_object(Bucket=inputs["bucket"], Key=inputs["objectKey"])
    assert held["Body"].read().decode() == inputs["objectBody"]
    assert out["existingEtag"] is None  # the object was missing: the run took the create branch
    assert out["createdEtag"] == held["ETag"]


def _check_list_and_delete(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert state.keys(inputs["bucket"]) == ["keep/readme.txt"]
    assert out["keyCount"] == 2
    # Quiet: true asks S3 to list no Deleted entries; moto ignores Quiet and lists them all.
    assert out["deleted"] == [{"Key": o["Key"]} for o in inputs["objectsToDelete"]]
    assert out["errors"] is None  # nothing failed: the answer has no Error element


def _check_move(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    moved = state.head(inputs["destinationBucket"], inputs["destinationKey"])
    assert moved is not None
    assert state.head(inputs["sourceBucket"], inputs["sourceKey"]) is None
    assert out["copyEtag"] == out["destinationEtag"] == moved["ETag"]


def _check_multipart(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.s3.get_object(Bucket=inputs["bucket"], Key=inputs["objectKey"])
    assert held["Body"].read().decode() == inputs["partBody"]
    assert held["ETag"].endswith('-1"')  # a multipart object's ETag counts its parts
    assert out["etag"] == held["ETag"]
    assert isinstance(out["uploadId"], str) and out["uploadId"]
    assert inputs["bucket"] in out["location"] and out["location"].endswith(f"/{inputs['objectKey']}")


def _check_paginate(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    assert len(state.keys(inputs["bucket"])) == 3
    assert out["firstKeyCount"] == 2
    assert out["secondKeyCount"] == 1
    assert out["nextToken"] is None  # the second page is the last one


def _check_secure_bucket(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    bucket = inputs["bucket"]
    assert state.s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == inputs["region"]
    assert state.s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = state.s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules == inputs["encryptionRules"]
    assert out["bucketLocation"] == f"/{bucket}"


def _check_upload_and_list(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    listed = state.s3.list_objects_v2(Bucket=inputs["bucket"], Prefix=inputs["prefix"])
    held = state.head(inputs["bucket"], inputs["objectKey"])
    assert held is not None
    assert out["etag"] == held["ETag"]
    assert out["keyCount"] == listed["KeyCount"] == 2
    assert out["firstKey"] == listed["Contents"][0]["Key"]


def _check_acl(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    acl = state.s3.get_bucket_acl(Bucket=inputs["bucket"])
    permissions = sorted(g["Permission"] for g in acl["Grants"])
    assert permissions == ["FULL_CONTROL", "READ"]
    assert out["owner"] == acl["Owner"]
    assert out["grants"] == acl["Grants"]


def _check_cors(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    rules = state.s3.get_bucket_cors(Bucket=inputs["bucket"])["CORSRules"]
    assert rules == inputs["corsRules"]
    assert out["corsRules"] == rules


def _check_encryption(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    rules = state.s3.get_bucket_encryption(Bucket=inputs["bucket"])["ServerSideEncryptionConfiguration"][
        "Rules"
    ]
    assert rules == inputs["rules"]
    assert out["rules"] == rules


def _check_lifecycle(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    rules = state.s3.get_bucket_lifecycle_configuration(Bucket=inputs["bucket"])["Rules"]
    assert rules == inputs["rules"]
    assert out["rules"] == rules


def _check_tagging(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    tags = state.s3.get_bucket_tagging(Bucket=inputs["bucket"])["TagSet"]
    assert sorted(tags, key=lambda t: t["Key"]) == sorted(inputs["tagSet"]["Tag"], key=lambda t: t["Key"])
    assert out["tagSet"] == tags


def _bucket(name: str, **kwargs: Any) -> Callable[[MotoState], None]:
    return lambda state: state.bucket(name, **kwargs)


def _two_buckets(source: str, key: str, destination: str) -> Callable[[MotoState], None]:
    def prepare(state: MotoState) -> None:
        state.bucket(source, objects={key: b'{"catalog": true}'})
        state.bucket(destination)

    return prepare


S3 = [
    Case("amazon-s3", "abort-multipart-upload", _bucket("catalog-abort"), _check_abort),
    Case(
        "amazon-s3",
        "archive-object",
        _bucket("catalog-archive", objects={"hot/report.csv": b"id,total\n1,42\n"}),
        _check_archive,
    ),
    Case(
        "amazon-s3",
        "conditional-download-object",
        _bucket("catalog-download", objects={"docs/readme.txt": b"read me"}),
        _check_download,
    ),
    Case(
        "amazon-s3",
        "copy-object",
        _two_buckets("catalog-copy-src", "data/in.json", "catalog-copy-dst"),
        _check_copy,
    ),
    Case("amazon-s3", "create-bucket-put-object", _nothing, _check_create_bucket),
    Case(
        "amazon-s3",
        "delete-object",
        _bucket("catalog-delete", versioned=True, objects={"tmp/scratch.txt": b"scratch"}),
        _check_delete,
    ),
    Case(
        "amazon-s3",
        "empty-and-delete-bucket",
        _bucket("catalog-empty", objects={"a.txt": b"a", "b/c.txt": b"c"}),
        _check_empty_and_delete,
    ),
    Case("amazon-s3", "enable-versioning-put-object", _bucket("catalog-versioned"), _check_versioning),
    Case(
        "amazon-s3",
        "get-or-create-object",
        _bucket("catalog-get-or-create"),
        _check_get_or_create,
        absent=("existingEtag",),
    ),
    Case(
        "amazon-s3",
        "list-and-batch-delete-objects",
        _bucket(
            "catalog-batch-delete",
            objects={"logs/2026-01.log": b"jan", "logs/2026-02.log": b"feb", "keep/readme.txt": b"keep"},
        ),
        _check_list_and_delete,
        absent=("errors",),
    ),
    Case(
        "amazon-s3",
        "move-object",
        _two_buckets("catalog-move-src", "inbox/photo.jpg", "catalog-move-dst"),
        _check_move,
    ),
    Case("amazon-s3", "multipart-upload", _bucket("catalog-multipart"), _check_multipart),
    Case(
        "amazon-s3",
        "paginate-list-objects",
        _bucket("catalog-paginate", objects={f"pages/{n}.txt": b"page" for n in range(3)}),
        _check_paginate,
        absent=("nextToken",),
    ),
    Case("amazon-s3", "provision-secure-bucket", _nothing, _check_secure_bucket),
    Case(
        "amazon-s3",
        "put-object-list-objects",
        _bucket("catalog-upload-list", objects={"reports/2025/q4.csv": b"quarter,revenue\nq4,90\n"}),
        _check_upload_and_list,
    ),
    Case("amazon-s3", "set-bucket-acl", _bucket("catalog-acl"), _check_acl),
    Case("amazon-s3", "set-bucket-cors", _bucket("catalog-cors"), _check_cors),
    Case("amazon-s3", "set-bucket-encryption", _bucket("catalog-encrypted"), _check_encryption),
    Case("amazon-s3", "set-bucket-lifecycle", _bucket("catalog-lifecycle"), _check_lifecycle),
    Case("amazon-s3", "set-bucket-tagging", _bucket("catalog-tagged"), _check_tagging),
]

# ---------------------------------------------------------------------------------------------------
# SageMaker (botocore protocol json 1.1)
# ---------------------------------------------------------------------------------------------------


def _check_audit(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    listed = state.sagemaker.list_endpoints(
        SortBy="CreationTime", SortOrder="Descending", StatusEquals="InService", MaxResults=10
    )["Endpoints"]
    newest = listed[0]["EndpointName"]
    described = state.sagemaker.describe_endpoint(EndpointName=newest)
    assert out["newestEndpointName"] == newest
    assert out["endpointStatus"] == described["EndpointStatus"] == "InService"
    assert out["productionVariants"] == described["ProductionVariants"]


def _check_endpoint_deployed(
    model_name: str, config: str, endpoint: str
) -> Callable[[Outputs, MotoState, Inputs], None]:
    def check(out: Outputs, state: MotoState, inputs: Inputs) -> None:
        model = state.sagemaker.describe_model(ModelName=model_name)
        described_config = state.sagemaker.describe_endpoint_config(EndpointConfigName=config)
        described = state.sagemaker.describe_endpoint(EndpointName=endpoint)
        assert described_config["ProductionVariants"][0]["ModelName"] == model_name
        assert described["EndpointConfigName"] == config
        assert out["modelArn"] == model["ModelArn"]
        assert out["endpointConfigArn"] == described_config["EndpointConfigArn"]
        assert out["endpointArn"] == described["EndpointArn"]
        assert out["endpointStatus"] == described["EndpointStatus"] == "InService"

    return check


def _check_inventory(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    newest = state.sagemaker.list_models(SortBy="CreationTime", SortOrder="Descending", MaxResults=10)[
        "Models"
    ][0]
    model = state.sagemaker.describe_model(ModelName=newest["ModelName"])
    assert out["newestModelName"] == newest["ModelName"]
    assert out["modelArn"] == model["ModelArn"]
    assert out["modelDataUrl"] == model["PrimaryContainer"]["ModelDataUrl"]


def _check_notebook(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    held = state.sagemaker.describe_notebook_instance(NotebookInstanceName=inputs["notebookInstanceName"])
    assert held["RoleArn"] == inputs["roleArn"] and held["VolumeSizeInGB"] == inputs["volumeSizeInGB"]
    assert out["notebookInstanceArn"] == held["NotebookInstanceArn"]
    assert out["notebookInstanceStatus"] == held["NotebookInstanceStatus"] == "InService"
    assert out["url"] == held["Url"]


def _check_register(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    latest = state.sagemaker.list_training_jobs(
        StatusEquals="Completed", SortBy="CreationTime", SortOrder="Descending", MaxResults=1
    )["TrainingJobSummaries"][0]["TrainingJobName"]
    job = state.sagemaker.describe_training_job(TrainingJobName=latest)
    model = state.sagemaker.describe_model(ModelName=inputs["modelName"])
    assert out["latestTrainingJobName"] == latest
    assert out["modelArtifacts"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert model["PrimaryContainer"]["ModelDataUrl"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert out["modelArn"] == model["ModelArn"]


def _check_train_and_poll(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    job = state.sagemaker.describe_training_job(TrainingJobName=inputs["trainingJobName"])
    assert job["RoleArn"] == inputs["roleArn"]
    assert job["InputDataConfig"][0]["ChannelName"] == "train"
    assert out["trainingJobArn"] == job["TrainingJobArn"]
    assert out["trainingJobStatus"] == job["TrainingJobStatus"] == "Completed"
    assert out["modelArtifacts"] == job["ModelArtifacts"]["S3ModelArtifacts"]


def _check_train_then_deploy(out: Outputs, state: MotoState, inputs: Inputs) -> None:
    job = state.sagemaker.describe_training_job(TrainingJobName=inputs["trainingJobName"])
    model = state.sagemaker.describe_model(ModelName=inputs["modelName"])
    described = state.sagemaker.describe_endpoint(EndpointName=inputs["endpointName"])
    assert model["PrimaryContainer"]["ModelDataUrl"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert out["trainingJobArn"] == job["TrainingJobArn"]
    assert out["modelArtifacts"] == job["ModelArtifacts"]["S3ModelArtifacts"]
    assert out["modelArn"] == model["ModelArn"]
    assert out["endpointArn"] == described["EndpointArn"]
    assert out["endpointStatus"] == described["EndpointStatus"] == "InService"


def _role(state: MotoState) -> None:
    state.sagemaker_role()


SAGEMAKER = [
    Case(
        "amazon-sagemaker",
        "audit-endpoint-fleet",
        lambda s: s.endpoint("catalog-fleet-endpoint", "catalog-fleet-model"),
        _check_audit,
        must_warn=("$.Endpoints.length",),
    ),
    Case(
        "amazon-sagemaker",
        "deploy-existing-model",
        lambda s: s.model("catalog-existing-model"),
        _check_endpoint_deployed(
            "catalog-existing-model", "catalog-existing-config", "catalog-existing-endpoint"
        ),
    ),
    Case(
        "amazon-sagemaker",
        "deploy-model-to-endpoint",
        _role,
        _check_endpoint_deployed("catalog-new-model", "catalog-new-config", "catalog-new-endpoint"),
    ),
    Case(
        "amazon-sagemaker",
        "inventory-models",
        lambda s: s.model("catalog-inventory-model", "s3://catalog-models/inventory/model.tar.gz"),
        _check_inventory,
        must_warn=("$.Models.length",),
    ),
    Case("amazon-sagemaker", "provision-notebook-instance", _role, _check_notebook),
    Case(
        "amazon-sagemaker",
        "register-latest-completed-training",
        lambda s: s.training_job("catalog-earlier-training"),
        _check_register,
        must_warn=("$.TrainingJobSummaries.length",),
    ),
    Case("amazon-sagemaker", "train-and-poll-job", _role, _check_train_and_poll),
    Case("amazon-sagemaker", "train-then-deploy", _role, _check_train_then_deploy),
]

CASES: list[Case] = [*SAGEMAKER, *S3, *DYNAMODB]
