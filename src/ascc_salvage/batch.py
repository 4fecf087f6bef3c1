"""Many cases at once: :func:`recommend_many`, streamed and in input order.

Cases are sent to the executor in chunks (one task per chunk keeps the per-task overhead
small); at most ``max_in_flight`` chunks are submitted ahead of the one being yielded, so
memory stays flat however long the input iterable is. Any
:class:`concurrent.futures.Executor` works: a ``ProcessPoolExecutor``, a
``ThreadPoolExecutor``, or a Dask ``distributed.Client(...).get_executor()``. Cases and
results pickle; quantities are rebuilt in the library's unit registry on the other side.

:func:`recommend_many_json` is the same stream with JSON text on both sides: each worker
reads a case's JSON text and returns its result's JSON text (:func:`~ascc_salvage.result_to_json`),
so only strings cross the process boundary. Pickling a case and its result (about 50 attrs
objects, 8.5 kB) costs more than recommending them, so this is the form for process pools
and Dask.

Which executor suits which workload:

* ``executor=None`` (serial): a small machine, a few cases, or cases already loaded as
  :class:`~ascc_salvage.Case` objects that are not worth sending anywhere.
* ``ProcessPoolExecutor`` with :func:`recommend_many_json`: many cases on a machine with
  spare cores; the workers do the parsing, validation, recommendation and serialisation,
  and the calling process only hands out and collects text.
* A Dask ``Client(...).get_executor()`` with :func:`recommend_many_json`: cases spread over
  machines; text travels well.
* ``ProcessPoolExecutor`` with :func:`recommend_many` (objects): only when the objects are
  needed on both sides; the pickling is the bottleneck.
* ``ThreadPoolExecutor``: no speed-up (recommending is pure-Python work, which holds the
  interpreter lock); useful only to overlap the calls with I/O in the same process.
"""

from __future__ import annotations

import collections
import functools
import itertools
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

if TYPE_CHECKING:
    from ascc_salvage.case import Case
    from ascc_salvage.knowledge import KnowledgeBase
    from ascc_salvage.result import Result

_S = TypeVar("_S")
_T = TypeVar("_T")

__all__ = ["DEFAULT_CHUNKSIZE", "recommend_many", "recommend_many_json"]

#: Cases per task by default.
DEFAULT_CHUNKSIZE: Final = 64


def _recommend(case: Case, knowledge: KnowledgeBase | None = None) -> Result:
    from ascc_salvage.engine import recommend

    return recommend(case, knowledge=knowledge)


def _recommend_json(text: str | bytes) -> str:
    """One case's JSON text → its result's JSON text (module level so that it pickles)."""
    from ascc_salvage.engine import recommend
    from ascc_salvage.io import load_case
    from ascc_salvage.result import result_to_json

    return result_to_json(recommend(load_case(text)))


def _run_chunk(function: Callable[[_S], _T], chunk: Sequence[_S]) -> list[_T]:
    """Apply *function* to one chunk (module level so that it pickles by reference)."""
    return [function(case) for case in chunk]


def _chunks(cases: Iterable[_S], size: int) -> Iterator[list[_S]]:
    iterator = iter(cases)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _default_in_flight(executor: Executor) -> int:
    workers = getattr(executor, "_max_workers", None)
    if not isinstance(workers, int) or workers < 1:
        workers = os.cpu_count() or 1
    return 2 * workers


@overload
def recommend_many(
    cases: Iterable[Case],
    *,
    executor: Executor | None = ...,
    chunksize: int = ...,
    max_in_flight: int | None = ...,
    function: None = ...,
    knowledge: KnowledgeBase | None = ...,
) -> Iterator[Result]: ...


@overload
def recommend_many(
    cases: Iterable[_S],
    *,
    executor: Executor | None = ...,
    chunksize: int = ...,
    max_in_flight: int | None = ...,
    function: Callable[[_S], _T],
    knowledge: None = ...,
) -> Iterator[_T]: ...


