"""The figure engine: exercises drawn from pose data.

Geometry of a few poses, same pose -> same bytes, mirroring for a left-sided patient, alt text
from the pose data, and validation errors that name the file, line, joint and range.
"""

from __future__ import annotations

import math
import re

import pytest

import rehabplan
from rehabplan.errors import LibraryError
from rehabplan.figures import Figure, Frame, alt_text, picture
from rehabplan.figures.body import solve
from rehabplan.figures.placement import place

STANDING = Frame(label="Stand")


def bottom(body, point):
    return body.points[point][2] - body.radii[point]


def figure(*frames, **kw):
    return Figure.model_validate({"frames": list(frames), **kw})


# --------------------------------------------------------------------------- geometry


def test_a_standing_adult_is_about_175_cm_tall_with_both_feet_on_the_floor():
    body = place(figure({"label": "Stand"}))[0].body
    top = body.points["head"][2] + 10.5
    assert 168 <= top <= 182
    for point in ("heel", "toe", "other_heel", "other_toe"):
        assert abs(bottom(body, point)) < 1.5, point


def test_hip_flexion_swings_the_thigh_forward_and_knee_flexion_bends_the_shin_back():
    body = solve(Frame(label="Sit", leg={"hip": 90, "knee": 90}))
    hip, knee, ankle = (body.points[p] for p in ("hip", "knee", "ankle"))
    assert knee[0] - hip[0] == pytest.approx(44, abs=0.5)  # thigh straight ahead (facing +x)
    assert knee[2] == pytest.approx(hip[2], abs=0.5)
    assert ankle[0] == pytest.approx(knee[0], abs=0.5)  # shin straight down
    assert ankle[2] < knee[2] - 40


def test_lying_on_the_back_faces_up_and_rests_on_the_floor():
    body = place(figure({"label": "Lie", "pitch": -90}))[0].body
    assert body.forward[2] == pytest.approx(1.0)
    assert abs(bottom(body, "pelvis")) < 1.0


def test_a_reach_puts_the_hand_on_the_named_point():
    body = solve(Frame(label="Hold", leg={"hip": 120, "knee": 120}, arm={"reach": {"to": "knee"}}))
    palm_to_knee = [a - b for a, b in zip(body.points["wrist"], body.points["knee"])]
    assert sum(c * c for c in palm_to_knee) ** 0.5 < 5  # the palm is on the knee, the wrist beside it


def test_a_chair_is_drawn_under_a_seated_figure():
    fig = figure(
        {"label": "Sit", "leg": {"hip": 90, "knee": 90, "ankle": "flat"}, "other_leg": {"hip": 90, "knee": 90, "ankle": "flat"}},
        props=[{"kind": "chair", "at": "pelvis"}],
    )
    body = place(fig)[0].body
    assert abs(bottom(body, "heel")) < 1.5  # feet on the floor
    assert 38 <= body.points["pelvis"][2] - 12 <= 52  # a chair's seat height


def test_a_weight_is_drawn_in_the_hand_that_holds_it_and_said_in_the_alt_text():
    from rehabplan.figures.body import Camera
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import IRON

    fig = figure({"label": "Stand"}, {"label": "Hinge", "pitch": 50}, props=[{"kind": "weight", "at": "hand"}], yaw=20)
    placed = place(fig)
    cam = Camera.of(fig)
    for scene, p in zip(scenes(fig, placed), placed):
        iron = [s for s in scene.shapes if s.fill == IRON]
        assert len(iron) == 3  # two plates and the handle
        hx, hy, _ = cam.project(p.body.points["wrist"])
        xs = [x for s in iron for x, _ in s.points]
        ys = [y for s in iron for _, y in s.points]
        assert min(xs) - 12 < hx < max(xs) + 12 and min(ys) - 12 < hy < max(ys) + 12  # at the hand
    assert "a weight in the right hand" in alt_text(fig)
    both = figure({"label": "Stand"}, {"label": "Sit"}, props=[{"kind": "weight", "at": "hand", "to": "other_hand"}])
    assert "holding one weight in both hands" in alt_text(both)


