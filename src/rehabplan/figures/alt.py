"""Alt text written from the same pose data the picture is drawn from.

It says only what the geometry shows (the body's position, what it rests on, which part the
arrow moves and which way), so it can never describe more than the picture.
"""

from __future__ import annotations

import math

from rehabplan.figures.body import Body, Z, dot, sub
from rehabplan.figures.marks import MOVED
from rehabplan.figures.placement import Placed, place
from rehabplan.figures.pose import Figure, PropKind

_POINT_WORDS = {
    "pelvis": "hips",
    "waist": "lower back",
    "chest": "chest",
    "neck": "neck",
    "head": "head",
    "shoulder": "shoulder",
    "elbow": "elbow",
    "wrist": "wrist",
    "hand": "hand",
    "hip": "hip",
    "knee": "knee",
    "ankle": "ankle",
    "heel": "heel",
    "toe": "foot",
}


def _side_words(mirror: bool) -> tuple[str, str]:
    return ("left", "right") if mirror else ("right", "left")


def point_words(point: str, mirror: bool) -> str:
    work, other = _side_words(mirror)
    if point.startswith("other_"):
        return f"{other} {_POINT_WORDS[point[6:]]}"
    if point in ("pelvis", "waist", "chest", "neck", "head"):
        return _POINT_WORDS[point]
    return f"{work} {_POINT_WORDS[point]}"


def _bottom(body: Body, point: str) -> float:
    return body.points[point][2] - body.radii.get(point, 0.0)


def _shown(figure: Figure, kind: PropKind, frame_no: int) -> list:
    return [p for p in figure.props if p.kind == kind and (p.frames is None or frame_no in p.frames)]


def posture(figure: Figure, placed: Placed, frame_no: int, mirror: bool) -> str:  # noqa: C901 - one sentence built clause by clause from the pose; split, the wording rules would scatter
    body = placed.body
    work, other = _side_words(mirror)
    floor = 2.0 if _shown(figure, PropKind.mat, frame_no) else 0.0
    down = lambda p: _bottom(body, p) < floor + 4.0  # noqa: E731
    # The trunk's line from pelvis to neck (a rounded or arched back leans as its chord does).
    chord = sub(body.points["neck"], body.points["pelvis"])
    lean = math.degrees(math.acos(max(-1.0, min(1.0, chord[2] / math.sqrt(dot(chord, chord))))))
    words: list[str] = []
    P = body.points
    seated = (
        any(c.at == "pelvis" for c in _shown(figure, PropKind.chair, frame_no))
        and abs(P["knee"][2] - P["hip"][2]) < 20
        and abs(P["other_knee"][2] - P["other_hip"][2]) < 20
    )
    feet_down = any(min(_bottom(body, n + "heel"), _bottom(body, n + "toe")) < floor + 4.0 for n in ("", "other_"))
    standing_tall = feet_down and _bottom(body, "pelvis") > 55
    if seated:
        words.append("sitting on a chair")
    elif lean > 35 and standing_tall:
        words.append("standing, bent forward from the hips")
    elif lean < 35:
        if down("knee") and down("other_knee"):
            words.append("kneeling")
        else:
            feet = [
                name
                for name, side in (("", work), ("other_", other))
                if min(_bottom(body, name + "heel"), _bottom(body, name + "toe")) < floor + 4.0
                or _shown(figure, PropKind.step, frame_no)
            ]
            on_step = _shown(figure, PropKind.step, frame_no)
            if len(feet) == 1 and not on_step:
                words.append(f"standing on the {work if feet[0] == '' else other} leg")
            else:
                words.append("standing" + (" on a step" if on_step else ""))
    elif lean > 55 or (lean > 35 and _bottom(body, "pelvis") < floor + 15):  # propped up on a forearm: hips on the floor
        face = dot(body.forward, Z)
        if face > 0.6:
            words.append("lying on the back")
        elif face < -0.6:
            hands = down("hand") or down("wrist")
            elbows = _bottom(body, "elbow") < floor + 7.0 or _bottom(body, "other_elbow") < floor + 7.0
            knees = _bottom(body, "knee") < floor + 7.0 or _bottom(body, "other_knee") < floor + 7.0
            if hands and knees and not elbows:
                words.append("on hands and knees")
            elif elbows and knees:
                words.append("propped on the forearms and knees")
            elif elbows:
                words.append("propped on the forearms and toes")
            else:
                words.append("lying face down")
        else:
            lower = other if dot(body.left, Z) < 0 else work
            raised = _bottom(body, "pelvis") > floor + 10
            words.append(
                f"propped on the {lower} forearm, side-on"
                if raised and (down("elbow") or down("other_elbow"))
                else f"lying on the {lower} side"
            )
    else:
        words.append("leaning forward")
    if _shown(figure, PropKind.mat, frame_no) and lean > 35:
        words.append("on a mat")
    if any(c.at != "pelvis" for c in _shown(figure, PropKind.chair, frame_no)):
        words.append("holding the back of a chair")
    for kind, phrase in (
        (PropKind.wall, "at a wall"),
        (PropKind.counter, f"with {_hands_on(placed, _shown(figure, PropKind.counter, frame_no))} on a counter"),
        (PropKind.rail, "holding a rail"),
        (PropKind.towel, "a folded towel"),
        (PropKind.pillow, "head on a pillow"),
    ):
        if _shown(figure, kind, frame_no):
            words.append(phrase)
    for band in _shown(figure, PropKind.band, frame_no):
        if band.to:
            words.append(
                f"a band around the {point_words(band.at, mirror)} and {point_words(band.to, mirror)}".replace(
                    f"{work} knee and {other} knee", "knees"
                ).replace(f"{work} ankle and {other} ankle", "ankles")
            )
        else:
            words.append(f"a band from the {point_words(band.at, mirror)} to a fixed point")
    weights = _shown(figure, PropKind.weight, frame_no)
    held = {q.at for q in weights if q.at.endswith("hand") and q.to is None}
    for weight in weights:
        if weight.to is not None:
            words.append("holding one weight in both hands")
        elif not weight.at.endswith("hand"):
            words.append(f"a weight on the {point_words(weight.at, mirror)}")
    if held == {"hand", "other_hand"}:
        words.append("a weight in each hand")
    elif held:
        words.append(f"a weight in the {point_words(held.pop(), mirror)}")
    bent = [n for n in ("knee", "other_knee") if _knee_bend(body, n) > 50]
    if len(bent) == 2:
        words.append("knees bent")
    elif bent:
        words.append(f"{point_words(bent[0], mirror)} bent")
    return ", ".join(words)


