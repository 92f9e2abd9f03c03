"""The template sandbox: clinic templates are read safely, cannot reach files or Python internals, and are bounded in size and time."""

from __future__ import annotations

import functools
import os
import time
from functools import partial
from pathlib import Path

import jinja2
from jinja2.compiler import CodeGenerator, optimizeconst
from jinja2.sandbox import SandboxedEnvironment

from rehabplan.errors import Problem, RenderError
from rehabplan.render.filters import (
    _range,
    day_label,
    dose,
    dose_short,
    how_often,
    join_and,
    long_date,
    nobreak,
    plural,
    seconds,
    short_date,
    weeks_label,
)
from rehabplan.render.view import _week_list
from rehabplan.render.words import tempo_words
from rehabplan.resources import data_dir
from rehabplan.sources.safe_read import MAX_TEMPLATE_BYTES, Refused, read_asset


def builtin_templates() -> Path:
    return data_dir("templates")


class SafeLoader(jinja2.BaseLoader):
    """Templates by name from the clinic folder, then the built-in one, each through the
    allow-list: a template or stylesheet (or an ``{% include %}`` target) that is a symlink
    out of its folder, not a regular file, or too big is refused, never printed."""

    def __init__(self, searchpath: list[Path]):
        self.searchpath = [Path(p) for p in searchpath]

    def get_source(self, environment, template):
        pieces = jinja2.loaders.split_template_path(template)
        for root in self.searchpath:
            candidate = root.joinpath(*pieces)
            if not os.path.lexists(candidate):
                continue
            try:
                data = read_asset(candidate, [root], ("text",), MAX_TEMPLATE_BYTES).data
                source = data.decode("utf-8")
            except Refused as exc:
                raise RenderError(
                    f"the template {candidate} cannot be used", [Problem(candidate, None, "", exc.reason, exc.fix)]
                ) from None
            except UnicodeDecodeError:
                raise RenderError(
                    f"the template {candidate} is not UTF-8 text",
                    [Problem(candidate, None, "", "is not UTF-8 text", "save it as UTF-8")],
                ) from None
            return source, str(candidate), lambda: True
        raise jinja2.TemplateNotFound(template)


class TemplateLimit(Exception):
    """A clinic template went over its time or size limit."""