def test_a_twist_turns_the_chest_back_and_a_turn_arrow_curves_round_the_hips():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import ARROW

    square = solve(Frame(label="Stand"))
    hips_turned = solve(Frame(label="Turn", turn=35, twist=-35))
    # The shoulders stay square to the front while the hips turn.
    for body in (square, hips_turned):
        across = [a - b for a, b in zip(body.points["other_shoulder"], body.points["shoulder"])]
        assert abs(across[0]) < 0.5
    hips = [a - b for a, b in zip(hips_turned.points["other_hip"], hips_turned.points["hip"])]
    assert hips[0] < -8  # the left hip went back: the hips turned to the left
    fig = figure(
        {"label": "Stand"},
        {"label": "Turn", "turn": 35, "twist": -35},
        view="back",
        tilt=30,
        arrows=[{"point": "pelvis", "turn": 35}],
    )
    arrows = [s for s in scenes(fig)[1].shapes if s.stroke == ARROW and not s.closed]
    # the ring behind the hips (drawn before the body) and in front of them, with the head
    assert sorted(len(a.points) for a in arrows) == [9, 17]
    assert "the hips turn to the left" in alt_text(fig)
    assert "the hips turn to the right" in alt_text(fig, mirror=True)


def test_lordosis_lifts_the_waist_off_the_mat_while_the_chest_head_arms_and_feet_stay():
    lying = {
        "base": "pelvis",
        "pitch": -98,
        "spine": 10,
        "arm": {"shoulder": 12, "elbow": 150, "abduct": 45},
        "leg": {"hip": 80, "knee": 100, "ankle": "flat"},
        "rest": ["heel"],
    }
    flat, arched = place(figure({"label": "Flat", **lying}, {"label": "Arch", "lordosis": 32, **lying}, fixed="neck"))
    # The waist's back comes off the mat by about a hand's height.
    lift = arched.body.points["waist"][2] - flat.body.points["waist"][2]
    assert lift > 8
    for point in ("chest", "neck", "head", "shoulder", "hand", "pelvis", "knee", "heel", "toe"):
        assert math.dist(arched.body.points[point], flat.body.points[point]) < 1, point
    # Standing, the waist comes forward (away from a wall behind the back).
    assert solve(Frame(label="Arch", lordosis=40)).points["waist"][0] > solve(STANDING).points["waist"][0] + 10
    with pytest.raises(ValueError, match="lordosis angle 70"):
        Frame(label="Arch", lordosis=70)


def test_a_small_movement_can_have_a_longer_arrow():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import ARROW

    def arrow_span(**arrow):
        fig = figure({"label": "Stand"}, {"label": "Bend", "leg": {"hip": 20, "knee": 25}}, arrows=[{"point": "knee", **arrow}])
        (line,) = [s for s in scenes(fig)[1].shapes if s.stroke == ARROW and not s.closed]
        return ((line.points[0][0] - line.points[-1][0]) ** 2 + (line.points[0][1] - line.points[-1][1]) ** 2) ** 0.5

    # Even unasked, a small movement gets an arrow of readable length (MIN_ARROW).
    assert arrow_span(length=40) > 1.5 * arrow_span() > 15


def test_a_working_limb_is_the_working_orange_on_the_far_side_too():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import FAR_INK, FAR_SKIN, FAR_WORK_INK, WORK

    # Side view: the other arm is on the far side. Working, it keeps the orange (outlined in a
    # darker orange); at rest (still in every frame) it is the far side's pale grey.
    lying = {"label": "Lie", "pitch": -90, "arm": {"shoulder": 90}, "other_arm": {"shoulder": 90}}
    reach = {**lying, "label": "Reach", "other_arm": {"shoulder": 165}}
    working = figure(lying, reach, highlight=["other_upper_arm", "other_forearm"])
    fills = {s.fill for scene in scenes(working) for s in scene.shapes}
    inks = {s.stroke for scene in scenes(working) for s in scene.shapes}
    assert WORK in fills and FAR_WORK_INK in inks
    assert not any(f.startswith("#f7") for f in fills)  # no pale orange left
    resting = figure(lying, {**lying, "label": "Breathe"})
    fills = {s.fill for scene in scenes(resting) for s in scene.shapes}
    assert FAR_SKIN in fills and WORK not in fills and FAR_INK in {s.stroke for s in scenes(resting)[0].shapes}


