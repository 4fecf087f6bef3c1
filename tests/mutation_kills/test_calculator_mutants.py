"""Tests that kill surviving mutants of the calculators (see scripts/mutation.sh).

Each test pins a boundary, a constant or a branch that the calculators' own tests left
unchecked: a mutant of the guarded line changes a result asserted here.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest

from ascc_salvage.calculators import (
    RadiotherapyCourse,
    ReirradiationVerdict,
    UndeterminedDosePlan,
    calendar_months_between,
    carboplatin_dose,
    cumulative_eqd2,
    dose_plan,
    ecog_from_karnofsky,
    plan_from_floats,
    radiotherapy_plan,
    reirradiation_feasibility,
)
from ascc_salvage.calculators.radiobiology import eqd2_gy, max_total_gy
from ascc_salvage.calculators.reirradiation import case_courses
from ascc_salvage.case import Creatinine, Dose, Hiv, Length, Mass, Patient, PriorRadiotherapy
from ascc_salvage.knowledge import OrganLimit
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import HivStatus, RadiotherapyRegion, Sex

EVALUATION = dt.date(2026, 11, 26)
FEASIBLE = ReirradiationVerdict.FEASIBLE
NOT_FEASIBLE = ReirradiationVerdict.NOT_FEASIBLE
UNDETERMINED = ReirradiationVerdict.UNDETERMINED


def months_before(months: int, day: int = 26) -> dt.date:
    index = EVALUATION.year * 12 + EVALUATION.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, day)


def course(region: str, months: int, dose: float | None = 50.4, fractions: int = 28) -> Any:
    total = None if dose is None else Q_(dose, "Gy")
    return RadiotherapyCourse(region, months_before(months), total, fractions)


def screen(**overrides: Any) -> Any:
    arguments: dict[str, Any] = {
        "region": "pelvis",
        "previous_courses": [course("pelvis", 24)],
        "evaluation_date": EVALUATION,
        "recurrent_after_complete_response": True,
        "ecog": 1,
    }
    arguments.update(overrides)
    return reirradiation_feasibility(**arguments)


def one_limit(limit_gy: float, alpha_beta_gy: float = 3.0) -> list[OrganLimit]:
    """A single organ whose limit (with and without recovery) is *limit_gy*."""
    return [
        OrganLimit(
            organ="organ",
            alpha_beta_gy=alpha_beta_gy,
            no_recovery_gy=limit_gy,
            recovery_gy=limit_gy,
            sources=(),
            policy=True,
            note="",
        )
    ]


# --- Re-irradiation: groin (§6 point 4) -------------------------------------------------


@pytest.mark.parametrize(
    ("months", "verdict", "recovery"),
    [(11, NOT_FEASIBLE, False), (12, FEASIBLE, True), (13, FEASIBLE, True)],
)
def test_groin_interval_boundary_is_inclusive_at_12_months(
    months: int, verdict: ReirradiationVerdict, recovery: bool
) -> None:
    result = screen(region="groin", previous_courses=[course("groin", months, 45.0, 25)])
    assert result.interval_months == months
    assert result.recovery is recovery
    assert result.verdict is verdict


def test_groin_dose_recorded_is_derived_from_the_courses() -> None:
    recorded = screen(region="groin", previous_courses=[course("groin", 24, 45.0, 25)])
    assert recorded.verdict is FEASIBLE
    assert recorded.missing == ()
    assert any("individualised cumulative dose plan" in r for r in recorded.reasons)
    assert not any("not recorded" in r for r in recorded.reasons)

    unknown = screen(region="groin", previous_courses=[course("groin", 24, None, 25)])
    assert unknown.verdict is UNDETERMINED
    assert unknown.missing == ("previous_courses[0].total_dose",)
    assert "the prior groin dose is not recorded" in unknown.reasons


def test_groin_dose_recorded_flag_overrides_the_courses() -> None:
    flagged = screen(
        region="groin",
        previous_courses=[course("groin", 24, 45.0, 25)],
        prior_groin_dose_recorded=False,
    )
    assert flagged.verdict is UNDETERMINED
    assert flagged.missing == ("primary.chemoradiotherapy.groin_dose",)


# --- Re-irradiation: reasons are always plain text ---------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"recurrent_after_complete_response": None, "ecog": None},
        {"recurrent_after_complete_response": False, "ecog": 3},
        {"previous_courses": []},
        {"region": "groin", "previous_courses": [course("groin", 6, 45.0, 25)]},
        {"region": "groin", "previous_courses": [course("groin", 24, None, 25)]},
        {"region": "groin", "previous_courses": [course("groin", 24, 45.0, 25)]},
        {"previous_courses": [course("pelvis", 24, None)]},
        {"previous_courses": [course("pelvis", 3)]},
        {"limits": one_limit(60.0)},
    ],
)
def test_every_reason_is_a_sentence(overrides: dict[str, Any]) -> None:
    result = screen(**overrides)
    assert result.reasons
    assert all(isinstance(r, str) and len(r) > 10 for r in result.reasons)


def test_blocked_reasons_name_status_and_ecog() -> None:
    result = screen(recurrent_after_complete_response=False, ecog=3)
    assert result.verdict is NOT_FEASIBLE
    assert "no documented complete response to the first course" in result.reasons
    assert result.rule == "6.1"
    assert "ECOG 3 is above 2" in result.reasons
    unknown = screen(recurrent_after_complete_response=None, ecog=None)
    assert unknown.missing == ("disease_status", "patient.ecog")
    assert "ECOG performance status unknown" in unknown.reasons


def test_result_names_its_region() -> None:
    assert screen().region is RadiotherapyRegion.PELVIS
    assert screen(region="groin").region is RadiotherapyRegion.GROIN


# --- Re-irradiation: the LQ "nominal" flag is strictly above 10 Gy per fraction -----------


def test_planned_fraction_of_exactly_10_gy_is_not_nominal() -> None:
    assert screen(planned_total_dose=Q_(10.0, "Gy"), planned_fractions=1).nominal is False
    assert screen(planned_total_dose=Q_(10.5, "Gy"), planned_fractions=1).nominal is True


def test_previous_fraction_of_exactly_10_gy_is_not_nominal() -> None:
    ten = course("pelvis", 24, 20.0, 2)
    assert screen(previous_courses=[ten]).nominal is False
    above = course("pelvis", 24, 21.0, 2)
    assert screen(previous_courses=[above]).nominal is True


# --- Re-irradiation: cumulative limits and the reduced plan --------------------------------


def _previous_eqd2(alpha_beta: float = 3.0) -> float:
    return eqd2_gy(50.4, 50.4 / 28, alpha_beta)


def test_cumulative_dose_exactly_at_the_limit_fits() -> None:
    limit = _previous_eqd2() + eqd2_gy(39.0, 1.5, 3.0)
    result = screen(limits=one_limit(limit))
    assert result.verdict is FEASIBLE
    assert result.planned_total_dose_gy == 39.0
    assert result.planned_fractions == 26
    assert "the planned course fits every cumulative limit" in result.reasons


def test_reduced_plan_exactly_at_the_30_gy_minimum_is_feasible() -> None:
    limit = _previous_eqd2() + eqd2_gy(30.0, 1.5, 3.0)
    result = screen(limits=one_limit(limit))
    assert result.verdict is FEASIBLE
    assert result.planned_fractions == 20
    assert result.planned_total_dose_gy == pytest.approx(30.0)
    assert result.largest_feasible_total_dose_gy == pytest.approx(30.0)


def test_blocked_plan_keeps_the_requested_schedule() -> None:
    limit = _previous_eqd2() + eqd2_gy(25.0, 1.5, 3.0)
    default = screen(limits=one_limit(limit))
    assert default.verdict is NOT_FEASIBLE
    assert (default.planned_total_dose_gy, default.planned_fractions) == (39.0, 26)
    assert default.largest_feasible_total_dose_gy == pytest.approx(25.0)
    requested = screen(
        limits=one_limit(limit), planned_total_dose=Q_(36.0, "Gy"), planned_fractions=24
    )
    assert requested.verdict is NOT_FEASIBLE
    assert (requested.planned_total_dose_gy, requested.planned_fractions) == (36.0, 24)


def test_limits_below_one_gy_are_valid() -> None:
    result = screen(limits=one_limit(500.0, alpha_beta_gy=0.5))
    assert result.verdict is FEASIBLE
    assert result.organs[0].alpha_beta_gy == 0.5


def test_course_ending_on_the_evaluation_date_is_accepted() -> None:
    result = screen(previous_courses=[course("pelvis", 0)])
    assert result.interval_months == 0
    assert result.verdict is NOT_FEASIBLE


# --- Re-irradiation: course objects of the case model --------------------------------------


def test_case_model_courses_with_a_dose_measurement() -> None:
    prior = PriorRadiotherapy(
        region=RadiotherapyRegion.PELVIS,
        end_date=months_before(24),
        dose=Dose(5040, "cGy"),
        fractions=28,
    )
    result = screen(previous_courses=[prior])
    assert result.missing == ()
    assert result.organs[0].previous_eqd2_gy == pytest.approx(_previous_eqd2())


def test_course_with_a_plain_dose_quantity() -> None:
    plain = SimpleNamespace(
        region="pelvis", end_date=months_before(24), dose=Q_(50.4, "Gy"), fractions=28
    )
    result = screen(previous_courses=[plain])
    assert result.missing == ()
    assert result.organs[0].previous_eqd2_gy == pytest.approx(_previous_eqd2())


def test_groin_fractions_default_to_the_primary_course() -> None:
    crt = SimpleNamespace(
        end_date=months_before(24),
        dose=Dose(50.4, "Gy"),
        fractions=28,
        groins_irradiated=True,
        groin_dose=Dose(45.0, "Gy"),
        groin_fractions=None,
    )
    case = SimpleNamespace(primary=SimpleNamespace(chemoradiotherapy=crt), prior_radiotherapy=())
    groin = case_courses(case)[1]
    assert groin[0] is RadiotherapyRegion.GROIN
    assert groin[2:4] == (45.0, 28)
    crt.groin_fractions = 25
    assert case_courses(case)[1][3] == 25


# --- Radiobiology --------------------------------------------------------------------------


def test_max_total_gy_at_and_below_a_zero_budget() -> None:
    assert max_total_gy(0.0, 1.5, 3.0) == 0.0
    assert max_total_gy(-5.0, 1.5, 3.0) == 0.0


@pytest.mark.parametrize(
    "bad",
    [SimpleNamespace(fractions=28), SimpleNamespace(total_dose=Q_(50.4, "Gy"))],
)
def test_course_objects_need_both_dose_and_fractions(bad: object) -> None:
    with pytest.raises(TypeError, match=r"courses\[0\]"):
        cumulative_eqd2([bad], alpha_beta=Q_(3, "Gy"))


# --- Carboplatin (Calvert with the GFR cap) ------------------------------------------------


def test_uncapped_gfr_is_reported_when_the_cap_is_on() -> None:
    result = carboplatin_dose(auc=Q_(5, "mg*min/mL"), gfr=Q_(100, "mL/min"), cap_gfr=True)
    assert result.gfr_capped is False
    assert result.gfr.m_as("mL/min") == 100.0
    assert result.value.m_as("mg") == 625.0
    capped = carboplatin_dose(auc=Q_(5, "mg*min/mL"), gfr=Q_(140, "mL/min"), cap_gfr=True)
    assert capped.gfr_capped is True
    assert capped.gfr.m_as("mL/min") == 125.0
    assert capped.value.m_as("mg") == 750.0


# --- Performance status ----------------------------------------------------------------------


def test_karnofsky_above_100_is_rejected() -> None:
    assert ecog_from_karnofsky(100) == 0
    with pytest.raises(ValueError, match="kps"):
        ecog_from_karnofsky(101)


# --- Dose plans ------------------------------------------------------------------------------


def test_undetermined_plan_names_regimen_variant_and_agent() -> None:
    nothing: dict[str, Any] = {
        "weight_kg": None,
        "height_cm": None,
        "creatinine_mg_dl": None,
        "age_years": None,
        "sex": None,
    }
    dcf = plan_from_floats("docetaxel_cisplatin_fluorouracil", **nothing)
    assert isinstance(dcf, UndeterminedDosePlan)
    assert (dcf.regimen, dcf.variant, dcf.agent) == (
        "docetaxel_cisplatin_fluorouracil",
        "modified",
        None,
    )
    assert dcf.missing == ("patient.weight", "patient.height")
    triplet = plan_from_floats("carboplatin_paclitaxel_retifanlimab", **nothing)
    assert isinstance(triplet, UndeterminedDosePlan)
    assert (triplet.regimen, triplet.variant, triplet.agent) == (
        "carboplatin_paclitaxel_retifanlimab",
        None,
        "retifanlimab",
    )


def test_anti_pd1_variant_and_alternatives_order() -> None:
    nothing: dict[str, Any] = {
        "weight_kg": None,
        "height_cm": None,
        "creatinine_mg_dl": None,
        "age_years": None,
        "sex": None,
    }
    nivolumab = plan_from_floats("anti_pd1_monotherapy", agent="nivolumab", **nothing)
    assert nivolumab.variant == "nivolumab_240mg_q2w"
    assert [a.agent for a in nivolumab.alternatives] == ["retifanlimab", "pembrolizumab"]
    approved = plan_from_floats(
        "anti_pd1_monotherapy", approved_agents=("pembrolizumab", "nivolumab"), **nothing
    )
    assert approved.variant == "pembrolizumab_200mg_q3w"
    assert [a.agent for a in approved.alternatives] == ["nivolumab", "retifanlimab"]
    chosen = plan_from_floats("anti_pd1_monotherapy", variant="nivolumab_480mg_q4w", **nothing)
    assert chosen.variant == "nivolumab_480mg_q4w"
    assert chosen.agent == "nivolumab"


@pytest.mark.parametrize(
    ("option", "total", "fractions", "nominal"),
    [("reirradiation", 39.0, 26, False), ("groin_radiotherapy", 50.0, 25, False)],
)
def test_radiotherapy_plans(option: str, total: float, fractions: int, nominal: bool) -> None:
    plan = radiotherapy_plan(option)
    assert plan.option == option
    assert (plan.total_dose_gy, plan.fractions, plan.nominal) == (total, fractions, nominal)


def test_radiotherapy_plan_from_a_screen_keeps_the_screen_values() -> None:
    assessment = screen(planned_total_dose=Q_(12.0, "Gy"), planned_fractions=1)
    plan = radiotherapy_plan("reirradiation", reirradiation=assessment)
    assert plan.option == "reirradiation"
    assert plan.dose_per_fraction_gy == 12.0
    assert plan.nominal is True
    assert plan.cumulative_eqd2 == assessment.organs


def test_radiotherapy_option_rejects_an_auc_alone() -> None:
    patient = Patient(
        age_years=60,
        sex=Sex.MALE,
        ecog=1,
        karnofsky=None,
        weight=Mass(70, "kg"),
        height=Length(170, "cm"),
        serum_creatinine=Creatinine(1.0, "mg/dL"),
        fit_for_major_surgery=True,
        accepts_permanent_colostomy=True,
        hiv=Hiv(status=HivStatus.NEGATIVE),
        pd_l1_cps=None,
        conditions=(),
    )
    assert dose_plan("iort", patient=patient).option == "iort"
    with pytest.raises(ValueError, match="takes no variant, agent or auc"):
        dose_plan("iort", patient=patient, auc=Q_(5, "mg*min/mL"))


def test_flat_dose_plan_has_no_body_surface_area() -> None:
    nothing: dict[str, Any] = {
        "weight_kg": 70.0,
        "height_cm": 170.0,
        "creatinine_mg_dl": 1.0,
        "age_years": 60,
        "sex": None,
    }
    plan = plan_from_floats("anti_pd1_monotherapy", agent="pembrolizumab", **nothing)
    assert plan.bsa_m2 is None
    assert plan.bsa_formula is None
    basis = plan.to_dict()["basis"]
    assert isinstance(basis, dict)
    assert basis["bsa"] is None
    assert basis["bsa_formula"] is None


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (dt.date(2024, 11, 26), dt.date(2025, 12, 25), 12),
        (dt.date(2024, 11, 26), dt.date(2025, 12, 26), 13),
        (dt.date(2023, 12, 31), dt.date(2024, 2, 28), 1),
        (dt.date(2023, 12, 31), dt.date(2024, 2, 29), 2),
    ],
)
def test_calendar_months_across_a_year_boundary(start: dt.date, end: dt.date, months: int) -> None:
    assert calendar_months_between(start, end) == months
