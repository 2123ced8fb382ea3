"""The CLI in a forked child, for the crash battery: imported once by the forkserver, warm.

Importing this module imports everything a run and a resume use and parses the two flagships once, so
that each forked ``arazzo`` starts in milliseconds instead of the second or so a cold interpreter
needs (more when bytecode is not cached). The journal's checks of the document (fingerprint,
source file hashes) still run in every child; the content digests of the unchanged source files are
computed here once too, not in each child.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY
from arazzo_runner.cli import main as cli_main
from arazzo_runner.cli import resume, run, runs  # noqa: F401  (warm imports)
from arazzo_runner.document.loader import LoadReport, load_report
from arazzo_runner.document.resolved import Document
from arazzo_runner.errors import Severity
from arazzo_runner.journal import in_doubt, recorder, store  # noqa: F401
from tests.conftest import FLAGSHIP, ROOT

INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"

ENV = {
    "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
    "AWS_REGION": "us-east-1",
}
DROP_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER")


#: The documents the batteries run (the flagship and the event flagship), loaded once in the
#: forkserver: each child skips the parsing and schema validation (not what is tested here).
PRELOADED = (FLAGSHIP, ROOT / "workflows" / "amazon-sagemaker-train-and-wait-for-event-workflow.yml")


def _preload() -> tuple[dict[Path, LoadReport], dict[Path, Document]]:
    """Each document parsed once: its report for `arazzo run`, its document (with the warnings
    ``loader.load`` puts on it) for `arazzo resume`."""
    import botocore.auth
    import botocore.session  # noqa: F401

    reports = {path: load_report(path) for path in PRELOADED}
    documents = {}
    for path, report in reports.items():
        assert report.document is not None and all(p.severity is not Severity.ERROR for p in report.problems)
        report.document.warnings = [p for p in report.problems if p.severity is Severity.WARNING]
        documents[path] = report.document
    return reports, documents


_REPORTS, _DOCUMENTS = _preload()


def _warm_run() -> None:
    """One whole run in the forkserver (its own emulator, stopped after) warms what a first run builds lazily."""
    import contextlib
    import io
    import tempfile

    from arazzo_runner.aws.sagemaker_emulator import EmulatorServer, SageMakerEmulator

    saved = dict(os.environ)
    os.environ.update(ENV)
    try:
        with (
            EmulatorServer(SageMakerEmulator(in_progress=0)) as server,
            tempfile.TemporaryDirectory() as folder,
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
        ):
            journal = os.path.join(folder, "runs.db")
            cli_main.main(
                ["run", str(FLAGSHIP), "--inputs", str(INPUTS), "-i", "trainingJobName=warm-up", "--server",
                 f"sagemakerApi={server.url}", "--poll-interval", "0", "--journal", journal, "--output", "json"]
            )  # fmt: skip
            cli_main.main(["runs", "--journal", journal])
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _with_documents_loaded() -> None:
    """Hand the preloaded documents to `arazzo run` (``commands.load_report``) and `arazzo resume`
    (``loader.load``) instead of parsing them again; any other document, or one loaded with other
    documents or a source map, is loaded as usual."""
    from arazzo_runner.cli import commands
    from arazzo_runner.document import loader

    # A rename must fail here, loudly, not quietly make every child parse again (as it once did).
    original_report, original_load = getattr(commands, "load_report"), loader.load  # noqa: B009

    def preloaded(path: object, options: dict[str, Any]) -> Path | None:
        if options.get("documents") or options.get("source_map"):
            return None
        resolved = Path(str(path)).resolve()
        return resolved if resolved in _DOCUMENTS else None

    def load_report_preloaded(path: Any, **options: Any) -> LoadReport:
        found = preloaded(path, options)
        return _REPORTS[found] if found else original_report(path, **options)

    def load_preloaded(path: Any, **options: Any) -> Document:
        found = preloaded(path, options)
        return _DOCUMENTS[found] if found else original_load(path, **options)

    setattr(commands, "load_report", load_report_preloaded)  # noqa: B010
    loader.load = load_preloaded


_warm_run()


def _digests() -> dict[str, tuple[str | None, str]]:
    """The content digest of every file the preloaded documents read (``recorder.source_hashes``),
    with the file's stat: a run's journal is new in every trial, so each child parsed the
    flagship's OpenAPI description again just to hash it."""
    return {
        path: (recorder.file_stat(Path(path)), digest)
        for document in _DOCUMENTS.values()
        for path, digest in recorder.source_hashes(document).items()
    }


_DIGESTS = _digests()


def _with_digests_computed() -> None:
    """A child's journal takes the digests computed above for files whose size, times and inode
    are unchanged (the rule of the journal's own remembered digests; any other file is read and
    hashed as usual)."""
    original_digest = recorder._content_digest

    def content_digest(path: Path) -> str:
        stat, digest = _DIGESTS.get(str(path), (None, ""))
        if stat is not None and recorder.file_stat(path) == stat:
            return digest
        return original_digest(path)

    recorder._content_digest = content_digest


def cli_child(
    argv: list[str],
    out: str,
    err: str,
    env: dict[str, str] | None = None,
    prepare: Callable[[], None] | None = None,
) -> None:
    """In the forked child: the `arazzo` command line with stdout/stderr to files.

    ``env`` replaces :data:`ENV` (another battery's credentials and endpoints); ``prepare`` runs
    first (a battery's kill hooks).
    """
    _with_documents_loaded()
    _with_digests_computed()
    for name in DROP_ENV:
        os.environ.pop(name, None)
    os.environ.update(ENV if env is None else env)
    if prepare is not None:
        prepare()
    with open(out, "w") as stdout, open(err, "w") as stderr:
        os.dup2(stdout.fileno(), 1)
        os.dup2(stderr.fileno(), 2)
        code = cli_main.main(argv)
        sys.stdout.flush()
        sys.stderr.flush()
    # The exit code also goes to a file: multiprocessing's own report of it can be lost when two
    # threads start and join processes at once (Process.start() polls every child).
    Path(out + ".code").write_text(str(code))
    os._exit(code)
