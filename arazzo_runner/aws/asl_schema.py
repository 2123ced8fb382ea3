"""Check a state machine definition against the Amazon States Language JSON Schema.

The schema is the one cfn-lint (AWS's CloudFormation linter, rule E3601) ships and keeps up to
date; it is read from the installed ``cfn-lint`` package (a development dependency) rather than
copied here, so it stays current. ``moto``'s Step Functions parser is the second check the tests
use: it parses the definition with the ASL grammar when a state machine is created.
"""

from __future__ import annotations

import importlib.util
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import UsageError


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    # Found by path: importing cfnlint itself loads the whole linter (seconds) for one JSON file.
    spec = importlib.util.find_spec("cfnlint")
    folder = Path(spec.origin).parent if spec and spec.origin else None
    try:
        if folder is None:
            raise FileNotFoundError("cfnlint")
        text = (folder / "data" / "schemas" / "other" / "step_functions" / "statemachine.json").read_text()
    except OSError:
        raise UsageError(
            "checking a state machine needs cfn-lint's States Language schema: pip install cfn-lint"
        ) from None
    return jsonschema.Draft7Validator(json.loads(text))


def asl_schema_problems(definition: Any) -> list[str]:
    """Every schema violation as ``/json/pointer: message``; an empty list when the definition is valid."""
    problems = []
    for error in sorted(_validator().iter_errors(definition), key=lambda e: list(e.absolute_path)):
        pointer = "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in error.absolute_path)
        problems.append(f"{pointer}: {error.message}")
    return problems
