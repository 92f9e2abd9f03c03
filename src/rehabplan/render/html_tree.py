"""The handout's own HTML -> the element tree WeasyPrint lays out, about ten times faster.

WeasyPrint parses HTML with tinyhtml5, a full HTML5 parser in pure Python: ~0.3 s a handout
(8 % of a warm render), most of it spent on markup we wrote ourselves. The built-in templates
write a small, well-nested subset of HTML, so the standard library's tokenizer (``html.parser``)
and a plain stack build the very tree tinyhtml5 would: the same tags, attributes, text and
tails (tests/test_html_tree.py compares the two trees element by element for every edition).

Anything outside that subset is not guessed at: an element this module does not know, an end
tag that does not close the element it opened, a paragraph that HTML5 would close implicitly,
a table without its row groups, a comment... raises ``NotOurs`` and the caller lets WeasyPrint
parse the text itself. A clinic's own templates always go that way (render/pdf.py).

Escaping is untouched: the text was escaped by Jinja's autoescape before it got here, and this
module turns ``&amp;`` back into ``&`` exactly as tinyhtml5 does.
"""

from __future__ import annotations

import functools
import logging
from html.parser import HTMLParser
from xml.etree import ElementTree

log = logging.getLogger("rehabplan.render")

SVG_NS = "http://www.w3.org/2000/svg"
XMLNS_NS = "http://www.w3.org/2000/xmlns/"

# Elements the built-in templates use (and a few plain ones like them). HTML5 parses each of
# them as an ordinary element when it is properly nested; the rules below refuse the cases where
# it would not (implied end tags, tables without row groups).
HTML_ELEMENTS = frozenset(
    "html head body title meta section article header footer nav aside main div p span strong b em i "
    "small a h1 h2 h3 h4 h5 h6 ul ol li dl dt dd figure figcaption img br table caption thead tbody "
    "tfoot tr th td blockquote input".split()
)
VOID_ELEMENTS = frozenset({"meta", "img", "br", "input"})
# Start tags that close an open <p> in HTML5 ("close a p element"): refused inside a <p>.
CLOSES_P = frozenset(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer form "
    "h1 h2 h3 h4 h5 h6 header hgroup hr li dd dt listing main menu nav ol p pre section summary table ul".split()
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Where each table part may stand; anything else inside a table HTML5 would move or wrap.
TABLE_PARENTS = {
    "caption": {"table"},
    "thead": {"table"},
    "tbody": {"table"},
    "tfoot": {"table"},
    "tr": {"thead", "tbody", "tfoot"},
    "th": {"tr"},
    "td": {"tr"},
}
TABLE_PARTS = frozenset({"table", "thead", "tbody", "tfoot", "tr"})  # hold no text, only parts
# SVG elements whose names are lowercase (no tag-name adjustment) and that hold no HTML.
SVG_ELEMENTS = frozenset("svg g path rect line circle ellipse polyline polygon text tspan title desc defs use".split())


class NotOurs(Exception):
    """The markup is outside the subset this module builds exactly; let tinyhtml5 parse it."""


def handout_document(html: str, base_url: str, url_fetcher, *, ours: bool):
    """WeasyPrint's ``HTML`` for the handout. With ``ours`` (the built-in templates) and markup
    own_tree can build, the tree is handed over the way ``HTML.__init__`` (WeasyPrint 70) does it
    after parsing, with ``lean_ua_stylesheet()``; otherwise WeasyPrint parses the text itself."""
    import cssselect2
    from weasyprint import HTML
    from weasyprint.html import UA_FORM_STYLESHEET

    if ours:
        try:
            tree = own_tree(html)
        except NotOurs as exc:
            log.debug("handout HTML parsed by tinyhtml5: %s", exc)
        else:
            # An empty document gives the base URL, the fetcher and the media type as
            # HTML.__init__ sets them (our markup has no <base>).
            document = HTML(string="", base_url=base_url, url_fetcher=url_fetcher)
            document.wrapper_element = cssselect2.ElementWrapper.from_html_root(tree, content_language=None)
            document.etree_element = document.wrapper_element.etree_element
            ua = lean_ua_stylesheet()
            if ua is not None:
                document._ua_stylesheets = lambda forms=False: [ua, UA_FORM_STYLESHEET] if forms else [ua]
            return document
    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)


