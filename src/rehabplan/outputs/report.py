"""The clinician's progress report: one A4 page from a program and its log (JSON, HTML or PDF).

Adherence per week (sessions done / planned), pain during and the next morning as a chart with
the NPRS minimal-important-change band (about 2 points below the first logged week's mean),
spread events, every red flag with its date and the patient's words, what `adjust` changed and
why, and NPRS/PSFS at baseline and from the reassessment week when logged (optional log columns
``nprs`` and ``psfs``). Pure: the CLI reads the files and writes the result.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field

from rehabplan.models import Program
from rehabplan.planning.painrule import pain_rule
from rehabplan.planning.redflags import Hit

MIC_POINTS = 2  # NPRS minimal important change, about 2 points or 30 % (clinical brief)


@dataclass
class Report:
    patient: str
    patient_id: str
    protocol: str
    weeks: int
    pain_rule: str
    adherence: list[dict] = field(default_factory=list)  # week, done, planned
    pain: list[dict] = field(default_factory=list)  # week, session, date, during, morning, spread
    baseline: float | None = None
    spread: list[dict] = field(default_factory=list)
    flags: list[dict] = field(default_factory=list)  # level, what, week, date, words
    changes: list[dict] = field(default_factory=list)  # exercise, light, why, change
    holds: list[dict] = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)  # nprs/psfs: baseline, later

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"


def make_report(program: Program, entries, hits: list[Hit], library=None, outcomes: dict | None = None) -> Report:
    rule = pain_rule(program.pain)
    names = lambda ex: library[ex].name if library is not None and ex in library else ex
    logged_weeks = sorted({e.week for e in entries})
    adherence = _adherence(program, entries, logged_weeks)
    pain = _pain_by_session(entries)
    first = [s["during"] for s in pain if s["week"] == (logged_weeks[0] if logged_weeks else 0) and s["during"] is not None]
    baseline = round(sum(first) / len(first), 1) if first else None
    spread = [
        {"week": e.week, "session": e.session, "date": e.date.isoformat() if e.date else "", "note": e.note}
        for e in entries
        if e.spread
    ]
    flags = [{"level": h.level, "what": h.describe(), "week": h.week, "date": h.date, "words": h.words} for h in hits]
    for f in program.flags:
        if not f.words:  # red flags are listed from the log itself, with their words
            flags.append({"level": f.level, "what": f.message, "week": None, "date": "", "words": ""})
    changes = [
        {"exercise": names(a.exercise), "light": a.light, "why": a.reason, "change": a.change} for a in program.adjustments
    ]
    holds = [{"level": h.level, "why": h.reason, "release": h.release, "from_week": h.from_week} for h in program.holds]
    holds += [
        {"level": "kept out", "why": f"{names(b.exercise)}: {b.reason}", "release": "clinician (--clear)", "from_week": b.week}
        for b in program.blocked
    ]
    return Report(
        patient=program.patient.name,
        patient_id=program.patient.id,
        protocol=program.protocol_name,
        weeks=len(program.weeks),
        pain_rule=rule.describe(),
        adherence=adherence,
        pain=pain,
        baseline=baseline,
        spread=spread,
        flags=flags,
        changes=changes,
        holds=holds,
        outcomes=outcomes or {},
    )


def _adherence(program: Program, entries, logged_weeks: list[int]) -> list[dict]:
    """Sessions done against planned, per logged week."""
    adherence = []
    for w in logged_weeks:
        planned = len(program.weeks[w - 1].sessions) if 1 <= w <= len(program.weeks) else 0
        if all(e.per_session for e in entries if e.week == w):
            done = sum(1 for e in entries if e.week == w and e.done)
        else:
            done = len({e.session for e in entries if e.week == w and e.done})
        adherence.append({"week": w, "done": done, "planned": planned})
    return adherence


def _pain_by_session(entries) -> list[dict]:
    """The highest pain during and next morning of each logged session, in order."""
    sessions: dict[tuple, dict] = {}
    for e in entries:
        if e.pain_during is None and e.pain_next_morning is None and not e.spread:
            continue
        key = (e.week, e.session, e.date)
        s = sessions.setdefault(
            key,
            {
                "week": e.week,
                "session": e.session,
                "date": e.date.isoformat() if e.date else "",
                "during": None,
                "morning": None,
                "spread": False,
            },
        )
        for k, v in (("during", e.pain_during), ("morning", e.pain_next_morning)):
            if v is not None:
                s[k] = max(s[k] or 0, v)
        s["spread"] = s["spread"] or e.spread
    return sorted(sessions.values(), key=lambda s: (s["week"], s["session"] or 0, s["date"]))


def _chart(report: Report, ceiling: int) -> str:
    """Pain during (solid) and next morning (dashed) per logged session, 0-10, with the green
    ceiling and the MIC band below the baseline. Inline SVG, no fonts beyond the page's."""
    w, h, left, bottom, top = 470, 150, 28, 20, 8
    pts = report.pain
    n = max(len(pts), 2)
    x = lambda i: left + (w - left - 8) * i / (n - 1)  # noqa: E731
    y = lambda v: top + (h - top - bottom) * (1 - v / 10)  # noqa: E731
    parts = [
        f'<svg class="chart" viewBox="0 0 {w} {h}" role="img" aria-label="Pain during and the next morning, each logged session">'
    ]
    if report.baseline is not None:
        lo = max(0.0, report.baseline - MIC_POINTS)
        parts.append(
            f'<rect x="{left}" y="{y(report.baseline):.1f}" width="{w - left - 8}" height="{y(lo) - y(report.baseline):.1f}" fill="#e8e8e8"/>'
        )
        parts.append(
            f'<text x="{w - 10}" y="{y(lo) - 2:.1f}" text-anchor="end" font-size="7">MIC band (baseline {report.baseline} − {MIC_POINTS})</text>'
        )
    parts.append(
        f'<line x1="{left}" x2="{w - 8}" y1="{y(ceiling):.1f}" y2="{y(ceiling):.1f}" stroke="#2e7d32" stroke-dasharray="1 2"/>'
    )
    for v in (0, 5, 10):
        parts.append(f'<text x="{left - 4}" y="{y(v) + 3:.1f}" text-anchor="end" font-size="8">{v}</text>')
    parts.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{h - bottom}" stroke="#111"/>')
    parts.append(f'<line x1="{left}" x2="{w - 8}" y1="{h - bottom}" y2="{h - bottom}" stroke="#111"/>')
    for key, dash in (("during", ""), ("morning", ' stroke-dasharray="4 2"')):
        line = [(x(i), y(p[key])) for i, p in enumerate(pts) if p[key] is not None]
        if line:
            d = " ".join(f"{'M' if j == 0 else 'L'}{a:.1f},{b:.1f}" for j, (a, b) in enumerate(line))
            parts.append(f'<path d="{d}" fill="none" stroke="#111" stroke-width="1.4"{dash}/>')
    for i, p in enumerate(pts):
        if p["spread"]:
            parts.append(f'<text x="{x(i):.1f}" y="{h - bottom - 2}" text-anchor="middle" font-size="9" fill="#b00020">S</text>')
    weeks_seen = set()
    for i, p in enumerate(pts):
        if p["week"] not in weeks_seen:
            weeks_seen.add(p["week"])
            parts.append(f'<text x="{x(i):.1f}" y="{h - 6}" font-size="8">w{p["week"]}</text>')
    parts.append("</svg>")
    return "".join(parts)


