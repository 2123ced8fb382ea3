"""Import, before the workflow sandbox ever runs, every module a workflow task would import lazily.

The first workflow task of a run loads its document and starts the engine. Done inside the sandbox,
that imported about 200 modules (the document loader and checks, ``jsonschema``, ``jsonschema_path``,
``referencing``...) while the task's deadlock detector was counting: under load, past its 2 s, the
worker printed ``[TMPRL1101] Potential deadlock detected`` tracebacks. Imported here, at worker start,
they are already in ``sys.modules`` when the workflow code (which passes them through the sandbox, see
``workflow._engine``) asks for them. A test checks that a first workflow task imports nothing new.
"""

from __future__ import annotations

import importlib

#: What the engine imports lazily on a workflow task: found by running a first task on the workflows
#: of this repository and listing ``sys.modules`` before and after (tests/temporal/test_preload.py).
MODULES = (
    "arazzo_runner.document.loader",
    "arazzo_runner.document.base_uri",
    "arazzo_runner.document.build",
    "arazzo_runner.document.checks",
    "arazzo_runner.document.checks_1_1",
    "arazzo_runner.document.describe",
    "arazzo_runner.document.references",
    "arazzo_runner.document.schema",
    "arazzo_runner.sources.references",
    "arazzo_runner.sources.openapi",
    "arazzo_runner.sources.asyncapi",
    "arazzo_runner.sources.security_schemes",
    "arazzo_runner.engine.redaction",
    "jsonschema",
    "jsonschema_path",
    "jsonschema_specifications",
    "referencing",
    "referencing.jsonschema",
    "encodings.utf_8_sig",  # documents are decoded with it
)


def preload() -> None:
    """Import :data:`MODULES`, and warm what they import on first use (a document schema check)."""
    for name in MODULES:
        importlib.import_module(name)
    from ..document.schema import validate_schema
    from ..yaml12 import parse_text

    for version in ((1, 0), (1, 1)):  # the validators are built (and their formats imported) once
        text = f"arazzo: {version[0]}.{version[1]}.0\ninfo: {{title: t, version: '1'}}\n"
        validate_schema(parse_text(text, "<preload>"), version)
