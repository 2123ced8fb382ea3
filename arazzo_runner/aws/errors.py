"""Errors of the AWS tools: a service, operation or protocol the generator cannot describe."""

from __future__ import annotations

from ..errors import UsageError


class AwsModelError(UsageError):
    """The service or operation asked for cannot be described; the message says what to ask instead.

    A usage error (exit code 2): a misspelt service, an operation the service lacks, or a
    protocol the generator does not describe (Smithy RPC v2 CBOR only).
    """
