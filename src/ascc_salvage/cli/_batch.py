"""The ``batch`` command: one case per JSONL line in, one compact result per valid line out.

Memory stays flat however long the file is: lines are read one at a time (a line over the
1 MiB case limit is skipped in bounded pieces, never held), sent in chunks to
:func:`ascc_salvage.batch.recommend_many` — which keeps only a few chunks in flight — and each
result is written as soon as it is ready, in input order. Parsing, validation,
recommendation and serialisation all happen in the worker, so the parent process only
writes text. Counts for the summary are the only state kept.
"""

from __future__ import annotations

import collections
import json
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final, NamedTuple, cast

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from ascc_salvage.batch import recommend_many
from ascc_salvage.cli._common import EXIT_INVALID, InputError, is_terminal
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.io import load_case
from ascc_salvage.result import result_to_dict
from ascc_salvage.validation import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    from ascc_salvage.case import Case

__all__ = ["batch", "process_line", "read_lines"]

#: Lines per task sent to a worker.
CHUNKSIZE: Final = 64
_READ_PIECE: Final = 1 << 16


class Item(NamedTuple):
    """One non-blank input line: its number, its bytes (``None`` if over the limit), its size."""

    line: int
    data: bytes | None
    size: int


class Outcome(NamedTuple):
    """What a worker returns for one line: a result document or the problems found."""

    line: int
    size: int
    document: str | None
    status: str | None
    plan: str | None
    problems: tuple[tuple[str, str], ...]


def read_lines(handle: IO[bytes]) -> Iterator[Item]:
    """Yield the non-blank lines of a binary stream, numbered from 1, in bounded memory."""
    number = 0
    limit = MAX_DOCUMENT_BYTES + 1
    while True:
        data = handle.readline(limit)
        if not data:
            return
        number += 1
        size = len(data)
        if len(data) == limit and not data.endswith(b"\n"):
            while piece := handle.readline(_READ_PIECE):  # skip the rest of the long line
                size += len(piece)
                if piece.endswith(b"\n"):
                    break
            yield Item(number, None, size)
        elif data.strip():
            yield Item(number, data, size)


def process_line(item: Item) -> Outcome:
    """Validate, recommend and serialise one line (runs in a worker; module level to pickle)."""
    if item.data is None:
        problems: tuple[tuple[str, str], ...] = (
            ("$", f"document is larger than {MAX_DOCUMENT_BYTES} bytes"),
        )
        return Outcome(item.line, item.size, None, None, None, problems)
    try:
        case = load_case(item.data)
    except CaseValidationError as error:
        problems = tuple((problem.path, problem.message) for problem in error.errors)
        return Outcome(item.line, item.size, None, None, None, problems)
    from ascc_salvage.engine import recommend

    result = recommend(case)
    text = json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":"))
    plan = " + ".join(str(option) for option in result.preferred) or "(nothing preferred)"
    return Outcome(item.line, item.size, text, str(result.disease_status), plan, ())


def _outcomes(items: Iterable[Item], executor: Executor | None) -> Iterator[Outcome]:
    # recommend_many streams any per-item function over any iterable; its signature names
    # cases, so the line items and the worker function are cast to those types.
    function = cast("Callable[[Case], Outcome]", process_line)
    return recommend_many(
        cast("Iterable[Case]", items),
        executor=executor,
        chunksize=CHUNKSIZE,
        function=function,
    )


