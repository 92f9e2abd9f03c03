"""The README's safety promises, under attack.

Each test names the promise it protects. Most run the real command line (in a subprocess where
the failure would be a crash or a hang, so that a regression fails the test instead of killing
the test run): no escape from the template sandbox, no local file leaked into a handout, no
crash, no hang, no traceback, nothing lost when a bulk run is killed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import cli_runner

import rehabplan
from rehabplan.errors import PatientError, RenderError
from rehabplan.resources import data_dir

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PATIENT = (EXAMPLES / "patient.yaml").read_text()
SECRET = "root:x:0:0"  # first line of /etc/passwd
run = cli_runner(250)


def cli(*args, timeout=60, cwd=None):
    """The CLI in a subprocess: a segfault or a hang fails the test instead of the test run."""
    exe = Path(sys.executable).with_name("rehabplan")
    proc = subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "250"},
    )
    assert proc.returncode >= 0, f"killed by signal {-proc.returncode}: {proc.stderr}"
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr
    return proc


def patient_file(tmp_path: Path, text: str = PATIENT, name: str = "patient.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def clinic(tmp_path: Path, **templates: str) -> Path:
    folder = tmp_path / "clinic-templates"
    folder.mkdir(exist_ok=True)
    for name, text in templates.items():
        (folder / name.replace("__", ".").replace("_", "-")).write_text(text)
    return folder


# --------------------------------------------------------------------------- the sandbox


ESCAPES = [
    # pathlib objects in the context used to reach the whole file system
    '{{ config.clinic.logo.parent.joinpath("../../../../etc/passwd").resolve().read_text() }}',
    '{{ config.library[0].joinpath("../../../../../etc/passwd").read_text() }}',
    '{{ config.clinic.logo.write_text("pwned") }}',
    # pydantic's own API on the models: parse_file reads a file
    '{{ program.parse_file("/etc/passwd") }}',
    "{{ patient.model_validate_json(patient.model_dump_json()).__class__ }}",
    "{{ program.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
]


@pytest.mark.slow
@pytest.mark.parametrize("attack", ESCAPES)
def test_clinic_templates_get_plain_data_and_cannot_reach_the_file_system(tmp_path, attack):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 32)
    (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name: Test Clinic\n  logo: logo.png\n")
    templates = clinic(tmp_path, handout__html__j2=f"<html><body>{attack}</body></html>")
    out = tmp_path / "h.html"
    result = run(
        "build",
        patient_file(tmp_path),
        "--format",
        "html",
        "-o",
        out,
        "--templates",
        templates,
        "--config",
        tmp_path / "rehabplan.yaml",
    )
    text = result.output + (out.read_text() if out.exists() else "")
    assert SECRET not in text and "uid=" not in text
    assert logo.read_bytes().startswith(b"\x89PNG")  # nothing was written over it
    if result.exit_code != 0:
        assert result.exit_code == 5 and "handout.html.j2" in result.output


def test_the_template_context_holds_no_paths(example_program, library, tmp_path):
    from pathlib import PurePath

    from rehabplan.render.html import HtmlBuilder
    from rehabplan.sources.config import ClinicConfig

    config = ClinicConfig(library=[tmp_path], templates=tmp_path)
    context = HtmlBuilder(config).context(example_program, library, preview=False)

    def walk(value):
        assert not isinstance(value, PurePath), value
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                walk(v)

    walk(context["config"])
    walk(context["clinic"])


# --------------------------------------------------------------------------- one allow-list


@pytest.fixture
def clinic_library(tmp_path) -> Path:
    folder = tmp_path / "exercises"
    folder.mkdir()
    (folder / "illustrations").mkdir()
    source = data_dir("exercises")
    # The hand-made drawing, not the one drawn from pose data: these tests are about the SVG file.
    text = (source / "glute-bridge.yaml").read_text()
    text = text[: text.index("figure:")] + text[text.index("\nillustration:") + 1 :]
    (folder / "glute-bridge.yaml").write_text(text)
    shutil.copy(source / "illustrations" / "glute-bridge.svg", folder / "illustrations" / "glute-bridge.svg")
    return folder


def _drawing(folder: Path) -> Path:
    return folder / "illustrations" / "glute-bridge.svg"


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["symlink-to-passwd", "symlink-outside-svg", "png-named-svg", "text-named-svg", "fifo"])
def test_validate_reports_a_drawing_that_is_outside_its_folder_or_not_svg(tmp_path, clinic_library, kind):
    art = _drawing(clinic_library)
    outside = tmp_path / "outside.svg"
    outside.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>OUTSIDE-SECRET</text></svg>')
    art.unlink()
    if kind == "symlink-to-passwd":
        art.symlink_to("/etc/passwd")
    elif kind == "symlink-outside-svg":
        art.symlink_to(outside)
    elif kind == "png-named-svg":
        art.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    elif kind == "text-named-svg":
        art.write_text("just some words\n")
    else:
        os.mkfifo(art)
    proc = cli("validate", clinic_library, timeout=30)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "glute-bridge.svg" in proc.stdout + proc.stderr
    assert "illustration.file" in proc.stdout + proc.stderr


def test_a_drawing_swapped_for_a_symlink_after_loading_never_reaches_the_html_or_pdf(tmp_path, clinic_library):
    from rehabplan.render.html import render_html

    library = rehabplan.load_library(clinic_library)
    patient = rehabplan.load_patient(patient_file(tmp_path))
    program = rehabplan.plan(library, rehabplan.load_protocols(library)[patient.protocol], patient)
    art = _drawing(clinic_library)
    art.unlink()
    art.symlink_to("/etc/passwd")
    with pytest.raises(RenderError) as info:
        render_html(program, library)
    assert "outside" in str(info.value)
    with pytest.raises(RenderError):
        rehabplan.render_pdf(program, library, tmp_path / "h.pdf")
    assert not (tmp_path / "h.pdf").exists()


@pytest.mark.slow
@pytest.mark.parametrize("logo", ["/etc/passwd", "../../x.png", "symlink", "fake-png", "fifo", "missing.png"])
def test_a_bad_logo_is_reported_by_validate_and_never_embedded(tmp_path, logo):
    home = tmp_path / "clinic"
    home.mkdir()
    outside = tmp_path / "x.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n" + b"OUTSIDE-SECRET")
    if logo == "symlink":
        (home / "logo.png").symlink_to("/etc/passwd")
        logo = "logo.png"
    elif logo == "fake-png":
        (home / "logo.png").write_text("root:x:0:0:not a picture\n")
        logo = "logo.png"
    elif logo == "fifo":
        os.mkfifo(home / "logo.png")
        logo = "logo.png"
    (home / "rehabplan.yaml").write_text(f"clinic:\n  name: Test Clinic\n  logo: {logo}\n")
    proc = cli("validate", "--config", home / "rehabplan.yaml", timeout=30)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "clinic.logo" in proc.stdout + proc.stderr
    out = tmp_path / "h.html"
    proc = cli("build", patient_file(tmp_path), "--format", "html", "-o", out, "--config", home / "rehabplan.yaml", timeout=30)
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert not out.exists()
    assert SECRET not in proc.stdout + proc.stderr and "OUTSIDE-SECRET" not in proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_good_logo_is_embedded(tmp_path):
    home = tmp_path / "clinic"
    home.mkdir()
    (home / "logo.svg").write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    (home / "rehabplan.yaml").write_text("clinic:\n  name: Test Clinic\n  logo: logo.svg\n")
    out = tmp_path / "h.html"
    assert cli("validate", "--config", home / "rehabplan.yaml").returncode == 0
    proc = cli("build", patient_file(tmp_path), "--format", "html", "-o", out, "--config", home / "rehabplan.yaml")
    assert proc.returncode == 0, proc.stderr
    assert "data:image/svg+xml;base64," in out.read_text()


@pytest.mark.parametrize("fmt", ["html", "pdf"])
@pytest.mark.parametrize("how", ["template", "include"])
def test_a_clinic_template_that_is_a_symlink_out_of_its_folder_is_refused(tmp_path, fmt, how):
    import pypdf

    templates = clinic(tmp_path)
    if how == "template":
        (templates / "cover.html.j2").symlink_to("/etc/passwd")
    else:
        (templates / "secret.txt").symlink_to("/etc/passwd")
        base = (data_dir("templates") / "cover.html.j2").read_text()
        (templates / "cover.html.j2").write_text(base + '{% include "secret.txt" %}')
    out = tmp_path / f"h.{fmt}"
    result = run("build", patient_file(tmp_path), "--format", fmt, "-o", out, "--templates", templates)
    assert result.exit_code == 5, result.output
    assert SECRET not in result.output
    if out.exists():  # never: but if it were, the secret must not be in it
        text = out.read_text() if fmt == "html" else "".join(p.extract_text() for p in pypdf.PdfReader(out).pages)
        assert SECRET not in text


def test_the_html_data_uris_and_the_pdf_fetcher_use_the_same_allow_list(tmp_path, clinic_library):
    """A link inside illustrations/ to another file in it is fine; a link out of it is not,
    whichever way the file is read."""
    from rehabplan.render.pdf import Fetcher
    from rehabplan.sources.safe_read import Refused, read_asset

    art = _drawing(clinic_library)
    inner = clinic_library / "illustrations" / "alias.svg"
    inner.symlink_to(art)
    outer = clinic_library / "illustrations" / "leak.svg"
    outer.symlink_to("/etc/passwd")
    roots = [clinic_library / "illustrations"]
    fetcher = Fetcher(roots, [])
    assert read_asset(inner, roots, ("svg",)).kind == "svg"
    assert fetcher.allows(inner.as_uri())
    with pytest.raises(Refused):
        read_asset(outer, roots, ("svg",))
    assert fetcher.allows(outer.as_uri()) is None


# --------------------------------------------------------------------------- template limits


LIMITS = {
    "loops forever": "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
    "allocates 200 MB": '{{ "x" * 200000000 }}',
    "doubles a string": '{% set ns = namespace(s="xxxxxxxxxx") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}',
    "doubles a plain variable": '{% set s = "xxxxxxxxxx" %}' + "{% set s = s ~ s ~ s ~ s %}" * 16 + "{{ s|length }}",
    "grows through a filter": '{% set s = "xxxxxxxxxx" %}' + '{% set s = s|replace("x", "xxxxxxxxxx") %}' * 9 + "{{ s|length }}",
    "pads to a billion": '{{ "x"|center(1000000000) }}',
    "recurses": "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}",
    "divides by zero": "{{ 1 / 0 }}",
    "raises a huge power": "{{ 10 ** 100000000 }}",
}


@pytest.mark.slow
@pytest.mark.parametrize("attack", list(LIMITS), ids=list(LIMITS))
def test_a_clinic_template_over_its_limits_is_a_clean_render_error_with_file_and_line(tmp_path, attack):
    templates = clinic(tmp_path, handout__html__j2="<html><body>\n<p>hello</p>\n" + LIMITS[attack] + "\n</body></html>")
    started = time.monotonic()
    proc = cli(
        "build", patient_file(tmp_path), "--format", "html", "-o", tmp_path / "h.html", "--templates", templates, timeout=60
    )
    assert proc.returncode == 5, proc.stdout + proc.stderr
    assert "handout.html.j2:3" in proc.stdout + proc.stderr
    assert time.monotonic() - started < 30
    assert not (tmp_path / "h.html").exists()


# --------------------------------------------------------------------------- crashes and hangs


def _deep(n: int) -> str:
    return "a: " + "[" * n + "]" * n + "\n"


@pytest.mark.slow
@pytest.mark.parametrize("nest", [lambda n: "[" * n + "]" * n, lambda n: "- " * n + "x"], ids=["flow", "block"])
@pytest.mark.parametrize("where", ["patient", "library", "roster", "log", "config"])
def test_deeply_nested_yaml_is_refused_before_the_parser_sees_it(tmp_path, where, nest):
    deep = ("id: X\nnotes:\n" if where in ("patient", "library") else "") + nest(30_000) + "\n"
    if where == "patient":
        proc = cli("build", patient_file(tmp_path, deep), "--format", "json", "-o", tmp_path / "p.json")
        code = 4
    elif where == "library":
        folder = tmp_path / "lib"
        folder.mkdir()
        (folder / "x.yaml").write_text(deep)
        proc = cli("validate", folder)
        code = 3
    elif where == "roster":
        (tmp_path / "r.yaml").write_text(deep)
        proc = cli("bulk", tmp_path / "r.yaml", "--out", tmp_path / "out", "--format", "json")
        code = 4
    elif where == "log":
        (tmp_path / "log.yaml").write_text(deep)
        proc = cli("adjust", EXAMPLES / "patient.yaml", tmp_path / "log.yaml", "-o", tmp_path / "a.json")
        code = 4
    else:
        (tmp_path / "rehabplan.yaml").write_text("clinic:\n  name:\n" + nest(30_000) + "\n")
        proc = cli("validate", "--config", tmp_path / "rehabplan.yaml")
        code = 3
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "nested too deeply" in proc.stdout + proc.stderr


@pytest.mark.slow
@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
@pytest.mark.parametrize("where", ["patient", "program", "roster", "log", "config"])
def test_a_fifo_or_a_device_as_input_is_refused_at_once(tmp_path, special, where):
    if special == "fifo":
        path = (
            tmp_path
            / {"patient": "p.yaml", "program": "plan.json", "roster": "r.csv", "log": "log.csv", "config": "rehabplan.yaml"}[
                where
            ]
        )
        os.mkfifo(path)
    else:
        path = Path(special)
    args = {
        "patient": ("build", path, "--format", "json", "-o", tmp_path / "p.json"),
        "roster": ("bulk", path, "--out", tmp_path / "out"),
        "program": ("adjust", path, EXAMPLES / "log-3-weeks.csv", "-o", tmp_path / "a.json"),
        "log": ("adjust", EXAMPLES / "patient.yaml", path, "-o", tmp_path / "a.json"),
        "config": ("validate", "--config", path),
    }[where]
    proc = cli(*args, timeout=30)
    assert proc.returncode in (3, 4), proc.stdout + proc.stderr
    assert "not a regular file" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_a_damaged_manifest_naming_a_device_is_ignored_not_read(tmp_path):
    from rehabplan.bulk.run import bulk_build

    path = _roster_yaml(tmp_path, [{"id": "A"}])
    out = tmp_path / "out"
    first = bulk_build(path, out, formats=("json",), jobs=1)
    manifest = json.loads((out / "manifest.json").read_text())
    for entry in manifest["entries"].values():
        entry["files"]["json"] = "/dev/zero"
    (out / "manifest.json").write_text(json.dumps(manifest))
    again = bulk_build(path, out, formats=("json",), jobs=1)
    assert first.built == 1 and again.built == 1


def test_a_file_that_grows_past_the_limit_while_read_is_stopped(tmp_path, monkeypatch):
    from rehabplan.sources.safe_read import Refused, read_regular

    path = tmp_path / "big.yaml"
    path.write_bytes(b"x" * 100)
    with pytest.raises(Refused) as info:
        read_regular(path, 50)
    assert "limit" in info.value.reason


# --------------------------------------------------------------------------- tracebacks


@pytest.mark.slow
@pytest.mark.parametrize(
    "line, field",
    [
        ("start_date: 2026-02-30", "start_date"),
        ("start_date: 2026-13-05", "start_date"),
        ("start_date: '2026-02-30'", "start_date"),
        ("start_date: 9999-12-01", "start_date"),
        ("minutes: " + "9" * 5000, "minutes"),
        ("name: !!binary aGVsbG8=", "name"),
    ],
)
def test_impossible_values_in_a_patient_file_name_file_line_and_field(tmp_path, line, field):
    key = line.split(":")[0]
    text = "\n".join(line if row.startswith(key + ":") else row for row in PATIENT.splitlines()) + "\n"
    path = patient_file(tmp_path, text)
    number = next(i for i, row in enumerate(text.splitlines(), 1) if row.startswith(key + ":"))
    proc = cli("build", path, "--format", "json", "-o", tmp_path / "p.json")
    assert proc.returncode == 4, proc.stdout + proc.stderr
    assert f"{path}:{number}" in proc.stderr.replace("\n", "") and field in proc.stderr
    with pytest.raises(PatientError) as info:  # the Python API says the same
        rehabplan.load_patient(path)
    problem = info.value.problems[0]
    assert (problem.line, problem.field) == (number, field)


def test_a_start_date_option_in_year_9999_is_an_error_not_a_traceback(tmp_path):
    proc = cli("build", patient_file(tmp_path), "--format", "json", "-o", tmp_path / "p.json", "--start-date", "9999-12-31")
    assert proc.returncode == 4, proc.stderr
    assert "start_date" in proc.stderr or "--start-date" in proc.stderr


@pytest.mark.parametrize(
    "edit, field",
    [
        (("rest_s: {", "rest_s: {min: 30, default: 60, max: 10000000}"), "rest_s"),
        (("reps: {", "reps: {min: 8, default: 10, max: 1e300}"), "reps"),
        (("sets: {", "sets: {min: 1, default: 2, max: .inf}"), "sets"),
        (("sets: {", "sets: {min: 1, default: .inf, max: .inf}"), "sets"),
    ],
)
def test_absurd_or_infinite_dose_bounds_are_refused_naming_the_field(clinic_library, edit, field):
    path = clinic_library / "glute-bridge.yaml"
    lines = path.read_text().splitlines()
    start, replacement = edit
    i = next(i for i, row in enumerate(lines) if row.strip().startswith(start))
    lines[i] = lines[i][: len(lines[i]) - len(lines[i].lstrip())] + replacement
    path.write_text("\n".join(lines) + "\n")
    proc = cli("validate", clinic_library)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert f"glute-bridge.yaml:{i + 1}" in proc.stdout + proc.stderr
    assert f"dosage.{field}" in proc.stdout + proc.stderr


# --------------------------------------------------------------------------- bulk: a row costs a row


BAD_ROWS = [
    {"id": "BAD-DATE", "start_date": "2026-02-30"},
    {"id": "BAD-YEAR", "start_date": "9999-12-01"},
    {"id": "BAD-DIGITS", "minutes": "9" * 5000},
    {"id": "BAD-MONTH", "start_date": "2026-13-05"},
]


def _roster_yaml(tmp_path: Path, rows: list[dict]) -> Path:
    base = {"name": "P", "protocol": "deep-gluteal-syndrome", "start_date": "2026-01-05", "side": "left"}
    lines = []
    for row in rows:
        item = {**base, **row}
        lines.append("- " + "\n  ".join(f"{k}: {v}" for k, v in item.items()))
    path = tmp_path / "roster.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.slow
def test_every_bad_bulk_row_costs_that_row_only(tmp_path):
    path = _roster_yaml(tmp_path, [{"id": "GOOD-1"}, *BAD_ROWS, {"id": "GOOD-2"}])
    proc = cli("bulk", path, "--out", tmp_path / "out", "--format", "json", "--json", timeout=120)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    status = {row["patient_id"] or row["row"]: row["status"] for row in report["rows"]}
    assert report["built"] == 2 and report["failed"] == len(BAD_ROWS), status


@pytest.mark.slow
def test_an_unexpected_error_planning_one_row_costs_that_row_only(tmp_path, monkeypatch):
    import rehabplan.bulk.run as bulk

    real = bulk.plan

    def flaky(library, protocol, patient):
        if patient.id == "BOOM":
            raise ZeroDivisionError("a bug")
        return real(library, protocol, patient)

    monkeypatch.setattr(bulk, "plan", flaky)
    report = bulk.bulk_build(
        _roster_yaml(tmp_path, [{"id": "A"}, {"id": "BOOM"}, {"id": "C"}]), tmp_path / "out", formats=("json",), jobs=1
    )
    assert [o.status for o in report.outcomes] == ["built", "failed", "built"]
    assert "ZeroDivisionError" in report.outcomes[1].reason


@pytest.mark.slow
def test_jobs_are_capped_at_the_cpu_count_and_the_rows(tmp_path):
    from rehabplan.bulk.run import bulk_build

    report = bulk_build(_roster_yaml(tmp_path, [{"id": "A"}, {"id": "B"}]), tmp_path / "out", formats=("json",), jobs=1000)
    assert report.jobs <= min(os.cpu_count() or 1, 2)


@pytest.mark.slow
def test_bulk_works_with_the_spawn_start_method(tmp_path):
    from rehabplan.bulk.run import bulk_build

    report = bulk_build(
        _roster_yaml(tmp_path, [{"id": "A"}, {"id": "B"}]),
        tmp_path / "out",
        formats=("json", "html"),
        jobs=2,
        start_method="spawn",
    )
    assert [o.status for o in report.outcomes] == ["built", "built"]
    assert json.loads((tmp_path / "out" / report.outcomes[0].files["json"]).read_text())["patient"]["id"] == "A"


@pytest.mark.slow
def test_duplicate_csv_columns_are_refused(tmp_path):
    (tmp_path / "r.csv").write_text("id,name,name,protocol,start_date,side\nA,One,Two,deep-gluteal-syndrome,2026-01-05,left\n")
    proc = cli("bulk", tmp_path / "r.csv", "--out", tmp_path / "out", "--format", "json")
    assert proc.returncode == 4 and "name" in proc.stderr and "more than once" in proc.stderr, proc.stderr
    (tmp_path / "log.csv").write_text("week,exercise,done,done,note\n1,glute-bridge,yes,no,\n")
    proc = cli("adjust", EXAMPLES / "patient.yaml", tmp_path / "log.csv", "-o", tmp_path / "a.json")
    assert proc.returncode == 4 and "done" in proc.stderr and "more than once" in proc.stderr, proc.stderr


@pytest.mark.slow
def test_a_huge_bad_roster_is_summarised_and_every_row_is_in_json(tmp_path):
    rows = "\n".join(f"X{i},P,no-such-protocol,2026-01-05,left" for i in range(400))
    (tmp_path / "r.csv").write_text("id,name,protocol,start_date,side\n" + rows + "\n")
    result = run("bulk", tmp_path / "r.csv", "--out", tmp_path / "out", "--format", "json")
    assert result.exit_code == 1
    assert result.output.count("failed") < 60
    assert "--json" in result.output and "not shown" in result.output
    result = run("bulk", tmp_path / "r.csv", "--out", tmp_path / "out", "--format", "json", "--json")
    assert len(json.loads(result.stdout)["rows"]) == 400


def test_bulk_shows_an_eta_from_the_first_rendered_handout():
    from rehabplan.cli.bulk import _eta

    assert _eta(5.0, 0, 10) == ""  # nothing rendered yet: no guess
    assert _eta(10.0, 2, 10) == "ETA 50 s"
    assert _eta(60.0, 1, 100) == "ETA 1 h 40 min"
    assert _eta(10.0, 5, 0) == ""


@pytest.mark.slow
def test_bulk_says_where_the_files_went(tmp_path):
    result = run("bulk", _roster_yaml(tmp_path, [{"id": "A"}]), "--out", tmp_path / "out", "--format", "json")
    assert result.exit_code == 0
    assert str(tmp_path / "out") in result.output.replace("\n", "") and "manifest.json" in result.output


# --------------------------------------------------------------------------- nothing lost


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc to find the workers")
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_killed_bulk_run_keeps_what_it_built_and_leaves_no_workers(tmp_path, sig):
    path = _roster_yaml(tmp_path, [{"id": f"K{i}"} for i in range(5)])
    out = tmp_path / "out"
    private_tmp = tmp_path / "tmp"  # the run's own temporary folder: nothing may be left in it
    private_tmp.mkdir()
    exe = Path(sys.executable).with_name("rehabplan")
    proc = subprocess.Popen(
        [str(exe), "bulk", str(path), "--out", str(out), "--jobs", "2", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "TMPDIR": str(private_tmp)},
    )
    try:
        deadline = time.monotonic() + 120
        entries = {}
        while time.monotonic() < deadline and not entries:
            time.sleep(0.2)
            try:
                entries = json.loads((out / "manifest.json").read_text())["entries"]
            except (OSError, ValueError):
                pass
        assert entries, "no handout was recorded in the manifest while the run went on"
        workers = _children(proc.pid)
        assert workers
        proc.send_signal(sig)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.2)
        assert not any(_alive(w) for w in workers), "workers outlived their parent"
    finally:
        if proc.poll() is None:
            proc.kill()
    assert list(private_tmp.iterdir()) == []
    done = json.loads((out / "manifest.json").read_text())["entries"]
    from rehabplan.bulk.run import bulk_build

    again = bulk_build(path, out, jobs=2)
    assert again.skipped >= len(done) and again.built + again.skipped == 5


@pytest.mark.skipif(not Path("/dev/null").exists(), reason="needs /dev/null")
def test_writing_to_dev_null_with_force_never_replaces_the_device(tmp_path):
    proc = cli("build", patient_file(tmp_path), "--format", "json", "-o", "/dev/null", "--force")
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_writing_to_a_fifo_is_refused_and_the_fifo_kept(tmp_path):
    fifo = tmp_path / "out.json"
    os.mkfifo(fifo)
    proc = cli("build", patient_file(tmp_path), "--format", "json", "-o", fifo, "--force", timeout=30)
    assert proc.returncode == 5, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


# --------------------------------------------------------------------------- adjust


def _log(tmp_path: Path, rows: list[str]) -> Path:
    path = tmp_path / "log.csv"
    path.write_text("week,session,exercise,done,pain_during,pain_next_morning,spread,note\n" + "\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize("bad", ["1,1,glute-bridge,yes,12,2,no", "1,1,glute-brigde,yes,2,2,no"], ids=["pain 12", "mistyped id"])
def test_a_red_flag_note_on_an_invalid_row_still_raises_the_urgent_flag(tmp_path, bad):
    good = "1,1,glute-bridge,yes,2,2,no,"
    log = _log(tmp_path, [good, bad + ",I cannot pee and my saddle is numb"])
    result = run("adjust", EXAMPLES / "patient.yaml", log, "-o", tmp_path / "a.json")
    assert result.exit_code == 1, result.output
    assert "URGENT" in result.output and "3" in result.output.split("URGENT", 1)[1].splitlines()[0]
    flags = json.loads((tmp_path / "a.json").read_text())["flags"]
    assert any(f["level"] == "urgent" and 3 in f["rows"] for f in flags)


def test_a_red_flag_note_in_a_log_with_no_usable_row_still_exits_urgent(tmp_path):
    log = _log(tmp_path, ["1,1,nope,yes,2,2,no,bladder problems since yesterday"])
    result = run("adjust", EXAMPLES / "patient.yaml", log, "-o", tmp_path / "a.json")
    assert result.exit_code == 1
    assert "URGENT" in result.output


def test_an_impossible_date_in_a_yaml_log_costs_its_row_only(tmp_path):
    log = tmp_path / "log.yaml"
    log.write_text(
        "- {week: 1, session: 1, exercise: glute-bridge, done: yes, pain_during: 2}\n"
        "- {date: 2026-02-30, exercise: glute-bridge, done: yes, note: numb saddle}\n"
    )
    result = run("adjust", EXAMPLES / "patient.yaml", log, "-o", tmp_path / "a.json")
    assert "date" in result.output and "not a real date" in result.output
    assert "URGENT" in result.output and result.exit_code == 1


@pytest.mark.parametrize("week, code", [("-1", 2), ("0", 2), ("99", 4)])
def test_from_week_must_be_a_week_of_the_program(tmp_path, week, code):
    log = _log(tmp_path, ["1,1,glute-bridge,yes,2,2,no,"])
    result = run("adjust", EXAMPLES / "patient.yaml", log, "-o", tmp_path / "a.json", "--from-week", week)
    assert result.exit_code == code, result.output
    assert "from-week" in result.output.replace("_", "-")
    assert not (tmp_path / "a.json").exists()


def test_a_huge_bad_log_is_summarised(tmp_path):
    log = _log(tmp_path, ["1,1,glute-bridge,yes,2,2,no,"] + ["1,1,nope,yes,2,2,no,"] * 500)
    result = run("adjust", EXAMPLES / "patient.yaml", log, "-o", tmp_path / "a.json")
    assert result.output.count("skipped log row") <= 30
    assert "500 rows skipped" in result.output