def test_an_inset_shows_the_frame_small_from_above_in_a_box_clear_of_the_body():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import GHOST, WORK

    # A dead bug seen from the side stacks the two arms; from above, the reaching arm and the
    # straightened leg of the other side lie on either side of the body.
    lying = {"label": "Lie", "pitch": -90, "arm": {"shoulder": 90}, "other_arm": {"shoulder": 90}}
    lying |= {"leg": {"hip": 90, "knee": 90}, "other_leg": {"hip": 90, "knee": 90}}
    reach = {**lying, "label": "Reach", "other_arm": {"shoulder": 165}, "leg": {"hip": 20}}
    plain = figure(lying, reach, tilt=30, highlight=["thigh", "other_upper_arm"])
    boxed = figure(lying, reach, tilt=30, highlight=["thigh", "other_upper_arm"], inset={"scale": 0.5})
    (box,) = [s for s in scenes(boxed)[1].shapes if s.fill == "#ffffff" and s.stroke == GHOST and not s.round]
    assert len(scenes(boxed)[0].shapes) == len(scenes(plain)[0].shapes)  # frame 2 only, by default
    extra = scenes(boxed)[1].shapes[len(scenes(plain)[1].shapes) + 1 :]
    assert any(s.fill == WORK for s in extra)  # the working parts orange there too
    x0, y0 = box.points[0]
    x1, y1 = box.points[2]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for s in extra for x, y in s.points)
    # From above (90 degrees), the reaching arm and the straight leg are on either side of the trunk.
    inside = [s for s in extra if s.fill == WORK]
    ys = sorted(sum(y for _, y in s.points) / len(s.points) for s in inside)
    assert ys[-1] - ys[0] > 10 * 0.5
    # The body, its arrows and props stay clear of the box: it sits above whatever is under it.
    under = [s for s in scenes(plain)[1].shapes if min(x for x, _ in s.points) < x1 and max(x for x, _ in s.points) > x0]
    assert all(max(y for _, y in s.points) < y0 for s in under)
    assert "a small box shows the same from above" in alt_text(boxed) and "box" not in alt_text(plain)
    with pytest.raises(ValueError, match="inset names frame 3"):
        figure(lying, reach, inset={"frames": [3]})


def test_an_inset_may_draw_a_knees_path_and_the_leg_dashed_where_it_was():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import ARROW, GHOST

    # Standing on one leg, the other knee up in front; then the hips turn and the knee swings out
    # to the side: seen from the front-side that is a move toward the viewer, from above a swing.
    up = {"label": "Knee up", "other_leg": {"hip": 85, "knee": 90}}
    out = {**up, "label": "Turn", "turn": 45, "leg": {"turn_out": 45}}
    kw = {"view": "front", "yaw": 50, "fixed": "heel"}
    plain = figure(up, out, inset={"frames": [1, 2], "tilt": 90, "yaw": 90}, **kw)
    marked = figure(
        up, out, inset={"frames": [1, 2], "tilt": 90, "yaw": 90, "arrows": ["other_knee"], "ghost": ["other_leg"]}, **kw
    )
    before, after = scenes(plain), scenes(marked)
    assert before[0].shapes == after[0].shapes  # the first frame has no frame before it
    extra = [s for s in after[1].shapes if s not in before[1].shapes]
    assert any(s.stroke == ARROW or s.fill == ARROW for s in extra)
    assert any(s.stroke == GHOST and s.dash for s in extra)
    (box,) = [s for s in after[1].shapes if s.fill == "#ffffff" and s.stroke == GHOST and not s.round]
    x0, y0 = box.points[0]
    x1, y1 = box.points[2]
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for s in extra for x, y in s.points)


