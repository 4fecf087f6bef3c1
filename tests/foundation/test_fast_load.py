"""The one-pass reading of well-formed documents gives what the full path gives.

``load_case`` reads a well-formed document in one pass (``ascc_salvage._fastcase``) and any
other by the full path. Here every document is read both ways: a valid one must give the
same objects (field by field: types, values, tuples, enum members, measurements with their
canonical values, ``schema_version``), an invalid one the same problems in the same order.
"""

from __future__ import annotations

import copy
import datetime as dt
import enum
import importlib.resources
import json
import pathlib
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ascc_salvage import _fastcase, dump_case, io, load_case
from ascc_salvage import case as model
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.testing import strategies

from ._support import example_document, example_text

TESTS = pathlib.Path(__file__).resolve().parents[1]
EXAMPLES = importlib.resources.files("ascc_salvage.examples")


def _example_texts() -> Iterator[tuple[str, str]]:
    for item in sorted(EXAMPLES.iterdir(), key=lambda item: item.name):
        if item.name.endswith(".json"):
            yield f"example {item.name}", item.read_text("utf-8")


def _engine_texts() -> Iterator[tuple[str, str]]:
    for path in sorted((TESTS / "engine" / "cases").glob("*.json")):
        case = json.loads(path.read_text("utf-8"))["case"]
        yield f"engine {path.name}", json.dumps(case)


def _status_texts() -> Iterator[tuple[str, str]]:
    for path in sorted((TESTS / "cases" / "status").glob("*.json")):
        if path.name != "expected.json":
            yield f"status {path.name}", path.read_text("utf-8")


VALID = [*_example_texts(), *_engine_texts(), *_status_texts()]
INVALID = sorted((TESTS / "hardening" / "invalid").glob("*.json"))


