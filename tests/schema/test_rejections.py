"""What the JSON Schema rejects, load_case rejects too; the hostile documents it can express.

The property: mutate a valid document (drop a key, a value of the wrong type, a number out of
range, an unknown enum value, an unknown key, a wrong unit, a bad date, a duplicated, over-long
or emptied list). Whenever the schema (of either version) rejects the result,
:func:`~ascc_salvage.load_case` raises :class:`~ascc_salvage.CaseValidationError`. Every
mutation of every kind is applied to two fixed documents (deterministic, whatever the
Hypothesis profile), and Hypothesis draws mutations of strategy documents besides.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ascc_salvage import (
    CaseValidationError,
    dump_case,
    load_case,
    load_result,
    recommend,
    result_to_dict,
)
from ascc_salvage.testing.strategies import cases, schema_1_documents

from ._support import (
    MUTATIONS,
    RESULT_VALIDATOR,
    ROOT,
    case_schema_accepts,
    example_documents,
    loads,
    mutated,
    rich_schema_2_document,
)

INVALID = ROOT / "tests" / "hardening" / "invalid"

#: Hostile documents beyond a schema, with the reason: every other one is rejected by it.
OUTSIDE_THE_SCHEMA = {
    # JSON text: refused by the parser before any schema could see a document.
    "empty_file.json": "not JSON",
    "javascript_comment.json": "not JSON",
    "single_quotes.json": "not JSON",
    "trailing_data.json": "not JSON",
    "truncated_json.json": "not JSON",
    "whitespace_only.json": "not JSON",
    "non_utf8_latin1.json": "not UTF-8",
    "utf16_encoded.json": "not UTF-8",
    "utf8_encoded_surrogate.json": "not UTF-8",
    "duplicate_json_key.json": "a duplicate key is gone once the text is parsed",
    # JSON numbers: JSON Schema's integer is any number with a zero fraction; NaN is a number.
    "type_integer_as_float.json": "2.0 is an integer for JSON Schema",
    "nan_number_field.json": "NaN compares false with every bound",
    # Cross-field rules (case format, cross-field validation and plausibility).
    "dates_assessment_after_evaluation.json": "cross-field: dates in order",
    "dates_assessments_out_of_order.json": "cross-field: dates in order",
    "dates_crt_end_before_start.json": "cross-field: dates in order",
    "dates_therapy_end_before_start.json": "cross-field: dates in order",
    "groin_dose_without_groin_irradiation.json": "cross-field: P14",
    "magnitude_dose_per_fraction_30_gy.json": "cross-field: dose per fraction",
    "station_for_non_pelvic_site.json": "cross-field: P14",
    "therapy_end_null_not_ongoing.json": "cross-field: end date null only when ongoing",
}

_INVALID_FILES = sorted(
    path.name for path in INVALID.glob("*.json") if path.name != "catalogue.json"
)


def _parsed(path: Path) -> Any:
    return json.loads(path.read_bytes().decode("utf-8"))


@pytest.mark.parametrize("name", _INVALID_FILES)
def test_hostile_documents_are_rejected_by_the_schema_unless_beyond_it(name: str) -> None:
    path = INVALID / name
    if name in OUTSIDE_THE_SCHEMA:
        if OUTSIDE_THE_SCHEMA[name].startswith("not "):
            with pytest.raises((json.JSONDecodeError, UnicodeDecodeError)):
                _parsed(path)
        else:
            assert case_schema_accepts(_parsed(path))  # else it is not beyond the schema
    else:
        assert not case_schema_accepts(_parsed(path))
    with pytest.raises(CaseValidationError):
        load_case(path)


def test_the_list_of_documents_beyond_the_schema_names_existing_files() -> None:
    assert set(OUTSIDE_THE_SCHEMA) <= set(_INVALID_FILES)
    assert len(_INVALID_FILES) - len(OUTSIDE_THE_SCHEMA) >= 60


# --- the property, exhaustively on two documents --------------------------------------------

_FIXED = {
    "schema_1_example": example_documents()["persistent_resectable"],
    "schema_2_every_kind_of_field": rich_schema_2_document(),
}


@pytest.mark.parametrize("kind", list(MUTATIONS))
@pytest.mark.parametrize("base", list(_FIXED))
def test_every_mutation_the_schema_rejects_is_rejected_by_load_case(base: str, kind: str) -> None:
    document = _FIXED[base]
    assert case_schema_accepts(document)
    assert loads(document)
    edits = MUTATIONS[kind](document)
    rejected = 0
    for path, value in edits:
        changed = mutated(document, path, value)
        if not case_schema_accepts(changed):
            rejected += 1
            assert not loads(changed), (
                f"{kind} at {path} ({value!r}): schema rejects, loader accepts"
            )
    assert rejected > 0, f"no {kind} mutation was rejected by the schema"


# --- the property, on documents Hypothesis draws --------------------------------------------


@st.composite
def _mutations(draw: st.DrawFn) -> Any:
    document = draw(st.one_of(cases(unsupported=True).map(dump_case), schema_1_documents()))
    kind = draw(st.sampled_from(list(MUTATIONS)))
    edits = MUTATIONS[kind](document)
    if not edits:  # e.g. no list to duplicate an entry of: drop a key instead
        edits = MUTATIONS["drop_key"](document)
    path, value = draw(st.sampled_from(edits))
    return mutated(document, path, value)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_a_document_the_schema_rejects_is_rejected_by_load_case(document: Any) -> None:
    if not case_schema_accepts(document):
        assert not loads(document)


# --- results ----------------------------------------------------------------------------------

_PLAN_KEYS = ("regimen", "total_dose", "undetermined")


def _results_with_plans() -> dict[str, tuple[dict[str, Any], int]]:
    """For each kind of dose plan, a result of an example and the index of an option with one."""
    found: dict[str, tuple[dict[str, Any], int]] = {}
    without_weight = copy.deepcopy(example_documents()["after_platinum"])
    without_weight["patient"]["weight"] = None  # the drug plans are undetermined
    for case_document in [*example_documents().values(), without_weight]:
        document = result_to_dict(recommend(load_case(case_document)))
        for index, option in enumerate(document["options"]):
            for key in _PLAN_KEYS:
                if key in (option["dose_plan"] or {}):
                    found.setdefault(key, (document, index))
    return found


_RESULTS = _results_with_plans()


@pytest.mark.parametrize("mutation", ["drop_key", "unknown_key", "wrong_type", "unknown_enum"])
@pytest.mark.parametrize("plan", _PLAN_KEYS)
def test_a_result_the_schema_rejects_is_rejected_by_load_result(plan: str, mutation: str) -> None:
    """Required keys, unknown keys, types and enums: as strict as load_result, no stricter.

    The mutations cover the top level and one option with a plan of each kind (the other
    options have the same shape). The input digest's form is described by the schema only.
    """
    document, index = _RESULTS[plan]
    assert RESULT_VALIDATOR.is_valid(document)
    checked = 0
    for path, value in MUTATIONS[mutation](document):
        if path[0] == "input_digest" or (path[0] == "options" and path[1:2] != (index,)):
            continue
        changed = mutated(document, path, value)
        if not RESULT_VALIDATOR.is_valid(changed):
            checked += 1
            with pytest.raises(CaseValidationError):
                load_result(changed)
    assert checked > 0