CSS = """
@page { size: A4; margin: 12mm 13mm; }
body { font-family: "Atkinson Hyperlegible", "DejaVu Sans", sans-serif; font-size: 8.6pt; line-height: 1.3; color: #111; }
h1 { font-size: 13pt; margin: 0 0 1mm; } h2 { font-size: 9.5pt; margin: 2.5mm 0 1mm; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 0.5pt solid #999; padding: 0.6mm 1mm; text-align: left; vertical-align: top; }
.urgent { color: #b00020; font-weight: bold; } .review { font-weight: bold; }
.chart { width: 100%; height: auto; } .muted { color: #444; } p { margin: 0 0 1mm; }
"""


def report_html(report: Report, ceiling: int) -> str:
    e = lambda t: html.escape(str(t))  # noqa: E731
    adherence = " · ".join(f"week {a['week']}: {a['done']}/{a['planned']}" for a in report.adherence) or "nothing logged"
    flags = (
        "".join(
            f'<tr><td class="{e(f["level"])}">{e(f["level"].upper())}</td><td>{e(f["date"] or (("week " + str(f["week"])) if f["week"] else ""))}</td><td>{e(f["what"])}</td></tr>'
            for f in report.flags
        )
        or '<tr><td colspan="3">No red flags and nothing to review.</td></tr>'
    )
    changes = (
        "".join(
            f"<tr><td>{e(c['exercise'])}</td><td>{e(c['light'])}</td><td>{e(c['why'])}</td><td>{e(c['change'])}</td></tr>"
            for c in report.changes
        )
        or '<tr><td colspan="4">Not adjusted yet (run rehabplan adjust).</td></tr>'
    )
    holds = "".join(
        f"<li><strong>{e(h['level'])}</strong> from week {e(h['from_week'])}: {e(h['why'])} (released by {e(h['release'])})</li>"
        for h in report.holds
    )
    spread = (
        "; ".join(
            f"week {s['week']}"
            + (f" {s['date']}" if s["date"] else (f" session {s['session']}" if s["session"] else ""))
            + (f" ({s['note']})" if s["note"] else "")
            for s in report.spread
        )
        or "none"
    )
    outcomes = ""
    for key, label in (("nprs", "NPRS (0-10, lower is better)"), ("psfs", "PSFS (0-10, higher is better)")):
        o = report.outcomes.get(key)
        if o:
            outcomes += (
                f"<p><strong>{label}:</strong> baseline {e(o.get('baseline'))} · week {e(o.get('week'))}: {e(o.get('later'))}</p>"
            )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Progress report: {e(report.patient)}</title>
