"""The handout PDF, read back with pypdf: content, metadata, paper, large print, safety, output.

Each PDF is rendered once per module (fixtures below) and shared by the tests that read it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter

import pypdf
import pytest
from conftest_render import build_program, fixture_library, planned_program

from rehabplan.errors import OutputExistsError, RenderError
from rehabplan.render.html import builtin_templates
from rehabplan.render.pdf import Fetcher, Renderer, RenderResult, render_pdf
from rehabplan.sources.config import ClinicConfig

CLINIC = ClinicConfig(
    clinic={"name": "Riverside Physio", "phone": "01632 960 123", "address": "12 River Road\nTownsville"},
    clinician="Sam Physio",
)
HOSTILE = '<img src="file:///etc/passwd"><link rel=attachment href="file:///etc/passwd">'
A4 = (595.28, 841.89)
LETTER = (612.0, 792.0)
# Whole handouts rendered and read back: seconds each (the module's fixtures share them).
pytestmark = pytest.mark.slow


def _program_and_library():
    return planned_program()


@pytest.fixture(scope="module")
def sample():
    return _program_and_library()


@pytest.fixture(scope="module")
def built(sample, tmp_path_factory):
    """The sample handout on A4, on Letter and in large print: (result, reader) by name."""
    program, library = sample
    out = tmp_path_factory.mktemp("pdf")
    made = {}
    for name, kwargs in {"a4": {}, "letter": {"paper": "letter"}, "large": {"large_print": True}}.items():
        result = render_pdf(program, library, out / f"{name}.pdf", CLINIC, **kwargs)
        made[name] = (result, pypdf.PdfReader(result.path))
    return made


def page_texts(reader) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages]


def all_text(reader) -> str:
    # As a reader reads it: a no-break space (words kept on one line) is a space.
    return " ".join(page_texts(reader)).replace("\u00a0", " ")


def body_font_size(reader, page_index: int) -> float:
    """The font size (pt) that most characters on the page are set in."""
    sizes: Counter = Counter()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes[round(abs(size * (tm[3] or 1) * (cm[3] or 1)), 1)] += len(text.strip())

    reader.pages[page_index].extract_text(visitor_text=visit)
    return sizes.most_common(1)[0][0]


# --------------------------------------------------------------------------- content


def test_every_exercise_week_dose_and_red_flag_is_in_the_pdf(built, sample):
    program, _ = sample
    result, reader = built["a4"]
    text = all_text(reader)
    assert program.patient.name in text
    names = {rx.name for w in program.weeks for rx in [*(r for s in w.sessions for r in s.prescriptions), *w.every_day]}
    for name in names:
        assert name in text, name
    for week in program.weeks:
        assert f"Week {week.number} " in text, week.number
    # Dose numbers: the first week's doses appear as written on the log page.
    first = program.weeks[0]
    for rx in first.sessions[0].prescriptions:
        if rx.reps:
            assert f"{rx.sets} × {rx.reps[0]}" in text or f"{rx.reps[0]} rep" in text
    # The speed of a rep is printed in words where it is part of the dose, never as a code.
    from rehabplan.render.words import tempo_matters, tempo_words

    rx = first.sessions[0].prescriptions[0]
    if tempo_matters(rx.category, rx.tempo):
        assert " ".join(tempo_words(rx.tempo).split()[:3]) in " ".join(text.split())
        assert rx.tempo not in text
    for flag in ("Warning signs: get help now", "Sciatica in both legs", "genitals", "pee", "poo", "Call 999"):
        assert flag in text, flag
    assert "This handout supports, but does not replace, your clinician's advice." in text


def test_page_header_has_patient_name_and_page_x_of_y(built, sample):
    program, _ = sample
    result, reader = built["a4"]
    pages = page_texts(reader)
    for number, text in enumerate(pages[1:], start=2):
        assert f"Page {number} of {len(pages)}" in text
        assert program.patient.name in text
    assert result.pages == len(pages)


def test_page_counts_are_sane(built):
    a4, letter, large = (built[k][0].pages for k in ("a4", "letter", "large"))
    assert 12 <= a4 <= 40 and 12 <= letter <= 40
    assert large > a4  # 18 pt needs more paper


def test_red_flags_come_straight_after_the_cover(built):
    """The warning signs are the first thing after the cover's facts (page 1 or 2), before any
    exercise: a patient sees them first, and they are never left alone on a last page."""
    _, reader = built["a4"]
    pages = page_texts(reader)
    assert any("Warning signs: get help now" in page for page in pages[:2])
    assert any("See a doctor or your clinician soon" in page for page in pages[:3])
    first_exercise = next(i for i, page in enumerate(pages) if "How much to do:" in page)
    assert first_exercise > 2


def test_exercise_cards_keep_heading_steps_and_dose_together(built, sample):
    """Each card's dose heading is in the PDF once, on its card's first page or the next one
    (cards flow; tests/test_pagination.py checks the page rules on the layout itself)."""
    program, library = sample
    for paper in ("a4", "letter"):
        pages = page_texts(built[paper][1])
        ids = {rx.exercise for w in program.weeks for rx in [*(r for s in w.sessions for r in s.prescriptions), *w.every_day]}
        for ex_id in ids:
            ex = library[ex_id]
            dose = [i for i, text in enumerate(pages) if f"How much to do: {ex.name} (week" in text]
            start = [i for i, text in enumerate(pages) if ex.starting_position[:60] in text]
            assert len(dose) == 1 and any(dose[0] - 1 <= i <= dose[0] for i in start), (paper, ex_id)


@pytest.mark.parametrize("example", ["lumbar-radicular-sciatica.yaml", "upper-hamstring-glute-sciatica.yaml"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_every_protocols_handout_paginates_by_the_rules(example, paper):
    """The other protocols' handouts, on both papers: tests/support/pagination.py's rules hold."""
    from support.pagination import breaches, page_facts

    from rehabplan.planning.planner import plan
    from rehabplan.resources import data_dir
    from rehabplan.sources.library import load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

    path = data_dir("examples") / example
    library = load_library()
    patient = load_patient(path)
    program = plan(library, load_protocols(library)[patient.protocol], patient)
    found = breaches(page_facts(Renderer(CLINIC, paper=paper).layout(program, library)))
    assert not found, "\n".join(str(b) for b in found)


# --------------------------------------------------------------------------- print format


def test_a4_and_letter_page_sizes(built):
    for name, (width, height) in (("a4", A4), ("letter", LETTER)):
        box = built[name][1].pages[0].mediabox
        assert abs(float(box.width) - width) < 0.5 and abs(float(box.height) - height) < 0.5


def test_body_text_is_14pt_and_large_print_18pt(built):
    _, standard = built["a4"]
    _, large = built["large"]
    education = next(i for i, t in enumerate(page_texts(standard)) if "Pain does not mean damage" in t)
    large_education = next(i for i, t in enumerate(page_texts(large)) if "Pain does not mean damage" in t)
    assert body_font_size(standard, education) == 14.0
    assert body_font_size(large, large_education) >= 18.0


# --------------------------------------------------------------------------- metadata


def test_metadata_title_author_language_tags_and_dates(built, sample):
    program, _ = sample
    _, reader = built["a4"]
    meta = reader.metadata
    assert meta.title == f"Home exercise plan for {program.patient.name}"
    assert meta.author == "Riverside Physio"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    assert "pdfuaid" in reader.xmp_metadata.stream.get_data().decode()  # PDF/UA-1 declared
    start = program.start.strftime("%Y%m%d")
    assert meta["/CreationDate"].startswith(f"D:{start}") and meta["/ModDate"].startswith(f"D:{start}")
    assert not reader.attachments


def test_two_builds_are_byte_identical(built, sample, tmp_path):
    program, library = sample
    first, _ = built["a4"]
    again = Renderer(CLINIC).write(program, library, tmp_path / "again.pdf")
    assert again.sha256 == first.sha256
    assert (tmp_path / "again.pdf").read_bytes() == first.path.read_bytes()
    assert hashlib.sha256(first.path.read_bytes()).hexdigest() == first.sha256
    assert first.bytes == first.path.stat().st_size


def test_source_date_epoch_pins_the_dates(monkeypatch, tmp_path):
    library = fixture_library()
    program = build_program(library, weeks=4)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    reader = pypdf.PdfReader(render_pdf(program, library, tmp_path / "h.pdf").path)
    assert reader.metadata["/CreationDate"].startswith("D:20231114221320")


# --------------------------------------------------------------------------- safety


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A hostile patient name rendered with a hostile clinic cover template."""
    library = fixture_library()
    program = build_program(library, weeks=4, name=HOSTILE, notes=HOSTILE)
    out = tmp_path_factory.mktemp("hostile")
    clinic = out / "clinic-templates"
    clinic.mkdir()
    (clinic / "cover.html.j2").write_text(
        '<section class="cover" id="cover"><h1>Clinic cover</h1>'
        '<p class="patient-name">{{ patient.name }}</p>'
        '<img src="file:///etc/passwd" alt="x">'
        '<link rel="attachment" href="file:///etc/passwd">'
        '<img src="../../../../../../etc/passwd" alt="y">'
        '<img src="https://example.com/pixel.png" alt="z"></section>'
    )
    plain = Renderer(CLINIC).write(program, library, out / "plain.pdf")
    custom = Renderer(CLINIC, templates=clinic).write(program, library, out / "custom.pdf")
    return plain, custom


