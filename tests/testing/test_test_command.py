"""``arazzo test``: every workflow as a test case, over real HTTP to a small shop API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from .conftest import SECRET_KEY


def _lines(out: str) -> dict[str, str]:
    """The result line of each workflow, by workflow id."""
    found = {}
    for line in out.splitlines():
        if "::" in line and line.split()[0] in ("PASS", "FAIL", "SKIP", "ERROR"):
            found[line.split("::", 1)[1].split()[0].rstrip(":")] = line
    return found


def test_every_workflow_is_a_case_with_its_inputs_and_a_reason_for_skips(
    shop, suite, arazzo, tmp_path
) -> None:
    report = tmp_path / "results.json"
    code, out, _ = arazzo(
        "test",
        str(suite / "shop.arazzo.yaml"),
        "--server",
        f"shop={shop.url}",
        "--no-journal",
        "--report-json",
        str(report),
    )
    assert code == 1  # one workflow failed
    lines = _lines(out)
    assert lines["get-item"].startswith("PASS")
    assert lines["after-item"].startswith("PASS")
    assert lines["needs-token"].startswith("SKIP") and "token" in lines["needs-token"]
    assert lines["order"].startswith("FAIL")
    assert "step placeOrder" in lines["order"] and "OutOfStock" in lines["order"]
    assert "2 passed, 1 failed, 1 skipped" in out
    # each workflow got its own inputs from the keyed file next to the document
    assert ("GET", "/items/1") in [r[:2] for r in shop.requests]
    assert ("GET", "/items/2") in [r[:2] for r in shop.requests]
    results = json.loads(report.read_text())
    assert [r["workflowId"] for r in results] == ["get-item", "order", "after-item", "needs-token"]
    assert [r["status"] for r in results] == ["succeeded", "failed", "succeeded", "skipped"]
    assert results[0]["outputs"] == {"name": "item 1"}
    assert {"steps", "error", "requests", "durationMs", "transportRetries"} <= set(results[0])
    assert SECRET_KEY not in report.read_text()
    assert stat.S_IMODE(os.stat(report).st_mode) == 0o600


def test_exit_0_when_every_selected_workflow_succeeds_and_skips_do_not_fail(shop, suite, arazzo) -> None:
    code, out, _ = arazzo(
        "test", str(suite), "--server", f"shop={shop.url}", "--no-journal", "-k", "shop", "-k", "not order"
    )
    assert code == 0, out
    assert set(_lines(out)) == {"get-item", "after-item", "needs-token"}


def test_workflow_filter_and_inputs_option(shop, suite, arazzo) -> None:
    code, out, _ = arazzo(
        "test",
        str(suite / "shop.arazzo.yaml"),
        "--server",
        f"shop={shop.url}",
        "--no-journal",
        "--workflow",
        "get-item",
        "--inputs",
        '{"itemId": 7}',
    )
    assert code == 0, out
    assert list(_lines(out)) == ["get-item"]
    assert ("GET", "/items/7") in [r[:2] for r in shop.requests]


def test_jobs_run_workflows_side_by_side_on_one_loop(shop, suite, arazzo) -> None:
    # The endpoint answers only while both workflows' requests are in flight: one at a time fails.
    code, out, _ = arazzo(
        "test", str(suite / "together.arazzo.yaml"), "--server", f"shop={shop.url}", "--no-journal", "-j", "2"
    )
    assert code == 0, out
    assert "2 passed, 0 failed" in out


def test_annotation_line_is_the_step_line(shop, suite, capsys, monkeypatch) -> None:
    from arazzo_runner.cli.main import main

    document = suite / "shop.arazzo.yaml"
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    code = main(["test", str(document), "--server", f"shop={shop.url}", "--no-journal", "-k", "order"])
    out = capsys.readouterr().out
    assert code == 1
    line = next(
        n for n, text in enumerate(document.read_text().splitlines(), 1) if "stepId: placeOrder" in text
    )
    annotations = [a for a in out.splitlines() if a.startswith("::error ")]
    assert len(annotations) == 1
    assert annotations[0].startswith(
        f"::error file={document},line={line},title=order failed at step placeOrder::"
    )
    assert "OutOfStock" in annotations[0] and SECRET_KEY not in out


def test_record_then_replay_one_har_per_workflow_without_the_server(suite, arazzo, tmp_path) -> None:
    from .conftest import ShopServer

    recordings = tmp_path / "recordings"
    with ShopServer() as shop:
        code, out, _ = arazzo(
            "test",
            str(suite / "shop.arazzo.yaml"),
            "--server",
            f"shop={shop.url}",
            "--record",
            str(recordings),
        )
    assert code == 1
    hars = sorted(p.name for p in recordings.iterdir())
    assert hars == ["shop.arazzo.after-item.har", "shop.arazzo.get-item.har", "shop.arazzo.order.har"]
    assert all(SECRET_KEY not in (recordings / h).read_text() for h in hars)
    # the server is gone: the replay answers from the recordings alone, with the same verdicts
    code, out, _ = arazzo("test", str(suite / "shop.arazzo.yaml"), "--replay", str(recordings), "-j", "3")
    assert code == 1, out
    lines = _lines(out)
    assert lines["get-item"].startswith("PASS") and lines["after-item"].startswith("PASS")
    assert lines["order"].startswith("FAIL") and "OutOfStock" in lines["order"]
    assert lines["needs-token"].startswith("SKIP")


def test_replay_without_a_recording_skips_with_the_file_it_wanted(suite, arazzo, tmp_path) -> None:
    empty = tmp_path / "none"
    empty.mkdir()
    code, out, _ = arazzo("test", str(suite / "together.arazzo.yaml"), "--replay", str(empty))
    assert code == 0
    assert "no recording" in _lines(out)["left"] and "together.arazzo.left.har" in _lines(out)["left"]


def test_a_document_that_does_not_load_is_an_error_not_a_silent_gap(suite, arazzo, tmp_path) -> None:
    (suite / "broken.arazzo.yaml").write_text("arazzo: 1.0.1\ninfo: {title: x, version: '1'}\nworkflows: 3\n")
    junit = tmp_path / "r.xml"
    code, _out, _ = arazzo("test", str(suite / "broken.arazzo.yaml"), "--junit", str(junit))
    assert code == 2
    assert "<error" in junit.read_text()
    (line,) = [line for line in _out.splitlines() if line.startswith("ERROR")]
    assert line.startswith(f"ERROR {suite / 'broken.arazzo.yaml'}::(document)") and "workflows" in line


def test_no_workflow_found_is_a_usage_error(tmp_path, arazzo) -> None:
    code, _, err = arazzo("test", str(tmp_path))
    assert code == 2 and "no workflows found" in err


def test_dependson_order_by_default_and_concurrent_when_asked() -> None:
    from arazzo_runner.testing import TestCase
    from arazzo_runner.testing.suite import dependency_chains

    def case(wid: str, *deps: str, doc: str = "d.yaml") -> TestCase:
        return TestCase(doc, wid, None, depends_on=deps)

    cases = [case("c", "a", "b"), case("a"), case("b"), case("x", doc="other.yaml")]
    chains = [[c.workflow_id for c in chain] for chain in dependency_chains(cases)]
    assert chains == [["a", "b", "c"], ["x"]]


def _schedule(parallel: bool) -> list[str]:
    """What the scheduler starts and ends, with each case's run replaced by a few loop turns."""
    import asyncio

    from arazzo_runner.testing import SuiteSettings, TestCase
    from arazzo_runner.testing import suite as suite_module

    log: list[str] = []

    async def fake_run(case, settings, listener):
        log.append(f"start {case.workflow_id}")
        for _ in range(3):
            await asyncio.sleep(0)
        log.append(f"end {case.workflow_id}")
        return suite_module.skipped(case, 0.0)

    cases = [
        TestCase("d.yaml", "c", None, depends_on=("a", "b")),
        TestCase("d.yaml", "a", None),
        TestCase("d.yaml", "b", None),
    ]
    original = suite_module.run_case
    suite_module.run_case = fake_run
    try:
        asyncio.run(suite_module.run_suite(cases, SuiteSettings(), jobs=3, parallel_depends_on=parallel))
    finally:
        suite_module.run_case = original
    return log


