"""Shared pieces of the command line: errors, output streams and reading cases."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console

from ascc_salvage.cli._render import Block, render_plain, render_rich
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.io import parse_json
from ascc_salvage.validation import MAX_DOCUMENT_BYTES

__all__ = [
    "EXIT_INTERNAL",
    "EXIT_INVALID",
    "InputError",
    "InvalidCase",
    "is_terminal",
    "read_case_document",
    "write_blocks",
    "write_json",
]

#: Exit status for invalid input or arguments.
EXIT_INVALID = 2
#: Exit status for an internal error (a bug).
EXIT_INTERNAL = 1


class InputError(click.ClickException):
    """Invalid input or arguments: the message says what to do; exit status 2."""

    exit_code = EXIT_INVALID


class InvalidCase(click.ClickException):
    """A case that failed validation: one ``path: message`` line per problem on stderr."""

    exit_code = EXIT_INVALID

    def __init__(self, source: str, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{source} is not a valid case ({count} {noun} above); correct the fields named "
            "and run the command again"
        )

    def show(self, file: IO[Any] | None = None) -> None:
        """Print every problem, then the summary line, on stderr."""
        for problem in self.problems:
            click.echo(str(problem), err=True)
        super().show(file)


def is_terminal(stream: IO[str]) -> bool:
    """Whether *stream* is an interactive terminal."""
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def write_json(document: object) -> None:
    """Write *document* to stdout as indented JSON (never through rich, which would wrap)."""
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def write_blocks(blocks: Iterable[Block]) -> None:
    """Write a view to stdout: styled on a terminal, plain text otherwise."""
    if is_terminal(sys.stdout):
        render_rich(blocks, Console(file=sys.stdout, highlight=False))
    else:
        sys.stdout.write(render_plain(blocks))
    sys.stdout.flush()


def _read_bytes(path: Path) -> bytes:
    if str(path) == "-":
        return sys.stdin.buffer.read(MAX_DOCUMENT_BYTES + 1)
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot read {path}: {reason}; check the path") from None


def read_case_document(path: Path) -> Any:
    """Read and parse the JSON of a case file (``-`` is stdin), without validating it.

    Raises:
        InputError: The file cannot be read.
        InvalidCase: The text is not JSON (or too large) — one problem at ``$``.
    """
    data = _read_bytes(path)
    try:
        return parse_json(data)
    except CaseValidationError as error:
        raise InvalidCase(str(path), error.errors) from None
