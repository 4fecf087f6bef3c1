"""Every case the project holds, and its result, validates against the shipped JSON Schema."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from ascc_salvage import case as model
from ascc_salvage import dump_case, load_case, recommend, result_to_dict
from ascc_salvage.testing.strategies import cases, schema_1_documents

from ._support import (
    CASE_VALIDATORS,
    RESULT_VALIDATOR,
    assert_valid_case,
    assert_valid_result,
    docs_case_documents,
    docs_json_blocks,
    engine_case_documents,
    example_documents,
    rich_schema_2_document,
    status_case_documents,
)

_SETTINGS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])

EXAMPLES = example_documents()
ENGINE_CASES = engine_case_documents()
STATUS_CASES = status_case_documents()
DOCS_CASES = docs_case_documents()


def _check_case_and_result(document: dict[str, Any]) -> None:
    """The document, its schema 2 form and its result validate against the shipped schemas."""
    assert_valid_case(document)
    case = load_case(document)
    assert_valid_case(dump_case(case), version=2)
    assert_valid_result(result_to_dict(recommend(case)))


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_bundled_example_validates(name: str) -> None:
    _check_case_and_result(EXAMPLES[name])


@pytest.mark.parametrize("name", list(ENGINE_CASES))
def test_every_engine_case_validates(name: str) -> None:
    _check_case_and_result(ENGINE_CASES[name])


@pytest.mark.parametrize("name", list(STATUS_CASES))
def test_every_status_case_validates(name: str) -> None:
    _check_case_and_result(STATUS_CASES[name])


@pytest.mark.parametrize("name", list(DOCS_CASES))
def test_every_case_in_the_docs_validates(name: str) -> None:
    _check_case_and_result(DOCS_CASES[name])


def test_the_collections_are_not_empty() -> None:
    assert len(EXAMPLES) >= 10
    assert len(ENGINE_CASES) >= 100
    assert len(STATUS_CASES) >= 9
    assert DOCS_CASES
    assert {document["schema_version"] for document in ENGINE_CASES.values()} == {1, 2}


def test_the_dose_plan_in_the_docs_validates() -> None:
    (plan,) = [
        block
        for block in docs_json_blocks().values()
        if isinstance(block, dict) and "regimen" in block and "drugs" in block
    ]
    definitions = RESULT_VALIDATOR.schema["$defs"]
    validator = RESULT_VALIDATOR.evolve(schema={"$defs": definitions, "$ref": "#/$defs/DosePlan"})
    assert validator.is_valid(plan)
    assert not validator.is_valid({**plan, "drugs": "none"})


def test_a_schema_2_document_with_every_kind_of_field_validates() -> None:
    document = rich_schema_2_document()
    assert_valid_case(document)
    assert_valid_case(dump_case(load_case(document)), version=2)
    assert not CASE_VALIDATORS[1].is_valid(document)


def test_a_schema_1_document_does_not_validate_as_schema_2_and_back() -> None:
    document = EXAMPLES["persistent_resectable"]
    assert document["schema_version"] == 1
    assert not CASE_VALIDATORS[2].is_valid(document)
    assert CASE_VALIDATORS[2].is_valid({**document, "schema_version": 2})
    assert not CASE_VALIDATORS[1].is_valid(dump_case(load_case(document)))


@_SETTINGS
@given(cases(unsupported=True))
def test_every_schema_2_document_of_the_strategies_validates(case: model.Case) -> None:
    assert_valid_case(dump_case(case), version=2)


@_SETTINGS
@given(schema_1_documents())
def test_every_schema_1_document_of_the_strategies_validates(document: dict[str, Any]) -> None:
    assert_valid_case(document, version=1)


@_SETTINGS
@given(cases())
def test_every_result_of_the_strategies_cases_validates(case: model.Case) -> None:
    assert_valid_result(result_to_dict(recommend(case)))
