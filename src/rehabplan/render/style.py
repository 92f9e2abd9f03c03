"""How a handout looks: paper, print size, edition and the clinic's templates, decided once.

The command line builds one ``HandoutStyle`` from its options and the clinic configuration and
passes it on: to the renderer, to every bulk worker and into bulk's input hash. An option that
is given wins; otherwise the configuration's value; otherwise the default (A4, normal print,
full edition, the built-in templates). Plain data: importing this module loads no renderer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from rehabplan.errors import Problem, RenderError

if TYPE_CHECKING:
    from rehabplan.sources.config import ClinicConfig

PAPERS = ("a4", "letter")


EDITIONS = ("full", "compact")


Paper = Literal["a4", "letter"]


Edition = Literal["full", "compact"]


@dataclass(frozen=True)
class HandoutStyle:
    """One handout look. ``templates`` is the clinic's template folder (absolute), laid over the
    built-in one by file name; None = the built-in templates only."""

    paper: Paper = "a4"
    large_print: bool = False
    edition: Edition = "full"
    templates: Path | None = None

    def __post_init__(self) -> None:
        if self.paper not in PAPERS:
            raise RenderError(f"unknown paper size '{self.paper}'", [Problem(None, None, "paper", "use a4 or letter")])
        if self.edition not in EDITIONS:
            raise RenderError(f"unknown edition '{self.edition}'", [Problem(None, None, "edition", "use full or compact")])

    @classmethod
    def of(
        cls,
        config: ClinicConfig | None = None,
        *,
        templates: Path | str | None = None,
        large_print: bool | None = None,
        paper: str | None = None,
        edition: str | None = None,
    ) -> HandoutStyle:
        """The style from the options given (None = not given) over ``config`` over the defaults.

        A template folder that does not exist is a RenderError here, before any work."""
        if config is None:
            from rehabplan.sources.config import ClinicConfig

            config = ClinicConfig()
        chosen = templates if templates is not None else config.templates
        folder = Path(chosen).resolve() if chosen else None
        if folder is not None and not folder.is_dir():
            raise RenderError(f"the template folder {folder} does not exist")
        paper_name = (paper or config.paper).lower()
        if paper_name not in PAPERS:
            raise RenderError(f"unknown paper size '{paper}'", [Problem(None, None, "paper", "use a4 or letter")])
        edition_name = (edition or config.edition).lower()
        if edition_name not in EDITIONS:
            raise RenderError(f"unknown edition '{edition}'", [Problem(None, None, "edition", "use full or compact")])
        return cls(
            paper=cast(Paper, paper_name),
            large_print=config.large_print if large_print is None else bool(large_print),
            edition=cast(Edition, edition_name),
            templates=folder,
        )

    @property
    def compact(self) -> bool:
        return self.edition == "compact"

    def cache_key(self) -> str:
        """The style as one line of bulk's input hash: two styles that render alike share it."""
        return f"paper={self.paper};large_print={self.large_print};edition={self.edition};templates={self.templates or ''}"


def style_of(
    config: ClinicConfig | None,
    style: HandoutStyle | None,
    *,
    templates: Path | str | None = None,
    large_print: bool | None = None,
    paper: str | None = None,
    edition: str | None = None,
) -> HandoutStyle:
    """``style`` when given, else one built from the separate options (the API's convenience
    keywords); giving both is a mistake in the calling code."""
    options = (templates, large_print, paper, edition)
    if style is None:
        return HandoutStyle.of(config, templates=templates, large_print=large_print, paper=paper, edition=edition)
    if any(option is not None for option in options):
        raise TypeError("give either style= or templates/large_print/paper/edition, not both")
    return style