def test_depends_on_runs_in_order_by_default() -> None:
    assert _schedule(False) == ["start a", "end a", "start b", "end b", "start c", "end c"]


def test_parallel_depends_on_runs_independent_dependencies_together() -> None:
    log = _schedule(True)
    assert log.index("start b") < log.index("end a")  # a and b side by side
    assert log.index("start c") > max(log.index("end a"), log.index("end b"))  # c after both


def test_live_runs_are_journaled_side_by_side(shop, suite, arazzo) -> None:
    code, out, err = arazzo(
        "test", str(suite / "together.arazzo.yaml"), "--server", f"shop={shop.url}", "-j", "2"
    )
    assert code == 0, out + err
    code, listing, _ = arazzo("runs", "list")
    assert code == 0 and listing.count("succeeded") >= 2, listing


def test_terminal_progress_names_the_running_steps_and_clears_before_each_result() -> None:
    import io

    from arazzo_runner.engine.events import StepStarted
    from arazzo_runner.testing import TestCase
    from arazzo_runner.testing.suite import skipped

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    from arazzo_runner.cli.test_command import LineRenderer

    stream = Terminal()
    renderer = LineRenderer(stream, quiet=False, total=2)
    first = TestCase("d.yaml", "first", None)
    renderer.case_started(first)
    renderer.case_event(first, StepStarted("first", "poll", 1, 3))
    assert stream.getvalue().endswith("[0/2] running: first (poll #3)")
    renderer.case_finished(skipped(TestCase("d.yaml", "second", None, skip_reason="no inputs"), 0.0))
    assert "\r\x1b[2KSKIP  d.yaml::second: no inputs\n[1/2] running: first (poll #3)" in stream.getvalue()


