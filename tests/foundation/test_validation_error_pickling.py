"""``CaseValidationError`` pickles with its problems (it crosses process pools)."""

from __future__ import annotations

import pickle

import pytest

from ascc_salvage import load_case
from ascc_salvage.errors import CaseValidationError, Problem

from ._support import example_document


def test_case_validation_error_round_trips_through_pickle() -> None:
    document = example_document()
    document["patient"]["ecog"] = 9
    document["patient"]["age_years"] = 12
    with pytest.raises(CaseValidationError) as error_info:
        load_case(document)
    error = error_info.value
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is CaseValidationError
    assert copy.errors == error.errors
    assert str(copy) == str(error)
    assert Problem("patient.ecog", "must be at most 5") in copy.errors
