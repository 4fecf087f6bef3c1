"""Limits checked before a bundle is mapped, so that no input can exhaust memory or the stack.

Like :func:`ascc_salvage.load_case`, the checks run on the raw JSON text and on the parsed
document *before* any model is built, iteratively (no recursion), and every violation becomes a
:class:`~ascc_salvage.CaseValidationError` at path ``bundle``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from ascc_salvage.errors import CaseValidationError, Problem

__all__ = [
    "MAX_BUNDLE_BYTES",
    "MAX_DEPTH",
    "MAX_ENTRIES",
    "MAX_NODES",
    "check_bundle",
    "parse_json",
]

#: Largest bundle accepted as JSON text (bytes of UTF-8).
MAX_BUNDLE_BYTES: Final = 8 * 1024 * 1024
#: Largest number of ``Bundle.entry`` items.
MAX_ENTRIES: Final = 5000
#: Deepest nesting of objects and arrays (the bundle itself is depth 1). mCODE resources nest
#: about ten levels (entry → resource → extension → extension → valueQuantity).
MAX_DEPTH: Final = 32
#: Largest number of JSON values (objects, arrays and scalars) in a parsed bundle.
MAX_NODES: Final = 1_000_000


def _refuse(message: str) -> CaseValidationError:
    return CaseValidationError([Problem("bundle", message)])


def parse_json(text: str | bytes | bytearray) -> Any:
    """Parse JSON text after checking its size; syntax errors and over-deep text are refused."""
    size = len(text.encode("utf-8", "surrogatepass")) if isinstance(text, str) else len(text)
    if size > MAX_BUNDLE_BYTES:
        raise _refuse(f"larger than {MAX_BUNDLE_BYTES} bytes")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _refuse(f"invalid JSON: {exc}") from None


def check_bundle(document: Mapping[str, Any], *, name: str = "bundle") -> None:
    """Refuse a parsed document that is too deep, too large or has too many entries.

    Raises:
        CaseValidationError: At path *name*, naming the limit.
    """
    entries = document.get("entry")
    if isinstance(entries, list) and len(entries) > MAX_ENTRIES:
        raise CaseValidationError(
            [Problem(name, f"has {len(entries)} entries; at most {MAX_ENTRIES} are read")]
        )
    level: list[Any] = [document]
    depth = 1
    nodes = 1
    while level:
        below: list[Any] = []
        for node in level:
            children = node.values() if isinstance(node, Mapping) else node
            nodes += len(children)
            below.extend(v for v in children if isinstance(v, Mapping | list))
        if nodes > MAX_NODES:
            raise CaseValidationError([Problem(name, f"has more than {MAX_NODES} JSON values")])
        if below and depth >= MAX_DEPTH:
            raise CaseValidationError(
                [Problem(name, f"nested deeper than {MAX_DEPTH} levels of objects and arrays")]
            )
        level, depth = below, depth + 1
