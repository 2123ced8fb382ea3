"""SageMaker jobs and models as the emulator keeps them: pure state, an injected clock, no I/O.

Lifecycles (what DescribeXJob answers over time):

* training: ``InProgress`` with secondary statuses Starting → LaunchingMLInstances → Downloading →
  Training → Uploading, then ``Completed``; or ``Failed`` (after Training, with ``FailureReason``),
  ``Stopping`` → ``Stopped``, or ``Stopping`` → ``Stopped`` with secondary ``MaxRuntimeExceeded``;
  ``SecondaryStatusTransitions`` logs every secondary status with start/end times;
* transform and processing: ``InProgress`` then the same primary outcomes (no secondary status).

How progress is counted: a job is a list of *phases* fixed at creation from its
:class:`JobScript`. In ``describe`` mode (the default) every Describe call answers the current
phase and then moves the job one phase on, so ``in_progress=N`` means exactly N answers of
``InProgress`` and the N+1st shows the outcome — deterministic, and as fast as the client polls.
In ``time`` mode the phase is ``(clock() - created) // seconds_per_phase``, with the clock
injected. Secondary statuses are spread over the ``InProgress`` phases (all five show when
N ≥ 5; with fewer phases several are entered at once, and all are logged in the transitions).

StopXJob on a job that is ``InProgress`` replaces the rest of its phases with ``Stopping``
(``script.stopping`` answers) then ``Stopped``, as SageMaker does.

Errors are raised as :class:`SageMakerError` with AWS's codes and wording (``ResourceInUse`` for a
duplicate name, ``ValidationException`` "Requested resource not found." for an unknown training
job, and so on). Names are unique without regard to case (ARNs are lower-cased by SageMaker).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal

Clock = Callable[[], float]
Kind = Literal["training", "transform", "processing"]
KINDS: tuple[Kind, ...] = ("training", "transform", "processing")

TRAINING_SECONDARY = ("Starting", "LaunchingMLInstances", "Downloading", "Training", "Uploading")
_MESSAGES = {
    "Starting": "Preparing the instances for training",
    "LaunchingMLInstances": "Launching requested ML instances",
    "Downloading": "Downloading input data",
    "Training": "Training image download completed. Training in progress.",
    "Uploading": "Uploading generated training model",
    "Completed": "Training job completed",
    "Failed": "Training job failed",
    "Stopping": "Stopping the training job",
    "Stopped": "Training job stopped",
    "MaxRuntimeExceeded": "Training job runtime exceeded MaxRuntimeInSeconds provided",
}
DEFAULT_FAILURE_REASON = {
    "training": "AlgorithmError: the training script exited with a non-zero status (exit code 1)",
    "transform": "ClientError: the model container failed to respond to /invocations",
    "processing": "AlgorithmError: the processing container exited with a non-zero status (exit code 1)",
}


class Outcome(StrEnum):
    """How a scripted job ends."""

    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPED = "Stopped"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"


class SageMakerError(Exception):
    """An error SageMaker would answer: the ``__type`` code, the message, the HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass(frozen=True, slots=True)
class JobScript:
    """What a job will do: ``in_progress`` answers of InProgress, then ``outcome``.

    ``stopping`` is the number of ``Stopping`` answers before ``Stopped`` (stop outcomes and
    StopXJob calls); ``failure_reason`` is reported for ``Failed`` (a default otherwise).
    """

    outcome: Outcome = Outcome.COMPLETED
    in_progress: int = 5
    stopping: int = 1
    failure_reason: str | None = None

    def __post_init__(self) -> None:
        if self.in_progress < 0 or self.stopping < 0:
            raise ValueError("in_progress and stopping must be >= 0")


def script_from_name(name: str, default: JobScript) -> JobScript:
    """The script a job name asks for: directives after ``--``, separated by ``-``.

    ``train-1--fail``, ``train-1--stop``, ``train-1--maxruntime``, ``train-1--polls3`` (3
    InProgress answers), combinable: ``train-1--polls0-fail``. Unknown directives are ignored, so
    ordinary names with ``--`` keep the default script.
    """
    if "--" not in name:
        return default
    script = default
    for token in name.split("--", 1)[1].lower().split("-"):
        if token in ("fail", "failed"):
            script = replace(script, outcome=Outcome.FAILED)
        elif token in ("stop", "stopped"):
            script = replace(script, outcome=Outcome.STOPPED)
        elif token == "maxruntime":
            script = replace(script, outcome=Outcome.MAX_RUNTIME_EXCEEDED)
        elif token.startswith("polls") and token[5:].isdigit():
            script = replace(script, in_progress=int(token[5:]))
    return script


