"""Validation refuses Python values that JSON cannot hold, and dates out of order."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.engine._documents import therapy

from ascc_salvage import load_case
from ascc_salvage.errors import CaseValidationError, Problem

from ._support import example_document


def _problems(document: dict[str, Any]) -> list[Problem]:
    with pytest.raises(CaseValidationError) as error_info:
        load_case(document)
    return list(error_info.value.errors)


def test_non_json_python_values_are_named_by_their_type() -> None:
    """A mapping built in Python may hold values JSON cannot: the message names the type."""
    document = example_document()
    document["patient"]["fit_for_major_surgery"] = dt.date(2025, 1, 1)
    document["assessments"] = tuple(document["assessments"])
    assert _problems(document) == [
        Problem("patient.fit_for_major_surgery", "expected true or false, got date"),
        Problem("assessments", "expected a list, got tuple"),
    ]


def test_json_values_are_named_by_their_json_type() -> None:
    document = example_document()
    document["patient"]["fit_for_major_surgery"] = [True]
    document["facility"]["iort_available"] = {"value": True}
    assert _problems(document) == [
        Problem("patient.fit_for_major_surgery", "expected true or false, got a list"),
        Problem("facility.iort_available", "expected true or false, got an object"),
    ]


def _platinum(platinum_end: str) -> dict[str, Any]:
    entry = therapy("carboplatin_paclitaxel", "advanced", "2025-08-04", "2025-10-06", "completed")
    entry["platinum_end_date"] = platinum_end
    document = example_document()
    document["prior_systemic_therapy"] = [entry]
    return document


def test_platinum_end_date_must_not_be_after_end_date() -> None:
    assert _problems(_platinum("2025-11-01")) == [
        Problem("prior_systemic_therapy[0].platinum_end_date", "must not be after end_date")
    ]


@pytest.mark.parametrize("platinum_end", ["2025-08-04", "2025-09-15", "2025-10-06"])
def test_platinum_end_date_within_the_regimen_is_valid(platinum_end: str) -> None:
    therapy_ = load_case(_platinum(platinum_end)).prior_systemic_therapy[0]
    assert therapy_.platinum_end_date == dt.date.fromisoformat(platinum_end)