class _Reporter:
    """Writes errors to stderr (through the progress console on a terminal) and counts."""

    def __init__(self, errors_out: IO[str] | None, progress: Progress | None) -> None:
        self.errors_out = errors_out
        self.progress = progress
        self.valid = 0
        self.invalid = 0
        self.by_status: collections.Counter[str] = collections.Counter()
        self.by_plan: collections.Counter[str] = collections.Counter()

    def message(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stderr.write(text + "\n")

    def invalid_line(self, outcome: Outcome) -> None:
        self.invalid += 1
        for path, message in outcome.problems:
            self.message(f"line {outcome.line}: {path}: {message}")
        if self.errors_out is not None:
            errors = [{"path": path, "message": message} for path, message in outcome.problems]
            record = {"line": outcome.line, "errors": errors}
            self.errors_out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def valid_line(self, outcome: Outcome) -> None:
        self.valid += 1
        self.by_status[cast(str, outcome.status)] += 1
        self.by_plan[cast(str, outcome.plan)] += 1

    def summary(self) -> str:
        lines = [
            f"batch: {self.valid + self.invalid} cases read, {self.valid} valid, "
            f"{self.invalid} invalid"
        ]
        for title, counter in (
            ("by disease status", self.by_status),
            ("by preferred plan", self.by_plan),
        ):
            if counter:
                lines.append(f"{title}:")
                width = max(len(key) for key in counter)
                lines += [
                    f"  {key.ljust(width)}  {count}"
                    for key, count in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
                ]
        return "\n".join(lines)


def _open_input(path: Path, stack: ExitStack) -> tuple[IO[bytes], int | None]:
    if str(path) == "-":
        return sys.stdin.buffer, None
    try:
        handle = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - the stack closes it
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot read {path}: {reason}; check the path") from None
    size = os.fstat(handle.fileno()).st_size
    return handle, size or None


def _open_output(path: Path, stack: ExitStack, option: str) -> IO[str]:
    try:
        return stack.enter_context(open(path, "w", encoding="utf-8", newline="\n"))
    except OSError as error:
        reason = error.strerror or str(error)
        raise InputError(f"cannot write {option} {path}: {reason}; check the path") from None


@click.command()
@click.argument(
    "cases_file", metavar="CASES.jsonl", type=click.Path(path_type=Path, allow_dash=True)
)
@click.option(
    "--out",
    "out_path",
    metavar="RESULTS.jsonl",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the results here (default: stdout), one compact JSON document per line.",
)
@click.option(
    "--errors",
    "errors_path",
    metavar="ERRORS.jsonl",
    type=click.Path(path_type=Path, dir_okay=False),
    help='Also write each invalid line here as {"line": N, "errors": [{"path", "message"}]}.',
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (1 runs in this process).",
)
def batch(cases_file: Path, out_path: Path | None, errors_path: Path | None, workers: int) -> None:
    """Recommend for every case of a JSON Lines file (one case per line; '-' reads stdin).

    Exactly one result per valid line is written, in input order. Invalid lines are reported
    on stderr as 'line N: path: message' (and to --errors); blank lines are skipped. The
    whole file is processed; the exit status is 0 if every line was valid, else 2. A summary
    of counts by disease status and by preferred plan goes to stderr.
    """
    with ExitStack() as stack:
        handle, total = _open_input(cases_file, stack)
        out = sys.stdout if out_path is None else _open_output(out_path, stack, "--out")
        errors_out = None if errors_path is None else _open_output(errors_path, stack, "--errors")
        progress: Progress | None = None
        if is_terminal(sys.stderr):
            progress = stack.enter_context(
                Progress(
                    TextColumn("[progress.description]{task.description}"),
                    BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"),
                    TimeElapsedColumn(),
                    console=Console(file=sys.stderr),
                    transient=True,
                )
            )
        task = None if progress is None else progress.add_task("cases", total=total)
        executor: Executor | None = None
        if workers > 1:
            context = multiprocessing.get_context("spawn")
            executor = stack.enter_context(
                ProcessPoolExecutor(max_workers=workers, mp_context=context)
            )
        reporter = _Reporter(errors_out, progress)
        for outcome in _outcomes(read_lines(handle), executor):
            if outcome.document is None:
                reporter.invalid_line(outcome)
            else:
                out.write(outcome.document + "\n")
                reporter.valid_line(outcome)
            if progress is not None and task is not None:
                progress.advance(task, outcome.size)
        out.flush()
    sys.stderr.write(reporter.summary() + "\n")
    if reporter.invalid:
        sys.exit(EXIT_INVALID)