def _hands_on(placed: Placed, props: list) -> str:
    """'hands' when both hands rest on the prop (the other hand beside the one it was put under,
    at its height), else 'one hand'."""
    if not props or props[0].to is not None:
        return "hands"
    at = props[0].at
    other = at.removeprefix("other_") if at.startswith("other_") else "other_" + at
    a, b = placed.body.points[at], placed.body.points[other]
    return "hands" if abs(a[2] - b[2]) < 6 and math.hypot(a[0] - b[0], a[1] - b[1]) < 45 else "one hand"


def _knee_bend(body: Body, knee: str) -> float:
    pre = knee[:-4]
    p = body.points
    a, b = sub(p[pre + "knee"], p[pre + "hip"]), sub(p[pre + "ankle"], p[pre + "knee"])
    na, nb = math.sqrt(dot(a, a)), math.sqrt(dot(b, b))
    return math.degrees(math.acos(max(-1.0, min(1.0, dot(a, b) / (na * nb)))))


def _direction(delta, body: Body, point: str = "") -> str:
    dx, dy, dz = delta
    horizontal = math.hypot(dx, dy)
    if abs(dz) >= horizontal:
        return "up" if dz > 0 else "down"
    along = dot((dx, dy, 0.0), body.up) + dot((dx, dy, 0.0), body.forward)
    toward_head = dot((dx, dy, 0.0), body.up)
    side = dot((dx, dy, 0.0), body.left)
    if abs(side) > max(abs(toward_head), abs(dot((dx, dy, 0.0), body.forward))):
        # The working (right) side's outside is the body's right; the other side's its left.
        outward = side > 0 if point.startswith("other_") else side < 0
        return "out to the side" if outward or point in ("pelvis", "waist", "chest", "neck", "head") else "inward"
    if abs(dot(body.up, Z)) < 0.5:  # lying: say it by the head and feet
        return "toward the head" if toward_head > 0 else "toward the feet"
    return "forward" if along > 0 else "back"


