"""The ``batch`` command: one case per JSONL line in, one compact result per valid line out.

Memory stays flat however long the file is: lines are read one at a time (a line over the
1 MiB case limit is skipped in bounded pieces, never held), sent in chunks to
:func:`ascc_salvage.batch.recommend_many` — which keeps only a few chunks in flight — and each
result is written as soon as it is ready, in input order. Parsing, validation,
recommendation and serialisation all happen in the worker, so the parent process only
writes text: with a pool, each task's results arrive as a file in a private temporary
directory, copied into the output by the kernel (:func:`process_chunk`). Counts for the
summary are the only state kept.

No run loses data. An output that is, or resolves to, the input (or the other output) is
refused before anything is opened for writing. Output files are written to a temporary
file beside the target and renamed into place when the run ends, so an interrupted or
failed run leaves the previous file as it was. An exception while processing one line is
recorded for that line (an internal error) and the run goes on.
"""

from __future__ import annotations

import collections
import errno
import functools
import gc
import itertools
import json
import os
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final, NamedTuple, NoReturn, Protocol, cast

import click

from ascc_salvage.batch import recommend_many
from ascc_salvage.cli._common import (
    EXIT_INTERNAL,
    EXIT_INVALID,
    KNOWLEDGE_OPTION,
    STOP_SIGNALS,
    InputError,
    OneLineBadParameter,
    Terminated,
    display_path,
    is_terminal,
    load_knowledge,
    os_reason,
    stdin_bytes,
    writing_stdout,
)
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.io import load_case
from ascc_salvage.result import _compact_json_bytes
from ascc_salvage.validation import MAX_DOCUMENT_BYTES

if TYPE_CHECKING:
    from rich.progress import Progress

    from ascc_salvage.case import Case
    from ascc_salvage.knowledge import KnowledgeBase

__all__ = ["MAX_WORKERS", "Spilled", "batch", "process_chunk", "process_line", "read_lines"]

#: Lines per task sent to a worker.
CHUNKSIZE: Final = 64
#: The largest ``--workers`` (library policy: beyond this, process start-up and the parent's
#: writing dominate; see the batch benchmarks).
MAX_WORKERS: Final = 64
#: How worker processes start where ``fork`` is not safe (see :func:`_start_method`):
#: ``spawn`` (``fork`` is unsafe in a process with threads and missing on Windows); tests
#: that patch the engine switch to ``fork`` so that the workers inherit the patch.
START_METHOD = "spawn"
_READ_PIECE: Final = 1 << 16


class Item(NamedTuple):
    """One non-blank input line: its number, its bytes (``None`` if over the limit), its size."""

    line: int
    data: bytes | None
    size: int


class Outcome(NamedTuple):
    """What a worker returns for one line: a result, the problems found, or an internal error."""

    line: int
    size: int
    #: The result as compact JSON, UTF-8 encoded (bytes: the parent writes it as it is).
    document: bytes | None
    status: str | None
    plan: str | None
    problems: tuple[tuple[str, str], ...]
    internal: str | None = None


def read_lines(handle: IO[bytes]) -> Iterator[Item]:
    r"""Yield the non-blank lines of a binary stream, numbered from 1, in bounded memory.

    Each item holds the line without its terminator (``\n`` or ``\r\n``): the document
    size limit applies to the document, as for a file, and a JSON error names line 1. Its
    size counts the terminator (the bytes read).
    """
    number = 0
    # The longest document the limit allows, its CRLF, and one byte to see that it is over.
    limit = MAX_DOCUMENT_BYTES + 3
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
            yield Item(number, data.removesuffix(b"\n").removesuffix(b"\r"), size)


@functools.lru_cache(maxsize=4)
def _knowledge(directory: str) -> KnowledgeBase:
    """The knowledge base of ``--knowledge`` (loaded once per process)."""
    from ascc_salvage.knowledge import load

    return load(directory)


def _process(item: Item, knowledge_dir: str | None = None) -> Outcome:
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

    result = (
        recommend(case)
        if knowledge_dir is None
        else recommend(case, knowledge=_knowledge(knowledge_dir))
    )
    document = _compact_json_bytes(result)
    plan = " + ".join(str(option) for option in result.preferred) or "(nothing preferred)"
    return Outcome(item.line, item.size, document, str(result.disease_status), plan, ())


