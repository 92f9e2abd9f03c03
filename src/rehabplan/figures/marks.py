"""Marks drawn over the body: movement arrows (a thin curve beside the moving part), press arrows
(straight, with a bar at the tail), turn arrows (a level curve round a point) and the hold's
stopwatch.
"""

from __future__ import annotations

import math

from rehabplan.figures.body import Camera, Vec, add, mul
from rehabplan.figures.shapes import ARROW, INK, LINE_W, Pt, Shape, circle

MOVED = 1.0  # cm on the page: a point that moved less than this did not move (no arrow, no words)


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
    tx, ty = _direction(pts)
    head = _head(b, tx, ty, 8.5 if push else 6.5)
    if push:
        bar = 4.0
        tail = [(a[0] - ty * bar, a[1] + tx * bar), (a[0] + ty * bar, a[1] - tx * bar)]
        return [
            Shape([a, b], "none", ARROW, 3.0, closed=False),
            Shape(tail, "none", ARROW, 2.2, closed=False),
            head,
        ]
    return [Shape(pts, "none", ARROW, 1.7, closed=False, control=c), head]


def _direction(pts: list[Pt]) -> tuple[float, float]:
    """The unit direction in which a drawn arrow's line ends (over its last two segments)."""
    b = pts[-1]
    tx, ty = b[0] - pts[-3][0], b[1] - pts[-3][1]
    tl = math.hypot(tx, ty) or 1.0
    return tx / tl, ty / tl


def _head(b: Pt, tx: float, ty: float, size: float, spread: float = 0.55) -> Shape:
    """An arrowhead at ``b`` pointing along (``tx``, ``ty``): a filled triangle ``size`` long."""
    tip = (b[0] + tx * size * 0.6, b[1] + ty * size * 0.6)
    left = (b[0] - tx * size * 0.5 - ty * size * spread, b[1] - ty * size * 0.5 + tx * size * spread)
    right = (b[0] - tx * size * 0.5 + ty * size * spread, b[1] - ty * size * 0.5 - tx * size * spread)
    return Shape([tip, left, right], ARROW, ARROW, 0.4)


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
    tx, ty = _direction(pts)
    head = _head(b, tx, ty, 6.5)
    return (
        [Shape(back, "none", ARROW, 1.7, closed=False)],
        [Shape(pts, "none", ARROW, 1.7, closed=False), head],
    )


TILT_R = 21.0  # cm: the radius of a pelvic tilt's arrow round the pelvis (just outside it)


def _tilt_arrow(centre: Vec, forward: Vec, up: Vec, back: bool, cam: Camera) -> list[Shape]:
    """A pelvic tilt: a curved arrow round ``centre`` in the plane of the belly's direction
    (``forward``) and the spine (``up``), on the belly's side, from the legs' side to the head's
    side when the pelvis tilts back (its front rolls up toward the ribs, the low back flattens),
    the other way when it tilts forward."""

    def at(deg: float) -> Pt:
        a = math.radians(deg)
        x, y, _ = cam.project(add(centre, add(mul(forward, TILT_R * math.cos(a)), mul(up, TILT_R * math.sin(a)))))
        return (x, y)

    span = [-50 + 170 * k / 20 for k in range(21)]
    pts = [at(d) for d in (span if back else span[::-1])]
    b = pts[-1]
    tx, ty = _direction(pts)
    head = _head(b, tx, ty, 7.5, spread=0.6)
    return [Shape(pts, "none", ARROW, 2.2, closed=False), head]


BADGE_R = 12.0  # the stopwatch's radius, cm on the page


def stopwatch(cx: float, cy: float, r: float) -> list[Shape]:
    """A stopwatch (SVG units, y down): a hold. A face, a knob, and a wedge of time gone."""

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