class _LimitedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to a join whose size the sandbox checks before it is made: a
    template doubling a string in a loop stops at the limit instead of at the end of memory."""

    @optimizeconst
    def visit_Concat(self, node, frame) -> None:
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        elif frame.eval_ctx.autoescape:
            join = "markup_join"
        else:
            join = "str_join"
        self.write(f"environment.checked_concat({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


class ClinicSandbox(SandboxedEnvironment):
    """Jinja's sandbox, tightened for clinic templates.

    Templates get plain data: no attribute of a path, a class or pydantic's own API
    (``parse_file`` reads files) is reachable. A render has a time limit and the strings and
    lists it builds have a size limit, so a template that loops forever, doubles a string
    until memory runs out or raises ``2 ** 10**9`` ends with a render error instead.
    """

    intercepted_binops = frozenset(["*", "**", "+"])
    code_generator_class = _LimitedCodeGenerator
    max_seconds = 5.0
    max_chars = 5_000_000  # one value; a whole handout's HTML is a few hundred thousand
    deadline = float("inf")

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"the template took longer than {self.max_seconds:g} s")

    def _sized(self, value):
        if isinstance(value, (str, list, tuple, dict, bytes)) and len(value) > self.max_chars:
            raise TemplateLimit(f"the template built a value of {len(value):,} items; the limit is {self.max_chars:,}")
        return value

    def checked_concat(self, join, items: tuple):
        self.check_time()
        size = sum(len(item) if isinstance(item, str) else 0 for item in items)
        if size > self.max_chars:
            raise TemplateLimit(f"the template built a text of {size:,} characters; the limit is {self.max_chars:,}")
        return self._sized(join(items))

    def limit_filters(self) -> None:
        """Every filter checks the time, refuses a size argument over the limit
        (``center(10**9)``) and the size of what it returns (``replace`` in a loop)."""

        def limited(func):
            @functools.wraps(func)  # keeps Jinja's pass_context / pass_environment marks
            def run(*args, **kwargs):
                self.check_time()
                for arg in (*args, *kwargs.values()):
                    if isinstance(arg, int) and not isinstance(arg, bool) and arg > self.max_chars:
                        raise TemplateLimit(f"the template passed {arg:,} to a filter; the limit is {self.max_chars:,}")
                return self._sized(func(*args, **kwargs))

            return run

        self.filters = {name: limited(func) for name, func in self.filters.items()}

    def is_safe_attribute(self, obj, attr, value) -> bool:
        from pathlib import PurePath

        from pydantic import BaseModel

        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, (PurePath, type)) or isinstance(value, (PurePath, type)):
            return False
        if isinstance(obj, BaseModel) and hasattr(BaseModel, attr):
            return False  # pydantic's API, not the model's data
        module = (getattr(value, "__module__", None) or "").split(".")[0]
        return not (callable(value) and module in _FILE_MODULES)

    def getattr(self, obj, attribute):
        self.check_time()
        return self._sized(super().getattr(obj, attribute))

    def getitem(self, obj, argument):
        self.check_time()
        return self._sized(super().getitem(obj, argument))

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 (Jinja's signature)
        __self.check_time()
        return __self._sized(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context, operator, left, right):
        self.check_time()
        if (
            operator == "**"
            and isinstance(right, (int, float))
            and abs(right) > 64
            and not (isinstance(left, (int, float)) and abs(left) <= 1)
        ):
            raise TemplateLimit(f"the template raised a number to the power {right}; the limit is 64")
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * n > self.max_chars:
                    raise TemplateLimit(f"the template built a value of {len(seq) * n:,} items; the limit is {self.max_chars:,}")
        return self._sized(super().call_binop(context, operator, left, right))


_FILE_MODULES = {"os", "io", "pathlib", "shutil", "subprocess", "sys", "tempfile", "glob", "posix", "nt"}


def make_environment(clinic_templates: Path | None, locale: str = "en-GB") -> jinja2.Environment:
    """Autoescaping environment; sandboxed when a clinic template folder is layered in."""
    builtin = builtin_templates()
    searchpath = [clinic_templates, builtin] if clinic_templates else [builtin]
    env_class = ClinicSandbox if clinic_templates else jinja2.Environment
    env = env_class(
        loader=SafeLoader(searchpath),
        autoescape=True,  # everywhere, whatever the file name: every template is patient-facing
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.filters.update(
        long_date=partial(long_date, locale=locale),
        short_date=partial(short_date, locale=locale),
        day_label=partial(day_label, locale=locale),
        seconds=seconds,
        dose=dose,
        dose_short=dose_short,
        how_often=how_often,
        plural=plural,
        nobreak=nobreak,
        range=_range,
        weeks_label=weeks_label,
        week_list=lambda numbers: _week_list(list(numbers)),
        join_and=join_and,
        tempo_words=tempo_words,
    )
    env.globals["weeks_label"] = weeks_label
    if isinstance(env, ClinicSandbox):
        env.limit_filters()
    return env


def plain(value):
    """Plain data for a template: Paths become strings, models and dataclasses dicts."""
    from pathlib import PurePath

    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        return {k: plain(getattr(value, k)) for k in type(value).model_fields}
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _template_frame(exc: BaseException) -> tuple[str | None, int | None]:
    """The innermost template file and line in a Jinja traceback (Jinja rewrites the frames)."""
    import traceback

    found: tuple[str | None, int | None] = (None, None)
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename.endswith((".j2", ".html", ".jinja")):
            found = (frame.filename, frame.lineno)
    return found
