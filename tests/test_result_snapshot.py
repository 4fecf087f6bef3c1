"""Results are byte-identical to a recorded snapshot (bundled examples and engine cases).

The snapshot holds, for every bundled example and every worked engine case, the compact JSON of
``result_to_dict(recommend(case))`` (the batch serialisation; the CLI's indented form follows
from the same dict and key order); ``result_to_json`` must write the same text. Optimisations
must leave every byte as it was; a deliberate change of results (a rule, a text, the result
schema or the library version) regenerates it with

    ASCC_SALVAGE_WRITE_SNAPSHOT=1 python -m pytest tests/test_result_snapshot.py

and the diff of ``tests/data/result_snapshot.jsonl.gz`` is reviewed like any other change.
"""

from __future__ import annotations

import gzip
import json
import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

import ascc_salvage
from ascc_salvage.examples import examples

HERE = pathlib.Path(__file__).resolve().parent
SNAPSHOT = HERE / "data" / "result_snapshot.jsonl.gz"


def _documents() -> Iterator[tuple[str, Any]]:
    for example in examples():
        yield f"example:{example.name}", example.text()
    for path in sorted((HERE / "engine" / "cases").glob("*.json")):
        yield f"engine:{path.stem}", json.loads(path.read_text(encoding="utf-8"))["case"]


def _compact(document: Any) -> str:
    result = ascc_salvage.recommend(ascc_salvage.load_case(document))
    text = json.dumps(
        ascc_salvage.result_to_dict(result), ensure_ascii=False, separators=(",", ":")
    )
    # The library's own writer (orjson, option results written once) gives the same bytes,
    # twice: the second time from its cache of option results.
    assert ascc_salvage.result_to_json(result) == text
    assert ascc_salvage.result_to_json(result) == text
    return text


def _current() -> dict[str, str]:
    return {name: _compact(document) for name, document in _documents()}


def _recorded() -> dict[str, str]:
    with gzip.open(SNAPSHOT, "rt", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    return {row["name"]: row["result"] for row in rows}


def _write(current: dict[str, str]) -> None:
    lines = "".join(
        json.dumps({"name": name, "result": text}, ensure_ascii=False) + "\n"
        for name, text in current.items()
    )
    # mtime=0: the file's bytes depend on its content only.
    with open(SNAPSHOT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as stream:
        stream.write(lines.encode("utf-8"))


def test_results_are_byte_identical_to_the_snapshot() -> None:
    current = _current()
    if os.environ.get("ASCC_SALVAGE_WRITE_SNAPSHOT") == "1":
        _write(current)
    recorded = _recorded()
    assert sorted(current) == sorted(recorded), "the set of snapshot cases changed"
    changed = [name for name in current if current[name] != recorded[name]]
    if changed:
        name = changed[0]
        old, new = recorded[name], current[name]
        at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
        at = min(len(old), len(new)) if at is None else at
        pytest.fail(
            f"{len(changed)} of {len(current)} results changed, first {name} at character "
            f"{at}:\n  recorded …{old[max(0, at - 120) : at + 120]}\n"
            f"  now      …{new[max(0, at - 120) : at + 120]}"
        )
    assert len(current) >= 150
