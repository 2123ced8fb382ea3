"""``arazzo runs``: the journal's runs (list, ``show ID``, ``prune --older-than 30d``)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from typing import Any

EXAMPLES = """examples:
  arazzo runs                          # newest first: id, workflow, status, started, last step, next poll
  arazzo runs --temporal localhost:7233   # the runs on Temporal instead of the local journal
  arazzo runs --status interrupted     # the runs `arazzo resume` can continue
  arazzo runs show 20261126-0335       # inputs (secrets masked), steps, outputs, error, timeline
  arazzo runs prune --older-than 30d   # forget finished runs last updated more than 30 days ago
"""

STATUSES = ("running", "interrupted", "succeeded", "failed")


def add_runs_parser(commands: Any) -> None:
    from .arguments import add_command, add_journal_options, add_output_option

    runs = add_command(
        commands,
        "runs",
        help="list, show and prune the journal's runs (or, with --temporal, the runs on Temporal)",
        description="The runs recorded in the journal, or with --temporal the runs submitted to Temporal.",
        epilog=EXAMPLES,
    )
    runs.add_argument("action", nargs="?", choices=("list", "show", "prune"), default="list")
    runs.add_argument("run_id", nargs="?", metavar="ID", help="the run to show (or a unique prefix)")
    add_journal_options(runs)
    runs.add_argument("--status", choices=STATUSES, help="only runs with this status")
    runs.add_argument("--limit", type=int, metavar="N", help="at most N runs (newest first)")
    runs.add_argument("--older-than", metavar="AGE", help="prune: finished runs older than AGE (30d, 12h, 90m)")
    add_output_option(runs)
    from .temporal import add_connection_options

    add_connection_options(runs, required=False)


def parse_age(text: str) -> float:
    """``30d`` / ``12h`` / ``90m`` / ``45s`` → seconds."""
    from ..errors import UsageError

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text or "")
    if not match:
        raise UsageError(f"--older-than expects an age such as 30d, 12h or 90m, got {text!r}")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[match.group(2)]


def _when(epoch: float | None) -> str:
    if not epoch:
        return "-"
    try:
        return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(epoch)))
    except (TypeError, ValueError, OverflowError, OSError):
        return f"? ({str(epoch)[:40]})"  # a damaged timeline line: shown, not fatal


def _next_poll(epoch: float | None, now: float) -> str:
    if not epoch:
        return "-"
    left = epoch - now
    return _when(epoch) + (f" (in {left:.0f} s)" if left > 0 else " (due)")


def _waiting(record: Any, now: float) -> str:
    """The NEXT POLL cell: a poll's time, or what an Arazzo 1.1 message step waits for."""
    flight = record.in_flight or {}
    if flight.get("action") == "receive":
        until = flight.get("until")
        left = f" (until {_when(until)})" if until and until > now else ""
        return f"message on {flight.get('channel')}{left}"
    if flight.get("action") == "send":
        return f"sending to {flight.get('channel')}"
    return _next_poll(record.next_poll, now)


def runs_command(args: argparse.Namespace) -> int:
    from ..errors import UsageError
    from ..journal.store import Journal
    from .exit_codes import EXIT_OK, EXIT_USAGE

    journal = Journal(args.journal)
    for warning in journal.warnings:
        print(f"arazzo: warning: {warning}", file=sys.stderr)
    out = sys.stdout
    if args.action == "prune":
        if not args.older_than:
            raise UsageError("runs prune needs --older-than AGE (for example 30d)")
        removed = journal.prune(parse_age(args.older_than))
        if args.output == "json":
            out.write(json.dumps({"pruned": removed}) + "\n")
        else:
            print(f"arazzo: pruned {len(removed)} finished run{'s' if len(removed) != 1 else ''}", file=sys.stderr)
        return EXIT_OK
    if args.action == "show":
        if not args.run_id:
            raise UsageError("runs show needs a run ID (see `arazzo runs`)")
        return _show(journal, args.run_id, args.output)
    if args.run_id:
        raise UsageError(f"unexpected {args.run_id!r}: did you mean `arazzo runs show {args.run_id}`?")
    damaged: list[Any] = []
    records = journal.runs(status=args.status, limit=args.limit, damaged=damaged)
    for problem in damaged:  # the others are listed all the same
        print(f"arazzo: error: {problem}; left out of the list", file=sys.stderr)
    code = EXIT_USAGE if damaged else EXIT_OK
    if args.output == "json":
        out.write(json.dumps([r.to_dict() for r in records], ensure_ascii=False, default=str) + "\n")
        return code
    now = time.time()
    from .arguments import runs_table

    runs_table([(r.id, r.workflow_id, r.status, _when(r.started), r.last_step or "-", _waiting(r, now)) for r in records], out)
    return code


