"""Helpers for the rendering tests: example cases and their results."""

from __future__ import annotations

import json
from typing import Any

import ascc_salvage
from ascc_salvage.case import Case
from ascc_salvage.examples import example, examples
from ascc_salvage.result import Result

EXAMPLES = [entry.name for entry in examples()]


def case_and_result(name: str = "persistent_resectable", **changes: Any) -> tuple[Case, Result]:
    """An example case (with top-level *changes* to its document) and its result."""
    document: dict[str, Any] = json.loads(example(name).text())
    document.update(changes)
    case = ascc_salvage.load_case(document)
    return case, ascc_salvage.recommend(case)


def document(name: str) -> dict[str, Any]:
    """A mutable copy of an example's case document."""
    loaded: dict[str, Any] = json.loads(example(name).text())
    return loaded
