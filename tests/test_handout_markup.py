"""The handout's markup as WeasyPrint parses it (tinyhtml5, its HTML parser): patient text stays
text, ids sit on small elements, log amounts stay on one line."""

from __future__ import annotations

import pytest
import tinyhtml5

from rehabplan.render.html import HtmlBuilder

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them


def parsed(html: str):
    return tinyhtml5.parse(html, namespace_html_elements=False)  # as weasyprint.HTML does


@pytest.mark.parametrize(
    "name",
    [
        'Ann <script>alert("x")</script> & Co',
        "O'Brien &amp; <b>bold</b> </p></div></body>",
        "Zoë \u00a0 Ŧest\t\u200b",
        "<!-- a comment --> <![CDATA[ x ]]> <?pi?>",
    ],
)
def test_patient_text_is_escaped_text_in_the_parsed_handout(example_program, library, name):
    patient = example_program.patient.model_copy(update={"name": name})
    program = example_program.model_copy(update={"patient": patient})
    tree = parsed(HtmlBuilder().render(program, library, preview=False))
    assert name in "".join(tree.itertext())  # the name is text, never markup
    assert not any(e.tag in ("script", "b") for e in tree.iter())


@pytest.mark.parametrize("edition", ["full", "compact"])
def test_ids_sit_on_small_elements_so_cards_and_log_weeks_share_their_styles(example_program, library, edition):
    """WeasyPrint turns an id into a declaration of the element's own, so an element with an id
    and every element inside it get styles of their own: on a card or a log week that is ~4,000
    more style computations a handout (~0.2 s of a warm render when measured). Sections are
    one of a kind anyway; anything else with an id holds a few inline elements at most."""
    html = HtmlBuilder(edition=edition).render(example_program, library, preview=False)
    for element in parsed(html).iter():
        if element.get("id") and element.tag not in ("section", "html"):
            inside = sum(1 for _ in element.iter()) - 1
            assert inside <= 4, f"<{element.tag} id={element.get('id')!r}> holds {inside} elements"


def test_log_amounts_stay_on_one_line_without_a_box_of_their_own(example_program, library):
    """'2 × 10 reps' never breaks across lines in the log: its spaces are no-break spaces (an
    inline nowrap span per amount cost ~0.1 s of layout a handout)."""
    from rehabplan.render.filters import dose_short

    html = HtmlBuilder().render(example_program, library, preview=False)
    log = html[html.index('<section class="log"') :]
    log = log[: log.index("</section>")]
    assert 'class="nowrap"' not in log
    for rx in example_program.weeks[0].sessions[0].prescriptions:
        assert dose_short(rx).replace(" ", "\u00a0") in log
