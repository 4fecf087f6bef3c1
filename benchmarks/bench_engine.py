"""Single-process figures: import time, load_case, recommend, JSON in → JSON out.

Run: ``python benchmarks/bench_engine.py [--cases 4000] [--pool 400]``. Prints tables; every
figure is the median of 5 runs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from _common import RUNS, generate_cases, machine, median_time, table

_EXAMPLE = (
    "from ascc_salvage.examples import __file__ as f; import pathlib; "
    "case = ascc_salvage.load_case(pathlib.Path(f).with_name('persistent_resectable.json'))"
)
IMPORT_SNIPPETS = {
    "python -c pass (interpreter start only)": "pass",
    "import ascc_salvage (public names load lazily)": "import ascc_salvage",
    "import ascc_salvage; load_case(example) (units, pint, validation)": (
        "import ascc_salvage; " + _EXAMPLE
    ),
    "... + recommend(case) (engine, knowledge base)": (
        "import ascc_salvage; " + _EXAMPLE + "; ascc_salvage.recommend(case)"
    ),
    "import pint": "import pint",
    "import pint; pint.UnitRegistry() (default registry)": "import pint; pint.UnitRegistry()",
}


def import_times() -> list[tuple[str, str, str]]:
    rows = []
    for label, snippet in IMPORT_SNIPPETS.items():
        code = (
            "import time; _t = time.perf_counter(); "
            + snippet
            + ("; print(time.perf_counter() - _t)")
        )
        inside, wall = [], []
        for _ in range(RUNS):
            start = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            wall.append(time.perf_counter() - start)
            inside.append(float(out.stdout.strip().splitlines()[-1]))
        rows.append(
            (
                label,
                f"{statistics.median(inside) * 1000:.1f} ms",
                f"{statistics.median(wall) * 1000:.1f} ms",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=4000)
    parser.add_argument("--pool", type=int, default=400)
    args = parser.parse_args()

    print(table("Machine", ("item", "value"), machine()))
    print(
        table(
            f"Import time in a fresh interpreter (median of {RUNS}): measured inside the "
            "process, and wall time of the whole process",
            ("what", "in process", "process wall"),
            import_times(),
        )
    )

    from ascc_salvage import dump_case, load_case
    from ascc_salvage.engine import recommend
    from ascc_salvage.result import result_to_dict

    notes: list[str] = []
    cases = generate_cases(args.cases, args.pool, notes)
    documents = [json.loads(json.dumps(dump_case(c))) for c in cases]
    texts = [json.dumps(d) for d in documents]
    recommend(cases[0])  # knowledge base loaded before timing

    def load_all() -> None:
        for document in documents:
            load_case(document)

    def recommend_all() -> None:
        for case in cases:
            recommend(case)

    def end_to_end() -> None:
        for text in texts:
            json.dumps(result_to_dict(recommend(load_case(text))), ensure_ascii=False)

    rows = []
    n = len(cases)
    for label, function in (
        ("load_case (parsed document → Case)", load_all),
        ("recommend (Case → Result)", recommend_all),
        ("JSON text → load_case → recommend → result_to_dict → JSON text", end_to_end),
    ):
        median, times = median_time(function)
        rows.append(
            (
                label,
                f"{n / median:,.0f}",
                f"{median / n * 1e6:,.1f}",
                f"{min(times) / n * 1e6:,.1f}–{max(times) / n * 1e6:,.1f}",
            )
        )
    print(
        table(
            f"Throughput, one process, {n} cases (median of {RUNS} runs)",
            ("step", "cases/s", "µs/case", "range µs/case"),
            rows,
        )
    )
    for note in notes:
        print("cases:", note)


if __name__ == "__main__":
    main()
