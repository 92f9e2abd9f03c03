"""Handout HTML -> PDF with WeasyPrint: a locked-down URL fetcher and an atomic write.

WeasyPrint is imported inside the functions that need it, never when this module is
imported, so the CLI can import the renderer without paying for it (``rehabplan --help``).

A ``Renderer`` is set up once (Jinja environment, font configuration, parsed stylesheets,
image cache) and reused for many programs: that is what makes bulk builds fast.

Reproducible: the same program and library give byte-identical PDFs. WeasyPrint writes no
timestamp or random identifier of its own; the creation and modification dates are pinned to
the program's start date, or to ``SOURCE_DATE_EPOCH`` when it is set.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from rehabplan.errors import RenderError
from rehabplan.models import Program
from rehabplan.outputs.files import atomic_write
from rehabplan.render.html import HtmlBuilder, builtin_templates
from rehabplan.render.style import HandoutStyle
from rehabplan.render.weasy import prepare_weasyprint
from rehabplan.render.weasy.fonts import remove_font_folder
from rehabplan.sources.config import ClinicConfig, logo_root
from rehabplan.sources.library import Library
from rehabplan.sources.safe_read import IMAGE_KINDS, Asset, Refused, read_asset

log = logging.getLogger("rehabplan.render")

# PDF/UA-1 gives a tagged PDF with a declared conformance level; the tags are what screen
# readers use. (WeasyPrint checks none of PDF/UA's rules for us: the templates keep headings in
# order, give every image an alt text and every table header cells.)
PDF_VARIANT = "pdf/ua-1"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    pages: int
    sha256: str
    bytes: int  # size of the PDF file
    refused: tuple[str, ...] = ()  # URLs the fetcher would not serve (a clinic template's)


# --------------------------------------------------------------------------- URL fetcher


def _url_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        return None
    return Path(url2pathname(unquote(parts.path)))


class Fetcher:
    """Allow-list for everything the PDF may load. Anything else is refused and recorded.

    Served: data: URIs, and files under the built-in templates folder, the clinic templates
    folder, each library folder's ``illustrations/`` and the clinic logo, each read through
    ``read_asset`` (the same rule as the HTML's data: URIs): real path inside an allowed
    folder once symlinks are resolved, a regular file under the size limit, content of the
    type its name says. Never: http(s), ftp, other file:// paths.
    """

    def __init__(self, roots: list[Path], files: list[tuple[Path, Path]] | list[Path], layers: tuple[Path, Path] | None = None):
        self.roots = [Path(r) for r in roots]
        # (file, the folder it must really lie in): the logo and its clinic folder.
        self.files = {
            Path(f).absolute(): Path(root)
            for f, root in (item if isinstance(item, tuple) else (item, Path(item).absolute().parent) for item in files)
        }
        # (clinic templates, built-in templates): a file a clinic stylesheet names but the clinic
        # folder lacks (its copy of handout.css still says fonts/...) comes from the built-in one.
        self.layers = (layers[0].resolve(), layers[1].resolve()) if layers else None
        self.refused: list[str] = []

    def read(self, url: str) -> Asset | None:
        """The allowed file behind ``url``, read; None when it is not allowed."""
        path = _url_path(url)
        if path is None:
            return None
        if self.layers and not path.exists() and path.is_relative_to(self.layers[0]):
            path = self.layers[1] / path.relative_to(self.layers[0])
        try:
            if path.absolute() in self.files:
                return read_asset(path, [self.files[path.absolute()]], IMAGE_KINDS)
            return read_asset(path, self.roots)
        except Refused as exc:
            log.warning("refused to load %s: %s", url, exc.reason)
            return None

    def allows(self, url: str) -> Path | None:
        asset = self.read(url)
        return asset.path if asset else None

    def weasyprint_fetcher(self):
        prepare_weasyprint()
        from weasyprint.urls import URLFetcher, URLFetcherResponse

        outer = self

        class _Locked(URLFetcher):
            def fetch(self, url, headers=None):
                if url.startswith("data:"):
                    return super().fetch(url, headers)
                asset = outer.read(url)
                if asset is None:
                    outer.refused.append(url)
                    log.warning("refused to load %s (not a handout resource)", url)
                    raise ValueError(f"rehabplan does not load {url!r}: only its own template, illustration and logo files")
                body = _sfnt_from_woff(asset.path) if asset.kind == "woff" else asset.data
                return URLFetcherResponse(asset.path.as_uri(), body=body)

        return _Locked(timeout=1, allowed_protocols=("data", "file"))


@lru_cache(maxsize=32)
def _sfnt_from_woff_cached(path: str, size: int, mtime_ns: int) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(path, recalcTimestamp=False)
    font.flavor = None
    out = io.BytesIO()
    # recalcTimestamp=False keeps the font's own date: WeasyPrint's WOFF decoding stamps the
    # current time into the font, which would make every PDF differ from the one before.
    font.save(out, reorderTables=True)
    return out.getvalue()


def _sfnt_from_woff(path: Path) -> bytes:
    st = path.stat()
    return _sfnt_from_woff_cached(str(path), st.st_size, st.st_mtime_ns)


# --------------------------------------------------------------------------- renderer


class _DocumentCache(dict):
    """One document's image cache that hands images of files (drawings, logo) on to the next
    document but lets per-patient images (the load chart, QR codes as data: URIs) go with
    their document. A shared plain dict grew by ~5 MiB a handout in a bulk worker."""

    def __init__(self, shared: dict):
        super().__init__(shared)
        self._shared = shared

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        if isinstance(key, str) and key.startswith("file:"):
            self._shared[key] = value


class Renderer:
    """Set up once, render many handouts: ``.html()``, ``.pdf_bytes()``, ``.write()``."""

    def __init__(
        self,
        config: ClinicConfig | None = None,
        style: HandoutStyle | None = None,
        *,
        templates: Path | str | None = None,
        large_print: bool | None = None,
        paper: str | None = None,
        edition: str | None = None,
    ):
        self.builder = HtmlBuilder(config, style, templates=templates, large_print=large_print, paper=paper, edition=edition)
        self.config = self.builder.config
        # (font_config, stylesheets, image cache), built on first PDF
        self._weasy: tuple[Any, list[Any], dict[Any, Any]] | None = None

    @property
    def style(self) -> HandoutStyle:
        return self.builder.style

    @property
    def paper(self) -> str:
        return self.builder.paper

    @property
    def large_print(self) -> bool:
        return self.builder.large_print

    def html(self, program: Program, library: Library) -> str:
        """Self-contained HTML (styles and fonts inlined) for a browser preview."""
        return self.builder.render(program, library, preview=True)

    # -- PDF ---------------------------------------------------------------------------------

    def _fetcher(self, library: Library) -> Fetcher:
        roots = [builtin_templates()]
        if self.builder.templates:
            roots.append(self.builder.templates)
        roots += [Path(folder) / "illustrations" for folder in library.folders]
        logo = self.config.clinic.logo
        files = [(Path(logo), logo_root(self.config))] if logo else []
        layers = (self.builder.templates, builtin_templates()) if self.builder.templates else None
        return Fetcher(roots, files, layers)  # type: ignore[arg-type]  # a logo always has its folder

    def _setup(self, fetcher: Fetcher):
        if self._weasy is None:
            prepare_weasyprint()
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            font_config = FontConfiguration()
            url_fetcher = fetcher.weasyprint_fetcher()
            sheets = [
                CSS(string=sheet.text, base_url=sheet.base.as_uri() + "/", url_fetcher=url_fetcher, font_config=font_config)
                for sheet in self.builder.stylesheets()
            ]
            self._weasy = (font_config, sheets, {})
        return self._weasy

    def _html(self, html: str, base: str, fetcher: Fetcher):
        from weasyprint import HTML

        return HTML(string=html, base_url=base, url_fetcher=fetcher.weasyprint_fetcher())

    def _document(self, program: Program, library: Library):
        prepare_weasyprint()
        fetcher = self._fetcher(library)
        font_config, sheets, shared = self._setup(fetcher)
        cache = _DocumentCache(shared)
        html = self.builder.render(program, library, preview=False)
        base = (self.builder.templates or builtin_templates()).as_uri() + "/"
        try:
            document = self._html(html, base, fetcher).render(
                font_config=font_config,
                stylesheets=sheets,
                cache=cache,
                pdf_variant=PDF_VARIANT,
                pdf_tags=True,
            )
        except RenderError:
            raise
        except Exception as exc:  # WeasyPrint raises many kinds; the user needs one sentence
            raise RenderError(f"the PDF could not be laid out: {type(exc).__name__}: {exc}") from exc
        # A handout never carries attachments, whatever a clinic template links to.
        document.metadata.attachments = []
        return document, fetcher

    def layout(self, program: Program, library: Library):
        """The laid-out WeasyPrint document (pages and boxes), for checks of the layout."""
        return self._document(program, library)[0]

    def pdf(self, program: Program, library: Library) -> tuple[bytes, int, tuple[str, ...]]:
        """The PDF's bytes, its page count and the URLs the fetcher refused."""
        document, fetcher = self._document(program, library)
        try:
            data = document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True, pdf_identifier=False)
        except Exception as exc:
            raise RenderError(f"the PDF could not be written: {type(exc).__name__}: {exc}") from exc
        return data, len(document.pages), tuple(fetcher.refused)

    def close(self) -> None:
        """Remove the folder WeasyPrint made for this renderer's fonts now. WeasyPrint removes
        it in a finalizer, which never runs when the process ends with its heap frozen (a
        one-handout ``rehabplan build``) or with os._exit (a bulk worker)."""
        if self._weasy is not None:
            remove_font_folder(self._weasy[0])
            self._weasy = None

    def pdf_bytes(self, program: Program, library: Library) -> bytes:
        return self.pdf(program, library)[0]

    def write(self, program: Program, library: Library, output: Path | str, force: bool = False) -> RenderResult:
        """Write the PDF atomically: a temporary file beside ``output``, then a rename.

        An existing ``output`` is kept unless ``force``; a failure leaves no file behind.
        """
        from rehabplan.outputs.files import check_target

        output = Path(output)
        check_target(output, force)
        data, pages, refused = self.pdf(program, library)
        atomic_write(output, data, force=force)
        return RenderResult(output, pages, hashlib.sha256(data).hexdigest(), len(data), refused)


def render_pdf(
    program: Program,
    library: Library,
    output: Path | str,
    config: ClinicConfig | None = None,
    *,
    style: HandoutStyle | None = None,
    templates: Path | str | None = None,
    large_print: bool | None = None,
    paper: str | None = None,
    edition: str | None = None,
    force: bool = False,
) -> RenderResult:
    """Render the handout PDF to ``output``: ``Renderer(...).write(...)``, then ``close()``."""
    renderer = Renderer(config, style, templates=templates, large_print=large_print, paper=paper, edition=edition)
    try:
        return renderer.write(program, library, output, force=force)
    finally:
        renderer.close()
