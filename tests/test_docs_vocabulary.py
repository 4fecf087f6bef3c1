"""Every code of the public vocabularies is explained in the documentation."""

from __future__ import annotations

import ast
import enum
from pathlib import Path

import pytest

from ascc_salvage import knowledge
from ascc_salvage._conditions import CONDITIONS
from ascc_salvage.vocabulary import DiseaseStatus, Flag, OptionId, Tier, WarningCode

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("vocabulary", "page"),
    [
        (Flag, "concepts.md"),
        (WarningCode, "concepts.md"),
        (DiseaseStatus, "concepts.md"),
        (Tier, "concepts.md"),
        (OptionId, "pathway.md"),
    ],
)
def test_every_code_is_documented(vocabulary: type[enum.StrEnum], page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    missing = [
        str(code) for code in vocabulary if f"`{code}`" not in text and str(code) not in text
    ]
    assert not missing, f"document these {vocabulary.__name__} codes in docs/{page}: {missing}"


ENGINE = Path(__file__).resolve().parents[1] / "src" / "ascc_salvage" / "engine"


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _engine_criterion_ids() -> set[str]:
    """Every criterion id written as a literal in the engine source.

    An id reaches a result through a call of ``criterion``/``Criterion`` (first argument),
    of any engine function with a ``criterion_id`` parameter (such as ``_condition_check`` or
    ``merge``), or of ``RoutingInput`` (its ``criterion_id`` field). A non-literal id is only
    accepted where it is such a parameter being passed on, so that no id escapes this scan.
    """
    trees = {path.name: ast.parse(path.read_text(encoding="utf-8")) for path in ENGINE.glob("*.py")}
    positions: dict[str, int | None] = {"criterion": 0, "Criterion": 0, "RoutingInput": 2}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                names = [arg.arg for arg in (*node.args.posonlyargs, *node.args.args)]
                if "criterion_id" in names:
                    positions.setdefault(node.name, names.index("criterion_id"))
                elif any(arg.arg == "criterion_id" for arg in node.args.kwonlyargs):
                    positions.setdefault(node.name, None)
    ids = _rule_table_criterion_ids()
    indirect: list[str] = []
    for filename, tree in trees.items():
        if filename == "_rules.py":
            continue  # the rule-table interpreter: its ids come from the tables (above)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or _call_name(node) not in positions:
                continue
            position = positions[_call_name(node)]  # type: ignore[index]
            values = [kw.value for kw in node.keywords if kw.arg == "criterion_id"]
            if position is not None and len(node.args) > position:
                values.append(node.args[position])
            for value in values:
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    ids.add(value.value)
                elif not (isinstance(value, ast.Name) and value.id == "criterion_id") and not (
                    isinstance(value, ast.Attribute) and value.attr == "criterion_id"
                ):
                    indirect.append(f"{filename}:{node.lineno}")
    assert not indirect, f"criterion ids that are not literals, not checked: {indirect}"
    return ids


def _rule_table_criterion_ids() -> set[str]:
    """Criterion ids the rule tables produce.

    The conditions an outcome lists as criteria, and ``<condition>_known`` for a condition
    that can be unknown, that a row asks for and that no row is written for as unknown (the
    interpreter branches on it).
    """
    ids: set[str] = set()
    for table in knowledge.rule_tables():
        outcomes = (*table.common, *(outcome for row in table.rows for outcome in row.then))
        for outcome in outcomes:
            ids.update(outcome.criteria)
        asked = {name for row in table.rows for name in row.when}
        written = {
            name for row in table.rows for name, value in row.when.items() if value == "unknown"
        }
        ids.update(f"{name}_known" for name in asked - written if CONDITIONS[name].three_valued)
    return ids


def test_engine_criterion_ids_are_found() -> None:
    ids = _engine_criterion_ids()
    # A few ids from each part of the engine, so that a broken scan cannot pass silently.
    for expected in (
        "performance_status_known",
        "expected_margin_known",
        "histologically_confirmed",
        "no_platinum_hypersensitivity",
        "cisplatin_eligibility_known",
        "reirradiation_screen",
        "anal_margin_t1_n0_m0",
    ):
        assert expected in ids


def test_every_criterion_id_is_documented() -> None:
    text = "\n".join(page.read_text(encoding="utf-8") for page in sorted(DOCS.glob("*.md")))
    missing = sorted(code for code in _engine_criterion_ids() if f"`{code}`" not in text)
    assert not missing, f"document these criterion ids in docs/concepts.md: {missing}"
