"""The CLI in a forked child, for the crash battery: imported once by the forkserver, warm.

Importing this module imports everything a run and a resume use and parses the flagship once, so
that each forked ``arazzo`` starts in milliseconds instead of the second or so a cold interpreter
needs (more when bytecode is not cached). The journal's checks of the document (fingerprint,
source file hashes) still run in every child.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from arazzo_runner.aws.sagemaker_emulator import DEMO_ACCESS_KEY_ID, DEMO_SECRET_ACCESS_KEY
from arazzo_runner.cli import main as cli_main
from arazzo_runner.cli import resume, run, runs  # noqa: F401  (warm imports)
from arazzo_runner.document.loader import load_with_problems
from arazzo_runner.journal import in_doubt, recorder, store  # noqa: F401
from tests.conftest import FLAGSHIP, ROOT

INPUTS = ROOT / "workflows" / "amazon-sagemaker-train-and-poll-job-workflow.inputs.json"

ENV = {
    "AWS_ACCESS_KEY_ID": DEMO_ACCESS_KEY_ID,
    "AWS_SECRET_ACCESS_KEY": DEMO_SECRET_ACCESS_KEY,
    "AWS_REGION": "us-east-1",
}
DROP_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_SAGEMAKER")


def _warm() -> tuple[object, list[object]]:
    import botocore.auth
    import botocore.session  # noqa: F401

    return load_with_problems(str(FLAGSHIP))


#: The flagship, parsed once in the forkserver: each child skips the parsing (not what is tested here).
_FLAGSHIP = _warm()


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


def _with_flagship_loaded() -> None:
    """Hand the parsed flagship to `arazzo run` and `arazzo resume` instead of parsing it again."""
    from arazzo_runner.cli import commands
    from arazzo_runner.document import loader

    def load_with_flagship(path: str, **kwargs: object) -> object:
        if Path(path).resolve() == FLAGSHIP:
            return _FLAGSHIP
        return load_with_problems(path, **kwargs)

    def load(path: str, **kwargs: object) -> object:
        if Path(path).resolve() == FLAGSHIP:
            return _FLAGSHIP[0]
        return original_load(path, **kwargs)

    original_load = loader.load
    commands.load_with_problems = load_with_flagship  # type: ignore[assignment]
    loader.load = load  # type: ignore[assignment]


_warm_run()


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
    _with_flagship_loaded()
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
