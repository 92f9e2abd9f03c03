"""Pose data -> deterministic SVG: limbs with volume, props, motion arrows, a ghost of the start.

Everything is computed in centimetres on the page and printed with one decimal, so the same
pose always gives the same bytes. Pure Python and no WeasyPrint: drawing every picture of a
handout takes milliseconds (benchmarks/figures.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rehabplan.figures.body import (
    HEAD_R,
    HIP_W,
    PALM,
    SHOULDER_W,
    Body,
    Camera,
    Part,
    Vec,
    X,
    Z,
    add,
    cross,
    dot,
    mul,
    norm,
    solve,
    sub,
    unit,
)
from rehabplan.figures.pose import Figure, Frame, Prop, PropKind, Reach

Pt = tuple[float, float]

INK = "#1f1f1f"
FAR_INK = "#8a8a8a"
SKIN = "#ffffff"
FAR_SKIN = "#e2e2e2"
WORK = "#f4a875"  # the working muscles: warm, and still readable printed in grey
FAR_WORK = "#f7cfb2"
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
    return "".join(out)


SCALE = 2.0  # SVG user units per cm


# ------------------------------------------------------------------------- 2-D geometry


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


# ------------------------------------------------------------------------- laying out frames


@dataclass
class Placed:
    """One frame's body on the floor, projected: points on the page and their depth."""

    frame: Frame
    body: Body
    world: dict[str, Vec]
    page: dict[str, Pt] = field(default_factory=dict)
    depth: dict[str, float] = field(default_factory=dict)
    shift_x: float = 0.0


def _lowest(body: Body) -> float:
    low = 1e9
    for part in body.parts:
        for end, r in ((part.a, part.ra), (part.b, part.rb)):
            if part.trunk:
                r = 12.0
            low = min(low, end[2] - r)
    return low


def _floor_height(figure: Figure, frame_no: int) -> float:
    for prop in figure.props:
        if prop.kind == PropKind.mat and (prop.frames is None or frame_no in prop.frames):
            return 2.0
    return 0.0


_LIMB_OF = {"heel": "leg", "toe": "leg", "ankle": "leg", "knee": "leg", "hand": "arm", "wrist": "arm", "elbow": "arm"}


def limb_of(point: str) -> str | None:
    """The limb (leg, other_leg, arm, other_arm) a point ends, or None for the trunk."""
    pre = "other_" if point.startswith("other_") else ""
    limb = _LIMB_OF.get(point.removeprefix("other_"))
    return pre + limb if limb else None


def support_height(figure: Figure, placed: list[Placed], frame_no: int, point: str, body: Body | None = None) -> float:
    """Height of what the point rests on: the top of the step under the stepping foot, else the
    floor or the mat. ``placed``: the frames placed so far; ``body``: this frame's."""
    for prop in figure.props:
        if prop.kind == PropKind.step and (prop.frames is None or frame_no in prop.frames):
            if limb_of(prop.at) == limb_of(point):
                first_no = prop.placing_frame()
                first = placed[first_no - 1].body if first_no <= len(placed) else body
                if first is not None:
                    return first.points[prop.at][2] - first.radii.get(prop.at, 4.0)
    return _floor_height(figure, frame_no)


def _bottom(body: Body, point: str) -> float:
    return body.points[point][2] - body.radii.get(point, 0.0)


def _shifted(body: Body, shift: Vec) -> None:
    body.points = {k: add(v, shift) for k, v in body.points.items()}
    body.parts = [Part(p.segment, p.group, add(p.a, shift), add(p.b, shift), p.ra, p.rb, p.trunk) for p in body.parts]


def _set_down(figure: Figure, frame: Frame, body: Body, frame_no: int) -> None:
    """Set the body on the floor (its base point at base_z, or its lowest point)."""
    if frame.base:
        r = body.radii.get(frame.base, 0.0)
        dz = frame.base_z + _floor_height(figure, frame_no) + r - body.points[frame.base][2]
    else:
        dz = _floor_height(figure, frame_no) - _lowest(body)
    _shifted(body, (0.0, 0.0, dz))


def _rested(figure: Figure, frame: Frame, body: Body, frame_no: int, placed: list[Placed]) -> tuple[Frame, Body]:
    """The contact solver: each limb with a point in ``frame.rest`` is bent (a two-bone reach
    from the hip or shoulder, its knee or elbow pointing where it pointed) until that point rests
    on what is under it; then the body is set down again. A few rounds settle it within a
    millimetre or two."""
    for _ in range(4):
        pelvis = body.points["pelvis"]
        changes: dict[str, object] = {}
        worst = 0.0
        for limb in sorted({lb for lb in (limb_of(p) for p in frame.rest) if lb is not None}):
            points = [p for p in frame.rest if limb_of(p) == limb]
            gap = min(_bottom(body, p) - support_height(figure, placed, frame_no, p, body) for p in points)
            worst = max(worst, abs(gap))
            if abs(gap) < 0.2:
                continue
            pre = "other_" if limb.startswith("other_") else ""
            leg = limb.endswith("leg")
            root, mid, end = (
                (pre + "hip", pre + "knee", pre + "ankle") if leg else (pre + "shoulder", pre + "elbow", pre + "hand")
            )
            P = body.points
            if leg:
                target = sub(P[end], pelvis)
            else:
                # The reach puts the palm's middle: half a palm back from the wrist toward the fingers.
                target = sub(add(P[pre + "wrist"], mul(unit(sub(P[pre + "wrist"], P[mid])), PALM / 2)), pelvis)
            target = (target[0], target[1], target[2] - gap)
            chord_mid = mul(add(P[root], P[end]), 0.5)
            bend: Vec | None = unit(sub(P[mid], chord_mid))
            if bend is not None and norm(bend) < 0.5:
                bend = None
            reach = Reach(to="pelvis", offset=target, bend=bend)
            old = getattr(frame, limb)
            changes[limb] = old.model_copy(update={"reach": reach})
        if not changes:
            break
        frame = frame.model_copy(update=changes)
        body = solve(frame)
        _set_down(figure, frame, body, frame_no)
    return frame, body


