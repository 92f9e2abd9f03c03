"""Props as shapes: boxes for the mat, chair, step, wall, counter, rail, table, pillow and towel
(standing where the body put them in the first frame that shows them, or the frame ``put``
names), bands, and weights held
in the hands or across the hips.
"""

from __future__ import annotations

import math

from rehabplan.figures.body import PALM, Body, Camera, Part, Vec, X, Z, add, cross, dot, mul, norm, sub, unit
from rehabplan.figures.placement import Placed, _floor_height
from rehabplan.figures.pose import Figure, Prop, PropKind
from rehabplan.figures.shapes import BAND, INK, IRON, IRON_HUB, LINE_W, Pt, Shape, _hull, box_faces, circle, oriented_box


def _horizontal(v: Vec) -> Vec:
    h = (v[0], v[1], 0.0)
    return unit(h) if norm(h) > 0.2 else (0.0, 0.0, 0.0)


def _snap(v: Vec, h: Vec) -> Vec:
    """The floor direction closest to ``v`` among forward, back, left and right of ``h``."""
    s = cross(Z, h)
    best = max((h, mul(h, -1.0), s, mul(s, -1.0)), key=lambda d: dot(d, v))
    return best


def _inward(at: Vec, centre: Vec, s: Vec) -> Vec:
    """The sideways direction from ``at`` toward the body's midline: between the feet, even
    when the feet are far in front of the hips (seated)."""
    return s if dot(sub(centre, (at[0], at[1], 0.0)), s) > 0 else mul(s, -1.0)


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
                n = _inward(at, centre, s)
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
                table = _table(o, n, m if dot(m, h) >= 0 else mul(m, -1.0), _clear(body, prop.at, o, n, r), figure, prop, at[2])
                boxes += [(piece, TABLE_WOOD, wood_ink) for piece in table]
                # The table stands in front of the seated body: its corner leg, against the ankle,
                # drawn behind that leg (the shin and foot are nearer), its top and other legs over
                # the body (seen from the front, the near leg hides the corner leg).
                # The top by its faces (its edge shows it is a slab), each thin leg as one outline
                # (seen a little from the side, a leg's two faces would add paths, not meaning).
                pieces = [(f[0], f[1]) for f in box_faces(table[1], cam)]
                for piece in table[2:]:
                    faces = box_faces(piece, cam)
                    if faces:
                        pieces.append((max(f[0] for f in faces), _hull([q for f in faces for q in f[1]])))
                front += [Shape(pts, TABLE_WOOD, wood_ink, 0.5) for _, pts in sorted(pieces, key=lambda f: -f[0])]
        elif kind == PropKind.pillow:
            bottom = _floor_height(figure, frame_no)
            top = max(bottom + 2.5, at[2] - r)
            boxes.append((oriented_box((at[0], at[1], 0.0), h, s, (-14, 14), (-22, 22), (bottom, top)), "#f4f1ea", "#9c9588"))
        elif kind == PropKind.towel and prop.inside:
            # Folded between the point and a post on the inner side.
            n = _inward(at, centre, s)
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
                loop_back, loop_front = band_loop(placed[frame_no - 1].body, prop.at, prop.to, cam)
                posts += loop_back
                front += loop_front
            else:
                # The fixed end is on the page, beside the body: knotted round the near leg of a
                # table that stands beside the body, seen from its end (a top on two legs, running
                # away from the body), so it reads as furniture, not as a stick.
                first = cam.project(P[prop.at])
                dx, dz = prop.anchor or (0.0, 0.0)
                b2 = (first[0] + dx, first[1] + dz, first[2])
                posts += _table_end(b2[0], -1.0 if dx < 0 else 1.0, max(TABLE_TOP, b2[1] + 40), wood_ink)
                # The other end is a cuff round the limb (its edges hug it, as a loop band's do),
                # the band leaving it from the side toward the table.
                body_now = placed[frame_no - 1].body
                cuff_back, cuff_front = band_loop(body_now, prop.at, prop.at, cam)
                posts += cuff_back
                centre, radius = _limb_at(body_now, prop.at)
                c2 = cam.project(centre)
                along = b2[0] - c2[0], b2[1] - c2[1]
                k = (radius + 1.6) / (math.hypot(*along) or 1.0)
                a2 = (c2[0] + along[0] * k, c2[1] + along[1] * k, c2[2])
                front += cuff_front
                front.append(Shape([(a2[0], a2[1]), (b2[0], b2[1])], "none", BAND, 1.6, closed=False))
                front.append(Shape(circle(b2[0], b2[1], 2.0, 12), BAND, BAND, 0.4))  # the knot
        kinds += [prop] * (len(boxes) - made)
    return boxes, kinds, posts, front


