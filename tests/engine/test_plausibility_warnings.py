"""Plausibility warnings W1–W10 (case-format.md, "Plausibility"): ``implausible_value``.

Each row that reads a field of the schema 1 case model is tested at its cut-off: the value
just inside raises nothing, the value just outside raises one warning whose ``fields`` name
the field and whose message gives the value and the reason. Cases are bundled examples
changed with :func:`attrs.evolve` and passed through ``dump_case``/``load_case``, so every
test case is a valid document. The property test at the end shows that the warnings never
change a tier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_salvage import dump_case, load_case, plausibility, recommend
from ascc_salvage.case import (
    Biomarkers,
    Case,
    CellCount,
    Creatinine,
    Dose,
    GlomerularFiltrationRate,
    Length,
    Mass,
    PdL1Test,
    PriorSystemicTherapy,
)
from ascc_salvage.examples import example
from ascc_salvage.plausibility import ImplausibleValue, implausible_values
from ascc_salvage.result import ResultWarning
from ascc_salvage.vocabulary import (
    Condition,
    HivStatus,
    OptionId,
    PdL1Specimen,
    Sex,
    TherapyOutcome,
    TherapySetting,
    WarningCode,
)

from ._support import mixed_cases, with_patient

CODE = WarningCode.IMPLAUSIBLE_VALUE
CRT = "primary.chemoradiotherapy"


# --- helpers ----------------------------------------------------------------------------


def _base() -> Case:
    """HIV negative, 50.4 Gy/28 from 2025-01-06 to 2025-02-14, BMI 25, evaluated 2026-11-26."""
    return example("persistent_resectable").load()


def _valid(case: Case) -> Case:
    """*case* through a document round trip: validation accepts it."""
    return load_case(dump_case(case))


def _with_crt(case: Case, **changes: Any) -> Case:
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    primary = attrs.evolve(case.primary, chemoradiotherapy=attrs.evolve(crt, **changes))
    return attrs.evolve(case, primary=primary)


def _with_hiv(case: Case, **changes: Any) -> Case:
    return with_patient(case, hiv=attrs.evolve(case.patient.hiv, **changes))


def _implausible(case: Case) -> list[ResultWarning]:
    """The ``implausible_value`` warnings of ``recommend(case)``."""
    return [w for w in recommend(_valid(case)).warnings if w.code is CODE]


def _only(case: Case, path: str) -> ResultWarning:
    """The single implausible-value warning of *case*, which must be about *path*."""
    warnings = _implausible(case)
    assert [w.fields for w in warnings] == [(path,)]
    return warnings[0]


def _radiosensitising(start: dt.date) -> PriorSystemicTherapy:
    return PriorSystemicTherapy(
        regimen=OptionId.CISPLATIN_FLUOROURACIL,
        setting=TherapySetting.RADIOSENSITISING,
        start_date=start,
        end_date=dt.date(2025, 2, 14),
        outcome=TherapyOutcome.COMPLETED,
    )


def test_bundled_examples_are_plausible() -> None:
    for name in ("too_early", "persistent_resectable", "after_platinum", "after_immunotherapy"):
        assert _implausible(example(name).load()) == []
    assert implausible_values(example("untreated_anal_margin_t1").load()) == ()


# --- W1: CD4 < 200 cells/µL without known HIV ------------------------------------------


@pytest.mark.parametrize("status", [HivStatus.NEGATIVE, HivStatus.UNKNOWN])
def test_w1_cd4_just_inside_200_no_warning(status: HivStatus) -> None:
    case = _with_hiv(_base(), status=status, cd4_count=CellCount(200, "cells/uL"))
    assert _implausible(case) == []


@pytest.mark.parametrize("status", [HivStatus.NEGATIVE, HivStatus.UNKNOWN])
def test_w1_cd4_just_below_200_without_hiv_warns(status: HivStatus) -> None:
    case = _with_hiv(_base(), status=status, cd4_count=CellCount(199, "cells/mm3"))
    warning = _only(case, "patient.hiv.cd4_count")
    assert warning.message.startswith("patient.hiv.cd4_count 199 cells/mm3: ")
    assert f"below 200 cells/µL with HIV status {status}" in warning.message
    assert "lymphopenia (W1)" in warning.message
    assert "used as given" in warning.message


def test_w1_low_cd4_with_hiv_is_not_implausible() -> None:
    case = _with_hiv(
        _base(),
        status=HivStatus.POSITIVE,
        cd4_count=CellCount(50, "cells/uL"),
        viral_load_undetectable=True,
    )
    assert _implausible(case) == []


# --- W2: CRT dose < 30 Gy or > 65 Gy ---------------------------------------------------


@pytest.mark.parametrize("dose", [Dose(30, "Gy"), Dose(3000, "cGy"), Dose(65, "Gy")])
def test_w2_crt_dose_at_30_or_65_gy_no_warning(dose: Dose) -> None:
    assert _implausible(_with_crt(_base(), dose=dose)) == []


def test_w2_crt_dose_just_below_30_gy_warns() -> None:
    warning = _only(_with_crt(_base(), dose=Dose(2990, "cGy")), f"{CRT}.dose")
    assert warning.message.startswith(f"{CRT}.dose 2990 cGy: 29.9 Gy is below 30 Gy")
    assert "interrupted course? (W2)" in warning.message


def test_w2_crt_dose_just_above_65_gy_warns() -> None:
    warning = _only(_with_crt(_base(), dose=Dose(65.1, "Gy")), f"{CRT}.dose")
    assert "65.1 Gy is above 65 Gy; a dose-escalated boost? (W2)" in warning.message


# --- W3: CRT overall time > 70 days -----------------------------------------------------


def test_w3_crt_overall_time_70_days_no_warning() -> None:
    # 2025-01-06 to 2025-03-16 is 70 calendar days, both ends counted.
    assert _implausible(_with_crt(_base(), end_date=dt.date(2025, 3, 16))) == []


def test_w3_crt_overall_time_71_days_warns() -> None:
    warning = _only(_with_crt(_base(), end_date=dt.date(2025, 3, 17)), f"{CRT}.end_date")
    assert warning.message.startswith(f"{CRT}.end_date 2025-03-17: CRT overall time 71 days")
    assert "longer than 70 days" in warning.message
    assert "treatment gaps? (W3)" in warning.message


# --- W4: BMI < 15 or > 60 kg/m² (at patient.weight) -------------------------------------


@pytest.mark.parametrize("weight_kg", [60, 240])  # BMI exactly 15 and 60 at 200 cm
def test_w4_bmi_at_15_or_60_no_warning(weight_kg: float) -> None:
    case = with_patient(_base(), weight=Mass(weight_kg, "kg"), height=Length(200, "cm"))
    assert _implausible(case) == []


def test_w4_bmi_just_below_15_warns() -> None:
    case = with_patient(_base(), weight=Mass(59.9, "kg"), height=Length(2000, "mm"))
    warning = _only(case, "patient.weight")
    assert warning.message.startswith("patient.weight 59.9 kg: BMI 14.97 kg/m² (height 2000 mm)")
    assert "is below 15 kg/m²; cachexia? (W4)" in warning.message


def test_w4_bmi_just_above_60_warns() -> None:
    case = with_patient(_base(), weight=Mass(240.2, "kg"), height=Length(200, "cm"))
    warning = _only(case, "patient.weight")
    assert "BMI 60.05 kg/m² (height 200 cm) is above 60 kg/m²" in warning.message
    assert "severe obesity? (W4)" in warning.message


def test_w4_bmi_needs_height() -> None:
    case = with_patient(_base(), weight=Mass(300, "kg"), height=None)
    assert _implausible(case) == []


# --- W5: latest dated record > 730 days before the evaluation date ---------------------


def test_w5_latest_record_730_days_old_no_warning() -> None:
    # The latest record of the example is the assessment of 2025-07-07.
    case = attrs.evolve(_base(), evaluation_date=dt.date(2025, 7, 7) + dt.timedelta(730))
    assert _implausible(case) == []


def test_w5_latest_record_731_days_old_warns() -> None:
    evaluation = dt.date(2025, 7, 7) + dt.timedelta(731)
    case = attrs.evolve(_base(), evaluation_date=evaluation)
    warning = _only(case, "assessments[1].date")
    assert warning.message.startswith("assessments[1].date 2025-07-07: the latest dated record")
    assert f"731 days (more than 730) before the evaluation date {evaluation}" in warning.message
    assert "stale data? (W5)" in warning.message


def test_w5_therapy_end_counts_and_running_therapy_is_current() -> None:
    evaluation = dt.date(2027, 9, 1)
    course = PriorSystemicTherapy(
        regimen=OptionId.CARBOPLATIN_PACLITAXEL,
        setting=TherapySetting.ADVANCED,
        start_date=dt.date(2025, 8, 4),
        end_date=dt.date(2025, 8, 31),
        outcome=TherapyOutcome.INTOLERANCE,
    )
    case = attrs.evolve(_base(), evaluation_date=evaluation, prior_systemic_therapy=(course,))
    assert [w.fields for w in _implausible(case)] == [("prior_systemic_therapy[0].end_date",)]
    running = attrs.evolve(course, end_date=None, outcome=TherapyOutcome.ONGOING)
    assert _implausible(attrs.evolve(case, prior_systemic_therapy=(running,))) == []


def test_w3_and_w5_on_one_field_give_one_warning_naming_both() -> None:
    case = _with_crt(
        attrs.evolve(_base(), assessments=(), evaluation_date=dt.date(2027, 6, 1)),
        end_date=dt.date(2025, 3, 31),
    )
    warning = _only(case, f"{CRT}.end_date")
    assert "(W3); the latest dated record" in warning.message
    assert "(W5); check it" in warning.message
    (item,) = implausible_values(case)
    assert (item.path, item.value, item.rules) == (f"{CRT}.end_date", "2025-03-31", ("W3", "W5"))


# --- W7: serum creatinine > 10 mg/dL without dialysis ------------------------------------


def test_w7_creatinine_10_mg_dl_no_warning() -> None:
    assert _implausible(with_patient(_base(), serum_creatinine=Creatinine(10, "mg/dL"))) == []


def test_w7_creatinine_just_above_10_mg_dl_warns() -> None:
    case = with_patient(_base(), serum_creatinine=Creatinine(10.1, "mg/dL"))
    warning = _only(case, "patient.serum_creatinine")
    assert warning.message.startswith(
        "patient.serum_creatinine 10.1 mg/dL: 10.1 mg/dL is above 10 mg/dL without recorded "
        "dialysis"
    )
    assert "end-stage kidney disease? (W7)" in warning.message


def test_w7_creatinine_in_umol_per_litre_warns_with_the_unit_as_received() -> None:
    case = with_patient(_base(), serum_creatinine=Creatinine(1000, "umol/L"))
    assert _only(case, "patient.serum_creatinine").message.startswith(
        "patient.serum_creatinine 1000 umol/L: 11.3"
    )


@pytest.mark.parametrize("dialysis", [False, None])
def test_w7_creatinine_warns_unless_dialysis_is_true(dialysis: bool | None) -> None:
    case = with_patient(_base(), serum_creatinine=Creatinine(12, "mg/dL"), dialysis=dialysis)
    _only(case, "patient.serum_creatinine")


def test_w7_dialysis_silences_the_creatinine_row() -> None:
    """Schema 2 ``patient.dialysis`` true: a high creatinine is expected, no warning."""
    case = with_patient(_base(), serum_creatinine=Creatinine(12, "mg/dL"), dialysis=True)
    assert _implausible(case) == []


# --- W7: measured GFR > 30 mL/min on dialysis --------------------------------------------


@pytest.mark.parametrize("unit", ["mL/min", "mL/min/{1.73_m2}"])
def test_w7_measured_gfr_30_on_dialysis_no_warning(unit: str) -> None:
    case = with_patient(_base(), dialysis=True, measured_gfr=GlomerularFiltrationRate(30, unit))
    assert _implausible(case) == []


@pytest.mark.parametrize("unit", ["mL/min", "mL/min/{1.73_m2}"])
def test_w7_measured_gfr_above_30_on_dialysis_warns(unit: str) -> None:
    case = with_patient(_base(), dialysis=True, measured_gfr=GlomerularFiltrationRate(30.5, unit))
    warning = _only(case, "patient.measured_gfr")
    assert warning.message == (
        f"patient.measured_gfr 30.5 {unit}: 30.5 {unit} is above 30 mL/min on maintenance "
        "dialysis; residual kidney function? (W7); check it (the value is used as given)"
    )


@pytest.mark.parametrize("dialysis", [False, None])
def test_w7_high_measured_gfr_without_dialysis_is_plausible(dialysis: bool | None) -> None:
    gfr = GlomerularFiltrationRate(90, "mL/min")
    assert _implausible(with_patient(_base(), dialysis=dialysis, measured_gfr=gfr)) == []


# --- W8: radiosensitising course > 30 days before the CRT start, or after its end -------


def test_w8_radiosensitising_start_30_days_before_or_at_crt_end_no_warning() -> None:
    for start in (dt.date(2024, 12, 7), dt.date(2025, 2, 14)):
        case = attrs.evolve(_base(), prior_systemic_therapy=(_radiosensitising(start),))
        assert _implausible(case) == [], start


def test_w8_radiosensitising_start_31_days_before_crt_warns() -> None:
    other = attrs.evolve(
        _radiosensitising(dt.date(2024, 10, 1)), setting=TherapySetting.NEOADJUVANT
    )
    early = _radiosensitising(dt.date(2024, 12, 6))
    case = attrs.evolve(_base(), prior_systemic_therapy=(other, early))
    warning = _only(case, "prior_systemic_therapy[1].start_date")
    assert warning.message.startswith(
        "prior_systemic_therapy[1].start_date 2024-12-06: a radiosensitising course starting "
        "31 days (more than 30) before the CRT start"
    )
    assert "induction chemotherapy, or a sequencing error? (W8)" in warning.message


def test_w8_radiosensitising_start_after_crt_end_warns() -> None:
    late = PriorSystemicTherapy(
        regimen=OptionId.CISPLATIN_FLUOROURACIL,
        setting=TherapySetting.RADIOSENSITISING,
        start_date=dt.date(2025, 2, 15),
        end_date=dt.date(2025, 3, 1),
        outcome=TherapyOutcome.COMPLETED,
    )
    case = attrs.evolve(_base(), prior_systemic_therapy=(late,))
    warning = _only(case, "prior_systemic_therapy[0].start_date")
    assert "starting after the CRT end 2025-02-14" in warning.message


def test_w8_needs_a_crt_course() -> None:
    case = example("untreated_anal_margin_t1").load()
    course = _radiosensitising(dt.date(2024, 1, 1))
    assert implausible_values(attrs.evolve(case, prior_systemic_therapy=(course,))) == ()


# --- W9: age > 100 -----------------------------------------------------------------------


def test_w9_age_100_no_warning() -> None:
    assert _implausible(with_patient(_base(), age_years=100)) == []


def test_w9_age_101_warns() -> None:
    warning = _only(with_patient(_base(), age_years=101), "patient.age_years")
    assert warning.message == (
        "patient.age_years 101: above 100 years; rare but real (W9); "
        "check it (the value is used as given)"
    )


# --- W9: pregnancy at age > 55 ------------------------------------------------------------


def _pregnant(age: int) -> Case:
    """A woman of *age* with the conditions hearing loss and pregnancy (index 1)."""
    conditions = (Condition.HEARING_LOSS_GRADE_2_OR_MORE, Condition.PREGNANCY)
    return with_patient(_base(), sex=Sex.FEMALE, age_years=age, conditions=conditions)


def test_w9_pregnancy_at_55_no_warning() -> None:
    assert _implausible(_pregnant(55)) == []


def test_w9_pregnancy_at_56_warns_at_the_condition() -> None:
    warning = _only(_pregnant(56), "patient.conditions[1]")
    assert warning.message == (
        "patient.conditions[1] pregnancy: pregnancy at age 56 (above 55 years); rare but real "
        "(W9); check it (the value is used as given)"
    )


def test_w9_pregnancy_and_age_above_100_are_two_fields() -> None:
    fields = [w.fields for w in _implausible(_pregnant(101))]
    assert fields == [("patient.age_years",), ("patient.conditions[1]",)]


# --- W10: the effective PD-L1 test dated > 2 years before the evaluation -----------------


def _pd_l1(*tests: PdL1Test, evaluation: dt.date | None = None) -> Case:
    case = with_patient(_base(), pd_l1_cps=None, biomarkers=Biomarkers(pd_l1=tests))
    return case if evaluation is None else attrs.evolve(case, evaluation_date=evaluation)


def _primary_test(date: dt.date, cps: float = 5) -> PdL1Test:
    return PdL1Test(cps=cps, specimen=PdL1Specimen.PRIMARY, date=date)


def test_w10_effective_test_exactly_two_years_old_no_warning() -> None:
    assert _base().evaluation_date == dt.date(2026, 11, 26)
    assert _implausible(_pd_l1(_primary_test(dt.date(2024, 11, 26)))) == []


def test_w10_effective_test_over_two_years_old_warns_at_its_date() -> None:
    case = _pd_l1(_primary_test(dt.date(2024, 6, 1), cps=20), _primary_test(dt.date(2024, 11, 25)))
    warning = _only(case, "patient.biomarkers.pd_l1[1].date")
    assert warning.message == (
        "patient.biomarkers.pd_l1[1].date 2024-11-25: the test whose CPS is used is more than "
        "2 years older than the evaluation date 2026-11-26; archival tissue? (W10); check it "
        "(the value is used as given)"
    )


def test_w10_an_old_test_that_is_not_used_is_plausible() -> None:
    recent = PdL1Test(cps=5, specimen=PdL1Specimen.RECURRENCE, date=dt.date(2026, 10, 1))
    assert _implausible(_pd_l1(_primary_test(dt.date(2020, 1, 1)), recent)) == []


def test_w10_undated_test_is_plausible() -> None:
    assert _implausible(_pd_l1(PdL1Test(cps=5, specimen=PdL1Specimen.PRIMARY))) == []


def _w10_paths(case: Case) -> list[str]:
    return [item.path for item in implausible_values(_valid(case)) if "W10" in item.rules]


def test_w10_evaluated_on_29_february_counts_from_28_february() -> None:
    # (The case's other records are then over 730 days old: W5 warns too.)
    leap_day = dt.date(2028, 2, 29)
    assert _w10_paths(_pd_l1(_primary_test(dt.date(2026, 2, 28)), evaluation=leap_day)) == []
    older = _pd_l1(_primary_test(dt.date(2026, 2, 27)), evaluation=leap_day)
    assert _w10_paths(older) == ["patient.biomarkers.pd_l1[0].date"]


# --- records, messages and several fields ------------------------------------------------


def test_one_warning_per_field_in_result_order() -> None:
    case = with_patient(
        _with_crt(_base(), dose=Dose(20, "Gy")),
        age_years=104,
        serum_creatinine=Creatinine(11, "mg/dL"),
    )
    warnings = _implausible(case)
    assert [w.fields for w in warnings] == [
        ("patient.age_years",),
        ("patient.serum_creatinine",),
        (f"{CRT}.dose",),
    ]
    assert [item.path for item in implausible_values(case)] == [
        f"{CRT}.dose",
        "patient.serum_creatinine",
        "patient.age_years",
    ]
    assert all(isinstance(item, ImplausibleValue) for item in implausible_values(case))


def test_displayed_number_never_reads_as_the_cut_off() -> None:
    case = _with_hiv(_base(), cd4_count=CellCount(199.99999999, "cells/uL"))
    (item,) = implausible_values(case)
    assert item.reasons[0].startswith("199.99999999 cells/µL is below 200")


def test_records_are_frozen() -> None:
    item = ImplausibleValue("patient.age_years", "101", ("W9",), ("above 100 years",))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        item.path = "x"  # type: ignore[misc]


# --- the warnings never change a tier ---------------------------------------------------


@st.composite
def _implausible_cases(draw: st.DrawFn) -> Case:
    """Generated cases, most of them with some implausible values added."""
    case = draw(mixed_cases())
    patient = case.patient
    changes: dict[str, Any] = {}
    if draw(st.booleans()):
        changes["age_years"] = draw(st.integers(101, 120))
    if draw(st.booleans()):
        changes["serum_creatinine"] = Creatinine(draw(st.floats(10.01, 25)), "mg/dL")
    if draw(st.booleans()):
        # BMI above 60 (W4) but not above 100 kg/m² (impossible, P9)
        height = draw(st.floats(100, 180))
        bmi = draw(st.floats(60.5, 99.5))
        changes["weight"] = Mass(min(400.0, max(20.0, bmi * (height / 100) ** 2)), "kg")
        changes["height"] = Length(height, "cm")
    if draw(st.booleans()) and patient.hiv.status is not HivStatus.POSITIVE:
        changes["hiv"] = attrs.evolve(
            patient.hiv, cd4_count=CellCount(draw(st.integers(0, 199)), "cells/uL")
        )
    case = with_patient(case, **changes)
    crt = case.primary.chemoradiotherapy
    if crt is not None and draw(st.booleans()):
        low = Dose(draw(st.floats(0.5, 1.0)) * crt.fractions, "Gy")  # 0.5-1 Gy/fraction
        if low.canonical < 30:  # the phases would no longer add up to the course: dropped
            case = _with_crt(case, dose=low, phases=())
    return case


def _without_implausible(warnings: tuple[ResultWarning, ...]) -> tuple[ResultWarning, ...]:
    return tuple(w for w in warnings if w.code is not CODE)


@given(_implausible_cases())
def test_implausible_values_never_change_tiers(case: Case) -> None:
    with_warnings = recommend(case)
    with mock.patch.object(plausibility, "implausible_values", return_value=()):
        without = recommend(case)
    assert with_warnings.options == without.options
    assert with_warnings.missing_information == without.missing_information
    assert with_warnings.disease_status == without.disease_status
    assert _without_implausible(with_warnings.warnings) == without.warnings
    raised = [w for w in with_warnings.warnings if w.code is CODE]
    assert [w.fields for w in raised] == sorted((item.path,) for item in implausible_values(case))
    assert all(len(w.fields) == 1 for w in raised)