def test_a_crossed_ankle_is_drawn_over_the_knee_it_rests_on_from_that_knees_side_too():
    from rehabplan.figures.body import Camera
    from rehabplan.figures.people import _body_shapes
    from rehabplan.figures.shapes import WORK

    # A figure-four: the working ankle rests across the other knee. Seen from the other leg's
    # side (yaw 180), the crossed leg is behind the leg it rests on, but its foot lies on top.
    lying = {"label": "Cross", "pitch": -90, "other_leg": {"hip": 45, "knee": 100, "ankle": "flat"}}
    across = {"to": "other_knee", "offset": [-11, 3, 3], "bend": [-1, -1.5, 1.5]}
    crossed = {**lying, "leg": {"hip": 80, "abduct": 40, "turn_out": 40, "reach": across}}
    body = place(figure(crossed))[0].body
    assert {p.segment for p in body.parts if p.on_top} == {"foot"}
    highlight = {"thigh", "shin", "foot"}

    def drawn(yaw: float) -> list[str]:
        """Which group each drawn group is, back to front: the crossed leg is orange."""
        groups = sorted(_body_shapes(body, Camera(yaw, 10), highlight), key=lambda t: -t[0])
        return ["orange" if any(s.fill == WORK for s in shapes) else "white" for _, shapes in groups]

    # From the other knee's side: the crossed leg behind, its foot on its own in front (six groups).
    behind = drawn(180)
    assert len(behind) == 6 and behind[-1] == "orange" and behind.index("orange") < len(behind) - 2
    # From the crossed leg's own side it is in front already: one shape, as before.
    assert len(drawn(0)) == 5
    # A foot beside the other foot (a clamshell's feet together) is not across a leg.
    clam = {**lying, "leg": {"hip": 60, "reach": {"to": "other_ankle", "offset": [0, 0, 7]}}}
    assert not any(p.on_top for p in place(figure(clam))[0].body.parts)


def test_grey_means_only_the_far_limb_at_rest():
    from rehabplan.figures.draw import active_limbs, scenes
    from rehabplan.figures.shapes import FAR_INK, FAR_SKIN, INK

    # Hands and knees, side view: the far arm reaches forward (moves, not highlighted) and the far
    # leg stays on the floor. The moving far arm is drawn white with a dark outline, not grey; the
    # far leg at rest stays grey.
    kneel = {
        "label": "Kneel",
        "pitch": 0,
        "leg": {"hip": 90, "knee": 90},
        "other_leg": {"hip": 90, "knee": 90},
        "arm": {"shoulder": 90},
        "other_arm": {"shoulder": 90},
    }
    fig = figure({**kneel, "pitch": 90}, {**kneel, "pitch": 90, "label": "Reach", "other_arm": {"shoulder": 175}})
    assert active_limbs(place(fig)) == {"other_arm"}
    # A far leg held up above the other foot (standing on one leg) is active in every frame,
    # even when it does not move.
    lifted = {"label": "Stand", "other_leg": {"hip": 70, "knee": 90}}
    assert "other_leg" in active_limbs(place(figure(lifted, {**lifted, "label": "Hold"})))
    # Both legs doing the same (a squat) is not a far limb of its own: it stays grey.
    squat = {"label": "Squat", "leg": {"hip": 80, "knee": 100}, "other_leg": {"hip": 80, "knee": 100}}
    assert active_limbs(place(figure({"label": "Stand"}, squat))) <= {"leg"}
    # Drawn: the moving far arm white with a dark outline, the far leg at rest grey.
    from rehabplan.figures.body import Camera
    from rehabplan.figures.people import _body_shapes

    p, cam = place(fig)[1], Camera.of(fig)
    colours = lambda limb: {  # noqa: E731
        c
        for _, group in _body_shapes(p.body, cam, set(), only={limb}, active={"other_arm"})
        for s in group
        for c in (s.fill, s.stroke)
    }
    assert FAR_INK not in colours("other_arm") and FAR_SKIN not in colours("other_arm") and INK in colours("other_arm")
    assert FAR_INK in colours("other_leg") and FAR_SKIN in colours("other_leg")
    assert len(scenes(fig)) == 2
    for ex in rehabplan.load_library().exercises.values():
        if not ex.figure:
            continue
        placed = place(ex.figure)
        active = active_limbs(placed)
        for limb in ("leg", "other_leg"):
            # A foot held well above the other foot in any frame always counts as in the exercise.
            pre, twin = ("other_", "") if limb.startswith("other") else ("", "other_")
            for p in placed:
                if min(p.world[pre + q][2] for q in ("heel", "toe")) >= min(p.world[twin + q][2] for q in ("heel", "toe")) + 8:
                    assert limb in active, (ex.id, limb)


