"""usearazzo/arazzo-toolkit runner fixtures, run against canned responses through a real socket.

The cases (``tests/data/conformance/usearazzo/cases.yaml``) were ported by hand from the YAML
comments of the fixtures and from upstream's ``WorkflowExecutor*.ts`` (response queue in →
calls, attempts, status, outputs out). Status words are translated: upstream ``completed`` is our
``succeeded``; ``ended`` through an ``onSuccess`` end is ``succeeded``; ``ended`` through an
``onFailure`` end is ``failed`` (our decision, checklist A6); a thrown authoring error is a
document the loader rejects, or a failed run with the error type given.

A case whose upstream expectation we decide differently carries ``divergence`` (why, with the
spec text): its upstream form is ``xfail(strict=True)`` and its ``ours`` form asserts what we do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from arazzo_runner.yaml12 import read_file
from tests.conformance import harness
from tests.conformance.canned_server import CannedServer
from tests.conftest import DATA

CORPUS = DATA / "conformance" / "usearazzo"
SPEC = read_file(str(CORPUS / "cases.yaml")).data
RESPONSES: dict[str, Any] = SPEC["responses"]


def _params() -> list[Any]:
    params = []
    for case in SPEC["cases"]:
        marks = []
        if case.get("divergence"):
            marks.append(pytest.mark.xfail(strict=True, reason=case["divergence"]))
        params.append(pytest.param(case, "upstream", id=case["id"], marks=marks))
        if "ours" in case:
            params.append(pytest.param(case, "ours", id=f"{case['id']}-ours"))
    return params


@pytest.fixture(scope="module")
def subsets(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("usearazzo")


def _responses(names: list[Any]) -> list[Any]:
    return [RESPONSES[n] if isinstance(n, str) else n for n in names]


@pytest.mark.parametrize(("case", "variant"), _params())
def test_usearazzo_case(
    case: dict[str, Any], variant: str, canned_server: CannedServer, subsets: Path
) -> None:
    spec = dict(case)
    if variant == "ours":
        spec.update(case["ours"])
    path = harness.subset_document(CORPUS / case["document"], case["workflowId"], subsets)
    expect = spec["expect"]
    if "rejected" in expect:
        harness.check_rejected(path, expect["rejected"])
        return
    scenario = canned_server.scenario({"*": _responses(spec.get("responses") or ["ok"])})
    result, sleeps, events = harness.run(
        path,
        case["workflowId"],
        spec.get("inputs"),
        {"petstoreAPI": scenario.base_url},
        spec.get("options"),
    )
    harness.check(expect, result, scenario, sleeps, events)
