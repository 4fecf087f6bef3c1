"""Throughput of ``ascc_salvage.recommend`` on generated cases with every input present.

Run on purpose, never as a test::

    python benchmarks/bench_recommend.py [--cases 2000] [--runs 5]

The cases are drawn first (``strategies.cases(full_inputs=True)``, derandomised, so every run
of the script measures the same distinct cases); only then is ``recommend`` timed over all of
them, ``--runs`` times. With full inputs every systemic option gets a computed dose plan and
the radiotherapy options their plans. Reported: cases/s and µs/case (median of the runs), the
spread, the same for ``recommend`` + ``result_to_dict`` + ``json.dumps``, the machine and its
load average before and after (other processes on a shared machine inflate the figures).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def machine() -> list[tuple[str, str]]:
    """CPU count and model, Python, platform and library versions."""
    import hypothesis
    import pint

    import ascc_salvage

    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next(
                (line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")),
                model,
            )
    except OSError:
        pass
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("CPUs available", str(cpus)),
        ("CPU", model),
        ("Python", f"{platform.python_implementation()} {platform.python_version()}"),
        ("platform", platform.platform()),
        ("ascc_salvage", ascc_salvage.__version__),
        ("knowledge base", ascc_salvage.knowledge.VERSION),
        ("pint", pint.__version__),
        ("hypothesis", hypothesis.__version__),
    ]


def load_average() -> str:
    """The 1-, 5- and 15-minute load averages."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:  # pragma: no cover - not on every platform
        return "unavailable"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def generate(count: int) -> list[Any]:
    """*count* distinct cases from ``cases(full_inputs=True)`` (derandomised)."""
    import hypothesis  # noqa: F401 - imported first: it runs the package's entry point
    from hypothesis import HealthCheck, Phase, given, settings

    from ascc_salvage.testing.strategies import cases

    drawn: list[Any] = []

    @settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(cases(full_inputs=True))
    def collect(case: Any) -> None:
        drawn.append(case)

    collect()
    return drawn


def time_runs(function: Callable[[], object], runs: int) -> list[float]:
    """Wall time of each of *runs* calls, seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def row(label: str, times: Sequence[float], count: int) -> tuple[str, str, str, str]:
    """Table row: label, cases/s and µs/case of the median run, and the spread."""
    median = statistics.median(times)
    spread = f"{min(times) / count * 1e6:.0f}–{max(times) / count * 1e6:.0f}"
    return (label, f"{count / median:,.0f}", f"{median / count * 1e6:.0f}", spread)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table, first column left-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cases", type=int, default=2000, help="distinct cases (default 2000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args()

    from ascc_salvage import recommend, result_to_dict

    load_before = load_average()
    start = time.perf_counter()
    cases = generate(args.cases)
    generation = time.perf_counter() - start
    count = len(cases)

    results = [recommend(case) for case in cases]  # warm-up: knowledge base, caches
    statuses = collections.Counter(str(r.disease_status) for r in results)
    plans = sum(
        1
        for r in results
        for o in r.options
        if o.dose_plan is not None and "drugs" in (o.dose_plan.to_dict())
    )

    def engine() -> None:
        for case in cases:
            recommend(case)

    def engine_and_json() -> None:
        for case in cases:
            json.dumps(result_to_dict(recommend(case)), ensure_ascii=False, indent=2)

    rows = [
        row("recommend(case)", time_runs(engine, args.runs), count),
        row(
            "recommend + result_to_dict + json.dumps", time_runs(engine_and_json, args.runs), count
        ),
    ]
    load_after = load_average()

    print("ascc_salvage.recommend throughput\n")
    for key, value in machine():
        print(f"  {key}: {value}")
    print(f"  load average (1/5/15 min) before: {load_before}; after: {load_after}")
    print(
        f"  cases: {count} distinct from strategies.cases(full_inputs=True), derandomised, "
        f"generated in {generation:.1f} s (not timed)"
    )
    print(f"  computed drug dose plans: {plans} ({plans / count:.1f} per case)")
    print("  statuses: " + ", ".join(f"{s} {n}" for s, n in statuses.most_common()))
    print(f"\nMedian of {args.runs} runs over all cases (spread: fastest–slowest run, µs/case)\n")
    print(table(("work per case", "cases/s", "µs/case", "spread µs"), rows))


if __name__ == "__main__":
    main()