def test_hostile_patient_fields_print_as_text(hostile):
    plain, _ = hostile
    reader = pypdf.PdfReader(plain.path)
    text = all_text(reader)
    assert 'src="file:///etc/passwd">' in text.replace(" ", "")[:2000] or "file:///etc/passwd" in text
    assert plain.refused == ()  # nothing was even asked for: the name is text
    assert not reader.attachments
    assert b"root:x:0:0" not in plain.path.read_bytes()


def test_clinic_template_cannot_fetch_or_attach_files(hostile):
    _, custom = hostile
    reader = pypdf.PdfReader(custom.path)
    assert "Clinic cover" in all_text(reader)
    assert "file:///etc/passwd" in custom.refused
    assert any(url.startswith("https://") for url in custom.refused)
    assert not reader.attachments
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))
    data = custom.path.read_bytes()
    assert b"root:x:0:0" not in data and b"/EmbeddedFile" not in data


def test_fetcher_serves_only_handout_files(tmp_path):
    library = fixture_library()
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")  # a logo must be what its name says (PNG signature)
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    escape = library.folders[0] / "illustrations" / "escape.svg"
    fetcher = Fetcher([builtin_templates(), library.folders[0] / "illustrations"], [logo])
    try:
        escape.symlink_to(outside)
        font = next((builtin_templates() / "fonts").glob("*.woff"))
        assert fetcher.allows(font.as_uri())
        assert fetcher.allows(library.illustration_path("glute-bridge").as_uri())
        assert fetcher.allows(logo.as_uri())
        for url in (
            "file:///etc/passwd",
            outside.as_uri(),
            escape.as_uri(),
            (builtin_templates() / "fonts").as_uri(),
            "https://example.com/x.png",
            "http://localhost/",
            "ftp://example.com/x",
            (builtin_templates() / ".." / ".." / "pyproject.toml").as_uri(),
        ):
            assert fetcher.allows(url) is None, url
    finally:
        escape.unlink(missing_ok=True)


