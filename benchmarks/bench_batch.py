"""recommend_many scaling: serial, and ProcessPoolExecutor with 1 and 2 workers.

Run: ``python benchmarks/bench_batch.py [--cases 8000] [--pool 400] [--chunksize 64]``.
Cases are generated and loaded before timing; the pools are started (and warmed with one
chunk, so that each worker has imported the library and loaded the knowledge base) before
timing. Every figure is the median of 5 runs.
"""

from __future__ import annotations

import argparse
import os
import pickle
from concurrent.futures import ProcessPoolExecutor

from _common import RUNS, generate_cases, machine, median_time, table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=8000)
    parser.add_argument("--pool", type=int, default=400)
    parser.add_argument("--chunksize", type=int, default=64)
    parser.add_argument("--max-workers", type=int, default=2)
    args = parser.parse_args()

    from ascc_salvage.batch import recommend_many

    print(table("Machine", ("item", "value"), machine()))
    notes: list[str] = []
    cases = generate_cases(args.cases, args.pool, notes)
    n = len(cases)

    def run(executor: ProcessPoolExecutor | None) -> None:
        for _ in recommend_many(cases, executor=executor, chunksize=args.chunksize):
            pass

    serial, _ = median_time(lambda: run(None))
    rows = [("serial (executor=None)", "—", f"{n / serial:,.0f}", f"{serial:.2f}", "1.00×")]
    baseline = None
    for workers in range(1, args.max_workers + 1):
        with ProcessPoolExecutor(workers) as pool:
            list(
                recommend_many(
                    cases[: args.chunksize * workers], executor=pool, chunksize=args.chunksize
                )
            )  # warm the workers
            median, _ = median_time(lambda pool=pool: run(pool))
        baseline = baseline or median
        rows.append(
            (
                f"ProcessPoolExecutor({workers})",
                str(workers),
                f"{n / median:,.0f}",
                f"{median:.2f}",
                f"{serial / median:.2f}× serial, {baseline / median:.2f}× 1 worker",
            )
        )
    print(
        table(
            f"recommend_many, {n} pre-loaded cases, chunksize {args.chunksize} "
            f"(median of {RUNS} runs; {os.cpu_count()} CPUs)",
            ("executor", "workers", "cases/s", "seconds", "speed-up"),
            rows,
        )
    )
    print(
        table(
            f"Per-case cost of the process boundary ({n} cases, median of {RUNS} runs)",
            ("step", "µs/case", "bytes/case"),
            pickling_rows(cases),
        )
    )
    for note in notes:
        print("cases:", note)


def pickling_rows(cases: list[object]) -> list[tuple[str, str, str]]:
    """What a process pool adds per case: pickling the case there and the result back."""
    from ascc_salvage.engine import recommend

    results = [recommend(case) for case in cases]  # type: ignore[arg-type]
    n = len(cases)
    case_blobs = [pickle.dumps(case) for case in cases]
    result_blobs = [pickle.dumps(result) for result in results]
    rows = []
    for label, function, blobs in (
        ("pickle.dumps(case)", lambda: [pickle.dumps(c) for c in cases], case_blobs),
        ("pickle.loads(case)", lambda: [pickle.loads(b) for b in case_blobs], case_blobs),
        ("recommend(case)", lambda: [recommend(c) for c in cases], None),  # type: ignore[arg-type]
        ("pickle.dumps(result)", lambda: [pickle.dumps(r) for r in results], result_blobs),
        ("pickle.loads(result)", lambda: [pickle.loads(b) for b in result_blobs], result_blobs),
    ):
        median, _ = median_time(function)
        size = "" if blobs is None else f"{sum(map(len, blobs)) / n:,.0f}"
        rows.append((label, f"{median / n * 1e6:,.0f}", size))
    return rows


if __name__ == "__main__":
    main()
