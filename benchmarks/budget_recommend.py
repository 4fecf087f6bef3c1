"""Where ``recommend``'s time goes, in wall-clock microseconds per case (not profiler shares).

Run on purpose, never as a test, from the repository root::

    python benchmarks/budget_recommend.py [--floor-dir ../shared/bench] [--rounds 9]

On the 400 documents of the shared ``ratio.py`` (the ``recommend`` row of ``bench_ratio.py``:
the same case objects every round), each part of ``recommend`` is timed by a thin wrapper
around the function that does it, all wrappers at once, best round of ``--rounds``; the
parts do not overlap (a nested part is subtracted from the part that calls it). A profiler
distorts a flat profile of many small calls; these wrappers add about 0.1 µs per call,
and the run without them is printed for comparison.

The rule tables' row selection (``_rules._select``) is split once more: its calls are
recorded with the condition values they computed, then replayed with every value known,
which times the matching alone; the rest of the selection is evaluating the conditions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import machine

ROOT = Path(__file__).resolve().parents[1]

#: (module, function, label, label of the part it is nested in or "").
PARTS: tuple[tuple[str, str, str, str], ...] = (
    ("ascc_salvage.engine", "assess_status", "disease status (§1, §2.1)", ""),
    ("ascc_salvage.engine", "derive_facts", "facts derived from the case", ""),
    ("ascc_salvage.engine", "Draft", "23 option drafts", ""),
    ("ascc_salvage.engine", "_route", "pathway: rules and routines", ""),
    ("ascc_salvage.engine._rules", "_select", "rule tables: row selection", "_route"),
    ("ascc_salvage.engine", "_finish", "result assembly", ""),
    ("ascc_salvage.engine", "extent_cross_check", "extent cross-check (§2.1)", "_finish"),
    ("ascc_salvage.engine", "crt_in_progress", "CRT in progress", "_finish"),
    ("ascc_salvage.engine", "_warnings", "warnings and plausibility", "_finish"),
    ("ascc_salvage.engine", "_plans", "dose plans", "_finish"),
    ("ascc_salvage.engine", "missing_information", "missing information", "_finish"),
    ("ascc_salvage.engine", "_digest", "input digest (memo hit)", "_finish"),
)


def _best(step: Callable[[], object], rounds: int, cases: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best / cases * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--floor-dir", type=Path, default=ROOT.parent / "shared" / "bench")
    parser.add_argument("--cases", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    sys.path.insert(0, str(args.floor_dir))
    import importlib

    import floor  # type: ignore[import-not-found]  # the shared bare-Python floor
    import ratio  # type: ignore[import-not-found]  # its documents

    import ascc_salvage as a
    from ascc_salvage.engine import _rules

    for key, text in machine():
        print(f"{key:14s} {text}")
    docs = ratio.documents(args.cases)
    cases = [a.load_case(json.dumps(d)) for d in docs]
    n = len(cases)

    def run() -> object:
        return [a.recommend(case) for case in cases]

    run()
    # The floor and recommend alternate, as in ratio.py (the floor measured alone, with the
    # processor's caches all its own, is about a third faster).
    floor_us = plain = float("inf")
    for _ in range(args.rounds):
        floor_us = min(floor_us, _best(lambda: [floor.decide(d) for d in docs], 1, n))
        plain = min(plain, _best(run, 1, n))

    # Every part wrapped at once; the round with the smallest total is reported.
    spent: dict[str, int] = {}
    originals: list[tuple[Any, str, Any]] = []

    def wrap(module: Any, name: str) -> None:
        original = getattr(module, name)
        originals.append((module, name, original))
        clock = time.perf_counter_ns

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0) + clock() - start

        setattr(module, name, timed)

    for module_name, name, _, _ in PARTS:
        wrap(importlib.import_module(module_name), name)
    best_total, best_spent = float("inf"), dict(spent)
    try:
        for _ in range(args.rounds):
            spent.clear()
            start = time.perf_counter_ns()
            run()
            total = time.perf_counter_ns() - start
            if total < best_total:
                best_total, best_spent = total, dict(spent)
    finally:
        for module, name, original in originals:
            setattr(module, name, original)

    # Row selection replayed with every condition value known: the matching alone.
    calls: list[tuple[Any, ...]] = []
    select = _rules._select

    def recording(table: Any, f: Any, values: Any, forced: Any) -> Any:
        chosen = select(table, f, values, forced)
        calls.append((table, f, values, dict(forced)))
        return chosen

    _rules._select = recording
    try:
        run()
    finally:
        _rules._select = select
    matching = _best(lambda: [select(*call) for call in calls], args.rounds, n)

    def us(ns: float) -> float:
        return ns / n / 1e3

    own = {name: us(best_spent.get(name, 0)) for _, name, _, _ in PARTS}
    for _, name, _, parent in PARTS:
        if parent:
            own[parent] -= own[name]
    measured = us(best_total)
    rest = measured - sum(own.values())
    print()
    print(f"{n} documents, best of {args.rounds} rounds; floor {floor_us:.1f} µs")
    print(f"recommend without wrappers {plain:7.1f} µs ({plain / floor_us:.1f}× floor)")
    print(f"the 25× target             {25 * floor_us:7.1f} µs")
    print(f"recommend with wrappers    {measured:7.1f} µs")
    print()
    for _, name, label, parent in PARTS:
        indent = "  " if parent else ""
        value = own[name]
        if name == "_select":
            print(f"  {indent}{label + ': conditions':40s} {value - matching:6.1f} µs")
            print(f"  {indent}{label + ': matching':40s} {matching:6.1f} µs")
            continue
        if any(p == name for _, _, _, p in PARTS):
            label += " (the rest)"
        print(f"  {indent}{label:40s} {value:6.1f} µs")
    # recommend's own code and the part of the wrappers' cost that falls outside the parts.
    print(f"  {'recommend itself, wrapper overhead':40s} {rest:6.1f} µs")


if __name__ == "__main__":
    main()