def process_line(item: Item, knowledge_dir: str | None = None) -> Outcome:
    """Validate, recommend and serialise one line (runs in a worker; module level to pickle).

    *knowledge_dir* is the ``--knowledge`` directory (already validated by the parent); each
    worker loads it once. Any exception raised for the line becomes an internal-error outcome
    for that line, so the other lines of its chunk keep their results.
    """
    try:
        return _process(item) if knowledge_dir is None else _process(item, knowledge_dir)
    except Exception as error:  # recorded for this line; the run goes on
        message = f"{type(error).__name__}: {error}"
        return Outcome(item.line, item.size, None, None, None, (), message)


def _worker_setup() -> None:
    """Workers ignore SIGINT and the stop signals: the parent stops the run.

    The parent shuts the pool down; a worker killed by a signal sent to the whole process
    group would break the pool while the parent cleans up.
    """
    for signum in (signal.SIGINT, *STOP_SIGNALS):
        signal.signal(signum, signal.SIG_IGN)


class Spilled(NamedTuple):
    """The results of one chunk, written by a worker to a file that the main process copies."""

    path: str
    size: int


def process_chunk(
    items: list[Item], spill_dir: str, knowledge_dir: str | None = None
) -> tuple[Spilled | None, list[Outcome]]:
    """Process the lines of one chunk in a worker; write their results to one file.

    Results are about 17 kB each: sent back through the pool's pipe, they cost the worker
    pickling and the main process unpickling and writing, which on two cores slows the
    workers. The results of the chunk go instead to a new file in *spill_dir*, which the
    main process copies into the output inside the kernel (:func:`os.sendfile`); each valid
    outcome then carries an empty document. If the file cannot be written (a full disk),
    the results travel with the outcomes as before.
    """
    outcomes = [process_line(item, knowledge_dir) for item in items]
    documents = [outcome.document for outcome in outcomes if outcome.document is not None]
    if not documents:
        return None, outcomes
    try:
        descriptor, path = tempfile.mkstemp(suffix=".jsonl", dir=spill_dir)
        with open(descriptor, "wb") as handle:
            for document in documents:  # not joined first: no megabyte buffer to allocate
                handle.write(document)
                handle.write(b"\n")
    except OSError:  # the results go through the pipe instead
        return None, outcomes
    size = sum(map(len, documents)) + len(documents)
    return Spilled(path, size), [
        outcome if outcome.document is None else outcome._replace(document=b"")
        for outcome in outcomes
    ]


def _outcomes(
    items: Iterable[Item],
    executor: Executor | None,
    knowledge_dir: str | None = None,
    spill_dir: str | None = None,
) -> Iterator[Outcome | Spilled]:
    """The outcome of every line in input order; with a pool, each chunk's spill file first."""
    # recommend_many streams any per-item function over any iterable; its signature names
    # cases, so the items and the worker function are cast to those types. The workers
    # receive the knowledge directory, not the loaded object (it pickles with every chunk).
    if executor is None or spill_dir is None:
        line_function = (
            process_line
            if knowledge_dir is None
            else functools.partial(process_line, knowledge_dir=knowledge_dir)
        )
        yield from recommend_many(
            cast("Iterable[Case]", items),
            executor=executor,
            chunksize=CHUNKSIZE,
            function=cast("Callable[[Case], Outcome]", line_function),
        )
        return
    chunk_function = functools.partial(
        process_chunk, spill_dir=spill_dir, knowledge_dir=knowledge_dir
    )
    iterator = iter(items)
    chunks = iter(lambda: list(itertools.islice(iterator, CHUNKSIZE)), [])
    for spilled, outcomes in recommend_many(
        cast("Iterable[Case]", chunks),
        executor=executor,
        chunksize=1,  # each task is one chunk of lines
        function=cast("Callable[[Case], tuple[Spilled | None, list[Outcome]]]", chunk_function),
    ):
        if spilled is not None:
            yield spilled
        yield from outcomes


