from __future__ import annotations

import math

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import (
    WeightBasis,
    body_surface_area,
    creatinine_clearance,
    deindex_egfr,
    egfr_ckd_epi_2021,
    plan_from_floats,
)
from ascc_salvage.calculators.renal import ckd_epi_2021, cockcroft_gault_ml_min
from ascc_salvage.units import CREATININE_MOLAR_MASS_G_PER_MOL, Q_
from ascc_salvage.vocabulary import Sex

from ._support import approx

ages = st.integers(min_value=18, max_value=120)
weights_kg = st.floats(min_value=20, max_value=400)
creatinines = st.floats(min_value=0.1, max_value=25)
sexes = st.sampled_from(["female", "male"])

#: µmol/L per mg/dL through the molar mass (about 88.4).
UMOL_PER_MG_DL = 10_000 / CREATININE_MOLAR_MASS_G_PER_MOL


def test_cockcroft_gault_worked_values() -> None:
    male = creatinine_clearance(
        age_years=60, weight=Q_(80, "kg"), serum_creatinine=Q_(1.0, "mg/dL"), sex="male"
    )
    assert approx(male.value.m_as("mL/min"), 88.889)
    assert male.weight_basis is WeightBasis.ACTUAL
    assert male.creatinine_floor_applied is False
    female = creatinine_clearance(
        age_years=65, weight=Q_(60, "kg"), serum_creatinine=Q_(0.8, "mg/dL"), sex=Sex.FEMALE
    )
    assert approx(female.value.m_as("mL/min"), 66.406)


def test_ckd_epi_worked_values() -> None:
    male = egfr_ckd_epi_2021(age_years=60, serum_creatinine=Q_(1.0, "mg/dL"), sex="male")
    assert approx(male.value.magnitude, 86.163)
    assert approx(male.value.m_as("mL/min/standard_body_surface_area"), 86.163)
    female = egfr_ckd_epi_2021(age_years=65, serum_creatinine=Q_(0.8, "mg/dL"), sex="female")
    assert approx(female.value.magnitude, 81.717)


def test_ckd_epi_below_kappa_uses_alpha() -> None:
    # SCr/κ < 1 takes the α branch: 142 × (0.5/0.7)^−0.241 × 0.9938^40 × 1.012.
    expected = 142 * (0.5 / 0.7) ** -0.241 * 0.9938**40 * 1.012
    result = egfr_ckd_epi_2021(age_years=40, serum_creatinine=Q_(0.5, "mg/dL"), sex="female")
    assert math.isclose(result.value.magnitude, expected, rel_tol=1e-12)


def test_creatinine_floor() -> None:
    low = creatinine_clearance(
        age_years=60, weight=Q_(80, "kg"), serum_creatinine=Q_(0.5, "mg/dL"), sex="male"
    )
    assert low.creatinine_floor_applied is True
    assert approx(low.value.m_as("mL/min"), 80 * 80 / (72 * 0.7))
    assert low.serum_creatinine.m_as("mg/dL") == 0.7
    off = creatinine_clearance(
        age_years=60,
        weight=Q_(80, "kg"),
        serum_creatinine=Q_(0.5, "mg/dL"),
        sex="male",
        creatinine_floor=False,
    )
    assert off.creatinine_floor_applied is False
    assert approx(off.value.m_as("mL/min"), 80 * 80 / (72 * 0.5))


@pytest.mark.parametrize(("creatinine", "applied"), [(0.69, True), (0.7, False), (0.71, False)])
def test_creatinine_floor_at_the_cut_off(creatinine: float, applied: bool) -> None:
    result = creatinine_clearance(
        age_years=50, weight=Q_(70, "kg"), serum_creatinine=Q_(creatinine, "mg/dL"), sex="male"
    )
    assert result.creatinine_floor_applied is applied


def test_weight_bases() -> None:
    common = {
        "age_years": 60,
        "weight": Q_(100, "kg"),
        "serum_creatinine": Q_(1.0, "mg/dL"),
        "sex": "male",
        "height": Q_(70, "in"),
    }
    ideal = creatinine_clearance(**common, weight_basis="ideal")  # type: ignore[arg-type]
    assert ideal.weight_basis is WeightBasis.IDEAL
    assert approx(ideal.weight.m_as("kg"), 73.0)
    assert approx(ideal.value.m_as("mL/min"), 80 * 73 / 72)
    adjusted = creatinine_clearance(**common, weight_basis=WeightBasis.ADJUSTED)  # type: ignore[arg-type]
    assert approx(adjusted.weight.m_as("kg"), 83.8)
    actual = creatinine_clearance(**common)  # type: ignore[arg-type]
    assert approx(actual.weight.m_as("kg"), 100.0)


@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
def test_weight_basis_needs_height(basis: str) -> None:
    with pytest.raises(ValueError, match="height"):
        creatinine_clearance(
            age_years=60,
            weight=Q_(80, "kg"),
            serum_creatinine=Q_(1, "mg/dL"),
            sex="male",
            weight_basis=basis,
        )


