"""Errors that mean "bad input from the user": the CLI prints their one-line message, exit status 2."""

from __future__ import annotations


class UsageError(ValueError):
    """A command-line value or an input file that cannot be used."""