#: Where spill files go on Linux unless a temporary folder was chosen (``TMPDIR``): a
#: memory file system, so that the results written by the workers and copied by the main
#: process never reach a disk's file system (on ext4 the workers spent ≈ 0.07 s more kernel
#: time per 10,000 lines). Only the chunks in flight are there at any time.
SHARED_MEMORY: Final = "/dev/shm"
#: The free space :data:`SHARED_MEMORY` must have to be used (a container's is often 64 MiB).
SHARED_MEMORY_MIN_FREE: Final = 256 << 20


def _spill_parent() -> str | None:
    """The folder for the spill directory: :data:`SHARED_MEMORY` where usable, else ``None``.

    ``None`` (the system's temporary folder) where the user chose one (``TMPDIR``, or
    :data:`tempfile.tempdir` set by the program), off Linux, or where the shared-memory folder
    is missing, not writable or has less than :data:`SHARED_MEMORY_MIN_FREE` free.
    """
    if tempfile.tempdir is not None or "TMPDIR" in os.environ or sys.platform != "linux":
        return None
    try:
        usage = os.statvfs(SHARED_MEMORY)
    except OSError:
        return None
    free = usage.f_bavail * usage.f_frsize
    if free < SHARED_MEMORY_MIN_FREE or not os.access(SHARED_MEMORY, os.W_OK | os.X_OK):
        return None
    return SHARED_MEMORY


def _spill_directory(stack: ExitStack) -> str | None:
    """A private temporary directory for the workers' results, removed when *stack* closes.

    Made in :func:`_spill_parent`'s folder, else in the temporary folder; ``None`` when
    neither can hold one (a read-only temporary folder): the results then come back through
    the pool's pipe.
    """
    for parent in dict.fromkeys((_spill_parent(), None)):
        try:
            directory = tempfile.TemporaryDirectory(
                prefix="ascc-salvage-batch-", dir=parent, ignore_cleanup_errors=True
            )
        except OSError:
            continue
        return stack.enter_context(directory)
    return None


