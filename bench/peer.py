"""The flagship through the Python peer (``arazzo-runner`` on PyPI) next to our engine, same server.

Run: ``.venv/bin/python bench/peer.py`` (``--polls 500 --reps 5``). The first run creates
``bench/.peer-venv`` (gitignored) and installs the peer there with pip: the peer and this package
share the import name ``arazzo_runner``, so the peer runs in its own interpreter
(``bench/peer_run.py``).

What had to change for the peer, and why (the copy lives in a temporary folder):

* the two ``jsonpath`` action criteria (``$.TrainingJobStatus == "InProgress"`` with context
  ``$response.body``) become ``simple`` conditions on the step's output,
  ``$steps.pollTrainingJob.outputs.trainingJobStatus == "InProgress"`` (and ``!=``). Measured on
  0.9.6: the peer evaluates action criteria with an empty context, so neither a ``context:
  $response.body`` nor ``$response.body#/TrainingJobStatus`` resolves there (the first run ended
  after one Describe, still InProgress); a ``jsonpath`` criterion is a bare jsonpath-ng query that
  is true when it matches anything, so the flagship's comparison form is not understood either;
  step outputs are the one thing its action criteria can read;
* the OpenAPI copy's ``servers`` points at the local server (the peer has no per-source server
  override);
* the peer has **no SigV4** (no AWS auth at all): its requests go out unsigned, which the server
  accepts because its signature check is off. This favours the peer by the cost of signing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
import poll_loop

PEER_VENV = harness.BENCH / ".peer-venv"
PEER_PYTHON = PEER_VENV / "bin" / "python"
PEER_PACKAGE = "arazzo-runner"


def ensure_peer() -> str:
    """Create the peer's venv and install it (once); returns its version, or raises with pip's words."""
    if not PEER_PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    probe = [str(PEER_PYTHON), "-m", "pip", "show", PEER_PACKAGE]
    found = subprocess.run(probe, capture_output=True, text=True)
    if found.returncode != 0:
        install = subprocess.run(
            [str(PEER_PYTHON), "-m", "pip", "install", "-q", PEER_PACKAGE], capture_output=True, text=True
        )
        if install.returncode != 0:
            raise SystemExit(f"cannot install the peer {PEER_PACKAGE}: {install.stderr.strip()[-2000:]}")
        found = subprocess.run(probe, capture_output=True, text=True, check=True)
    versions = [
        line.split(":", 1)[1].strip() for line in found.stdout.splitlines() if line.startswith("Version:")
    ]
    return versions[0] if versions else "unknown version"


def peer_copy(folder: Path, url: str) -> Path:
    """Write the flagship and its OpenAPI, rewritten for the peer (see module docs), into ``folder``."""
    openapi = yaml.safe_load((harness.ROOT / "openapi" / "amazon-sagemaker-openapi.yml").read_text())
    openapi["servers"] = [{"url": url}]
    (folder / "sagemaker.json").write_text(json.dumps(openapi))
    document = yaml.safe_load(harness.FLAGSHIP.read_text())
    document["sourceDescriptions"][0]["url"] = "./sagemaker.json"
    poll = document["workflows"][0]["steps"][1]
    for action in poll["onSuccess"]:
        operator = "==" if action["name"] == "stillTraining" else "!="
        action["criteria"] = [
            {"condition": f'$steps.pollTrainingJob.outputs.trainingJobStatus {operator} "InProgress"'}
        ]
    path = folder / "flagship-for-peer.arazzo.json"
    path.write_text(json.dumps(document))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="our engine vs the PyPI peer on the flagship")
    parser.add_argument("--polls", type=int, default=500, help="InProgress answers per job (default 500)")
    parser.add_argument("--reps", type=int, default=5, help="runs of each engine (default 5)")
    args = parser.parse_args(argv)
    version = ensure_peer()
    expected = args.polls + 2
    print(f"machine: {harness.machine()}")
    print(
        f"peer: {PEER_PACKAGE} {version} (bench/.peer-venv); server: bench/fast_server.py, signatures not checked"
    )
    with tempfile.TemporaryDirectory() as tmp, harness.server_process(args.polls) as url:
        workflow = peer_copy(Path(tmp), url)
        inputs = Path(tmp) / "inputs.json"
        inputs.write_text(harness.FLAGSHIP_INPUTS.read_text())
        started = time.perf_counter()
        peer = subprocess.run(
            [
                str(PEER_PYTHON),
                str(harness.BENCH / "peer_run.py"),
                str(workflow),
                str(inputs),
                str(args.reps),
            ],
            capture_output=True,
            text=True,
            cwd=tmp,
            timeout=600,
        )
        if peer.returncode != 0:
            print(f"the peer could not run the flagship (exit {peer.returncode}):")
            print((peer.stdout + peer.stderr).strip()[-3000:])
            return 1
        answer = json.loads(peer.stdout.strip().splitlines()[-1])
        print(
            f"peer process total {time.perf_counter() - started:.1f} s; last run: {answer['status']} {answer['outputs']}"
        )
        if answer["outputs"].get("trainingJobStatus") != "Completed":
            print("the peer's run did not reach Completed: figures below are not comparable")
        peer_us = [s / expected * 1e6 for s in answer["seconds"]]

        with httpx.Client() as client:
            run_engine = poll_loop.engine_runner(url)
            run_engine(client, poll_loop.flagship_inputs(f"warm-{uuid.uuid4().hex[:8]}"))
            ours_us: list[float] = []
            for rep in range(args.reps):
                seconds, _, requests = poll_loop.timed(
                    lambda rep=rep: run_engine(
                        client, poll_loop.flagship_inputs(f"ours-{rep}-{uuid.uuid4().hex[:8]}")
                    )
                )
                assert requests == expected
                ours_us.append(seconds / expected * 1e6)
    p_min, p_med = min(peer_us), statistics.median(peer_us)
    o_min, o_med = min(ours_us), statistics.median(ours_us)
    print(f"requests per run: {expected}; reps: {args.reps}")
    print(f"peer (unsigned):        min {p_min:8.1f} µs/req   median {p_med:8.1f} µs/req")
    print(f"arazzo_runner (SigV4):  min {o_min:8.1f} µs/req   median {o_med:8.1f} µs/req")
    print(f"speed-up (peer / ours, median): {p_med / o_med:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
