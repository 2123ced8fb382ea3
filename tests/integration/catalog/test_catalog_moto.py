"""The public catalog's SageMaker, S3 and DynamoDB workflows, unmodified, signed, against moto.

Issue 24's measure of "AWS workflows as people write them": each of the 37 workflows runs with its own
OpenAPI files, every source pointed at one moto server that verifies SigV4, with inputs we wrote and
whatever moto must hold first (``cases.py``). A workflow passes when the run succeeds and every output
equals what moto holds afterwards. Where the document itself (or moto) is at fault, the case is a
strict xfail naming the fault.

The second test holds for every workflow, faulty or not: a run that exits 0 never hides a null or
wrong output — each one is explained by a warning the user sees.
"""

from __future__ import annotations

from typing import Any

import pytest

from .cases import CASES, Case
from .corpus import CorpusRunner, explains

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _marked(case: Case) -> object:
    marks = []
    if case.fault:
        marks.append(pytest.mark.xfail(reason=case.fault, strict=True))
    elif case.engine_gap:
        marks.append(pytest.mark.xfail(reason=f"engine: {case.engine_gap}", strict=False))
    return pytest.param(case, id=case.id, marks=marks)


def _assert_outputs_are_what_moto_holds(corpus: CorpusRunner, case: Case) -> None:
    run = corpus.run(case)
    assert run.status == "succeeded", run.describe()
    missing = [name for name in case.absent if name not in run.outputs]
    assert not missing, run.describe()
    try:
        case.check(run.outputs, corpus.state, case.inputs)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{run.describe()}") from exc


@pytest.mark.parametrize("case", [_marked(c) for c in CASES])
def test_catalog_workflow_outputs_are_what_moto_holds(corpus: CorpusRunner, case: Case) -> None:
    _assert_outputs_are_what_moto_holds(corpus, case)


def _generated_marked(case: Case) -> object:
    marks = []
    if case.fault:
        marks.append(pytest.mark.xfail(reason=case.fault, strict=True))
    elif case.generated_gap:
        marks.append(pytest.mark.xfail(reason=f"engine: {case.generated_gap}", strict=False))
    return pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", [_generated_marked(c) for c in CASES])
def test_catalog_workflow_with_aws_openapi_descriptions(generated_corpus: CorpusRunner, case: Case) -> None:
    """The same workflow and checks, its OpenAPI files swapped for ``arazzo aws-openapi``'s (--source-map)."""
    _assert_outputs_are_what_moto_holds(generated_corpus, case)


def _assert_never_silently_wrong(corpus: CorpusRunner, case: Case) -> None:
    run = corpus.run(case)
    if run.status != "succeeded":
        return  # a failed or refused run is not a silent answer (exit 1 / 2 with its error)
    unexplained = [name for name, value in run.outputs.items() if value is None and not explains(run, name)]
    assert not unexplained, f"null outputs without a warning: {unexplained}\n{run.describe()}"
    unwarned = [text for text in case.must_warn if not any(text in w.message for w in run.warnings)]
    assert not unwarned, f"criteria that read nothing, without a warning: {unwarned}\n{run.describe()}"
    try:
        case.check(run.outputs, corpus.state, case.inputs)
    except AssertionError as exc:
        assert run.warnings, f"exit 0 with wrong outputs and no warning: {exc}\n{run.describe()}"


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_catalog_run_never_succeeds_with_an_unexplained_null_or_wrong_output(
    corpus: CorpusRunner, case: Case
) -> None:
    _assert_never_silently_wrong(corpus, case)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_catalog_run_on_aws_openapi_descriptions_is_never_silently_wrong(
    generated_corpus: CorpusRunner, case: Case
) -> None:
    """The same promise when the OpenAPI files are ``arazzo aws-openapi``'s (the runs are shared)."""
    _assert_never_silently_wrong(generated_corpus, case)


