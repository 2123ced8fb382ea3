"""jentic/arazzo-engine runner fixtures, run against canned responses through a real socket.

Each ``tests/data/conformance/jentic/<fixture>/test_config.yaml`` lists workflows with inputs
(``inputs`` or ``params``), ``custom_mocks`` (method, path → status_code, response, headers),
``expected_outputs``, ``expected_api_calls`` and ``expect_success``; fixture-wide mocks sit under
a top-level ``custom_mocks`` (a list, or lists keyed by source name). The adapter here turns the
mocks into canned-server routes (workflow mocks first, then fixture-wide ones; an absolute-URL
path is cut down to the path below the OpenAPI server) and the expectations into assertions.

Upstream answers an endpoint without a mock with a body generated from its schema; we answer 404,
so the cases that depend on that are skipped, and so are the cases whose documents the loader
rejects (the INDEX's caveats: non-spec ``$steps.X.name`` forms, schema-invalid documents). Each
disposition is listed in :data:`DISPOSITIONS` with its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from arazzo_runner.yaml12 import read_file
from tests.conformance import harness
from tests.conformance.canned_server import CannedServer
from tests.conftest import DATA

CORPUS = DATA / "conformance" / "jentic"

#: (fixture, workflow id) → ("rejected", regex the loader's error must match) | ("skip", reason)
#: | ("xfail", reason). Cases not listed must pass as upstream states them.
_DOT_BODY = "use a JSON pointer after \\$response.body, not '.'"
_NO_OUTPUTS = "expected '.outputs.<name>' after the step id"
DISPOSITIONS: dict[tuple[str, str], tuple[str, str]] = {
    # INDEX caveat: 1.0.0-style `$steps.X.name` (no `.outputs.`), unknown step outputs, `$response.`
    # with no source: invalid in 1.0.1 ("$steps.<stepId>.outputs.<name>", Runtime Expressions ABNF).
    ("bnpl", "ApplyForLoanAtCheckout"): ("rejected", "has no output 'redirectAuthToken'"),
    # INDEX caveat: a literal number as an output value (`guildCount: 2`); outputs are runtime
    # expressions (schema: `type: string`). One invalid workflow makes the document invalid.
    ("discord", "getUserInfoAndSendMessage"): ("rejected", "expected string, got number"),
    ("discord", "listUserGuilds"): ("rejected", "expected string, got number"),
    ("discord", "postChannelMessage"): ("rejected", "expected string, got number"),
    # Output names with spaces (schema: `^[a-zA-Z0-9\\.\\-_]+$`), operationPath without `{$...url}`.
    ("newyork_times", "Search Articles by Keyword"): ("rejected", "must match"),
    # `$response.body.token` (a dot, not a JSON pointer) and `$steps.X.name`.
    ("sample_login_workflow", "loginWorkflow"): ("rejected", _DOT_BODY),
    ("sample_login_workflow", "failedLoginWorkflow"): ("rejected", _DOT_BODY),
    ("sample_test", "exampleWorkflow"): ("rejected", _DOT_BODY),
    ("spotify", "getSpotifyToken"): ("rejected", _DOT_BODY),
    ("spotify", "searchTracks"): ("rejected", _DOT_BODY),
    ("spotify", "getTrackDetails"): ("rejected", _DOT_BODY),
    ("train", "Search Stations"): ("rejected", _NO_OUTPUTS),
    # INDEX caveat: `outputs.date: null` (schema: `type: string`).
    ("xkcd", "getCurrentComic"): ("rejected", "expected string, got null"),
    ("xkcd", "getComicById"): ("rejected", "expected string, got null"),
    # The document names the path parameter `pet_id`; the OpenAPI path is /pet/{petId}/coupons.
    # We refuse to send a request with a parameter the operation does not have (upstream ignores
    # it and still calls the mock), so the step fails before its request.
    ("pet_coupons", "apply-coupon"): (
        "xfail",
        "document error: path parameter 'pet_id' is not in /pet/{petId}/coupons; the step fails",
    ),
    # A step calling a workflow has no HTTP response, so `$statusCode == 200` in its successCriteria
    # has nothing to compare (the spec defines $statusCode as the status of the step's response);
    # upstream reuses the last response of the child.
    ("pet_coupons", "buy-available-pet"): (
        "xfail",
        "`$statusCode` in the criteria of a workflowId step: no response, so the criterion fails",
    ),
}


def _arazzo_file(folder: Path) -> Path:
    for path in sorted(folder.iterdir()):
        if path.name == "test_config.yaml" or path.suffix not in (".yaml", ".yml", ".json"):
            continue
        data = read_file(str(path)).data
        if isinstance(data, Mapping) and "arazzo" in data:
            return path
    raise LookupError(f"no Arazzo document in {folder}")


def _server_paths(arazzo: Path) -> tuple[list[str], list[str]]:
    """The document's source names and the path part of every OpenAPI server URL they declare."""
    data = read_file(str(arazzo)).data
    names, prefixes = [], []
    for source in data.get("sourceDescriptions") or []:
        names.append(source["name"])
        url = source.get("url", "")
        if "://" in url:
            continue
        openapi = read_file(str(arazzo.parent / url)).data
        for server in openapi.get("servers") or []:
            prefix = urlsplit(server.get("url", "")).path.rstrip("/")
            if prefix:
                prefixes.append(prefix)
    return names, sorted(set(prefixes), key=len, reverse=True)