TABLE_WOOD = "#b89a74"
TABLE_TOP = 72.0  # cm: a dining table's height
TABLE_LEG = 7.0  # cm: a sturdy table leg's thickness
TABLE_ACROSS, TABLE_AHEAD, TABLE_BACK = 85.0, 70.0, 12.0  # cm: the top from the corner leg


def _clear(body: Body, point: str, o: Vec, n: Vec, r: float) -> float:
    """How far toward ``n`` from ``o`` a table leg against ``point`` (an ankle) stands: clear of
    every part of that shin and foot (a foot turned in a little pokes further than the ankle) and of
    the thigh's end at the knee, so that seen from the front the table's legs stand beside the leg,
    never over it (readers could not tell which side of the table leg a shin it covered was on)."""
    pre = "other_" if point.startswith("other_") else ""
    out = r
    for part in body.parts:
        if part.segment in (pre + "shin", pre + "foot", pre + "thigh"):
            for f in (i / 10 for i in range(7 if part.segment.endswith("thigh") else 0, 11)):
                c = add(part.a, mul(sub(part.b, part.a), f))
                out = max(out, dot(sub(c, o), n) + part.ra + (part.rb - part.ra) * f)
    return out


def _table(o: Vec, n: Vec, h: Vec, r: float, figure: Figure, prop: Prop, height: float) -> list[list[Vec]]:
    """A whole table (a top on four legs, which a reader knows at a glance, where one leg and a
    scrap of top read as a post) whose corner leg stands against a point (an ankle): that leg
    first, then its top and its other three legs. The top runs from the corner across the body
    toward the other foot (``n``) and forward (``h``), reaching back a little over the knees, so
    the seated person sits at its corner, that leg between the knees, the other leg under the
    table. Against the point itself, or a folded towel's thickness away when one sits between."""
    gap = TOWEL_T if any(q.kind == PropKind.towel and q.inside and q.at == prop.at for q in figure.props) else 0.0
    near = r + gap
    top = max(TABLE_TOP, height + 28)
    # The corner leg stands just forward of the ankle's middle, clear of the wider heel behind it.
    legs = [
        oriented_box(o, n, h, (a, a + TABLE_LEG), (b, b + TABLE_LEG), (0, top - 4))
        for a in (near, near + TABLE_ACROSS - TABLE_LEG)
        for b in (0.0, TABLE_AHEAD - TABLE_LEG)
    ]
    slab = oriented_box(o, n, h, (near - 3, near + TABLE_ACROSS), (-TABLE_BACK, TABLE_AHEAD), (top - 4, top))
    return [legs[0], slab, *legs[1:]]


TABLE_END = 24.0  # cm: a table's width seen from its end, beside the body a band is tied to


