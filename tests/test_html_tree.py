"""The handout's own HTML becomes the same element tree with own_tree as with WeasyPrint's
parser (tinyhtml5), or own_tree refuses it and WeasyPrint parses it.

own_tree is a speed-up (render/weasy/tree.py): it must never change what is laid out.
"""

from __future__ import annotations

import pytest
import tinyhtml5

from rehabplan.render.html import HtmlBuilder
from rehabplan.render.pdf import Renderer
from rehabplan.render.weasy.tree import NotOurs, own_tree


def differences(ours, theirs, path="html") -> str | None:
    """The first difference between two element trees (tag, attributes, text, tail), or None."""
    if ours.tag != theirs.tag:
        return f"{path}: tag {ours.tag!r} != {theirs.tag!r}"
    if dict(ours.attrib) != dict(theirs.attrib):
        return f"{path}: attributes {dict(ours.attrib)} != {dict(theirs.attrib)}"
    if (ours.text or "") != (theirs.text or ""):
        return f"{path}: text {ours.text!r} != {theirs.text!r}"
    if (ours.tail or "") != (theirs.tail or ""):
        return f"{path}: tail {ours.tail!r} != {theirs.tail!r}"
    if len(ours) != len(theirs):
        return f"{path}: {len(ours)} children != {len(theirs)}"
    for i, (a, b) in enumerate(zip(ours, theirs)):
        found = differences(a, b, f"{path}/{b.tag}[{i}]")
        if found:
            return found
    return None


def tinyhtml5_tree(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)  # as weasyprint.HTML does


@pytest.mark.parametrize("edition", ["full", "compact"])
@pytest.mark.parametrize("large_print", [False, True])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_edition_of_the_handout_parses_to_the_tree_tinyhtml5_builds(example_program, library, edition, large_print, paper):
    html = HtmlBuilder(edition=edition, large_print=large_print, paper=paper).render(example_program, library, preview=False)
    assert differences(own_tree(html), tinyhtml5_tree(html)) is None


@pytest.mark.parametrize(
    "name",
    [
        'Ann <script>alert("x")</script> & Co',
        "O'Brien &amp; <b>bold</b> </p></div></body>",
        "Zoë \u00a0 Ŧest\t\u200b",
        "<!-- a comment --> <![CDATA[ x ]]> <?pi?>",
    ],
)
def test_patient_text_is_escaped_text_in_both_trees(example_program, library, name):
    patient = example_program.patient.model_copy(update={"name": name})
    program = example_program.model_copy(update={"patient": patient})
    html = HtmlBuilder().render(program, library, preview=False)
    ours = own_tree(html)
    assert differences(ours, tinyhtml5_tree(html)) is None
    assert name in "".join(ours.itertext())  # the name is text, never markup
    assert not any(e.tag in ("script", "b") for e in ours.iter())


def test_the_renderer_gives_weasyprint_the_same_document_as_its_own_parser(example_program, library):
    from weasyprint import HTML

    renderer = Renderer()
    html = renderer.builder.render(example_program, library, preview=False)
    fetcher = renderer._fetcher(library)
    base = "file:///templates/"
    ours = renderer._html(html, base, fetcher)
    theirs = HTML(string=html, base_url=base, url_fetcher=fetcher.weasyprint_fetcher())
    # HTML.__init__ still sets these only (and ours carries the lean user-agent stylesheet)
    assert sorted(set(vars(ours)) - {"_ua_stylesheets"}) == sorted(vars(theirs))
    assert (ours.base_url, ours.media_type) == (theirs.base_url, theirs.media_type)
    assert differences(ours.etree_element, theirs.etree_element) is None


def test_a_clinic_template_folder_is_always_parsed_by_weasyprint(tmp_path, example_program, library, monkeypatch):
    import rehabplan.render.weasy.tree as tree

    used, real = [], tree.own_tree
    monkeypatch.setattr(tree, "own_tree", lambda html: used.append(html) or real(html))
    (tmp_path / "cover.html.j2").write_text("<section class='page cover'><p>Our clinic<div>unclosed</section>\n")
    data, pages, _ = Renderer(templates=tmp_path).pdf(example_program, library)
    assert data.startswith(b"%PDF") and pages > 10 and used == []


