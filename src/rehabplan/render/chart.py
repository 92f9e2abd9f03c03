"""The "how your plan builds" chart: weekly working sets as bars, drawn as inline SVG.

Our own drawing, not a chart library: it is small, has no dependency, is byte-stable, and is
readable without colour (lighter weeks are hollow dashed bars, the check-in week carries a
labelled marker), because many readers print in black and white.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from rehabplan.models import Program

WIDTH = 640
HEIGHT = 270
LEFT = 56  # room for the y-axis numbers and title
RIGHT = 12
TOP = 40  # room for the check-in marker
PLOT_BOTTOM = 188  # bars stand on this line; week numbers and phases go below
FONT = "Atkinson Hyperlegible, DejaVu Sans, sans-serif"
INK = "#1a1a1a"
BAR = "#0b5c7a"  # dark teal: 7:1 contrast with white, prints as a dark grey
PHASE_FILLS = ("#e6eef2", "#f4efe1", "#e9f0e4", "#f1e6ee")


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100):
        if top / step <= 5:
            return step
    return 200


@dataclass(frozen=True)
class _Plot:
    """The chart's geometry: weeks across, sets up."""

    n: int  # weeks
    step: int  # between y-axis numbers
    y_max: int
    col: float  # a week's column width
    bar_w: float

    def y(self, v: float) -> float:
        return PLOT_BOTTOM - v / self.y_max * (PLOT_BOTTOM - TOP)


