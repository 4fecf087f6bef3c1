"""Stage grouping against the full table of calculators.md, and T category from size."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.staging import (
    Edition,
    MCategory,
    NCategory,
    NotGroupable,
    StageGroup,
    TCategory,
    stage_group,
    t_category_from_size,
)
from ascc_salvage.units import Q_

T_VALUES = ("TX", "T0", "Tis", "T1", "T2", "T3", "T4")
N_VALUES = ("NX", "N0", "N1", "N1a", "N1b", "N1c")
M_VALUES = ("M0", "M1")
EDITIONS = ("AJCC8", "UICC8", "AJCC9", "UICC9")

# The staging table of calculators.md, written out row by row (None = no group).
_AJCC8 = {
    ("Tis", "N0"): "0",
    ("T1", "N0"): "I",
    ("T2", "N0"): "IIA",
    ("T3", "N0"): "IIB",
    ("T1", "N1"): "IIIA",
    ("T2", "N1"): "IIIA",
    ("T4", "N0"): "IIIB",
    ("T3", "N1"): "IIIC",
    ("T4", "N1"): "IIIC",
}
_AJCC9 = {
    ("T1", "N0"): "I",
    ("T2", "N0"): "IIA",
    ("T1", "N1"): "IIB",
    ("T2", "N1"): "IIB",
    ("T3", "N0"): "IIIA",
    ("T3", "N1"): "IIIA",
    ("T4", "N0"): "IIIB",
    ("T4", "N1"): "IIIC",
}
_UICC9 = {**_AJCC9, ("Tis", "N0"): "0"}
TABLE = {"AJCC8": _AJCC8, "UICC8": _AJCC8, "AJCC9": _AJCC9, "UICC9": _UICC9}


def expected_group(t: str, n: str, m: str, edition: str) -> str | None:
    if m == "M1":
        return "IV"
    if t in ("TX", "T0") or n == "NX":
        return None
    n_group = "N0" if n == "N0" else "N1"  # N1a/b/c count as N1
    return TABLE[edition].get((t, n_group))


ALL = list(itertools.product(T_VALUES, N_VALUES, M_VALUES, EDITIONS))


def test_the_table_covers_every_combination() -> None:
    assert len(ALL) == 7 * 6 * 2 * 4 == 336
    grouped = [combo for combo in ALL if expected_group(*combo) is not None]
    # M1: 7 T × 6 N × 4 editions = 168. M0: each N0 row once, each N1 row for N1/N1a/N1b/N1c:
    # AJCC8 = UICC8 = 5 + 4 × 4 = 21; AJCC9 = 4 + 4 × 4 = 20; UICC9 = 21.
    assert len(grouped) == 168 + 21 + 21 + 20 + 21


@pytest.mark.parametrize(("t", "n", "m", "edition"), ALL)
def test_stage_group_matches_the_table(t: str, n: str, m: str, edition: str) -> None:
    expected = expected_group(t, n, m, edition)
    result = stage_group(t, n, m, edition=edition)
    if expected is None:
        assert isinstance(result, NotGroupable), result
        assert result.reason
        assert str(result).startswith("not groupable: ")
    else:
        assert result == StageGroup(expected)
        assert str(result) == expected
    # Enums are accepted as well as strings, with the same answer.
    assert stage_group(TCategory(t), NCategory(n), MCategory(m), edition=Edition(edition)) == result


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize(
    ("t", "n"), [("TX", "N0"), ("T0", "N0"), ("T0", "N1"), ("T3", "NX"), ("TX", "NX"), ("T1", "NX")]
)
def test_unknown_categories_without_m1_are_not_groupable(t: str, n: str, edition: str) -> None:
    result = stage_group(t, n, "M0", edition=edition)
    assert isinstance(result, NotGroupable)
    assert stage_group(t, n, "M1", edition=edition) is StageGroup.IV


def test_default_edition_is_ajcc8() -> None:
    assert stage_group("T3", "N1a", "M0") is StageGroup.IIIC
    assert stage_group("T3", "N0", "M0") is StageGroup.IIB
    assert stage_group("T3", "N0", "M0", edition="AJCC9") is StageGroup.IIIA


def test_ajcc9_does_not_stage_tis() -> None:
    assert isinstance(stage_group("Tis", "N0", "M0", edition="AJCC9"), NotGroupable)
    assert stage_group("Tis", "N0", "M0", edition="UICC9") is StageGroup.STAGE_0


@pytest.mark.parametrize(
    ("t", "n", "m", "edition"),
    [
        ("T5", "N0", "M0", "AJCC8"),
        ("T1", "N2", "M0", "AJCC8"),
        ("T1", "N0", "MX", "AJCC8"),
        ("T1", "N0", "M0", "AJCC7"),
        ("t1", "N0", "M0", "AJCC8"),
    ],
)
def test_unknown_vocabulary_is_a_value_error(t: str, n: str, m: str, edition: str) -> None:
    with pytest.raises(ValueError, match="is not a"):
        stage_group(t, n, m, edition=edition)


# --- T category from size ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (0.1, "cm", "T1"),
        (2, "cm", "T1"),
        (2.0, "cm", "T1"),
        (2.01, "cm", "T2"),
        (5, "cm", "T2"),
        (5.01, "cm", "T3"),
        (12, "cm", "T3"),
        (20, "mm", "T1"),
        (20.1, "mm", "T2"),
        (50, "mm", "T2"),
        (50.1, "mm", "T3"),
        (0.78, "in", "T1"),  # 1.98 cm
        (0.79, "in", "T2"),  # 2.007 cm
        (1.96, "in", "T2"),  # 4.978 cm
        (1.97, "in", "T3"),  # 5.004 cm
    ],
)
def test_t_category_boundaries(value: float, unit: str, expected: str) -> None:
    size = Q_(value, unit)
    assert t_category_from_size(size, invades_adjacent_organ=False) is TCategory(expected)
    assert t_category_from_size(size, invades_adjacent_organ=True) is TCategory.T4


@given(st.floats(min_value=0.01, max_value=30, allow_nan=False))
@example(2.0)
@example(5.0)
@example(2.0000001)
def test_t_category_is_monotone_and_unit_invariant(cm: float) -> None:
    category = t_category_from_size(Q_(cm, "cm"), invades_adjacent_organ=False)
    expected = "T1" if cm <= 2 else "T2" if cm <= 5 else "T3"
    assert category == expected
    # the same size in mm gives the same category away from float noise at the cut-offs
    if abs(cm - 2) > 1e-9 and abs(cm - 5) > 1e-9:
        assert t_category_from_size(Q_(cm * 10, "mm"), invades_adjacent_organ=False) == category
    bigger = t_category_from_size(Q_(cm + 1, "cm"), invades_adjacent_organ=False)
    order = ["T1", "T2", "T3"]
    assert order.index(bigger) >= order.index(category)


@pytest.mark.parametrize("size", [Q_(0, "cm"), Q_(-1, "mm")])
def test_non_positive_size_is_refused(size: object) -> None:
    with pytest.raises(ValueError, match="positive"):
        t_category_from_size(size, invades_adjacent_organ=False)


@pytest.mark.parametrize("size", [2.0, "2 cm", None])
def test_size_must_be_a_quantity(size: object) -> None:
    with pytest.raises(TypeError):
        t_category_from_size(size, invades_adjacent_organ=False)


@pytest.mark.parametrize("size", [Q_(2, "kg"), Q_(2, "Gy")])
def test_size_must_be_a_length(size: object) -> None:
    with pytest.raises(ValueError, match="length"):
        t_category_from_size(size, invades_adjacent_organ=False)
