"""The flagship's poll loop through the other public Arazzo engines, beside ours and the plain loop.

Run: ``.venv/bin/python bench/peer.py`` (``--polls 500 --reps 3``, ``--only jentic,redocly``).

Every engine makes the same 1 + N + 1 requests (create, N ``InProgress`` describes, one
``Completed``) to ``bench/fast_server.py`` on 127.0.0.1 and is timed per run, its document loaded
once where its API allows it. Figures: µs per request (wall time of a run / its requests) and the
factor over (a), the plain ``httpx.Client`` + botocore SigV4 loop of ``bench/poll_loop.py``; (a)
and our engine (b) are measured before and after the peers, alternating, so drift hits all sides.

Peers are installed on first use from their registries into ``bench/.peers/`` (gitignored, never
committed, never needed by ``make test``), at the versions below (the ones measured):

==================  =============================  ====================================
peer                registry, package, version      how it is run
==================  =============================  ====================================
Jentic              PyPI ``arazzo-runner`` 0.9.6    own venv, ``bench/peer_run.py jentic``
arazzo-exec         PyPI ``arazzo-exec`` 0.1.0      own venv, ``bench/peer_run.py arazzo-exec``
Redocly             npm ``@redocly/cli`` 2.77.0     ``redocly respect`` (node), one process a run
==================  =============================  ====================================

None of the peers signs with SigV4 (none has AWS auth): their requests go out unsigned, which the
server accepts because its signature check is off. That favours them by the cost of signing
(~40-200 µs a request). None of them could run the flagship unmodified; what each needed (the
copies live in a temporary folder, the flagship itself is never touched):

* **all**: the OpenAPI copy's ``servers`` points at the local server (Jentic has no per-source
  server override; the others are also given the URL their own way).
* **Jentic** (0.9.6): the two ``jsonpath`` action criteria (``$.TrainingJobStatus == "InProgress"``
  with context ``$response.body``) become ``simple`` conditions on the step's output,
  ``$steps.pollTrainingJob.outputs.trainingJobStatus == "InProgress"`` (and ``!=``). It evaluates
  action criteria with an empty context, so neither ``context: $response.body`` nor
  ``$response.body#/TrainingJobStatus`` resolves there (the first run ended after one Describe,
  still InProgress); a ``jsonpath`` criterion is a bare jsonpath-ng query, true when it matches
  anything, so the flagship's comparison form is not understood either.
* **arazzo-exec** (0.1.0): its criteria engine knows only ``$statusCode == N`` conditions and its
  own ``actual``/``equals`` criterion objects; any other criterion raises "Unsupported criterion",
  which an action swallows (the action is skipped: the run ends after one Describe). The action
  criteria become ``{actual: $response.body#/TrainingJobStatus, equals: InProgress}`` (and
  ``notEquals``). A step output whose JSON pointer reaches no member fails the run
  (``KeyError: 'ModelArtifacts'`` on the first InProgress answer), so the step outputs
  ``modelArtifacts`` and ``failureReason`` and the workflow output ``modelArtifacts`` are dropped.
  It builds a new ``httpx.AsyncClient`` (and so a new TLS context, ~20 ms) for every request:
  that is most of its time per request, profiled.
* **Redocly** (``respect``, 2.77.0): it encodes a request body as JSON only for
  ``application/json`` or ``+json`` media types (``application/x-amz-json-1.1`` goes out as the
  text ``[object Object]``) and parses an answer as JSON only for the same types, then checks the
  answer's Content-Type against the description. So the request's ``contentType`` and every
  ``application/x-amz-json-1.1`` in the OpenAPI copy become ``application/json``, and its server
  answers ``Content-Type: application/json`` (``fast_server.py --content-type``). The action
  criteria become the spec's filter form ``$[?@.TrainingJobStatus == 'InProgress']`` (and
  ``!=``) with context ``$response.body`` (the flagship's comparison form matched nothing: the
  run ended after one Describe). Output pointers that reach no value are errors, so the same
  outputs as for arazzo-exec are dropped. Its schema check runs on every answer with severity
  ``warn`` (``--severity SCHEMA_CHECK=warn``): the fast server's Describe answer lacks members the
  botocore model marks required (``ModelArtifacts``, ``S3DataType``). Its time per run is the
  ``Time:`` of its own summary (the run, including its ~0.3 s of document loading, not node's
  start); telemetry and update checks are turned off through its environment variables.

Each peer's run must end ``Completed``: the server answers ``Completed`` to a job only after N
``InProgress`` answers, so a run that reached it made at least the N + 2 requests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness
import poll_loop

PEERS_DIR = harness.BENCH / ".peers"
REDOCLY_VERSION = "2.77.0"
#: The Python peers: name -> (PyPI package, version measured).
PYTHON_PEERS = {"jentic": ("arazzo-runner", "0.9.6"), "arazzo-exec": ("arazzo-exec", "0.1.0")}
ALL_PEERS = ("jentic", "arazzo-exec", "redocly")
JSON_TYPE = "application/json"
AWS_JSON_TYPE = "application/x-amz-json-1.1"


@dataclass
class Side:
    """One engine's figures: µs per request of each run."""

    name: str
    version: str = ""
    us_per_request: list[float] = field(default_factory=list)
    error: str = ""
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.us_per_request)


