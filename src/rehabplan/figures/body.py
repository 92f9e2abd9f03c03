"""Forward kinematics: a Frame's joint angles -> 3-D points of an adult body -> points on the page.

The body is measured in centimetres for an adult about 175 cm tall (segment lengths from the
usual anthropometric tables, rounded). World axes: x along the page, y into the page, z up.
A figure at rest stands facing +x with its right side toward the viewer, so in a side view the
working (right) limbs are the near ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from rehabplan.figures.pose import LIMB_POINTS, Arm, Figure, Frame, Leg, View

Vec = tuple[float, float, float]

# Segment lengths, cm.
LUMBAR, THORAX, NECK, HEAD_R = 21.0, 25.0, 7.0, 10.5
SHOULDER_W, SHOULDER_DROP, HIP_W, HIP_DROP = 16.0, 4.0, 9.0, 6.0
UPPER_ARM, FOREARM, PALM, FINGERS = 29.0, 25.0, 7.0, 11.0
THIGH, SHIN, ANKLE_H, HEEL_BACK, FOOT = 44.0, 42.0, 4.5, 3.5, 21.0

# Radii, cm: limbs are tapered round-ended shapes (the volume a patient recognises as a body).
R = {
    "shoulder": 5.6,
    "elbow": 4.2,
    "wrist": 3.2,
    "hand": 2.8,
    "hip": 8.2,
    "knee": 5.6,
    "ankle": 3.8,
    "heel": 3.6,
    "toe": 2.4,
    "neck": 5.0,
    "head": HEAD_R,
}
# Trunk cross-sections, (half width side to side, half depth front to back), cm.
TRUNK = {"pelvis": (16.0, 12.0), "waist": (13.5, 10.5), "chest": (17.0, 12.5), "neck": (6.0, 5.0)}


def add(a: Vec, b: Vec) -> Vec:
    return (a[0] + b[0], a[1] + b[1], a[2] + b[2])


def sub(a: Vec, b: Vec) -> Vec:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2])


def mul(a: Vec, k: float) -> Vec:
    return (a[0] * k, a[1] * k, a[2] * k)


def dot(a: Vec, b: Vec) -> float:
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def cross(a: Vec, b: Vec) -> Vec:
    return (a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0])


def norm(a: Vec) -> float:
    return math.sqrt(dot(a, a))


def unit(a: Vec) -> Vec:
    n = norm(a)
    return mul(a, 1.0 / n) if n > 1e-9 else (0.0, 0.0, 0.0)


def rot(v: Vec, axis: Vec, deg: float) -> Vec:
    """Rotate ``v`` about the unit ``axis`` by ``deg`` degrees (right hand rule, Rodrigues)."""
    if not deg:
        return v
    t = math.radians(deg)
    c, s = math.cos(t), math.sin(t)
    return add(add(mul(v, c), mul(cross(axis, v), s)), mul(axis, dot(axis, v) * (1 - c)))


X, Y, Z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)


@dataclass
class Part:
    """One tapered limb shape between two points, in a drawing group (a limb or the trunk)."""

    segment: str  # pose.SEGMENTS name
    group: str  # leg, other_leg, arm, other_arm, torso
    a: Vec
    b: Vec
    ra: float
    rb: float
    trunk: tuple[tuple[float, float], tuple[float, float]] | None = None  # cross-sections for the trunk
    # A foot that rests across the other leg (a figure-four): drawn over that leg, though the rest
    # of its own leg is behind it.
    on_top: bool = False


@dataclass
class Body:
    points: dict[str, Vec]
    radii: dict[str, float]
    parts: list[Part]
    forward: Vec  # the pelvis' forward (the belly's direction)
    face: Vec  # where the face looks
    left: Vec  # the pelvis' left
    up: Vec  # along the spine
    chest_left: Vec = field(default=(0.0, 1.0, 0.0))
    chest_forward: Vec = field(default=(1.0, 0.0, 0.0))

    def section_axes(self, section: tuple[float, float]) -> tuple[Vec, Vec]:
        """(left, forward) of the trunk at a cross-section: the pelvis' below the waist."""
        if section in (TRUNK["pelvis"], TRUNK["waist"]):
            return self.left, self.forward
        return self.chest_left, self.chest_forward