def test_the_corpus_moto_refuses_what_is_not_signed(corpus: CorpusRunner) -> None:
    """The measure is only worth something if moto checks signatures: unsigned and badly signed fail.

    For the JSON protocols (DynamoDB, SageMaker) and for S3, whose signing rules differ.
    """
    import httpx

    target = {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": "application/x-amz-json-1.0"}
    assert httpx.post(corpus.url + "/", headers=target, content=b"{}").status_code >= 400
    forged = {
        **target,
        "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAFORGED0000000000/20260101/us-east-1/dynamodb/aws4_request,"
        " SignedHeaders=host;x-amz-target, Signature=" + "0" * 64,
    }
    assert httpx.post(corpus.url + "/", headers=forged, content=b"{}").status_code == 403
    listing = {"X-Amz-Target": "SageMaker.ListModels", "Content-Type": "application/x-amz-json-1.1"}
    assert httpx.post(corpus.url + "/", headers=listing, content=b"{}").status_code >= 400

    corpus.state.bucket("catalog-signing-probe", objects={"probe.txt": b"probe"})
    assert httpx.get(corpus.url + "/catalog-signing-probe/probe.txt").status_code == 403
    assert httpx.put(corpus.url + "/catalog-signing-probe/new.txt", content=b"x").status_code >= 400
    key_id = (
        corpus.state.s3._request_signer._credentials.access_key
    )  # the real user's key id, wrong signature
    wrong = {
        "Authorization": f"AWS4-HMAC-SHA256 Credential={key_id}/20260101/us-east-1/s3/aws4_request,"
        " SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64,
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "x-amz-date": "20260101T000000Z",
    }
    assert httpx.get(corpus.url + "/catalog-signing-probe/probe.txt", headers=wrong).status_code >= 400
    assert corpus.state.keys("catalog-signing-probe") == ["probe.txt"]  # signed calls go through


@pytest.fixture
def cli_credentials(corpus: CorpusRunner, monkeypatch: pytest.MonkeyPatch) -> CorpusRunner:
    """The CLI finds the IAM user's key where a user keeps it: botocore's environment variables."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", corpus.state.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", corpus.state.secret_access_key)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    return corpus


def _cli_drain(corpus: CorpusRunner, table: str, *flags: str) -> tuple[int, dict[str, Any]]:
    """``arazzo run`` (in process) of drain-and-delete-table on its own table, every source on moto."""
    import contextlib
    import io
    import json

    from arazzo_runner.cli.main import main

    from .corpus import source_names

    case = next(c for c in CASES if c.name == "drain-and-delete-table")
    corpus.state.table(table, items=[{"pk": {"S": "old-1"}}])
    inputs = {
        "tableName": table,
        "deleteRequestItems": {table: [{"DeleteRequest": {"Key": {"pk": {"S": "old-1"}}}}]},
    }
    servers = [arg for name in source_names(case) for arg in ("--server", f"{name}={corpus.url}")]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = main(
            [
                "run",
                str(case.path),
                "--inputs",
                json.dumps(inputs),
                *servers,
                "--output",
                "json",
                "--no-journal",
                *flags,
            ]
        )
    return code, json.loads(stdout.getvalue())


def test_the_cli_reports_a_catalog_null_output_and_strict_fails_the_run(
    cli_credentials: CorpusRunner,
) -> None:
    """drain-and-delete-table reads /Table/TableStatus from DeleteTable's {TableDescription: ...}.

    The table is really gone (the run did its work), so the run exits 0 — with the null output
    explained in the JSON the CLI prints; ``--strict`` turns that warning into exit 1.
    """
    corpus = cli_credentials
    code, printed = _cli_drain(corpus, "catalog-drain-cli")
    assert code == 0, printed
    assert "catalog-drain-cli" not in corpus.state.tables()
    assert printed["outputs"] == {"tableStatus": None}
    assert any("tableStatus" in w["message"] for w in printed.get("warnings", [])), printed

    code, printed = _cli_drain(corpus, "catalog-drain-strict", "--strict")
    assert code == 1, printed
