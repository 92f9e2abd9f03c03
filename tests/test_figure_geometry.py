"""Pictures a patient can follow without the words, measured.

Every frame of every built-in exercise: at least two frames, a hold marked, feet and hands on
what they rest on, nothing through a prop or the other leg (figures/check.py); both legs of the
body model's length in every view; a face that shows the way in every view; grey only for the
far side; a picture large enough to read.
"""

from __future__ import annotations

import math

import pytest

import rehabplan
from rehabplan.figures import Figure, picture
from rehabplan.figures.body import HIP_W, SHIN, THIGH, Camera
from rehabplan.figures.check import problems
from rehabplan.figures.people import face_shapes
from rehabplan.figures.placement import place
from rehabplan.figures.shapes import ARROW, FAR_INK, FAR_SKIN, HAIR, INK

LIBRARY = rehabplan.load_library()
DRAWN = sorted(ex.id for ex in LIBRARY.exercises.values() if ex.drawn)


def figure(*frames, **kw):
    return Figure.model_validate({"frames": list(frames), **kw})


@pytest.mark.parametrize("exercise_id", DRAWN)
def test_every_frame_of_every_exercise_passes_the_geometry_checks(exercise_id):
    fig = LIBRARY[exercise_id].figure
    assert len(fig.frames) >= 2, "a picture shows the start and the end (or the set-up and the hold)"
    assert problems(fig) == []


@pytest.mark.parametrize("exercise_id", DRAWN)
def test_a_hold_says_so_in_the_picture(exercise_id):
    ex = LIBRARY[exercise_id]
    pic = picture(ex.figure)
    holds = [f.hold for f in ex.figure.frames]
    if ex.dosage.kind.value == "hold":
        assert any(holds), "a held exercise marks its hold frame (hold: true)"
    for frame, image in zip(ex.figure.frames, pic.frames):
        # The stopwatch's face and its wedge of time gone: drawn exactly in the hold frames.
        assert frame.hold == any(s.fill == ARROW and len(s.points) == 10 for s in image.shapes)


@pytest.mark.parametrize("exercise_id", DRAWN)
def test_both_legs_keep_the_body_models_lengths_in_every_frame_and_view(exercise_id):
    fig = LIBRARY[exercise_id].figure
    for p in place(fig):
        P = p.body.points
        for pre in ("", "other_"):
            assert math.dist(P[pre + "hip"], P[pre + "knee"]) == pytest.approx(THIGH, abs=0.5)
            assert math.dist(P[pre + "knee"], P[pre + "ankle"]) == pytest.approx(SHIN, abs=0.5)
        assert math.dist(P["hip"], P["other_hip"]) == pytest.approx(2 * HIP_W, abs=0.1)


@pytest.mark.parametrize("view", ["side", "front", "back"])
def test_a_standing_body_has_the_same_leg_length_on_the_page_in_every_view(view):
    fig = figure({"label": "Stand"}, view=view)
    p = place(fig)[0]
    page = p.page

    def length(pre):
        return math.dist(page[pre + "hip"], page[pre + "knee"]) + math.dist(page[pre + "knee"], page[pre + "ankle"])

    assert length("") == pytest.approx(THIGH + SHIN, abs=0.5)
    assert length("other_") == pytest.approx(THIGH + SHIN, abs=0.5)
    hips_apart = abs(page["hip"][0] - page["other_hip"][0])
    assert hips_apart == pytest.approx(0.0 if view == "side" else 2 * HIP_W, abs=0.5)


def test_an_abducted_leg_swings_from_its_own_hip_and_lifts_its_foot():
    fig = figure({"label": "Stand"}, {"label": "Lift", "leg": {"abduct": 25}, "other_leg": {"knee": 5}}, view="back")
    start, lift = place(fig)
    for p in (start, lift):
        assert abs(p.page["hip"][0] - p.page["pelvis"][0]) == pytest.approx(HIP_W, abs=0.5)
    assert lift.body.points["heel"][2] - start.body.points["heel"][2] > 6  # clearly off the floor