def _ik(root: Vec, target: Vec, a: float, b: float, pole: Vec) -> tuple[Vec, Vec]:
    """Two-bone reach: (middle joint, end) for bones ``a`` then ``b`` from ``root`` toward
    ``target``; the middle joint (elbow, knee) bends toward ``pole``."""
    d_vec = sub(target, root)
    d = min(max(norm(d_vec), abs(a - b) + 0.5), a + b - 0.05)
    u = unit(d_vec)
    p = sub(pole, mul(u, dot(u, pole)))
    if norm(p) < 1e-6:
        p = cross(u, Y) if abs(u[1]) < 0.9 else cross(u, X)
    p = unit(p)
    cos_a = max(-1.0, min(1.0, (a * a + d * d - b * b) / (2 * a * d)))
    sin_a = math.sqrt(1 - cos_a * cos_a)
    mid = add(root, mul(add(mul(u, cos_a), mul(p, sin_a)), a))
    end = add(mid, mul(unit(sub(add(root, mul(u, d)), mid)), b))
    return mid, end


def _limb_frame(
    fwd: Vec, left: Vec, up: Vec, side: float, flex: float, abduct: float, turn_out: float, flex_sign: float = -1.0
) -> tuple[Vec, Vec]:
    """(direction down the limb, the limb's forward) after turning, moving out and flexing.

    ``side`` is -1 for the right, +1 for the left; flexion swings the limb from hanging down
    toward the front."""
    d, f = mul(up, -1.0), fwd
    if turn_out:
        d, f = d, rot(f, d, -side * turn_out)
    if abduct:
        d, f = rot(d, fwd, side * abduct), rot(f, fwd, side * abduct)
    if flex:
        d, f = rot(d, left, flex_sign * flex), rot(f, left, flex_sign * flex)
    return d, f


def solve(frame: Frame) -> Body:
    """3-D points of the body in ``frame`` (pelvis at the origin, before it is set on the floor)."""

    def orient(v: Vec) -> Vec:
        return rot(rot(rot(v, Y, frame.pitch), X, frame.roll), Z, frame.turn)

    F, L, U = orient(X), orient(Y), orient(Z)
    P: dict[str, Vec] = {"pelvis": (0.0, 0.0, 0.0)}
    parts: list[Part] = []
    F2, L2, U2, Fn = _trunk(frame, F, L, U, P, parts)

    # Legs: the other leg first, so that the working ankle can rest on it (figure-four).
    for pre, side in (("other_", 1.0), ("", -1.0)):
        P[pre + "hip"] = add(sub(P["pelvis"], mul(U, HIP_DROP)), mul(L, side * HIP_W))
    legs = [("other_leg", 1.0), ("leg", -1.0)]
    if frame.other_leg.reach is not None and frame.other_leg.reach.to in LIMB_POINTS:
        legs.reverse()  # the other ankle rests on this leg: this leg first (not a rested foot's reach to the pelvis)
    for name, side in legs:
        parts.extend(_leg(getattr(frame, name), name, side, F, L, U, P))

    for pre, side in (("other_", 1.0), ("", -1.0)):
        # The shoulder joints sit behind the chest's middle, as the shoulder blades do.
        P[pre + "shoulder"] = add(sub(sub(P["neck"], mul(U2, SHOULDER_DROP)), mul(F2, 3.0)), mul(L2, side * SHOULDER_W))
    for name, side in (("other_arm", 1.0), ("arm", -1.0)):
        parts.extend(_arm(getattr(frame, name), name, side, F2, L2, U2, P))
    radii = {k: R.get(k.removeprefix("other_"), 6.0) for k in P}
    radii.update({"pelvis": 12.0, "waist": 10.5, "chest": 12.5})
    return Body(P, radii, parts, F, Fn, L, U, L2, F2)


