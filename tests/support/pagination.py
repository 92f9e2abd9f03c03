"""Read a laid-out handout back from WeasyPrint's own boxes: how full each page is, what
overflows the page, which section each page belongs to, and where each dose table landed.

The pagination rules (templates/handout.css: break-inside, break-after, orphans, widows) are
what WeasyPrint follows; this module is how the tests check the result against the rules a
patient cares about, from the real layout and never from an estimate:

* no card's dose table is on a page without a heading that names its exercise, and no dose
  table splits;
* a card's heading is on the page where its picture is;
* the warning signs come straight after the cover (their urgent box by page 2, before anything
  else), and neither of their two boxes splits;
* no page except the last of a section is more than 30 % blank, no page but the handout's last
  is more than half blank, and the last page is not a stranded scrap (at least 15 % used);
* nothing runs outside the page's content box.

WeasyPrint is not imported here: the functions take the ``Document`` that
``Renderer.layout()`` returns. It reads WeasyPrint's private ``page._page_box``, so it
lives with the tests and never ships in the wheel.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# WeasyPrint lays out in CSS px (0.75 pt). A list marker's line box can reach 2 px past the
# last line of its item; 3 px (0.8 mm, into a 13 mm margin) is not a visible overflow.
TOLERANCE_PX = 3.0
MAX_BLANK = 0.30  # a page whose section continues on the next
MOSTLY_BLANK = 0.50  # any page but the last
LAST_PAGE_MIN_USED = 0.15  # the check-in table with its instructions is about a fifth
RED_FLAG_BOXES = ("rf-box", "rf-soon")  # the urgent box, then "see a doctor soon"
_CONTENT_BOXES = {"LineBox", "InlineReplacedBox", "BlockReplacedBox", "TableRowBox"}


@dataclass
class PageFacts:
    number: int  # 1-based
    sections: list[str]  # ids of the handout sections with content on this page, in order
    used: float  # fraction of the content box height that content reaches (0-1)
    overflow: list[str] = field(default_factory=list)  # boxes outside the content box
    dose_tables: list[str] = field(default_factory=list)  # exercise id of each dose table on it
    table_keys: list[int] = field(default_factory=list)  # identity of each dose table element
    named: set[str] = field(default_factory=set)  # exercises whose heading is on this page
    pictures: list[str] = field(default_factory=list)  # exercise id of each card picture on it
    header: str = ""  # the running header's text (top left)
    red_boxes: list[str] = field(default_factory=list)  # RED_FLAG_BOXES with content on this page

    @property
    def blank(self) -> float:
        return max(0.0, 1.0 - self.used)


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split()) if element is not None else set()


def _text(box) -> str:
    """The text of a box and its descendants (a margin box's running header)."""
    parts = []
    for inner, _, _ in _walk(box, None):
        text = getattr(inner, "text", None)
        if isinstance(text, str) and type(inner).__name__ == "TextBox":
            parts.append(text)
    return " ".join(" ".join(parts).split())


def _walk(box, section: str | None, card: str | None = None):
    """(box, section id, exercise card id) for every box under ``box``, depth first."""
    stack = [(box, section, card)]
    while stack:
        current, where, within = stack.pop()
        element = getattr(current, "element", None)
        tag = getattr(current, "element_tag", None)
        if tag == "section" and element is not None:
            where = element.get("id") or where
        elif tag == "article" and element is not None:
            within = element.get("data-card") or within
        yield current, where, within
        children = getattr(current, "children", None) or []
        stack.extend((child, where, within) for child in reversed(children))


def page_facts(document) -> list[PageFacts]:  # noqa: C901 - one pass over WeasyPrint's boxes collecting every fact the rules need
    """One PageFacts per page of a laid-out WeasyPrint document."""
    from_margin = ("MarginBox",)
    out = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box  # WeasyPrint keeps the laid-out tree here
        top = page_box.content_box_y()
        left = page_box.content_box_x()
        height = page_box.height
        right = left + page_box.width
        bottom_limit = top + height
        facts = PageFacts(number, [], 0.0)
        deepest = top
        seen_tables: set[int] = set()
        for child in page_box.children:
            if type(child).__name__ in from_margin:
                # Running headers and footers live in the margins by design.
                if getattr(child, "at_keyword", "") == "@top-left":
                    facts.header = _text(child)
                continue
            for box, section, card in _walk(child, None):
                if section and (not facts.sections or facts.sections[-1] != section):
                    if section not in facts.sections:
                        facts.sections.append(section)
                y = getattr(box, "position_y", None)
                try:
                    box_top = box.border_box_y()
                    box_bottom = box_top + box.border_height()
                    box_left = box.border_box_x()
                    box_right = box_left + box.border_width()
                except (TypeError, AttributeError):
                    continue
                if y is None:
                    continue
                tag = getattr(box, "element_tag", "") or ""
                element = getattr(box, "element", None)
                kind = type(box).__name__
                # How far the content reaches: lines, pictures and table rows. Not containers:
                # WeasyPrint stretches a block that continues on the next page to the page foot.
                children = getattr(box, "children", None)
                if kind in _CONTENT_BOXES or (not children and box_bottom > box_top and kind != "TextBox"):
                    deepest = max(deepest, box_bottom)
                if box_bottom > bottom_limit + TOLERANCE_PX or box_right > right + TOLERANCE_PX or box_left < left - TOLERANCE_PX:
                    facts.overflow.append(
                        f"<{tag}> {type(box).__name__} at x {box_left:.0f}-{box_right:.0f}, y {box_top:.0f}-{box_bottom:.0f}"
                    )
                if element is None:
                    continue
                if tag == "div" and section == "red-flags":
                    for name in RED_FLAG_BOXES:
                        if name in _classes(element) and name not in facts.red_boxes:
                            facts.red_boxes.append(name)
                if tag == "div" and card and "card-figure" in _classes(element):
                    if id(element) not in seen_tables:
                        seen_tables.add(id(element))
                        facts.pictures.append(card)
                    continue
                exercise = element.get("data-exercise")
                if not exercise:
                    continue
                if tag == "table" and "dose" in _classes(element) and id(element) not in seen_tables:
                    seen_tables.add(id(element))
                    facts.dose_tables.append(exercise)
                    facts.table_keys.append(id(element))
                elif tag in ("h3", "h4", "caption"):
                    facts.named.add(exercise)
        facts.used = min(1.0, max(0.0, (deepest - top) / height)) if height else 1.0
        out.append(facts)
    return out


@dataclass
class Breach:
    page: int
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"page {self.page}: {self.rule}: {self.detail}"


def breaches(pages: list[PageFacts], max_blank: float = MAX_BLANK) -> list[Breach]:  # noqa: C901 - one branch per pagination rule, each a few lines
    """Every broken pagination rule, by page (an empty list when the handout is well paginated)."""
    found: list[Breach] = []
    # A page is the last of its section when the next page starts another section.
    for i, page in enumerate(pages):
        last_section = page.sections[-1] if page.sections else None
        following = pages[i + 1].sections[0] if i + 1 < len(pages) and pages[i + 1].sections else None
        if i + 1 < len(pages) and following == last_section and page.blank > max_blank:
            found.append(
                Breach(
                    page.number,
                    "more than 30 % blank",
                    f"{page.blank:.0%} blank in '{last_section}', which continues on page {page.number + 1}",
                )
            )
        if page.overflow:
            more = f" (and {len(page.overflow) - 3} more boxes)" if len(page.overflow) > 3 else ""
            found.append(Breach(page.number, "overflows the page", "; ".join(page.overflow[:3]) + more))
        for exercise in page.dose_tables:
            if exercise not in page.named:
                found.append(
                    Breach(
                        page.number,
                        "dose table without its heading",
                        f"the dose table of '{exercise}' is on a page with no heading naming it",
                    )
                )
        for exercise in page.pictures:
            if exercise not in page.named:
                found.append(
                    Breach(
                        page.number,
                        "picture without its heading",
                        f"the picture of '{exercise}' is on a page without its card's heading",
                    )
                )
    # Each picture on one page only: its frames and labels never split.
    seen: dict[str, int] = {}
    for page in pages:
        for exercise in page.pictures:
            if exercise in seen and seen[exercise] != page.number:
                found.append(
                    Breach(
                        page.number,
                        "a picture splits",
                        f"the picture of '{exercise}' runs over pages {seen[exercise]} and {page.number}",
                    )
                )
            seen.setdefault(exercise, page.number)
    # Each dose table on one page only (a table split over two pages separates its rows).
    tables: dict[int, tuple[str, list[int]]] = {}
    for page in pages:
        for exercise, key in zip(page.dose_tables, page.table_keys):
            tables.setdefault(key, (exercise, []))[1].append(page.number)
    for exercise, on in tables.values():
        if len(on) > 1:
            found.append(Breach(on[1], "a dose table splits", f"a dose table of '{exercise}' runs over pages {on}"))
    # No page but the last is mostly blank, wherever a section ends; the last is not a scrap.
    for page in pages[:-1]:
        if page.blank > MOSTLY_BLANK:
            found.append(Breach(page.number, "mostly blank", f"{page.blank:.0%} blank ({', '.join(page.sections)})"))
    if pages and 1.0 - pages[-1].blank < LAST_PAGE_MIN_USED:
        found.append(
            Breach(
                pages[-1].number,
                "the last page is a scrap",
                f"only {1.0 - pages[-1].blank:.0%} used ({', '.join(pages[-1].sections)})",
            )
        )
    # The warning signs straight after the cover: nothing but the cover before them, the urgent
    # box by page 2, and neither box split over two pages.
    for name in RED_FLAG_BOXES:
        on = [p.number for p in pages if name in p.red_boxes]
        if len(on) != 1:
            found.append(Breach(on[0] if on else len(pages), "a warning-sign box splits", f"'{name}' is on pages {on or 'none'}"))
    order: list[str] = []
    for page in pages:
        order += [s for s in page.sections if s not in order]
    urgent = next((p.number for p in pages if "rf-box" in p.red_boxes), None)
    if urgent is None or urgent > 2 or order[:2] != ["cover", "red-flags"]:
        found.append(
            Breach(urgent or 1, "the warning signs are not up front", f"urgent box on page {urgent}; sections in order {order}")
        )
    return found