@dataclass
class PeerFigures:
    polls: int
    reps: int
    plain: Side  # (a)
    ours: Side  # (b)
    peers: list[Side]

    def markdown(self) -> list[str]:
        """Rows of ``| engine | µs/request median (min) | factor over (a) | note |``."""
        base = self.plain.median
        rows = ["| engine | µs/request, median (min) | factor over (a) | note |", "| --- | --- | --- | --- |"]
        for side in [self.plain, self.ours, *self.peers]:
            name = f"{side.name} {side.version}".strip()
            if side.error:
                rows.append(f"| {name} | — | — | could not run: {side.error} |")
                continue
            rows.append(
                f"| {name} | {side.median:,.1f} ({min(side.us_per_request):,.1f}) | "
                f"**{side.median / base:.2f}x** | {side.note} |"
            )
        return rows


# -- installing the peers ------------------------------------------------------------------------


def ensure_python_peer(name: str) -> tuple[Path, str]:
    """The peer's venv (made and filled once, with pip); returns its python and the installed version."""
    package, version = PYTHON_PEERS[name]
    venv = PEERS_DIR / name
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-m", "pip", "show", package], capture_output=True, text=True)
    if probe.returncode != 0:
        install = subprocess.run(
            [str(python), "-m", "pip", "install", "-q", f"{package}=={version}"],
            capture_output=True,
            text=True,
        )
        if install.returncode != 0:
            raise RuntimeError(f"pip install {package}=={version}: {install.stderr.strip()[-500:]}")
        probe = subprocess.run([str(python), "-m", "pip", "show", package], capture_output=True, text=True)
    found = [
        line.split(":", 1)[1].strip() for line in probe.stdout.splitlines() if line.startswith("Version:")
    ]
    return python, f"{package} {found[0] if found else '?'}"


def ensure_redocly() -> Path:
    """``redocly`` from npm in ``bench/.peers/redocly`` (installed once); raises if node/npm are missing."""
    folder = PEERS_DIR / "redocly"
    binary = folder / "node_modules" / ".bin" / "redocly"
    if not binary.exists():
        if not shutil.which("npm"):
            raise RuntimeError("npm is not installed (Redocly CLI is a node package)")
        folder.mkdir(parents=True, exist_ok=True)
        install = subprocess.run(
            [
                "npm",
                "install",
                "--no-audit",
                "--no-fund",
                "--loglevel=error",
                f"@redocly/cli@{REDOCLY_VERSION}",
            ],
            capture_output=True,
            text=True,
            cwd=folder,
            timeout=600,
        )
        if install.returncode != 0:
            raise RuntimeError(f"npm install @redocly/cli@{REDOCLY_VERSION}: {install.stderr.strip()[-500:]}")
    return binary


def redocly_env() -> dict[str, str]:
    """Node's environment for Redocly: no telemetry, no update check (nothing leaves 127.0.0.1)."""
    return dict(
        os.environ,
        REDOCLY_TELEMETRY="off",
        REDOCLY_SUPPRESS_UPDATE_NOTICE="true",
        REDOCLY_SUPPRESS_NOTIFICATIONS="true",
        NO_COLOR="1",
    )


# -- the rewritten copies (see the module docs for why) ------------------------------------------


def _openapi(url: str, *, json_media: bool) -> dict[str, Any]:
    text = (harness.ROOT / "openapi" / "amazon-sagemaker-openapi.yml").read_text()
    if json_media:
        text = text.replace(AWS_JSON_TYPE, JSON_TYPE)
    openapi = yaml.safe_load(text)
    openapi["servers"] = [{"url": url}]
    return openapi