def _page_direction(push: tuple[float, float], figure: Figure, body: Body, point: str = "") -> str:
    """Which way a push arrow points, in the body's words where the view allows: forward or
    backward when the page runs along the body, inward or outward when it runs across it."""
    from rehabplan.figures.body import Camera

    dx, dy = push
    vertical = "down" if dy < 0 else "up"
    cam = Camera.of(figure)
    fx, _ = cam.screen_dir(body.forward)
    lx, _ = cam.screen_dir(body.left)
    if abs(cam.tilt) < 45 and abs(lx) > max(abs(fx), 0.5) and point.removeprefix("other_") in _LIMB_POINTS:
        # Across the body: the working (right) side's inside is the body's left.
        to_left = dx * lx > 0
        along = "inward" if to_left != point.startswith("other_") else "outward"
    elif abs(fx) > 0.5 and abs(cam.tilt) < 30:  # a side view: along the page is forward or back
        along = "forward" if dx * fx > 0 else "backward"
    else:
        along = "sideways"
    if abs(dy) > 0.3 * abs(dx) and abs(dx) > 0.3 * abs(dy):
        return f"{vertical} and {along}"
    return vertical if abs(dy) >= abs(dx) else along


_LIMB_POINTS = ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "heel", "toe")


def frame_alts(figure: Figure, mirror: bool = False, placed: list[Placed] | None = None) -> list[str]:
    """One short sentence per frame: its label, the position, and what the arrows show."""
    placed = placed or place(figure)
    out = []
    for i, p in enumerate(placed, start=1):
        text = f"{p.frame.label}: {posture(figure, p, i, mirror)}"
        pushes = [(a, a.push) for a in figure.arrows if a.push is not None and (a.frames is None or i in a.frames)]
        if pushes:
            text += "; arrow: " + " and ".join(
                f"press the {point_words(a.point, mirror)} {_page_direction(push, figure, p.body, a.point)}" for a, push in pushes
            )
        if i > 1:
            moves = []
            for arrow in figure.arrows:
                if arrow.push is not None or (arrow.frames is not None and i not in arrow.frames):
                    continue
                if arrow.turn is not None:
                    # A turn to the body's left is toward the other side, mirrored or not.
                    work, other = _side_words(mirror)
                    words = point_words(arrow.point, mirror)
                    verb = "turn" if words.endswith("s") else "turns"
                    moves.append(f"the {words} {verb} to the {other if arrow.turn > 0 else work}")
                    continue
                if arrow.tilt is not None:
                    onto = (
                        " onto the mat"
                        if _shown(figure, PropKind.mat, i)
                        else " against the wall"
                        if _shown(figure, PropKind.wall, i)
                        else ""
                    )
                    moves.append(
                        f"the pelvis tilts back so the low back flattens{onto}"
                        if arrow.tilt == "back"
                        else "the pelvis tilts forward so the low back arches"
                    )
                    continue
                delta = sub(p.world[arrow.point], placed[i - 2].world[arrow.point])
                (x0, y0), (x1, y1) = placed[i - 2].page[arrow.point], p.page[arrow.point]
                if math.hypot(x1 - x0, y1 - y0) >= MOVED:  # drawn as an arrow
                    words = point_words(arrow.point, mirror)
                    verb = "move" if words.endswith("s") else "moves"
                    moves.append(f"the {words} {verb} {_direction(delta, p.body, arrow.point)}")
            if moves:
                text += "; arrow: " + " and ".join(moves)
        if p.frame.hold:
            text += "; a stopwatch: hold this position"
        if figure.inset is not None and i in figure.inset.frames:
            text += "; a small box shows the same " + ("from above" if figure.inset.tilt >= 60 else "from another side")
        out.append(text + ".")
    return out


def alt_text(figure: Figure, mirror: bool = False, frames: list[str] | None = None) -> str:
    frames = frames or frame_alts(figure, mirror)
    if len(frames) == 1:
        text = f"Drawing. {frames[0]}"
    else:
        text = f"Drawing in {len(frames)} steps. " + " ".join(f"{n}. {t}" for n, t in enumerate(frames, start=1))
    if figure.caption:
        text += " " + figure.caption.rstrip(".") + "."
    return text
