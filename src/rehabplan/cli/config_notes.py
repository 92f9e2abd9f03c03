"""What the CLI says about the clinic configuration: the file it used (once, on stderr, not with
--quiet) and every discovered file it ignored because other users can change it (always)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape

_said: set[tuple] = set()
_quiet = [False]


def set_quiet(quiet: bool) -> None:
    _quiet[0] = quiet


def say_config(err: Console, cfg) -> None:
    """Name the configuration a command reads, once per process."""
    choice = cfg.choice
    for ignored in choice.ignored:
        key = ("ignored", str(ignored.path))
        if key not in _said:
            _said.add(key)
            err.print(f"[yellow]warning[/] {escape(str(ignored))}", soft_wrap=True)
    if choice.path is None or _quiet[0]:
        return
    key = ("used", str(cfg.source or choice.path))
    if key not in _said:
        _said.add(key)
        err.print(f"[dim]config[/] {escape(str(cfg.source or choice.path))} ({escape(choice.how)})", soft_wrap=True)


def layers(cfg, library, protocol_folders) -> list[str]:
    """Every layer ``validate`` used, one line each (rich-escaped)."""
    from rehabplan.sources.config import user_config_file

    choice = cfg.choice
    lines = [
        f"config    {escape(str(cfg.source))} ({escape(choice.how)})"
        if cfg.source
        else f"config    none: built-in defaults (looked here, in parent folders, in {escape(str(user_config_file()))})"
    ]
    lines += [f"ignored   {escape(str(i.path))}: {escape(i.reason)}" for i in choice.ignored]
    for i, folder in enumerate(library.folders):
        lines.append(f"library   {escape(str(folder))}" + (" (built-in)" if i == 0 else ""))
    from rehabplan.resources import data_dir

    lines.append(f"protocols {escape(str(data_dir('protocols')))} (built-in)")
    lines += [f"protocols {escape(str(folder))}" for folder in protocol_folders]
    if cfg.templates:
        lines.append(f"templates {escape(str(cfg.templates))}")
    if cfg.clinic.logo:
        lines.append(f"logo      {escape(str(cfg.clinic.logo))}")
    return lines
