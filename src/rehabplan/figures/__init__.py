"""Exercise pictures drawn from pose data: pose.py (the data and its limits), body.py (joint
angles to points), placement.py (bodies set on the floor and their contacts), draw.py (frames as
SVG, from shapes.py, people.py, props.py and marks.py), alt.py (alt text from the same data),
raster.py (PNG).

The models import pose.py (an exercise's ``figure:``) on every command, `exercises list` too;
the drawing modules load only when a picture is drawn (names below are looked up lazily)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rehabplan.figures.alt import alt_text, frame_alts
    from rehabplan.figures.draw import FrameImage, Picture, draw
    from rehabplan.figures.placement import place
    from rehabplan.figures.pose import Figure, Frame

_WHERE = {
    "alt_text": "alt",
    "frame_alts": "alt",
    "FrameImage": "draw",
    "Picture": "draw",
    "draw": "draw",
    "place": "placement",
    "Figure": "pose",
    "Frame": "pose",
}


def picture(figure: Figure, *, mirror: bool = False) -> Picture:
    """The drawing and its alt text; ``mirror`` draws a left-sided patient's left side working."""
    from rehabplan.figures.alt import alt_text, frame_alts
    from rehabplan.figures.draw import draw
    from rehabplan.figures.placement import place

    placed = place(figure)
    pic = draw(figure, mirror=mirror, placed=placed)
    pic.frame_alts = frame_alts(figure, mirror, placed)
    pic.alt = alt_text(figure, mirror, pic.frame_alts)
    return pic


def __getattr__(name: str):
    if name in _WHERE:
        return getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Figure", "Frame", "FrameImage", "Picture", "alt_text", "draw", "frame_alts", "picture", "place"]
