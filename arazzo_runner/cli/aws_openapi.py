"""The ``arazzo aws-openapi`` command: an OpenAPI 3.1 description of an AWS service, any protocol.

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
    from .arguments import add_command

    parser = add_command(
        commands,
        "aws-openapi",
        help="generate an OpenAPI 3.1 description of an AWS service from botocore's model",
        description=(
            "Generate an OpenAPI 3.1 description of an AWS service (sagemaker, dynamodb, s3, lambda,\n"
            "ec2, sts...) from the service model inside botocore, in its own protocol (JSON, REST-JSON,\n"
            "REST-XML, Query, EC2): servers per region, operations with botocore's ids plus lowerCamel\n"
            "aliases, parameters, schemas, AWS errors and SigV4."
        ),
        epilog="examples:\n  arazzo aws-openapi s3 --operations GetObject,PutObject -o s3.yml\n"
        "  arazzo aws-openapi dynamodb -o dynamodb.yml\n"
        "  arazzo run flow.arazzo.yaml --source-map ../openapi/amazon-s3.yml=s3.yml",
    )
    parser.add_argument("service", help="botocore's service name (as in boto3.client(NAME)), e.g. sagemaker")
    parser.add_argument(
        "--operations",
        metavar="A,B",
        help="only these operations (botocore's names such as GetItem, or getItem; comma-separated), with"
        " the shapes they use; default: all",
    )
    # -o/--out as in `graph` and `export-asl`; --output-file is the spelling of earlier releases.
    parser.add_argument(
        "-o", "--out", "--output-file", dest="out", metavar="FILE", help="write to FILE instead of stdout"
    )


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
    if not args.out:
        sys.stdout.write(text)
        return EXIT_OK
    write_atomically(args.out, text)
    return EXIT_OK


def write_atomically(path: str, text: str) -> None:
    """Write through a temporary file in the same folder, so a failed run never leaves half a file.

    The file gets the mode a plain ``open(path, "w")`` would give (the existing file's, else
    0666 less the umask): a description holds no run data or secret, and the temporary file's
    private 0600 would surprise whoever shares or serves it."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        mode = os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=folder, delete=False, suffix=".tmp"
    ) as handle:
        handle.write(text)
        temporary = handle.name
    os.chmod(temporary, mode)
    os.replace(temporary, path)


def _umask() -> int:
    current = os.umask(0o022)  # reading the umask means setting it; put it straight back
    os.umask(current)
    return current