def place(figure: Figure) -> list[Placed]:
    cam = Camera.of(figure)
    placed: list[Placed] = []
    for i, frame in enumerate(figure.frames, start=1):
        body = solve(frame)
        _set_down(figure, frame, body, i)
        if frame.rest:
            frame, body = _rested(figure, frame, body, i, placed)
        placed.append(Placed(frame, body, dict(body.points)))
    # The fixed point keeps its place on the floor from frame to frame.
    for p in placed:
        fx = p.body.points[figure.fixed]
        _shifted(p.body, (p.frame.move[0] - fx[0], p.frame.move[1] - fx[1], 0.0))
        p.world = dict(p.body.points)
        for k, v in p.world.items():
            x, up, depth = cam.project(v)
            p.page[k] = (x, up)
            p.depth[k] = depth
    return placed


def _trunk_radius(section: tuple[float, float], left: Vec, fwd: Vec, cam: Camera, seg: Pt) -> float:
    """Half width on the page of an elliptic trunk section, across the segment's direction."""
    lx, ly = cam.screen_dir(left)
    fx, fy = cam.screen_dir(fwd)
    sx, sy = seg
    n = math.hypot(sx, sy)
    if n < 1e-6:
        return max(section) * 0.9
    sx, sy = sx / n, sy / n
    c_l = abs(lx * -sy + ly * sx)
    c_f = abs(fx * -sy + fy * sx)
    return max(math.sqrt((section[0] * c_l) ** 2 + (section[1] * c_f) ** 2), section[1] * 0.8)


@dataclass
class Scene:
    """Shapes of one frame in page centimetres (y up), back to front."""

    shapes: list[Shape]
    bounds: tuple[float, float, float, float]  # min x, min y, max x, max y
    floor_y: float | None


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


def face_shapes(body: Body, cam: Camera) -> list[Shape]:
    """Hair on the back and top of the head, eyes and a mouth on the face: what shows the way a
    person faces in every view (from behind: hair only; from the front: eyes and mouth; from
    the side: an eye, the nose on the outline, hair at the back). Drawn from the head's 3-D
    frame, so a lying, leaning or turned head gets them where they belong."""
    head = body.points["head"]
    fwd = unit(body.face)
    up = unit(sub(head, body.points["neck"]))
    fwd = unit(sub(fwd, mul(up, dot(fwd, up))))
    left = cross(up, fwd)
    hx, hy, hd = cam.project(head)

    def on_head(d: Vec, r: float = HEAD_R) -> tuple[Pt, float]:
        x, y, depth = cam.project(add(head, mul(d, r)))
        return (x, y), depth - hd

    out: list[Shape] = []
    # Hair: the visible part of the head's back and top, as a cap.
    hair: list[Pt] = []
    for i in range(24):
        a = 2 * math.pi * i / 24
        for j in range(13):
            b = -math.pi / 2 + math.pi * j / 12
            d = add(add(mul(fwd, math.cos(b) * math.cos(a)), mul(left, math.cos(b) * math.sin(a))), mul(up, math.sin(b)))
            if dot(d, up) > 0.62 or (dot(d, fwd) < -0.15 and dot(d, up) > -0.45):
                p, depth = on_head(d, HEAD_R + 0.4)
                if depth <= 0.5:
                    hair.append(p)
    if len(hair) >= 3:
        out.append(Shape(_hull(hair), HAIR, INK, LINE_W * 0.9))
    # Eyes: the ones turned toward the viewer.
    for side in (-1.0, 1.0):
        d = unit(add(add(mul(fwd, 0.78), mul(up, 0.22)), mul(left, side * 0.4)))
        p, depth = on_head(d, HEAD_R * 0.9)
        if depth < -0.25 * HEAD_R:
            r = 1.25
            out.append(
                Shape([(p[0] + r * math.cos(t / 6 * math.pi), p[1] + r * math.sin(t / 6 * math.pi)) for t in range(12)], INK)
            )
    # A mouth when the face is turned toward the viewer.
    ends = [on_head(unit(add(add(mul(fwd, 0.85), mul(up, -0.42)), mul(left, s * 0.22))), HEAD_R * 0.95) for s in (-1, 1)]
    mid = on_head(unit(add(mul(fwd, 0.86), mul(up, -0.5))), HEAD_R * 0.95)
    if max(d for _, d in ends + [mid]) < -0.2 * HEAD_R:
        pts = [ends[0][0], mid[0], ends[1][0]]
        out.append(Shape(pts, "none", INK, LINE_W * 0.8, closed=False))
    return out