def _show(journal: Any, run_id: str, output: str) -> int:
    from .exit_codes import EXIT_OK

    record = journal.get(run_id)
    state = (record.snapshot or {}).get("state") or {}
    from ..engine.state import record_from_json

    # The journal reads every snapshot in the current format (engine.snapshot.migrate).
    steps = [record_from_json(step).to_dict() for step in state.get("records", [])]
    masked_steps = _masked(steps, record)
    data = {**record.to_dict(), "steps": masked_steps, "timeline": journal.timeline(record.id)}
    if output == "json":
        sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        return EXIT_OK
    out = sys.stdout
    out.write(f"run {record.id}  {record.status}\n")
    out.write(f"  workflow  {record.workflow_id}  ({record.document})\n")
    out.write(f"  started   {_when(record.started)}   updated {_when(record.updated)}\n")
    if record.next_poll:
        out.write(f"  next poll {_next_poll(record.next_poll, time.time())}\n")
    if record.in_flight:
        flight = record.in_flight
        if "action" in flight:  # an Arazzo 1.1 message step
            from ..journal.messages import waiting_text

            out.write(f"  in flight {waiting_text(flight)} (step {flight['stepId']})\n")
        else:
            what = f"{flight['method']} {flight['operation']}"
            out.write(f"  in flight {what} (step {flight['stepId']}, {flight['safety']})\n")
    _render_values(out, "inputs", record.inputs)
    if record.secret_inputs:
        out.write(f"  secret inputs (not kept; give them to resume): {', '.join(record.secret_inputs)}\n")
    if masked_steps:
        out.write("  steps\n")
        for step in masked_steps:
            code = f" {step['statusCode']}" if step.get("statusCode") is not None else ""
            reason = f"  {step['reason']}" if step.get("reason") else ""
            out.write(f"    {step.get('stepId')}: {step.get('status')}{code}{reason}\n")
    if record.outputs:
        _render_values(out, "outputs", record.outputs)
    if record.error:
        out.write(f"  error     {record.error.get('message')}\n")
    out.write("  timeline\n")
    for line in journal.timeline(record.id):
        parts = [_when(line["at"]), line["kind"], line["stepId"] or "", line["detail"] or ""]
        out.write("    " + "  ".join(p for p in parts if p) + "\n")
    return EXIT_OK


def _render_values(out: Any, heading: str, values: dict[str, Any]) -> None:
    """Named values, strings as they are and anything else as JSON."""
    out.write(f"  {heading}\n")
    for name, value in values.items():
        shown = value if isinstance(value, str) else json.dumps(value, default=str)
        out.write(f"    {name}: {shown}\n")


def _masked(value: Any, record: Any) -> Any:
    """Secret inputs are sealed in the snapshot already; show their placeholders as ``***``."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    text = re.sub(r"\\u0000arazzo-secret:.*?\\u0000", "***", text)
    text = re.sub(r'\{"\$arazzoSecret": \d+(, "at": "[^"]*")?\}', '"***"', text)
    return json.loads(text)
