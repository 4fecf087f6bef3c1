#!/usr/bin/env python3
"""Write ``result_to_dict`` of every engine test case, bundled example and generated case.

Used to check that a refactoring of the engine changes no result: run it before and after
the change and compare the two files (``--compare OLD NEW``). The generated cases come from
the library's Hypothesis strategies with a fixed seed (the untreated-primary status and a
mix of all statuses), so both runs see the same cases.

Usage::

    python scripts/result_snapshot.py OUT.json [--generated N]
    python scripts/result_snapshot.py --compare OLD.json NEW.json [--rules 'REGEX']
"""

from __future__ import annotations

import argparse
import json
import pathlib
import re
import sys
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _snapshot(generated: int) -> dict[str, Any]:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    import ascc_salvage
    from ascc_salvage.io import dump_case
    from ascc_salvage.result import result_to_dict
    from ascc_salvage.testing.strategies import cases
    from ascc_salvage.vocabulary import DiseaseStatus

    out: dict[str, Any] = {}
    for path in sorted((ROOT / "tests" / "engine" / "cases").glob("*.json")):
        document = json.loads(path.read_text())
        case = ascc_salvage.load_case(json.dumps(document["case"]))
        out[f"case:{path.stem}"] = result_to_dict(ascc_salvage.recommend(case))
    examples = ROOT / "src" / "ascc_salvage" / "examples"
    for path in sorted(examples.glob("*.json")):
        case = ascc_salvage.load_case(path.read_text())
        out[f"example:{path.stem}"] = result_to_dict(ascc_salvage.recommend(case))
    drawn: list[Any] = []
    strategy = st.one_of(cases(status_hint=DiseaseStatus.UNTREATED_PRIMARY), cases())

    @settings(
        max_examples=generated,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(case: Any) -> None:
        drawn.append(case)

    collect()
    for index, case in enumerate(drawn):
        out[f"generated:{index}"] = {
            "case": dump_case(case),
            "result": result_to_dict(ascc_salvage.recommend(case)),
        }
    return out


def _compare(old_path: str, new_path: str, rules: str | None) -> int:
    old_text = pathlib.Path(old_path).read_text()
    new_text = pathlib.Path(new_path).read_text()
    if rules:
        # Rule ids renamed on purpose: compare everything else.
        pattern = re.compile(rf"\(rule (?:{rules})\)")
        old_text, new_text = pattern.sub("(rule *)", old_text), pattern.sub("(rule *)", new_text)
    old, new = json.loads(old_text), json.loads(new_text)
    differing = [key for key in old if old[key] != new.get(key)]
    print(f"{len(old)} results compared, {len(differing)} differ")
    for key in differing:
        print(" ", key)
    return 1 if differing or set(old) != set(new) else 0


def main() -> int:
    """Write a snapshot, or compare two (exit status 1 when they differ)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--generated", type=int, default=300)
    parser.add_argument("--compare", action="store_true")
    parser.add_argument("--rules", help="regex of rule ids to treat as equal when comparing")
    args = parser.parse_args()
    if args.compare:
        return _compare(*args.paths, args.rules)
    snapshot = _snapshot(args.generated)
    pathlib.Path(args.paths[0]).write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    print(f"{len(snapshot)} results written to {args.paths[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
