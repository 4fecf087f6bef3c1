from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import (
    BodySurfaceArea,
    BsaFormula,
    adjusted_body_weight,
    body_surface_area,
    ideal_body_weight,
)
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import Sex

from ._support import approx

heights_cm = st.floats(min_value=100, max_value=250)
weights_kg = st.floats(min_value=20, max_value=400)
formulas = st.sampled_from(list(BsaFormula))


@pytest.mark.parametrize(
    ("height", "weight", "expected"),
    [
        (
            170,
            70,
            {"mosteller": 1.8181, "dubois": 1.8097, "haycock": 1.8257, "gehan_george": 1.8313},
        ),
        (
            180,
            90,
            {"mosteller": 2.1213, "dubois": 2.0989, "haycock": 2.1378, "gehan_george": 2.1350},
        ),
    ],
)
def test_bsa_worked_values(height: int, weight: int, expected: dict[str, float]) -> None:
    for formula, value in expected.items():
        result = body_surface_area(
            height=Q_(height, "cm"), weight=Q_(weight, "kg"), formula=formula
        )
        assert approx(result.value.m_as("m**2"), value)
        assert result.formula == formula
        assert result.capped is False
        assert result.cap is None


def test_bsa_default_is_mosteller_and_enum_accepted() -> None:
    result = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"))
    assert result.formula is BsaFormula.MOSTELLER
    again = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"), formula=BsaFormula.DUBOIS)
    assert again.formula is BsaFormula.DUBOIS
    assert isinstance(result, BodySurfaceArea)


def test_bsa_cap_applies_and_is_reported() -> None:
    capped = body_surface_area(height=Q_(180, "cm"), weight=Q_(90, "kg"), cap=Q_(2.0, "m**2"))
    assert capped.capped is True
    assert capped.value.m_as("m**2") == 2.0
    assert capped.cap is not None
    assert capped.cap.m_as("m**2") == 2.0
    assert approx(capped.uncapped.m_as("m**2"), 2.1213)
    not_capped = body_surface_area(
        height=Q_(170, "cm"), weight=Q_(70, "kg"), cap=Q_(20000, "cm**2")
    )
    assert not_capped.capped is False
    assert approx(not_capped.value.m_as("m**2"), 1.8181)


def test_bsa_cap_exactly_at_value_is_not_capped() -> None:
    raw = body_surface_area(height=Q_(180, "cm"), weight=Q_(90, "kg")).value
    assert body_surface_area(height=Q_(180, "cm"), weight=Q_(90, "kg"), cap=raw).capped is False


def test_bsa_errors() -> None:
    with pytest.raises(ValueError, match="height"):
        body_surface_area(height=Q_(70, "kg"), weight=Q_(70, "kg"))
    with pytest.raises(TypeError, match="weight"):
        body_surface_area(height=Q_(170, "cm"), weight=70)
    with pytest.raises(ValueError, match="formula"):
        body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"), formula="boyd")
    with pytest.raises(TypeError, match="formula"):
        body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"), formula=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="greater than zero"):
        body_surface_area(height=Q_(0, "cm"), weight=Q_(70, "kg"))
    with pytest.raises(ValueError, match="cap"):
        body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"), cap=Q_(2, "m"))
    with pytest.raises(ValueError, match="cap"):
        body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg"), cap=Q_(-1, "m**2"))


@given(height=heights_cm, weight=weights_kg, formula=formulas)
@example(height=100.0, weight=20.0, formula=BsaFormula.MOSTELLER)
@example(height=250.0, weight=400.0, formula=BsaFormula.HAYCOCK)
def test_bsa_unit_invariance(height: float, weight: float, formula: BsaFormula) -> None:
    metric = body_surface_area(height=Q_(height, "cm"), weight=Q_(weight, "kg"), formula=formula)
    imperial = body_surface_area(
        height=Q_(height / 2.54, "in"), weight=Q_(weight / 0.45359237, "lb"), formula=formula
    )
    assert math.isclose(metric.value.m_as("m**2"), imperial.value.m_as("m**2"), rel_tol=1e-9)


@given(height=heights_cm, weight=weights_kg, extra=st.floats(0.1, 50), formula=formulas)
def test_bsa_rises_with_weight(
    height: float, weight: float, extra: float, formula: BsaFormula
) -> None:
    lighter = body_surface_area(height=Q_(height, "cm"), weight=Q_(weight, "kg"), formula=formula)
    heavier = body_surface_area(
        height=Q_(height, "cm"), weight=Q_(weight + extra, "kg"), formula=formula
    )
    assert heavier.value > lighter.value


@given(height=heights_cm, weight=weights_kg, cap=st.floats(1.0, 3.0))
def test_bsa_never_exceeds_cap(height: float, weight: float, cap: float) -> None:
    result = body_surface_area(
        height=Q_(height, "cm"), weight=Q_(weight, "kg"), cap=Q_(cap, "m**2")
    )
    assert result.value.m_as("m**2") <= cap
    assert result.capped == (result.uncapped.m_as("m**2") > cap)


def test_ideal_body_weight_devine() -> None:
    # 70 inches: male 50 + 2.3 × 10 = 73 kg; female 45.5 + 23 = 68.5 kg.
    assert approx(ideal_body_weight(height=Q_(70, "in"), sex="male").value.m_as("kg"), 73.0)
    female = ideal_body_weight(height=Q_(177.8, "cm"), sex=Sex.FEMALE)
    assert approx(female.value.m_as("kg"), 68.5)
    assert female.method == "ideal"


@pytest.mark.parametrize("inches", [60, 59, 48])
def test_ideal_body_weight_at_or_below_60_inches_is_the_base(inches: int) -> None:
    assert ideal_body_weight(height=Q_(inches, "in"), sex="male").value.m_as("kg") == 50.0
    assert ideal_body_weight(height=Q_(inches, "in"), sex="female").value.m_as("kg") == 45.5


def test_adjusted_body_weight() -> None:
    result = adjusted_body_weight(height=Q_(70, "in"), weight=Q_(100, "kg"), sex="male")
    assert approx(result.value.m_as("kg"), 73 + 0.4 * 27)
    assert result.method == "adjusted"
    below = adjusted_body_weight(height=Q_(70, "in"), weight=Q_(60, "kg"), sex="male")
    assert approx(below.value.m_as("kg"), 73 + 0.4 * (60 - 73))


def test_body_weight_errors() -> None:
    with pytest.raises(ValueError, match="sex"):
        ideal_body_weight(height=Q_(170, "cm"), sex="other")
    with pytest.raises(TypeError, match="sex"):
        ideal_body_weight(height=Q_(170, "cm"), sex=None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="height"):
        adjusted_body_weight(height=Q_(170, "kg"), weight=Q_(70, "kg"), sex="male")
    with pytest.raises(TypeError, match="height"):
        ideal_body_weight(height=170, sex="male")
