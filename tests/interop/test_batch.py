from __future__ import annotations

import itertools
import pickle
from collections.abc import Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.interop._support import example_document

from ascc_salvage import assess_status, load_case
from ascc_salvage.batch import recommend_many
from ascc_salvage.case import Case
from ascc_salvage.engine import recommend
from ascc_salvage.result import result_to_dict
from ascc_salvage.testing.strategies import cases as case_strategy


def _sample_cases(count: int) -> list[Case]:
    """A deterministic, varied sample drawn from the library's case strategy."""
    drawn: list[Case] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(case_strategy(full_inputs=True))
    def collect(case: Case) -> None:
        drawn.append(case)

    collect()
    return drawn


@pytest.fixture(scope="module")
def sample() -> list[Case]:
    cases = _sample_cases(60)
    cases.append(load_case(example_document()))
    return cases


def _documents(results: Any) -> list[dict[str, Any]]:
    return [result_to_dict(r) for r in results]


def test_serial_is_recommend_in_order(sample: list[Case]) -> None:
    assert _documents(recommend_many(sample)) == _documents(recommend(c) for c in sample)


def test_cases_and_results_pickle(sample: list[Case]) -> None:
    for case in sample[:10]:
        assert pickle.loads(pickle.dumps(case)) == case
        result = recommend(case)
        assert result_to_dict(pickle.loads(pickle.dumps(result))) == result_to_dict(result)


def test_process_pool_matches_serial(sample: list[Case]) -> None:
    serial = _documents(recommend_many(sample))
    with ProcessPoolExecutor(2) as pool:
        parallel = _documents(recommend_many(sample, executor=pool, chunksize=7))
    assert parallel == serial


def test_status_function_in_a_process_pool(sample: list[Case]) -> None:
    with ProcessPoolExecutor(2) as pool:
        statuses = list(recommend_many(sample, executor=pool, chunksize=5, function=assess_status))
    assert statuses == [assess_status(c) for c in sample]


@pytest.mark.slow
def test_dask_local_cluster_matches_serial(sample: list[Case]) -> None:
    distributed = pytest.importorskip("distributed")
    serial = _documents(recommend_many(sample))
    with (
        distributed.LocalCluster(
            n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        parallel = _documents(recommend_many(sample, executor=client.get_executor(), chunksize=8))
    assert parallel == serial


class _CountingExecutor(Executor):
    """Runs tasks inline but records how many were submitted ahead of consumption."""

    def __init__(self) -> None:
        self.submitted = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.submitted += 1
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def test_streaming_keeps_a_bounded_number_of_chunks_in_flight() -> None:
    case = load_case(example_document())
    consumed = 0

    def endless() -> Iterator[Case]:
        nonlocal consumed
        for _ in itertools.count():
            consumed += 1
            yield case

    executor = _CountingExecutor()
    stream = recommend_many(
        endless(), executor=executor, chunksize=4, max_in_flight=3, function=assess_status
    )
    first = list(itertools.islice(stream, 10))
    assert len(first) == 10
    # chunks 1-3 submitted up front; yielding from chunks 1-3 submits chunks 4-6
    assert executor.submitted <= 6
    assert consumed <= 6 * 4 + 1


def test_default_in_flight_uses_worker_count() -> None:
    case = load_case(example_document())
    with ThreadPoolExecutor(2) as pool:
        results = list(
            recommend_many([case] * 9, executor=pool, chunksize=2, function=assess_status)
        )
    assert results == [assess_status(case)] * 9


def test_executor_without_worker_count() -> None:
    case = load_case(example_document())
    executor = _CountingExecutor()
    assert (
        list(recommend_many([case] * 3, executor=executor, function=assess_status))
        == [assess_status(case)] * 3
    )


def test_errors_propagate_and_cancel_the_rest() -> None:
    case = load_case(example_document())

    with ThreadPoolExecutor(1) as pool:
        stream = recommend_many([case] * 20, executor=pool, chunksize=1, function=_boom)
        with pytest.raises(RuntimeError, match="boom"):
            list(stream)


def _boom(case: Case) -> None:
    raise RuntimeError("boom")


@pytest.mark.parametrize(("chunksize", "in_flight"), [(0, None), (1, 0)])
def test_invalid_sizes(chunksize: int, in_flight: int | None) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        recommend_many([], chunksize=chunksize, max_in_flight=in_flight)


@given(st.integers(1, 9), st.integers(1, 4), st.integers(0, 25))
@settings(max_examples=25, deadline=None)
def test_order_is_kept_for_any_chunking(chunksize: int, in_flight: int, count: int) -> None:
    case = load_case(example_document())
    executor = _CountingExecutor()
    out = list(
        recommend_many(
            [case] * count,
            executor=executor,
            chunksize=chunksize,
            max_in_flight=in_flight,
            function=_identity_date,
        )
    )
    assert out == [case.evaluation_date] * count


def _identity_date(case: Case) -> Any:
    return case.evaluation_date
