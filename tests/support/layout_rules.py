"""The paper rules a patient writes on, read back from WeasyPrint's laid-out boxes (like
tests/support/pagination.py, from the real layout and never from an estimate):

* a session's cell or row of the log never wraps: a compact cell is two lines (the day with its
  done box, then the pain boxes), a large-print session row one line, and the seven every-day
  tick boxes one line;
* every write-in box (a pain score in the log, a cell of the check-in table) is at least 8 mm
  high;
* the check-in's "three things you find hard" table is on the page of its heading and
  instructions;
* in standard print, a week's box of warning-sign questions in the log never splits; in large
  print, when it splits, at least two questions go to each page;
* compact edition: no paragraph of the log's instructions splits, and the last of them (the
  weekly questions) is on the page of the table's first week;
* the check-in's two pain scales (start and check-in) are on one page.

WeasyPrint is not imported here: the functions take the ``Document`` that
``Renderer.layout()`` returns.
"""

from __future__ import annotations

PX_PER_MM = 96 / 25.4
MIN_WRITE_IN_MM = 8.0


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


def _lines(box) -> int:
    """How many lines of text a box holds: its line boxes at distinct heights."""
    tops = set()
    stack = [box]
    while stack:
        current = stack.pop()
        if type(current).__name__ == "LineBox":
            tops.add(round(current.position_y))
            continue
        stack.extend(getattr(current, "children", None) or [])
    return len(tops)


def _walk(box, ancestors=()):
    stack = [(box, ancestors)]
    while stack:
        current, above = stack.pop()
        yield current, above
        element = getattr(current, "element", None)
        here = (*above, element) if element is not None and (not above or above[-1] is not element) else above
        stack.extend((child, here) for child in reversed(getattr(current, "children", None) or []))


def paper_breaches(document) -> list[str]:  # noqa: C901 - one short check per rule of the writing parts
    """Every broken rule of the writing parts, as "page N: what" (empty when all hold)."""
    found: list[str] = []
    psfs_heading_page = psfs_table_page = None
    flag_boxes: dict[int, set[int]] = {}  # id of a log week's question box -> its pages
    flag_questions: dict[tuple[int | None, int], set[int]] = {}  # (question box, page) -> its questions there
    standard_print = compact = False
    log_first_week_page = None
    log_keys: dict[int, set[int]] = {}  # id of each paragraph of the compact log's key -> its pages
    scale_pages: set[int] = set()
    for number, page in enumerate(document.pages, start=1):
        for box, above in _walk(page._page_box):
            element = getattr(box, "element", None)
            if element is None or type(box).__name__ in ("LineBox", "TextBox"):
                continue
            tag = getattr(box, "element_tag", "") or ""
            classes = _classes(element)
            parent_classes = set().union(*(_classes(e) for e in above[-6:])) if above else set()
            if tag == "html":
                standard_print = "standard-print" in classes
                compact = "edition-compact" in classes
            if tag == "p" and "log-key" in classes:
                log_keys.setdefault(id(element), set()).add(number)
            if log_first_week_page is None and (
                (tag == "tr" and "log-grid" in parent_classes and any(getattr(e, "tag", "") == "tbody" for e in above[-2:]))
                or (tag == "div" and "log-week" in classes)
            ):
                log_first_week_page = number
            if tag == "div" and "scale" in classes:
                scale_pages.add(number)
            if tag == "div" and "log-flags" in classes:
                flag_boxes.setdefault(id(element), set()).add(number)
            if tag == "li" and "log-flags-list" in parent_classes and type(box).__name__ != "LineBox":
                box_of = next((id(e) for e in reversed(above) if "log-flags" in _classes(e)), None)
                flag_questions.setdefault((box_of, number), set()).add(id(element))
            kind = type(box).__name__
            if tag == "td" and "c-daily" in classes and "log-grid" in parent_classes and _lines(box) > 1:
                found.append(f"page {number}: the seven every-day tick boxes of a log row wrap")
            if tag == "td" and "log-grid" in parent_classes and "c-daily" not in classes and _lines(box) > 2:
                found.append(f"page {number}: a session's cell of the log wraps ({_lines(box)} lines)")
            if (
                tag in ("td", "th")
                and "log-table" in parent_classes
                and any(getattr(e, "tag", "") == "tbody" for e in above[-3:])
            ):
                if _lines(box) > 1:
                    found.append(f"page {number}: a session's row of the large-print log wraps")
            if tag in ("td", "th") and "log-days" in parent_classes and _lines(box) > 1:
                found.append(f"page {number}: a day of the every-day tick boxes wraps")
            if (
                "blank" in classes
                and kind == "InlineBlockBox"
                and ("log-grid" in parent_classes or "log-table" in parent_classes)
            ):
                if box.border_height() < MIN_WRITE_IN_MM * PX_PER_MM - 0.5:
                    found.append(f"page {number}: a pain box is {box.border_height() / PX_PER_MM:.1f} mm high (at least 8)")
            if tag == "td" and "psfs" in parent_classes and box.border_height() < MIN_WRITE_IN_MM * PX_PER_MM - 0.5:
                found.append(f"page {number}: a check-in cell is {box.border_height() / PX_PER_MM:.1f} mm high (at least 8)")
            if tag == "div" and "psfs-block" in classes:
                for inner, _ in _walk(box):
                    if getattr(inner, "element_tag", "") == "h3" and psfs_heading_page is None:
                        psfs_heading_page = number
                    if getattr(inner, "element_tag", "") == "table" and psfs_table_page is None:
                        psfs_table_page = number
    for key, pages in flag_boxes.items():
        if len(pages) > 1 and standard_print:
            found.append(f"page {max(pages)}: a week's box of warning-sign questions splits (pages {sorted(pages)})")
        elif len(pages) > 1:
            for page_number in sorted(pages):
                asked = len(flag_questions.get((key, page_number), ()))
                if asked < 2:
                    found.append(f"page {page_number}: {asked} warning-sign question alone, split from its week's box")
    if len(scale_pages) > 1:
        found.append(f"page {max(scale_pages)}: the check-in's two pain scales are on pages {sorted(scale_pages)}")
    if compact and log_keys:
        for pages in log_keys.values():
            if len(pages) > 1:
                found.append(f"page {max(pages)}: a paragraph of the log's instructions splits (pages {sorted(pages)})")
        questions = list(log_keys.values())[-1]
        if max(questions) != log_first_week_page:
            found.append(
                f"page {log_first_week_page}: the log's first week is not on the page of its weekly questions "
                f"(page {max(questions)})"
            )
    if psfs_heading_page != psfs_table_page:
        found.append(
            f"page {psfs_table_page}: the check-in table is not on the page of its heading and instructions "
            f"(page {psfs_heading_page})"
        )
    return sorted(set(found), key=lambda s: (int(s.split()[1].rstrip(":")) if s.split()[1].rstrip(":").isdigit() else 0, s))