def _slow(source: Any) -> model.Case:
    """*source* read by the full path only."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(io, "load_text", lambda text: None)
        patch.setattr(io, "structure_case", lambda document: None)
        return load_case(source)


def _outcome(read: Any, source: Any) -> Any:
    try:
        return read(source)
    except CaseValidationError as error:
        return [(problem.path, problem.message) for problem in error.errors]


def same(fast: Any, slow: Any, where: str = "$") -> None:
    """*fast* and *slow* are the same tree of objects: types and values, field by field."""
    assert type(fast) is type(slow), where
    if attrs.has(type(fast)):
        for field in attrs.fields(type(fast)):  # eq=False fields too (canonical, version)
            same(getattr(fast, field.name), getattr(slow, field.name), f"{where}.{field.name}")
    elif isinstance(fast, tuple):
        assert len(fast) == len(slow), where
        for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
            same(a, b, f"{where}[{i}]")
    elif isinstance(fast, float):
        assert repr(fast) == repr(slow), where
    else:
        assert isinstance(fast, str | int | bool | dt.date | enum.Enum | type(None)), where
        assert fast == slow, where


def check_both_ways(text: str) -> None:
    """*text* (valid) is read in one pass, as text and as a parsed document, as before."""
    fast = _fastcase.load_text(text)
    assert fast is not None  # the one-pass reading accepted it
    slow = _slow(text)
    same(fast, slow)
    same(load_case(text), slow)
    same(load_case(json.loads(text)), slow)
    assert dump_case(fast) == dump_case(slow)


@pytest.mark.parametrize(("name", "text"), VALID, ids=[name for name, _ in VALID])
def test_bundled_engine_and_status_cases_read_in_one_pass_as_before(name: str, text: str) -> None:
    check_both_ways(text)


@pytest.mark.parametrize("path", INVALID, ids=[path.name for path in INVALID])
def test_invalid_documents_give_the_same_problems_in_the_same_order(path: pathlib.Path) -> None:
    data = path.read_bytes()
    expected = _outcome(_slow, data)
    assert isinstance(expected, list)
    assert _outcome(load_case, data) == expected
    assert _outcome(load_case, path) == _outcome(_slow, path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert _outcome(load_case, text) == _outcome(_slow, text)
    try:
        document = json.loads(text)
    except ValueError:
        return
    if isinstance(document, dict):
        assert _outcome(load_case, document) == _outcome(_slow, copy.deepcopy(document))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.cases(unsupported=True, full_inputs=True) | strategies.cases())
def test_generated_schema_2_documents_read_in_one_pass_as_before(case: model.Case) -> None:
    check_both_ways(json.dumps(dump_case(case)))


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.schema_1_documents())
def test_generated_schema_1_documents_read_in_one_pass_as_before(document: dict[str, Any]) -> None:
    check_both_ways(json.dumps(document))


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(
    strategies.cases(unsupported=True),
    st.sampled_from(
        ["evaluation_date", "patient.ecog", "patient.weight", "patient.conditions",
         "primary.chemoradiotherapy.fractions", "assessments", "disease",
         "patient.biomarkers", "patient.pd_l1_cps", "facility.iort_available"]
    ),
    st.sampled_from(
        [None, "x", 2.5, 2, -1, 10**30, 1e300, True, [], {}, "2026-02-30", "1899-12-31",
         {"value": 1, "unit": "stone"}, {"value": 70, "unit": "kg"}, ["solid_organ_transplant"],
         "female"]
    ),
)  # fmt: skip
def test_a_changed_value_gives_the_same_outcome_both_ways(
    case: model.Case, path: str, value: Any
) -> None:
    document = json.loads(json.dumps(dump_case(case)))
    *parents, last = path.split(".")
    node = document
    for step in parents:
        node = node[step]
        assume(isinstance(node, dict))
    node[last] = value
    text = json.dumps(document)
    fast, slow = _outcome(load_case, text), _outcome(_slow, text)
    if isinstance(slow, list):
        assert fast == slow
    else:
        same(fast, slow)


# --- deterministic: every way the one-pass reading gives up, and the PD-L1 fill-in -----------


def _changed(**changes: Any) -> dict[str, Any]:
    document = example_document()
    for path, value in changes.items():
        *parents, last = path.split("__")
        node = document
        for step in parents:
            node = node[int(step)] if isinstance(node, list) else node[step]
        node[last] = value
    return document


@pytest.mark.parametrize(
    "text",
    [
        example_text().replace('"ecog": 1', '"ecog": NaN', 1),  # orjson refuses NaN
        "[]",  # not an object
        example_text().replace('"ecog": 1,', '"ecog": 1, "ecog": 1,', 1),  # a repeated key
        json.dumps(_changed(description="a: colon")),  # an unknown key (and a colon)
    ],
    ids=["nan", "list", "repeated key", "unknown key"],
)
def test_text_the_one_pass_reading_leaves_to_the_full_path(text: str) -> None:
    assert _fastcase.load_text(text) is None
    assert _outcome(load_case, text) == _outcome(_slow, text)


def test_a_repeated_key_is_refused_as_before() -> None:
    text = example_text().replace('"ecog": 1,', '"ecog": 1, "ecog": 2,', 1)
    assert '"ecog": 2' in text
    with pytest.raises(CaseValidationError, match="duplicate key 'ecog'"):
        load_case(text)


def test_whitespace_around_a_colon_is_still_read_in_one_pass() -> None:
    text = example_text().replace('"ecog": 1', '"ecog" \t:  1', 1)
    same(load_case(text), _slow(text))  # whitespace around the colon: still one pass
    assert _fastcase.load_text(text) is not None


@pytest.mark.parametrize(
    ("key", "item"),
    [
        ("patient__conditions", "solid_organ_transplant"),
        ("assessments", {"date": "2025-03-24", "finding": "regressing", "biopsy": "not_done"}),
    ],
)
def test_lists_over_the_limit_are_refused_as_before(key: str, item: Any) -> None:
    document = _changed(**{key: [item] * 501})
    assert _fastcase.structure_case(document) is None
    assert _outcome(load_case, document) == _outcome(_slow, copy.deepcopy(document))


def test_python_values_in_a_parsed_document_are_checked_as_before() -> None:
    document = _changed(
        evaluation_date=dt.date(2026, 11, 26),
        patient__sex=model.Sex.FEMALE,
        patient__weight=model.Mass(68, "kg"),
        patient__conditions=("solid_organ_transplant",),
    )
    fast = _fastcase.structure_case(document)
    assert fast is not None
    same(fast, _slow(copy.deepcopy(document)))


@pytest.mark.parametrize(
    "biomarkers",
    [
        None,  # no tests, no CPS
        {"pd_l1": [{"cps": 5, "assay": "22C3", "specimen": "primary", "date": None}]},
        {"pd_l1": [{"cps": 5, "assay": None, "specimen": None, "date": None}]},
    ],
)
@pytest.mark.parametrize("cps", [None, 5, 7.5])
def test_the_effective_pd_l1_is_filled_in_as_before(cps: Any, biomarkers: Any) -> None:
    document = _changed(schema_version=2, patient__pd_l1_cps=cps)
    if biomarkers is not None:
        document["patient"]["biomarkers"] = biomarkers
    text = json.dumps(document)
    fast, slow = _outcome(load_case, text), _outcome(_slow, text)
    if isinstance(slow, list):  # a CPS that differs from the tests'
        assert fast == slow
        assert cps == 7.5
        assert biomarkers is not None
    else:
        same(fast, slow)
        assert _fastcase.load_text(text) is not None


@pytest.mark.parametrize(
    "literal",
    ["0.1", "0.30000000000000004", "1e-300", "5e-324", "2.2250738585072011e-308", "1E2",
     "1.0e-5", "-0.0", "-0", "999.9999999999999", "123456789.12345678901234567890", "7"],
)  # fmt: skip
def test_numbers_are_read_by_orjson_as_json_reads_them(literal: str) -> None:
    document = _changed(schema_version=2)
    document["patient"]["biomarkers"] = {"tmb_mut_per_mb": "NUMBER"}
    text = json.dumps(document).replace('"NUMBER"', literal)
    fast, slow = _outcome(load_case, text), _outcome(_slow, text)
    if isinstance(slow, list):  # beyond the field's bounds
        assert fast == slow
        assert literal.startswith("1234")
    else:
        assert _fastcase.load_text(text) is not None
        same(fast, slow)