<style>{CSS}</style></head><body>
<h1>Progress report: {e(report.patient)} ({e(report.patient_id)})</h1>
<p class="muted">{e(report.protocol)}, {report.weeks} weeks · pain rule: {e(report.pain_rule)}</p>
<h2>Adherence (sessions done / planned)</h2><p>{e(adherence)}</p>
<h2>Pain during (solid) and the next morning (dashed)</h2>{_chart(report, ceiling)}
<p class="muted">Dotted line: the green ceiling ({ceiling}/10). Grey band: the NPRS minimal important change below the first week's mean; S: symptoms spread down the leg.</p>
<h2>Spreading symptoms</h2><p>{e(spread)}</p>
<h2>Flags</h2><table><tr><th>level</th><th>when</th><th>what, in the patient's words</th></tr>{flags}</table>
<h2>What adjust changed, and why</h2>{f"<ul>{holds}</ul>" if holds else ""}
<table><tr><th>exercise</th><th>light</th><th>why</th><th>change</th></tr>{changes}</table>
{("<h2>Outcome measures</h2>" + outcomes) if outcomes else ""}
</body></html>"""


def report_pdf(report: Report, ceiling: int) -> bytes:
    from weasyprint import HTML

    return HTML(string=report_html(report, ceiling)).write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, pdf_identifier=False)


def report_json_outcomes(entries, reassessment_week: int) -> dict:
    """NPRS and PSFS at baseline (the first logged) and from the reassessment week, when logged."""
    out = {}
    for key in ("nprs", "psfs"):
        values = [(e.week, getattr(e, key)) for e in entries if getattr(e, key, None) is not None]
        if not values:
            continue
        values.sort()
        later = [v for v in values if v[0] >= reassessment_week]
        out[key] = {"baseline": values[0][1], "week": later[0][0] if later else None, "later": later[0][1] if later else None}
    return out