def _flagship() -> dict[str, Any]:
    document = yaml.safe_load(harness.FLAGSHIP.read_text())
    document["sourceDescriptions"][0]["url"] = "./sagemaker.json"
    return document


def _poll_step(document: dict[str, Any]) -> dict[str, Any]:
    step = document["workflows"][0]["steps"][1]
    assert step["stepId"] == "pollTrainingJob"
    return step


def _drop_absent_outputs(document: dict[str, Any]) -> None:
    """Outputs whose pointer reaches no member of an InProgress answer (errors in some peers)."""
    poll = _poll_step(document)
    for name in ("modelArtifacts", "failureReason"):
        poll["outputs"].pop(name)
    document["workflows"][0]["outputs"].pop("modelArtifacts")


def rewrite_for(peer: str, folder: Path, url: str) -> Path:
    """Write the flagship and its OpenAPI, rewritten for ``peer``, into ``folder``; returns the workflow."""
    document = _flagship()
    poll = _poll_step(document)
    for action in poll["onSuccess"]:
        still = action["name"] == "stillTraining"
        operator = "==" if still else "!="
        if peer == "jentic":
            condition = f'$steps.pollTrainingJob.outputs.trainingJobStatus {operator} "InProgress"'
            action["criteria"] = [{"condition": condition}]
        elif peer == "arazzo-exec":
            action["criteria"] = [
                {
                    "actual": "$response.body#/TrainingJobStatus",
                    ("equals" if still else "notEquals"): "InProgress",
                }
            ]
        elif peer == "redocly":
            condition = f"$[?@.TrainingJobStatus {operator} 'InProgress']"
            action["criteria"] = [{"context": "$response.body", "condition": condition, "type": "jsonpath"}]
    if peer in ("arazzo-exec", "redocly"):
        _drop_absent_outputs(document)
    if peer == "redocly":
        for step in document["workflows"][0]["steps"]:
            step["requestBody"]["contentType"] = JSON_TYPE
    (folder / "sagemaker.json").write_text(json.dumps(_openapi(url, json_media=peer == "redocly")))
    path = folder / f"flagship-for-{peer}.arazzo.json"
    path.write_text(json.dumps(document))
    return path


# -- running the peers ---------------------------------------------------------------------------


def run_python_peer(name: str, polls: int, reps: int) -> Side:
    python, version = ensure_python_peer(name)
    side = Side(name=name, version=version.split()[-1], note=f"PyPI `{version.split()[0]}`, unsigned")
    expected = polls + 2
    with tempfile.TemporaryDirectory() as tmp, harness.server_process(polls) as url:
        workflow = rewrite_for(name, Path(tmp), url)
        inputs = Path(tmp) / "inputs.json"
        inputs.write_text(harness.FLAGSHIP_INPUTS.read_text())
        command = [
            str(python),
            str(harness.BENCH / "peer_run.py"),
            name,
            str(workflow),
            str(inputs),
            str(reps),
            url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp, timeout=1800)
    lines = done.stdout.strip().splitlines()
    answer = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    if done.returncode != 0 or "seconds" not in answer:
        side.error = (answer.get("error") or (done.stdout + done.stderr).strip()[-500:]).replace("\n", " ")
        return side
    if answer["outputs"].get("trainingJobStatus") != "Completed":
        side.error = f"the run did not reach Completed: {answer['status']} {answer['outputs']}"
        return side
    side.us_per_request = [s / expected * 1e6 for s in answer["seconds"]]
    return side


_REDOCLY_TIME = re.compile(r"Time:\s*([\d.]+)\s*ms")
_REDOCLY_STEPS = re.compile(r"Steps:\s*(\d+) passed")