def _table_end(x: float, out: float, top: float, ink: str) -> list[Shape]:
    """A table seen from its end (page shapes, cm): a leg whose middle is at ``x``, the top
    running from it away from the body (``out``: -1 to the left on the page) to a second leg."""
    half = TABLE_LEG / 2
    far = x + out * TABLE_END

    def rect(x0: float, x1: float, y0: float, y1: float) -> Shape:
        lo, hi = min(x0, x1), max(x0, x1)
        return Shape([(lo, y0), (hi, y0), (hi, y1), (lo, y1)], TABLE_WOOD, ink, 0.5)

    return [
        rect(far - out * half, far + out * half, 0.0, top - 4),
        rect(x - half, x + half, 0.0, top - 4),
        rect(x - out * (half + 3), far + out * (half + 3), top - 4, top),
    ]


BAND_UP = 7.0  # cm: a loop band sits this far up the limb from the joint it is named by (above the knee)
BAND_W = 4.0  # cm: the band's width along the limb (its two edges are drawn)


def _limb_at(body: Body, point: str) -> tuple[Vec, float]:
    """Where a loop band sits on the limb that ends at ``point`` (a little up the limb from it)
    and the limb's radius there."""
    part = _ending_at(body, point)
    if part is None:
        return body.points[point], body.radii.get(point, 4.0)
    length = norm(sub(part.a, part.b))
    t = min(BAND_UP, length / 3) / length if length else 0.0
    return add(part.b, mul(sub(part.a, part.b), t)), part.rb + (part.ra - part.rb) * t


def _ending_at(body: Body, point: str) -> Part | None:
    """The limb part (not the trunk) that ends at ``point``: the shin at the ankle, the thigh at the knee."""
    return next((part for part in body.parts if part.b == body.points[point] and not part.trunk), None)


def band_loop(body: Body, at: str, to: str, cam: Camera) -> tuple[list[Shape], list[Shape]]:
    """A loop band round two limbs (both knees, both ankles): its two edges, each a loop hugging
    the outside of both limbs, as (the parts behind the limbs, the parts in front of them)."""
    (a, ra), (b, rb) = _limb_at(body, at), _limb_at(body, to)
    parts = [part for part in (_ending_at(body, at), _ending_at(body, to)) if part is not None]
    axes = [unit(sub(part.a, part.b)) for part in parts]
    axis = unit(add(axes[0], axes[1])) if len(axes) == 2 and norm(add(axes[0], axes[1])) > 0.2 else Z
    across = sub(b, a)
    u = sub(across, mul(axis, dot(across, axis)))
    u = unit(u) if norm(u) > 1e-6 else cross(axis, X)
    v = cross(axis, u)
    ra, rb = ra + 1.6, rb + 1.6  # the band lies on the skin, outside the outline
    behind: list[Shape] = []
    shown: list[Shape] = []
    for edge in (-BAND_W / 2, BAND_W / 2):
        ring: list[tuple[Vec, Vec]] = []  # (point on the band, the limb's centre it wraps)
        for k in range(13):
            t = math.radians(90 + 180 * k / 12)  # round the outside of the first limb
            ring.append((add(add(a, mul(axis, edge)), add(mul(u, ra * math.cos(t)), mul(v, ra * math.sin(t)))), a))
        for k in range(13):
            t = math.radians(-90 + 180 * k / 12)  # and of the second
            ring.append((add(add(b, mul(axis, edge)), add(mul(u, rb * math.cos(t)), mul(v, rb * math.sin(t)))), b))
        ring.append(ring[0])
        runs: list[tuple[bool, list[Pt]]] = []
        for q, centre in ring:
            x, y, depth = cam.project(q)
            hidden = depth - cam.project(centre)[2] > 0.5
            if not runs or runs[-1][0] != hidden:
                runs.append((hidden, [runs[-1][1][-1]] if runs else []))
            runs[-1][1].append((x, y))
        for hidden, pts in runs:
            if len(pts) >= 2:
                (behind if hidden else shown).append(Shape(pts, "none", BAND, 1.1, closed=False))
    return behind, shown


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
            # On a body lying face up it rests on top (in a bridge, on the raised hips, not the belly).
            up = Z if dot(body.forward, Z) > 0.5 else body.forward
            centre = add(P[prop.at], mul(up, r + plate_r - 4.0))
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
