"""Geometry checks of a drawn figure: what a reader would see as wrong, found by measuring.

For every frame: nothing sinks into the floor or the mat; every point the pose says rests
(``rest:``) touches what is under it, and no foot hovers just above it; the point a wall, a
counter, a chair, a rail or a step was put against touches it in every frame that shows it; no limb passes into a solid prop (a wall, a counter, a
step, a chair, a rail); the two legs do not pass through each other; both legs keep the body
model's lengths. `problems` lists what fails, in words that name the frame and the parts;
the tests run it over every frame of every exercise, and a clinic can run it on its own.
"""

from __future__ import annotations

import math

from rehabplan.figures.body import SHIN, THIGH, Body, Camera, Vec, dot, norm, sub, unit
from rehabplan.figures.draw import Placed, _floor_height, limb_of, place, prop_geometry, support_height
from rehabplan.figures.pose import Figure, PropKind

TOUCH_CM = 1.0  # a resting point is this close to what it rests on
SINK_CM = 1.5  # a limb may press this far into the floor or a hard prop (skin, shoes)
SEAT_CM = 4.5  # ... and this far into a chair's seat (a thigh flattens on a seat)
HOVER_CM = 6.0  # a foot nearer than this to the floor and not on it reads as floating
NEAR_CM = 2.0  # ... and farther than this (a thin toe of a standing foot is 1.2 cm up)
LEGS_CM = 2.0  # two legs may press this far into each other (touching knees or feet)

HELD = {PropKind.wall, PropKind.counter, PropKind.chair, PropKind.rail, PropKind.step}
SOLID = {PropKind.wall, PropKind.counter, PropKind.step, PropKind.chair, PropKind.rail, PropKind.post}


def _radius(part) -> float:
    return min(part.trunk[0]) if part.trunk else min(part.ra, part.rb)


def _samples(part, n: int = 10) -> list[tuple[Vec, float]]:
    """Spheres along a part: (centre, radius)."""
    out = []
    for i in range(n + 1):
        t = i / n
        c = tuple(a + (b - a) * t for a, b in zip(part.a, part.b))
        if part.trunk:
            r = min(part.trunk[0]) * (1 - t) + min(part.trunk[1]) * t
        else:
            r = part.ra * (1 - t) + part.rb * t
        out.append((c, r))
    return out


def box_distance(corners: list[Vec], p: Vec) -> float:
    """Signed distance from ``p`` to a box given by its 8 corners (x-major, as oriented_box
    makes them): negative inside."""
    o = corners[0]
    axes = [sub(corners[4], o), sub(corners[2], o), sub(corners[1], o)]
    q = sub(p, o)
    outside, inside = 0.0, -1e9
    for axis in axes:
        length = norm(axis)
        if length < 1e-9:
            continue
        u = unit(axis)
        t = dot(q, u) - length / 2
        d = abs(t) - length / 2
        outside += max(d, 0.0) ** 2
        inside = max(inside, d)
    return math.sqrt(outside) if outside > 0 else inside


def _segment_distance(a0: Vec, a1: Vec, b0: Vec, b1: Vec) -> tuple[float, float, float]:
    """(distance, s, t): the closest points a0 + s (a1 - a0) and b0 + t (b1 - b0)."""
    best = (1e9, 0.0, 0.0)
    for i in range(13):
        s = i / 12
        pa: Vec = (a0[0] + (a1[0] - a0[0]) * s, a0[1] + (a1[1] - a0[1]) * s, a0[2] + (a1[2] - a0[2]) * s)
        d = sub(b1, b0)
        dd = dot(d, d)
        t = 0.0 if dd < 1e-9 else max(0.0, min(1.0, dot(sub(pa, b0), d) / dd))
        pb: Vec = (b0[0] + (b1[0] - b0[0]) * t, b0[1] + (b1[1] - b0[1]) * t, b0[2] + (b1[2] - b0[2]) * t)
        dist = norm(sub(pa, pb))
        if dist < best[0]:
            best = (dist, s, t)
    return best


