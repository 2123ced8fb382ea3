"""A worker imports, before the sandbox, everything a first workflow task needs (issue 26 point 8):
imports inside the task made it slow enough under load for ``[TMPRL1101] Potential deadlock detected``."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

#: What a first workflow task does with the engine (temporal/workflow.py: _new_execution, next, drain),
#: for both flagship workflows, in a fresh process after the worker's preload.
PROBE = """
import json, random, sys
from arazzo_runner.temporal.preload import preload
preload()
from arazzo_runner.temporal.documents import load_document  # the workflow module imports these at start
from arazzo_runner.engine.core import Execution
from arazzo_runner.engine.options import RunOptions
before = set(sys.modules)
for name, workflow in [("train-and-poll-job", "train-and-poll-job"),
                       ("train-and-wait-for-event", "train-and-wait-for-event")]:
    document = load_document(f"workflows/amazon-sagemaker-{name}-workflow.yml")
    inputs = json.load(open(f"workflows/amazon-sagemaker-{name}-workflow.inputs.json"))
    execution = Execution(document, workflow, inputs, options=RunOptions(), rng=random.Random(1))
    execution.next(0.0)
    [event.to_dict() for event in execution.drain()]
print(sorted(set(sys.modules) - before))
"""


def test_a_first_workflow_task_imports_nothing_after_the_preload() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