def _body_shapes(  # noqa: C901 - one pass over the limbs deciding ghost, highlight and depth per group
    body: Body, cam: Camera, highlight: set[str], ghost: set[str] | None = None, only: set[str] | None = None
) -> list[tuple[float, list[Shape]]]:
    """(depth, shapes) per drawing group: a limb's outline then its fill, so a limb reads as one
    shape while each limb stays outlined against the others."""
    groups: dict[str, list[Part]] = {}
    for part in body.parts:
        groups.setdefault(part.group, []).append(part)
    # The side nearer the viewer is drawn dark; the far side lighter, so left and right read apart.
    depth_of = lambda v: cam.project(v)[2]  # noqa: E731
    legs_far = depth_of(body.points["other_hip"]) - depth_of(body.points["hip"])
    arms_far = depth_of(body.points["other_shoulder"]) - depth_of(body.points["shoulder"])
    # Grey means the far side and nothing else: a limb is far only when the view looks at the
    # body from the side (its hip or shoulder at least half the body's width behind the other's),
    # never one side of a body seen from the front or the back.
    far = set()
    if legs_far > 1.2 * HIP_W:
        far.add("other_leg")
    elif legs_far < -1.2 * HIP_W:
        far.add("leg")
    if arms_far > 1.2 * SHOULDER_W:
        far.add("other_arm")
    elif arms_far < -1.2 * SHOULDER_W:
        far.add("arm")
    out = []
    for name, parts in groups.items():
        if only is not None and name not in only:
            continue
        outlines: list[tuple[tuple[list[Pt], tuple[Arc, ...]], str]] = []
        depth_sum = 0.0
        for part in parts:
            a2, b2 = cam.project(part.a), cam.project(part.b)
            depth_sum += a2[2] + b2[2]
            pa, pb = (a2[0], a2[1]), (b2[0], b2[1])
            if part.trunk:
                seg = (pb[0] - pa[0], pb[1] - pa[1])
                ra, rb = (_trunk_radius(sec, *body.section_axes(sec), cam, seg) for sec in part.trunk)
            else:
                ra, rb = part.ra, part.rb
            is_far = name in far
            if part.segment in highlight:
                fill = FAR_WORK if is_far else WORK
            else:
                fill = FAR_SKIN if is_far else SKIN
            outlines.append((capsule_arcs(pa, ra, pb, rb), fill))
        if name == "torso":
            # A nose on the head's outline shows which way the face looks when seen from the side.
            head = body.points["head"]
            fx, fy = cam.screen_dir(body.face)
            if math.hypot(fx, fy) > 0.35:
                hx, hy, _ = cam.project(head)
                tip = (hx + fx * (HEAD_R + 1.6), hy + fy * (HEAD_R + 1.6))
                root = (hx + fx * (HEAD_R - 3.0), hy + fy * (HEAD_R - 3.0))
                outlines.append((capsule_arcs(root, 2.2, tip, 1.5, 4), SKIN))
        ink = FAR_INK if name in far else INK
        shapes: list[Shape] = []
        if ghost is not None:
            for (pts, arcs), _ in outlines:
                shapes.append(Shape(pts, "none", GHOST, LINE_W * 2.0, dash="4 3", arcs=arcs))
            for (pts, arcs), _ in outlines:
                shapes.append(Shape(pts, "#ffffff", arcs=arcs))
        else:
            for (pts, arcs), _ in outlines:
                shapes.append(Shape(pts, ink, ink, LINE_W * 2, arcs=arcs))
            for (pts, arcs), fill in outlines:
                shapes.append(Shape(pts, fill, arcs=arcs))
            if name == "torso":
                shapes += face_shapes(body, cam)
        depth = depth_sum / (2 * len(parts))
        if name.endswith("leg"):
            # A thigh's top lies inside the pelvis: seen from the front or the back, the legs
            # come out from under the trunk (at the hips), not over it from its middle.
            depth += 4.0
        out.append((depth, shapes))
    return out


def _horizontal(v: Vec) -> Vec:
    h = (v[0], v[1], 0.0)
    return unit(h) if norm(h) > 0.2 else (0.0, 0.0, 0.0)


def _snap(v: Vec, h: Vec) -> Vec:
    """The floor direction closest to ``v`` among forward, back, left and right of ``h``."""
    s = cross(Z, h)
    best = max((h, mul(h, -1.0), s, mul(s, -1.0)), key=lambda d: dot(d, v))
    return best


def _prop_shapes(figure: Figure, placed: list[Placed], cam: Camera, frame_no: int) -> tuple[list[Shape], list[Shape]]:
    """(behind the body, in front of the body) shapes of the props shown in this frame."""
    boxes, _, posts, front = prop_geometry(figure, placed, cam, frame_no)
    behind: list[tuple[float, Shape]] = []
    for n, (corners, fill, ink) in enumerate(boxes):
        for depth, pts, _light in box_faces(corners, cam):
            behind.append((-depth, Shape(pts, fill, ink, 0.5, solid=n)))
    behind.sort(key=lambda t: t[0])
    return [s for _, s in behind] + posts, front


SEAT_SQUASH = 3.5  # cm a thigh flattens on a chair's seat
TOWEL_T = 7.0  # cm: a folded towel's thickness between a point and a post


