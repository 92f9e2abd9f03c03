"""Bulk's input hash covers only the files a handout uses, each within the render's size limit."""

from __future__ import annotations

import os
import time

from rehabplan.bulk.assets import assets_digest
from rehabplan.resources import data_dir
from rehabplan.sources.library import load_library


def test_only_the_logo_itself_is_read_not_its_folder(tmp_path, library):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    before = assets_digest([data_dir("templates")], library, logo)
    with open(tmp_path / "huge.bin", "wb") as fh:
        fh.truncate(3 << 30)  # a 3 GB (sparse) file beside the logo
    os.mkfifo(tmp_path / "pipe")  # would hang a reader
    (tmp_path / "secret.txt").write_text("private")
    (tmp_path / "secret.txt").chmod(0)
    started = time.perf_counter()
    assert assets_digest([data_dir("templates")], library, logo) == before
    assert time.perf_counter() - started < 5
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="12" height="10"/>')
    assert assets_digest([data_dir("templates")], library, logo) != before


def test_template_folder_oddities_cost_nothing_and_the_output_folder_is_left_out(tmp_path, library):
    templates = tmp_path / "clinic"
    templates.mkdir()
    (templates / "handout.css").write_text("body { color: black }")
    out = templates / "out"
    out.mkdir()
    (templates / ".git").mkdir()
    os.mkfifo(templates / ".git" / "pipe")
    os.mkfifo(templates / "pipe")
    (templates / "gone.css").symlink_to(tmp_path / "missing")
    with open(templates / "big.bin", "wb") as fh:
        fh.truncate(1 << 30)
    first = assets_digest([templates], library, None, out)
    (out / "manifest.json").write_text("{}")  # what a bulk run writes into its --out
    (out / "handout-1.pdf").write_bytes(b"%PDF-1.7")
    assert assets_digest([templates], library, None, out) == first
    (templates / "handout.css").write_text("body { color: navy }")
    assert assets_digest([templates], library, None, out) != first


def test_a_changed_drawing_changes_the_hash_an_unused_file_does_not(library_copy):
    lib = load_library(library_copy, builtin=False)
    drawn = [i for i in sorted(lib.exercises) if lib.illustration_path(i)]
    first = assets_digest([], lib, None)
    (library_copy / "notes.txt").write_text("not used by any handout")
    assert assets_digest([], lib, None) == first
    if drawn:
        art = lib.illustration_path(drawn[0])
        art.write_text(art.read_text().replace("</svg>", "<!-- changed --></svg>"))
        assert assets_digest([], lib, None) != first