def test_a_small_movement_gets_a_readable_arrow_leading_out_of_the_moving_part():
    from rehabplan.figures.draw import MIN_ARROW, scenes
    from rehabplan.figures.shapes import ARROW

    # The hips rise a few centimetres: the arrow is full length, starts just above the hips
    # and points up (it was a stub between the two positions, or nothing under 5 cm).
    low = {"label": "Lie", "pitch": -90, "leg": {"hip": 45, "knee": 90}, "other_leg": {"hip": 45, "knee": 90}}
    high = {**low, "label": "Lift", "base": "pelvis", "base_z": 4}
    fig = figure({**low, "base": "pelvis"}, high, arrows=[{"point": "pelvis"}])
    pelvis = place(fig)[1].page["pelvis"]
    (line,) = [s for s in scenes(fig)[1].shapes if s.stroke == ARROW and not s.closed]
    (x0, y0), (x1, y1) = line.points[0], line.points[-1]
    assert math.hypot(x1 - x0, y1 - y0) > 0.8 * MIN_ARROW
    assert y1 > y0 > pelvis[1] + 5 and abs(x0 - pelvis[0]) < 5


def test_a_pelvic_tilt_is_a_curved_arrow_round_the_pelvis_ending_at_the_low_back():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.marks import TILT_R
    from rehabplan.figures.shapes import ARROW

    # Standing side-on, facing right (page +x): the arc runs up the belly's side and over to
    # the low back, its head pointing back toward the wall.
    fig = figure(
        {"label": "Arched", "spine": -20},
        {"label": "Flat", "hold": True},
        props=[{"kind": "wall", "at": "chest"}],
        arrows=[{"point": "pelvis", "tilt": "back"}],
    )
    pelvis = place(fig)[1].page["pelvis"]
    (arc,) = [s for s in scenes(fig)[1].shapes if s.stroke == ARROW and not s.closed]
    start, end = arc.points[0], arc.points[-1]
    assert start[0] > pelvis[0] + 5 and start[1] < pelvis[1]  # in front, below: the legs' side
    assert end[0] < pelvis[0] and end[1] > pelvis[1]  # behind, above: the low back
    assert all(abs(math.hypot(x - pelvis[0], y - pelvis[1]) - TILT_R) < 1 for x, y in arc.points)
    assert "the pelvis tilts back so the low back flattens against the wall" in alt_text(fig)
    assert not [s for s in scenes(fig)[0].shapes if s.stroke == ARROW]


def test_a_band_round_both_knees_is_a_loop_hugging_their_outsides():
    from rehabplan.figures.body import Camera
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import BAND

    seated = {"label": "Sit", "leg": {"hip": 90, "knee": 90}, "other_leg": {"hip": 90, "knee": 90}}
    wide = {**seated, "label": "Apart", "leg": {"hip": 90, "abduct": 18, "knee": 90}}
    wide["other_leg"] = {"hip": 90, "abduct": 18, "knee": 90}
    for view in ("front", "side"):
        fig = figure(seated, wide, view=view, props=[{"kind": "band", "at": "knee", "to": "other_knee"}])
        cam = Camera.of(fig)
        for p, scene in zip(place(fig), scenes(fig)):
            bands = [s for s in scene.shapes if s.stroke == BAND]
            xs = [x for s in bands for x, _ in s.points]
            knees = [cam.project(p.body.points[k])[0] for k in ("knee", "other_knee")]
            # Both edges, round the outside of each knee (past its outline), in every frame.
            assert len(bands) >= 2
            if view == "front":
                assert min(xs) < min(knees) - 5 and max(xs) > max(knees) + 5


def test_a_table_leg_between_the_feet_belongs_to_a_whole_table_the_person_sits_at_the_corner_of():
    from rehabplan.figures.body import Camera
    from rehabplan.figures.check import problems
    from rehabplan.figures.props import TABLE_TOP, prop_geometry

    seated = {
        "label": "Sit",
        "leg": {"hip": 90, "abduct": 16, "turn_out": 20, "knee": 90, "ankle": "flat"},
        "other_leg": {"hip": 90, "abduct": 36, "knee": 90, "ankle": "flat"},
        "rest": ["heel", "other_heel"],
    }
    props = [{"kind": "chair", "at": "pelvis"}, {"kind": "post", "at": "ankle", "inside": True}]
    fig = figure(seated, {**seated, "label": "Press", "hold": True}, view="front", props=props)
    # Nothing passes into the table and the ankle touches its leg (the arms, hanging, are not posed).
    assert [p for p in problems(fig) if "post" in p] == []
    placed = place(fig)
    boxes, kinds, _, front = prop_geometry(fig, placed, Camera.of(fig), 1)
    table = [corners for (corners, _, _), prop in zip(boxes, kinds) if prop.kind.value == "post"]
    # A top on four legs: the corner leg against the ankle, the top at a table's height.
    assert len(table) == 5
    tops = [c for c in table if min(z for _, _, z in c) > 10]
    assert len(tops) == 1 and max(z for _, _, z in tops[0]) >= TABLE_TOP
    body = placed[0].body
    ankle, other = body.points["ankle"], body.points["other_ankle"]
    corner = table[0]
    # The corner leg stands between the feet, on the ankle's inner side; the table runs across
    # toward the other foot and past it (the other leg is under it), and forward of the knees.
    left = [y for _, y, _ in corner]
    assert min(other[1], ankle[1]) < sum(left) / len(left) < max(other[1], ankle[1])
    across = [y for _, y, _ in tops[0]]
    assert max(across) > other[1] + 20 if other[1] > ankle[1] else min(across) < other[1] - 20
    assert max(x for x, _, _ in tops[0]) > body.points["knee"][0] + 40
    # Seen from the front, its top and near legs are drawn over the body.
    assert front


