"""The emulator's job lifecycles, without HTTP: a fake clock, Describe-counted and time-counted progress."""

from __future__ import annotations

import pytest

from arazzo_runner.aws.sagemaker_jobs import (
    JobScript,
    Outcome,
    SageMakerError,
    SageMakerJobs,
    plan_phases,
    script_from_name,
)


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = 1.0) -> None:
        self.now += seconds


def training(name: str = "job-1", **extra: object) -> dict:
    body = {
        "TrainingJobName": name,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "OutputDataConfig": {"S3OutputPath": "s3://bucket/out/"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
        "Tags": [{"Key": "k", "Value": "v"}],
    }
    body.update(extra)
    return body


def describe_until_terminal(jobs: SageMakerJobs, clock: FakeClock, name: str, limit: int = 50) -> list[dict]:
    answers = []
    for _ in range(limit):
        clock.tick()
        answer = jobs.describe_training_job({"TrainingJobName": name})
        answers.append(answer)
        if answer["TrainingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return answers
    raise AssertionError("never terminal")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def jobs(clock: FakeClock) -> SageMakerJobs:
    return SageMakerJobs(clock=clock)


def test_completed_after_five_in_progress_answers_with_every_secondary_status(jobs, clock) -> None:
    arn = jobs.create_training_job(training())["TrainingJobArn"]
    assert arn == "arn:aws:sagemaker:us-east-1:123456789012:training-job/job-1"
    answers = describe_until_terminal(jobs, clock, "job-1")
    assert [(a["TrainingJobStatus"], a["SecondaryStatus"]) for a in answers] == [
        ("InProgress", "Starting"),
        ("InProgress", "LaunchingMLInstances"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    last = answers[-1]
    transitions = last["SecondaryStatusTransitions"]
    assert [t["Status"] for t in transitions] == [
        "Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading", "Completed"
    ]  # fmt: skip
    assert all("EndTime" in t for t in transitions)
    assert transitions[0]["StatusMessage"] == "Preparing the instances for training"
    assert last["ModelArtifacts"] == {"S3ModelArtifacts": "s3://bucket/out/job-1/output/model.tar.gz"}
    assert last["CreationTime"] == 1_700_000_000.0
    assert last["TrainingStartTime"] < last["TrainingEndTime"] == last["LastModifiedTime"]
    assert last["TrainingTimeInSeconds"] == last["BillableTimeInSeconds"] > 0
    assert "Tags" not in last and last["RoleArn"] == "arn:aws:iam::123456789012:role/r"
    assert "FailureReason" not in last
    assert jobs.describe_training_job({"TrainingJobName": "job-1"})["TrainingJobStatus"] == "Completed"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 7])
def test_in_progress_exactly_n_times(clock, count: int) -> None:
    jobs = SageMakerJobs(clock=clock, default_script=JobScript(in_progress=count))
    jobs.create_training_job(training())
    answers = describe_until_terminal(jobs, clock, "job-1")
    assert [a["TrainingJobStatus"] for a in answers] == ["InProgress"] * count + ["Completed"]
    statuses = [t["Status"] for t in answers[-1]["SecondaryStatusTransitions"]]
    assert statuses == [
        "Starting",
        "LaunchingMLInstances",
        "Downloading",
        "Training",
        "Uploading",
        "Completed",
    ]


def test_failed_stopped_and_max_runtime_outcomes(jobs, clock) -> None:
    jobs.script(
        "training", "f", JobScript(Outcome.FAILED, in_progress=2, failure_reason="AlgorithmError: boom")
    )
    jobs.create_training_job(training("f"))
    failed = describe_until_terminal(jobs, clock, "f")
    assert [a["TrainingJobStatus"] for a in failed] == ["InProgress", "InProgress", "Failed"]
    assert failed[-1]["FailureReason"] == "AlgorithmError: boom"
    assert failed[-1]["SecondaryStatus"] == "Failed"
    assert "Uploading" not in [t["Status"] for t in failed[-1]["SecondaryStatusTransitions"]]

    jobs.create_training_job(training("s--stop-polls1"))
    stopped = describe_until_terminal(jobs, clock, "s--stop-polls1")
    assert [(a["TrainingJobStatus"], a["SecondaryStatus"]) for a in stopped] == [
        ("InProgress", "Training"),
        ("Stopping", "Stopping"),
        ("Stopped", "Stopped"),
    ]

    jobs.create_training_job(training("m--maxruntime-polls0"))
    exceeded = describe_until_terminal(jobs, clock, "m--maxruntime-polls0")
    assert [(a["TrainingJobStatus"], a["SecondaryStatus"]) for a in exceeded] == [
        ("Stopping", "Stopping"),
        ("Stopped", "MaxRuntimeExceeded"),
    ]


def test_stop_api_goes_through_stopping(jobs, clock) -> None:
    jobs.create_training_job(training())
    jobs.describe_training_job({"TrainingJobName": "job-1"})
    assert jobs.stop_training_job({"TrainingJobName": "JOB-1"}) == {}
    answers = describe_until_terminal(jobs, clock, "job-1")
    assert [a["TrainingJobStatus"] for a in answers] == ["Stopping", "Stopped"]
    with pytest.raises(SageMakerError, match="training job is in status Stopped") as caught:
        jobs.stop_training_job({"TrainingJobName": "job-1"})
    assert caught.value.code == "ValidationException"
    with pytest.raises(SageMakerError) as missing:
        jobs.stop_training_job({"TrainingJobName": "nope"})
    assert missing.value.code == "ResourceNotFound"


def test_duplicate_and_unknown_names_answer_as_aws(jobs) -> None:
    jobs.create_training_job(training("Job-1"))
    with pytest.raises(
        SageMakerError, match=r"already exists \(arn:aws:sagemaker:.*training-job/job-1\)"
    ) as dup:
        jobs.create_training_job(training("job-1"))
    assert dup.value.code == "ResourceInUse" and dup.value.status == 400
    with pytest.raises(SageMakerError, match=r"^Requested resource not found\.$") as unknown:
        jobs.describe_training_job({"TrainingJobName": "other"})
    assert unknown.value.code == "ValidationException"
    assert jobs.describe_training_job({"TrainingJobName": "JOB-1"})["TrainingJobName"] == "Job-1"


def test_time_mode_follows_the_injected_clock(clock) -> None:
    jobs = SageMakerJobs(
        clock=clock, advance="time", seconds_per_phase=10, default_script=JobScript(in_progress=3)
    )
    jobs.create_training_job(training())
    describe = lambda: jobs.describe_training_job({"TrainingJobName": "job-1"})  # noqa: E731
    assert (
        describe()["SecondaryStatus"] == "LaunchingMLInstances"
    )  # 3 phases: Starting+Launching entered at once
    assert describe()["SecondaryStatus"] == "LaunchingMLInstances"  # describes alone do not advance
    clock.tick(15)
    assert describe()["SecondaryStatus"] == "Training"
    clock.tick(10)
    assert describe()["SecondaryStatus"] == "Uploading"
    clock.tick(10)
    done = describe()
    assert done["TrainingJobStatus"] == "Completed"
    assert done["TrainingEndTime"] == 1_700_000_030.0  # when it became due, not when it was seen


def test_transform_needs_a_model_and_processing_reports_exit_message(jobs, clock) -> None:
    body = {
        "TransformJobName": "t",
        "ModelName": "m",
        "TransformInput": {},
        "TransformOutput": {},
        "TransformResources": {},
    }
    with pytest.raises(
        SageMakerError, match=r'Could not find model "arn:aws:sagemaker:us-east-1:123456789012:model/m"'
    ):
        jobs.create_transform_job(body)
    assert jobs.create_model({"ModelName": "m", "ExecutionRoleArn": "r"})["ModelArn"].endswith(":model/m")
    with pytest.raises(SageMakerError, match="Cannot create already existing model"):
        jobs.create_model({"ModelName": "M"})
    assert jobs.describe_model({"ModelName": "m"})["ExecutionRoleArn"] == "r"
    jobs.script("transform", "t", JobScript(in_progress=1))
    assert jobs.create_transform_job(body)["TransformJobArn"].endswith(":transform-job/t")
    statuses = [
        jobs.describe_transform_job({"TransformJobName": "t"})["TransformJobStatus"] for _ in range(3)
    ]
    assert statuses == ["InProgress", "Completed", "Completed"]
    with pytest.raises(SageMakerError, match="Could not find requested job with name x"):
        jobs.describe_transform_job({"TransformJobName": "x"})

    jobs.create_processing_job({"ProcessingJobName": "p--fail-polls0"})
    failed = jobs.describe_processing_job({"ProcessingJobName": "p--fail-polls0"})
    assert failed["ProcessingJobStatus"] == "Failed"
    assert failed["ExitMessage"] == failed["FailureReason"]
    assert failed["ProcessingEndTime"] >= failed["ProcessingStartTime"]


def test_name_directives_and_impossible_scripts() -> None:
    default = JobScript()
    assert script_from_name("plain-name", default) is default
    assert script_from_name("a--polls2-fail", default) == JobScript(Outcome.FAILED, in_progress=2)
    assert script_from_name("a--whatever", default) == default
    with pytest.raises(ValueError, match="no MaxRuntimeExceeded"):
        plan_phases("transform", JobScript(Outcome.MAX_RUNTIME_EXCEEDED))
    with pytest.raises(ValueError):
        JobScript(in_progress=-1)


def test_time_mode_jobs_record_every_state_change_for_the_events_without_a_describe() -> None:
    from arazzo_runner.aws.training_events import DETAIL_TYPE, entry

    clock = FakeClock()
    jobs = SageMakerJobs(clock=clock, advance="time", seconds_per_phase=10, default_script=JobScript(in_progress=2))
    jobs.record_changes = True
    jobs.create_training_job(training("evented"))
    clock.tick(25)
    jobs.tick()
    changes = jobs.drain_changes()
    assert [(c["TrainingJobStatus"], c["SecondaryStatus"]) for c in changes] == [
        ("InProgress", "Downloading"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    assert jobs.drain_changes() == []
    assert changes[-1]["TrainingJobName"] == "evented" and "TrainingTimeInSeconds" in changes[-1]
    put = entry(changes[-1])
    assert put["Source"] == "aws.sagemaker" and put["DetailType"] == DETAIL_TYPE
    assert put["Resources"] == [changes[-1]["TrainingJobArn"]]


def test_a_failed_job_s_answer_ends_with_its_times_then_why_in_aws_key_order(jobs, clock) -> None:
    jobs.create_training_job(training("t--fail-polls0"))
    trained = jobs.describe_training_job({"TrainingJobName": "t--fail-polls0"})
    assert list(trained)[-5:] == [
        "TrainingStartTime",
        "TrainingEndTime",
        "TrainingTimeInSeconds",
        "BillableTimeInSeconds",
        "FailureReason",
    ]
    jobs.create_model({"ModelName": "m"})
    jobs.create_transform_job({"TransformJobName": "x--fail-polls0", "ModelName": "m"})
    transformed = jobs.describe_transform_job({"TransformJobName": "x--fail-polls0"})
    assert list(transformed)[-3:] == ["TransformStartTime", "TransformEndTime", "FailureReason"]
    jobs.create_processing_job({"ProcessingJobName": "p--fail-polls0"})
    processed = jobs.describe_processing_job({"ProcessingJobName": "p--fail-polls0"})
    assert list(processed)[-4:] == ["ProcessingStartTime", "ProcessingEndTime", "FailureReason", "ExitMessage"]
    reasons = {trained["FailureReason"], transformed["FailureReason"], processed["ExitMessage"]}
    assert all(reason.startswith(("AlgorithmError", "ClientError")) for reason in reasons)
