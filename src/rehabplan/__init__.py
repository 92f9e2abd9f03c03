"""rehabplan: progressive home exercise programs, printed as patient handouts.

The public API (the CLI calls exactly these)::

    import rehabplan
    library = rehabplan.load_library()                 # built-in exercises (+ clinic folders)
    protocols = rehabplan.load_protocols(library)      # built-in protocols (+ clinic folders)
    patient = rehabplan.load_patient("examples/patient.yaml")
    program = rehabplan.plan(library, protocols[patient.protocol], patient)   # pure
    html = rehabplan.render_html(program, library)
    rehabplan.render_pdf(program, library, "handout.pdf")
    rehabplan.bulk_build("roster.csv", "out/")

Names are imported lazily so that ``import rehabplan`` (and ``rehabplan --help``) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:  # the real names for type checkers; at run time they load on first use
    from rehabplan.bulk.run import bulk_build
    from rehabplan.errors import ConfigError, LibraryError, OutputExistsError, PatientError, RehabplanError, RenderError
    from rehabplan.planning.planner import plan
    from rehabplan.render.html import render_html
    from rehabplan.render.pdf import render_pdf
    from rehabplan.render.style import HandoutStyle
    from rehabplan.sources.config import ClinicConfig, load_config
    from rehabplan.sources.library import Library, load_library
    from rehabplan.sources.patients import load_patient
    from rehabplan.sources.protocols import load_protocols

_API = {
    "load_library": "sources.library",
    "Library": "sources.library",
    "load_protocols": "sources.protocols",
    "load_patient": "sources.patients",
    "plan": "planning.planner",
    "render_html": "render.html",
    "render_pdf": "render.pdf",
    "HandoutStyle": "render.style",
    "bulk_build": "bulk.run",
    "load_config": "sources.config",
    "ClinicConfig": "sources.config",
    "RehabplanError": "errors",
    "LibraryError": "errors",
    "ConfigError": "errors",
    "PatientError": "errors",
    "RenderError": "errors",
    "OutputExistsError": "errors",
}

__all__ = [
    "ClinicConfig",
    "ConfigError",
    "HandoutStyle",
    "Library",
    "LibraryError",
    "OutputExistsError",
    "PatientError",
    "RehabplanError",
    "RenderError",
    "__version__",
    "bulk_build",
    "load_config",
    "load_library",
    "load_patient",
    "load_protocols",
    "plan",
    "render_html",
    "render_pdf",
]


def __getattr__(name: str) -> object:
    if name in _API:
        import importlib

        module = importlib.import_module(f".{_API[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'rehabplan' has no attribute {name!r}")
