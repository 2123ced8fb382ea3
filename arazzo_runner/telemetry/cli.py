"""``--otel`` and ``--propagate-trace`` for ``arazzo run`` and ``arazzo resume``.

Importing this module imports no ``opentelemetry``: :func:`telemetry_from` does, and only when
``--otel`` is given. Without the ``[otel]`` extra, ``--otel`` is a usage error saying how to
install it, not a traceback.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError


def add_telemetry_options(parser: Any) -> None:
    group = parser.add_argument_group("observability (OpenTelemetry, the [otel] extra)")
    group.add_argument(
        "--otel",
        action="store_true",
        help="send the run's traces and metrics over OTLP/HTTP, configured by the standard OTEL_*"
        " variables (OTEL_EXPORTER_OTLP_ENDPOINT, default http://localhost:4318; OTEL_SERVICE_NAME...)",
    )
    group.add_argument(
        "--propagate-trace",
        action="store_true",
        help="with --otel: put a W3C traceparent header on every outgoing request (off by default:"
        " requests, AWS ones included, carry no foreign headers)",
    )


def telemetry_from(args: argparse.Namespace) -> Any:
    """The run's :class:`~arazzo_runner.telemetry.Telemetry`, or ``None`` without ``--otel``."""
    otel = getattr(args, "otel", False)
    propagate = getattr(args, "propagate_trace", False)
    if propagate and not otel:
        raise UsageError("--propagate-trace needs --otel (there is no trace to propagate without it)")
    if not otel:
        return None
    try:
        from .setup import Telemetry
    except ImportError as exc:
        raise UsageError(
            f"--otel needs the OpenTelemetry SDK ({exc.name} is missing): pip install 'arazzo-runner[otel]'"
        ) from None
    return Telemetry.from_environment(propagate=propagate)
