"""``load_case`` on fixed documents, as a ratio to ``json.loads`` of the same text.

The documents are the bundled example cases, each also with an added distant site, so that two
source trees (say, before and after a change) time exactly the same input:

    python benchmarks/bench_load_case.py                         # this tree
    PYTHONPATH=/path/to/other/src python benchmarks/bench_load_case.py

The two steps are interleaved, best of ``--rounds``; absolute times vary with the machine's
load, the ratio much less.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from collections.abc import Callable
from typing import Any

from _common import machine, table


def documents() -> list[str]:
    """The bundled examples as JSON text, each once more with a distant site it lacks."""
    from ascc_salvage.examples import examples

    texts = []
    for example in examples():
        document: dict[str, Any] = json.loads(example.text())
        texts.append(json.dumps(document))
        if document["disease"] is not None:
            extended = copy.deepcopy(document)
            present = {site["site"] for site in document["disease"]["sites"]}
            new = next(s for s in ("liver", "lung", "bone") if s not in present)
            size = {"value": 2, "unit": "cm"}
            extended["disease"]["sites"].append(
                {"site": new, "size": size, "lesions": 2, "laterality": None}
            )
            texts.append(json.dumps(extended))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200, help="passes over the documents")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    import ascc_salvage

    texts = documents() * args.repeat
    for text in texts[:50]:
        ascc_salvage.load_case(text)  # warm: registry, hooks, caches
    steps: dict[str, Callable[[], object]] = {
        "json.loads": lambda: [json.loads(t) for t in texts],
        "load_case": lambda: [ascc_salvage.load_case(t) for t in texts],
    }
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(args.rounds):
        for name, step in steps.items():
            start = time.perf_counter()
            step()
            best[name] = min(best[name], time.perf_counter() - start)
    rows = [
        (name, f"{best[name] / len(texts) * 1e6:.1f}", f"{best[name] / best['json.loads']:.1f}")
        for name in steps
    ]
    print(table("machine", ("what", "value"), machine()))
    print(
        table(f"{len(texts)} documents, best of {args.rounds}", ("step", "µs/case", "× json"), rows)
    )


if __name__ == "__main__":
    main()
