"""The knowledge base is read by the library's one converter, without widening case dates."""

from __future__ import annotations

import datetime as dt

import pytest
from cattrs.errors import ClassValidationError, StructureHandlerNotFoundError

from ascc_salvage import _convert, io
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.knowledge import Approval, OcebmLevel, Threshold, _loader

APPROVAL = {
    "agent": "retifanlimab",
    "jurisdiction": "EU",
    "regulator": "EC",
    "indication": "first_line_combination",
    "indication_text": "first line",
    "date": "2026-03",
    "date_precision": "month",
    "status": "verified",
    "evidence": [],
}


def test_one_converter_object() -> None:
    assert io.converter is _convert.converter
    assert _loader.converter is _convert.converter


@pytest.mark.parametrize(
    ("value", "tp", "message"),
    [
        ("61", int, "expected an integer, got str"),
        (2.5, int, "expected an integer, got float"),
        (True, int, "expected an integer, got bool"),
        ("2.5", float, "expected a number, got str"),
        (1, str, "expected a string, got int"),
        (1, bool, "expected true or false, got int"),
        (1, OcebmLevel, "expected a string, got int"),
        ("1", float | int, "expected a number, got str"),
    ],
)
def test_leaves_are_strict(value: object, tp: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        io.converter.structure(value, tp)


def test_numbers_keep_their_type_only_where_the_model_says_so() -> None:
    assert io.converter.structure(2, float) == 2.0
    assert isinstance(io.converter.structure(2, float), float)
    assert isinstance(io.converter.structure(2, float | int), int)
    threshold = {"value": 200, "unit": "cells/uL", "sources": [], "note": ""}
    assert io.converter.structure(threshold, Threshold).value == 200


def test_a_month_is_an_approval_date_only() -> None:
    approval = io.converter.structure(APPROVAL, Approval)
    assert approval.date == dt.date(2026, 3, 1)
    with pytest.raises(StructureHandlerNotFoundError):
        io.converter.structure("2026-03", dt.date)
    with pytest.raises(ClassValidationError):
        io.converter.structure({**APPROVAL, "date": "2026-3"}, Approval)
    with pytest.raises(ClassValidationError):
        io.converter.structure({**APPROVAL, "extra": 1}, Approval)


def test_case_and_result_dates_stay_day_precision() -> None:
    with pytest.raises(CaseValidationError, match=r"evaluation_date: '2026-03' is not a valid"):
        io.load_case({"schema_version": 1, "evaluation_date": "2026-03"})
    with pytest.raises(CaseValidationError, match=r"evaluation_date: '2026-03' is not a valid"):
        io.load_result({"evaluation_date": "2026-03"})