def _start_method() -> str:
    """``fork`` on Linux while this process runs a single thread, else :data:`START_METHOD`.

    A forked worker starts with the library already imported (a spawned one imports it
    again: about 0.3 s of CPU per worker, a tenth of a 10,000-line run). Forking is safe
    only without other threads (a progress bar runs one: then ``spawn``); on macOS the
    system libraries make it unsafe even so, and Windows has no ``fork``.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return START_METHOD


@contextmanager
def _pool(workers: int) -> Iterator[Executor]:
    """A process pool; on an exception, queued chunks are cancelled before it shuts down."""
    import multiprocessing  # imported here: commands without a pool start faster
    from concurrent.futures import ProcessPoolExecutor

    method = _start_method()
    context = multiprocessing.get_context(method)
    executor = ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_setup
    )
    # The objects of this process move to the collector's permanent generation before the
    # workers fork, so that collections in a worker never touch the pages it shares with
    # this process (the recipe of the ``gc.freeze`` documentation); undone when the pool ends.
    frozen = method == "fork"
    if frozen:
        gc.freeze()
    try:
        yield executor
    except BaseException:
        executor.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        executor.shutdown(wait=True)
    finally:
        if frozen:
            gc.unfreeze()


# --------------------------------------------------------------------------- outputs


class _Sink(Protocol):
    def write_line(self, data: bytes) -> None: ...

    def copy_spilled(self, spilled: Spilled) -> None: ...

    def prepare(self) -> None: ...

    def commit(self) -> None: ...

    def discard(self) -> str | None: ...


class _Stdout:
    """Results on stdout: written as they come; a broken pipe propagates (exit 141).

    Results are UTF-8 bytes, written to the binary buffer under ``sys.stdout`` (its text
    layer is flushed before the first and holds nothing after); a stdout without a buffer
    (an in-memory text stream) gets them as text.
    """

    def __init__(self) -> None:
        self.binary: IO[bytes] | None = None
        self.started = False

    def write_line(self, data: bytes) -> None:
        """Write *data* and a newline."""
        with writing_stdout():
            if not self.started:
                sys.stdout.flush()
                self.binary = getattr(sys.stdout, "buffer", None)
                self.started = True
            if self.binary is None:
                sys.stdout.write(data.decode("utf-8") + "\n")
            else:
                self.binary.write(data)
                self.binary.write(b"\n")

    def copy_spilled(self, spilled: Spilled) -> None:
        """Write the results of a spill file (then removed)."""
        with writing_stdout():
            self.commit()
            try:
                descriptor: int | None = sys.stdout.fileno()
            except (AttributeError, OSError, ValueError):  # no descriptor (in memory)
                descriptor = None
            data = _copy_spilled(spilled, descriptor)
            if data is not None:
                self.write_line(data.removesuffix(b"\n"))

    def prepare(self) -> None:
        self.commit()

    def commit(self) -> None:
        with writing_stdout():
            if self.binary is not None:
                self.binary.flush()
            sys.stdout.flush()

    def discard(self) -> str | None:
        return None


class _File:
    """An output file of the run, replaced atomically when the run ends.

    The text goes to a temporary file in the target's directory; :meth:`commit` renames it
    over the target (:func:`os.replace`), :meth:`discard` removes it. A target that is a
    symbolic link is resolved, so the file it names is replaced, not the link. A target
    that exists and is not a regular file (``/dev/null``, a FIFO) is written in place.
    """

    def __init__(self, path: Path, option: str, sinks: list[_Sink] | None = None) -> None:
        self.name = f"{option} {display_path(path)}"
        self.target = Path(os.path.realpath(path))
        self.temporary: Path | None = None
        self.existed = False
        self.prepared = False
        if sinks is not None:  # registered first: an interrupt from here on discards it
            sinks.append(self)
        try:
            self.handle = self._open()
        except OSError as error:
            raise InputError(
                f"cannot write {self.name}: {os_reason(error)}; check the path"
            ) from None

    def _open(self) -> IO[bytes]:
        try:
            status = os.stat(self.target)
        except FileNotFoundError:
            status = None
        if status is not None and not stat.S_ISREG(status.st_mode):
            return open(self.target, "wb")
        self.existed = status is not None
        with _interrupt_deferred():  # the temporary file exists only once it is recorded
            descriptor, name = tempfile.mkstemp(
                prefix=f".{self.target.name}.", suffix=".tmp", dir=self.target.parent
            )
            self.temporary = Path(name)
        if status is not None:  # keep the permissions of the file it replaces
            mode = stat.S_IMODE(status.st_mode)
        else:  # what open() would have created
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(name, mode)
        return os.fdopen(descriptor, "wb")

    def write(self, text: str) -> None:
        """Write *text*, UTF-8 encoded (newlines as they are)."""
        self.write_line(text.encode("utf-8"), end=b"")

    def write_line(self, data: bytes, end: bytes = b"\n") -> None:
        """Write *data* and a newline."""
        try:
            self.handle.write(data)
            self.handle.write(end)
        except OSError as error:
            raise InputError(f"cannot write {self.name}: {os_reason(error)}") from None

    def copy_spilled(self, spilled: Spilled) -> None:
        """Write the results of a spill file (then removed)."""
        try:
            self.handle.flush()
            data = _copy_spilled(spilled, self.handle.fileno())
            if data is not None:
                self.handle.write(data)
        except OSError as error:
            raise InputError(f"cannot write {self.name}: {os_reason(error)}") from None

    def prepare(self) -> None:
        """Write everything to the disk, without replacing the target yet.

        The step that can fail (a full disk, an I/O error): a run with two outputs prepares
        both before it renames either, so that a failure leaves both previous files as they
        were.
        """
        if self.prepared:
            return
        try:
            self.handle.flush()
            if self.temporary is not None:
                os.fsync(self.handle.fileno())
            self.handle.close()
        except OSError as error:
            raise InputError(f"cannot write {self.name}: {os_reason(error)}") from None
        self.prepared = True

    def commit(self) -> None:
        """Prepare, then rename the temporary file over the target."""
        self.prepare()
        try:
            if self.temporary is not None:
                os.replace(self.temporary, self.target)
                self.temporary = None
        except OSError as error:
            raise InputError(f"cannot write {self.name}: {os_reason(error)}") from None

    def discard(self) -> str | None:
        """Close and remove the temporary file; return a note for stderr, if any."""
        handle: IO[bytes] | None = getattr(self, "handle", None)  # None: interrupted opening
        if handle is not None:
            with suppress(OSError):  # what is still buffered cannot be written: discarded
                handle.close()
        if self.temporary is None:
            return None
        with suppress(FileNotFoundError):  # someone else removed it meanwhile
            self.temporary.unlink()
        self.temporary = None
        state = "the previous file is unchanged" if self.existed else "no file was created"
        return f"batch: stopped before the end; {self.name} was not written ({state})"


#: Errors of :func:`os.sendfile` that mean "not between these two files" (nothing written).
_SENDFILE_UNSUPPORTED: Final = frozenset(
    {errno.EINVAL, errno.ENOSYS, errno.ENOTSOCK, errno.EOPNOTSUPP, errno.EBADF}
)


def _copy_spilled(spilled: Spilled, descriptor: int | None) -> bytes | None:
    """Copy a spill file to *descriptor* inside the kernel and remove it.

    Returns ``None`` once copied, or the file's bytes when the kernel cannot copy between
    the two (no descriptor, or :func:`os.sendfile` refuses them before writing anything):
    the caller writes them. A failed write raises :class:`OSError`.
    """
    try:
        with open(spilled.path, "rb") as source:
            if descriptor is not None and hasattr(os, "sendfile"):
                offset = 0
                try:
                    while offset < spilled.size:
                        sent = os.sendfile(
                            descriptor, source.fileno(), offset, spilled.size - offset
                        )
                        if not sent:
                            raise OSError(errno.EIO, "a spill file is shorter than its results")
                        offset += sent
                    return None
                except OSError as error:
                    if offset or error.errno not in _SENDFILE_UNSUPPORTED:
                        raise
            return source.read()
    finally:
        with suppress(OSError):
            os.unlink(spilled.path)


@contextmanager
def _interrupt_deferred() -> Iterator[None]:
    """Hold SIGINT and the stop signals until the block ends, then raise the first one.

    Main thread only (elsewhere the block runs as it is).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda signum, frame: received.append(signum))
        for signum in (signal.SIGINT, *STOP_SIGNALS)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        if received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(received[0])