def test_a_band_tied_to_a_table_leg_is_a_cuff_round_the_limb_and_a_knot_on_a_table():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.props import TABLE_WOOD
    from rehabplan.figures.shapes import BAND

    seated = {"label": "Sit", "leg": {"hip": 90, "abduct": 10, "knee": 90}, "other_leg": {"hip": 90, "knee": 90}}
    fig = figure(seated, seated, view="front", props=[{"kind": "band", "at": "ankle", "anchor": [-35, 13]}])
    scene = scenes(fig)[0]
    ankle = place(fig)[0].page["ankle"]
    wood = [s for s in scene.shapes if s.fill == TABLE_WOOD]
    # A table seen from its end: two legs and a top, beside the body on the anchor's side.
    assert len(wood) == 3 and all(max(x for x, _ in s.points) < ankle[0] - 25 for s in wood)
    bands = [s for s in scene.shapes if s.stroke == BAND and not s.closed]
    knots = [s for s in scene.shapes if s.fill == BAND]
    # The cuff's edges hug the shin on both sides of the ankle; the band runs off to the knot.
    xs = [x for s in bands for x, _ in s.points]
    assert len(bands) >= 3 and max(xs) > ankle[0] + 3 and len(knots) == 1


def test_after_a_side_step_the_ghost_is_the_trailing_foot_where_it_was_before_the_step():
    from rehabplan.figures.draw import scenes
    from rehabplan.figures.shapes import GHOST

    knees = {"hip": 25, "knee": 30, "ankle": "flat"}
    stand = {"label": "Stand", "pitch": 10, "leg": {**knees, "abduct": 4}, "other_leg": {**knees, "abduct": 4}}
    step = {**stand, "label": "Step", "leg": {**knees, "abduct": 20}, "rest": ["heel", "other_heel"]}
    first = place(figure(stand, step, view="front", fixed="other_heel"))
    stride = abs(first[1].page["ankle"][0] - first[0].page["ankle"][0])
    follow = {**stand, "label": "Follow", "move": [0, -stride]}  # the stepping foot stays where it landed
    fig = figure(stand, step, follow, view="front", fixed="other_heel", ghost=["leg", "other_leg"])
    placed = place(fig)
    ghosts = [[s for s in scene.shapes if s.stroke == GHOST] for scene in scenes(fig)]
    assert not ghosts[0] and ghosts[1] and ghosts[2]
    xs = [x for s in ghosts[2] for x, _ in s.points]  # one leg: the one that followed
    trailing = placed[1].page["other_ankle"][0]  # where the other foot stood before it followed
    assert min(xs) < trailing < max(xs) and max(xs) - min(xs) < 25


def test_a_chair_put_by_the_second_frame_stands_behind_the_first():
    from rehabplan.figures.check import problems

    stand = {"label": "Stand", "leg": {"ankle": "flat"}, "other_leg": {"ankle": "flat"}}
    sit = {
        "label": "Sit",
        "pitch": 25,
        "leg": {"hip": 100, "knee": 100, "ankle": "flat"},
        "other_leg": {"hip": 100, "knee": 100, "ankle": "flat"},
        "arm": {"shoulder": 90},
        "other_arm": {"shoulder": 90},
    }
    fig = figure(stand, sit, props=[{"kind": "chair", "at": "pelvis", "put": 2}], fixed="toe")
    assert problems(fig) == []
    with pytest.raises(ValueError, match="put by frame 2, which does not show it"):
        figure(stand, sit, props=[{"kind": "chair", "at": "pelvis", "put": 2, "frames": [1]}])