def test_ci_log_gets_a_running_line_at_most_every_heartbeat() -> None:
    import io

    from arazzo_runner.cli.test_command import LineRenderer
    from arazzo_runner.engine.events import StepStarted
    from arazzo_runner.testing import TestCase

    now = [0.0]
    stream = io.StringIO()  # not a terminal: a CI log
    renderer = LineRenderer(stream, quiet=False, total=1, heartbeat=30, clock=lambda: now[0])
    case = TestCase("d.yaml", "train", None)
    renderer.case_started(case)
    for execution in range(1, 5):
        now[0] += 10
        renderer.case_event(case, StepStarted("train", "poll", 1, execution))
    assert stream.getvalue() == "... [0/1] running: train (poll #3)\n"


def test_output_json_prints_the_result_array_and_lines_go_to_stderr(shop, suite, arazzo) -> None:
    code, out, err = arazzo(
        "test",
        str(suite / "shop.arazzo.yaml"),
        "--server",
        f"shop={shop.url}",
        "--no-journal",
        "--output",
        "json",
    )
    assert code == 1
    results = json.loads(out)
    assert [r["status"] for r in results] == ["succeeded", "failed", "succeeded", "skipped"]
    assert results[1]["error"]["stepId"] == "placeOrder" and results[0]["document"].endswith(
        "shop.arazzo.yaml"
    )
    assert "FAIL" in err and "2 passed, 1 failed, 1 skipped" in err


def test_replay_skips_a_workflow_with_message_steps_rather_than_reach_its_broker(arazzo, tmp_path) -> None:
    from tests.conftest import ROOT

    document = ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml"
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    (recordings / f"{document.stem}.train-and-wait-for-event.har").write_text("{}")
    code, out, _ = arazzo("test", str(document), "--replay", str(recordings))
    assert code == 0
    assert "SKIP" in out and "message step waitForStateChange cannot be replayed" in out


