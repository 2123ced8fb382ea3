"""How long criteria and expressions take: parse once, evaluate on every poll.

Run: ``.venv/bin/python bench/criteria.py``. Prints microseconds per call (best of 5 rounds).
The target (issue 3) is <= 20 µs to evaluate a typical criterion; the flagship's poll step
evaluates one simple criterion and up to two JSONPath criteria per response.
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

from arazzo_runner.expressions import (
    MISSING,
    EvaluationContext,
    compile_criterion,
    parse_runtime_expression,
    parse_value,
)

# A DescribeTrainingJob answer of realistic size (SageMaker returns ~30 members).
BODY = {
    "TrainingJobName": "xgboost-2024-06-01-12-00-00",
    "TrainingJobArn": "arn:aws:sagemaker:eu-west-1:123456789012:training-job/xgboost-2024-06-01-12-00-00",
    "TrainingJobStatus": "InProgress",
    "SecondaryStatus": "Training",
    "AlgorithmSpecification": {"TrainingImage": "img:1", "TrainingInputMode": "File"},
    "RoleArn": "arn:aws:iam::123456789012:role/SageMaker",
    "InputDataConfig": [{"ChannelName": "train", "DataSource": {"S3DataSource": {"S3Uri": "s3://b/train"}}}],
    "OutputDataConfig": {"S3OutputPath": "s3://b/out"},
    "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
    "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    "CreationTime": 1717243200.0,
    "SecondaryStatusTransitions": [{"Status": "Starting", "StartTime": 1717243200.0}] * 5,
    "pets": [{"id": 1}, {"id": 2}],
}
CTX = EvaluationContext(
    status_code=200,
    response_headers={"Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": "r"},
    response_body=BODY,
    inputs={"trainingJobName": "xgboost", "instanceCount": 1},
    steps={"login": {"token": "abc"}},
)
CONTEXT = parse_runtime_expression("$response.body")


def per_call(fn: Callable[[], object]) -> float:
    """Best-of-5 microseconds per call."""
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return min(timer.repeat(repeat=5, number=number)) / number * 1e6


def row(label: str, fn: Callable[[], object]) -> None:
    print(f"  {label:<72} {per_call(fn):8.2f} µs")


def main() -> None:
    status = compile_criterion("$statusCode == 200")
    still = compile_criterion('$.TrainingJobStatus == "InProgress"', "jsonpath")
    terminal = compile_criterion('$.TrainingJobStatus != "InProgress"', "jsonpath")
    rfc = compile_criterion("$[?@.TrainingJobStatus == 'InProgress']", "jsonpath")
    pets = compile_criterion("$[?count(@.pets) > 0]", "jsonpath")
    nested = compile_criterion("$.ResourceConfig[?@.InstanceCount > 0]", "jsonpath")
    compound = compile_criterion(
        "$statusCode >= 200 && $statusCode < 300 && $response.body#/TrainingJobStatus != 'Failed'"
    )
    navigation = compile_criterion("$response.body.ResourceConfig.InstanceCount == 1")
    header = compile_criterion("$response.header.content-type == 'application/x-amz-json-1.1'")
    regex = compile_criterion("^200$", "regex")
    xpath = compile_criterion("/order/status = 'done'", "xpath")
    xml = "<order><status>done</status></order>"
    body = CONTEXT.evaluate(CTX)

    print("parse (once per document load)")
    row("compile_criterion('$statusCode == 200')", lambda: compile_criterion("$statusCode == 200"))
    row(
        "compile_criterion('$.TrainingJobStatus == \"InProgress\"', jsonpath)",
        lambda: compile_criterion('$.TrainingJobStatus == "InProgress"', "jsonpath"),
    )
    row(
        "compile_criterion('$[?count(@.pets) > 0]', jsonpath)",
        lambda: compile_criterion("$[?count(@.pets) > 0]", "jsonpath"),
    )
    row(
        "parse_value('Bearer {$steps.login.outputs.token}')",
        lambda: parse_value("Bearer {$steps.login.outputs.token}"),
    )

    print("evaluate (every poll)")
    row("simple    $statusCode == 200", lambda: status.evaluate(MISSING, CTX).passed)
    row(
        'jsonpath  $.TrainingJobStatus == "InProgress"  (flagship goto)',
        lambda: still.evaluate(body, CTX).passed,
    )
    row(
        'jsonpath  $.TrainingJobStatus != "InProgress"  (flagship end)',
        lambda: terminal.evaluate(body, CTX).passed,
    )
    row(
        "context   $response.body + flagship criterion",
        lambda: still.evaluate(CONTEXT.evaluate(CTX), CTX).passed,
    )
    row(
        "jsonpath  $[?@.TrainingJobStatus == 'InProgress']  (RFC spelling)",
        lambda: rfc.evaluate(body, CTX).passed,
    )
    row("jsonpath  $[?count(@.pets) > 0]  (spec example)", lambda: pets.evaluate(body, CTX).passed)
    row("jsonpath  $.ResourceConfig[?@.InstanceCount > 0]", lambda: nested.evaluate(body, CTX).passed)
    row("simple    3 comparisons with && and a #/pointer", lambda: compound.evaluate(MISSING, CTX).passed)
    row(
        "simple    $response.body.ResourceConfig.InstanceCount == 1",
        lambda: navigation.evaluate(MISSING, CTX).passed,
    )
    row("simple    $response.header.content-type == '...'", lambda: header.evaluate(MISSING, CTX).passed)
    row("regex     ^200$ on $statusCode", lambda: regex.evaluate(200, CTX).passed)
    row("xpath     /order/status = 'done' (parses the XML text)", lambda: xpath.evaluate(xml, CTX).passed)
    row(
        "explanation of a failed simple criterion (read on demand)",
        lambda: status.evaluate(MISSING, EvaluationContext(status_code=500)).explanation,
    )

    print("values")
    bearer = parse_value("Bearer {$steps.login.outputs.token}")
    whole = parse_value("$inputs.instanceCount")
    pointer = parse_runtime_expression("$response.body#/ResourceConfig/InstanceType")
    row("render 'Bearer {$steps.login.outputs.token}'", lambda: bearer.render(CTX))
    row("render '$inputs.instanceCount'", lambda: whole.render(CTX))
    row("evaluate $response.body#/ResourceConfig/InstanceType", lambda: pointer.evaluate(CTX))


if __name__ == "__main__":
    main()
