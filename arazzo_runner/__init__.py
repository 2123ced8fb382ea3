"""arazzo-runner: execute Arazzo 1.0.x and 1.1.x workflows against OpenAPI-described HTTP APIs.

The public API is what this module exports; everything else may change between releases.
Imports are lazy so that ``import arazzo_runner`` (and ``arazzo --help``) stay cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ArazzoError",
    "Document",
    "DocumentError",
    "IamPolicy",
    "Journal",
    "Location",
    "Problem",
    "RunSettings",
    "RunnableDocument",
    "Severity",
    "StateMachineExport",
    "Telemetry",
    "UsageError",
    "__version__",
    "export_asl",
    "iam_policy",
    "list_runs",
    "load",
    "result_schema",
    "resume",
    "state_machine_policy",
    "validate",
]

if TYPE_CHECKING:
    from .aws.asl_export import StateMachineExport, export_asl
    from .aws.iam_policy import IamPolicy, iam_policy, state_machine_policy
    from .document.loader import validate
    from .document.resolved import Document
    from .engine.result import result_schema
    from .errors import ArazzoError, DocumentError, Location, Problem, Severity, UsageError
    from .journal import Journal, list_runs, resume
    from .run_settings import RunSettings
    from .running import RunnableDocument, load
    from .telemetry.setup import Telemetry

_LAZY = {
    "load": ("running", "load"),
    "RunnableDocument": ("running", "RunnableDocument"),
    "result_schema": ("engine.result", "result_schema"),
    "validate": ("document.loader", "validate"),
    "Document": ("document.resolved", "Document"),
    "ArazzoError": ("errors", "ArazzoError"),
    "DocumentError": ("errors", "DocumentError"),
    "UsageError": ("errors", "UsageError"),
    "Location": ("errors", "Location"),
    "Problem": ("errors", "Problem"),
    "Severity": ("errors", "Severity"),
    "iam_policy": ("aws.iam_policy", "iam_policy"),
    "IamPolicy": ("aws.iam_policy", "IamPolicy"),
    "state_machine_policy": ("aws.iam_policy", "state_machine_policy"),
    "export_asl": ("aws.asl_export", "export_asl"),
    "StateMachineExport": ("aws.asl_export", "StateMachineExport"),
    "Journal": ("journal.store", "Journal"),
    "resume": ("journal.resuming", "resume"),
    "list_runs": ("journal.resuming", "list_runs"),
    "RunSettings": ("run_settings", "RunSettings"),
    # OpenTelemetry (the [otel] extra): imported only when asked for.
    "Telemetry": ("telemetry.setup", "Telemetry"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(f".{module}", __name__), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
