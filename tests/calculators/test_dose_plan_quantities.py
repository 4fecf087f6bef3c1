"""Dose-plan amounts as pint quantities beside their float fields; results type their plans."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from ascc_salvage.calculators import (
    AnyDosePlan,
    DosePlan,
    DrugPlan,
    RadiotherapyCourse,
    RadiotherapyPlan,
    UndeterminedDosePlan,
    dose_plan,
    reirradiation_feasibility,
)
from ascc_salvage.examples import example
from ascc_salvage.model import Hiv, HivStatus, Patient, Sex
from ascc_salvage.units import Q_, ureg

PATIENT = Patient(
    age_years=60,
    sex=Sex.MALE,
    weight=Q_(70, "kg"),
    height=(170, "cm"),
    serum_creatinine=(1.0, "mg/dL"),
    hiv=Hiv(status=HivStatus.NEGATIVE),
)


def _plan(regimen: str) -> DosePlan:
    plan = dose_plan(regimen, patient=PATIENT)
    assert isinstance(plan, DosePlan)
    return plan


def test_drug_amounts_are_quantities() -> None:
    plan = _plan("carboplatin_paclitaxel")
    paclitaxel = plan.drug("paclitaxel")
    assert paclitaxel.per_administration.m_as("mg") == paclitaxel.per_administration_mg
    assert paclitaxel.per_cycle.m_as("g") == pytest.approx(paclitaxel.per_cycle_mg / 1000)
    assert paclitaxel.rule_dose_quantity == Q_(80, "mg/m**2")
    carboplatin = plan.drug("carboplatin")
    assert carboplatin.rule_dose_quantity.m_as("mg*min/mL") == 5
    assert plan.bsa is not None
    assert plan.bsa.m_as("m**2") == plan.bsa_m2
    assert plan.creatinine_clearance is not None
    assert plan.creatinine_clearance.m_as("mL/min") == plan.creatinine_clearance_ml_min
    assert plan.cycle_length.m_as("d") == plan.cycle_length_days
    for quantity in (paclitaxel.per_cycle, paclitaxel.rule_dose_quantity, plan.bsa):
        assert quantity._REGISTRY is ureg


@pytest.mark.parametrize(
    ("regimen", "drug", "unit"),
    [
        ("carboplatin_paclitaxel", "paclitaxel", "mg/m**2"),
        ("carboplatin_paclitaxel", "carboplatin", "mg*min/mL"),
        ("anti_pd1_monotherapy", "retifanlimab", "mg"),
    ],
)
def test_every_dose_rule_unit_is_a_quantity(regimen: str, drug: str, unit: str) -> None:
    entry: DrugPlan = _plan(regimen).drug(drug)
    assert entry.rule_dose_quantity.m_as(unit) == entry.rule_dose


def test_a_per_kg_rule_dose_is_a_quantity() -> None:
    entry = DrugPlan("x", "per_kg", 3.0, "mg/kg", "IV", (1,), 210.0, 210.0)
    assert entry.rule_dose_quantity == Q_(3.0, "mg/kg")


def test_radiotherapy_amounts_are_quantities() -> None:
    screen = reirradiation_feasibility(
        region="pelvis",
        previous_courses=[RadiotherapyCourse("pelvis", dt.date(2025, 3, 1), Q_(54, "Gy"), 30)],
        evaluation_date=dt.date(2026, 11, 26),
        recurrent_after_complete_response=True,
        ecog=1,
    )
    plan = dose_plan("reirradiation", patient=PATIENT, reirradiation=screen)
    assert isinstance(plan, RadiotherapyPlan)
    assert plan.total_dose.m_as("Gy") == plan.total_dose_gy
    organ = plan.cumulative_eqd2[0]
    assert organ.previous_eqd2.m_as("Gy") == organ.previous_eqd2_gy
    assert organ.cumulative_eqd2.m_as("Gy") == organ.cumulative_eqd2_gy


def test_a_results_plans_are_the_plan_classes() -> None:
    from ascc_salvage import recommend

    result = recommend(example("first_line_metastatic").load())
    plans = [option.dose_plan for option in result.options if option.dose_plan is not None]
    assert plans
    kinds = (DosePlan, UndeterminedDosePlan, RadiotherapyPlan)
    assert all(isinstance(plan, kinds) for plan in plans)
    assert set(AnyDosePlan.__args__) == set(kinds)  # type: ignore[attr-defined]


def test_the_result_module_does_not_import_pint() -> None:
    code = (
        "import sys, attrs, ascc_salvage.result as r\n"
        "assert 'pint' not in sys.modules, 'pint imported'\n"
        "import ascc_salvage.io\n"  # resolves the plan annotation where the plans are loaded
        "print(attrs.fields(r.OptionResult).dose_plan.type)\n"
    )
    shown = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    assert "DosePlan" in shown
    assert "RadiotherapyPlan" in shown
