"""Exercise pictures drawn from pose data: pose.py (the data and its limits), body.py (joint
angles to points), draw.py (SVG), alt.py (alt text from the same data), raster.py (PNG)."""

from __future__ import annotations

from .alt import alt_text, frame_alts
from .draw import FrameImage, Picture, draw, place
from .pose import Figure, Frame


def picture(figure: Figure, *, mirror: bool = False) -> Picture:
    """The drawing and its alt text; ``mirror`` draws a left-sided patient's left side working."""
    placed = place(figure)
    pic = draw(figure, mirror=mirror, placed=placed)
    pic.frame_alts = frame_alts(figure, mirror, placed)
    pic.alt = alt_text(figure, mirror, pic.frame_alts)
    return pic


__all__ = ["Figure", "Frame", "FrameImage", "Picture", "alt_text", "draw", "frame_alts", "picture"]