def test_clinic_stylesheet_overrides_and_still_gets_the_built_in_fonts(small, tmp_path):
    program, library = small
    clinic = tmp_path / "clinic"
    clinic.mkdir()
    css = (builtin_templates() / "handout.css").read_text()
    (clinic / "handout.css").write_text(css.replace("color: #0b3d52;", "color: #5a1a6b;"))
    result = Renderer(CLINIC, templates=clinic).write(program, library, tmp_path / "h.pdf")
    assert result.refused == ()
    fonts = set()
    for page in pypdf.PdfReader(result.path).pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Atkinson" in name for name in fonts), fonts


# --------------------------------------------------------------------------- output


@pytest.fixture(scope="module")
def small():
    library = fixture_library()
    return build_program(library, weeks=4, sessions_per_week=2), library


def test_render_pdf_removes_weasyprints_font_folder_itself(small, tmp_path, monkeypatch):
    """Not left to WeasyPrint's finalizer, which a frozen heap at exit never runs."""
    import tempfile

    program, library = small
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    render_pdf(program, library, tmp_path / "h.pdf", CLINIC)
    assert [p.name for p in tmp_path.iterdir()] == ["h.pdf"]


def test_existing_output_is_kept_without_force(small, tmp_path):
    program, library = small
    target = tmp_path / "handout.pdf"
    target.write_bytes(b"the clinician's own file")
    with pytest.raises(OutputExistsError):
        render_pdf(program, library, target)
    assert target.read_bytes() == b"the clinician's own file"
    result = render_pdf(program, library, target, force=True)
    assert isinstance(result, RenderResult) and target.read_bytes()[:5] == b"%PDF-"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["handout.pdf"]


def test_failure_leaves_no_file_behind(small, tmp_path, monkeypatch):
    program, library = small
    target = tmp_path / "handout.pdf"

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(RenderError, match="No space left"):
        render_pdf(program, library, target)
    assert list(tmp_path.iterdir()) == []


def test_layout_failure_is_a_render_error_and_writes_nothing(small, tmp_path, monkeypatch):
    program, library = small
    renderer = Renderer()

    def explode(*args, **kwargs):
        raise RenderError("the PDF could not be laid out: boom")

    monkeypatch.setattr(renderer, "pdf", explode)
    with pytest.raises(RenderError):
        renderer.write(program, library, tmp_path / "h.pdf")
    assert list(tmp_path.iterdir()) == []


def test_pdf_bytes_and_write_agree(small, tmp_path):
    program, library = small
    renderer = Renderer(CLINIC, paper="letter")
    data = renderer.pdf_bytes(program, library)
    result = renderer.write(program, library, tmp_path / "h.pdf")
    assert data == result.path.read_bytes() and result.pages >= 10
