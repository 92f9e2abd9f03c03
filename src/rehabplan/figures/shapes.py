"""Drawing primitives in page centimetres: the palette, shapes and their SVG paths (round ends as
Bezier arcs, runs of one style merged), tapered limb outlines, boxes and a convex hull.

Everything is printed with one decimal, so the same shapes always give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rehabplan.figures.body import Camera, Vec, add, mul

Pt = tuple[float, float]


INK = "#1f1f1f"


FAR_INK = "#8a8a8a"


SKIN = "#ffffff"


FAR_SKIN = "#e2e2e2"


WORK = "#f4a875"  # the working muscles: warm, and still readable printed in grey


FAR_WORK_INK = "#a4582a"  # a working limb on the far side: the same orange, outlined darker (not paler)


GHOST = "#7d8f99"


ARROW = "#0a6b8a"


BAND = "#c2410c"


LINE_W = 1.1  # outline width, cm on the page (about 0.9 pt on a card)


PAD = 6.0


@dataclass
class Shape:
    points: list[Pt]
    fill: str = "none"
    stroke: str = "none"
    width: float = 0.0
    closed: bool = True
    dash: str | None = None
    round: bool = True
    # The curves the points sample, for the SVG only (the PNG fills the polygon): a round end
    # is two or three Bézier curves, a quadratic curve one "Q", instead of 9-17 straight pieces.
    # WeasyPrint's cost of drawing a figure grows with the coordinates and elements it parses.
    arcs: tuple[Arc, ...] = ()
    control: Pt | None = None  # an open shape sampling the quadratic curve points[0], control, points[-1]
    # Faces of one convex box share only their edges: painted as one path (all fills, then all
    # outlines) they look the same as one by one, so a run of them may be merged.
    solid: int | None = None

    def moved(self, tx) -> Shape:
        """The same shape through the similarity ``tx`` (a shift, a scale, a mirror)."""
        return Shape(
            [tx(p) for p in self.points],
            self.fill,
            self.stroke,
            self.width,
            self.closed,
            self.dash,
            self.round,
            tuple(Arc(a.start, a.end, tx(a.centre)) for a in self.arcs),
            tx(self.control) if self.control is not None else None,
            self.solid,
        )

    def path(self) -> str:
        """The SVG path data: one subpath."""
        pts = self.points
        if self.control is not None:
            (x0, y0), (cx, cy), (x1, y1) = pts[0], self.control, pts[-1]
            return f"M{x0:.1f} {y0:.1f}Q{cx:.1f} {cy:.1f} {x1:.1f} {y1:.1f}"
        if not self.arcs:
            return "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + ("Z" if self.closed else "")
        starts = {a.start: a for a in self.arcs}
        d = [f"M{pts[0][0]:.1f} {pts[0][1]:.1f}"]
        i, n = 0, len(pts)
        while i < n:
            arc = starts.get(i)
            if arc is not None:
                d += _bezier_arc(pts[i], pts[(i + arc.end) // 2 % n], pts[arc.end % n], arc.centre)
                i = arc.end
            else:
                i += 1
                if i < n:
                    d.append(f"L{pts[i][0]:.1f} {pts[i][1]:.1f}")
        return "".join(d) + ("Z" if self.closed else "")

    def style(self) -> tuple:
        return (self.fill, self.stroke, self.width, self.closed, self.dash, self.round)

    def svg(self, path: str | None = None) -> str:
        attrs = [f'd="{path or self.path()}"', f'fill="{self.fill}"']
        if self.stroke != "none" and self.width:
            attrs.append(f'stroke="{self.stroke}" stroke-width="{self.width * SCALE:.2f}"')
            if self.round:
                attrs.append('stroke-linejoin="round" stroke-linecap="round"')
            if self.dash:
                attrs.append(f'stroke-dasharray="{self.dash}"')
        return "<path " + " ".join(attrs) + "/>"


@dataclass(frozen=True)
class Arc:
    """points[start..end] (end may be len(points): back to the first) sample a circular arc
    around ``centre``."""

    start: int
    end: int
    centre: Pt


def _bezier_arc(a: Pt, mid: Pt, b: Pt, c: Pt) -> list[str]:
    """Cubic Bézier curves ("C" commands) along the circle around ``c`` from ``a`` to ``b``
    through ``mid``: two for a round end, each under 100 degrees (off the circle by < 0.1 % of r)."""
    r = math.hypot(a[0] - c[0], a[1] - c[1])
    t0 = math.atan2(a[1] - c[1], a[0] - c[0])
    turn = (math.atan2(b[1] - c[1], b[0] - c[0]) - t0) % (2 * math.pi)
    through = (math.atan2(mid[1] - c[1], mid[0] - c[0]) - t0) % (2 * math.pi)
    span = turn if through <= turn else turn - 2 * math.pi
    k = max(1, math.ceil(abs(span) / (math.pi * 0.55) - 1e-9))
    step = span / k
    h = 4 / 3 * math.tan(step / 4) * r
    out = []
    for i in range(k):
        s, e = t0 + step * i, t0 + step * (i + 1)
        x0, y0 = c[0] + r * math.cos(s), c[1] + r * math.sin(s)
        x3, y3 = (c[0] + r * math.cos(e), c[1] + r * math.sin(e)) if i < k - 1 else b
        x1, y1 = x0 - h * math.sin(s), y0 + h * math.cos(s)
        x2, y2 = x3 + h * math.sin(e), y3 - h * math.cos(e)
        out.append(f"C{x1:.1f} {y1:.1f} {x2:.1f} {y2:.1f} {x3:.1f} {y3:.1f}")
    return out


def svg_paths(shapes: list[Shape]) -> str:
    """The shapes as SVG paths, back to front. A run of shapes of one style that may be painted
    together is one path of several subpaths: it looks the same and is drawn faster. They may
    when their fill and outline are one colour or one of them is absent (a path is filled, then
    stroked, so an outline of another colour would come out over the next shape's fill); the
    closed outlines all wind the same way (capsule_arcs), so overlaps never cut holes. The
    visible faces of one box (``solid``) meet only at their edges, so they may too."""
    out: list[str] = []
    run: list[Shape] = []

    def flush() -> None:
        if run:
            out.append(run[0].svg("".join(s.path() for s in run)))
            run.clear()

    for shape in shapes:
        mergeable = shape.fill == shape.stroke or "none" in (shape.fill, shape.stroke) or not shape.width
        same_solid = shape.solid is not None and run and run[-1].solid == shape.solid
        if same_solid and shape.style() == run[0].style():
            run.append(shape)
            continue
        if run and not (mergeable and shape.style() == run[0].style()):
            flush()
        run.append(shape)
        if not mergeable and shape.solid is None:
            flush()
    flush()
    # A path painted again later with the same opaque paint (a chair's front and back legs seen
    # from behind, two limbs in one place) is covered by its second painting: drop the first.
    last = {p: i for i, p in enumerate(out)}
    return "".join(p for i, p in enumerate(out) if last[p] == i)


SCALE = 2.0  # SVG user units per cm


def circle(x: float, y: float, r: float, n: int = 24) -> list[Pt]:
    """``n`` points round a circle of radius ``r`` about (``x``, ``y``) on the page."""
    return [(x + r * math.cos(2 * math.pi * i / n), y + r * math.sin(2 * math.pi * i / n)) for i in range(n)]


def capsule_arcs(a: Pt, ra: float, b: Pt, rb: float, steps: int = 8) -> tuple[list[Pt], tuple[Arc, ...]]:
    """Outline of a tapered round-ended limb from circle (a, ra) to circle (b, rb), and the two
    arcs (its round ends) the outline's points sample."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    length = math.hypot(dx, dy)
    if length <= abs(ra - rb) + 1e-6:
        c, r = (a, ra) if ra >= rb else (b, rb)
        n = 4 * steps
        # Clockwise, as the capsules below wind: overlapping outlines painted as one path stay solid.
        circle = [(c[0] + r * math.cos(-2 * math.pi * i / n), c[1] + r * math.sin(-2 * math.pi * i / n)) for i in range(n)]
        return circle, (Arc(0, n // 2, c), Arc(n // 2, n, c))
    ux, uy = dx / length, dy / length
    sin_p = (ra - rb) / length
    phi = math.asin(max(-1.0, min(1.0, sin_p)))
    base = math.atan2(uy, ux)
    start_b, span_b = base + math.pi / 2 - phi, math.pi - 2 * phi
    start_a, span_a = base - math.pi / 2 + phi, math.pi + 2 * phi
    out: list[Pt] = []
    for i in range(steps + 1):
        t = start_b - span_b * i / steps
        out.append((b[0] + rb * math.cos(t), b[1] + rb * math.sin(t)))
    n_a = max(steps, int(steps * span_a / math.pi))
    for i in range(n_a + 1):
        t = start_a - span_a * i / n_a
        out.append((a[0] + ra * math.cos(t), a[1] + ra * math.sin(t)))
    arcs = (Arc(0, steps, b), Arc(steps + 1, steps + 1 + n_a, a))
    return out, arcs


def box_faces(corners: list[Vec], cam: Camera) -> list[tuple[float, list[Pt], float]]:
    """Visible faces of a box (8 corners, x-major order) as (depth, outline, light)."""
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    proj = [cam.project(c) for c in corners]
    centre = [sum(p[i] for p in proj) / 8 for i in range(3)]
    out = []
    for face in faces:
        pts = [proj[i] for i in face]
        fc = [sum(p[i] for p in pts) / 4 for i in range(3)]
        # Outward normal's depth component: a face is seen when it points toward the viewer.
        normal_depth = fc[2] - centre[2]
        area = 0.0
        for i in range(4):
            x1, y1, _ = pts[i]
            x2, y2, _ = pts[(i + 1) % 4]
            area += x1 * y2 - x2 * y1
        if normal_depth > 1e-6 or abs(area) < 1e-3:
            continue
        # Faces whose outward normal points up are lit.
        world = [corners[i] for i in face]
        wc = [sum(p[i] for p in world) / 4 for i in range(3)]
        wcentre = [sum(p[i] for p in corners) / 8 for i in range(3)]
        up = (wc[2] - wcentre[2]) > 1e-6
        out.append((fc[2], [(p[0], p[1]) for p in pts], 1.0 if up else 0.0))
    return out


def oriented_box(
    origin: Vec, h: Vec, s: Vec, along: tuple[float, float], across: tuple[float, float], z: tuple[float, float]
) -> list[Vec]:
    """8 corners of a box given in the body's floor frame (h forward, s to the left)."""
    out = []
    for a in along:
        for c in across:
            for zz in z:
                base = add(add(origin, mul(h, a)), mul(s, c))
                out.append((base[0], base[1], zz))
    return out


HAIR = "#5a5048"


def _hull(pts: list[Pt]) -> list[Pt]:
    """Convex hull, counter-clockwise (Andrew's monotone chain)."""
    pts = sorted(set(pts))
    if len(pts) < 3:
        return pts

    def half(seq: list[Pt]) -> list[Pt]:
        out: list[Pt] = []
        for p in seq:
            while (
                len(out) >= 2
                and (out[-1][0] - out[-2][0]) * (p[1] - out[-2][1]) - (out[-1][1] - out[-2][1]) * (p[0] - out[-2][0]) <= 0
            ):
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return lower[:-1] + upper[:-1]


IRON = "#4b5560"  # a weight: dark, so it reads as heavy in colour and in grey print


IRON_HUB = "#aab3ba"
