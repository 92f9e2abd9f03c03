"""A library's pictures on a few pages, for a clinician to review at a glance.

Every exercise's frames with their labels, its name and id, and the alt text a screen reader
would say. Exercises without pose data show their hand-made SVG and say so.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from rehabplan.figures import picture
from rehabplan.resources import data_dir
from rehabplan.sources.library import Library
from rehabplan.sources.safe_read import read_asset

_CSS = """
@page { size: A4; margin: 12mm 12mm 14mm;
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 9pt "Atkinson Hyperlegible", sans-serif; } }
@font-face { font-family: "Atkinson Hyperlegible"; src: url(fonts/atkinson-hyperlegible-latin-400-normal.woff); }
@font-face { font-family: "Atkinson Hyperlegible"; font-weight: 700; src: url(fonts/atkinson-hyperlegible-latin-700-normal.woff); }
body { font-family: "Atkinson Hyperlegible", "DejaVu Sans", sans-serif; font-size: 11pt; color: #1f1f1f; margin: 0; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.intro { margin: 0 0 4mm; font-size: 10pt; }
.ex { break-inside: avoid; border-top: 1pt solid #0b5c7a; padding: 2mm 0 3mm; }
.ex h2 { font-size: 12pt; margin: 0 0 1.5mm; }
.ex h2 small { font-weight: 400; color: #555; }
.frames { text-align: center; }
.frame { display: inline-block; vertical-align: bottom; margin: 0 3mm; }
.frame img { display: block; margin: 0 auto; }
.frame figcaption { font-size: 11pt; margin-top: 1mm; }
.alt { font-size: 8.5pt; color: #444; margin: 1.5mm 0 0; }
"""

_MAX_MM, _MIN_MM, _WIDTH_MM, _GAP_MM = 40.0, 30.0, 180.0, 6.0
MIN_FRAME_PX = 360  # the shortest frame of `exercises show --picture x.png`, in pixels


def gallery_html(library: Library, *, mirror: bool = False, title: str = "Exercise pictures") -> str:
    side = "left" if mirror else "right"
    parts = [
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>',
        f"<style>{_CSS}</style></head><body><h1>{html.escape(title)}</h1>",
        f'<p class="intro">{len(library.exercises)} exercises, drawn for a {side}-sided patient '
        "(the working side is the one that moves). Under each: the alt text a screen reader says. "
        "Colours: orange, the part that works; white, the near side and any limb that moves or is "
        "held up; grey, the far limb at rest (only in a view from the side); dashed, where a limb "
        "started; blue curved arrow, a movement; blue straight arrow with a bar, which way to press; stopwatch, hold the position.</p>",
    ]
    for ex in sorted(library.exercises.values(), key=lambda e: e.name.lower()):
        parts.append(f'<section class="ex"><h2>{html.escape(ex.name)} <small>{ex.id}</small></h2><div class="frames">')
        if ex.drawn and ex.figure is not None:
            pic = picture(ex.figure, mirror=mirror)
            room = _WIDTH_MM - _GAP_MM * len(pic.frames)
            # Never smaller than _MIN_MM: wide frames then wrap onto a second row.
            height = max(_MIN_MM, min(_MAX_MM, room / sum(f.width / f.height for f in pic.frames)))
            for n, f in enumerate(pic.frames, start=1):
                uri = "data:image/svg+xml;base64," + base64.b64encode(f.svg.encode()).decode("ascii")
                parts.append(
                    f'<figure class="frame"><img src="{uri}" alt="" style="height: {height:.1f}mm; '
                    f'width: {height * f.width / f.height:.1f}mm"><figcaption>{n}. {html.escape(f.label)}'
                    "</figcaption></figure>"
                )
            alt = pic.alt
        else:
            path = library.illustration_path(ex.id)
            assert path is not None and ex.illustration is not None  # not drawn: a hand-made SVG
            # Through the same allow-list as a handout: a link out of illustrations/ is refused.
            data = read_asset(path, [library.files[ex.id].parent / "illustrations"], ("svg",)).data
            uri = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
            parts.append(
                f'<figure class="frame"><img src="{uri}" alt="" style="height: 30mm">'
                "<figcaption>hand-made drawing (no pose data)</figcaption></figure>"
            )
            alt = ex.illustration.alt
        parts.append(f'</div><p class="alt">Alt text: {html.escape(alt)}</p></section>')
    parts.append("</body></html>")
    return "".join(parts)


def gallery_pdf(library: Library, *, mirror: bool = False) -> bytes:
    """The gallery as PDF bytes (WeasyPrint is imported here, only when a gallery is made)."""
    from rehabplan.render.pdf import Fetcher
    from rehabplan.render.weasy import prepare_weasyprint

    prepare_weasyprint()
    from weasyprint import HTML

    templates = data_dir("templates")
    fetcher = Fetcher([templates / "fonts"], [])
    doc = HTML(
        string=gallery_html(library, mirror=mirror), base_url=str(templates) + "/", url_fetcher=fetcher.weasyprint_fetcher()
    )
    return doc.write_pdf()


def write_picture(library: Library, exercise_id: str, target: Path, *, mirror: bool = False) -> bytes:
    """One exercise's frames with labels as SVG or PNG bytes (by the target's suffix)."""
    ex = library[exercise_id]
    pic = picture(ex.figure, mirror=mirror)  # type: ignore[arg-type]  # the command checks it is drawn
    if target.suffix.lower() == ".png":
        import io

        from rehabplan.figures.raster import write_png

        buf = io.BytesIO()
        # Large enough to read: the shortest frame at least MIN_FRAME_PX tall.
        scale = max(1.0, MIN_FRAME_PX / min(f.height for f in pic.frames))
        write_png(pic, buf, title=ex.name, scale=scale)
        return buf.getvalue()
    return pic.sheet(title=ex.name).encode()
