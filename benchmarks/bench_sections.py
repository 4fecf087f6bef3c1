"""``recommend`` by pathway section, on the engine's worked cases (process time).

Run on purpose, never as a test, from the repository root::

    python benchmarks/bench_sections.py [--rounds 15]

The cases are ``tests/engine/cases/*.json`` (one or more per pathway row), grouped by the
prefix of their file name (``s4_4_…`` → ``s4``). Each group is timed as the best of
``--rounds`` rounds of five passes, in process CPU time, so that other processes on a
shared machine disturb the figure less than wall time would. To compare two trees, run the
script once per tree alternately (``PYTHONPATH=<tree>/src``) and compare the columns.
"""

from __future__ import annotations

import argparse
import json
import pathlib
import time
from collections import defaultdict
from typing import Any

from _common import machine, table

CASES = pathlib.Path(__file__).resolve().parents[1] / "tests" / "engine" / "cases"


def groups() -> dict[str, list[Any]]:
    """The loadable engine cases by section prefix (cases the engine refuses are skipped)."""
    import ascc_salvage

    found: dict[str, list[Any]] = defaultdict(list)
    for path in sorted(CASES.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        case = ascc_salvage.load_case(json.dumps(document["case"]))
        found[path.stem.split("_", 1)[0]].append(case)
    return dict(found)


def best_microseconds(cases: list[Any], rounds: int) -> float:
    """Best of *rounds* rounds of five passes over *cases*, µs of process time per case."""
    import ascc_salvage

    recommend = ascc_salvage.recommend
    for case in cases:  # warm the caches (knowledge base, compiled tables)
        recommend(case)
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(5):
            for case in cases:
                recommend(case)
        best = min(best, (time.process_time() - start) / (5 * len(cases)))
    return best * 1e6


def main() -> None:
    """Print the machine and one row per section group."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed rounds (default 15)")
    rounds = parser.parse_args().rounds
    print(table("machine", ("what", "value"), machine()))
    by_group = groups()
    rows = [
        (name, str(len(cases)), f"{best_microseconds(cases, rounds):.1f}")
        for name, cases in sorted(by_group.items())
    ]
    everything = [case for cases in by_group.values() for case in cases]
    rows.append(("all", str(len(everything)), f"{best_microseconds(everything, rounds):.1f}"))
    print(table("recommend, µs of process time per case", ("group", "cases", "µs"), rows))


if __name__ == "__main__":
    main()