# --------------------------------------------------------------------------- output


def test_same_pose_gives_the_same_bytes(library):
    ex = library["glute-bridge"]
    first = [f.svg for f in picture(ex.figure).frames]
    second = [f.svg for f in picture(Figure.model_validate(ex.figure.model_dump())).frames]
    assert first == second
    assert all(s.startswith("<svg") and "<script" not in s for s in first)


def test_a_left_sided_patient_sees_the_mirror_image():
    fig = figure({"label": "Stand"}, {"label": "Lift", "leg": {"hip": 90, "knee": 90}}, arrows=[{"point": "knee"}])
    right, left = picture(fig), picture(fig, mirror=True)
    assert right.frames[1].width == left.frames[1].width

    def xs(svg):
        return sorted(float(x) for x in re.findall(r"[ML](-?[\d.]+) ", svg))

    width = right.frames[1].width
    mirrored = sorted(round(width - x, 1) for x in xs(left.frames[1].svg))
    assert [round(x, 1) for x in xs(right.frames[1].svg)] == pytest.approx(mirrored, abs=0.15)
    assert "right knee" in right.alt and "left knee" not in right.alt
    assert "left knee" in left.alt and "right knee" not in left.alt


def _curve_points(path: str) -> list[tuple[float, float]]:
    """Points along an SVG path of M/L/C/Z commands (the round ends' Bézier curves sampled)."""
    out: list[tuple[float, float]] = []
    for cmd, args in re.findall(r"([MLCZ])([^MLCZ]*)", path):
        n = [float(v) for v in args.split()]
        if cmd in "ML":
            out.append((n[0], n[1]))
        elif cmd == "C":
            p0, p1, p2, p3 = out[-1], n[0:2], n[2:4], n[4:6]
            for t in (i / 8 for i in range(1, 9)):
                a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t**3
                out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def _distance_to_outline(p, outline) -> float:
    best = float("inf")
    for (ax, ay), (bx, by) in zip(outline, outline[1:] + outline[:1]):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((p[0] - ax) * dx + (p[1] - ay) * dy) / ((dx * dx + dy * dy) or 1.0)))
        best = min(best, ((p[0] - ax - t * dx) ** 2 + (p[1] - ay - t * dy) ** 2) ** 0.5)
    return best


@pytest.mark.slow
def test_round_ends_are_curves_on_the_drawn_outline_and_few_paths_a_frame(library):
    """The SVG draws each limb's round ends as Bézier curves (WeasyPrint's drawing time grows
    with the coordinates it parses) and paints runs of one style as one path; the curves stay on
    the outline the PNG and the pose geometry use (within 0.1 mm of print), mirrored or not."""
    for ex in library.exercises.values():
        if not ex.figure:
            continue
        for mirror in (False, True):
            for frame in picture(ex.figure, mirror=mirror).frames:
                # (45: a face and a hold's stopwatch add up to six paths to a frame)
                assert frame.svg.count("<path") <= 45, ex.id
                for shape in frame.shapes:
                    if shape.arcs:
                        assert "C" in shape.path()
                        far = max(_distance_to_outline(p, shape.points) for p in _curve_points(shape.path()))
                        assert far <= 0.01 * frame.height, (ex.id, mirror, far)


def test_no_frame_paints_the_same_path_twice(library):
    # A path painted again with the same paint is covered by its second painting; the first is
    # dropped (chair legs seen from behind, a limb over its twin): fewer paths to parse.
    from collections import Counter

    for ex in library.exercises.values():
        if ex.figure:
            for frame in picture(ex.figure).frames:
                paths = Counter(re.findall(r"<path [^>]*/>", frame.svg))
                assert max(paths.values()) == 1, ex.id


def test_alt_text_says_one_hand_on_the_counter_when_the_other_is_off_it():
    counter = {"kind": "counter", "at": "other_hand"}
    both = {"label": "Lean", "pitch": 75, "arm": {"shoulder": 95}, "other_arm": {"shoulder": 95}}
    reach = {**both, "label": "Reach", "arm": {"shoulder": 160}}
    text = alt_text(figure(both, reach, props=[counter]))
    first, second = text.split("2. Reach")
    assert "with hands on a counter" in first and "with one hand on a counter" in second