def prop_geometry(  # noqa: C901 - one short branch per prop kind
    figure: Figure, placed: list[Placed], cam: Camera, frame_no: int
) -> tuple[list[tuple[list[Vec], str, str]], list[Prop], list[Shape], list[Shape]]:
    """The props shown in this frame: their boxes (8 corners, fill, ink), the prop each box
    belongs to, and the band posts and bands (page shapes).

    A prop stands where the body put it in the first frame that shows it, or in the frame its
    ``put`` names (the chair stays put when the patient stands up); a band follows the body in
    every frame."""
    wood, wood_ink = "#eadfce", "#8a6d4a"
    boxes: list[tuple[list[Vec], str, str]] = []
    front: list[Shape] = []
    posts: list[Shape] = []
    every = [v for p in placed for v in p.body.points.values()]
    kinds: list[Prop] = []
    for prop in figure.props:
        if prop.frames is not None and frame_no not in prop.frames:
            continue
        made = len(boxes)
        body = placed[prop.placing_frame() - 1].body
        P = body.points
        h = _horizontal(body.forward) if norm(_horizontal(body.forward)) else _horizontal(body.up)
        if not norm(h):
            h = X
        s = cross(Z, h)
        xs = [v[0] for v in P.values()]
        ys = [v[1] for v in P.values()]
        centre = (sum(xs) / len(xs), sum(ys) / len(ys), 0.0)
        at = P[prop.at]
        r = body.radii.get(prop.at, 4.0)
        kind = prop.kind
        if kind == PropKind.mat:
            # Under what rests on the floor, so that a view from above does not show a sea of mat.
            low = [v for v in every if v[2] < 30] or every
            mat_y = [v[1] for v in low]
            boxes.append(
                (
                    [
                        (x, y, z)
                        for x in (min(v[0] for v in every) - 12, max(v[0] for v in every) + 12)
                        for y in (min(mat_y) - 12, max(mat_y) + 12)
                        for z in (0.0, 2.0)
                    ],
                    "#dcebf0",
                    "#6f8f9b",
                )
            )
        elif kind == PropKind.chair and prop.at.endswith("hand"):
            # Hands on the chair's back: its top under the palms, the seat on the far side.
            n = _snap(sub((at[0], at[1], 0.0), centre), h)
            m = cross(Z, n)
            # Centred between the hands when both hold it.
            both = P["hand"] if prop.at == "other_hand" else P["other_hand"]
            if abs(dot(sub(both, at), n)) < 8 and abs(both[2] - at[2]) < 8:
                at = mul(add(at, both), 0.5)
            top, o = at[2] - 3.0, (at[0], at[1], 0.0)
            seat = 46.0
            boxes.append((oriented_box(o, n, m, (-2, 2), (-23, 23), (seat, top)), wood, wood_ink))
            boxes.append((oriented_box(o, n, m, (-2, 42), (-23, 23), (seat - 4, seat)), wood, wood_ink))
            for a in (-2, 39):
                for c in (-23, 20):
                    boxes.append((oriented_box(o, n, m, (a, a + 3), (c, c + 3), (0, seat - 4)), wood, wood_ink))
        elif kind == PropKind.chair:
            seat = at[2] - 10.5
            o = (at[0], at[1], 0.0)
            # The seat under the thighs too: a thigh sloping down to the knee rests on the
            # seat's front edge (flattened a little), it does not pass into it.
            for part in body.parts:
                if part.segment in ("thigh", "other_thigh"):
                    for f in (i / 8 for i in range(9)):
                        pt = add(part.a, mul(sub(part.b, part.a), f))
                        if -22 <= dot(sub(pt, o), h) <= 18:
                            seat = min(seat, pt[2] - (part.ra + (part.rb - part.ra) * f) + SEAT_SQUASH)
            boxes.append((oriented_box(o, h, s, (-22, 18), (-23, 23), (seat - 4, seat)), wood, wood_ink))
            for a in (-21, 14):
                for c in (-21, 18):
                    boxes.append((oriented_box(o, h, s, (a, a + 3), (c, c + 3), (0, seat - 4)), wood, wood_ink))
            boxes.append((oriented_box(o, h, s, (-25, -21), (-23, 23), (seat - 4, seat + 44)), wood, wood_ink))
        elif kind == PropKind.step:
            top = at[2] - r
            o = (at[0], at[1], 0.0)
            toe = prop.at.replace("heel", "toe").replace("ankle", "toe")
            heel = toe.replace("toe", "heel")
            free = toe[6:] if toe.startswith("other_") else "other_" + toe
            if dot(sub(P[free], P[toe]), h) > 0:
                # The free foot hangs in front: the step runs back from the standing toes.
                along = (
                    max(dot(sub(P[q], o), h) for q in (prop.at, toe)) - 42,
                    max(dot(sub(P[q], o), h) for q in (prop.at, toe)) + 3,
                )
            else:
                # The free foot hangs behind: the step runs forward from the standing heel.
                back = min(dot(sub(P[q], o), h) for q in (prop.at, heel))
                along = (back - 3, back + 42)
            boxes.append((oriented_box(o, h, s, along, (-32, 32), (0, top)), "#d7d7d7", "#6b6b6b"))
        elif kind in (PropKind.wall, PropKind.counter, PropKind.post, PropKind.rail):
            if prop.to is not None and kind in (PropKind.counter, PropKind.rail):
                # Both hands on it: centred between them.
                at = mul(add(at, P[prop.to]), 0.5)
            n = _snap(sub((at[0], at[1], 0.0), centre), h)
            if prop.inside:
                n = mul(n, -1.0)
            m = cross(Z, n)
            o = (at[0], at[1], 0.0)
            if kind == PropKind.wall:
                top = max(v[2] for v in every) + 8
                boxes.append((oriented_box(o, n, m, (r, r + 6), (-40, 40), (0, top)), "#e4e4e4", "#8c8c8c"))
            elif kind == PropKind.counter:
                top = at[2] - r
                boxes.append((oriented_box(o, n, m, (-8, 40), (-30, 30), (0, top)), wood, wood_ink))
            elif kind == PropKind.rail:
                # A hand rail: a bar under the palms on two posts.
                top = at[2] - r
                boxes.append((oriented_box(o, n, m, (-3, 3), (-45, 45), (top - 5, top)), wood, wood_ink))
                for c in (-45, 40):
                    boxes.append((oriented_box(o, n, m, (-2, 2), (c, c + 5), (0, top - 5)), wood, wood_ink))
            else:
                # A table or bed leg: up to a little above the point it stands beside.
                boxes.append(
                    (
                        oriented_box(o, n, m, (r + TOWEL_T, r + TOWEL_T + 6), (-3, 3), (0, max(40.0, at[2] + 28))),
                        "#b89a74",
                        wood_ink,
                    )
                )
        elif kind == PropKind.pillow:
            bottom = _floor_height(figure, frame_no)
            top = max(bottom + 2.5, at[2] - r)
            boxes.append((oriented_box((at[0], at[1], 0.0), h, s, (-14, 14), (-22, 22), (bottom, top)), "#f4f1ea", "#9c9588"))
        elif kind == PropKind.towel and prop.inside:
            # Folded between the point and a post on the inner side.
            n = mul(_snap(sub((at[0], at[1], 0.0), centre), h), -1.0)
            boxes.append(
                (
                    oriented_box(
                        (at[0], at[1], 0.0), n, cross(Z, n), (r - 0.5, r + TOWEL_T), (-7, 7), (max(0.0, at[2] - 9), at[2] + 9)
                    ),
                    "#a9cdee",
                    "#5b7a95",
                )
            )
        elif kind == PropKind.towel:
            boxes.append(
                (
                    oriented_box((at[0], at[1], 0.0), h, s, (-7, 7), (-9, 9), (max(0.0, at[2] - r - 4), at[2] - r + 0.5)),
                    "#a9cdee",
                    "#5b7a95",
                )
            )
        elif kind == PropKind.band:
            now = placed[frame_no - 1].body.points
            a2 = cam.project(now[prop.at])
            if prop.to is not None:
                b2 = cam.project(now[prop.to])
            else:
                # The fixed end is on the page, beside the body: a short post from the floor holds it.
                first = cam.project(P[prop.at])
                dx, dz = prop.anchor or (0.0, 0.0)
                b2 = (first[0] + dx, first[1] + dz, first[2])
                post = [(b2[0] - 2, 0.0), (b2[0] + 2, 0.0), (b2[0] + 2, b2[1] + 8), (b2[0] - 2, b2[1] + 8)]
                posts.append(Shape(post, "#bdbdbd", "#6b6b6b", 0.5))
            front.append(Shape([(a2[0], a2[1]), (b2[0], b2[1])], "none", BAND, 1.6, closed=False))
        kinds += [prop] * (len(boxes) - made)
    return boxes, kinds, posts, front