def load_chart(program: Program) -> str:
    """SVG markup of the weekly sets of loading exercises, lighter and check-in weeks marked."""
    weeks = program.weeks
    n = len(weeks)
    top = max((w.volume_sets for w in weeks), default=0)
    step = _nice_step(max(top, 1))
    col = (WIDTH - LEFT - RIGHT) / max(n, 1)
    plot = _Plot(n, step, max(step, -(-top // step) * step), col, col * 0.62)
    out: list[str] = []
    label = _summary(program)
    out.append(
        f'<svg xmlns="http://www.w3.org/2000/svg" class="load-chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" aria-label="{escape(label)}" font-family="{FONT}" font-size="16" fill="{INK}">'
    )
    out.append(f"<title>{escape(label)}</title>")
    _grid(out, plot)
    _bars(out, plot, program)
    out.append(
        f'<line x1="{LEFT}" y1="{PLOT_BOTTOM}" x2="{WIDTH - RIGHT}" y2="{PLOT_BOTTOM}" stroke="{INK}" stroke-width="1.5"/>'
    )
    out.append(f'<text x="{LEFT - 8}" y="{PLOT_BOTTOM + 19}" text-anchor="end">Week</text>')
    _phase_bands(out, plot, program)
    _legend(out, program)
    out.append("</svg>")
    return "".join(out)


def _grid(out: list[str], plot: _Plot) -> None:
    """Grid lines and y-axis numbers, and the axis title."""
    add = out.append
    for v in range(0, plot.y_max + 1, plot.step):
        yy = plot.y(v)
        add(f'<line x1="{LEFT}" y1="{yy:.1f}" x2="{WIDTH - RIGHT}" y2="{yy:.1f}" stroke="#c8c8c8" stroke-width="1"/>')
        add(f'<text x="{LEFT - 8}" y="{yy + 5.5:.1f}" text-anchor="end">{v}</text>')
    add(
        f'<text x="14" y="{(TOP + PLOT_BOTTOM) / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(TOP + PLOT_BOTTOM) / 2:.1f})">Sets each week</text>'
    )


def _bars(out: list[str], plot: _Plot, program: Program) -> None:
    """A bar per week (lighter weeks hollow and dashed), its number below, each check-in marked."""
    add = out.append
    col, bar_w, n = plot.col, plot.bar_w, plot.n
    deloads = _lighter_weeks(program)
    check_ins = set(program.check_in_weeks)
    for i, week in enumerate(program.weeks):
        x = LEFT + i * col + (col - bar_w) / 2
        h = PLOT_BOTTOM - plot.y(week.volume_sets)
        if week.number in deloads:
            add(
                f'<rect class="bar lighter" x="{x:.1f}" y="{PLOT_BOTTOM - h + 1.5:.1f}" width="{bar_w:.1f}" height="{max(h - 1.5, 0):.1f}" '
                f'fill="#ffffff" stroke="{BAR}" stroke-width="3" stroke-dasharray="5 3"/>'
            )
        else:
            add(f'<rect class="bar" x="{x:.1f}" y="{PLOT_BOTTOM - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        cx = LEFT + i * col + col / 2
        add(f'<text x="{cx:.1f}" y="{PLOT_BOTTOM + 19}" text-anchor="middle">{week.number}</text>')
        if week.number in check_ins:
            # The marker sits above the tallest bar, with a dotted line down to this week's bar,
            # so its label never collides with taller neighbours.
            top_y = TOP - 4
            add(f'<path d="M{cx - 7:.1f} {top_y - 10:.1f}h14l-7 10z" fill="{INK}"/>')
            bar_top = plot.y(week.volume_sets)
            if bar_top - top_y > 6:
                add(
                    f'<line x1="{cx:.1f}" y1="{top_y + 1:.1f}" x2="{cx:.1f}" y2="{bar_top - 3:.1f}" stroke="{INK}" '
                    f'stroke-width="1.5" stroke-dasharray="2 3"/>'
                )
            anchor = "end" if i > n * 0.75 else "start" if i < n * 0.25 else "middle"
            add(f'<text x="{cx:.1f}" y="{top_y - 14:.1f}" text-anchor="{anchor}" font-weight="700">Check-in</text>')


def _lighter_weeks(program: Program) -> set[int]:
    return set(program.deload_weeks) | {w.number for w in program.weeks if w.deload}


def _phase_bands(out: list[str], plot: _Plot, program: Program) -> None:
    """Phase bands under the week numbers."""
    band_y = PLOT_BOTTOM + 28
    # An adjusted plan prints from its first changed week: bar 1 is that week, not week 1.
    offset = program.weeks[0].number - 1 if program.weeks else 0
    for k, phase in enumerate(program.phases):
        first = max(phase.first_week - offset, 1)
        last = min(phase.last_week - offset, plot.n)
        if last < first:
            continue
        x0 = LEFT + (first - 1) * plot.col + 1
        w = (last - first + 1) * plot.col - 2
        out.append(
            f'<rect x="{x0:.1f}" y="{band_y}" width="{w:.1f}" height="26" fill="{PHASE_FILLS[k % len(PHASE_FILLS)]}" stroke="#8a8a8a"/>'
        )
        text = f"Phase {k + 1}" if w >= 70 else str(k + 1)
        out.append(f'<text x="{x0 + w / 2:.1f}" y="{band_y + 19}" text-anchor="middle">{text}</text>')


def _legend(out: list[str], program: Program) -> None:
    """The marks the chart uses, and only those: a plan with no lighter week (or whose check-in
    falls before the weeks shown, after an adjustment) does not explain a mark it never draws."""
    add = out.append
    ly = HEIGHT - 8
    x = LEFT
    add(f'<rect x="{x}" y="{ly - 12}" width="16" height="12" fill="{BAR}"/>')
    add(f'<text x="{x + 22}" y="{ly}">Normal week</text>')
    x += 150
    shown = {w.number for w in program.weeks}
    if shown & _lighter_weeks(program):
        add(
            f'<rect x="{x}" y="{ly - 11}" width="16" height="11" fill="#fff" stroke="{BAR}" '
            f'stroke-width="2.5" stroke-dasharray="4 2"/>'
        )
        add(f'<text x="{x + 22}" y="{ly}">Lighter week</text>')
        x += 160
    if shown & set(program.check_in_weeks):
        add(f'<path d="M{x} {ly - 11}h14l-7 10z" fill="{INK}"/>')
        add(f'<text x="{x + 20}" y="{ly}">Check-in with your clinician</text>')


def _summary(program: Program) -> str:
    sets = [w.volume_sets for w in program.weeks]
    if not sets:
        return "No weeks planned."
    parts = [f"The sets you do each week build from {sets[0]} in week 1 to {sets[-1]} in week {len(sets)}."]
    if program.deload_weeks:
        parts.append("Lighter weeks: " + ", ".join(str(w) for w in program.deload_weeks) + ".")
    weeks = program.check_in_weeks
    parts.append(("Check-in: week " if len(weeks) == 1 else "Check-ins: weeks ") + ", ".join(map(str, weeks)) + ".")
    return " ".join(parts)
