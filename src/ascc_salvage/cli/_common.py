"""Shared pieces of the command line: errors, output streams and reading cases."""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final

import click

from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.io import parse_json
from ascc_salvage.validation import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    from ascc_salvage.knowledge import KnowledgeBase

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "STOP_SIGNALS",
    "InputError",
    "InvalidCase",
    "OneLineBadParameter",
    "Terminated",
    "discard_stdout",
    "display_path",
    "is_terminal",
    "os_reason",
    "read_case_document",
    "stdin_bytes",
    "stop_signals_raise",
    "terminal_width",
    "write_json",
    "write_text",
    "writing_stdout",
]

#: Exit status for invalid input or arguments, and for an input or output the system refused.
EXIT_INVALID = 2
#: Exit status for an internal error (a bug).
EXIT_INTERNAL = 1
#: Exit status after SIGINT (128 + 2, as a shell reports a process killed by it).
EXIT_INTERRUPTED = 130
#: Exit status after a broken pipe on stdout (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141
#: Signals that ask a command to stop (``kill``, ``timeout``, systemd, docker; a closed
#: terminal): each ends the command as Ctrl-C does, its cleanup run, with status 128 + the
#: signal number (143 for SIGTERM, 129 for SIGHUP).
STOP_SIGNALS: Final = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


class Terminated(BaseException):
    """A stop signal arrived (:data:`STOP_SIGNALS`).

    A ``BaseException``, as ``KeyboardInterrupt``: no ``except Exception`` swallows it, and
    every ``finally`` and ``except BaseException`` that cleans up after an interrupted
    command runs (temporary output files, the batch's worker pool and spill directory).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Turn the stop signals into :class:`Terminated` while the block runs (main thread)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.signal(signum, _raise_terminated) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


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


class OneLineBadParameter(click.BadParameter):
    """An invalid option value reported on one line, without the usage and help lines."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print ``Error: Invalid value for '--option': ...`` on stderr."""
        click.echo(f"Error: {self.format_message()}", err=True)


def display_path(path: Path | str) -> str:
    """*path* for a message: bytes that are not UTF-8 are shown as backslash escapes."""
    return os.fsencode(str(path)).decode("utf-8", "backslashreplace")


def os_reason(error: OSError) -> str:
    """The system's reason for *error* (``No space left on device``), for a message."""
    if error.strerror:
        return error.strerror
    if error.errno is not None:
        return os.strerror(error.errno)
    return str(error) or type(error).__name__


def discard_stdout() -> None:
    """Point stdout's file descriptor at the null device.

    After a broken pipe or a failed write, what stdout still buffers can never be written;
    the interpreter would try again at exit and print ``Exception ignored ...``. This is the
    recipe of the Python documentation (``signal``, "Note on SIGPIPE").
    """
    try:
        descriptor = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor (an in-memory stream)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, descriptor)
    finally:
        os.close(devnull)


def is_terminal(stream: IO[str]) -> bool:
    """Whether *stream* is an interactive terminal."""
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def writing_stdout() -> Iterator[None]:
    """Report a failed write to stdout (a full disk) as :class:`InputError`, exit status 2.

    What stdout still buffers is discarded. A broken pipe propagates (exit status 141).
    """
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        discard_stdout()
        raise InputError(f"cannot write to stdout: {os_reason(error)}") from None


def write_text(text: str) -> None:
    """Write *text* to stdout and flush it, so that a failed write is reported by its command."""
    with writing_stdout():
        sys.stdout.write(text)
        sys.stdout.flush()


def write_json(document: object) -> None:
    """Write *document* to stdout as indented JSON (never through rich, which would wrap).

    ``NaN`` and ``Infinity`` are not JSON: a document holding one raises :class:`ValueError`
    (an internal error) instead of printing them.
    """
    write_text(json.dumps(document, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def terminal_width() -> int:
    """The width the text views fit: ``COLUMNS`` if set, else the terminal's, else 80."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if is_terminal(sys.stdout):
        try:
            return os.get_terminal_size(sys.stdout.fileno()).columns
        except (AttributeError, OSError, ValueError):  # no descriptor (an in-memory stream)
            pass
    return 80


def stdin_bytes() -> IO[bytes]:
    """The binary stdin, or :class:`InputError` when it is closed."""
    stdin = sys.stdin
    if stdin is None:  # started with file descriptor 0 closed
        raise InputError("cannot read stdin: it is closed; give a file or redirect the input")
    return stdin.buffer


def _read_bytes(path: Path) -> bytes:
    if str(path) == "-":
        try:
            return stdin_bytes().read(MAX_DOCUMENT_BYTES + 1)
        except OSError as error:
            raise InputError(f"cannot read stdin: {os_reason(error)}") from None
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_DOCUMENT_BYTES + 1)
    except OSError as error:
        reason = os_reason(error)
        raise InputError(f"cannot read {display_path(path)}: {reason}; check the path") from None


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
        raise InvalidCase(display_path(path), error.errors) from None


KNOWLEDGE_OPTION: Final = click.option(
    "--knowledge",
    "knowledge_dir",
    metavar="DIR",
    type=click.Path(path_type=Path),
    help="Use the knowledge base in DIR (the bundled data files, validated) instead of the "
    "bundled one; the result records its version.",
)


def load_knowledge(directory: Path | None) -> KnowledgeBase | None:
    """Load ``--knowledge DIR`` (``None``: the bundled knowledge base).

    Raises:
        InputError: DIR is not a directory or its data are invalid (one line per problem,
            naming the file and the item).
    """
    if directory is None:
        return None
    from ascc_salvage.knowledge import KnowledgeBaseError, load

    if not directory.is_dir():
        raise InputError(f"--knowledge: {display_path(directory)} is not a directory")
    try:
        return load(directory)
    except KnowledgeBaseError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise InputError(
            f"--knowledge: invalid knowledge base in {display_path(directory)}:\n{lines}"
        ) from None
