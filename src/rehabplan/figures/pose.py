"""Pictures as data: an exercise's figure is a few keyframes of joint angles, a view and props.

A clinic adds a picture by writing poses, not by drawing. Angles are in degrees and named as a
clinician measures them (hip flexion, knee flexion, ankle dorsiflexion); each joint refuses what
a human joint cannot do, so a typo (``knee: 190``) is an error naming the joint and its range,
not a figure with a broken leg.

``leg`` and ``arm`` are the working side, drawn as the patient's right and mirrored for a
left-sided patient; ``other_leg`` and ``other_arm`` are the other side.
"""

from __future__ import annotations

import re
from enum import Enum
from typing import Annotated, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# (lowest, highest, what the angle means): the range a healthy adult joint can reach, from
# the usual goniometry norms, with a little room for drawing (e.g. hip extension in a lunge).
JOINT_RANGES: dict[str, tuple[float, float, str]] = {
    "hip": (-30, 140, "hip flexion: 0 standing straight, 90 thigh level in sitting, -30 leg behind"),
    "abduct": (-30, 60, "sideways: 0 in line with the body, 45 out to the side, below 0 across"),
    "turn_out": (-45, 70, "turning: 0 kneecap forward, 45 turned out, below 0 turned in"),
    "knee": (0, 150, "knee flexion: 0 straight, 90 a right angle"),
    "ankle": (-70, 30, "ankle: 0 foot at a right angle to the shin, 20 toes up, -40 toes pointed"),
    "shoulder": (-60, 180, "shoulder flexion: 0 arm by the side, 90 straight ahead, 180 overhead"),
    "arm_abduct": (-20, 180, "sideways: 0 arm by the side, 90 straight out to the side"),
    "elbow": (0, 150, "elbow flexion: 0 straight, 90 a right angle"),
    "spine": (-45, 70, "back: 0 neutral, positive rounds forward, negative arches"),
    "lordosis": (0, 50, "low back only: 0 as the spine says, 40 the waist well forward of the chest and the pelvis"),
    "side_bend": (-35, 35, "side bend of the trunk"),
    "twist": (-45, 45, "trunk rotation: the chest turned against the pelvis, positive to the left"),
    "neck": (-45, 60, "neck: 0 neutral, positive chin toward the chest"),
    "pitch": (-180, 180, "whole body: 0 upright, 90 face down, -90 lying on the back"),
    "roll": (-180, 180, "whole body roll: -90 lying on the left side, 90 on the right"),
    "turn": (-180, 180, "whole body turn about the vertical"),
}


class _Data(BaseModel):
    # NaN and infinity are no angle or distance: refused before they reach a drawing.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)


# A distance on the page or in the body's frame, cm: a figure is about 180 cm tall.
Cm = Annotated[float, Field(ge=-300, le=300)]
FrameNumbers = Annotated[list[int], Field(max_length=3)]
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain_text(value: str | None) -> str | None:
    if value is not None and _CONTROL.search(value):
        raise ValueError("contains a control character; write plain text")
    return value


def _check(joint: str, value: float) -> float:
    lo, hi, meaning = JOINT_RANGES[joint]
    if not lo <= value <= hi:
        raise ValueError(f"{joint} angle {value:g} is outside what the joint can do ({lo:g} to {hi:g} degrees; {meaning})")
    return value


BODY_POINTS = ("pelvis", "waist", "chest", "neck", "head")
LIMB_POINTS = ("shoulder", "elbow", "wrist", "hand", "hip", "knee", "ankle", "heel", "toe")
PointName = Literal[
    "pelvis",
    "waist",
    "chest",
    "neck",
    "head",
    "shoulder",
    "elbow",
    "wrist",
    "hand",
    "hip",
    "knee",
    "ankle",
    "heel",
    "toe",
    "other_shoulder",
    "other_elbow",
    "other_wrist",
    "other_hand",
    "other_hip",
    "other_knee",
    "other_ankle",
    "other_heel",
    "other_toe",
]
Segment = Literal[
    "pelvis",
    "torso",
    "head",
    "thigh",
    "shin",
    "foot",
    "upper_arm",
    "forearm",
    "hand",
    "other_thigh",
    "other_shin",
    "other_foot",
    "other_upper_arm",
    "other_forearm",
    "other_hand",
]
SEGMENTS: tuple[str, ...] = get_args(Segment)
LimbName = Literal["leg", "other_leg", "arm", "other_arm", "torso"]