def _eyes(shapes):
    return [s for s in shapes if s.fill == INK and s.stroke == "none" and len(s.points) == 12]


@pytest.mark.parametrize(("view", "eyes", "mouth"), [("side", 1, False), ("front", 2, True), ("back", 0, False)])
def test_a_face_shows_which_way_the_person_faces(view, eyes, mouth):
    fig = figure({"label": "Stand"}, view=view)
    p = place(fig)[0]
    shapes = face_shapes(p.body, Camera.of(fig))
    assert len(_eyes(shapes)) == eyes
    assert any(not s.closed for s in shapes) == mouth
    hair = [s for s in shapes if s.fill == HAIR]
    assert len(hair) == 1
    # Seen from behind, hair covers most of the head; from the front only its top.
    xs, ys = zip(*hair[0].points)
    area = 0.5 * abs(sum(xs[i] * ys[i - 1] - xs[i - 1] * ys[i] for i in range(len(xs))))
    head = math.pi * 10.5**2
    assert (area > 0.6 * head) if view == "back" else (area < 0.5 * head)


@pytest.mark.parametrize("exercise_id", DRAWN)
def test_every_frame_has_a_face(exercise_id):
    for image in picture(LIBRARY[exercise_id].figure).frames:
        assert HAIR in image.svg


def test_grey_means_the_far_side_only():
    side = picture(figure({"label": "Stand"}, view="side")).frames[0].svg
    front = picture(figure({"label": "Stand"}, view="front")).frames[0].svg
    back = picture(figure({"label": "Stand"}, view="back")).frames[0].svg
    assert FAR_INK in side and FAR_SKIN in side
    for svg in (front, back):
        assert FAR_INK not in svg and FAR_SKIN not in svg


def test_the_contact_solver_sets_floating_feet_on_the_mat():
    lying = {"label": "Lie", "pitch": -90, "leg": {"hip": 22, "knee": 42}, "other_leg": {"hip": 22, "knee": 42}}
    mat = [{"kind": "mat", "at": "pelvis"}]
    floating = place(figure(lying, props=mat))[0].body
    assert floating.points["heel"][2] - floating.radii["heel"] > 4.0  # the pose alone leaves the heels up
    rested = place(figure({**lying, "rest": ["heel", "other_heel"]}, props=mat))[0].body
    for heel in ("heel", "other_heel"):
        assert rested.points[heel][2] - rested.radii[heel] == pytest.approx(2.0, abs=0.5)  # on the mat's top


def test_the_checker_finds_a_foot_in_a_step_and_a_hovering_heel():
    bad = figure(
        {"label": "On the step", "base": "heel", "base_z": 18},
        {"label": "Down", "base": "heel", "base_z": 18, "leg": {"hip": 30, "knee": 40}, "other_leg": {"hip": -10, "knee": 30}},
        props=[{"kind": "step", "at": "heel"}],
        fixed="heel",
    )
    found = " ".join(problems(bad))
    assert "into the step" in found or "hovers" in found


def test_a_press_arrow_is_straight_and_a_movement_arrow_curves():
    from rehabplan.figures.marks import _arrow

    push = _arrow((0, 0), (10, 0), (0, 0), "none", (0.0, 0.0), push=True)
    move = _arrow((0, 0), (10, 0), (0, 5), "none", None)
    assert push[0].control is None and len(push[0].points) == 2  # a straight shaft
    assert move[0].control is not None and move[0].control[1] != 0  # a curve


@pytest.mark.slow
def test_the_picture_png_is_large_enough_to_read(tmp_path):
    from PIL import Image

    from rehabplan.figures.gallery import MIN_FRAME_PX, write_picture

    for exercise_id in ("glute-bridge", "standing-pelvic-tilt", "banded-lateral-walk"):
        target = tmp_path / f"{exercise_id}.png"
        target.write_bytes(write_picture(LIBRARY, exercise_id, target))
        image = Image.open(target)
        assert image.height >= MIN_FRAME_PX