IRON = "#4b5560"  # a weight: dark, so it reads as heavy in colour and in grey print
IRON_HUB = "#aab3ba"
PLATE_R, PLATE_T, GRIP = 5.5, 4.0, 6.5  # a small dumbbell, cm: plate radius and thickness, half the handle


def _held(figure: Figure, frame_no: int) -> list[Prop]:
    return [q for q in figure.props if q.kind == PropKind.weight and (q.frames is None or frame_no in q.frames)]


def _fists(body: Body, figure: Figure, frame_no: int) -> Body:
    """The body as drawn with the hands that hold a weight closed round its handle (a fist,
    not an open hand with fingers through the plates)."""
    hands = {q.at for q in _held(figure, frame_no)} | {q.to for q in _held(figure, frame_no) if q.to}
    parts = []
    for part in body.parts:
        if part.segment in ("hand", "other_hand") and part.segment in hands:
            fist = add(part.a, mul(unit(sub(part.b, part.a)), PALM + 2.0))
            part = Part(part.segment, part.group, part.a, fist, part.ra, part.ra)
        parts.append(part)
    return Body(body.points, body.radii, parts, body.forward, body.face, body.left, body.up, body.chest_left, body.chest_forward)


def _grip(body: Body, hand: str) -> Vec:
    """Where a hand holds a handle: in the palm, a palm's length past the wrist."""
    wrist = body.points[hand.replace("hand", "wrist")]
    return add(wrist, mul(unit(sub(body.points[hand], wrist)), PALM * 0.8))


def _cylinder(c0: Vec, c1: Vec, r: float, cam: Camera) -> list[Pt]:
    """The outline on the page of a solid cylinder between the centres of its ends."""
    axis = unit(sub(c1, c0))
    a = cross(axis, Z) if abs(axis[2]) < 0.9 else cross(axis, X)
    a = unit(a)
    b = cross(axis, a)
    pts = []
    for c in (c0, c1):
        for k in range(24):
            t = 2 * math.pi * k / 24
            x, y, _ = cam.project(add(c, add(mul(a, r * math.cos(t)), mul(b, r * math.sin(t)))))
            pts.append((x, y))
    return _hull(pts)


