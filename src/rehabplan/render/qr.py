"""QR codes for exercise videos, drawn locally as inline SVG (no network, no image files).

The ``qrcode`` package only computes the module matrix; we draw it ourselves as one path of
horizontal runs, which is a few hundred bytes instead of one rectangle per module.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape


@lru_cache(maxsize=256)
def qr_svg(data: str, *, label: str = "QR code") -> str:
    """An SVG QR code for ``data`` (error correction M, quiet zone of 4 modules).

    Same input, same bytes: the output has no ids, dates or random parts.
    """
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()  # includes the quiet zone (border)
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )
