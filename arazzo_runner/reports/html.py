"""``arazzo test --html FILE``: one self-contained page a person reads after a CI run.

No script, no web font, no CDN: inline CSS and inline SVG only, so the page opens from a CI
artefact with no network. It holds a summary (counts, time), a table of every workflow, and per
workflow: the failure (step, reason, the API's error code and message), a timeline picture of its
steps, polls and waits on a time axis, one row per step execution, and each request and response.
Everything shown comes from masked results and redacted traces (:mod:`arazzo_runner.testing.trace`).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from html import escape
from typing import Any

from ..testing.suite import CaseOutcome
from ..testing.trace import Trace

_LABELS = {"succeeded": "passed", "failed": "failed", "skipped": "skipped", "error": "error"}

_CSS = """
:root { --ok: #1f9d55; --bad: #d93b3b; --skip: #8a94a6; --err: #b7410e; --wait: #e3a008;
  --ink: #1d2433; --muted: #5b6579; --line: #e3e7ee; --bg: #f6f8fb; --card: #ffffff; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  color: var(--ink); background: var(--bg); }
header { background: #1d2433; color: #fff; padding: 20px 32px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 4px 0 0; color: #b8c0d0; font-size: 13px; }
main { padding: 24px 32px 48px; max-width: 1280px; }
#summary { display: flex; gap: 12px; flex-wrap: wrap; margin-bottom: 24px; }
.count { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 18px;
  min-width: 120px; border-top: 4px solid var(--muted); }
.count b { display: block; font-size: 26px; font-weight: 650; }
.count span { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.count.passed { border-top-color: var(--ok); } .count.failed { border-top-color: var(--bad); }
.count.skipped { border-top-color: var(--skip); } .count.errors { border-top-color: var(--err); }
table { border-collapse: collapse; width: 100%; background: var(--card); }
th, td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #fafbfd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#cases td:nth-child(3) { color: var(--muted); font-size: 12.5px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.succeeded { background: var(--ok); } .badge.failed { background: var(--bad); }
.badge.skipped { background: var(--skip); } .badge.error { background: var(--err); }
.case { background: var(--card); border: 1px solid var(--line); border-radius: 8px; margin: 24px 0; overflow: hidden; }
.case > h2 { margin: 0; padding: 12px 16px; font-size: 16px; border-bottom: 1px solid var(--line);
  display: flex; gap: 10px; align-items: center; }
.case > h2 small { color: var(--muted); font-weight: 400; font-size: 13px; }
.case .body { padding: 12px 16px; }
.failure { background: #fff4f4; border: 1px solid #f3c2c2; border-left: 4px solid var(--bad);
  padding: 10px 12px; margin-bottom: 12px; border-radius: 4px; }
.failure dt { font-weight: 600; float: left; clear: left; width: 150px; color: #7a1f1f; }
.failure dd { margin: 0 0 4px 150px; white-space: pre-wrap; word-break: break-word; }
.skipnote { color: var(--muted); }
svg.timeline { width: 100%; height: auto; display: block; margin: 4px 0 12px; }
svg text { font: 11px system-ui, "DejaVu Sans", sans-serif; fill: var(--ink); }
svg .axis text { fill: var(--muted); }
.legend { display: flex; gap: 16px; font-size: 12px; color: var(--muted); margin-bottom: 6px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -2px; }
details { border-top: 1px solid var(--line); padding: 6px 0; }
summary { cursor: pointer; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12.5px; }
pre { background: #f3f5f9; padding: 8px 10px; border-radius: 4px; overflow-x: auto; font-size: 12px; margin: 6px 0;
  max-height: 320px; }
h3 { font-size: 13px; margin: 14px 0 6px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
a { color: #2b5fd9; text-decoration: none; }
.warn { color: #8a5a00; font-size: 12.5px; }
"""


def html_report(outcomes: Sequence[CaseOutcome], *, title: str = "Arazzo test report") -> str:
    """The whole page for a suite's outcomes."""
    counts = {status: sum(o.status == status for o in outcomes) for status in _LABELS}
    total_time = sum(o.duration for o in outcomes)
    generated = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())
    paths = sorted({o.document_path for o in outcomes})
    base = _common_folder(paths)
    where = f" in {escape(base)}" if base else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No network at all, even if a value in the report looked like markup: a strict policy.
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{escape(title)}</h1><p>{len(outcomes)} workflows of {len(paths)} documents{where}"
        f" · {total_time:.2f}s of runs · generated {generated}</p></header><main>",
        f'<section id="summary" data-total="{len(outcomes)}" data-passed="{counts["succeeded"]}"'
        f' data-failed="{counts["failed"]}" data-skipped="{counts["skipped"]}" data-errors="{counts["error"]}">',
        _count("total", len(outcomes)),
        _count("passed", counts["succeeded"]),
        _count("failed", counts["failed"]),
        _count("skipped", counts["skipped"]),
        _count("errors", counts["error"]),
        "</section>",
        _overview(outcomes, base),
    ]
    for number, outcome in enumerate(outcomes):
        parts.append(_case(number, outcome, base))
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _count(name: str, value: int) -> str:
    return f'<div class="count {name}"><b class="value">{value}</b><span>{name}</span></div>'


def _common_folder(paths: Sequence[str]) -> str:
    """The folder every document is in, as the paths were given (shown once in the header; rows
    show the rest); "" when there is none worth showing."""
    import os

    folders = [os.path.dirname(p) or "." for p in paths]
    if not folders or len({os.path.isabs(f) for f in folders}) > 1:
        return ""
    common = os.path.commonpath(folders)
    return "" if common in ("", ".") else common


def _shown(path: str, base: str) -> str:
    import os

    return os.path.relpath(path, base) if base else path


def _overview(outcomes: Sequence[CaseOutcome], base: str) -> str:
    rows = []
    for number, o in enumerate(outcomes):
        note = ""
        if o.status == "skipped":
            note = str(o.result["error"]["message"])
        elif o.failure is not None:
            note = o.failure.summary()
        rows.append(
            f'<tr class="case-row" data-status="{o.status}"><td><span class="badge {o.status}">{_LABELS[o.status]}</span></td>'
            f'<td><a href="#case-{number}">{escape(o.workflow_id)}</a></td>'
            f'<td title="{escape(o.document_path)}">{escape(_shown(o.document_path, base))}</td>'
            f'<td class="num">{_duration(o.duration)}</td><td class="num">{o.result.get("requests", 0)}</td>'
            f"<td>{escape(_short(note, 160))}</td></tr>"
        )
    return (
        '<table id="cases"><thead><tr><th>status</th><th>workflow</th><th>document</th><th class="num">time</th>'
        '<th class="num">requests</th><th>note</th></tr></thead><tbody>' + "".join(rows) + "</tbody></table>"
    )


def _case(number: int, o: CaseOutcome, base: str) -> str:
    head = (
        f'<section class="case" id="case-{number}" data-status="{o.status}" data-workflow="{escape(o.workflow_id)}">'
        f'<h2><span class="badge {o.status}">{_LABELS[o.status]}</span>{escape(o.workflow_id)}'
        f"<small>{escape(_shown(o.document_path, base))} · {_duration(o.duration)} · {o.result.get('requests', 0)} requests</small></h2>"
        '<div class="body">'
    )
    body: list[str] = []
    if o.status == "skipped":
        body.append(f'<p class="skipnote">Skipped: {escape(str(o.result["error"]["message"]))}</p>')
    if o.failure is not None:
        f = o.failure
        items = [("step", f.step_id), ("line", str(f.line) if f.line else None), ("reason", f.message)]
        items += [("HTTP status", str(f.status_code) if f.status_code is not None else None)]
        items += [("API error code", f.error_code), ("API error message", f.error_message)]
        items += [("replay", "\n".join(o.problems) if o.problems else None)]
        body.append(
            '<dl class="failure">'
            + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items if v)
            + "</dl>"
        )
    if o.trace.spans:
        body.append(_legend())
        body.append(timeline_svg(o.trace))
        body.append(_steps_table(o.trace))
    for warning, times in list(_counted(o.trace.warnings).items())[:20]:
        again = f" (×{times})" if times > 1 else ""
        body.append(f'<p class="warn">warning: {escape(warning)}{again}</p>')
    outputs = o.result.get("outputs") or {}
    if outputs:  # masked, as --output json prints them
        body.append("<h3>Outputs</h3>")
        body.append(f'<pre class="outputs">{escape(_short(_body(outputs), 4000))}</pre>')
    if o.trace.exchanges:
        body.append(f"<h3>Requests and responses ({len(o.trace.exchanges)})</h3>")
        if o.trace.dropped_exchanges:
            body.append(
                f'<p class="warn">{o.trace.dropped_exchanges} exchanges in the middle are not shown.</p>'
            )
        body.extend(_exchange(e) for e in o.trace.exchanges)
    return head + "".join(body) + "</div></section>"


def _counted(texts: Sequence[str]) -> dict[str, int]:
    """Each distinct text once, in order, with how often it came (a poll loop repeats its warnings)."""
    counts: dict[str, int] = {}
    for text in texts:
        counts[text] = counts.get(text, 0) + 1
    return counts


def _legend() -> str:
    return (
        '<div class="legend"><span><i style="background:var(--ok)"></i>step succeeded</span>'
        '<span><i style="background:var(--bad)"></i>step failed</span>'
        '<span><i style="background:var(--wait);opacity:.55"></i>wait (poll, retry)</span></div>'
    )


def _nice_step(span: float) -> float:
    """A tick spacing of 1, 2 or 5 × 10^k giving 4-8 ticks over ``span`` seconds."""
    raw = span / 6
    power = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def _tick(seconds: float, step: float) -> str:
    if step < 1:
        return f"{seconds * 1000:.0f} ms" if step >= 0.001 else f"{seconds * 1000:.2f} ms"
    return f"{seconds:g} s"


def timeline_svg(trace: Trace) -> str:
    """Steps (one lane per step id), each execution a bar, waits as amber bars, on a time axis."""
    lanes: list[str] = []
    for span in trace.spans:
        if span.step_id not in lanes:
            lanes.append(span.step_id)
    ends = [s.end for s in trace.spans if s.end is not None] + [trace.end]
    ends += [w.start + w.seconds for w in trace.waits if w.seconds]
    total = max([*ends, 1e-3])
    label_w, chart_w, row_h, top = 190, 820, 28, 26
    width = label_w + chart_w + 20
    height = top + row_h * len(lanes) + 10

    def x(t: float) -> float:
        return label_w + chart_w * max(0.0, t) / total

    out = [
        f'<svg class="timeline" viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg" role="img"'
        f' aria-label="timeline of {len(trace.spans)} step executions">',
        '<g class="axis">',
    ]
    step = _nice_step(total)
    tick = 0.0
    while tick <= total * 1.0001:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" y2="{height - 6}" stroke="#e3e7ee"/>')
        out.append(f'<text x="{tx:.1f}" y="{top - 10}" text-anchor="middle">{_tick(tick, step)}</text>')
        tick += step
    out.append("</g>")
    for row, lane in enumerate(lanes):
        y = top + row * row_h
        if row % 2:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="#f8f9fc"/>')
        out.append(f'<text x="8" y="{y + row_h / 2 + 4:.1f}">{escape(_short(lane, 28))}</text>')
    for wait in trace.waits:
        if wait.step_id not in lanes:
            continue
        y = top + lanes.index(wait.step_id) * row_h
        end = min(wait.start + wait.seconds, _next_start(trace, wait.step_id, wait.start) or total)
        w = max(2.0, x(end) - x(wait.start))
        out.append(
            f'<rect class="wait" x="{x(wait.start):.1f}" y="{y + 9}" width="{w:.1f}" height="{row_h - 18}" rx="2"'
            f' fill="#e3a008" opacity=".55"><title>{escape(wait.step_id)}: {wait.reason} wait of {wait.seconds:g}s</title></rect>'
        )
    for span in trace.spans:
        y = top + lanes.index(span.step_id) * row_h
        end = span.end if span.end is not None else total
        w = max(3.0, x(end) - x(span.start))
        color = {"succeeded": "#1f9d55", "failed": "#d93b3b"}.get(span.status or "", "#8a94a6")
        label = f"{span.step_id} #{span.execution}: {span.status or 'unfinished'}"
        if span.status_code is not None:
            label += f" (HTTP {span.status_code})"
        label += f", {(end - span.start) * 1000:.1f} ms"
        out.append(
            f'<rect class="span" x="{x(span.start):.1f}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" rx="3"'
            f' fill="{color}"><title>{escape(label)}</title></rect>'
        )
        if span.execution > 1 and w > 16:
            out.append(
                f'<text x="{x(span.start) + w / 2:.1f}" y="{y + row_h / 2 + 4:.1f}" text-anchor="middle"'
                f' style="fill:#fff;font-size:10px">{span.execution}</text>'
            )
    out.append("</svg>")
    return "".join(out)


def _next_start(trace: Trace, step_id: str, after: float) -> float | None:
    starts = [s.start for s in trace.spans if s.step_id == step_id and s.start >= after]
    return min(starts) if starts else None


def _steps_table(trace: Trace) -> str:
    rows = []
    for span in trace.spans:
        took = _duration(span.end - span.start) if span.end is not None else "—"
        rows.append(
            f'<tr class="step-row" data-step="{escape(span.step_id)}" data-status="{span.status or ""}">'
            f'<td>{escape(span.step_id)}</td><td class="num">{span.execution}</td>'
            f'<td><span class="badge {span.status or "skipped"}">{escape(span.status or "unfinished")}</span></td>'
            f'<td class="num">{span.status_code if span.status_code is not None else ""}</td>'
            f'<td class="num">{span.start * 1000:.1f} ms</td><td class="num">{took}</td>'
            f"<td>{escape(_short(span.reason or '', 200))}</td></tr>"
        )
    return (
        '<table class="steps"><thead><tr><th>step</th><th class="num">run</th><th>status</th><th class="num">HTTP</th>'
        '<th class="num">start</th><th class="num">took</th><th>reason</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )


def _exchange(e: Any) -> str:
    status = str(e.status_code) if e.status_code is not None else (e.transport_error or "no answer")
    took = f" · {e.duration_ms:.1f} ms" if e.duration_ms is not None else ""
    request = "\n".join(f"{k}: {v}" for k, v in e.request_headers)
    response = "\n".join(f"{k}: {v}" for k, v in e.response_headers)
    return (
        f'<details class="exchange"><summary>{escape(e.step_id)} · {escape(e.method)} {escape(_short(e.url, 90))}'
        f" → {escape(status)}{took}</summary>"
        f"<pre>{escape(e.method)} {escape(e.url)}\n{escape(request)}\n\n{escape(_body(e.request_body))}</pre>"
        f"<pre>{escape(status)}\n{escape(response)}\n\n{escape(_body(e.response_body))}</pre></details>"
    )


def _body(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return json.dumps(body, indent=2, ensure_ascii=False, default=str)


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
