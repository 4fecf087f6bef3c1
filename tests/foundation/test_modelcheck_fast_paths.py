"""The fast paths of the field checks give what the full checks give."""

from __future__ import annotations

import datetime as dt

import pytest

from ascc_salvage import _modelcheck, dump_case, load_case

from ._support import example_document


def test_valid_date_strings_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_modelcheck, "_DATES", {})
    monkeypatch.setattr(_modelcheck, "_DATES_KEPT", 2)
    for day in range(1, 6):
        document = example_document()
        document["evaluation_date"] = f"2026-12-{day:02d}"
        case = load_case(document)
        assert case.evaluation_date == dt.date(2026, 12, day)
        assert len(_modelcheck._DATES) <= 2
        again = load_case(document)  # read from the remembered strings
        assert dump_case(again) == dump_case(case)


def test_an_invalid_date_string_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_modelcheck, "_DATES", {})
    document = example_document()
    document["evaluation_date"] = "2026-02-30"
    with pytest.raises(ValueError, match="'2026-02-30' is not a valid date"):
        load_case(document)
    assert "2026-02-30" not in _modelcheck._DATES
