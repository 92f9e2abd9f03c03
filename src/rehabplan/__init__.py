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

__version__ = "0.1.0"

_API = {
    "load_library": "sources.library",
    "Library": "sources.library",
    "load_protocols": "sources.protocols",
    "load_patient": "sources.patients",
    "plan": "planning.planner",
    "render_html": "render.html",
    "render_pdf": "render.pdf",
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

__all__ = sorted(_API) + ["__version__"]


def __getattr__(name: str):
    if name in _API:
        import importlib

        module = importlib.import_module(f".{_API[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'rehabplan' has no attribute {name!r}")