def _reaches_other_leg(placed: Placed) -> bool:
    """A foot put on the other leg on purpose (figure-four, a clamshell's stacked feet)."""
    for name in ("leg", "other_leg"):
        reach = getattr(placed.frame, name).reach
        if reach is not None and limb_of(reach.to) not in (None, name):
            return True
    return False


def problems(figure: Figure, placed: list[Placed] | None = None) -> list[str]:  # noqa: C901 - one short check per rule, read top to bottom
    """What is geometrically wrong with the figure's frames (an empty list: nothing)."""
    placed = placed or place(figure)
    cam = Camera.of(figure)
    out: list[str] = []
    for i, p in enumerate(placed, start=1):
        body: Body = p.body
        where = f"frame {i} ({p.frame.label})"
        floor = _floor_height(figure, i)
        for part in body.parts:
            low = min(c[2] - r for c, r in _samples(part))
            if low < floor - SINK_CM:
                out.append(f"{where}: the {part.segment} sinks {floor - low:.1f} cm into the floor")
        for point in p.frame.rest:
            bottom = body.points[point][2] - body.radii.get(point, 0.0)
            gap = bottom - support_height(figure, placed, i, point)
            if abs(gap) > TOUCH_CM:
                state = "floats" if gap > 0 else "sinks"
                out.append(f"{where}: the {point} {state} {abs(gap):.1f} cm off what it rests on")
        for point in ("heel", "toe", "other_heel", "other_toe"):
            if point in p.frame.rest:
                continue
            bottom = body.points[point][2] - body.radii.get(point, 0.0)
            gap = bottom - support_height(figure, placed, i, point)
            if NEAR_CM < gap < HOVER_CM:
                out.append(f"{where}: the {point} hovers {gap:.1f} cm above what is under it (rest it, or lift it clearly)")
        boxes, props, _, _ = prop_geometry(figure, placed, cam, i)
        for prop in {id(q): q for q in props}.values():
            if prop.kind not in HELD or (prop.at == "pelvis" and i != prop.placing_frame()):
                # (one may stand up from a chair)
                continue
            # What the prop was put against touches it in every frame that shows it.
            r = body.radii.get(prop.at, 0.0)
            gap = min(box_distance(c, body.points[prop.at]) for (c, _, _), q in zip(boxes, props) if q is prop) - r
            if gap > TOUCH_CM + 0.5:
                out.append(f"{where}: the {prop.at} is {gap:.1f} cm off the {prop.kind.value} it should touch")
        for (corners, _, _), prop in zip(boxes, props):
            kind = prop.kind
            if kind not in SOLID:
                continue
            # A chair's seat: the box whose top is highest under the pelvis (the seat or the back).
            seat = kind == PropKind.chair
            for part in body.parts:
                depth = max(r - box_distance(corners, c) for c, r in _samples(part))
                allowed = SEAT_CM if seat and part.group in ("torso", "leg", "other_leg") else SINK_CM
                if depth > allowed:
                    out.append(f"{where}: the {part.segment} passes {depth:.1f} cm into the {kind.value}")
        if not _reaches_other_leg(p):
            legs = [q for q in body.parts if q.group == "leg" and q.segment != "thigh"]
            others = [q for q in body.parts if q.group == "other_leg" and q.segment != "other_thigh"]
            for a in legs:
                for b in others:
                    dist, s, t = _segment_distance(a.a, a.b, b.a, b.b)
                    ra = a.ra + (a.rb - a.ra) * s
                    rb = b.ra + (b.rb - b.ra) * t
                    if ra + rb - dist > LEGS_CM:
                        out.append(f"{where}: the {a.segment} passes {ra + rb - dist:.1f} cm into the {b.segment}")
        for pre in ("", "other_"):
            P = body.points
            thigh = norm(sub(P[pre + "knee"], P[pre + "hip"]))
            shin = norm(sub(P[pre + "ankle"], P[pre + "knee"]))
            if abs(thigh - THIGH) > 0.5 or abs(shin - SHIN) > 0.5:
                out.append(f"{where}: the {pre}leg is {thigh:.0f} + {shin:.0f} cm long, not {THIGH:.0f} + {SHIN:.0f}")
    return sorted(set(out), key=out.index)