def run_redocly(polls: int, reps: int) -> Side:
    binary = ensure_redocly()
    side = Side(name="redocly", version=REDOCLY_VERSION, note="npm `@redocly/cli` `respect`, unsigned")
    expected = polls + 2
    base = json.loads(harness.FLAGSHIP_INPUTS.read_text())
    with tempfile.TemporaryDirectory() as tmp, harness.server_process(polls, content_type=JSON_TYPE) as url:
        workflow = rewrite_for("redocly", Path(tmp), url)
        for rep in range(reps):
            inputs = json.dumps(dict(base, trainingJobName=f"redocly-{rep}-{uuid.uuid4().hex[:8]}"))
            command = [str(binary), "respect", str(workflow), "-S", f"sagemakerApi={url}", "-i", inputs]
            command += ["--severity", "SCHEMA_CHECK=warn", "--max-steps", str(expected + 10)]
            done = subprocess.run(
                command, capture_output=True, text=True, cwd=tmp, env=redocly_env(), timeout=900
            )
            out = done.stdout + done.stderr
            took, steps = _REDOCLY_TIME.search(out), _REDOCLY_STEPS.search(out)
            if done.returncode != 0 or not took or not steps or int(steps.group(1)) != expected:
                side.error = f"exit {done.returncode}: " + " ".join(out.split())[-400:]
                return side
            side.us_per_request.append(float(took.group(1)) * 1e3 / expected)
    return side


def measure_ours(polls: int, reps: int, plain: Side, ours: Side) -> None:
    """(a) and (b) on their own server, ``reps`` each, alternating which goes first."""
    expected = polls + 2
    with harness.server_process(polls) as url, httpx.Client() as client:
        run_engine = poll_loop.engine_runner(url)
        poll_loop.plain_loop(client, url, poll_loop.flagship_inputs(f"warm-a-{uuid.uuid4().hex[:8]}"))
        run_engine(client, poll_loop.flagship_inputs(f"warm-b-{uuid.uuid4().hex[:8]}"))
        sides: list[tuple[Callable[[dict[str, Any]], int], Side]] = [
            (lambda inputs: poll_loop.plain_loop(client, url, inputs), plain),
            (lambda inputs: run_engine(client, inputs), ours),
        ]
        for rep in range(reps):
            for run, side in sides if rep % 2 == 0 else reversed(sides):
                inputs = poll_loop.flagship_inputs(
                    f"{'a' if side is plain else 'b'}-{rep}-{uuid.uuid4().hex[:8]}"
                )
                started = time.perf_counter()
                requests = run(inputs)
                seconds = time.perf_counter() - started
                assert requests == expected, (side.name, requests)
                side.us_per_request.append(seconds / expected * 1e6)


def measure(
    polls: int = 500, reps: int = 3, peers: tuple[str, ...] = ALL_PEERS, log: Any = print
) -> PeerFigures:
    """The whole comparison; ``log`` gets one line per side as it finishes."""
    import importlib.metadata

    plain = Side(
        name="(a) plain httpx + botocore SigV4", note="`poll_loop.py` (a): a hand-written signed loop"
    )
    ours = Side(
        name="(b) arazzo_runner",
        version=importlib.metadata.version("arazzo-runner"),
        note="this repository, flagship unmodified, SigV4",
    )
    measure_ours(polls, reps, plain, ours)
    log(f"  (a) {plain.median:,.1f} µs/req, (b) {ours.median:,.1f} µs/req (first half)")
    results: list[Side] = []
    for name in peers:
        started = time.perf_counter()
        try:
            side = run_redocly(polls, reps) if name == "redocly" else run_python_peer(name, polls, reps)
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            side = Side(name=name, error=str(error).replace("\n", " ")[:500])
        results.append(side)
        figure = side.error or f"{side.median:,.1f} µs/req"
        log(f"  {name}: {figure} ({time.perf_counter() - started:.0f} s)")
    measure_ours(polls, reps, plain, ours)  # second half: brackets the peers in time
    return PeerFigures(polls=polls, reps=reps, plain=plain, ours=ours, peers=results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the flagship's poll loop: our engine vs the public peers")
    parser.add_argument("--polls", type=int, default=500, help="InProgress answers per job (default 500)")
    parser.add_argument("--reps", type=int, default=3, help="runs of each engine (default 3)")
    parser.add_argument(
        "--only", default=",".join(ALL_PEERS), help=f"peers, comma list (default {','.join(ALL_PEERS)})"
    )
    args = parser.parse_args(argv)
    peers = tuple(p for p in args.only.split(",") if p)
    unknown = set(peers) - set(ALL_PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; known: {', '.join(ALL_PEERS)}")
    print(f"machine: {harness.machine()}")
    print(
        f"server: bench/fast_server.py, signatures not checked, {args.polls + 2} requests a run, {args.reps} runs each"
    )
    figures = measure(args.polls, args.reps, peers)
    print("\n".join(figures.markdown()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