class Reach(_Data):
    """Place the hand (or the ankle) on a point of the body, instead of giving its angles."""

    to: PointName
    offset: tuple[Cm, Cm, Cm] = Field((0.0, 0.0, 0.0), description="cm from that point: forward on the page, into the page, up")
    bend: tuple[Cm, Cm, Cm] | None = Field(
        None,
        description="which way the knee or elbow points (forward on the page, into the page, up); default: as the joint's angles say",
    )


class Leg(_Data):
    hip: float = 0
    abduct: float = 0
    turn_out: float = 0
    knee: float = 0
    ankle: float | Literal["flat"] = Field(0.0, description="degrees, or 'flat': the sole level with the floor")
    reach: Reach | None = Field(None, description="put the ankle here (the knee bends as it must)")

    @field_validator("hip", "abduct", "turn_out", "knee", "ankle")
    @classmethod
    def _range(cls, value, info):
        return value if value == "flat" else _check(info.field_name, value)


class Arm(_Data):
    shoulder: float = 0
    abduct: float = 0
    elbow: float = 0
    hand: Literal["straight", "flat"] = Field("straight", description="'flat': the palm flat on the floor, fingers forward")
    reach: Reach | None = Field(None, description="put the palm here (the elbow bends as it must)")

    @field_validator("shoulder", "abduct", "elbow")
    @classmethod
    def _range(cls, value: float, info) -> float:
        name = "arm_abduct" if info.field_name == "abduct" else info.field_name
        return _check(name, value)


class Frame(_Data):
    """One keyframe: the whole body's position and every joint's angle."""

    label: str = Field(min_length=1, max_length=40, description="shown under the picture, e.g. 'Lift'")
    pitch: float = 0
    roll: float = 0
    turn: float = 0
    spine: float = 0
    side_bend: float = 0
    twist: float = Field(0, description="the chest turned against the pelvis, degrees (positive: to the left)")
    lordosis: float = Field(
        0,
        description="degrees the low back alone arches beyond 'spine': the waist comes forward (off the mat or the wall) "
        "while the chest, shoulders, arms and head stay where they are",
    )
    neck: float = 0
    leg: Leg = Leg()
    other_leg: Leg = Leg()
    arm: Arm = Arm()
    other_arm: Arm = Arm()
    base: PointName | None = Field(None, description="the point that rests on the floor (default: the lowest)")
    base_z: float = Field(0, ge=0, le=120, description="height of the base point above the floor, cm")
    rest: list[PointName] = Field(
        default_factory=list,
        description="points that rest on what is under them (the floor, the mat, the step): the knee or elbow "
        "bends so that they touch it, e.g. [heel, other_heel] for feet flat on the mat in a bridge",
    )
    move: tuple[float, float] = Field(
        (0.0, 0.0),
        description="cm the whole body has moved over the floor since the fixed point's place (forward, to the left): "
        "a side step, a walk",
    )
    hold: bool = Field(False, description="a hold: the frame shows a stopwatch badge (the label says what to hold)")

    @field_validator("pitch", "roll", "turn", "spine", "side_bend", "twist", "lordosis", "neck")
    @classmethod
    def _range(cls, value: float, info) -> float:
        return _check(info.field_name, value)

    @field_validator("label")
    @classmethod
    def _plain_label(cls, value: str | None) -> str | None:
        return _plain_text(value)


class View(str, Enum):
    side = "side"
    front = "front"
    back = "back"
    top = "top"


class PropKind(str, Enum):
    mat = "mat"
    chair = "chair"
    step = "step"
    wall = "wall"
    counter = "counter"
    band = "band"
    pillow = "pillow"
    towel = "towel"
    post = "post"
    rail = "rail"
    weight = "weight"


class Prop(_Data):
    kind: PropKind
    at: PointName = Field(description="the body point the prop touches (a chair under the pelvis, a step under the heel)")
    to: PointName | None = Field(
        None,
        description="band: the other body point it goes around; weight: the other hand holding the same weight; "
        "counter, rail: the other hand on it (the prop is centred between the two)",
    )
    anchor: tuple[Cm, Cm] | None = Field(None, description="band: its fixed end, cm from 'at' (along the page, up)")
    frames: FrameNumbers | None = Field(None, description="frame numbers (1 = first) that show it; default all")
    inside: bool = Field(
        False, description="post, towel: on the body's inner side of the point (between the feet), not the outer"
    )
    put: int | None = Field(
        None,
        ge=1,
        le=3,
        description="the frame (1 = first) whose body puts the prop in its place; default: the first frame that shows it "
        "(e.g. a chair shown in both frames of a squat, put where frame 2 sits)",
    )

    def placing_frame(self) -> int:
        """The frame number whose body puts the prop where it stands."""
        return self.put or (min(self.frames) if self.frames else 1)


