"""Shared helpers for the foundation tests: the example document and tree walking."""

from __future__ import annotations

import copy
import importlib.resources
import json
from collections.abc import Iterator
from typing import Any

EXAMPLE_NAME = "persistent_resectable.json"


def example_text() -> str:
    """The bundled example case as JSON text."""
    return (
        importlib.resources.files("ascc_salvage.examples").joinpath(EXAMPLE_NAME).read_text("utf-8")
    )


def example_document() -> dict[str, Any]:
    """A fresh (mutable) copy of the bundled example case document."""
    document: dict[str, Any] = json.loads(example_text())
    return copy.deepcopy(document)


def nodes(document: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every node below the root, paths as the library writes them."""
    if isinstance(document, dict):
        for key, value in document.items():
            child = key if path == "$" else f"{path}.{key}"
            yield child, value
            yield from nodes(value, child)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            child = f"{path}[{index}]"
            yield child, value
            yield from nodes(value, child)


def steps(path: str) -> list[str | int]:
    """Split ``a.b[0].c`` into ``["a", "b", 0, "c"]`` (keys must not contain ``.`` or ``[``)."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        for index in rest.split("[") if rest else []:
            steps.append(int(index.rstrip("]")))
    return steps


def set_at(document: Any, path: str, value: Any) -> None:
    """Replace the node at *path* (``a.b[0].c``) with *value*."""
    *parents, last = steps(path)
    node = document
    for step in parents:
        node = node[step]
    node[last] = value


def delete_at(document: Any, path: str) -> None:
    """Delete the key at *path*."""
    *parents, last = steps(path)
    node = document
    for step in parents:
        node = node[step]
    del node[last]


def paths_of(error: Exception) -> list[str]:
    """The problem paths of a :class:`CaseValidationError`."""
    return [problem.path for problem in error.errors]  # type: ignore[attr-defined]


def names_path(error: Exception, path: str) -> bool:
    """Whether some problem is at *path* or below it."""
    return any(p == path or p.startswith((path + ".", path + "[")) for p in paths_of(error))


def therapy(
    regimen: str, setting: str, start: str, end: str | None, outcome: str
) -> dict[str, Any]:
    """A prior systemic therapy entry of a case document."""
    return {
        "regimen": regimen,
        "setting": setting,
        "start_date": start,
        "end_date": end,
        "outcome": outcome,
    }