def test_interrupted_suite_exits_130_and_reports_what_finished(
    shop, suite, arazzo, tmp_path, monkeypatch
) -> None:
    from arazzo_runner.testing import suite as suite_module

    original = suite_module.run_case

    async def interrupt_at_order(case, settings, listener):
        if case.workflow_id == "order":
            raise KeyboardInterrupt
        return await original(case, settings, listener)

    monkeypatch.setattr(suite_module, "run_case", interrupt_at_order)
    report = tmp_path / "partial.json"
    code, _, err = arazzo(
        "test",
        str(suite / "shop.arazzo.yaml"),
        "--server",
        f"shop={shop.url}",
        "--no-journal",
        "--report-json",
        str(report),
    )
    assert code == 130
    assert "interrupted after 2 of 4 workflows" in err  # get-item ran; needs-token was skipped at once
    assert sorted(r["workflowId"] for r in json.loads(report.read_text())) == ["get-item", "needs-token"]


def test_annotations_keep_json_stdout_parseable(shop, suite, capsys, monkeypatch) -> None:
    from arazzo_runner.cli.main import main

    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    args = [
        "test",
        str(suite / "shop.arazzo.yaml"),
        "--server",
        f"shop={shop.url}",
        "--no-journal",
        "-k",
        "order",
    ]
    code = main([*args, "--output", "json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert json.loads(out)[0]["status"] == "failed"
    assert err.count("::error file=") == 1


def test_folders_are_searched_without_hidden_or_vendored_trees(suite) -> None:
    from arazzo_runner.testing import find_documents

    (suite / ".venv" / "lib").mkdir(parents=True)
    (suite / ".venv" / "lib" / "vendored.arazzo.yaml").write_text("arazzo: 1.0.1\n")
    (suite / "node_modules").mkdir()
    (suite / "node_modules" / "x.arazzo.yaml").write_text("arazzo: 1.0.1\n")
    (suite / "nested").mkdir()
    (suite / "nested" / "more.json").write_text('{"arazzo": "1.0.1"}')
    (suite / "nested" / "openapi.json").write_text('{"openapi": "3.0.0"}')
    found = [Path(p).relative_to(suite).as_posix() for p in find_documents([str(suite)])]
    assert found == ["nested/more.json", "shop.arazzo.yaml", "together.arazzo.yaml"]


_NULL_OUTPUT_DOC = """\
arazzo: 1.0.1
info: {title: Null output, version: "1"}
sourceDescriptions:
  - {name: shop, url: ./shop.openapi.yaml, type: openapi}
workflows:
  - workflowId: colour-of-item
    steps:
      - stepId: fetchItem
        operationId: getItem
        parameters:
          - {name: id, in: path, value: 1}
        successCriteria: [{condition: $statusCode == 200}]
        outputs:
          colour: $response.body#/colour
    outputs:
      colour: $steps.fetchItem.outputs.colour
"""


def test_a_null_output_is_a_warning_in_the_results_and_strict_fails_it(shop, suite, arazzo) -> None:
    """Never a silent null: the result object lists the warnings `arazzo run` lists, and --strict
    fails the workflow as `arazzo run --strict` does (the item has no member 'colour')."""
    document = suite / "nulls.arazzo.yaml"
    document.write_text(_NULL_OUTPUT_DOC)
    args = ("test", str(document), "--server", f"shop={shop.url}", "--no-journal", "--output", "json")
    code, out, _ = arazzo(*args)
    assert code == 0
    (result,) = json.loads(out)
    assert result["status"] == "succeeded" and result["outputs"] == {"colour": None}
    assert any("colour" in w["message"] and w["stepId"] == "fetchItem" for w in result["warnings"])
    assert "strict" not in result

    code, out, err = arazzo(*args, "--strict")
    assert code == 1
    (result,) = json.loads(out)
    # as `arazzo run --strict --output json`: the run's own status, and what --strict made of it
    assert result["strict"] == {"failed": True, "warnings": len(result["warnings"])}
    assert "FAIL" in err and "--strict: " in err and "colour" in err
