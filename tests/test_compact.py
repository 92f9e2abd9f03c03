"""The compact edition (--compact, edition: compact): the same content in far fewer pages,
still tagged PDF/UA, byte-reproducible and paginated by the same rules."""

from __future__ import annotations

import pytest

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

import test_pdf  # noqa: E402
from rehabplan.config import ClinicConfig  # noqa: E402
from rehabplan.render.html import HtmlBuilder  # noqa: E402
from rehabplan.render.pagination import breaches, page_facts  # noqa: E402
from rehabplan.render.pdf import Renderer, render_pdf  # noqa: E402
from test_pdf import CLINIC, _program_and_library  # noqa: E402


@pytest.fixture(scope="module")
def sample():
    return _program_and_library()


@pytest.fixture(scope="module")
def editions(sample, tmp_path_factory):
    """The sample handout, full and compact, A4: {edition: (result, reader)}."""
    program, library = sample
    out = tmp_path_factory.mktemp("compact")
    made = {}
    for edition in ("full", "compact"):
        result = render_pdf(program, library, out / f"{edition}.pdf", CLINIC, edition=edition)
        made[edition] = (result, pypdf.PdfReader(result.path))
    return made


def test_compact_edition_carries_the_same_content(editions, sample):
    """Every exercise, every week, the doses, the red flags and the disclaimer (test_pdf's check)."""
    test_pdf.test_every_exercise_week_dose_and_red_flag_is_in_the_pdf({"a4": editions["compact"]}, sample)
    test_pdf.test_page_header_has_patient_name_and_page_x_of_y({"a4": editions["compact"]}, sample)
    text = test_pdf.all_text(editions["compact"][1])
    program, library = sample
    for ex_id in {rx.exercise for w in program.weeks for s in w.sessions for rx in s.prescriptions}:
        ex = library[ex_id]
        assert ex.instructions[0][:50] in text, ex_id  # its steps
        assert f"How much to do: {ex.name} (week" in text  # its dose by week
    assert "Week 6 check-in" in text and "Your tracking log" in text and "How to use this plan" in text


def test_compact_edition_is_much_shorter(editions):
    """Six tenths of the paper at most (the issue aims at half; see README: Compact edition)."""
    full, compact = editions["full"][0].pages, editions["compact"][0].pages
    assert compact <= 0.6 * full, (compact, full)


def test_compact_edition_is_tagged_pdf_ua_and_reproducible(editions, sample, tmp_path):
    program, library = sample
    test_pdf.test_metadata_title_author_language_tags_and_dates({"a4": editions["compact"]}, sample)
    again = Renderer(CLINIC, edition="compact").write(program, library, tmp_path / "again.pdf")
    assert again.path.read_bytes() == editions["compact"][0].path.read_bytes()


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large-print"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_compact_edition_paginates_by_the_rules(sample, paper, large_print):
    program, library = sample
    document = Renderer(CLINIC, paper=paper, large_print=large_print, edition="compact").layout(program, library)
    found = breaches(page_facts(document))
    assert not found, "\n".join(str(b) for b in found)


def test_edition_comes_from_the_clinic_config_and_the_option_wins(sample):
    program, library = sample
    config = ClinicConfig(edition="compact")
    assert 'edition-compact' in HtmlBuilder(config).render(program, library)
    assert 'edition-full' in HtmlBuilder(config, edition="full").render(program, library)
    assert 'edition-full' in HtmlBuilder().render(program, library)


def test_unknown_edition_is_a_render_error():
    from rehabplan.errors import RenderError

    with pytest.raises(RenderError, match="unknown edition"):
        HtmlBuilder(edition="pocket")
