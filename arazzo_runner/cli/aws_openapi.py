"""The ``arazzo aws-openapi`` command: an OpenAPI 3.1 description of an AWS JSON service.

Registering the subparser imports nothing heavy (``arazzo --help`` stays fast); botocore and
PyYAML are imported when the command runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any

EXIT_OK = 0


def add_aws_openapi_parser(commands: Any) -> None:
    """Add ``aws-openapi`` to the ``arazzo`` subcommands (``commands`` is argparse's subparsers)."""
    parser = commands.add_parser(
        "aws-openapi",
        help="generate an OpenAPI 3.1 description of an AWS JSON-protocol service from botocore's model",
        description=(
            "Generate an OpenAPI 3.1 description of an AWS JSON 1.0/1.1 service (sagemaker, dynamodb,"
            " logs, stepfunctions, sqs...) from the service model inside botocore: servers per region,"
            " POST operations keyed /#X-Amz-Target=..., schemas, AWS errors and SigV4."
            " REST-JSON, REST-XML, Query and EC2 services are not supported."
        ),
    )
    parser.add_argument("service", help="botocore's service name (as in boto3.client(NAME)), e.g. sagemaker")
    parser.add_argument(
        "--operations",
        metavar="A,B",
        help="only these operations (model names, comma-separated), with the shapes they use; default: all",
    )
    parser.add_argument("-o", "--output-file", metavar="FILE", help="write to FILE instead of stdout")


def run_aws_openapi(args: argparse.Namespace) -> int:
    """Generate and write the description; an :class:`ArazzoError` is printed in one line by the caller."""
    from ..aws.openapi_gen import render_openapi
    from ..errors import ArazzoError

    operations = [op for op in (args.operations or "").split(",") if op.strip()] or None
    try:
        text = render_openapi(args.service, operations)
    except ArazzoError as exc:
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    if not args.output_file:
        sys.stdout.write(text)
        return EXIT_OK
    write_atomically(args.output_file, text)
    return EXIT_OK


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same folder, so a failed run never leaves half a file."""
    folder = os.path.dirname(os.path.abspath(path))
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp"
    ) as handle:
        handle.write(text)
        temporary = handle.name
    os.replace(temporary, path)
