"""Pose data -> deterministic SVG: each frame's scene (props behind, the ghost of the start, the
body with what it holds, then the arrows), framed at one scale with the hold's stopwatch.

Everything is computed in centimetres on the page and printed with one decimal, so the same
pose always gives the same bytes. Pure Python and no WeasyPrint: drawing every picture of a
handout takes milliseconds (benchmarks/figures.py). The parts: shapes.py (primitives and the
palette), placement.py (bodies on the floor, contacts), people.py (the body's shapes and face),
props.py (props and weights), marks.py (arrows and the stopwatch).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

from rehabplan.figures.body import Camera
from rehabplan.figures.marks import BADGE_R, MOVED, _arrow, _tilt_arrow, _turn_arrow, stopwatch
from rehabplan.figures.people import _body_shapes
from rehabplan.figures.placement import Placed, place
from rehabplan.figures.pose import LIMB_POINTS, Arrow, Figure, PointName
from rehabplan.figures.props import _fists, _prop_shapes, weight_shapes
from rehabplan.figures.shapes import GHOST, LINE_W, PAD, SCALE, Pt, Shape, svg_paths

MIN_ARROW = 22.0  # cm: the shortest movement arrow, so that a small movement still reads
LEAD = 2.0  # cm from about the moving part's outline (0.7 of its radius) to its small movement's arrow


@dataclass
class Scene:
    """Shapes of one frame in page centimetres (y up), back to front."""

    shapes: list[Shape]
    bounds: tuple[float, float, float, float]  # min x, min y, max x, max y
    floor_y: float | None


def scenes(figure: Figure, placed: list[Placed] | None = None) -> list[Scene]:
    cam = Camera.of(figure)
    placed = placed or place(figure)
    highlight = set(figure.highlight)
    active = active_limbs(placed)
    out = []
    for i, p in enumerate(placed, start=1):
        behind, front = _prop_shapes(figure, placed, cam, i)
        shapes = list(behind)
        if figure.ghost and i > 1:
            # Where the limbs were in the first frame; after a step over the floor (a side step),
            # where the feet were before the step: only a limb whose end moved (not the foot that
            # stays planted while the body moves over it).
            was, moved = placed[0], set[str](figure.ghost)
            if p.frame.move != placed[i - 2].frame.move:
                was = placed[i - 2]
                moved = {limb for limb in figure.ghost if _limb_moved(limb, was, p)}
            for _, group in sorted(_body_shapes(was.body, cam, set(), ghost=set(), only=moved), key=lambda t: -t[0]):
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
        for _, group in sorted(_body_shapes(body, cam, set(highlight), active=active) + held, key=lambda t: -t[0]):
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
                if arrow.tilt is not None:
                    shapes += _tilt_arrow(p.world[arrow.point], p.body.forward, p.body.up, arrow.tilt == "back", cam)
                    continue
                shapes += _move_arrow(arrow, placed[i - 2].page[arrow.point], p, centroid)
        shapes += _inset(figure, placed, i, shapes, active)
        floor_y = 0.0 * math.cos(math.radians(cam.tilt)) if abs(cam.tilt) < 20 and figure.floor else None
        pts = [q for s in shapes for q in s.points]
        bounds = (min(x for x, _ in pts), min(y for _, y in pts), max(x for x, _ in pts), max(y for _, y in pts))
        out.append(Scene(shapes, bounds, floor_y))
    return out


INSET_PAD = 3.0  # cm (page, at the main picture's scale): the inset's box round its small body
INSET_GAP = 3.0  # cm between the inset's box and the main picture's body or arrows under it


def _inset(figure: Figure, placed: list[Placed], frame_no: int, drawn: list[Shape], active: set[str]) -> list[Shape]:
    """The frame's body and props seen from the inset's camera, small, in a white box with a thin
    grey border at a top corner of the frame: level with the main picture's top when that corner is
    empty, else just above whatever body part, prop or arrow is under it. None in other frames."""
    inset = figure.inset
    if inset is None or frame_no not in inset.frames:
        return []
    cam = Camera(Camera.of(figure).yaw if inset.yaw is None else inset.yaw, inset.tilt)
    p = placed[frame_no - 1]
    behind, front = _prop_shapes(figure, placed, cam, frame_no)
    inner = list(behind)
    if inset.ghost and frame_no > 1:
        was = placed[frame_no - 2].body
        for _, group in sorted(_body_shapes(was, cam, set(), ghost=set(), only=set(inset.ghost)), key=lambda t: -t[0]):
            inner += group
    for _, group in sorted(_body_shapes(p.body, cam, set(figure.highlight), active=active), key=lambda t: -t[0]):
        inner += group
    inner += front
    if inset.arrows and frame_no > 1:
        inner += _inset_arrows(inset.arrows, placed[frame_no - 2], p, cam)
    xs = [x for s in inner for x, _ in s.points]
    ys = [y for s in inner for _, y in s.points]
    k = inset.scale
    w, h = (max(xs) - min(xs)) * k + 2 * INSET_PAD, (max(ys) - min(ys)) * k + 2 * INSET_PAD
    pts = [q for s in drawn for q in s.points]
    left, right, top = min(x for x, _ in pts), max(x for x, _ in pts), max(y for _, y in pts)
    x0 = left if inset.corner == "left" else right - w
    under = [
        max(y for _, y in s.points)
        for s in drawn
        if s.points and min(x for x, _ in s.points) < x0 + w and max(x for x, _ in s.points) > x0
    ]
    y0 = max([top - h] + [y + INSET_GAP for y in under])
    ox, oy = x0 + INSET_PAD - min(xs) * k, y0 + INSET_PAD - min(ys) * k
    box = Shape([(x0, y0), (x0 + w, y0), (x0 + w, y0 + h), (x0, y0 + h)], "#ffffff", GHOST, LINE_W * 0.7, round=False)
    # Outlines thinned less than the body is shrunk: a small body keeps readable edges.
    thin = math.sqrt(k)
    return [box] + [replace(s.moved(lambda q: (ox + q[0] * k, oy + q[1] * k)), width=s.width * thin) for s in inner]


def _inset_arrows(points: list[PointName], was: Placed, p: Placed, cam: Camera) -> list[Shape]:
    """Movement arrows for ``points`` (their paths from the frame before) as ``cam`` sees them:
    e.g. a lifted knee swinging out to the side seen from above, which a view from the front or
    side shows only as a move toward or away from the viewer."""

    def flat(v: tuple[float, float, float]) -> Pt:
        x, up, _ = cam.project(v)
        return (x, up)

    seen = replace(p, page={k: flat(v) for k, v in p.world.items()})
    xs = [q[0] for q in seen.page.values()]
    ys = [q[1] for q in seen.page.values()]
    centroid = (sum(xs) / len(xs), sum(ys) / len(ys))
    out: list[Shape] = []
    for point in points:
        out += _move_arrow(Arrow(point=point), flat(was.world[point]), seen, centroid)
    return out


MOVES_CM = 3.0  # a limb whose knee/elbow or ankle/wrist moves this much more than its twin's does its own movement
LIFTED_CM = 8.0  # a foot held this far above the other foot (standing on one leg, a knee held up)


def active_limbs(placed: list[Placed]) -> set[str]:
    """The limbs that take part in the exercise on their own: between frames they move otherwise
    than their twin on the other side (not just carried along with the body, nor the same as the
    twin as both legs in a squat), or (a leg) are held up above the other foot. Such a limb is never
    drawn grey: grey means only "the far limb, at rest"."""
    out = set()
    first = placed[0]

    def moved(point: str, p: Placed) -> tuple[float, float]:
        return (p.page[point][0] - first.page[point][0], p.page[point][1] - first.page[point][1])

    for limb in ("leg", "other_leg", "arm", "other_arm"):
        pre, twin = ("other_", "") if limb.startswith("other_") else ("", "other_")
        ends = ("knee", "ankle") if limb.endswith("leg") else ("elbow", "wrist")
        for p in placed[1:]:
            if any(
                math.hypot(*moved(pre + q, p)) >= MOVES_CM and math.dist(moved(pre + q, p), moved(twin + q, p)) >= MOVES_CM
                for q in ends
            ):
                out.add(limb)
        if limb.endswith("leg"):
            for p in placed:
                low = min(p.world[pre + q][2] for q in ("heel", "toe"))
                if low >= min(p.world[twin + q][2] for q in ("heel", "toe")) + LIFTED_CM:
                    out.add(limb)
    return out


_GROUP_POINTS = {"torso": ("pelvis", "waist", "chest", "neck", "head"), "leg": ("ankle",), "arm": ("wrist",)}


def _limb_moved(limb: str, was: Placed, now: Placed) -> bool:
    """Whether a limb's end (the ankle, the wrist) or the torso is somewhere else on the page, by
    3 cm or more: a foot that stays planted while the body moves over it has no ghost."""
    pre = "other_" if limb.startswith("other_") else ""
    points = [pre + q if q in LIMB_POINTS else q for q in _GROUP_POINTS[limb.removeprefix("other_")]]
    return any(math.hypot(was.page[q][0] - now.page[q][0], was.page[q][1] - now.page[q][1]) >= 3.0 for q in points)


def _move_arrow(arrow: Arrow, p0: Pt, p: Placed, centroid: Pt) -> list[Shape]:
    """A movement arrow for ``arrow.point`` from ``p0`` (the frame before) to where ``p`` has it."""
    p1 = p.page[arrow.point]
    travel = math.hypot(p1[0] - p0[0], p1[1] - p0[1])
    if travel < MOVED:
        return []
    if travel < MIN_ARROW and arrow.offset is None and arrow.length is None:
        # A small movement: an arrow of readable length that leads out of the moving part
        # where it ends, the way it moves (the hips lift: an arrow up from them).
        ux, uy = (p1[0] - p0[0]) / travel, (p1[1] - p0[1]) / travel
        lead = 0.7 * p.body.radii.get(arrow.point, 4.0) + LEAD
        a = (p1[0] + ux * lead, p1[1] + uy * lead)
        return _arrow(a, (a[0] + ux * MIN_ARROW, a[1] + uy * MIN_ARROW), centroid, "none", (0.0, 0.0))
    want = max(arrow.length or 0.0, MIN_ARROW)
    if travel < want:
        # A small movement drawn with a readable arrow: stretched about its middle.
        k = (want / travel - 1) / 2
        p0, p1 = (
            (p0[0] - (p1[0] - p0[0]) * k, p0[1] - (p1[1] - p0[1]) * k),
            (p1[0] + (p1[0] - p0[0]) * k, p1[1] + (p1[1] - p0[1]) * k),
        )
    return _arrow(p0, p1, centroid, arrow.bend, arrow.offset)


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


def draw(figure: Figure, *, mirror: bool = False, alt: str = "", placed: list[Placed] | None = None) -> Picture:
    """The figure's frames as SVG images of equal scale (mirrored for a left-sided patient)."""
    all_scenes = scenes(figure, placed)
    sign = -1.0 if mirror else 1.0
    min_x = min(sign * (s.bounds[0] if sign > 0 else s.bounds[2]) for s in all_scenes) - PAD
    max_x = max(sign * (s.bounds[2] if sign > 0 else s.bounds[0]) for s in all_scenes) + PAD
    min_y = min(min(s.bounds[1] for s in all_scenes), 0.0) - PAD * 0.5
    max_y = max(s.bounds[3] for s in all_scenes) + PAD
    holds = any(f.hold for f in figure.frames)
    if holds:
        # The stopwatch goes in the frame's top right corner. When something is there, the frame
        # grows to make room, so it never covers the body: a frame taller than wide grows to the
        # right, a wider one by a band above, so a lying figure's frames do not get so wide that
        # the card has to stack them (two stacked frames and a heading, which never split, take
        # more than the 30 % of a page the card layout allows them). Never the top left corner:
        # there it sits between two frames, and readers cannot tell which one it belongs to.
        x0, y0 = max_x - 2 * BADGE_R - 4.0, max_y - 2.4 * BADGE_R - 2.0
        spans = [
            (min(sign * x for x, _ in shape.points), max(sign * x for x, _ in shape.points), max(y for _, y in shape.points))
            for scene in all_scenes
            for shape in scene.shapes
        ]
        if not all(hi < x0 or lo > max_x or top < y0 for lo, hi, top in spans):
            wide, tall = 2 * BADGE_R + 4.0, 2.4 * BADGE_R + 3.0
            if max_x - min_x <= max_y - min_y:
                max_x += wide
            else:
                max_y += tall
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
            badge_x = w - (BADGE_R + 2.0) * SCALE
            shapes += stopwatch(badge_x, (BADGE_R * 1.4 + 1.0) * SCALE, BADGE_R * SCALE)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.1f} {h:.1f}" width="{w:.1f}" '
            f'height="{h:.1f}">' + svg_paths(shapes) + "</svg>"
        )
        frames.append(FrameImage(frame.label, svg, w, h, shapes))
    return Picture(frames, alt)
