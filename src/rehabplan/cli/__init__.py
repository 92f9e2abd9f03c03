"""The command-line shell over the Python API: parse, call, print."""

from rehabplan.cli.commands import app, main

__all__ = ["app", "main"]
