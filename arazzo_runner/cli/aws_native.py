"""The ``arazzo iam-policy`` and ``arazzo export-asl`` commands: thin renderers over the library.

Registering the subparsers imports nothing heavy; the document is loaded when a command runs,
exactly as ``validate``/``show`` load it (same problems, same exit code 2 for a bad document).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_USAGE = 2
COMMANDS = ("iam-policy", "export-asl")


def add_aws_native_parsers(commands: Any, add_document_options: Callable[[argparse.ArgumentParser], None]) -> None:
    """Add ``iam-policy`` and ``export-asl`` to the ``arazzo`` subcommands."""
    from .arguments import add_command, add_workflow_option

    policy = add_command(
        commands,
        "iam-policy",
        help="a least-privilege IAM policy (JSON) for the AWS operations a workflow can reach",
        epilog="examples:\n"
        "  arazzo iam-policy workflows/amazon-sagemaker-train-and-poll-job-workflow.yml \\\n"
        "      --inputs workflows/amazon-sagemaker-train-and-poll-job-workflow.inputs.json \\\n"
        "      --region us-east-1 --account-id 123456789012",
    )
    add_document_options(policy)
    add_workflow_option(policy)
    policy.add_argument(
        "--inputs",
        action="append",
        metavar="FILE|JSON",
        help="workflow inputs that narrow resources (job names, role ARNs); repeatable",
    )
    policy.add_argument("-i", "--input", action="append", metavar="NAME=VALUE", help="one input (repeatable)")
    policy.add_argument("--region", help="region in resource ARNs (default: *)")
    policy.add_argument("--account-id", metavar="ID", help="account id in resource ARNs (default: *)")
    policy.add_argument(
        "--for-state-machine",
        action="store_true",
        help="the policy for the execution role of `arazzo export-asl`'s state machine instead",
    )
    policy.add_argument(
        "--no-optimise", action="store_true", help="with --for-state-machine: for the export without .sync tasks"
    )

    asl = add_command(
        commands,
        "export-asl",
        help="an Amazon States Language state machine for a workflow of AWS operations",
        epilog="examples:\n"
        "  arazzo export-asl workflows/amazon-sagemaker-train-and-poll-job-workflow.yml\n"
        "  arazzo export-asl doc.arazzo.yaml --workflow train --no-optimise",
    )
    add_document_options(asl)
    add_workflow_option(asl)
    asl.add_argument(
        "--no-optimise",
        action="store_true",
        help="keep create-and-poll loops as aws-sdk tasks with Choice + Wait (no .sync integration)",
    )
    asl.add_argument("-o", "--out", metavar="FILE.asl.json", help="write the state machine to FILE")


def run_aws_native(args: argparse.Namespace, source_map: dict[str, str]) -> int:
    """Load the document, build the policy or state machine, print it; problems go to stderr."""
    from ..document.loader import load_with_problems
    from ..errors import ArazzoError, Severity
    from .settings import network_policy_from

    document, problems = load_with_problems(
        args.document,
        allow_remote=args.allow_remote,
        source_map=source_map,
        allow_outside=getattr(args, "allow_outside", False),
        network_policy=network_policy_from(args),
    )
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if document is None or errors:
        for problem in problems:
            print(problem, file=sys.stderr)
        return EXIT_USAGE
    try:
        if args.command == "iam-policy":
            return _iam_policy(args, document)
        return _export_asl(args, document)
    except ArazzoError as exc:
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return exc.exit_code


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _iam_policy(args: argparse.Namespace, document: Any) -> int:
    from ..aws.iam_policy import iam_policy, state_machine_policy
    from ..document.describe import pick_workflow
    from .inputs import collect_inputs
    from .names import check_input_names

    # A misspelled input name must not fall back silently to a wildcard resource (``training-job/*``).
    check_input_names(args.input, document, pick_workflow(document, args.workflow), args.inputs)
    inputs = collect_inputs(args.inputs, args.input)
    if args.for_state_machine:
        policy = state_machine_policy(
            document,
            args.workflow,
            inputs,
            region=args.region,
            account_id=args.account_id,
            optimise=not args.no_optimise,
        )
    else:
        policy = iam_policy(document, args.workflow, inputs, region=args.region, account_id=args.account_id)
    if args.output == "json":
        _print_json(
            {
                "policy": policy.to_dict(),
                "statements": [{"sid": s.sid, "steps": list(s.steps)} for s in policy.statements],
                "notes": list(policy.notes),
            }
        )
        return EXIT_OK
    _print_json(policy.to_dict())
    for note in policy.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK


def _export_asl(args: argparse.Namespace, document: Any) -> int:
    from ..aws.asl_export import export_asl

    exported = export_asl(document, args.workflow, optimise=not args.no_optimise)
    for problem in exported.untranslatable:
        print(f"arazzo: cannot translate: {problem}", file=sys.stderr)
    if exported.untranslatable:
        if args.output == "json":  # the partial definition, for tools; never a deployable one
            _print_json(
                {
                    "complete": False,
                    "untranslatable": [
                        {"step": u.step, "construct": u.construct, "why": u.why} for u in exported.untranslatable
                    ],
                    "notes": list(exported.notes),
                }
            )
        return EXIT_USAGE
    text = json.dumps(exported.definition, indent=2, ensure_ascii=False) + "\n"
    if args.out:
        from .aws_openapi import write_atomically

        write_atomically(args.out, text)
    elif args.output == "json":
        _print_json({"complete": True, "definition": exported.definition, "notes": list(exported.notes)})
        return EXIT_OK
    else:
        sys.stdout.write(text)
    for note in exported.notes:
        print(f"note: {note}", file=sys.stderr)
    return EXIT_OK
