from __future__ import annotations

import copy
import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage import load_case
from ascc_salvage.calculators import (
    RadiotherapyCourse,
    ReirradiationVerdict,
    calendar_months_between,
    max_total_dose_within_budget,
    radiotherapy_courses,
    reirradiation_feasibility,
)
from ascc_salvage.knowledge import OrganLimit
from ascc_salvage.units import Q_

from ._support import approx

EVALUATION = dt.date(2026, 11, 26)
FEASIBLE = ReirradiationVerdict.FEASIBLE
NOT_FEASIBLE = ReirradiationVerdict.NOT_FEASIBLE
UNDETERMINED = ReirradiationVerdict.UNDETERMINED


def pelvis(months_ago: int, dose: float = 50.4, fractions: int = 28) -> RadiotherapyCourse:
    end = dt.date(EVALUATION.year - (months_ago // 12), EVALUATION.month, EVALUATION.day)
    month = EVALUATION.month - months_ago % 12
    end = dt.date(end.year - (month <= 0), (month - 1) % 12 + 1, EVALUATION.day)
    return RadiotherapyCourse("pelvis", end, Q_(dose, "Gy"), fractions)


def screen(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "region": "pelvis",
        "previous_courses": [pelvis(24)],
        "evaluation_date": EVALUATION,
        "recurrent_after_complete_response": True,
        "ecog": 1,
    }
    arguments.update(overrides)
    return reirradiation_feasibility(**arguments)


def test_default_plan_fits_with_recovery() -> None:
    result = screen()
    assert result.verdict is FEASIBLE
    assert result.interval_months == 24
    assert result.recovery is True
    assert result.missing == ()
    assert result.planned_total_dose.m_as("Gy") == 39.0
    assert result.planned_fractions == 26
    assert result.dose_per_fraction.m_as("Gy") == 1.5
    organs = {o.organ: o for o in result.organs}
    assert set(organs) == {"small_bowel", "colon_rectum", "bladder", "sacral_plexus"}
    assert approx(organs["small_bowel"].cumulative_eqd2.m_as("Gy"), 83.484)
    assert organs["small_bowel"].limit.m_as("Gy") == 90.0
    assert organs["sacral_plexus"].alpha_beta.m_as("Gy") == 2.0
    assert approx(organs["sacral_plexus"].cumulative_eqd2_gy, 47.880 + 34.125)
    assert all(o.within_limit for o in result.organs)
    assert result.nominal is False
    assert result.largest_feasible_total_dose is not None
    # Largest total: the sacral plexus budget 85 − 47.88 at 1.5 Gy per fraction.
    expected = max_total_dose_within_budget(
        budget_eqd2=Q_(85 - 47.88, "Gy"), dose_per_fraction=Q_(1.5, "Gy"), alpha_beta=Q_(2, "Gy")
    )
    assert approx(result.largest_feasible_total_dose.m_as("Gy"), expected.m_as("Gy"))
    assert organs["small_bowel"].to_dict() == {
        "organ": "small_bowel",
        "alpha_beta": {"value": 3.0, "unit": "Gy"},
        "value": {"value": organs["small_bowel"].cumulative_eqd2_gy, "unit": "Gy"},
        "limit": {"value": 90.0, "unit": "Gy"},
    }


def test_no_recovery_limits_make_it_infeasible() -> None:
    result = screen(previous_courses=[pelvis(8)])
    assert result.verdict is NOT_FEASIBLE
    assert result.interval_months == 8
    assert result.recovery is False
    assert {o.organ: o.limit_gy for o in result.organs}["small_bowel"] == 70.0
    assert result.largest_feasible_total_dose is not None
    assert result.largest_feasible_total_dose.m_as("Gy") < 30
    assert result.planned_total_dose_gy == 39.0  # the default plan, showing the excess
    assert any("under the 30 Gy minimum" in reason for reason in result.reasons)


def test_reduced_plan_when_default_exceeds_a_limit() -> None:
    # 54 Gy/30: sacral plexus 51.3 + 34.125 > 85, so fewer 1.5 Gy fractions are planned.
    result = screen(previous_courses=[pelvis(18, 54.0, 30)])
    assert result.verdict is FEASIBLE
    budget_dose = (85 - 54 * 3.8 / 4) * 4 / 3.5
    assert approx(result.largest_feasible_total_dose_gy, budget_dose)
    assert result.planned_fractions == 25
    assert approx(result.planned_total_dose_gy, 37.5)
    assert all(o.within_limit for o in result.organs)
    assert any("instead" in reason for reason in result.reasons)


@pytest.mark.parametrize(
    ("months", "verdict", "recovery"),
    [
        (5, NOT_FEASIBLE, False),
        (6, NOT_FEASIBLE, False),
        (11, NOT_FEASIBLE, False),
        (12, FEASIBLE, True),
    ],
)
def test_interval_cut_offs(months: int, verdict: ReirradiationVerdict, recovery: bool) -> None:
    result = screen(previous_courses=[pelvis(months)])
    assert result.interval_months == months
    assert result.verdict is verdict
    assert result.recovery is recovery
    too_short = any("at least 6 months" in reason for reason in result.reasons)
    assert too_short == (months < 6)


def test_interval_cut_off_with_a_small_prior_dose() -> None:
    # 30 Gy/15 fits even the no-recovery limits: 6 months is feasible, 5 is not.
    assert screen(previous_courses=[pelvis(6, 30.0, 15)]).verdict is FEASIBLE
    assert screen(previous_courses=[pelvis(5, 30.0, 15)]).verdict is NOT_FEASIBLE


def test_interval_counts_from_the_last_course_to_the_same_region() -> None:
    groin = RadiotherapyCourse("groin", dt.date(2026, 10, 1), Q_(50, "Gy"), 25)
    other = RadiotherapyCourse("other", dt.date(2026, 10, 1), Q_(20, "Gy"), 5)
    result = screen(previous_courses=[pelvis(30, 30.0, 15), pelvis(13, 20.0, 10), groin, other])
    assert result.interval_months == 13
    # Both pelvic courses count in the cumulative dose, the groin and other courses do not.
    organs = {o.organ: o for o in result.organs}
    assert approx(organs["small_bowel"].previous_eqd2_gy, 30 * 5 / 5 + 20 * 5 / 5)


@pytest.mark.parametrize("status", [False, None])
def test_status_gate(status: bool | None) -> None:
    result = screen(recurrent_after_complete_response=status)
    if status is None:
        assert result.verdict is UNDETERMINED
        assert result.missing == ("disease_status",)
    else:
        assert result.verdict is NOT_FEASIBLE
        assert result.missing == ()


@pytest.mark.parametrize(
    ("ecog", "verdict"), [(0, FEASIBLE), (2, FEASIBLE), (3, NOT_FEASIBLE), (None, UNDETERMINED)]
)
def test_ecog(ecog: int | None, verdict: ReirradiationVerdict) -> None:
    result = screen(ecog=ecog)
    assert result.verdict is verdict
    assert ("patient.ecog" in result.missing) == (ecog is None)


def test_not_feasible_outranks_missing() -> None:
    result = screen(recurrent_after_complete_response=False, ecog=None)
    assert result.verdict is NOT_FEASIBLE
    assert result.missing == ("patient.ecog",)


def test_unknown_pelvic_dose_is_undetermined() -> None:
    course = RadiotherapyCourse(
        "pelvis", dt.date(2024, 1, 1), None, 28, dose_field="primary.chemoradiotherapy.dose"
    )
    result = screen(previous_courses=[course])
    assert result.verdict is UNDETERMINED
    assert result.missing == ("primary.chemoradiotherapy.dose",)
    assert result.organs == ()
    assert result.largest_feasible_total_dose is None
    unnamed = screen(
        previous_courses=[
            SimpleNamespace(
                region="pelvis",
                end_date=dt.date(2024, 1, 1),
                total_dose=Q_(50, "Gy"),
                fractions=None,
            )
        ]
    )
    assert unnamed.missing == ("previous_courses[0].total_dose",)


def test_no_previous_course_to_the_region() -> None:
    result = screen(previous_courses=[])
    assert result.verdict is FEASIBLE
    assert result.interval_months is None
    assert result.recovery is None
    assert result.organs == ()
    assert "does not apply" in result.reasons[-1]


def groin(months_ago: int, dose: float | None = 45.0) -> RadiotherapyCourse:
    end = pelvis(months_ago).end_date
    return RadiotherapyCourse(
        "groin",
        end,
        None if dose is None else Q_(dose, "Gy"),
        25,
        dose_field="primary.chemoradiotherapy.groin_dose",
    )


@pytest.mark.parametrize(
    ("months", "dose", "recorded", "verdict", "missing"),
    [
        (12, 45.0, None, FEASIBLE, ()),
        (11, 45.0, None, NOT_FEASIBLE, ()),
        (24, None, None, UNDETERMINED, ("primary.chemoradiotherapy.groin_dose",)),
        (24, None, True, FEASIBLE, ()),
        (24, 45.0, False, UNDETERMINED, ("primary.chemoradiotherapy.groin_dose",)),
        (6, None, None, NOT_FEASIBLE, ("primary.chemoradiotherapy.groin_dose",)),
    ],
)
def test_groin_rules(
    months: int,
    dose: float | None,
    recorded: bool | None,
    verdict: ReirradiationVerdict,
    missing: tuple[str, ...],
) -> None:
    result = screen(
        region="groin",
        previous_courses=[pelvis(months), groin(months, dose)],
        prior_groin_dose_recorded=recorded,
    )
    assert result.verdict is verdict
    assert result.missing == missing
    # v3 (§6.4): the groin organs are reported whenever the prior groin dose is known, with
    # no limit (no consensus limit exists).
    organs = {o.organ: o for o in result.organs}
    assert set(organs) == (set() if dose is None else {"femoral_head_neck", "femoral_nerve"})
    for organ in organs.values():
        assert organ.limit is None
        assert organ.within_limit is None
        assert organ.to_dict()["limit"] is None
    assert result.interval_months == months
    assert result.rule == {FEASIBLE: None, UNDETERMINED: "6.4"}.get(
        verdict, "6.2" if months < 6 else "6.4"
    )


def test_nominal_for_single_large_fractions() -> None:
    iort = RadiotherapyCourse("pelvis", dt.date(2023, 1, 1), Q_(12.5, "Gy"), 1)
    assert screen(previous_courses=[pelvis(24), iort]).nominal is True
    assert screen(planned_total_dose=Q_(12.5, "Gy"), planned_fractions=1).nominal is True


def test_custom_limits_and_plan() -> None:
    limits = [OrganLimit("rectum", 3.0, 60.0, 200.0, ())]
    result = screen(limits=limits, planned_total_dose=Q_(3000, "cGy"), planned_fractions=20)
    assert [o.organ for o in result.organs] == ["rectum"]
    assert result.planned_total_dose_gy == 30.0
    assert result.verdict is FEASIBLE
    assert screen(limits=[]).largest_feasible_total_dose is None


def test_case_courses() -> None:
    case = load_case(EXAMPLE)
    courses = radiotherapy_courses(case)
    assert [str(c.region) for c in courses] == ["pelvis", "groin", "pelvis"]
    assert courses[0].total_dose is not None
    assert courses[0].total_dose.m_as("Gy") == 50.4
    assert courses[1].total_dose is None
    assert courses[1].dose_field == "primary.chemoradiotherapy.groin_dose"
    assert courses[2].dose_field == "prior_radiotherapy[0].dose"
    result = reirradiation_feasibility(
        region="groin",
        previous_courses=courses,
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert result.missing == ("primary.chemoradiotherapy.groin_dose",)
    # The case-model courses themselves are accepted too.
    direct = reirradiation_feasibility(
        region="pelvis",
        previous_courses=case.prior_radiotherapy,
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert direct.interval_months == 11

    document = copy.deepcopy(EXAMPLE)
    document["primary"]["chemoradiotherapy"]["groins_irradiated"] = None
    unknown = radiotherapy_courses(load_case(document))
    assert unknown[1].dose_field == "primary.chemoradiotherapy.groins_irradiated"
    document["primary"]["chemoradiotherapy"]["groins_irradiated"] = False
    assert [str(c.region) for c in radiotherapy_courses(load_case(document))] == [
        "pelvis",
        "pelvis",
    ]
    document["primary"]["chemoradiotherapy"]["groins_irradiated"] = True
    document["primary"]["chemoradiotherapy"]["groin_dose"] = {"value": 4500, "unit": "cGy"}
    recorded = radiotherapy_courses(load_case(document))[1]
    assert recorded.total_dose is not None
    assert recorded.total_dose.m_as("Gy") == 45.0
    assert recorded.fractions == 28
    document["primary"]["chemoradiotherapy"] = None
    assert [str(c.region) for c in radiotherapy_courses(load_case(document))] == ["pelvis"]


def test_errors() -> None:
    with pytest.raises(ValueError, match="region"):
        screen(region="other")
    with pytest.raises(ValueError, match="region"):
        screen(region="thorax")
    with pytest.raises(TypeError, match="evaluation_date"):
        screen(evaluation_date="2026-11-26")
    with pytest.raises(ValueError, match="after the evaluation date"):
        screen(previous_courses=[RadiotherapyCourse("pelvis", dt.date(2027, 1, 1), None, 1)])
    with pytest.raises(TypeError, match=r"previous_courses\[0\]"):
        screen(previous_courses=[(Q_(50, "Gy"), 28)])
    with pytest.raises(TypeError, match=r"previous_courses\[0\].end_date"):
        screen(
            previous_courses=[
                SimpleNamespace(
                    region="pelvis", end_date="2024-01-01", total_dose=Q_(50, "Gy"), fractions=28
                )
            ]
        )
    with pytest.raises(ValueError, match=r"previous_courses\[0\].total_dose"):
        screen(
            previous_courses=[RadiotherapyCourse("pelvis", dt.date(2024, 1, 1), Q_(50, "Sv"), 28)]
        )
    with pytest.raises(TypeError, match=r"previous_courses\[0\].total_dose"):
        screen(
            previous_courses=[
                SimpleNamespace(
                    region="pelvis", end_date=dt.date(2024, 1, 1), total_dose=50.0, fractions=28
                )
            ]
        )
    with pytest.raises(TypeError, match="recurrent_after_complete_response"):
        screen(recurrent_after_complete_response="yes")
    with pytest.raises(TypeError, match="prior_groin_dose_recorded"):
        screen(prior_groin_dose_recorded=1)
    with pytest.raises(TypeError, match="ecog"):
        screen(ecog=1.0)
    with pytest.raises(ValueError, match="ecog"):
        screen(ecog=6)
    with pytest.raises(TypeError, match=r"limits\[0\]"):
        screen(limits=[("bowel", 3, 70, 90)])
    with pytest.raises(ValueError, match=r"limits\[0\]"):
        screen(limits=[OrganLimit("bowel", 0.0, 70.0, 90.0, ())])
    with pytest.raises(TypeError, match="planned_total_dose"):
        screen(planned_total_dose=39)
    with pytest.raises(ValueError, match="planned_fractions"):
        screen(planned_fractions=0)
    with pytest.raises(ValueError, match="before"):
        calendar_months_between(dt.date(2026, 1, 2), dt.date(2026, 1, 1))


@given(
    start=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    days=st.integers(0, 4000),
)
@example(start=dt.date(2024, 1, 31), days=29)  # 29 February 2024: one month
@example(start=dt.date(2024, 2, 29), days=365)  # 28 February 2025: twelve months
def test_calendar_months(start: dt.date, days: int) -> None:
    end = start + dt.timedelta(days=days)
    months = calendar_months_between(start, end)
    assert months >= 0
    assert calendar_months_between(start, end + dt.timedelta(days=31)) >= months + 1
    assert months * 28 <= days < (months + 1) * 31


@given(
    dose=st.floats(20, 70),
    fractions=st.integers(10, 40),
    months=st.integers(6, 60),
    extra=st.floats(0, 20),
)
@example(dose=50.4, fractions=28, months=12, extra=0.0)
@example(dose=50.4, fractions=28, months=11, extra=0.0)
def test_screen_invariants(dose: float, fractions: int, months: int, extra: float) -> None:
    result = screen(previous_courses=[pelvis(months, dose, fractions)])
    more = screen(previous_courses=[pelvis(months, dose + extra, fractions)])
    # A larger previous dose never turns an infeasible plan feasible.
    if result.verdict is NOT_FEASIBLE:
        assert more.verdict is NOT_FEASIBLE
    assert (
        more.planned_total_dose_gy <= result.planned_total_dose_gy or more.verdict is NOT_FEASIBLE
    )
    if result.verdict is FEASIBLE:
        assert all(o.within_limit for o in result.organs)
        assert 30.0 <= result.planned_total_dose_gy <= 39.0
        assert result.planned_total_dose_gy == pytest.approx(result.planned_fractions * 1.5)
        assert result.largest_feasible_total_dose_gy is not None
        assert result.planned_total_dose_gy <= result.largest_feasible_total_dose_gy + 1e-9


EXAMPLE: dict[str, Any] = {
    "schema_version": 1,
    "evaluation_date": "2026-11-26",
    "jurisdiction": "US",
    "patient": {
        "age_years": 61,
        "sex": "female",
        "ecog": 1,
        "karnofsky": None,
        "weight": {"value": 68, "unit": "kg"},
        "height": {"value": 165, "unit": "cm"},
        "serum_creatinine": {"value": 0.9, "unit": "mg/dL"},
        "fit_for_major_surgery": True,
        "accepts_permanent_colostomy": True,
        "hiv": {"status": "negative", "cd4_count": None, "viral_load_undetectable": None},
        "pd_l1_cps": None,
        "conditions": [],
    },
    "primary": {
        "site": "anal_canal",
        "stage": {"t": "T3", "n": "N1a", "m": "M0", "prefix": "c", "edition": "AJCC8"},
        "chemoradiotherapy": {
            "start_date": "2025-01-06",
            "end_date": "2025-02-14",
            "dose": {"value": 50.4, "unit": "Gy"},
            "fractions": 28,
            "groins_irradiated": True,
        },
    },
    "assessments": [
        {"date": "2025-03-24", "finding": "regressing", "biopsy": "not_done"},
        {"date": "2025-07-07", "finding": "complete_response", "biopsy": "not_done"},
    ],
    "disease": None,
    "prior_salvage_surgery": [],
    "prior_systemic_therapy": [],
    "prior_radiotherapy": [
        {
            "region": "pelvis",
            "end_date": "2025-12-01",
            "dose": {"value": 8, "unit": "Gy"},
            "fractions": 1,
        },
    ],
    "facility": {"iort_available": None, "exenteration_centre": None},
}