# WeasyPrint's user-agent stylesheet gives every element six pseudo-elements with rules of their
# own (::marker, and the call and marker of footnotes and notes): 13,300 computed styles for the
# sample handout's 2,200 elements, ~0.14 s of a warm render. Our markup has list items as its
# only list-item boxes and makes no footnotes or notes, so these rules are narrowed to what they
# can apply to: the laid-out handout is the same (the PDF is byte-identical; tested).
_LEAN_UA_RULES = (
    ("::marker { font-variant-numeric", "li::marker { font-variant-numeric"),
    ("::footnote-call {", "rehabplan-none::footnote-call {"),
    ("::footnote-marker {", "rehabplan-none::footnote-marker {"),
    ("::note-call {", "rehabplan-none::note-call {"),
    ("::note-marker {", "rehabplan-none::note-marker {"),
    ("::note-callback {", "rehabplan-none::note-callback {"),
)


@functools.lru_cache(maxsize=1)
def lean_ua_stylesheet():
    """WeasyPrint's user-agent stylesheet with the universal pseudo-element rules narrowed; None
    (use WeasyPrint's own) when the installed WeasyPrint's stylesheet is not the one expected."""
    import weasyprint
    from weasyprint import CSS
    from weasyprint.html import UA, UA_COUNTER_STYLE

    text = UA
    for old, new in _LEAN_UA_RULES:
        if not weasyprint.__version__.startswith("70.") or text.count(old) != 1:
            log.debug("WeasyPrint %s: its own user-agent stylesheet is used", weasyprint.__version__)
            return None
        text = text.replace(old, new)
    return CSS(string=text, counter_style=UA_COUNTER_STYLE)


