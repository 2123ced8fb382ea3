"""``arazzo test --junit``: valid against the JUnit schema Jenkins and GitLab read, readable by junitparser."""

from __future__ import annotations

from pathlib import Path

import xmlschema
from junitparser import Error, Failure, JUnitXml, Skipped

from tests.conftest import DATA

from .conftest import SECRET_KEY

SCHEMA = DATA / "junit" / "jenkins-junit-10.xsd"


def _junit(shop, suite: Path, arazzo, tmp_path: Path, *extra: str) -> Path:
    report = tmp_path / "junit.xml"
    (suite / "together.arazzo.yaml").unlink()  # its workflows only pass side by side (-j 2)
    (suite / "broken.arazzo.yaml").write_text("arazzo: 1.0.1\ninfo: {title: x, version: '1'}\nworkflows: 3\n")
    code, _, _ = arazzo(
        "test", str(suite), "--server", f"shop={shop.url}", "--no-journal", "--junit", str(report), *extra
    )
    assert code == 2  # the broken document decides the exit code; the report still has every case
    return report


def test_junit_file_validates_against_the_jenkins_schema(shop, suite, arazzo, tmp_path) -> None:
    report = _junit(shop, suite, arazzo, tmp_path, "-j", "2")
    xmlschema.XMLSchema(str(SCHEMA)).validate(str(report))


def test_one_testsuite_per_document_one_testcase_per_workflow(shop, suite, arazzo, tmp_path) -> None:
    xml = JUnitXml.fromfile(str(_junit(shop, suite, arazzo, tmp_path)))
    suites = {s.name: s for s in xml}
    assert set(suites) == {str(suite / n) for n in ("broken.arazzo.yaml", "shop.arazzo.yaml")}
    shop_suite = suites[str(suite / "shop.arazzo.yaml")]
    cases = {c.name: c for c in shop_suite}
    assert set(cases) == {"get-item", "order", "after-item", "needs-token"}
    assert (shop_suite.tests, shop_suite.failures, shop_suite.skipped, shop_suite.errors) == (4, 1, 1, 0)
    assert cases["get-item"].is_passed and cases["get-item"].classname == str(suite / "shop.arazzo.yaml")
    (skipped,) = cases["needs-token"].result
    assert isinstance(skipped, Skipped) and "token" in skipped.message
    (error,) = next(iter(suites[str(suite / "broken.arazzo.yaml")])).result
    assert isinstance(error, Error)


def test_failure_names_step_reason_and_api_error_without_credentials(shop, suite, arazzo, tmp_path) -> None:
    report = _junit(shop, suite, arazzo, tmp_path)
    xml = JUnitXml.fromfile(str(report))
    order = next(c for s in xml for c in s if c.name == "order")
    (failure,) = order.result
    assert isinstance(failure, Failure)
    assert failure.message.startswith("step placeOrder: ")
    assert "OutOfStock" in failure.message
    assert "step: placeOrder" in failure.text
    assert "API error code: OutOfStock" in failure.text
    assert "API error message: item 3 is out of stock" in failure.text
    assert "HTTP status: 409" in failure.text
    # step timing in system-out: each execution with its status and duration
    out = order.system_out
    assert "lookUp #1  succeeded HTTP 200" in out and "placeOrder #1  failed HTTP 409" in out
    assert " ms" in out
    assert SECRET_KEY not in report.read_text()


def test_failure_end_counts_as_failed_against_the_emulator(arazzo, tmp_path, monkeypatch) -> None:
    from arazzo_runner.aws.sagemaker_emulator import (
        DEMO_ACCESS_KEY_ID,
        DEMO_SECRET_ACCESS_KEY,
        EmulatorServer,
        SageMakerEmulator,
    )
    from tests.conftest import ROOT

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEMO_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEMO_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    report = tmp_path / "junit.xml"
    document = ROOT / "workflows" / "amazon-sagemaker-train-fail-on-error-workflow.yml"
    with EmulatorServer(SageMakerEmulator(in_progress=1)) as server:
        code, out, _ = arazzo(
            "test",
            str(document),
            "--server",
            f"sagemakerApi={server.url}",
            "--poll-interval",
            "0",
            "--no-journal",
            "--junit",
            str(report),
            "--html",
            str(tmp_path / "report.html"),
        )
    assert code == 1, out  # the workflow's failureActions `end` ran: a failed test
    (case,) = next(iter(JUnitXml.fromfile(str(report))))
    (failure,) = case.result
    assert failure.type == "failure_end" and "pollTrainingJob" in failure.message
    assert DEMO_SECRET_ACCESS_KEY not in report.read_text()
    page = (tmp_path / "report.html").read_text()  # every SigV4 request shown, its signature not
    assert page.count("authorization: [redacted]") == 3 and "AWS4-HMAC" not in page
