"""Laying out frames: each frame's body set on the floor, its rest points brought onto what is under
them (the contact solver), the fixed point kept in place from frame to frame, and projected.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from rehabplan.figures.body import PALM, Body, Camera, Vec, add, mul, norm, solve, sub, unit
from rehabplan.figures.pose import Figure, Frame, PropKind, Reach
from rehabplan.figures.shapes import Pt


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
    body.parts = [replace(p, a=add(p.a, shift), b=add(p.b, shift)) for p in body.parts]


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
