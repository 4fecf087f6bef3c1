"""Shared helpers of the benchmark scripts: machine description, timing, case generation."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

RUNS = 5


def machine() -> list[tuple[str, str]]:
    """nproc, CPU model, Python and library versions."""
    model = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import pint

    import ascc_salvage

    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [
        ("nproc", str(nproc)),
        ("CPU", model),
        ("Python", platform.python_version()),
        ("platform", platform.platform()),
        ("ascc_salvage", ascc_salvage.__version__),
        ("pint", pint.__version__),
    ]


def median_time(function: Callable[[], Any], runs: int = RUNS) -> tuple[float, list[float]]:
    """Median wall time of *runs* calls (seconds) and all the times."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A plain-text table."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    lines = [title, ""]
    lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(
                (c.rjust(w) if i else c.ljust(w))
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines) + "\n"


def generate_cases(count: int, pool: int, seed_note: list[str]) -> list[Any]:
    """*count* cases: a pool of distinct generated cases, repeated in order.

    The pool comes from ``ascc_salvage.testing.strategies.cases(full_inputs=True)``
    (derandomised, so every run measures the same cases).
    """
    import hypothesis  # import first: the strategies module registers a Hypothesis hook
    from hypothesis import HealthCheck, Phase, given, settings

    from ascc_salvage.testing.strategies import cases

    drawn: list[Any] = []

    @settings(
        max_examples=pool,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(cases(full_inputs=True))
    def collect(case: Any) -> None:
        drawn.append(case)

    start = time.perf_counter()
    collect()
    seed_note.append(
        f"{len(drawn)} distinct cases from strategies.cases(full_inputs=True) "
        f"(hypothesis {hypothesis.__version__}, derandomised; {time.perf_counter() - start:.1f} s "
        f"to generate), repeated to {count}"
    )
    return [drawn[i % len(drawn)] for i in range(count)]
