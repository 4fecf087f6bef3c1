"""Helpers of the JSON Schema tests: validators of the shipped files, documents, mutations."""

from __future__ import annotations

import copy
import importlib.resources
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match

from ascc_salvage import CaseValidationError, load_case
from ascc_salvage.schema import shipped_schema
from ascc_salvage.units import CASE_UNITS

ROOT: Final = Path(__file__).resolve().parents[2]

Step = str | int
NodePath = tuple[Step, ...]


def _validator(name: str) -> Draft202012Validator:
    schema = shipped_schema(name)
    Draft202012Validator.check_schema(schema)
    # Formats are asserted: a date must be a real calendar date, as load_case requires.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


#: Validators of the shipped schema files, by case schema version.
CASE_VALIDATORS: Final = {1: _validator("case-1.schema.json"), 2: _validator("case-2.schema.json")}
RESULT_VALIDATOR: Final = _validator("result.schema.json")


def problems(validator: Draft202012Validator, document: Any) -> str:
    """The best-matching schema error of *document*, as a message for an assertion."""
    error = best_match(validator.iter_errors(document))
    return "" if error is None else f"{error.json_path}: {error.message[:300]}"


def assert_valid_case(document: Any, version: int | None = None) -> None:
    """*document* validates against the shipped case schema of its version."""
    version = document["schema_version"] if version is None else version
    message = problems(CASE_VALIDATORS[version], document)
    assert not message, message


def assert_valid_result(document: Any) -> None:
    """*document* validates against the shipped result schema."""
    message = problems(RESULT_VALIDATOR, document)
    assert not message, message


def case_schema_accepts(document: Any) -> bool:
    """Whether the case schema of either version accepts *document* (what load_case reads)."""
    return any(validator.is_valid(document) for validator in CASE_VALIDATORS.values())


def loads(document: Any) -> bool:
    """Whether load_case accepts *document* (any other exception propagates)."""
    try:
        load_case(document)
    except CaseValidationError:
        return False
    return True


# --- documents ------------------------------------------------------------------------------


def example_documents() -> dict[str, dict[str, Any]]:
    """The bundled examples, by name."""
    folder = importlib.resources.files("ascc_salvage.examples")
    return {
        item.name.removesuffix(".json"): json.loads(item.read_text("utf-8"))
        for item in sorted(folder.iterdir(), key=lambda item: item.name)
        if item.name.endswith(".json")
    }


def engine_case_documents() -> dict[str, dict[str, Any]]:
    """The ``case`` of every engine test case, by file name."""
    folder = ROOT / "tests" / "engine" / "cases"
    return {
        path.stem: json.loads(path.read_text("utf-8"))["case"]
        for path in sorted(folder.glob("*.json"))
    }


def status_case_documents() -> dict[str, dict[str, Any]]:
    """Every status test case, by file name (``expected.json`` holds the expectations)."""
    folder = ROOT / "tests" / "cases" / "status"
    return {
        path.stem: json.loads(path.read_text("utf-8"))
        for path in sorted(folder.glob("*.json"))
        if path.name != "expected.json"
    }


_JSON_BLOCK: Final = re.compile(r"^```json\n(?P<body>.*?)^```", re.M | re.S)