def test_renal_errors() -> None:
    kwargs = {"weight": Q_(80, "kg"), "serum_creatinine": Q_(1.0, "mg/dL"), "sex": "male"}
    with pytest.raises(TypeError, match="age_years"):
        creatinine_clearance(age_years=60.0, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="age_years"):
        creatinine_clearance(age_years=True, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="age_years"):
        creatinine_clearance(age_years=17, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="age_years"):
        creatinine_clearance(age_years=121, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="serum_creatinine"):
        creatinine_clearance(age_years=60, weight=Q_(80, "kg"), serum_creatinine=1.0, sex="male")
    with pytest.raises(ValueError, match="serum_creatinine"):
        creatinine_clearance(
            age_years=60, weight=Q_(80, "kg"), serum_creatinine=Q_(1.0, "mg/L/kg"), sex="male"
        )
    with pytest.raises(ValueError, match="weight_basis"):
        creatinine_clearance(age_years=60, weight_basis="lean", **kwargs)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="creatinine_floor"):
        creatinine_clearance(age_years=60, creatinine_floor=1, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weight"):
        creatinine_clearance(
            age_years=60, weight=Q_(80, "cm"), serum_creatinine=Q_(1.0, "mg/dL"), sex="male"
        )
    with pytest.raises(ValueError, match="sex"):
        egfr_ckd_epi_2021(age_years=60, serum_creatinine=Q_(1.0, "mg/dL"), sex="m")


@given(age=ages, weight=weights_kg, creatinine=creatinines, sex=sexes, floor=st.booleans())
@example(age=60, weight=80.0, creatinine=1.0, sex="male", floor=True)
@example(age=18, weight=20.0, creatinine=0.7, sex="female", floor=True)
def test_clearance_unit_invariance(
    age: int, weight: float, creatinine: float, sex: str, floor: bool
) -> None:
    metric = creatinine_clearance(
        age_years=age,
        weight=Q_(weight, "kg"),
        serum_creatinine=Q_(creatinine, "mg/dL"),
        sex=sex,
        creatinine_floor=floor,
    )
    other = creatinine_clearance(
        age_years=age,
        weight=Q_(weight / 0.45359237, "lb"),
        serum_creatinine=Q_(creatinine * UMOL_PER_MG_DL, "umol/L"),
        sex=sex,
        creatinine_floor=floor,
    )
    assert math.isclose(metric.value.m_as("mL/min"), other.value.m_as("mL/min"), rel_tol=1e-9)
    egfr_metric = egfr_ckd_epi_2021(
        age_years=age, serum_creatinine=Q_(creatinine, "mg/dL"), sex=sex
    )
    egfr_molar = egfr_ckd_epi_2021(
        age_years=age, serum_creatinine=Q_(creatinine * UMOL_PER_MG_DL, "µmol/L"), sex=sex
    )
    assert math.isclose(egfr_metric.value.magnitude, egfr_molar.value.magnitude, rel_tol=1e-9)


@given(age=ages, weight=weights_kg, creatinine=creatinines, extra=st.floats(0.01, 5), sex=sexes)
@example(age=60, weight=80.0, creatinine=0.6, extra=0.05, sex="male")  # both under the floor
def test_clearance_falls_as_creatinine_rises(
    age: int, weight: float, creatinine: float, extra: float, sex: str
) -> None:
    def crcl(scr: float) -> float:
        return creatinine_clearance(
            age_years=age, weight=Q_(weight, "kg"), serum_creatinine=Q_(scr, "mg/dL"), sex=sex
        ).value.m_as("mL/min")

    assert crcl(creatinine + extra) <= crcl(creatinine)

    def egfr(scr: float) -> float:
        return egfr_ckd_epi_2021(
            age_years=age, serum_creatinine=Q_(scr, "mg/dL"), sex=sex
        ).value.magnitude

    assert egfr(creatinine + extra) < egfr(creatinine)


@given(age=st.integers(18, 119), weight=weights_kg, creatinine=creatinines, sex=sexes)
@example(age=119, weight=80.0, creatinine=1.0, sex="female")
def test_clearance_falls_as_age_rises(age: int, weight: float, creatinine: float, sex: str) -> None:
    def crcl(years: int) -> float:
        return creatinine_clearance(
            age_years=years,
            weight=Q_(weight, "kg"),
            serum_creatinine=Q_(creatinine, "mg/dL"),
            sex=sex,
        ).value.m_as("mL/min")

    assert crcl(age + 1) < crcl(age)

    def egfr(years: int) -> float:
        return egfr_ckd_epi_2021(
            age_years=years, serum_creatinine=Q_(creatinine, "mg/dL"), sex=sex
        ).value.magnitude

    assert egfr(age + 1) < egfr(age)


def test_deindex_egfr() -> None:
    egfr = egfr_ckd_epi_2021(age_years=60, serum_creatinine=Q_(1.0, "mg/dL"), sex="male").value
    bsa = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg")).value
    gfr = deindex_egfr(egfr, bsa=bsa)
    assert approx(gfr.m_as("mL/min"), 86.163 * 1.8181 / 1.73)
    assert str(gfr.units) == "milliliter / minute"
    with pytest.raises(ValueError, match="egfr"):
        deindex_egfr(Q_(86, "mL/min"), bsa=bsa)
    with pytest.raises(TypeError, match="bsa"):
        deindex_egfr(egfr, bsa=1.8)


@pytest.mark.parametrize("sex", ["female", "male"])
def test_the_float_entry_points_read_sex_given_as_a_plain_string(sex: str) -> None:
    """``"female"`` is :data:`Sex.FEMALE` (a StrEnum): a plain string never means male."""
    member = Sex(sex)
    assert cockcroft_gault_ml_min(65, 60.0, 0.8, sex) == cockcroft_gault_ml_min(  # type: ignore[arg-type]
        65, 60.0, 0.8, member
    )
    assert ckd_epi_2021(65, 0.8, sex) == ckd_epi_2021(65, 0.8, member)  # type: ignore[arg-type]
    by_string = plan_from_floats(
        "carboplatin_paclitaxel",
        weight_kg=60.0,
        height_cm=165.0,
        creatinine_mg_dl=0.8,
        age_years=65,
        sex=sex,
    )
    assert by_string == plan_from_floats(
        "carboplatin_paclitaxel",
        weight_kg=60.0,
        height_cm=165.0,
        creatinine_mg_dl=0.8,
        age_years=65,
        sex=member,
    )
