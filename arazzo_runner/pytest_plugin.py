"""pytest plugin: test Arazzo workflows offline, from HAR recordings or canned responses.

Installed with the package (entry point ``pytest11: arazzo``), so any project that installs
arazzo-runner gets:

* the ``arazzo_replay`` fixture, a function
  ``arazzo_replay(document, recording=None, *, inputs=None, workflow_id=None, responses=None,
  match=None, check=True, **run_options) -> RunResult``:

  - ``document``: a path (relative to the pytest root directory) or a loaded ``Document``;
  - ``recording``: a HAR file (see :mod:`arazzo_runner.recording.har`); inputs and workflow id
    default to the recording's;
  - ``responses``: canned ``(match, response)`` pairs instead of a file
    (see :mod:`arazzo_runner.recording.canned`);
  - ``match``: what a request must share with the recorded one (``"method,path,body"``);
  - ``check``: a request the recording did not expect fails the test with the diff;
    ``check=False`` returns the (failed) result instead;
  - ``run_options``: ``servers=``, ``options=``, ``aws=``… as for ``Document.run``.

  Replays never touch the network, sign SigV4 with throwaway keys when no credentials are
  configured, and run poll loops without waiting.

* ``pytest --arazzo-record``: the same tests run against the real endpoints (your credentials,
  ``servers=`` if given) and rewrite their recordings; canned-response tests are unchanged.
  A recording is written to a temporary file and replaces the old one only when the run
  succeeded: a failed run (a wrong secret, an endpoint down) is kept next to it as
  ``NAME.failed.har`` and a warning says so. ``--arazzo-record-force`` replaces it anyway.
* ``pytest --arazzo PATHS`` (``--arazzo-replay DIR``, ``--arazzo-server SOURCE=URL``): every
  workflow of the Arazzo documents under PATHS is a test item, as ``arazzo test`` runs them
  (see :mod:`arazzo_runner.testing.pytest_items`).
* assertion helpers with readable failures: :func:`assert_succeeded`, :func:`assert_failed`,
  :func:`assert_outputs`, :func:`assert_attempts`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from .recording.assertions import assert_attempts, assert_failed, assert_outputs, assert_succeeded

__all__ = ["assert_attempts", "assert_failed", "assert_outputs", "assert_succeeded"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("arazzo", "Arazzo workflow recordings")
    group.addoption(
        "--arazzo-record",
        action="store_true",
        default=False,
        help="run arazzo_replay tests against the real endpoints and rewrite their HAR recordings when the"
        " run succeeds",
    )
    # A separate flag, not --arazzo-record=force: an optional value would swallow a test path
    # written after it (pytest --arazzo-record tests/).
    group.addoption(
        "--arazzo-record-force",
        action="store_true",
        default=False,
        help="like --arazzo-record, but also replace a recording when its run fails",
    )
    from .testing.pytest_items import add_options

    add_options(group)


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> Any:
    """``pytest --arazzo PATHS``: each workflow of each Arazzo document found is a test item."""
    from .testing.pytest_items import collect_file

    return collect_file(file_path, parent)


def _resolve(root: Path, path: str | Path) -> Path:
    path = Path(path)
    return path if path.is_absolute() else root / path


def _record_safely(
    record: Callable[..., Any],
    document: Any,
    workflow_id: str | None,
    inputs: Any,
    har: Path,
    label: str,
    force: bool,
    run_options: dict[str, Any],
) -> Any:
    """Record to a temporary file; replace ``har`` only when the run succeeded (or ``force``)."""
    import os
    import warnings

    har.parent.mkdir(parents=True, exist_ok=True)
    temporary = har.with_name(har.name + ".recording")
    try:
        result = record(document, workflow_id, inputs, temporary, label=label, **run_options)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    if result.succeeded or force:
        os.replace(temporary, har)
        return result
    failed = har.with_name(f"{har.stem}.failed{har.suffix or '.har'}")
    os.replace(temporary, failed)
    reason = result.error.message if result.error is not None else "the run failed"
    warnings.warn(
        f"{har}: not re-recorded because the run failed ({reason}); its recording is in {failed}"
        " (pytest --arazzo-record-force replaces the recording anyway)",
        stacklevel=3,
    )
    return result


@pytest.fixture(scope="session")
def _arazzo_documents() -> dict[Path, Any]:
    """Loaded documents by path: loading an OpenAPI description once per session keeps tests fast."""
    return {}


@pytest.fixture
def arazzo_record_mode(request: pytest.FixtureRequest) -> bool:
    """True when pytest runs with ``--arazzo-record`` or ``--arazzo-record-force``."""
    return bool(request.config.getoption("arazzo_record") or request.config.getoption("arazzo_record_force"))


@pytest.fixture
def arazzo_replay(
    request: pytest.FixtureRequest, _arazzo_documents: dict[Path, Any], arazzo_record_mode: bool
) -> Callable[..., Any]:
    """Run a workflow from a HAR recording or canned responses; returns its ``RunResult``."""
    root = Path(request.config.rootpath)

    def load(document: Any) -> Any:
        if not isinstance(document, str | Path):
            return document
        path = _resolve(root, document).resolve()
        if path not in _arazzo_documents:
            import arazzo_runner

            _arazzo_documents[path] = arazzo_runner.load(path)
        return _arazzo_documents[path]

    def run(
        document: Any,
        recording: str | Path | None = None,
        *,
        inputs: dict[str, Any] | None = None,
        workflow_id: str | None = None,
        responses: Iterable[tuple[Any, Any]] | None = None,
        match: str | Iterable[str] | None = None,
        check: bool = True,
        **run_options: Any,
    ) -> Any:
        from .recording import read_har, record, replay

        loaded = load(document)
        har = _resolve(root, recording) if recording is not None else None
        if arazzo_record_mode and har is not None:
            if inputs is None and har.exists():
                inputs = read_har(har).inputs
            if inputs is not None and "***" in repr(inputs):
                pytest.fail(
                    f"{har}: the recorded inputs have masked secrets; pass inputs= to re-record",
                    pytrace=False,
                )
            if workflow_id is None and har.exists():
                workflow_id = read_har(har).workflow_id
            force = bool(request.config.getoption("arazzo_record_force"))
            return _record_safely(record, loaded, workflow_id, inputs, har, str(document), force, run_options)
        outcome = replay(
            loaded,
            har,
            responses=list(responses) if responses is not None else None,
            workflow_id=workflow_id,
            inputs=inputs,
            match=match,
            **run_options,
        )
        if check and outcome.problems:
            where = f"the recording {har}" if har is not None else "the canned responses"
            pytest.fail(f"the run does not match {where}:\n" + "\n".join(outcome.problems), pytrace=False)
        return outcome.result

    return run
