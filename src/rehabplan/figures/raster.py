"""PNG output of a Picture with Pillow (already installed with WeasyPrint, which cannot write
PNG since version 53): the same shapes as the SVG, drawn at 3x and scaled down for smooth edges."""

from __future__ import annotations

import math
from pathlib import Path
from typing import BinaryIO

from rehabplan.figures.draw import Picture
from rehabplan.figures.shapes import SCALE, Shape

_SUPER = 3


def _rgb(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def _dashes(points, on: float, off: float):
    out, pen, left = [], True, on
    cur = [points[0]]
    for (x1, y1), (x2, y2) in zip(points, points[1:]):
        seg = math.hypot(x2 - x1, y2 - y1)
        pos = 0.0
        while seg - pos > left:
            pos += left
            p = (x1 + (x2 - x1) * pos / seg, y1 + (y2 - y1) * pos / seg)
            if pen:
                cur.append(p)
                out.append(cur)
            cur = [p]
            pen = not pen
            left = on if pen else off
        left -= seg - pos
        cur.append((x2, y2))
    if pen and len(cur) > 1:
        out.append(cur)
    return out


def _draw_shape(draw, shape: Shape, k: float) -> None:
    pts = [(x * k, y * k) for x, y in shape.points]
    if shape.fill != "none" and shape.closed and len(pts) > 2:
        draw.polygon(pts, fill=_rgb(shape.fill))
    if shape.stroke != "none" and shape.width:
        width = max(1, round(shape.width * SCALE * k))
        line = pts + [pts[0]] if shape.closed else pts
        pieces = _dashes(line, 4 * k, 3 * k) if shape.dash else [line]
        for piece in pieces:
            draw.line(piece, fill=_rgb(shape.stroke), width=width, joint="curve")
            if shape.round and not shape.closed:
                r = width / 2
                for x, y in (piece[0], piece[-1]):
                    draw.ellipse((x - r, y - r, x + r, y + r), fill=_rgb(shape.stroke))


def _font(size: int):
    from PIL import ImageFont

    from rehabplan.resources import data_dir

    fonts = data_dir("templates") / "fonts"
    for name in ("atkinson-hyperlegible-latin-400-normal.woff",):
        try:
            return ImageFont.truetype(str(fonts / name), size)
        except OSError:
            pass
    return ImageFont.load_default(size)


def write_png(picture: Picture, path: Path | str | BinaryIO, title: str | None = None, scale: float = 1.0) -> None:
    """Frames side by side with their numbered labels, like Picture.sheet()."""
    from PIL import Image, ImageDraw

    k = scale * (_SUPER if scale <= 1.5 else 2)
    gap, label_h, title_h = 16.0, 34.0, (40.0 if title else 0.0)
    slots = picture.slots()
    width = sum(slots) + gap * (len(picture.frames) - 1)
    height = max(f.height for f in picture.frames) + label_h + title_h
    img = Image.new("RGB", (math.ceil(width * k), math.ceil(height * k)), "white")
    draw = ImageDraw.Draw(img)
    if title:
        draw.text((0, 4 * k), title, fill=(31, 31, 31), font=_font(round(26 * k)))
    x = 0.0
    font = _font(round(24 * k))
    for n, (frame, slot) in enumerate(zip(picture.frames, slots), start=1):
        left = x + (slot - frame.width) / 2
        for shape in frame.shapes:
            moved = Shape(
                [(px + left, py + title_h) for px, py in shape.points],
                shape.fill,
                shape.stroke,
                shape.width,
                shape.closed,
                shape.dash,
                shape.round,
            )
            _draw_shape(draw, moved, k)
        label = f"{n}. {frame.label}"
        tw = draw.textlength(label, font=font)
        draw.text(((x + slot / 2) * k - tw / 2, (title_h + frame.height + 4) * k), label, fill=(31, 31, 31), font=font)
        x += slot + gap
    img = img.resize((math.ceil(width * scale), math.ceil(height * scale)), Image.Resampling.LANCZOS)
    img.save(path if not isinstance(path, (str, Path)) else str(path), format="PNG", optimize=False)
