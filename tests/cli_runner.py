"""The CLI in-process for tests: one helper instead of a copy per test file."""

from __future__ import annotations

from typer.testing import CliRunner

from rehabplan.cli.commands import app


def cli_runner(columns: int = 200):
    """A ``run(*args)`` that invokes the CLI at a terminal this wide and never hides a traceback."""
    runner = CliRunner(env={"COLUMNS": str(columns)})

    def run(*args, **kw):
        result = runner.invoke(app, [str(a) for a in args], **kw)
        assert "Traceback" not in (result.output or ""), result.output
        assert result.exit_code != 70, result.output  # an internal error (a bug) is never a pass
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result

    return run