def _trunk(frame: Frame, F: Vec, L: Vec, U: Vec, P: dict[str, Vec], parts: list[Part]) -> tuple[Vec, Vec, Vec, Vec]:
    """The spine, neck and head into ``P`` and ``parts``; returns the chest's (forward, left, up)
    and the face's forward."""
    # The spine bends half in the low back and half in the upper back.
    U1 = rot(rot(U, L, frame.spine / 2), F, -frame.side_bend / 2)
    P["waist"] = mul(U1, LUMBAR)
    F2 = rot(rot(F, L, frame.spine), F, 0)
    U2 = rot(rot(U, L, frame.spine), F, -frame.side_bend)
    F2 = unit(sub(F2, mul(U2, dot(F2, U2))))
    if frame.twist:
        F2 = rot(F2, U2, frame.twist)
    L2 = cross(U2, F2)
    P["neck"] = add(P["waist"], mul(U2, THORAX))
    if frame.lordosis:
        # The low back alone arches: it turns toward the belly, so the waist comes forward (off
        # the mat, away from the wall), and the upper back turns back from it to the chest, which
        # stays where the spine put it (and with it the shoulders, arms, neck and head).
        P["waist"] = mul(rot(U1, unit(cross(U1, F)), frame.lordosis), LUMBAR)
    P["chest"] = sub(P["neck"], mul(U2, 9.0))
    Un = rot(U2, L2, frame.neck)
    Fn = rot(F2, L2, frame.neck)
    P["head"] = add(P["neck"], mul(Un, NECK + HEAD_R - 2))
    # The neck first: the trunk's fill (tinted when it works) covers its lower end.
    parts.append(Part("head", "torso", P["neck"], add(P["neck"], mul(Un, NECK)), R["neck"], R["neck"]))
    parts.append(Part("pelvis", "torso", P["pelvis"], P["waist"], 0, 0, (TRUNK["pelvis"], TRUNK["waist"])))
    parts.append(Part("torso", "torso", P["waist"], P["chest"], 0, 0, (TRUNK["waist"], TRUNK["chest"])))
    parts.append(Part("torso", "torso", P["chest"], sub(P["neck"], mul(U2, 1.5)), 0, 0, (TRUNK["chest"], (13.0, 9.0))))
    parts.append(Part("head", "torso", P["head"], P["head"], HEAD_R, HEAD_R))
    return F2, L2, U2, Fn


def _leg(leg: Leg, name: str, side: float, F: Vec, L: Vec, U: Vec, P: dict[str, Vec]) -> list[Part]:
    """One leg's joints into ``P`` (its hip already there) and its parts: thigh, shin, foot."""
    pre = "other_" if name.startswith("other") else ""
    hip = P[pre + "hip"]
    d, f = _limb_frame(F, L, U, side, leg.hip, leg.abduct, leg.turn_out)
    if leg.reach is not None:
        target = add(P[leg.reach.to], leg.reach.offset)
        knee, ankle = _ik(hip, target, THIGH, SHIN, leg.reach.bend or f)
        d = unit(sub(knee, hip))
        f = unit(sub(f, mul(d, dot(f, d))))
        shin = unit(sub(ankle, knee))
    else:
        knee = add(hip, mul(d, THIGH))
        shin = unit(sub(mul(d, math.cos(math.radians(leg.knee))), mul(f, math.sin(math.radians(leg.knee)))))
        ankle = add(knee, mul(shin, SHIN))
    foot = _foot(leg, d, f, shin)
    heel = sub(add(ankle, mul(shin, ANKLE_H)), mul(foot, HEEL_BACK))
    toe = add(heel, mul(foot, FOOT))
    P.update({pre + "hip": hip, pre + "knee": knee, pre + "ankle": ankle, pre + "heel": heel, pre + "toe": toe})
    # The ankle put on the other leg's knee or thigh rests across it (not a foot beside the other foot).
    across = leg.reach is not None and leg.reach.to in THIGH_POINTS["" if pre else "other_"]
    return [
        Part(pre + "thigh", name, hip, knee, R["hip"], R["knee"]),
        Part(pre + "shin", name, knee, ankle, R["knee"] - 0.4, R["ankle"]),
        Part(pre + "foot", name, heel, toe, R["heel"], R["toe"], on_top=across),
        Part(pre + "foot", name, ankle, heel, R["ankle"], R["heel"], on_top=across),
    ]


THIGH_POINTS = {pre: {pre + "hip", pre + "knee"} for pre in ("", "other_")}