def test_alt_text_says_what_the_pose_shows(library):
    text = alt_text(library["glute-bridge"].figure)
    assert "lying on the back" in text and "knees bent" in text
    assert "hips move up" in text


def test_exercises_without_pose_data_keep_their_hand_made_svg(library):
    for ex_id, ex in library.exercises.items():
        if not ex.drawn:
            assert library.illustration_path(ex_id).is_file(), ex_id


# --------------------------------------------------------------------------- validation


def _plant(library_copy, text: str) -> LibraryError:
    path = library_copy / "glute-bridge.yaml"
    source = path.read_text()
    start = source.index("figure:")
    end = source.index("\nillustration:") + 1
    path.write_text(source[:start] + text + source[end:])
    with pytest.raises(LibraryError) as info:
        rehabplan.load_library(library_copy, builtin=False)
    return info.value


def test_an_impossible_knee_angle_names_file_line_joint_and_range(library_copy):
    error = _plant(library_copy, "figure:\n  frames:\n    - label: Bent\n      leg: {hip: 45, knee: 170}\n")
    (problem,) = [p for p in error.problems if "glute-bridge" in str(p.file)]
    assert problem.file.name == "glute-bridge.yaml" and problem.line
    assert "frames[0].leg.knee" in problem.field
    assert "0 to 150" in problem.message


def test_an_unknown_body_point_is_an_error_not_a_crash(library_copy):
    error = _plant(library_copy, "figure:\n  frames:\n    - label: Hold\n      arm: {reach: {to: elbw}}\n")
    assert any("reach.to" in p.field for p in error.problems)


def test_an_exercise_needs_a_picture(library_copy):
    path = library_copy / "glute-bridge.yaml"
    source = path.read_text()
    path.write_text(source[: source.index("figure:")] + source[source.index("\nlicense:") + 1 :])
    with pytest.raises(LibraryError) as info:
        rehabplan.load_library(library_copy, builtin=False)
    assert any("needs a picture" in p.message for p in info.value.problems)


# --------------------------------------------------------------------------- the library and the CLI


@pytest.mark.slow
def test_every_built_in_exercise_is_drawn_from_pose_data(library):
    for ex_id, ex in library.exercises.items():
        assert ex.drawn, f"{ex_id} has no pose data (figure:)"
        pic = picture(ex.figure)
        assert len(pic.frames) == len(ex.figure.frames) and pic.alt.startswith("Drawing"), ex_id
        for frame in ex.figure.frames:
            assert frame.label in pic.alt, ex_id  # the alt text names every frame the card labels


def test_exercises_show_writes_the_picture_as_svg_and_png(tmp_path):
    from typer.testing import CliRunner

    from rehabplan.cli.commands import app

    runner = CliRunner()
    svg, png = tmp_path / "clam.svg", tmp_path / "clam.png"
    for target in (svg, png):
        result = runner.invoke(app, ["exercises", "show", "clamshell", "--picture", str(target), "--side", "left"])
        assert result.exit_code == 0, result.output
    text = svg.read_text()
    assert text.startswith("<svg") and "1. Lie on your side, knees bent" in text and "left knee" in text
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_the_gallery_prints_every_exercise_with_its_frame_labels(tmp_path, library):
    import pypdf
    from typer.testing import CliRunner

    from rehabplan.cli.commands import app

    target = tmp_path / "gallery.pdf"
    result = CliRunner().invoke(app, ["exercises", "gallery", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in pypdf.PdfReader(target).pages))
    for ex in library.exercises.values():
        assert ex.name in text, ex.id
        assert f"1. {ex.figure.frames[0].label}" in text, ex.id


def test_a_left_sided_patients_handout_draws_the_left_side(library, protocols, example_patient):
    from rehabplan.models import Side
    from rehabplan.render.html import render_html

    left = example_patient.model_copy(update={"side": Side.left})
    html_right = render_html(rehabplan.plan(library, protocols[example_patient.protocol], example_patient), library)
    html_left = render_html(rehabplan.plan(library, protocols[left.protocol], left), library)
    assert "right knee" in html_right or "right hip" in html_right or "right heel" in html_right
    assert "left knee" in html_left or "left hip" in html_left or "left heel" in html_left
