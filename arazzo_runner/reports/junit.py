"""``arazzo test --junit FILE``: JUnit XML as Jenkins and GitLab read it.

One ``<testsuite>`` per document, one ``<testcase>`` per workflow (``classname`` the document,
``name`` the workflow id, ``file``/``line`` where it is written). A failed workflow has a
``<failure>`` whose message names the step, the reason and the API's error code and message; an
error (bad inputs, a broken document) an ``<error>``; a skipped one ``<skipped message=reason>``.
Each step's timing goes in ``<system-out>``. Valid against the Jenkins xUnit JUnit schema
(``junit-10.xsd``, tested). Texts come from masked results and redacted traces: no credential.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from ..testing.suite import CaseOutcome
from ..testing.texts import failure_text as _failure_text
from ..testing.texts import step_timing

#: Characters XML 1.0 cannot hold (a server's answer may contain them): replaced, not dropped silently.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def _seconds(value: float) -> str:
    return f"{max(0.0, value):.3f}"


def junit_xml(outcomes: Sequence[CaseOutcome], *, name: str = "arazzo test") -> str:
    """The JUnit XML document for a suite's outcomes (grouped by document, in their order)."""
    documents: dict[str, list[CaseOutcome]] = {}
    for outcome in outcomes:
        documents.setdefault(outcome.document_path, []).append(outcome)
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0}
    total_time = 0.0
    hostname = socket.gethostname()
    for path, members in documents.items():
        failures = sum(o.status == "failed" for o in members)
        errors = sum(o.status == "error" for o in members)
        skipped = sum(o.status == "skipped" for o in members)
        elapsed = sum(o.duration for o in members)
        started = min(o.started_at for o in members)
        suite = ET.SubElement(
            root,
            "testsuite",
            name=path,
            tests=str(len(members)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            time=_seconds(elapsed),
            timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(started)),
            hostname=hostname,
            file=path,
        )
        for outcome in members:
            _testcase(suite, outcome)
        totals["tests"] += len(members)
        totals["failures"] += failures
        totals["errors"] += errors
        total_time += elapsed
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", _seconds(total_time))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, outcome: CaseOutcome) -> None:
    attributes = {
        "classname": outcome.document_path,
        "name": outcome.workflow_id,
        "time": _seconds(outcome.duration),
        "file": outcome.document_path,
    }
    line = outcome.failure.line if outcome.failure is not None else None
    if line is None and outcome.case is not None:
        from ..testing.suite import workflow_line

        line = workflow_line(outcome.case.document, outcome.case.workflow_id)
    if line is not None:
        attributes["line"] = str(line)
    case = ET.SubElement(suite, "testcase", attributes)
    if outcome.status == "skipped":
        ET.SubElement(case, "skipped", message=_clean(str(outcome.result["error"]["message"])))
    elif outcome.status in ("failed", "error") and outcome.failure is not None:
        failure = outcome.failure
        element = ET.SubElement(
            case,
            "failure" if outcome.status == "failed" else "error",
            message=_clean(failure.summary()),
            type=failure.type,
        )
        element.text = _clean(_failure_text(outcome))
    timing = step_timing(outcome)
    if timing:
        ET.SubElement(case, "system-out").text = _clean(timing)
    if outcome.trace.warnings:
        counts: dict[str, int] = {}
        for warning in outcome.trace.warnings:  # a poll loop repeats its warnings: each once, counted
            counts[warning] = counts.get(warning, 0) + 1
        lines = [f"warning: {w}" + (f" (x{n})" if n > 1 else "") for w, n in counts.items()]
        ET.SubElement(case, "system-err").text = _clean("\n".join(lines))