def _foot(leg: Leg, d: Vec, f: Vec, shin: Vec) -> Vec:
    """The foot's direction, heel to toe, for a thigh along ``d`` (forward ``f``) and ``shin``."""
    # The foot points where the knee points, square to the shin at ankle 0.
    # The shin's front: where the thigh leans, seen from the shin (the knee's bending plane).
    bent = sub(d, mul(shin, dot(d, shin)))
    fs = unit(bent) if norm(bent) > 0.05 else unit(sub(f, mul(shin, dot(f, shin))))
    if leg.ankle == "flat":
        # The sole level with the floor, within what an ankle can do (40 down, 30 up).
        level = unit((fs[0], fs[1], 0.0)) if abs(fs[2]) < 0.99 else fs
        # Level soles: the toe end is thinner than the heel, so the foot's axis dips a little.
        level = unit(sub(level, mul(Z, (R["heel"] - R["toe"]) / FOOT)))
        tilt = math.degrees(math.atan2(dot(cross(fs, level), unit(cross(fs, shin))), dot(fs, level)))
        foot = rot(fs, unit(cross(fs, shin)), max(-30.0, min(50.0, tilt)))
    else:
        foot = rot(fs, unit(cross(fs, shin)), -leg.ankle)
    return unit(foot)


def _arm(arm: Arm, name: str, side: float, F2: Vec, L2: Vec, U2: Vec, P: dict[str, Vec]) -> list[Part]:
    """One arm's joints into ``P`` (its shoulder already there) and its parts: upper arm, forearm, hand."""
    pre = "other_" if name.startswith("other") else ""
    shoulder = P[pre + "shoulder"]
    d, f = _limb_frame(F2, L2, U2, side, arm.shoulder, arm.abduct, 0.0)
    if arm.reach is not None:
        target = add(P[arm.reach.to], arm.reach.offset)
        # The elbow points back and a little out, as a relaxed elbow does.
        pole = add(mul(F2, -1.0), mul(L2, side * 0.6))
        elbow, palm = _ik(shoulder, target, UPPER_ARM, FOREARM + PALM / 2, arm.reach.bend or pole)
        fore = unit(sub(palm, elbow))
        wrist = add(elbow, mul(fore, FOREARM))
    else:
        elbow = add(shoulder, mul(d, UPPER_ARM))
        fore = unit(add(mul(d, math.cos(math.radians(arm.elbow))), mul(f, math.sin(math.radians(arm.elbow)))))
        wrist = add(elbow, mul(fore, FOREARM))
    along = fore
    if arm.hand == "flat":
        # Palm on the floor, fingers toward the head (or forward when upright).
        level = (U2[0], U2[1], 0.0) if norm((U2[0], U2[1], 0.0)) > 0.3 else (F2[0], F2[1], 0.0)
        along = unit(level)
    hand = add(wrist, mul(along, PALM + FINGERS))
    P.update({pre + "shoulder": shoulder, pre + "elbow": elbow, pre + "wrist": wrist, pre + "hand": hand})
    return [
        Part(pre + "upper_arm", name, shoulder, elbow, R["shoulder"], R["elbow"]),
        Part(pre + "forearm", name, elbow, wrist, R["elbow"] - 0.2, R["wrist"]),
        Part(pre + "hand", name, wrist, hand, R["wrist"], R["hand"]),
    ]


@dataclass(frozen=True)
class Camera:
    yaw: float
    tilt: float

    @classmethod
    def of(cls, figure: Figure) -> Camera:
        yaw, tilt = {View.side: (0.0, 0.0), View.front: (90.0, 0.0), View.back: (-90.0, 0.0), View.top: (0.0, 90.0)}[figure.view]
        return cls(figure.yaw if figure.yaw is not None else yaw, figure.tilt if figure.tilt is not None else tilt)

    def project(self, v: Vec) -> tuple[float, float, float]:
        """(x along the page, height on the page, depth away from the viewer)."""
        cy, sy, ct, st = self._trig
        x = v[0] * cy + v[1] * sy
        y = -v[0] * sy + v[1] * cy
        z = v[2]
        return x, y * st + z * ct, y * ct - z * st

    @property
    def _trig(self) -> tuple[float, float, float, float]:
        # Turning the world by -yaw about the vertical, then tilting the view by ``tilt``.
        try:
            return self.__dict__["_trig_cache"]
        except KeyError:
            a, t = math.radians(self.yaw), math.radians(self.tilt)
            trig = (math.cos(a), math.sin(a), math.cos(t), math.sin(t))
            object.__setattr__(self, "_trig_cache", trig)
            return trig

    def screen_dir(self, v: Vec) -> tuple[float, float]:
        x, up, _ = self.project(v)
        return x, up