@dataclass(frozen=True, slots=True)
class Phase:
    """One answer of Describe: the primary status, the secondary statuses entered on arrival."""

    status: str
    enters: tuple[str, ...] = ()

    @property
    def terminal(self) -> bool:
        return self.status in ("Completed", "Failed", "Stopped")


def plan_phases(kind: Kind, script: JobScript) -> list[Phase]:
    """The phases a new job of ``kind`` walks through under ``script``."""
    if script.outcome is Outcome.MAX_RUNTIME_EXCEEDED and kind == "transform":
        raise ValueError("transform jobs have no MaxRuntimeExceeded outcome")
    running = TRAINING_SECONDARY if script.outcome is Outcome.COMPLETED else TRAINING_SECONDARY[:4]
    count = script.in_progress
    entered: list[list[str]] = [[] for _ in range(count)]
    pending: list[str] = []
    if kind == "training":
        for index, status in enumerate(running):
            if count:
                entered[index * count // len(running)].append(status)
            else:
                pending.append(status)
    phases = [Phase("InProgress", tuple(e)) for e in entered]
    training = kind == "training"
    if script.outcome in (Outcome.STOPPED, Outcome.MAX_RUNTIME_EXCEEDED):
        last = "MaxRuntimeExceeded" if script.outcome is Outcome.MAX_RUNTIME_EXCEEDED else "Stopped"
        if script.stopping:
            phases.append(Phase("Stopping", (*pending, "Stopping") if training else ()))
            phases += [Phase("Stopping")] * (script.stopping - 1)
            phases.append(Phase("Stopped", (last,) if training else ()))
        else:
            phases.append(Phase("Stopped", (*pending, last) if training else ()))
    else:
        status = script.outcome.value
        phases.append(Phase(status, (*pending, status) if training else ()))
    return phases


@dataclass
class Job:
    """A job's request, its planned phases, where it is, and what it has been through."""

    kind: Kind
    name: str
    arn: str
    request: dict[str, Any]
    script: JobScript
    phases: list[Phase]
    created: float
    position: int = 0
    entered_at: float = 0.0
    transitions: list[dict[str, Any]] = field(default_factory=list)
    times: dict[str, float] = field(default_factory=dict)

    @property
    def phase(self) -> Phase:
        return self.phases[self.position]

    @property
    def secondary(self) -> str | None:
        return self.transitions[-1]["Status"] if self.transitions else None

    @property
    def failure_reason(self) -> str:
        """What a Failed job's answer says: the script's reason, or the kind's usual one."""
        return self.script.failure_reason or DEFAULT_FAILURE_REASON[self.kind]


class SageMakerJobs:
    """The emulator's jobs and models, with the operations the workflows call (thread-safe)."""

    def __init__(
        self,
        *,
        clock: Clock,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        default_script: JobScript | None = None,
        advance: Literal["describe", "time"] = "describe",
        seconds_per_phase: float = 1.0,
    ) -> None:
        self._clock = clock
        self.region = region
        self.account_id = account_id
        self.default_script = default_script or JobScript()
        self.advance = advance
        self.seconds_per_phase = seconds_per_phase
        self._jobs: dict[tuple[Kind, str], Job] = {}
        self._models: dict[str, dict[str, Any]] = {}
        self._scripts: dict[tuple[Kind, str], JobScript] = {}
        self._lock = threading.RLock()
        #: Keep every training-job state change for :meth:`drain_changes` (the emulator's events).
        self.record_changes = False
        self._changes: list[dict[str, Any]] = []

    # -- scripting ---------------------------------------------------------------------------

    def script(self, kind: Kind, name: str, script: JobScript) -> None:
        """Decide what the job named ``name`` will do when it is created (overrides name directives)."""
        plan_phases(kind, script)  # reject impossible scripts now, not at create time
        with self._lock:
            self._scripts[(kind, name.lower())] = script

    def jobs(self, kind: Kind) -> list[Job]:
        with self._lock:
            return [job for (k, _), job in self._jobs.items() if k == kind]

    def reset(self) -> None:
        with self._lock:
            self._jobs.clear()
            self._models.clear()
            self._scripts.clear()

    # -- shared lifecycle ----------------------------------------------------------------------

    def _arn(self, resource: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account_id}:{resource}/{name.lower()}"

    def _create(self, kind: Kind, name: str, request: dict[str, Any]) -> Job:
        key = (kind, name.lower())
        resource = f"{kind}-job"
        with self._lock:
            if key in self._jobs:
                existing = self._jobs[key].arn
                if kind == "training":
                    message = (
                        "Training job names must be unique within an AWS account and region, and a training job"
                        f" with this name already exists ({existing})"
                    )
                else:
                    message = (
                        "Job name must be unique within an AWS account and region, and a job with this name"
                        f" already exists ({existing})"
                    )
                raise SageMakerError("ResourceInUse", message)
            script = self._scripts.get(key) or script_from_name(name, self.default_script)
            now = self._clock()
            job = Job(
                kind,
                name,
                self._arn(resource, name),
                copy.deepcopy(request),
                script,
                plan_phases(kind, script),
                now,
            )
            self._jobs[key] = job
            self._enter(job, 0, now)
            return job

    def _enter(self, job: Job, position: int, now: float) -> None:
        job.position = position
        job.entered_at = now
        phase = job.phase
        for status in phase.enters:
            if job.transitions:
                job.transitions[-1].setdefault("EndTime", now)
            job.transitions.append(
                {"Status": status, "StartTime": now, "StatusMessage": _MESSAGES.get(status, "")}
            )
            if status in ("Downloading", "Training") and "start" not in job.times:
                job.times["start"] = now
        if job.kind != "training" and phase.status == "InProgress":
            job.times.setdefault("start", now)
        if phase.terminal:
            job.times.setdefault("start", now)
            job.times["end"] = now
            if job.transitions:
                job.transitions[-1].setdefault("EndTime", now)
        job.times["modified"] = now
        if self.record_changes and job.kind == "training":
            self._changes.append(self._training_answer(copy.deepcopy(job), phase))

    def drain_changes(self) -> list[dict[str, Any]]:
        """Training jobs' states entered since the last call, oldest first, each as DescribeTrainingJob
        would have answered at that moment (what a "SageMaker Training Job State Change" event carries)."""
        with self._lock:
            changes, self._changes = self._changes, []
            return changes

    def tick(self) -> None:
        """In time mode, bring every job to the phase the clock says (without anyone describing it)."""
        with self._lock:
            for job in self._jobs.values():
                self._catch_up(job)

    def _catch_up(self, job: Job) -> None:
        """In time mode, move the job to the phase the clock says (entering every phase between)."""
        if self.advance != "time" or job.phase.terminal:
            return
        now = self._clock()
        due = (
            int((now - job.entered_at) // self.seconds_per_phase)
            if self.seconds_per_phase > 0
            else len(job.phases)
        )
        for _ in range(due):
            if job.phase.terminal:
                break
            self._enter(job, job.position + 1, job.entered_at + self.seconds_per_phase)

    def _describe(self, kind: Kind, name: str, missing: str) -> tuple[Job, Phase]:
        with self._lock:
            job = self._jobs.get((kind, name.lower()))
            if job is None:
                raise SageMakerError("ValidationException", missing)
            self._catch_up(job)
            shown = job.phase
            answer_job = copy.deepcopy(job)
            if self.advance == "describe" and not shown.terminal:
                self._enter(job, job.position + 1, self._clock())
            return answer_job, shown

    def _job_answer(
        self, kind: Kind, prefix: str, body: dict[str, Any]
    ) -> tuple[Job, Phase, dict[str, Any]]:
        """The start of a Describe{Transform,Processing}Job answer: the request as it was given (tags
        aside), then the job's name, ARN, status and creation time."""
        name = body[f"{prefix}JobName"]
        job, phase = self._describe(kind, name, f"Could not find requested job with name {name}")
        answer = {k: v for k, v in job.request.items() if k != "Tags"}
        answer.update(
            {
                f"{prefix}JobName": job.name,
                f"{prefix}JobArn": job.arn,
                f"{prefix}JobStatus": phase.status,
                "CreationTime": job.created,
            }
        )
        return job, phase, answer

    def _stop(self, kind: Kind, name: str) -> dict[str, Any]:
        """Stop a job (Stop*Job answers an empty object)."""
        with self._lock:
            job = self._jobs.get((kind, name.lower()))
            if job is None:
                raise SageMakerError("ResourceNotFound", "Requested resource not found.")
            self._catch_up(job)
            if job.phase.status != "InProgress":
                label = "training job" if kind == "training" else "job"
                raise SageMakerError(
                    "ValidationException",
                    f"The request was rejected because the {label} is in status {job.phase.status}.",
                )
            secondary = ("Stopping",) if kind == "training" else ()
            rest = [Phase("Stopping")] * max(job.script.stopping - 1, 0)
            job.phases = [*job.phases[: job.position + 1], Phase("Stopping", secondary), *rest]
            job.phases.append(Phase("Stopped", ("Stopped",) if kind == "training" else ()))
            self._enter(job, job.position + 1, self._clock())
            if not job.script.stopping:
                self._enter(job, job.position + 1, self._clock())
        return {}

    # -- training --------------------------------------------------------------------------------

    def create_training_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"TrainingJobArn": self._create("training", body["TrainingJobName"], body).arn}

    def describe_training_job(self, body: dict[str, Any]) -> dict[str, Any]:
        job, phase = self._describe("training", body["TrainingJobName"], "Requested resource not found.")
        return self._training_answer(job, phase)

    def _training_answer(self, job: Job, phase: Phase) -> dict[str, Any]:
        """DescribeTrainingJob's answer for ``job`` in ``phase`` (no side effects)."""
        answer = {k: v for k, v in job.request.items() if k not in ("Tags", "TrainingJobName")}
        output = str((job.request.get("OutputDataConfig") or {}).get("S3OutputPath", "")).rstrip("/")
        answer.update(
            {
                "TrainingJobName": job.name,
                "TrainingJobArn": job.arn,
                "ModelArtifacts": {"S3ModelArtifacts": f"{output}/{job.name}/output/model.tar.gz"},
                "TrainingJobStatus": phase.status,
                "SecondaryStatus": job.secondary,
                "CreationTime": job.created,
                "LastModifiedTime": job.times["modified"],
                "SecondaryStatusTransitions": job.transitions,
                "EnableNetworkIsolation": bool(job.request.get("EnableNetworkIsolation", False)),
                "EnableManagedSpotTraining": bool(job.request.get("EnableManagedSpotTraining", False)),
            }
        )
        self._times(answer, job, "Training")
        if phase.terminal and "start" in job.times:
            # AWS reports at least one second (the model's minimum is 1; a fast clock gives 0).
            seconds = max(1, round(job.times["end"] - job.times["start"]))
            answer["TrainingTimeInSeconds"] = seconds
            spot = answer["EnableManagedSpotTraining"]
            answer["BillableTimeInSeconds"] = max(1, round(seconds * 0.3)) if spot else seconds
        return self._why_failed(answer, job, phase)

    def stop_training_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._stop("training", body["TrainingJobName"])

    # -- transform -------------------------------------------------------------------------------

    def create_transform_job(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            if str(body["ModelName"]).lower() not in self._models:
                raise SageMakerError(
                    "ValidationException", f'Could not find model "{self._arn("model", body["ModelName"])}".'
                )
            return {"TransformJobArn": self._create("transform", body["TransformJobName"], body).arn}

    def describe_transform_job(self, body: dict[str, Any]) -> dict[str, Any]:
        job, phase, answer = self._job_answer("transform", "Transform", body)
        self._times(answer, job, "Transform")
        return self._why_failed(answer, job, phase)

    def stop_transform_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._stop("transform", body["TransformJobName"])

    # -- processing ------------------------------------------------------------------------------

    def create_processing_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ProcessingJobArn": self._create("processing", body["ProcessingJobName"], body).arn}

    def describe_processing_job(self, body: dict[str, Any]) -> dict[str, Any]:
        job, phase, answer = self._job_answer("processing", "Processing", body)
        answer["LastModifiedTime"] = job.times["modified"]
        self._times(answer, job, "Processing")
        return self._why_failed(answer, job, phase, "ExitMessage")

    def stop_processing_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return self._stop("processing", body["ProcessingJobName"])

    # -- models ------------------------------------------------------------------------------------

    def create_model(self, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body["ModelName"])
        arn = self._arn("model", name)
        with self._lock:
            if name.lower() in self._models:
                raise SageMakerError("ValidationException", f'Cannot create already existing model "{arn}".')
            model = {k: v for k, v in copy.deepcopy(body).items() if k != "Tags"}
            model.update({"ModelArn": arn, "CreationTime": self._clock()})
            self._models[name.lower()] = model
        return {"ModelArn": arn}

    def describe_model(self, body: dict[str, Any]) -> dict[str, Any]:
        name = str(body["ModelName"])
        with self._lock:
            model = self._models.get(name.lower())
            if model is None:
                raise SageMakerError(
                    "ValidationException", f'Could not find model "{self._arn("model", name)}".'
                )
            return copy.deepcopy(model)

    @staticmethod
    def _why_failed(answer: dict[str, Any], job: Job, phase: Phase, *also: str) -> dict[str, Any]:
        """The end of a Describe*Job answer: a failed job says why in ``FailureReason`` (and in the
        ``also`` members, as processing's ``ExitMessage``), after its times."""
        if phase.status == "Failed":
            reason = job.failure_reason
            for key in ("FailureReason", *also):
                answer[key] = reason
        return answer

    @staticmethod
    def _times(answer: dict[str, Any], job: Job, prefix: str) -> None:
        if "start" in job.times:
            answer[f"{prefix}StartTime"] = job.times["start"]
        if "end" in job.times and job.phase.terminal:
            answer[f"{prefix}EndTime"] = job.times["end"]
