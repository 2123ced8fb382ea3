"""Run the flagship through the PyPI peer ``arazzo-runner`` (jentic); executed by ``bench/peer.py``.

This file runs under ``bench/.peer-venv/bin/python`` (the peer's own venv: it and our package
share the import name ``arazzo_runner``, so they cannot live in one interpreter). It imports
nothing from this repository. Arguments: the rewritten workflow file, the inputs file, the number
of repetitions; it prints one JSON line: seconds per run and the outputs of the last run.
"""

from __future__ import annotations

import json
import logging
import sys
import time


def main() -> int:
    workflow, inputs_path, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    logging.disable(logging.CRITICAL)  # the peer logs every criterion at INFO: do not time the logging
    from arazzo_runner import ArazzoRunner  # the peer's, from its venv

    with open(inputs_path) as handle:
        base = json.load(handle)
    runner = ArazzoRunner.from_arazzo_path(workflow)
    seconds: list[float] = []
    outputs: dict[str, object] = {}
    status = ""
    for rep in range(reps):
        inputs = dict(base, trainingJobName=f"peer-{rep}-{time.time_ns()}")
        started = time.perf_counter()
        result = runner.execute_workflow("train-and-poll-job", inputs)
        seconds.append(time.perf_counter() - started)
        status, outputs = str(result.status), dict(result.outputs or {})
        if result.error:
            print(json.dumps({"error": str(result.error), "status": status}))
            return 1
    print(json.dumps({"seconds": seconds, "status": status, "outputs": outputs}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
