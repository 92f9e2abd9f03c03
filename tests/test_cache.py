"""The user cache of the parsed library (rehabplan/cache.py): plain data, never code, never a
different output, and ignored whenever it is not exactly what this version wrote."""

from __future__ import annotations

import json
import os
import shutil
import stat

import pytest

import rehabplan
from rehabplan.resources import data_dir
from rehabplan.sources import cache
from rehabplan.sources.library import load_library


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", str(folder))
    monkeypatch.delenv("REHABPLAN_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def clinic(tmp_path):
    folder = tmp_path / "clinic"
    shutil.copytree(data_dir("exercises"), folder)
    return folder


def entries(folder):
    return sorted(folder.glob("library-*.json"))


def same(a, b) -> bool:
    return (
        list(a.exercises.items()) == list(b.exercises.items())
        and a.files == b.files
        and a.folders == b.folders
        and a.overrides == b.overrides
        and a.lines == b.lines
        and a.warnings == b.warnings
    )


@pytest.mark.slow
def test_a_cache_hit_gives_the_identical_library_and_the_identical_pdf(cache_folder, clinic, example_patient):
    first = load_library(clinic)  # the built-in library with a clinic layer over it
    [entry] = entries(cache_folder)
    assert json.loads(entry.read_text())["format"] == cache.FORMAT  # JSON: plain data, not pickle
    again = load_library(clinic)
    assert same(again, first)
    assert sorted(o.id for o in again.overrides) == sorted(again.exercises)  # every built-in one replaced
    protocols = rehabplan.load_protocols(first)
    from rehabplan.render.pdf import Renderer

    pdfs = []
    for library in (first, again):
        program = rehabplan.plan(library, protocols[example_patient.protocol], example_patient)
        pdfs.append(Renderer(None).pdf_bytes(program, library))
    assert pdfs[0] == pdfs[1]


def test_the_cache_is_private_to_the_user(cache_folder, clinic):
    load_library(clinic)
    [entry] = entries(cache_folder)
    assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_any_change_to_a_library_file_is_a_new_key(cache_folder, clinic):
    load_library(clinic, builtin=False)
    path = clinic / "clamshell.yaml"
    path.write_text(path.read_text().replace("name: Clamshell", "name: Clam shell"))
    changed = load_library(clinic, builtin=False)
    assert changed.exercises["clamshell"].name == "Clam shell"
    assert len(entries(cache_folder)) == 2


def _tamper_payload(entry):
    record = json.loads(entry.read_text())
    record["payload"]["exercises"][0][1]["name"] = "Tampered"
    entry.write_text(json.dumps(record))


def _tamper_payload_and_checksum(entry):
    # Even a consistent record must hold valid exercises: the models check every field again.
    record = json.loads(entry.read_text())
    record["payload"]["exercises"][0][1]["name"] = {"__class__": "os.system"}
    record["sha256"] = cache.hashlib.sha256(cache._canonical(record["payload"])).hexdigest()
    entry.write_text(json.dumps(record))


def _foreign_version(entry):
    record = json.loads(entry.read_text())
    record["format"] = cache.FORMAT + 1
    entry.write_text(json.dumps(record))


def _another_key(entry):
    record = json.loads(entry.read_text())
    record["key"] = "0" * 64
    entry.write_text(json.dumps(record))


def _pickle_instead(entry):
    import pickle

    entry.write_bytes(pickle.dumps({"format": 1}))


def _cut_short(entry):
    entry.write_bytes(entry.read_bytes()[:1000])


def _writable_by_others(entry):
    _tamper_payload(entry)
    record = json.loads(entry.read_text())
    record["sha256"] = cache.hashlib.sha256(cache._canonical(record["payload"])).hexdigest()
    entry.write_text(json.dumps(record))
    os.chmod(entry, 0o666)


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        _tamper_payload,
        _tamper_payload_and_checksum,
        _foreign_version,
        _another_key,
        _pickle_instead,
        _cut_short,
        _writable_by_others,
    ],
)
def test_a_damaged_tampered_or_foreign_cache_entry_is_ignored(cache_folder, clinic, damage):
    first = load_library(clinic, builtin=False)
    [entry] = entries(cache_folder)
    damage(entry)
    again = load_library(clinic, builtin=False)
    assert same(again, first)
    assert all(ex.name != "Tampered" for ex in again.exercises.values())


def test_a_library_with_warnings_is_never_cached_so_they_are_always_reported(cache_folder, clinic):
    path = clinic / "clamshell.yaml"
    path.rename(clinic / "clam.yaml")  # id differs from the file name: a warning
    first = load_library(clinic, builtin=False)
    assert first.warnings
    assert not entries(cache_folder)
    assert load_library(clinic, builtin=False).warnings == first.warnings


def test_no_cache_turns_it_off_and_an_unwritable_folder_is_no_error(cache_folder, clinic, monkeypatch, tmp_path):
    monkeypatch.setenv("REHABPLAN_NO_CACHE", "1")
    load_library(clinic, builtin=False)
    assert not cache_folder.exists()
    monkeypatch.delenv("REHABPLAN_NO_CACHE")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("REHABPLAN_CACHE_DIR", str(blocker / "cache"))
    assert load_library(clinic, builtin=False).exercises


