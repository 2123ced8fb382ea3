"""``arazzo test``: every workflow of every document as a test case, run concurrently, reported for CI.

* :mod:`.discovery`: documents under paths/globs, their workflows and inputs, skip reasons;
* :mod:`.suite`: runs the cases on one event loop (``-j N``), in ``dependsOn`` order;
* :mod:`.trace`: what a case did (steps, polls, waits, exchanges) for the reports in
  :mod:`arazzo_runner.reports` (JUnit, HTML, JSON, GitHub annotations).
"""

from .discovery import BrokenDocument, TestCase, cases_of_document, find_documents
from .suite import CaseOutcome, Failure, SuiteSettings, run_suite

__all__ = [
    "BrokenDocument",
    "CaseOutcome",
    "Failure",
    "SuiteSettings",
    "TestCase",
    "cases_of_document",
    "find_documents",
    "run_suite",
]