def docs_json_blocks() -> dict[str, Any]:
    """Every JSON code block of the docs pages that parses, by ``page:index``."""
    found: dict[str, Any] = {}
    for page in sorted((ROOT / "docs").rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        for i, match in enumerate(_JSON_BLOCK.finditer(text)):
            try:
                found[f"{page.relative_to(ROOT / 'docs')}:{i}"] = json.loads(match.group("body"))
            except json.JSONDecodeError:  # pragma: no cover - a page with an abridged block
                continue
    return found


def docs_case_documents() -> dict[str, dict[str, Any]]:
    """The docs' JSON blocks that are whole case documents."""
    return {
        name: block
        for name, block in docs_json_blocks().items()
        if isinstance(block, dict) and {"schema_version", "patient", "primary"} <= block.keys()
    }


def rich_schema_2_document() -> dict[str, Any]:
    """A valid schema 2 document with a value in every kind of schema 2 field."""
    doc = copy.deepcopy(example_documents()["persistent_resectable"])
    doc["schema_version"] = 2
    del doc["patient"]["pd_l1_cps"]  # optional in schema 2
    doc["patient"].update(
        {
            "frail": False,
            "declines_active_treatment": False,
            "clinical_frailty_scale": 3,
            "declines": ["immunotherapy"],
            "prefers_clinical_trial": None,
            "measured_gfr": {"value": 62, "unit": "mL/min/{1.73_m2}"},
            "dialysis": False,
            "dpyd_activity_score": 1.5,
            "hepatic_function": {
                "bilirubin_x_uln": 0.6,
                "ast_x_uln": 0.8,
                "alt_x_uln": 0.9,
                "alp_x_uln": None,
            },
            "biomarkers": {
                "pd_l1": [
                    {"cps": 5, "assay": "22C3", "specimen": "recurrence", "date": "2026-10-20"}
                ],
                "hpv": "positive",
                "p16": "positive",
                "mmr_msi": None,
                "tmb_mut_per_mb": 4.5,
            },
        }
    )
    crt = doc["primary"]["chemoradiotherapy"]
    crt["agents"] = ["mitomycin", "capecitabine"]
    crt["groin_dose"] = {"value": 4000, "unit": "cGy"}
    crt["groin_fractions"] = 28
    crt["phases"] = [
        {"sequence": 1, "technique": "ebrt", "target": "primary",
         "dose": {"value": 50.4, "unit": "Gy"}, "fractions": 28},
        {"sequence": 1, "technique": "ebrt", "target": "groins",
         "dose": {"value": 40, "unit": "Gy"}, "fractions": 28},
    ]  # fmt: skip
    doc["assessments"].append(
        {"date": "2026-10-20", "finding": "stable", "biopsy": "positive",
         "site_findings": [{"site": "pelvic_nodes", "finding": "new", "biopsy": "positive",
                            "laterality": "left", "station": "obturator"}]}
    )  # fmt: skip
    doc["disease"]["sites"].append(
        {"site": "pelvic_nodes", "size": {"value": 12, "unit": "mm"}, "lesions": 2,
         "laterality": "left", "station": "obturator"}
    )  # fmt: skip
    doc["disease"]["all_lesions_locally_treatable"] = None
    doc["disease"]["symptoms"] = [{"symptom": "bleeding", "site": "anal_canal"}]
    doc["prior_systemic_therapy"] = [
        {"regimen": "other", "agents": ["oxaliplatin", "fluorouracil"], "setting": "advanced",
         "start_date": "2026-01-05", "end_date": "2026-04-20", "outcome": "progression",
         "platinum_end_date": None, "cycles": 8, "best_response": "stable_disease"}
    ]  # fmt: skip
    doc["prior_radiotherapy"] = [
        {"region": "other", "end_date": "2015-03-01", "dose": {"value": 34, "unit": "Gy"},
         "fractions": 1, "technique": "sabr"}
    ]  # fmt: skip
    doc["facility"].update({"clinical_trial_available": False, "reirradiation_expertise": None})
    return doc


# --- mutations ------------------------------------------------------------------------------

#: Marks a key to delete.
DELETE: Final = object()

_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")

#: Values of another JSON type than the one a node holds.
_OTHER_TYPES: Final[tuple[Any, ...]] = ("2", 2.5, 3, True, None, [], {})
_NUMBERS: Final = (-1, 0, 0.25, 2.0, 1e9, -1e-9)
_KEYS: Final = ("unexpected", "", "dialysis", "symptoms", "station", "technique", "Value")
_UNITS: Final = (*CASE_UNITS, "kilogram", "Sv", "KG", "mg/dl", "rad", 1)
_DATES: Final = (
    "2025-02-30",
    "1899-12-31",
    "2100-01-01",
    "2025-1-06",
    "20250106",
    "2025-01-06T00:00:00",
    "2025-01-06\n",
    "\uff12025-01-06",
)


def walk(node: Any, path: NodePath = ()) -> Iterator[tuple[NodePath, Any]]:
    """Every node of a document with its path (the root first, path ``()``)."""
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*path, index))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _drop_key(doc: Any) -> list[tuple[NodePath, Any]]:
    return [(path, DELETE) for path, _ in walk(doc) if path and isinstance(path[-1], str)]


def _wrong_type(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        (path, other)
        for path, value in walk(doc)
        if path
        for other in _OTHER_TYPES
        if type(other) is not type(value) and other != value
    ]


def _out_of_range(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        (path, number)
        for path, value in walk(doc)
        if _is_number(value)
        for number in (*_NUMBERS, value * 1000, -value)
    ]


def _unknown_enum(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        (path, text)
        for path, value in walk(doc)
        if isinstance(value, str) and not _DATE.fullmatch(value)
        for text in (value.upper(), value + "_x", "")
        if text != value
    ]


def _unknown_key(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        ((*path, key), None)
        for path, value in walk(doc)
        if isinstance(value, dict)
        for key in _KEYS
        if key not in value
    ]


def _wrong_unit(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        (path, unit)
        for path, value in walk(doc)
        if path and path[-1] == "unit"
        for unit in _UNITS
        if unit != value
    ]


def _bad_date(doc: Any) -> list[tuple[NodePath, Any]]:
    return [
        (path, date)
        for path, value in walk(doc)
        if isinstance(value, str) and _DATE.fullmatch(value)
        for date in _DATES
    ]


def _bad_list(doc: Any) -> list[tuple[NodePath, Any]]:
    edits: list[tuple[NodePath, Any]] = []
    for path, value in walk(doc):
        if isinstance(value, list) and value:
            edits += [(path, [*value, value[0]]), (path, [value[0]] * 501), (path, [])]
    return edits


#: Each kind of mutation: the edits it can make to a document, every one of them.
MUTATIONS: Final[dict[str, Callable[[Any], list[tuple[NodePath, Any]]]]] = {
    "drop_key": _drop_key,
    "wrong_type": _wrong_type,
    "out_of_range": _out_of_range,
    "unknown_enum": _unknown_enum,
    "unknown_key": _unknown_key,
    "wrong_unit": _wrong_unit,
    "bad_date": _bad_date,
    "bad_list": _bad_list,
}


def mutated(document: Any, path: NodePath, value: Any) -> Any:
    """A copy of *document* with the node at *path* replaced by *value* (or deleted)."""
    doc = copy.deepcopy(document)
    node = doc
    for step in path[:-1]:
        node = node[step]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = copy.deepcopy(value)
    return doc