def _route(mock: Mapping[str, Any], prefixes: list[str]) -> tuple[str, list[dict[str, Any]]]:
    path = str(mock.get("path") or mock["url"])
    if "://" in path:
        path = urlsplit(path).path
        for prefix in prefixes:
            if path.startswith(prefix + "/"):
                path = path[len(prefix) :]
                break
    body = mock.get("response", mock.get("text"))
    response = {"status": mock.get("status_code", 200), "body": body, "headers": mock.get("headers") or {}}
    return f"{str(mock.get('method', 'get')).upper()} {path}", [response]


def _mocks(config: Mapping[str, Any], workflow: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = list(workflow.get("custom_mocks") or [])
    shared = config.get("custom_mocks") or []
    if isinstance(shared, Mapping):
        for items in shared.values():
            found.extend(items or [])
    else:
        found.extend(shared)
    return found


def _cases() -> list[Any]:
    params = []
    for folder in sorted(p for p in CORPUS.iterdir() if (p / "test_config.yaml").exists()):
        config = read_file(str(folder / "test_config.yaml")).data
        seen: dict[str, int] = {}
        for workflow in config.get("workflows") or []:
            workflow_id = str(workflow["id"])
            seen[workflow_id] = seen.get(workflow_id, 0) + 1
            case_id = f"{folder.name}-{workflow_id}" + (
                f"-{seen[workflow_id]}" if seen[workflow_id] > 1 else ""
            )
            marks = []
            disposition = DISPOSITIONS.get((folder.name, case_id.removeprefix(f"{folder.name}-")))
            if disposition and disposition[0] == "skip":
                marks.append(pytest.mark.skip(reason=disposition[1]))
            elif disposition and disposition[0] == "xfail":
                marks.append(pytest.mark.xfail(strict=True, reason=disposition[1]))
            params.append(pytest.param(folder, config, workflow, disposition, id=case_id, marks=marks))
    return params


@pytest.mark.parametrize(("folder", "config", "workflow", "disposition"), _cases())
def test_jentic_case(
    folder: Path,
    config: Mapping[str, Any],
    workflow: Mapping[str, Any],
    disposition: tuple[str, str] | None,
    canned_server: CannedServer,
) -> None:
    arazzo = _arazzo_file(folder)
    if disposition and disposition[0] == "rejected":
        harness.check_rejected(arazzo, disposition[1])
        return
    names, prefixes = _server_paths(arazzo)
    scenario = canned_server.scenario([_route(m, prefixes) for m in _mocks(config, workflow)])
    inputs = workflow.get("inputs", workflow.get("params")) or {}
    result, sleeps, events = harness.run(
        arazzo, str(workflow["id"]), inputs, dict.fromkeys(names, scenario.base_url)
    )
    expect: dict[str, Any] = {}
    if "expect_success" in workflow:
        expect["status"] = "succeeded" if workflow["expect_success"] else "failed"
    if "expected_api_calls" in workflow:
        expect["calls"] = workflow["expected_api_calls"]
    outputs = workflow.get("expected_outputs") or {}
    # Upstream sometimes flattens step outputs as "stepId.output"; only workflow outputs compare.
    expect["outputs"] = {k: v for k, v in outputs.items() if "." not in k}
    harness.check(expect, result, scenario, sleeps, events)
