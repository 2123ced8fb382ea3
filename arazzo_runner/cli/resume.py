"""``arazzo resume RUN_ID``: carry a journaled run on, with the live progress and result of ``arazzo run``."""

from __future__ import annotations

import argparse
import sys
from typing import Any

EXAMPLES = """examples:
  arazzo runs --status interrupted                 # find the run
  arazzo resume 20261126-033512-9f3ac1
  arazzo resume 20261126-0335 -i apiToken=...      # a unique prefix; secret inputs are asked for again
  arazzo resume ID --assume-failed                 # a POST was in flight: treat it as failed
  arazzo resume ID --force                         # the document changed since the run started
  arazzo resume ID --deny-host '*.internal'        # tighten the run's network policy

The run's settings come back from the journal: --server values, --allow-host/--deny-host/
--deny-private-networks, --client-cert, --http-timeout, --max-response-size, --transport-retries,
--validate, --allow-remote/--allow-outside. Flags given here may tighten them (a deny rule is added,
an allow list narrowed, a limit lowered); one that loosens them, or a --server other than the run
used, is refused unless --force.

One process carries a run on at a time: a second `arazzo resume` of a run that another live
process holds is refused, naming it (pid, host, since when); a holder that is gone is taken over.

Requests in doubt (sent, no answer recorded) are sent again only when that is safe: GET, HEAD,
OPTIONS, PUT, DELETE, AWS Describe*/List*/Get*, operations marked `x-arazzo-idempotent: true`,
and AWS Create* calls, which are first looked up with their Describe* twin (found and matching:
the create is not sent again). Anything else stops the resume: choose --resend or --assume-failed.

Arazzo 1.1 message steps: a run stopped in a `receive` waits again, or takes the message it had
recorded (never received twice); a `send` in doubt is sent again to an SQS FIFO queue within its
5-minute deduplication window (the queue drops the copy), otherwise --resend or --assume-failed.
"""


def add_resume_parser(commands: Any) -> None:
    from .arguments import (
        add_aws_options,
        add_command,
        add_journal_options,
        add_output_option,
        add_server_option,
    )

    resume = add_command(
        commands,
        "resume",
        help="continue a journaled run after a crash or an interruption",
        description="Continue a run from its last durable state in the journal.",
        epilog=EXAMPLES,
    )
    resume.add_argument("run_id", metavar="RUN_ID", help="the run's id (or a unique prefix): see `arazzo runs`")
    add_journal_options(resume)
    resume.add_argument(
        "--inputs", action="append", metavar="FILE|JSON", help="secret inputs, given again (as for run)"
    )
    resume.add_argument(
        "-i", dest="input_pairs", action="append", metavar="NAME=VALUE", help="one secret input (as for run)"
    )
    add_server_option(
        resume,
        help="send a source's requests to URL (default: the run's own --server values; a different URL"
        " than the run used is refused without --force)",
    )
    add_aws_options(resume)
    add_output_option(resume)
    resume.add_argument("-v", "--verbose", action="store_true", help="show requests, responses and criteria")
    resume.add_argument("-q", "--quiet", action="store_true", help="print only the result")
    from ..telemetry.cli import add_telemetry_options

    add_telemetry_options(resume)
    resume.add_argument(
        "--allow-remote",
        action="store_true",
        help="fetch http(s) source descriptions (a run started without it needs --force)",
    )
    from .settings import add_limit_options, add_network_options

    policy = resume.add_argument_group("settings (tighten the run's own; loosening needs --force)")
    add_network_options(policy, resuming=True)
    add_limit_options(policy)
    resume.add_argument(
        "--force",
        action="store_true",
        help="resume even though the document or its sources changed since the run started, with"
        " settings that loosen the run's (another --server, a wider --allow-host, a larger limit...), or"
        " when another process (on another host, where it cannot be checked) is named as the run's holder",
    )
    doubt = resume.add_mutually_exclusive_group()
    doubt.add_argument(
        "--resend", action="store_true", help="send the request (or message) that was in flight again, whatever it is"
    )
    doubt.add_argument(
        "--assume-failed",
        action="store_true",
        help="treat the request (or message send) that was in flight as failed (the step's onFailure actions apply)",
    )


def _say_if_finished(args: argparse.Namespace) -> None:
    """A finished run has nothing to resume: say so (its result is printed again, as a script expects)."""
    from ..journal.store import FINISHED, Journal, JournalError

    try:
        with Journal(args.journal) as journal:
            record = journal.get(args.run_id)
    except (JournalError, OSError):
        return  # resume itself reports an unknown id or an unreadable journal
    if record.status in FINISHED:
        print(
            f"arazzo: run {record.id} already finished ({record.status}); nothing to resume."
            " Its result again:" + ("" if args.output == "json" else " (`arazzo runs show ID` has the details)"),
            file=sys.stderr,
        )


def resume_command(args: argparse.Namespace) -> int:
    from ..http import AwsEnvironment
    from ..journal import resume
    from ..journal.store import JournalWriteError
    from .arguments import servers as servers_argument
    from .arguments import use_live
    from .exit_codes import EXIT_INTERRUPTED
    from .inputs import collect_inputs
    from .progress import ProgressRenderer
    from .run import JournalNotices, RunProgress, journal_failed, print_result
    from .settings import resume_changes

    inputs = collect_inputs(args.inputs, args.input_pairs) if (args.inputs or args.input_pairs) else {}
    show_progress = not args.quiet and (args.output == "text" or use_live(sys.stderr))
    renderer = (
        ProgressRenderer(sys.stderr, live=use_live(sys.stderr) and not args.verbose, verbose=args.verbose)
        if show_progress
        else None
    )
    # What the run started, for a report if its journal fails mid-run; passes every event on.
    tracker = RunProgress(renderer)
    choice = "resend" if args.resend else "assume-failed" if args.assume_failed else "safe"
    _say_if_finished(args)
    from ..telemetry.cli import telemetry_from

    telemetry = telemetry_from(args)  # --otel: the resume continues the run's trace
    try:
        result = resume(
            args.run_id,
            journal=args.journal,
            inputs=inputs,
            force=args.force,
            in_doubt=choice,  # type: ignore[arg-type]
            aws=AwsEnvironment(region=args.region, profile=args.profile),
            on_event=JournalNotices(tracker, quiet=args.quiet),
            tighten=resume_changes(args, servers_argument(args.server)),
            telemetry=telemetry,
        )
    except JournalWriteError as exc:
        if renderer is not None:
            renderer.close()
        return journal_failed(exc, exc.run_id or args.run_id, tracker, tracker.workflow_id or "?", args.output)
    except KeyboardInterrupt:
        print(f"arazzo: interrupted; `arazzo resume {args.run_id}` continues the run.", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        if renderer is not None:
            renderer.close()
        if telemetry is not None:
            telemetry.shutdown()
    return print_result(args, result)