DOC = "<!DOCTYPE html>\n<html><head><title>t</title></head>\n<body>{}</body>\n</html>\n"


@pytest.mark.parametrize(
    "body",
    [
        "<p>a<div>b</div></p>",  # a block closes the paragraph in HTML5
        "<p>a<p>b</p></p>",
        "<table><tr><td>a</td></tr></table>",  # HTML5 adds a <tbody>
        "<table>text<tbody></tbody></table>",  # text is moved out of the table
        "<li>a</li>",
        "<ul><li>a<li>b</li></ul>",
        "<b><i>a</b></i>",  # misnested: the adoption agency rebuilds it
        "<div/>x",  # the slash is ignored: the div stays open
        "</p>",
        "<!-- note -->",
        "<script>x</script>",
        "<pre>\nx</pre>",
        '<span class="a" class="b">x</span>',
        "<svg><p>x</p></svg>",
        "<svg><title><b>x</b></title></svg>",
        "<h3><h4>x</h4></h3>",
        "<a href='#a'><a href='#b'>x</a></a>",
        "<dt>x</dt>",
    ],
)
def test_markup_html5_would_rebuild_is_left_to_tinyhtml5(body):
    with pytest.raises(NotOurs):
        own_tree(DOC.format(body))


@pytest.mark.parametrize(
    "body",
    [
        "<p>a <strong>b</strong> &amp; c&nbsp;d</p>",
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect x="1"/><text>a</text></svg>',
        "<table><caption>c</caption><thead><tr><th>a</th></tr></thead>\n<tbody><tr><td>b</td></tr></tbody></table>",
        '<img src="data:image/svg+xml;base64,AAAA" alt="a &quot;b&quot;"><br>',
    ],
)
def test_well_formed_markup_gives_tinyhtml5s_tree(body):
    html = DOC.format(body)
    assert differences(own_tree(html), tinyhtml5_tree(html)) is None


@pytest.mark.parametrize("edition", ["full", "compact"])
def test_ids_sit_on_small_elements_so_cards_and_log_weeks_share_their_styles(example_program, library, edition):
    """WeasyPrint turns an id into a declaration of the element's own, so an element with an id
    and every element inside it get styles of their own: on a card or a log week that is ~4,000
    more style computations a handout (~0.2 s of a warm render when measured). Sections are
    one of a kind anyway; anything else with an id holds a few inline elements at most."""
    html = HtmlBuilder(edition=edition).render(example_program, library, preview=False)
    for element in own_tree(html).iter():
        if element.get("id") and element.tag not in ("section", "html"):
            inside = sum(1 for _ in element.iter()) - 1
            assert inside <= 4, f"<{element.tag} id={element.get('id')!r}> holds {inside} elements"


@pytest.mark.parametrize(("edition", "large_print"), [("full", False), ("compact", True)])
def test_the_lean_user_agent_stylesheet_lays_the_handout_out_as_weasyprints_own(
    example_program, library, monkeypatch, edition, large_print
):
    """The handout's PDF is byte-identical with WeasyPrint's full user-agent stylesheet and with
    the lean one (speed-up ``ua``: its universal pseudo-element rules narrowed)."""
    renderer = Renderer(edition=edition, large_print=large_print)
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "1")
    lean = renderer.pdf_bytes(example_program, library)
    monkeypatch.setenv("REHABPLAN_SPEEDUPS", "flate,tree")  # every speed-up but ua
    assert renderer.pdf_bytes(example_program, library) == lean


def test_log_amounts_stay_on_one_line_without_a_box_of_their_own(example_program, library):
    """'2 × 10 reps' never breaks across lines in the log: its spaces are no-break spaces (an
    inline nowrap span per amount cost ~0.1 s of layout a handout)."""
    from rehabplan.render.html import dose_short

    html = HtmlBuilder().render(example_program, library, preview=False)
    log = html[html.index('<section class="log"') :]
    log = log[: log.index("</section>")]
    assert 'class="nowrap"' not in log
    for rx in example_program.weeks[0].sessions[0].prescriptions:
        assert dose_short(rx).replace(" ", "\u00a0") in log