def weight_shapes(figure: Figure, body: Body, cam: Camera, frame_no: int) -> list[tuple[float, list[Shape]]]:
    """(depth, shapes) of the weights held in this frame, to sort in among the body's limbs.

    A dumbbell in one hand (``at: hand``) lies across the palm, side to side as the body faces;
    held in both hands (``to: other_hand``) it stands upright between them (a goblet hold);
    at the pelvis it lies across the hips. Its plates are drawn as solid discs, the nearer last,
    and the one nearer the viewer shows its hub."""
    out: list[tuple[float, list[Shape]]] = []
    for prop in _held(figure, frame_no):
        P = body.points
        plate_r, grip = PLATE_R, GRIP
        if prop.at.endswith("hand"):
            centre = _grip(body, prop.at)
            axis = body.chest_left
            if prop.to is not None:
                centre = mul(add(centre, _grip(body, prop.to)), 0.5)
                axis = unit(sub(P["neck"], P["waist"]))
        else:
            # Across the hips (or another point): a heavier one, its handle wider than the hips' front.
            axis, plate_r, grip = body.left, PLATE_R * 1.35, GRIP * 1.6
            r = body.radii.get(prop.at, 4.0)
            centre = add(P[prop.at], mul(body.forward, r + plate_r - 1.0))
        ends = [add(centre, mul(axis, k * grip)) for k in (-1.0, 1.0)]
        plates = sorted(
            ((cam.project(e)[2], e, add(e, mul(axis, k * PLATE_T))) for e, k in zip(ends, (-1.0, 1.0))),
            key=lambda t: -t[0],
        )
        shapes = [Shape(_cylinder(plates[0][1], plates[0][2], plate_r, cam), IRON, INK, LINE_W)]
        shapes.append(Shape(_cylinder(ends[0], ends[1], 1.5, cam), IRON, INK, LINE_W * 0.8))
        near_in, near_out = plates[1][1], plates[1][2]
        shapes.append(Shape(_cylinder(near_in, near_out, plate_r, cam), IRON, INK, LINE_W))
        # The hub on the outer face when the axis points at the viewer enough to see that face.
        face_dir = unit(sub(near_out, near_in))
        x, y, depth = cam.project(near_out)
        toward = cam.project(add(near_out, face_dir))[2] - depth
        if toward < -0.35:
            hub = _cylinder(near_out, add(near_out, mul(face_dir, 0.01)), 1.8, cam)
            shapes.append(Shape(hub, IRON_HUB, IRON_HUB, 0.2))
        out.append((cam.project(centre)[2] - 1.0, shapes))
    return out