def recommend_many(
    cases: Iterable[Any],
    *,
    executor: Executor | None = None,
    chunksize: int = DEFAULT_CHUNKSIZE,
    max_in_flight: int | None = None,
    function: Callable[[Any], object] | None = None,
    knowledge: KnowledgeBase | None = None,
) -> Iterator[object]:
    """Recommend for every case, yielding the results in input order as they complete.

    Args:
        cases: Any iterable of cases; it is consumed lazily.
        executor: Where to run; ``None`` runs serially in this process. The executor is not
            shut down (its owner does that).
        chunksize: Cases per task (at least 1).
        max_in_flight: Chunks submitted ahead of the one being yielded (default: twice the
            executor's worker count, else twice the CPU count).
        function: Applied to each item instead of :func:`ascc_salvage.recommend` (it must
            pickle for a process or Dask executor; a module-level function does). With a
            function, *cases* may hold any picklable items (the ``batch`` command streams
            input lines this way).
        knowledge: The knowledge base for :func:`ascc_salvage.recommend`, from
            :func:`ascc_salvage.knowledge.load` (default: the bundled one). It is sent to a
            process executor with every chunk; not allowed together with *function*.

    Yields:
        One result per case, in input order.

    Raises:
        TypeError: *chunksize* or *max_in_flight* is not an ``int``.
        ValueError: *chunksize* or *max_in_flight* is below 1, or both *function* and
            *knowledge* are given.

    Any exception raised for a case propagates when its result would be yielded; the chunks
    still running are cancelled where the executor allows it.

    >>> list(recommend_many([], chunksize=8))
    []
    """
    for name, number in (("chunksize", chunksize), ("max_in_flight", max_in_flight)):
        if number is not None and (type(number) is not int):
            raise TypeError(f"{name} must be an int, not {type(number).__name__}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be at least 1, got {chunksize}")
    if max_in_flight is not None and max_in_flight < 1:
        raise ValueError(f"max_in_flight must be at least 1, got {max_in_flight}")
    if function is not None and knowledge is not None:
        raise ValueError("knowledge applies to the default function only; pass one or the other")
    apply: Callable[[Any], object]
    if function is not None:
        apply = function
    elif knowledge is not None:
        apply = functools.partial(_recommend, knowledge=knowledge)
    else:
        apply = _recommend
    if executor is None:
        return (apply(case) for case in cases)
    limit = max_in_flight if max_in_flight is not None else _default_in_flight(executor)
    return _stream(executor, apply, _chunks(cases, chunksize), limit)


def _stream(
    executor: Executor,
    function: Callable[[_S], _T],
    chunks: Iterator[list[_S]],
    limit: int,
) -> Iterator[_T]:
    pending: collections.deque[Future[list[_T]]] = collections.deque()
    try:
        for chunk in itertools.islice(chunks, limit):
            pending.append(executor.submit(_run_chunk, function, chunk))
        while pending:
            results = pending.popleft().result()
            next_chunk = next(chunks, None)
            if next_chunk is not None:
                pending.append(executor.submit(_run_chunk, function, next_chunk))
            yield from results
    finally:
        for future in pending:
            future.cancel()


def recommend_many_json(
    texts: Iterable[str | bytes],
    *,
    executor: Executor | None = None,
    chunksize: int = DEFAULT_CHUNKSIZE,
    max_in_flight: int | None = None,
) -> Iterator[str]:
    """Recommend for every case given as JSON text, yielding each result as JSON text.

    Text in, text out: each item is read with :func:`~ascc_salvage.load_case` and its result
    written with :func:`~ascc_salvage.result_to_json` (one compact line, the ``batch``
    command's format) by whoever runs it, so a process pool or a Dask cluster sends and
    receives strings only, never pickled model objects. Order, streaming, chunking and
    errors are as for :func:`recommend_many`.

    Args:
        texts: Case documents as JSON text (``str`` or UTF-8 ``bytes``), e.g. the lines of a
            JSON Lines file; consumed lazily.
        executor: Where to run; ``None`` runs serially in this process.
        chunksize: Cases per task (at least 1).
        max_in_flight: Chunks submitted ahead of the one being yielded.

    Yields:
        The result of each case as compact JSON text, in input order.

    Raises:
        CaseValidationError: When the result of an invalid case would be yielded (see
            :func:`recommend_many` for errors; the ``batch`` command reports invalid lines
            and goes on instead).
        TypeError: *texts* is one ``str`` or ``bytes`` (give a list of documents), or
            *chunksize* or *max_in_flight* is not an ``int``.
        ValueError: *chunksize* or *max_in_flight* is below 1.

    >>> from ascc_salvage.examples import example
    >>> texts = [example("persistent_resectable").text()]
    >>> [line[:40] for line in recommend_many_json(texts)]
    ['{"schema_version":2,"input_schema_versio']
    """
    if isinstance(texts, str | bytes):
        # One document would be read character by character (or byte by byte).
        raise TypeError("texts must be an iterable of documents, not one str or bytes")
    return recommend_many(
        texts,
        executor=executor,
        chunksize=chunksize,
        max_in_flight=max_in_flight,
        function=_recommend_json,
    )
