"""One HandoutStyle: an option given wins over the clinic config, which wins over the defaults;
the same style is what bulk's input hash sees, so the same look is never built twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rehabplan.bulk.run import bulk_build
from rehabplan.cli.commands import app
from rehabplan.errors import RenderError
from rehabplan.render.html import HtmlBuilder
from rehabplan.render.style import HandoutStyle, style_of
from rehabplan.sources.config import ClinicConfig

pytestmark = pytest.mark.slow  # whole-handout renders or long runs: make test-fast skips them

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_without_options_or_config_a_handout_is_a4_normal_print_full():
    assert HandoutStyle.of() == HandoutStyle("a4", False, "full", None)


def test_the_clinic_config_sets_the_look_and_an_option_given_wins():
    config = ClinicConfig(paper="letter", large_print=True, edition="compact")
    assert HandoutStyle.of(config) == HandoutStyle("letter", True, "compact", None)
    assert HandoutStyle.of(config, paper="A4", large_print=False, edition="full") == HandoutStyle("a4", False, "full", None)


def test_the_template_folder_comes_from_the_option_then_the_config(tmp_path):
    clinic, other = tmp_path / "clinic", tmp_path / "other"
    clinic.mkdir()
    other.mkdir()
    config = ClinicConfig(templates=clinic)
    assert HandoutStyle.of(config).templates == clinic.resolve()
    assert HandoutStyle.of(config, templates=other).templates == other.resolve()


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"paper": "a5"}, "unknown paper size 'a5'"),
        ({"edition": "pocket"}, "unknown edition 'pocket'"),
        ({"templates": "no-such-folder"}, "does not exist"),
    ],
)
def test_an_impossible_look_is_a_render_error_before_any_work(options, message):
    with pytest.raises(RenderError, match=message):
        HandoutStyle.of(**options)


def test_a_style_made_by_hand_is_checked_too():
    with pytest.raises(RenderError, match="unknown paper size"):
        HandoutStyle(paper="a5")


def test_a_style_and_the_separate_options_together_are_refused():
    with pytest.raises(TypeError, match="not both"):
        style_of(None, HandoutStyle(), paper="letter")


def test_the_renderer_takes_a_style_or_the_options_alike():
    style = HandoutStyle(paper="letter", large_print=True, edition="compact")
    by_style = HtmlBuilder(None, style)
    by_options = HtmlBuilder(None, paper="letter", large_print=True, edition="compact")
    assert by_style.style == by_options.style == style
    assert (by_style.paper, by_style.large_print, by_style.edition) == ("letter", True, "compact")


def test_styles_that_render_alike_share_one_cache_key():
    config = ClinicConfig(paper="letter")
    assert HandoutStyle.of(config).cache_key() == HandoutStyle.of(paper="letter").cache_key()
    assert HandoutStyle.of(config).cache_key() != HandoutStyle.of(config, large_print=True).cache_key()


def _entries(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text())["entries"]


def test_bulk_skips_a_handout_when_only_the_way_the_look_was_given_changed(tmp_path):
    """--paper a4 when the config already says A4 is the same handout: not built again."""
    out = tmp_path / "out"
    first = bulk_build(EXAMPLES / "roster.csv", out, formats=("json",), jobs=1)
    assert first.failed == 0 and first.built >= 1
    again = bulk_build(EXAMPLES / "roster.csv", out, formats=("json",), jobs=1, paper="a4", edition="full")
    assert again.built == 0 and again.skipped == first.built
    letter = bulk_build(EXAMPLES / "roster.csv", out, formats=("json",), jobs=1, style=HandoutStyle(paper="letter"))
    assert letter.built == first.built


def test_a_manifest_from_an_older_hash_rebuilds_once_and_is_rewritten(tmp_path):
    """A manifest written with another input-hash format never matches: its handouts are built
    again (never wrongly skipped) and the manifest then carries the new hashes."""
    out = tmp_path / "out"
    bulk_build(EXAMPLES / "roster.csv", out, formats=("json",), jobs=1)
    manifest = json.loads((out / "manifest.json").read_text())
    new_hashes = {k: e["input_hash"] for k, e in manifest["entries"].items()}
    for entry in manifest["entries"].values():
        entry["input_hash"] = "0" * 64  # what an older rehabplan wrote for the same inputs
    (out / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = bulk_build(EXAMPLES / "roster.csv", out, formats=("json",), jobs=1)
    assert rebuilt.built == len(new_hashes) and rebuilt.skipped == 0
    assert {k: e["input_hash"] for k, e in _entries(out).items()} == new_hashes


def test_bulk_with_a_missing_template_folder_stops_before_any_work(tmp_path):
    result = CliRunner().invoke(
        app, ["bulk", str(EXAMPLES / "roster.csv"), "--out", str(tmp_path / "out"), "-f", "json", "--templates", "nope"]
    )
    assert result.exit_code == 5, result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "template folder" in words and "does not exist" in words
    assert not (tmp_path / "out").exists()
