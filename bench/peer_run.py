"""Run the flagship through one Python peer in its own venv; executed by ``bench/peer.py``.

This file runs under the peer's interpreter (``bench/.peers/<peer>/bin/python``): Jentic's
``arazzo-runner`` shares our import name ``arazzo_runner``, and each peer brings its own versions of
httpx and friends, so no peer is imported next to this repository's package. It imports nothing
from this repository.

Arguments: ``jentic|arazzo-exec``, the rewritten workflow file, the inputs file, the number of
repetitions, the server's URL. The document is loaded once (as a service would), then run
``reps`` times with a fresh job name each; prints one JSON line: seconds per run and the status and
outputs of the last run.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from typing import Any

WORKFLOW_ID = "train-and-poll-job"


def jentic(workflow: str, url: str) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any], str | None]]:
    """PyPI ``arazzo-runner`` (Jentic): the server URL comes from the rewritten OpenAPI's ``servers``."""
    from arazzo_runner import ArazzoRunner  # the peer's, from its venv

    runner = ArazzoRunner.from_arazzo_path(workflow)

    def run(inputs: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
        result = runner.execute_workflow(WORKFLOW_ID, inputs)
        error = str(result.error) if result.error else None
        return str(result.status), dict(result.outputs or {}), error

    return run


def arazzo_exec(
    workflow: str, url: str
) -> Callable[[dict[str, Any]], tuple[str, dict[str, Any], str | None]]:
    """PyPI ``arazzo-exec``: its default registry, the server URL as its ``baseUrl`` runtime setting."""
    from arazzo_exec import ArazzoRunner
    from arazzo_exec.extensions import build_default_registry

    runner = ArazzoRunner.from_path(workflow, registry=build_default_registry())

    def run(inputs: dict[str, Any]) -> tuple[str, dict[str, Any], str | None]:
        result = runner.run(WORKFLOW_ID, inputs=inputs, runtime={"baseUrl": url})
        error = result.error.message if result.error else None
        return ("succeeded" if result.success else "failed"), dict(result.outputs or {}), error

    return run


PEERS = {"jentic": jentic, "arazzo-exec": arazzo_exec}


def main() -> int:
    kind, workflow, inputs_path, reps, url = (
        sys.argv[1],
        sys.argv[2],
        sys.argv[3],
        int(sys.argv[4]),
        sys.argv[5],
    )
    logging.disable(logging.CRITICAL)  # Jentic logs every criterion at INFO: do not time the logging
    with open(inputs_path) as handle:
        base = json.load(handle)
    run = PEERS[kind](workflow, url)
    seconds: list[float] = []
    outputs: dict[str, Any] = {}
    status = ""
    for rep in range(reps):
        inputs = dict(base, trainingJobName=f"{kind}-{rep}-{time.time_ns()}")
        started = time.perf_counter()
        status, outputs, error = run(inputs)
        seconds.append(time.perf_counter() - started)
        if error:
            print(json.dumps({"error": error[:2000], "status": status}))
            return 1
    print(json.dumps({"seconds": seconds, "status": status, "outputs": outputs}, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
