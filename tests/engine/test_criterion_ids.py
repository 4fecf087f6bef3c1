"""Criteria are built only with the ids of :class:`~ascc_salvage.vocabulary.CriterionId`."""

from __future__ import annotations

import pytest

from ascc_salvage.engine._draft import criterion
from ascc_salvage.vocabulary import CriterionId, CriterionResult


def test_a_string_id_is_checked_against_the_enum() -> None:
    built = criterion("restaged", True, "restaged")
    assert built.id == CriterionId.RESTAGED
    assert type(built.id) is str
    assert built.result is CriterionResult.MET


def test_a_member_builds_an_unknown_criterion_with_its_missing_fields() -> None:
    built = criterion(CriterionId.RESECTABILITY_KNOWN, None, "not recorded", ["disease.resectable"])
    assert (built.id, built.result, built.missing) == (
        "resectability_known",
        CriterionResult.UNKNOWN,
        ("disease.resectable",),
    )


def test_an_unknown_id_is_refused_by_name() -> None:
    with pytest.raises(AssertionError, match=r"unknown criterion id 'tumour_small'.*CriterionId"):
        criterion("tumour_small", True, "small")