def _arrow(p0: Pt, p1: Pt, away: Pt, bend: str, offset: tuple[float, float] | None, push: bool = False) -> list[Shape]:
    """A movement arrow (a thin curve beside the moving part) or, with ``push``, a press arrow
    (straight and thick, with a bar at its tail: push this way and hold)."""
    dx, dy = p1[0] - p0[0], p1[1] - p0[1]
    length = math.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    mx, my = (p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2
    # The arrow runs beside the moving part, on the side away from the body.
    if (mx - away[0]) * nx + (my - away[1]) * ny < 0:
        nx, ny = -nx, -ny
    off = 10.0
    if offset is not None:
        p0, p1 = (p0[0] + offset[0], p0[1] + offset[1]), (p1[0] + offset[0], p1[1] + offset[1])
        mx, my = (p0[0] + p1[0]) / 2, (p0[1] + p1[1]) / 2
        off = 0.0
    a = (p0[0] + nx * off + dx * 0.08, p0[1] + ny * off + dy * 0.08)
    b = (p1[0] + nx * off - dx * 0.08, p1[1] + ny * off - dy * 0.08)
    # Movement always curves (a little with bend 'none'); a press is straight.
    k = 0.0 if push else (0.1 if bend == "none" else 0.22) * length
    c = (mx + nx * (off + k), my + ny * (off + k))
    pts = [
        ((1 - t) ** 2 * a[0] + 2 * (1 - t) * t * c[0] + t * t * b[0], (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * c[1] + t * t * b[1])
        for t in (i / 16 for i in range(17))
    ]
    tx, ty = b[0] - pts[-3][0], b[1] - pts[-3][1]
    tl = math.hypot(tx, ty) or 1.0
    tx, ty = tx / tl, ty / tl
    head = 8.5 if push else 6.5
    tip = (b[0] + tx * head * 0.6, b[1] + ty * head * 0.6)
    left = (b[0] - tx * head * 0.5 - ty * head * 0.55, b[1] - ty * head * 0.5 + tx * head * 0.55)
    right = (b[0] - tx * head * 0.5 + ty * head * 0.55, b[1] - ty * head * 0.5 - tx * head * 0.55)
    if push:
        bar = 4.0
        tail = [(a[0] - ty * bar, a[1] + tx * bar), (a[0] + ty * bar, a[1] - tx * bar)]
        return [
            Shape([a, b], "none", ARROW, 3.0, closed=False),
            Shape(tail, "none", ARROW, 2.2, closed=False),
            Shape([tip, left, right], ARROW, ARROW, 0.4),
        ]
    return [Shape(pts, "none", ARROW, 1.7, closed=False, control=c), Shape([tip, left, right], ARROW, ARROW, 0.4)]


TURN_R = 27.0  # cm: the radius of a turn arrow round the hips (just outside them)


def _turn_arrow(centre: Vec, turn: float, offset: tuple[float, float] | None, cam: Camera) -> tuple[list[Shape], list[Shape]]:
    """A turn about the vertical: a curved arrow on a level ring round ``centre`` (a hoop round
    the hips), as (the part behind the body, drawn before it; the part in front, with the head).
    It comes from behind the body on one side, passes in front and ends at the other side,
    pointing the way the near side moves (``turn`` > 0: the body turns to its left,
    counter-clockwise seen from above)."""
    cy, sy, _, _ = cam._trig
    near = math.atan2(-cy, sy)  # the floor direction toward the viewer
    sign = 1.0 if turn > 0 else -1.0
    ox, oy = offset or (0.0, 0.0)

    def at(deg: float) -> Pt:
        a = near + sign * math.radians(deg)
        x, y, _ = cam.project(add(centre, (TURN_R * math.cos(a), TURN_R * math.sin(a), 0.0)))
        return (x + ox, y + oy)

    back = [at(-150 + 60 * k / 8) for k in range(9)]  # behind the body, from -150 to -90 degrees
    pts = [at(-90 + 170 * k / 16) for k in range(17)]  # in front, from -90 to 80 degrees
    b = pts[-1]
    tx, ty = b[0] - pts[-3][0], b[1] - pts[-3][1]
    tl = math.hypot(tx, ty) or 1.0
    tx, ty = tx / tl, ty / tl
    head = 6.5
    tip = (b[0] + tx * head * 0.6, b[1] + ty * head * 0.6)
    left = (b[0] - tx * head * 0.5 - ty * head * 0.55, b[1] - ty * head * 0.5 + tx * head * 0.55)
    right = (b[0] - tx * head * 0.5 + ty * head * 0.55, b[1] - ty * head * 0.5 - tx * head * 0.55)
    return (
        [Shape(back, "none", ARROW, 1.7, closed=False)],
        [Shape(pts, "none", ARROW, 1.7, closed=False), Shape([tip, left, right], ARROW, ARROW, 0.4)],
    )


def scenes(figure: Figure, placed: list[Placed] | None = None) -> list[Scene]:
    cam = Camera.of(figure)
    placed = placed or place(figure)
    highlight = set(figure.highlight)
    out = []
    for i, p in enumerate(placed, start=1):
        behind, front = _prop_shapes(figure, placed, cam, i)
        shapes = list(behind)
        if figure.ghost and i > 1:
            for _, group in sorted(
                _body_shapes(placed[0].body, cam, set(), ghost=set(), only=set(figure.ghost)), key=lambda t: -t[0]
            ):
                shapes += group
        turns = [
            _turn_arrow(p.world[a.point], a.turn, a.offset, cam)
            for a in figure.arrows
            if a.turn is not None and i > 1 and (a.frames is None or i in a.frames)
        ]
        for hidden, _ in turns:
            shapes += hidden
        held = weight_shapes(figure, p.body, cam, i)
        body = _fists(p.body, figure, i) if held else p.body
        for _, group in sorted(_body_shapes(body, cam, set(highlight)) + held, key=lambda t: -t[0]):
            shapes += group
        shapes += front
        for arrow in figure.arrows:
            if arrow.push is not None and (arrow.frames is None or i in arrow.frames):
                # A hold: which way to press, beside the point.
                ox, oy = arrow.offset or (0.0, 0.0)
                a = (p.page[arrow.point][0] + ox, p.page[arrow.point][1] + oy)
                shapes += _arrow(a, (a[0] + arrow.push[0], a[1] + arrow.push[1]), a, "none", (0.0, 0.0), push=True)
        for _, shown in turns:
            shapes += shown
        if i > 1:
            xs = [q[0] for q in p.page.values()]
            ys = [q[1] for q in p.page.values()]
            centroid = (sum(xs) / len(xs), sum(ys) / len(ys))
            for arrow in figure.arrows:
                if arrow.push is not None or (arrow.frames is not None and i not in arrow.frames):
                    continue
                if arrow.turn is not None:
                    continue
                p0, p1 = placed[i - 2].page[arrow.point], p.page[arrow.point]
                travel = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
                if travel >= 5.0:
                    if arrow.length is not None and travel < arrow.length:
                        # A small movement drawn with a readable arrow: stretched about its middle.
                        k = (arrow.length / travel - 1) / 2
                        p0, p1 = (
                            (p0[0] - (p1[0] - p0[0]) * k, p0[1] - (p1[1] - p0[1]) * k),
                            (p1[0] + (p1[0] - p0[0]) * k, p1[1] + (p1[1] - p0[1]) * k),
                        )
                    shapes += _arrow(p0, p1, centroid, arrow.bend, arrow.offset)
        floor_y = 0.0 * math.cos(math.radians(cam.tilt)) if abs(cam.tilt) < 20 and figure.floor else None
        pts = [q for s in shapes for q in s.points]
        bounds = (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts), max(y for _, y in pts))
        out.append(Scene(shapes, bounds, floor_y))
    return out


# ------------------------------------------------------------------------- SVG output


@dataclass
class FrameImage:
    label: str
    svg: str
    width: float  # SVG user units
    height: float
    shapes: list[Shape] = field(default_factory=list, repr=False)  # in SVG user units, for PNG


@dataclass
class Picture:
    frames: list[FrameImage]
    alt: str
    frame_alts: list[str] = field(default_factory=list)

    def slots(self) -> list[float]:
        """Width of each frame's place on a sheet: wide enough for its label on one line."""
        return [max(f.width, 13.0 * (len(f.label) + 3) + 10) for f in self.frames]

    def sheet(self, title: str | None = None) -> str:
        """All frames side by side with numbered labels: for `exercises show` and the gallery."""
        gap, label_h, title_h = 16.0, 34.0, (40.0 if title else 0.0)
        slots = self.slots()
        width = sum(slots) + gap * (len(self.frames) - 1)
        height = max(f.height for f in self.frames) + label_h + title_h
        parts = [
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.1f} {height:.1f}" '
            f'width="{width:.1f}" height="{height:.1f}" role="img">',
            f"<title>{_esc(self.alt)}</title>",
        ]
        if title:
            parts.append(
                f'<text x="0" y="28" font-family="sans-serif" font-size="26" font-weight="700" fill="#1f1f1f">{_esc(title)}</text>'
            )
        x = 0.0
        for n, (f, slot) in enumerate(zip(self.frames, slots), start=1):
            inner = f.svg.split(">", 1)[1].rsplit("</svg>", 1)[0]
            parts.append(f'<g transform="translate({x + (slot - f.width) / 2:.1f} {title_h:.1f})">{inner}</g>')
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{title_h + f.height + 26:.1f}" text-anchor="middle" '
                f'font-family="sans-serif" font-size="24" fill="#1f1f1f">{n}. {_esc(f.label)}</text>'
            )
            x += slot + gap
        parts.append("</svg>")
        return "".join(parts)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


