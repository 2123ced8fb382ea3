"""The ``validate``, ``list`` and ``show`` commands: load through the library, render the result."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from ..document.describe import describe_workflow, describe_workflows
from ..document.loader import load_report
from ..errors import ArazzoError, Problem, Severity
from .exit_codes import EXIT_OK, EXIT_USAGE
from .settings import network_policy_from


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)


def usage_error(args: argparse.Namespace, exc: ArazzoError) -> int:
    """A mistake on the command line, before any document is read: one JSON object with
    ``--output json`` (as an invalid document gives), else the ``arazzo: error:`` line."""
    if getattr(args, "output", "text") == "json":
        problem = {"severity": "error", "code": "usage", "message": str(exc)}
        _print_json({"valid": False, "problems": [problem]})
    else:
        print(f"arazzo: error: {exc}", file=sys.stderr)
    return exc.exit_code


def document_command(args: argparse.Namespace, source_map: dict[str, str]) -> int:
    """The commands that read a document without running it (validate, list, show, ...); ``run``
    goes on to :func:`.run.run_workflow_command`."""
    report = load_report(
        args.document,
        allow_remote=args.allow_remote,
        source_map=source_map,
        documents=getattr(args, "with_document", None) or (),
        unused_source_map=True,
        allow_outside=getattr(args, "allow_outside", False),
        network_policy=network_policy_from(args),
    )
    document, problems = report.document, report.problems
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if args.command == "validate":
        notes = aws_notes(document) if document is not None else []
        return _validate(args, document is not None and not errors, problems, report.rules, notes)
    if document is None or errors:
        if args.output == "json":  # only JSON: the same problems are not repeated as text
            _print_json({"valid": False, "problems": [p.to_dict() for p in problems]})
        else:
            _report(problems)
        return EXIT_USAGE
    try:
        if args.command == "run":
            from ..running import RunnableDocument
            from .run import run_workflow_command as run_workflow

            for warning in document.warnings:
                if getattr(args, "verbose", False):
                    print(warning, file=sys.stderr)
            return run_workflow(args, RunnableDocument.of(document))
        if args.command == "graph":
            from ..document.graph import mermaid

            text = mermaid(document, args.workflow)
            if args.out:
                with open(args.out, "w", encoding="utf-8") as handle:
                    handle.write(text)
            elif args.output == "json":
                _print_json({"mermaid": text})
            else:
                sys.stdout.write(text)
            return EXIT_OK
        if args.command == "list":
            workflows = describe_workflows(document)
            if args.output == "json":
                _print_json(workflows)
            else:
                _render_list(workflows)
        else:
            workflow = describe_workflow(document, args.workflow)
            if args.output == "json":
                _print_json(workflow)
            else:
                _render_show(workflow)
    except ArazzoError as exc:
        print(f"arazzo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    return EXIT_OK


def aws_notes(document: Any) -> list[str]:
    """One line per source recognised as AWS from its server (signed with SigV4 when run)."""
    from ..http.aws_recognition import aws_source_note
    from ..sources.openapi import OpenApiSource

    notes = []
    for source in document.sources.values():
        if isinstance(source, OpenApiSource):
            try:
                note = aws_source_note(source)
            except Exception:  # botocore's data unreadable: the run reports it where it matters
                note = None
            if note:
                notes.append(note)
    return notes


def _validate(
    args: argparse.Namespace,
    valid: bool,
    problems: list[Problem],
    rules: str | None,
    notes: Sequence[str] = (),
) -> int:
    """Report the problems; say whose rules applied (``Arazzo 1.1 rules``), as the version decides.
    ``notes`` are facts worth knowing that are not problems (a source recognised as AWS)."""
    warnings = [p for p in problems if p.severity is Severity.WARNING]
    errors = [p for p in problems if p.severity is Severity.ERROR]
    ok = valid and not (args.strict and warnings)
    applied = f" (Arazzo {rules} rules)" if rules else ""
    if args.output == "json":
        _print_json(
            {
                "valid": ok,
                "rules": rules,
                "errors": len(errors),
                "warnings": len(warnings),
                "problems": [p.to_dict() for p in problems],
                "notes": list(notes),
            }
        )
    _report(problems)
    for note in notes:
        print(note, file=sys.stderr)
    if args.output != "json":
        if ok:
            note = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
            print(f"{args.document}: valid{applied}{note}", file=sys.stderr)
        else:
            print(
                f"{args.document}: invalid{applied}: {len(errors)} error{'s' if len(errors) != 1 else ''}"
                + (f", {len(warnings)} warning{'s' if len(warnings) != 1 else ''}" if warnings else ""),
                file=sys.stderr,
            )
    return EXIT_OK if ok else EXIT_USAGE


def _render_list(workflows: list[dict[str, Any]]) -> None:
    out = sys.stdout
    for w in workflows:
        out.write(f"{w['workflowId']}" + (f"  {w['summary']}" if w.get("summary") else "") + "\n")
        if w["inputs"]:
            out.write("  inputs:\n")
            for i in w["inputs"]:
                flags = []
                if i["required"]:
                    flags.append("required")
                if "default" in i:
                    flags.append(f"default {json.dumps(i['default'])}")
                if i.get("secret"):
                    flags.append("secret")
                kind = i.get("type") or "any"
                out.write(f"    {i['name']}: {kind}" + (f" ({', '.join(flags)})" if flags else "") + "\n")
        if w["outputs"]:
            out.write(f"  outputs: {', '.join(w['outputs'])}\n")
        if w["dependsOn"]:
            out.write(f"  dependsOn: {', '.join(w['dependsOn'])}\n")
        out.write(f"  steps: {w['steps']}\n")


def _render_action(a: dict[str, Any]) -> str:
    target = a.get("stepId") or a.get("workflowId")
    text = f"{a.get('name', a.get('reference'))}: {a.get('type', '?')}" + (f" → {target}" if target else "")
    if "retryLimit" in a or "retryAfter" in a:
        text += f" (limit {a.get('retryLimit', 1)}, after {a.get('retryAfter', 0)}s)"
    if a.get("criteria"):
        text += " when " + " and ".join(c["condition"] for c in a["criteria"])
    return text


def _render_show(w: dict[str, Any]) -> None:
    out = sys.stdout
    out.write(f"workflow {w['workflowId']}" + (f"  {w['summary']}" if w.get("summary") else "") + "\n")
    if w["dependsOn"]:
        out.write(f"  dependsOn: {', '.join(w['dependsOn'])}\n")
    if w["inputs"]:
        names = [i["name"] + ("*" if i["required"] else "") for i in w["inputs"]]
        out.write(f"  inputs: {', '.join(names)}   (* required)\n")
    for number, step in enumerate(w["steps"], 1):
        if "operation" in step:
            op = step["operation"]
            target = op.get("error") or f"{op['method']} {op['path']}  [{op['source']}.{op['operationId']}]"
        elif "message" in step:  # Arazzo 1.1 AsyncAPI step
            msg = step["message"]
            correlation = f" by correlationId {msg['correlationId']}" if msg.get("correlationId") else ""
            target = msg.get("error") or (
                f"{msg['action']} on channel {msg['channel']} ({', '.join(msg['protocols'])}){correlation}"
                f"  [{msg['source']}.{msg['operationId'] or 'channel'}]"
            )
        else:
            target = f"workflow {step['workflowId']}"
        out.write(f"  {number}. {step['stepId']}: {target}\n")
        for c in step["successCriteria"]:
            kind = "" if c["type"] == "simple" else f" [{c['type']} on {c.get('context')}]"
            out.write(f"       success when {c['condition']}{kind}\n")
        _render_actions_and_outputs(out, step, "       ", _STEP_ACTIONS)
    _render_actions_and_outputs(out, w, "  ", _WORKFLOW_ACTIONS)


#: The action lists of a step and of a workflow, each with the label ``show`` gives its actions.
_STEP_ACTIONS = {"onSuccess": "onSuccess", "onFailure": "onFailure"}
_WORKFLOW_ACTIONS = {"successActions": "successAction", "failureActions": "failureAction"}


def _render_actions_and_outputs(
    out: Any, shown: dict[str, Any], indent: str, actions: dict[str, str]
) -> None:
    """A step's or a workflow's actions (``actions``: list key -> label), then its outputs."""
    for key, label in actions.items():
        for a in shown[key]:
            out.write(f"{indent}{label} {_render_action(a)}\n")
    for name, expr in shown["outputs"].items():
        out.write(f"{indent}output {name} = {expr}\n")