# --------------------------------------------------------------------------- a cache that cannot change output


def _resign_with(entry, secret: bytes, change) -> None:
    record = json.loads(entry.read_text())
    change(record["payload"])
    record["hmac"] = cache._sign(secret, record["key"], record["payload"])
    entry.write_text(json.dumps(record))


@pytest.mark.slow
def test_an_entry_signed_without_the_users_secret_is_ignored(cache_folder, clinic):
    first = load_library(clinic, builtin=False)
    [entry] = entries(cache_folder)
    secret = cache_folder / cache.SECRET
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.stat().st_size == 32

    def rename(payload):
        payload["exercises"][0][1]["name"] = "Tampered"

    _resign_with(entry, b"a guess at the secret" + bytes(11), rename)  # a valid record, the wrong key
    assert same(load_library(clinic, builtin=False), first)
    # a plain checksum recomputed by whoever can write the cache is no signature either
    record = json.loads(entry.read_text())
    record["hmac"] = cache.hashlib.sha256(cache._canonical(record["payload"])).hexdigest()
    entry.write_text(json.dumps(record))
    assert same(load_library(clinic, builtin=False), first)


def test_a_secret_others_can_read_turns_the_cache_off(cache_folder, clinic):
    load_library(clinic, builtin=False)
    [entry] = entries(cache_folder)
    secret = cache_folder / cache.SECRET
    _resign_with(entry, secret.read_bytes(), lambda p: p["exercises"][0][1].update(name="Tampered"))
    secret.chmod(0o644)  # others may have read it: nothing signed with it is trusted
    assert all(ex.name != "Tampered" for ex in load_library(clinic, builtin=False).exercises.values())


@pytest.mark.slow
def test_a_signed_hit_still_passes_the_librarys_cross_checks(cache_folder, clinic):
    first = load_library(clinic, builtin=False)
    [entry] = entries(cache_folder)
    secret = (cache_folder / cache.SECRET).read_bytes()

    def dangle(payload):
        for _ex_id, data in payload["exercises"]:
            if data.get("harder"):
                data["harder"] = "no-such-exercise"
                return

    _resign_with(entry, secret, dangle)  # as if the secret had leaked: the cross-checks still hold
    again = load_library(clinic, builtin=False)
    assert same(again, first)
    assert all(ex.harder != "no-such-exercise" for ex in again.exercises.values())


def test_the_key_reads_no_file_and_skips_what_the_loader_never_reads(cache_folder, clinic, monkeypatch):
    import builtins
    import io
    import pathlib

    os.mkfifo(clinic / "a-pipe")  # reading it would hang
    (clinic / ".git").mkdir()
    os.mkfifo(clinic / ".git" / "another-pipe")
    with open(clinic / "huge.bin", "wb") as fh:
        fh.truncate(3 << 30)  # 3 GB, sparse
    opened = []
    real_open, real_os_open = io.open, os.open

    def spy(path, *a, **kw):
        opened.append(str(path))
        return real_open(path, *a, **kw)

    def spy_os(path, *a, **kw):
        opened.append(str(path))
        return real_os_open(path, *a, **kw)

    monkeypatch.setattr(builtins, "open", spy)
    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr(os, "open", spy_os)
    monkeypatch.setattr(pathlib.Path, "open", lambda self, *a, **kw: spy(self, *a, **kw))
    key = cache.files_key("library", [clinic])
    assert key is not None
    assert not [p for p in opened if p.startswith(str(clinic))], opened


def test_a_change_that_keeps_size_and_mtime_is_still_a_new_key(clinic):
    path = clinic / "clamshell.yaml"
    before = cache.files_key("library", [clinic])
    st = path.stat()
    path.write_text(path.read_text().replace("name: Clamshell", "name: Clamshelz"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the size and mtime as before
    assert cache.files_key("library", [clinic]) != before


def test_validate_never_reads_the_cache(cache_folder, clinic, monkeypatch):
    from cli_runner import cli_runner

    load_library(clinic)
    calls = []
    monkeypatch.setattr(cache, "load", lambda *a: calls.append(a))
    monkeypatch.setattr(cache, "files_key", lambda *a: calls.append(a))
    result = cli_runner()("validate", clinic)
    assert result.exit_code == 0, result.output
    assert calls == []


def test_a_cache_folder_owned_by_someone_else_is_never_used(cache_folder, clinic):
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("chown to another user needs root")
    cache_folder.mkdir(mode=0o700)
    os.chown(cache_folder, 12345, 12345)
    first = load_library(clinic, builtin=False)
    assert not entries(cache_folder) and not (cache_folder / cache.SECRET).exists()
    assert same(load_library(clinic, builtin=False), first)


def test_the_users_own_cache_folder_made_with_a_wide_umask_is_made_private(cache_folder, clinic):
    cache_folder.mkdir(mode=0o755)
    cache_folder.chmod(0o755)
    load_library(clinic, builtin=False)
    assert stat.S_IMODE(cache_folder.stat().st_mode) == 0o700
    assert entries(cache_folder)