BADGE_R = 12.0  # the stopwatch's radius, cm on the page


def stopwatch(cx: float, cy: float, r: float) -> list[Shape]:
    """A stopwatch (SVG units, y down): a hold. A face, a knob, and a wedge of time gone."""

    def circle(x: float, y: float, rr: float, n: int = 24) -> list[Pt]:
        return [(x + rr * math.cos(2 * math.pi * i / n), y + rr * math.sin(2 * math.pi * i / n)) for i in range(n)]

    wedge = [(cx, cy)] + [
        (cx + r * 0.72 * math.sin(math.radians(a)), cy - r * 0.72 * math.cos(math.radians(a))) for a in range(0, 121, 15)
    ]
    # The knob and the hand: one style, so one SVG path.
    return [
        Shape(circle(cx, cy, r), "#ffffff", INK, LINE_W * 1.4),
        Shape(wedge, ARROW, ARROW, 0.3),
        Shape([(cx, cy - r * 1.05), (cx, cy - r * 1.35)], "none", INK, LINE_W * 2.2, closed=False, round=False),
        Shape([(cx, cy), (cx, cy - r * 0.72)], "none", INK, LINE_W * 2.2, closed=False, round=False),
    ]


def draw(figure: Figure, *, mirror: bool = False, alt: str = "", placed: list[Placed] | None = None) -> Picture:
    """The figure's frames as SVG images of equal scale (mirrored for a left-sided patient)."""
    all_scenes = scenes(figure, placed)
    sign = -1.0 if mirror else 1.0
    min_x = min(sign * (s.bounds[0] if sign > 0 else s.bounds[2]) for s in all_scenes) - PAD
    max_x = max(sign * (s.bounds[2] if sign > 0 else s.bounds[0]) for s in all_scenes) + PAD
    min_y = min(min(s.bounds[1] for s in all_scenes), 0.0) - PAD * 0.5
    max_y = max(s.bounds[3] for s in all_scenes) + PAD
    holds = any(f.hold for f in figure.frames)
    badge_left = False
    if holds:
        # The stopwatch goes in the top right corner when no frame has anything there (a lying
        # body leaves it free), else in the top left one; else in a band above the body, so
        # that it never covers it. A corner keeps the body as large as the frame allows.
        x0, x1, y0 = max_x - 2 * BADGE_R - 4.0, min_x + 2 * BADGE_R + 4.0, max_y - 2.4 * BADGE_R - 2.0
        spans = [
            (min(sign * x for x, _ in shape.points), max(sign * x for x, _ in shape.points), max(y for _, y in shape.points))
            for scene in all_scenes
            for shape in scene.shapes
        ]
        if all(hi < x0 or lo > max_x or top < y0 for lo, hi, top in spans):
            badge_left = False
        elif all(lo > x1 or hi < min_x or top < y0 for lo, hi, top in spans):
            badge_left = True
        else:
            badge_left = False
            max_y += 2.4 * BADGE_R + 3.0
            min_x = min(min_x, max_x - 2 * BADGE_R - 6.0)
    w, h = (max_x - min_x) * SCALE, (max_y - min_y) * SCALE

    def tx(p: Pt) -> Pt:
        return ((sign * p[0] - min_x) * SCALE, (max_y - p[1]) * SCALE)

    frames = []
    for frame, scene in zip(figure.frames, all_scenes):
        shapes = []
        if scene.floor_y is not None:
            y = (max_y - scene.floor_y) * SCALE
            shapes.append(Shape([(0.0, y), (w, y)], "none", "#777777", 1.4, closed=False, round=False))
        shapes += [s.moved(tx) for s in scene.shapes]
        if frame.hold:
            badge_x = (BADGE_R + 2.0) * SCALE if badge_left else w - (BADGE_R + 2.0) * SCALE
            shapes += stopwatch(badge_x, (BADGE_R * 1.4 + 1.0) * SCALE, BADGE_R * SCALE)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.1f} {h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}">' + svg_paths(shapes) + "</svg>"
        )
        frames.append(FrameImage(frame.label, svg, w, h, shapes))
    return Picture(frames, alt)