def _identity(path: Path) -> os.stat_result | None:
    try:
        return os.stat(path)
    except OSError:
        return None


def _same(first: os.stat_result | None, second: os.stat_result | None) -> bool:
    return (
        first is not None
        and second is not None
        and (first.st_dev, first.st_ino) == (second.st_dev, second.st_ino)
    )


def _stream_identity(stream: object) -> os.stat_result | None:
    try:
        return os.fstat(cast(IO[str], stream).fileno())
    except (AttributeError, OSError, ValueError):  # closed, or no descriptor (in memory)
        return None


def input_identity(case_file: Path) -> os.stat_result | None:
    """The file behind a case input (``-``: stdin), or ``None`` for a pipe, device or none."""
    source = _stream_identity(sys.stdin) if str(case_file) == "-" else _identity(case_file)
    if source is not None and not stat.S_ISREG(source.st_mode):
        return None  # a pipe or a device is never overwritten by a file
    return source


def refuse_knowledge_output(option: str, path: Path, knowledge_dir: Path | None) -> None:
    """Refuse an output *path* that is a file of the ``--knowledge`` directory (an input).

    Raises:
        InputError: *path* is (by name or inode) a file under *knowledge_dir*.
    """
    target = _identity(path)
    if knowledge_dir is None or target is None:
        return  # a new file overwrites nothing
    for file in sorted(Path(knowledge_dir).rglob("*")):
        if _same(target, _identity(file)):
            raise InputError(
                f"{option} {display_path(path)} is the knowledge-base file "
                f"{display_path(file)}; write to another file"
            )


