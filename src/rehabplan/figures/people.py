"""The body as shapes: limbs with volume per drawing group (near, far, working, ghost), the trunk's
elliptic sections, and a face that shows which way the person looks.
"""

from __future__ import annotations

import math

from rehabplan.figures.body import HEAD_R, HIP_W, SHOULDER_W, Body, Camera, Part, Vec, add, cross, dot, mul, sub, unit
from rehabplan.figures.shapes import (
    FAR_INK,
    FAR_SKIN,
    FAR_WORK_INK,
    GHOST,
    HAIR,
    INK,
    LINE_W,
    SKIN,
    WORK,
    Arc,
    Pt,
    Shape,
    _hull,
    capsule_arcs,
)


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


ON_TOP = "+on_top"  # the drawing group of a foot resting across the other leg: its leg's name and this


def _body_shapes(  # noqa: C901 - one pass over the limbs deciding ghost, highlight and depth per group
    body: Body,
    cam: Camera,
    highlight: set[str],
    ghost: set[str] | None = None,
    only: set[str] | None = None,
    active: set[str] | None = None,
) -> list[tuple[float, list[Shape]]]:
    """(depth, shapes) per drawing group: a limb's outline then its fill, so a limb reads as one
    shape while each limb stays outlined against the others. `active`: the limbs that take part
    in the exercise (move between frames, or are held up); such a limb is never grey."""
    groups: dict[str, list[Part]] = {}
    for part in body.parts:
        groups.setdefault(part.group, []).append(part)

    def mean_depth(parts: list[Part]) -> float:
        return sum(cam.project(p.a)[2] + cam.project(p.b)[2] for p in parts) / (2 * len(parts))

    for leg, twin in (("leg", "other_leg"), ("other_leg", "leg")):
        # A foot resting across the other leg, when the rest of its leg is behind that leg (a
        # figure-four seen from the side of the leg it rests on): its own drawing group, put in
        # front of that leg. Seen from its own side the whole leg is in front and stays one shape.
        top = [p for p in groups.get(leg, []) if p.on_top]
        if top and twin in groups and mean_depth(groups[leg]) > mean_depth(groups[twin]):
            groups[leg] = [p for p in groups[leg] if not p.on_top]
            groups[leg + ON_TOP] = top
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
    # Grey means "the far limb, at rest" and nothing else: a far limb that moves or is held up
    # is part of the exercise, so it is drawn white (orange where it works) with a dark outline,
    # the whole limb (hand and foot too) outlined alike.
    far_active = far & (active or set())
    far -= far_active
    out: list[tuple[str, float, list[Shape]]] = []
    depths: dict[str, float] = {}
    for key, parts in groups.items():
        name = key.removesuffix(ON_TOP)
        if only is not None and name not in only:
            continue
        ink = FAR_INK if name in far else INK
        # A far limb in the exercise: outlined in the far side's dark orange when part of it works,
        # else like a near limb.
        active_ink = FAR_WORK_INK if any(part.segment in highlight for part in parts) else INK
        outlines: list[tuple[tuple[list[Pt], tuple[Arc, ...]], str, str]] = []
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
            # Orange means working in every view: a working limb on the far side keeps the
            # working orange (outlined in a darker orange, not the far side's grey), so that
            # only a limb at rest is drawn pale.
            is_far = name in far
            if name in far_active:
                fill, part_ink = (WORK if part.segment in highlight else SKIN), active_ink
            elif part.segment in highlight:
                fill, part_ink = WORK, (FAR_WORK_INK if is_far else INK)
            else:
                fill, part_ink = (FAR_SKIN, FAR_INK) if is_far else (SKIN, INK)
            outlines.append((capsule_arcs(pa, ra, pb, rb), fill, part_ink))
        if name == "torso":
            # A nose on the head's outline shows which way the face looks when seen from the side.
            head = body.points["head"]
            fx, fy = cam.screen_dir(body.face)
            if math.hypot(fx, fy) > 0.35:
                hx, hy, _ = cam.project(head)
                tip = (hx + fx * (HEAD_R + 1.6), hy + fy * (HEAD_R + 1.6))
                root = (hx + fx * (HEAD_R - 3.0), hy + fy * (HEAD_R - 3.0))
                outlines.append((capsule_arcs(root, 2.2, tip, 1.5, 4), SKIN, ink))
        shapes: list[Shape] = []
        if ghost is not None:
            for (pts, arcs), _, _ in outlines:
                shapes.append(Shape(pts, "none", GHOST, LINE_W * 2.0, dash="4 3", arcs=arcs))
            for (pts, arcs), _, _ in outlines:
                shapes.append(Shape(pts, "#ffffff", arcs=arcs))
        else:
            for (pts, arcs), _, part_ink in outlines:
                shapes.append(Shape(pts, part_ink, part_ink, LINE_W * 2, arcs=arcs))
            for (pts, arcs), fill, _ in outlines:
                shapes.append(Shape(pts, fill, arcs=arcs))
            if name == "torso":
                shapes += face_shapes(body, cam)
        depth = depth_sum / (2 * len(parts))
        if name.endswith("leg"):
            # A thigh's top lies inside the pelvis: seen from the front or the back, the legs
            # come out from under the trunk (at the hips), not over it from its middle.
            depth += 4.0
        depths[key] = depth
        out.append((key, depth, shapes))
    # The resting foot just in front of the leg it rests on (it lies on that leg's top).
    rests_on = {"leg" + ON_TOP: "other_leg", "other_leg" + ON_TOP: "leg"}
    return [(min(d, depths[rests_on[k]] - 0.5) if k in rests_on and rests_on[k] in depths else d, shapes) for k, d, shapes in out]
