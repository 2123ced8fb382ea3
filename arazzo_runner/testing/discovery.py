"""Find the test cases of ``arazzo test``: every workflow of every Arazzo document under the given paths.

A path is a file, a folder (searched recursively) or a glob. In a folder, a YAML/JSON file is an
Arazzo document when its top level has an ``arazzo`` field (checked on the first lines, cheaply);
``NAME.inputs.json|yaml`` files are never documents. Each workflow becomes a :class:`TestCase`
with its inputs:

* ``--inputs`` (given to :func:`discover`) wins; else the conventional file next to the document,
  ``NAME.inputs.json`` / ``.yaml`` / ``.yml`` (``NAME`` is the document's file name without its
  extension); else, when replaying, the recording's inputs.
* An inputs file whose top-level keys are all workflow ids of a document with several workflows
  holds one object per workflow; otherwise the same object serves every workflow (each takes the
  inputs it declares).

A workflow whose required inputs are missing is *skipped* with the reason, not failed: a suite
may hold workflows nobody gave inputs for yet, and CI must say so rather than go red or quiet.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..errors import Problem, UsageError

_DOCUMENT_SUFFIXES = (".yaml", ".yml", ".json")
_INPUTS_SUFFIXES = (".inputs.json", ".inputs.yaml", ".inputs.yml")
#: A top-level ``arazzo:`` line (YAML); in JSON, an ``"arazzo": "<version>"`` member anywhere (compact JSON
#: has no lines), which only a document has (a false hit is reported as a document that does not load).
_ARAZZO_FIELD = re.compile(r'^(?:"arazzo"|arazzo)\s*:', re.M)
_ARAZZO_JSON_MEMBER = re.compile(r'"arazzo"\s*:\s*"')
#: How much of a candidate file is read to decide whether it is an Arazzo document.
_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class TestCase:
    """One workflow of one document, as a test: what to run, or why it is skipped."""

    __test__ = False  # not a pytest test class, whatever its name

    document_path: str
    workflow_id: str
    document: Any = field(repr=False, compare=False)
    inputs: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: Why the case does not run (missing inputs, no recording); ``None``: it runs.
    skip_reason: str | None = None
    #: The HAR file to replay (``--replay DIR``); ``None``: live.
    recording: str | None = None
    #: Workflow ids of the same document this one depends on (``dependsOn``, same document only).
    depends_on: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.document_path}::{self.workflow_id}"


@dataclass(frozen=True)
class BrokenDocument:
    """A document that could not be loaded: reported as an error case, never silently dropped."""

    document_path: str
    problems: tuple[Problem, ...]

    @property
    def message(self) -> str:
        return "; ".join(str(p) for p in self.problems) or "the document could not be loaded"


def find_documents(paths: Sequence[str]) -> list[str]:
    """Arazzo document files under ``paths`` (files, folders, globs), sorted, each once."""
    found: dict[str, None] = {}
    for spec in paths or ["."]:
        if os.path.isfile(spec):
            found[os.path.normpath(spec)] = None
            continue
        if os.path.isdir(spec):
            candidates: Iterable[str] = _walk(spec)
        else:
            candidates = glob.glob(spec, recursive=True)
            if not candidates:
                raise UsageError(f"arazzo test: {spec!r} matches no file or folder")
        for path in sorted(candidates):
            if os.path.isfile(path) and looks_like_arazzo(path):
                found[os.path.normpath(path)] = None
    return sorted(found)


#: Folders never searched: hidden ones (.git, .venv) and other tools' vendored trees.
_SKIPPED_FOLDERS = frozenset({"node_modules", "__pycache__", "site-packages"})


def _walk(folder: str) -> Iterator[str]:
    """Every file under ``folder``, without descending into hidden or vendored folders."""
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_FOLDERS)
        for name in files:
            yield os.path.join(root, name)


def looks_like_arazzo(path: str) -> bool:
    """A YAML/JSON file (not an inputs file) whose first lines hold a top-level ``arazzo`` field."""
    if not path.endswith(_DOCUMENT_SUFFIXES) or path.endswith(_INPUTS_SUFFIXES):
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False
    pattern = _ARAZZO_JSON_MEMBER if path.endswith(".json") else _ARAZZO_FIELD
    return bool(pattern.search(head))


def inputs_file_for(document_path: str) -> str | None:
    """The conventional inputs file next to a document (``NAME.inputs.json|yaml|yml``), if any."""
    base, _ = os.path.splitext(document_path)
    stems = [base]
    if base.endswith(".arazzo"):  # pets.arazzo.yaml: pets.arazzo.inputs.json or pets.inputs.json
        stems.append(base[: -len(".arazzo")])
    for stem in stems:
        for suffix in _INPUTS_SUFFIXES:
            if os.path.isfile(stem + suffix):
                return stem + suffix
    return None


def recording_for(replay_dir: str, document_path: str, workflow_id: str) -> str:
    """Where ``--replay DIR`` (and ``--record DIR``) keeps a workflow's HAR:
    ``DIR/<document name>.<workflowId>.har``."""
    stem = os.path.splitext(os.path.basename(document_path))[0]
    return os.path.join(replay_dir, f"{stem}.{workflow_id}.har")


def read_inputs(path: str) -> dict[str, Any]:
    """An inputs file (JSON or YAML, read safely) as an object."""
    from ..yaml12 import YamlReadError, read_file

    try:
        data = read_file(path).data
    except (YamlReadError, OSError) as exc:
        detail = "; ".join(str(p) for p in exc.problems) if isinstance(exc, YamlReadError) else str(exc)
        raise UsageError(f"{path}: cannot read inputs: {detail}") from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: expected an object of input names to values")
    return data


def inputs_per_workflow(
    data: Mapping[str, Any], workflow_ids: Sequence[str]
) -> dict[str, dict[str, Any]] | None:
    """``data`` split by workflow id when it is keyed that way (a document with several workflows
    whose file's keys are all workflow ids, each an object); ``None`` when it is one shared object."""
    if len(workflow_ids) < 2 or not data:
        return None
    if set(data) <= set(workflow_ids) and all(isinstance(v, dict) for v in data.values()):
        return {k: dict(v) for k, v in data.items()}
    return None


def missing_required(document: Any, workflow: Any, inputs: Mapping[str, Any]) -> list[str]:
    """Required top-level inputs that are neither given nor defaulted (the reason to skip)."""
    schema = document.spec.inputs_schema(workflow)
    if not isinstance(schema, Mapping):
        return []
    found_properties = schema.get("properties")
    properties: Mapping[str, Any] = found_properties if isinstance(found_properties, Mapping) else {}
    found_required = schema.get("required")
    required: list[Any] = found_required if isinstance(found_required, list) else []
    return [
        name
        for name in required
        if isinstance(name, str)
        and name not in inputs
        and not (isinstance(properties.get(name), Mapping) and "default" in properties[name])
    ]


def cases_of_document(
    path: str,
    document: Any,
    *,
    given_inputs: Mapping[str, Any] | None = None,
    replay_dir: str | None = None,
    select: Any = None,
) -> list[TestCase]:
    """The test cases of one loaded document (``select(case_name, workflow_id) -> bool`` filters)."""
    from ..engine.inputs import inputs_for

    workflows = list(document.workflows)
    ids = [w.workflow_id for w in workflows]
    if given_inputs is not None:
        data: Mapping[str, Any] = given_inputs
    else:
        conventional = inputs_file_for(path)
        data = read_inputs(conventional) if conventional else {}
    keyed = inputs_per_workflow(data, ids)
    cases = []
    for workflow in workflows:
        wid = workflow.workflow_id
        if select is not None and not select(f"{path}::{wid}", wid):
            continue
        available = keyed.get(wid, {}) if keyed is not None else data
        recording = recording_for(replay_dir, path, wid) if replay_dir else None
        skip = None
        if recording is not None and not os.path.isfile(recording):
            skip = f"no recording {recording} (arazzo test --record {replay_dir} writes it)"
        messages = message_steps(document, workflow)
        if recording is not None and skip is None and messages:
            skip = (
                f"its AsyncAPI message step{'s' if len(messages) > 1 else ''} {', '.join(messages)} cannot be"
                " replayed (a HAR recording holds HTTP exchanges only); run it live"
            )
        has_own = bool(available) or keyed is not None
        if recording is not None and skip is None and not has_own:
            from ..recording import read_har

            available = read_har(recording).inputs or {}
        inputs = inputs_for(document, workflow, available) if not keyed else dict(available)
        missing = missing_required(document, workflow, inputs)
        if skip is None and missing:
            where = (
                "--inputs"
                if given_inputs is not None
                else (inputs_file_for(path) or _expected_inputs_file(path))
            )
            skip = f"required input{'s' if len(missing) > 1 else ''} {', '.join(missing)} not given ({where})"
        local = tuple(d for d in (workflow.depends_on or ()) if d in ids)
        cases.append(TestCase(path, wid, document, inputs, skip, recording, local))
    return cases


def message_steps(document: Any, workflow: Any) -> list[str]:
    """Ids of the workflow's Arazzo 1.1 message steps (send/receive on an AsyncAPI channel)."""
    return [step.step_id for step in workflow.steps if document.is_async_step(step)]


def _expected_inputs_file(path: str) -> str:
    return os.path.splitext(path)[0] + ".inputs.json"