class Arrow(_Data):
    point: PointName = Field(description="the body point whose path the arrow shows")
    frames: FrameNumbers | None = Field(None, description="frames (2 = second) that show it; default every frame after the first")
    bend: Literal["out", "none"] = Field("out", description="curve away from the body, or run straight")
    offset: tuple[Cm, Cm] | None = Field(
        None, description="cm on the page (right, up) from the moving point; default: beside it, away from the body"
    )
    push: tuple[Cm, Cm] | None = Field(
        None,
        description="a hold: a straight arrow this long (cm on the page: right, up) showing which way to press, in every frame listed",
    )
    length: float | None = Field(
        None, ge=5, le=80, description="draw a movement arrow at least this long (cm), stretched about its middle"
    )
    turn: float | None = Field(
        None,
        ge=-180,
        le=180,
        description="a turn about the vertical through the point (degrees the body turned, positive: to its left): "
        "a curved arrow round it, on the side toward the viewer",
    )
    tilt: Literal["back", "forward"] | None = Field(
        None,
        description="a pelvic tilt: a curved arrow round the point (the pelvis) about the left-right axis, on the "
        "belly's side; 'back': the front of the pelvis rolls up toward the ribs and the low back flattens (a "
        "posterior tilt); 'forward': the low back arches",
    )


class Inset(_Data):
    """A small second look at a frame from another camera, boxed in a top corner of that frame: e.g.
    from above, where a lying or bent-over body's left and right limbs lie side by side, so "the
    arm of one side with the leg of the other" shows without depth (which a side view stacks)."""

    frames: FrameNumbers = Field(default_factory=lambda: [2], min_length=1, description="frame numbers (1 = first) that show it")
    yaw: float | None = Field(None, ge=-180, le=180, description="its camera turn, degrees (default: the main view's)")
    tilt: float = Field(90, ge=-90, le=90, description="its camera height, degrees: 90 (the default) looks straight down")
    scale: float = Field(0.4, ge=0.2, le=0.7, description="its size against the main picture")
    corner: Literal["left", "right"] = Field("right", description="the top corner it sits in")
    arrows: list[PointName] = Field(
        default_factory=list,
        max_length=2,
        description="points whose path from the frame before the inset draws as a movement arrow, as its camera sees them",
    )
    ghost: list[LimbName] = Field(
        default_factory=list, description="limbs the inset also draws dashed where they were in the frame before"
    )


class Figure(_Data):
    """An exercise drawn from pose data: up to three keyframes side by side."""

    view: View = View.side
    yaw: float | None = Field(None, ge=-180, le=180, description="camera turn, degrees (overrides the view)")
    tilt: float | None = Field(None, ge=-90, le=90, description="camera height, degrees: 90 looks straight down")
    frames: list[Frame] = Field(min_length=1, max_length=3)
    props: list[Prop] = Field(default_factory=list, max_length=12)
    floor: bool = True
    arrows: list[Arrow] = Field(default_factory=list, max_length=12)
    ghost: list[LimbName] = Field(
        default_factory=list, max_length=5, description="limbs drawn dashed in their first-frame position"
    )
    highlight: list[Segment] = Field(default_factory=list, max_length=len(SEGMENTS), description="the working body parts, tinted")
    fixed: PointName = Field("pelvis", description="the point that stays put from frame to frame")
    inset: Inset | None = Field(None, description="a small second view of some frames, in a boxed corner")
    caption: str | None = Field(
        None, max_length=200, description="extra alt text the pose cannot say (e.g. 'squeezing the buttocks')"
    )

    @field_validator("caption")
    @classmethod
    def _plain_caption(cls, value: str | None) -> str | None:
        return _plain_text(value)

    @model_validator(mode="after")
    def _frames_named(self) -> Figure:
        count = len(self.frames)
        for prop in self.props:
            for n in prop.frames or []:
                if not 1 <= n <= count:
                    raise ValueError(f"a {prop.kind.value} names frame {n}, but there are only {count} frames")
            if prop.put is not None and not (1 <= prop.put <= count and (prop.frames is None or prop.put in prop.frames)):
                raise ValueError(f"a {prop.kind.value} is put by frame {prop.put}, which does not show it")
            if prop.kind == PropKind.band and prop.to is None and prop.anchor is None:
                raise ValueError("a band needs 'to' (a body point) or 'anchor' (its fixed end)")
        for n in self.inset.frames if self.inset else []:
            if not 1 <= n <= count:
                raise ValueError(f"the inset names frame {n}, but there are only {count} frames")
        for arrow in self.arrows:
            for n in arrow.frames or []:
                if not (1 if arrow.push else 2) <= n <= count:
                    raise ValueError(f"an arrow names frame {n}; arrows show movement into frames 2 to {count}")
        return self