def _refuse_overwriting(
    cases_file: Path,
    out_path: Path | None,
    errors_path: Path | None,
    knowledge_dir: Path | None = None,
) -> None:
    """Refuse an output that is an input or the other output, before anything is written."""
    source = input_identity(cases_file)
    input_name = "stdin" if str(cases_file) == "-" else display_path(cases_file)
    for option, path in (("--out", out_path), ("--errors", errors_path)):
        if path is not None and _same(_identity(path), source):
            raise InputError(
                f"{option} {display_path(path)} is the input file {input_name}; "
                "write to another file"
            )
        if path is not None:
            refuse_knowledge_output(option, path, knowledge_dir)
    if out_path is None and _same(_stream_identity(sys.stdout), source):
        raise InputError(
            f"stdout is the input file {input_name}; give --out or redirect to another file"
        )
    if out_path is not None and errors_path is not None:
        same_name = os.path.realpath(out_path) == os.path.realpath(errors_path)
        if same_name or _same(_identity(out_path), _identity(errors_path)):
            raise InputError(
                f"--out and --errors are the same file ({display_path(out_path)}); "
                "give two different files"
            )


# --------------------------------------------------------------------------- the run


class _Reporter:
    """Writes errors to stderr (through the progress console on a terminal) and counts."""

    def __init__(self, errors_out: _Sink | None, progress: Progress | None) -> None:
        self.errors_out = errors_out
        self.progress = progress
        self.valid = 0
        self.invalid = 0
        self.internal = 0
        self.by_status: collections.Counter[str] = collections.Counter()
        self.by_plan: collections.Counter[str] = collections.Counter()

    def message(self, text: str) -> None:
        if self.progress is not None:
            self.progress.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            sys.stderr.write(text + "\n")

    def _record(self, record: dict[str, object]) -> None:
        if self.errors_out is not None:
            text = json.dumps(record, ensure_ascii=False, allow_nan=False)
            self.errors_out.write_line(text.encode("utf-8"))

    def invalid_line(self, outcome: Outcome) -> None:
        self.invalid += 1
        for path, message in outcome.problems:
            self.message(f"line {outcome.line}: {path}: {message}")
        errors = [{"path": path, "message": message} for path, message in outcome.problems]
        self._record({"line": outcome.line, "error": "invalid", "errors": errors})

    def internal_line(self, outcome: Outcome) -> None:
        self.internal += 1
        message = cast(str, outcome.internal)
        self.message(
            f"line {outcome.line}: internal error ({message}); this is a bug in ascc_salvage, "
            "not a problem with the line: please report it"
        )
        self._record({"line": outcome.line, "error": "internal", "message": message})

    def valid_line(self, outcome: Outcome) -> None:
        self.valid += 1
        self.by_status[cast(str, outcome.status)] += 1
        self.by_plan[cast(str, outcome.plan)] += 1

    def summary(self) -> str:
        read = self.valid + self.invalid + self.internal
        noun = "internal error" if self.internal == 1 else "internal errors"
        lines = [
            f"batch: {read} cases read, {self.valid} valid, {self.invalid} invalid, "
            f"{self.internal} {noun}"
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
        return stdin_bytes(), None
    try:
        handle = stack.enter_context(open(path, "rb"))  # noqa: SIM115 - the stack closes it
    except OSError as error:
        reason = os_reason(error)
        raise InputError(f"cannot read {display_path(path)}: {reason}; check the path") from None
    size = os.fstat(handle.fileno()).st_size
    return handle, size or None


def _reading(items: Iterator[Item], name: str) -> Iterator[Item]:
    """*items*, with a failed read reported as an input error."""
    try:
        yield from items
    except OSError as error:
        raise InputError(f"cannot read {name}: {os_reason(error)}") from None


def _run(
    cases_file: Path,
    out: _Sink,
    errors_out: _Sink | None,
    workers: int,
    knowledge_dir: str | None = None,
) -> _Reporter:
    with ExitStack() as stack:
        handle, total = _open_input(cases_file, stack)
        progress: Progress | None = None
        if is_terminal(sys.stderr):
            from rich.console import Console  # imported here: only a terminal shows progress
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
        spill_dir: str | None = None
        if workers > 1:
            # Entered before the pool: removed, with any file left in it, after the workers.
            spill_dir = _spill_directory(stack)
            executor = stack.enter_context(_pool(workers))
        reporter = _Reporter(errors_out, progress)
        name = "stdin" if str(cases_file) == "-" else display_path(cases_file)
        lines = _reading(read_lines(handle), name)
        for outcome in _outcomes(lines, executor, knowledge_dir, spill_dir):
            if isinstance(outcome, Spilled):
                out.copy_spilled(outcome)
            elif outcome.document is not None:
                if outcome.document:  # empty: in the chunk's spill file, copied already
                    out.write_line(outcome.document)
                reporter.valid_line(outcome)
            elif outcome.internal is not None:
                reporter.internal_line(outcome)
            else:
                reporter.invalid_line(outcome)
            if progress is not None and task is not None:
                progress.advance(task, outcome.size)
    return reporter


class _Workers(click.IntRange):
    """``--workers``: 1 to :data:`MAX_WORKERS`, reported on one line."""

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        raise OneLineBadParameter(
            f"{message} Use 1 to {MAX_WORKERS} worker processes.", ctx=ctx, param=param
        )


@click.command()
@click.argument(
    "cases_file", metavar="CASES.jsonl", type=click.Path(path_type=Path, allow_dash=True)
)
@click.option(
    "--out",
    "out_path",
    metavar="RESULTS.jsonl",
    type=click.Path(path_type=Path),  # a directory: "cannot write" when opened
    help="Write the results here (default: stdout), one compact JSON document per line.",
)
@click.option(
    "--errors",
    "errors_path",
    metavar="ERRORS.jsonl",
    type=click.Path(path_type=Path),  # a directory: "cannot write" when opened
    help='Also write each failed line here as JSON: {"line": N, "error": "invalid" or "internal"}.',
)
@click.option(
    "--workers",
    type=_Workers(1, MAX_WORKERS),
    default=1,
    show_default=True,
    help=f"Worker processes, 1 to {MAX_WORKERS} (1 runs in this process).",
)
@KNOWLEDGE_OPTION
def batch(
    cases_file: Path,
    out_path: Path | None,
    errors_path: Path | None,
    workers: int,
    knowledge_dir: Path | None,
) -> None:
    """Recommend for every case of a JSON Lines file (one case per line; '-' reads stdin).

    Exactly one result per valid line is written, in input order. Invalid lines are reported
    on stderr as 'line N: path: message' (and to --errors); blank lines are skipped. A line
    that raises an internal error is reported the same way and the run goes on. The whole
    file is processed; the exit status is 1 if any line raised an internal error, else 2 if
    any line was invalid, else 0. A summary of counts by disease status and by preferred
    plan goes to stderr. Output files are replaced only when the run ends (an interrupted
    run leaves them as they were); an output that is the input file is refused.
    """
    _refuse_overwriting(cases_file, out_path, errors_path, knowledge_dir)
    # Validated here, so that an invalid directory exits 2 before any line is read.
    directory: str | None = None
    if knowledge_dir is not None:
        load_knowledge(knowledge_dir)
        directory = str(knowledge_dir.absolute())
    sinks: list[_Sink] = []
    try:
        out: _Sink = _Stdout() if out_path is None else _File(out_path, "--out", sinks)
        if out_path is None:
            sinks.append(out)
        errors_out = None if errors_path is None else _File(errors_path, "--errors", sinks)
        reporter = _run(cases_file, out, errors_out, workers, directory)
        # Every output written out before any is renamed: a full disk while writing
        # --errors must not leave a new --out beside the previous --errors.
        for sink in sinks:
            sink.prepare()
        with _interrupt_deferred():  # the renames, all or (failing) the first ones only
            for sink in sinks:
                sink.commit()
    except BaseException:
        notes = [note for sink in sinks if (note := sink.discard()) is not None]
        if notes:
            sys.stderr.write("\n".join(notes) + "\n")
        raise
    sys.stderr.write(reporter.summary() + "\n")
    if reporter.internal:
        sys.exit(EXIT_INTERNAL)
    if reporter.invalid:
        sys.exit(EXIT_INVALID)