def own_tree(html: str) -> ElementTree.Element:
    """The <html> element of ``html``, as tinyhtml5 would build it (no namespace on HTML
    elements, SVG in its namespace); ``NotOurs`` when the markup is outside the subset."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.result()


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root: ElementTree.Element | None = None
        self.stack: list[ElementTree.Element] = []
        self.body_closed = False
        self.html_closed = False
        self.doctype = False
        from tinyhtml5.constants import adjust_svg_attributes

        self.svg_attributes = adjust_svg_attributes

    # -- tree ---------------------------------------------------------------------------------

    def result(self) -> ElementTree.Element:
        # HTML5 keeps <html> and <body> open after their end tags.
        if not self.doctype or not self.body_closed or [e.tag for e in self.stack] != ["html", "body"]:
            raise NotOurs("not a whole document")
        return self.root

    def _append_text(self, data: str) -> None:
        parent = self.stack[-1]
        if len(parent):
            last = parent[-1]
            last.tail = (last.tail or "") + data
        else:
            parent.text = (parent.text or "") + data

    def _open(self, tag: str, attrs: list[tuple[str, str | None]], closing: bool) -> None:
        if self.body_closed:
            raise NotOurs(f"<{tag}> after </body>")
        parent = self.stack[-1] if self.stack else None
        in_svg = parent is not None and parent.tag.startswith("{")
        if in_svg or tag == "svg":
            if tag not in SVG_ELEMENTS or (in_svg and parent.tag == f"{{{SVG_NS}}}title"):
                raise NotOurs(f"<{tag}> in an SVG")
            attrib = {}
            for name, value in attrs:
                if name == "xmlns":
                    if value != SVG_NS:
                        raise NotOurs("another namespace")
                    attrib[f"{{{XMLNS_NS}}}xmlns"] = value
                elif ":" in name:
                    raise NotOurs("a namespaced attribute")
                else:
                    attrib[self.svg_attributes.get(name, name)] = "" if value is None else value
            element = ElementTree.Element(f"{{{SVG_NS}}}{tag}", attrib)
            void = closing
        else:
            if tag not in HTML_ELEMENTS:
                raise NotOurs(f"<{tag}>")
            if closing and tag not in VOID_ELEMENTS:
                raise NotOurs(f"<{tag}/>")  # HTML5 ignores the slash: the element stays open
            names = [e.tag for e in self.stack]
            if tag == "html":
                if parent is not None:
                    raise NotOurs("<html> twice")
            elif tag in ("head", "body"):
                if names != ["html"] or len(self.root) != (0 if tag == "head" else 1):
                    raise NotOurs(f"<{tag}> out of place")
            elif len(names) < 2:
                raise NotOurs(f"<{tag}> outside <head> and <body>")
            elif names[1] == "head" and tag not in ("title", "meta"):
                raise NotOurs(f"<{tag}> in <head>")
            if parent is not None and parent.tag == "title":
                raise NotOurs("markup in <title>")
            if tag in CLOSES_P and "p" in names:
                raise NotOurs(f"<{tag}> in a <p>")
            if tag in HEADINGS and parent is not None and parent.tag in HEADINGS:
                raise NotOurs("a heading in a heading")
            if tag == "li" and parent.tag not in ("ul", "ol"):
                raise NotOurs("<li> outside a list")
            if tag in ("dt", "dd") and parent.tag != "dl":
                raise NotOurs(f"<{tag}> outside <dl>")
            if tag == "a" and "a" in names:
                raise NotOurs("a link in a link")
            if tag in TABLE_PARENTS:
                if parent.tag not in TABLE_PARENTS[tag]:
                    raise NotOurs(f"<{tag}> in <{parent.tag}>")
            elif parent is not None and parent.tag in TABLE_PARTS:
                raise NotOurs(f"<{tag}> in <{parent.tag}>")
            attrib = {}
            for name, value in attrs:
                if name in attrib:
                    raise NotOurs("an attribute twice")  # HTML5 keeps the first, etree the last
                attrib[name] = "" if value is None else value
            element = ElementTree.Element(tag, attrib)
            void = tag in VOID_ELEMENTS
        if parent is None:
            self.root = element
        else:
            parent.append(element)
        if not void:
            self.stack.append(element)

    # -- html.parser's events ------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        self._open(tag, attrs, closing=False)

    def handle_startendtag(self, tag, attrs):
        self._open(tag, attrs, closing=True)

    def handle_endtag(self, tag):
        if tag == "html" and self.body_closed and not self.html_closed:
            self.html_closed = True  # <html> and <body> stay open, as in HTML5
            return
        if not self.stack or self.body_closed:
            raise NotOurs(f"</{tag}> out of place")
        top = self.stack[-1]
        expected = top.tag.rpartition("}")[2] if top.tag.startswith("{") else top.tag
        if tag != expected:
            raise NotOurs(f"</{tag}> closes <{expected}>")
        if tag == "body":
            # HTML5 keeps <body> open after </body>: white space after it still goes into it.
            self.body_closed = True
            return
        if tag == "html":
            raise NotOurs("</html> before </body>")
        self.stack.pop()

    def handle_data(self, data):
        if not data:
            return
        blank = not data.strip(" \t\n\r\f")
        if not self.stack:
            if blank:
                return  # white space before <html> (or after </html>) is dropped
            raise NotOurs("text outside <html>")
        top = self.stack[-1]
        if top.tag == "html":
            if not blank:
                raise NotOurs("text outside <head> and <body>")
            if len(top) == 0:
                return  # before <head>: dropped
            self._append_text(data)  # between </head> and <body>: kept on <head>'s tail
            return
        if self.body_closed:
            if not blank:
                raise NotOurs("text after </body>")
            self._append_text(data)
            return
        if not blank and self.stack[1].tag == "head" and top.tag != "title":
            raise NotOurs("text in <head>")  # HTML5 would end <head> and start <body> here
        if top.tag in TABLE_PARTS and not blank:
            raise NotOurs(f"text in <{top.tag}>")
        if "\x00" in data or "\r" in data:
            raise NotOurs("a NUL or carriage return")
        self._append_text(data)

    def handle_decl(self, decl):
        if decl.lower() != "doctype html" or self.doctype or self.root is not None:
            raise NotOurs(f"<!{decl}>")
        self.doctype = True

    def handle_comment(self, data):
        raise NotOurs("a comment")

    def handle_pi(self, data):
        raise NotOurs("a processing instruction")

    def unknown_decl(self, data):
        raise NotOurs("a CDATA section")
