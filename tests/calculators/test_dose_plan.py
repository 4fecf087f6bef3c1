from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import (
    DosePlan,
    RadiotherapyCourse,
    RadiotherapyPlan,
    UndeterminedDosePlan,
    body_surface_area,
    carboplatin_dose,
    creatinine_clearance,
    dose_plan,
    plan_from_floats,
    radiotherapy_plan,
    reirradiation_feasibility,
)
from ascc_salvage.case import Creatinine, Hiv, Length, Mass, Patient
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import HivStatus, Sex

from ._support import approx


def make_patient(**changes: Any) -> Patient:
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
    return attrs.evolve(patient, **changes)


def as_plan(plan: object) -> DosePlan:
    assert isinstance(plan, DosePlan)
    return plan


def test_carboplatin_paclitaxel_worked_values() -> None:
    plan = as_plan(dose_plan("carboplatin_paclitaxel", patient=make_patient()))
    assert plan.variant is None
    assert approx(plan.bsa_m2 or 0, 1.8181)
    paclitaxel = plan.drug("paclitaxel")
    assert approx(paclitaxel.per_administration_mg, 145.45)
    assert approx(paclitaxel.per_cycle_mg, 436.35)
    assert paclitaxel.days == (1, 8, 15)
    # Carboplatin matches the individual calculators.
    crcl = creatinine_clearance(
        age_years=60, weight=Q_(70, "kg"), serum_creatinine=Q_(1.0, "mg/dL"), sex="male"
    )
    carbo = carboplatin_dose(auc=Q_(5, "mg.min/mL"), gfr=crcl.value)
    assert plan.creatinine_clearance is not None
    assert plan.creatinine_clearance.m_as("mL/min") == pytest.approx(crcl.value.m_as("mL/min"))
    assert plan.drug("carboplatin").per_administration.m_as("mg") == pytest.approx(
        carbo.value.m_as("mg")
    )
    assert plan.gfr_capped is False
    assert plan.creatinine_floor_applied is False
    assert plan.cycle_length.m_as("d") == 28
    assert plan.cycles == 6
    assert plan.bsa is not None
    with pytest.raises(KeyError):
        plan.drug("docetaxel")


def test_to_dict_shape() -> None:
    plan = as_plan(dose_plan("carboplatin_paclitaxel", patient=make_patient()))
    document = plan.to_dict()
    assert list(document) == [
        "regimen",
        "variant",
        "basis",
        "cycle_length",
        "cycles",
        "drugs",
        "alternatives",
    ]
    assert document["regimen"] == "carboplatin_paclitaxel"
    basis = document["basis"]
    assert isinstance(basis, dict)
    assert basis["bsa"] == {"value": plan.bsa_m2, "unit": "m2"}
    assert basis["bsa_formula"] == "mosteller"
    assert basis["creatinine_clearance"] == {
        "value": plan.creatinine_clearance_ml_min,
        "unit": "mL/min",
    }
    assert basis["weight_basis"] == "actual"
    assert basis["creatinine_floor_applied"] is False
    assert basis["gfr_capped"] is False
    assert document["cycle_length"] == {"value": 28, "unit": "d"}
    drugs = document["drugs"]
    assert isinstance(drugs, list)
    assert drugs[0] == {
        "drug": "carboplatin",
        "rule": "auc",
        "rule_dose": {"value": 5.0, "unit": "mg.min/mL"},
        "route": "IV",
        "days": [1],
        "per_administration": {"value": plan.drugs[0].per_administration_mg, "unit": "mg"},
        "per_cycle": {"value": plan.drugs[0].per_cycle_mg, "unit": "mg"},
    }
    assert drugs[1]["rule_dose"] == {"value": 80.0, "unit": "mg/m2"}
    assert document["alternatives"] == []
    json.dumps(document, allow_nan=False)


def test_modified_dcf_is_the_default() -> None:
    # Clinical pathway §5.2: docetaxel 40 + cisplatin 40 mg/m² day 1, fluorouracil
    # 1200 mg/m²/day days 1–2, every 14 days (8 cycles).
    plan = as_plan(dose_plan("docetaxel_cisplatin_fluorouracil", patient=make_patient()))
    assert plan.variant == "modified"
    assert plan.cycle_length_days == 14
    assert plan.cycles == 8
    bsa = body_surface_area(height=Q_(170, "cm"), weight=Q_(70, "kg")).value.m_as("m**2")
    expected = {"docetaxel": (40, (1,)), "cisplatin": (40, (1,)), "fluorouracil": (1200, (1, 2))}
    assert [d.drug for d in plan.drugs] == list(expected)
    for drug in plan.drugs:
        dose, days = expected[drug.drug]
        assert drug.rule == "per_m2"
        assert drug.rule_dose == dose
        assert drug.days == days
        assert drug.per_administration_mg == pytest.approx(dose * bsa)
        assert drug.per_cycle_mg == pytest.approx(dose * bsa * len(days))
    # The clearance that decides cisplatin eligibility is reported (case format: "always
    # filled when computable"), as in a recommendation: Cockcroft–Gault (140 − 60) × 70 / 72.
    assert plan.creatinine_clearance_ml_min == pytest.approx(80 * 70 / 72)
    assert plan.creatinine_clearance is not None
    assert plan.creatinine_clearance.m_as("mL/min") == pytest.approx(80 * 70 / 72)
    flat = as_plan(dose_plan("anti_pd1_monotherapy", patient=make_patient()))
    assert flat.creatinine_clearance is None  # no drug of a flat-dose regimen reads it
    assert plan.bsa is not None
    assert plan.drug("fluorouracil").per_cycle.m_as("mg") == pytest.approx(2400 * bsa)
    assert plan.to_dict()["basis"] == {
        "bsa": {"value": plan.bsa_m2, "unit": "m2"},
        "bsa_formula": "mosteller",
        "creatinine_clearance": {"value": plan.creatinine_clearance_ml_min, "unit": "mL/min"},
        "weight_basis": "actual",
        "creatinine_floor_applied": False,
        "gfr_capped": None,
    }
    assert plan.supportive_care == ("G-CSF primary prophylaxis",)
    standard = as_plan(
        dose_plan("docetaxel_cisplatin_fluorouracil", patient=make_patient(), variant="standard")
    )
    assert standard.variant == "standard"
    assert standard.cycle_length_days == 21
    assert standard.drug("docetaxel").rule_dose == 75


def test_carboplatin_cap_and_floor_in_plan() -> None:
    young = make_patient(
        age_years=30, weight=Mass(120, "kg"), serum_creatinine=Creatinine(0.5, "mg/dL")
    )
    plan = as_plan(dose_plan("carboplatin_paclitaxel", patient=young))
    assert plan.creatinine_floor_applied is True
    assert plan.gfr_capped is True
    assert plan.drug("carboplatin").per_administration_mg == 750.0
    custom = as_plan(dose_plan("carboplatin_paclitaxel", patient=young, auc=Q_(6, "mg*min/mL")))
    assert custom.drug("carboplatin").per_administration_mg == 900.0
    assert custom.drug("carboplatin").rule_dose == 6.0


@pytest.mark.parametrize(
    ("regimen", "removed", "missing"),
    [
        ("carboplatin_paclitaxel", "weight", ("patient.weight",)),
        ("carboplatin_paclitaxel", "height", ("patient.height",)),
        ("carboplatin_paclitaxel", "serum_creatinine", ("patient.serum_creatinine",)),
        ("carboplatin_paclitaxel", "age_years", ("patient.age_years",)),
        ("carboplatin_paclitaxel", "sex", ("patient.sex",)),
        ("cisplatin_fluorouracil", "serum_creatinine", ()),
        ("cisplatin_fluorouracil", "height", ("patient.height",)),
        ("anti_pd1_monotherapy", "weight", ()),
        ("nivolumab_ipilimumab", "weight", ("patient.weight",)),
        ("nivolumab_ipilimumab", "height", ()),
    ],
)
def test_missing_inputs_name_only_needed_fields(
    regimen: str, removed: str, missing: tuple[str, ...]
) -> None:
    plan = dose_plan(regimen, patient=make_patient(**{removed: None}))
    if missing:
        assert isinstance(plan, UndeterminedDosePlan)
        assert plan.missing == missing
        assert plan.to_dict() == {"undetermined": list(missing)}
        assert plan.undetermined is True
    else:
        assert isinstance(plan, DosePlan)
        assert plan.undetermined is False


def test_all_missing_in_order() -> None:
    empty = make_patient(weight=None, height=None, serum_creatinine=None, age_years=None, sex=None)
    plan = dose_plan("carboplatin_paclitaxel_retifanlimab", patient=empty)
    assert plan.to_dict() == {
        "undetermined": [
            "patient.weight",
            "patient.height",
            "patient.serum_creatinine",
            "patient.age_years",
            "patient.sex",
        ]
    }


def test_anti_pd1_alternatives() -> None:
    plan = as_plan(dose_plan("anti_pd1_monotherapy", patient=make_patient()))
    assert plan.agent == "retifanlimab"
    assert plan.variant == "retifanlimab_500mg_q4w"
    assert plan.drug("retifanlimab").per_administration_mg == 500.0
    assert plan.bsa_m2 is None
    assert [a.agent for a in plan.alternatives] == ["nivolumab", "pembrolizumab"]
    document = plan.to_dict()
    alternatives = document["alternatives"]
    assert isinstance(alternatives, list)
    assert alternatives[0]["regimen"] == "anti_pd1_monotherapy"
    assert alternatives[0]["alternatives"] == []
    approved = as_plan(
        dose_plan("anti_pd1_monotherapy", patient=make_patient(), approved_agents=["pembrolizumab"])
    )
    assert approved.agent == "pembrolizumab"
    assert [a.agent for a in approved.alternatives] == ["retifanlimab", "nivolumab"]
    ordered = as_plan(
        dose_plan(
            "anti_pd1_monotherapy",
            patient=make_patient(),
            agent="retifanlimab",
            approved_agents=["nivolumab", "unknown_agent"],
        )
    )
    skipped = as_plan(
        dose_plan(
            "anti_pd1_monotherapy",
            patient=make_patient(),
            approved_agents=["atezolizumab", "nivolumab"],
        )
    )
    assert skipped.agent == "nivolumab"
    assert skipped.variant == "nivolumab_240mg_q2w"
    assert [a.agent for a in ordered.alternatives] == ["nivolumab", "pembrolizumab"]
    weight_based = as_plan(
        dose_plan(
            "anti_pd1_monotherapy",
            patient=make_patient(),
            agent="nivolumab",
            variant="nivolumab_3mg_kg_q2w",
        )
    )
    assert weight_based.drug("nivolumab").per_administration_mg == pytest.approx(210.0)
    assert weight_based.cycle_length_days == 14


def test_nivolumab_ipilimumab_every_second_cycle() -> None:
    plan = as_plan(dose_plan("nivolumab_ipilimumab", patient=make_patient()))
    ipilimumab = plan.drug("ipilimumab")
    assert ipilimumab.per_administration_mg == pytest.approx(70.0)
    assert ipilimumab.every_n_cycles == 2
    retifanlimab = as_plan(dose_plan("carboplatin_paclitaxel_retifanlimab", patient=make_patient()))
    assert retifanlimab.drug("carboplatin").max_cycles == 6
    assert retifanlimab.cycles is None
    assert retifanlimab.alternatives == ()


def test_radiotherapy_plans() -> None:
    patient = make_patient()
    reirradiation = dose_plan("reirradiation", patient=patient)
    assert isinstance(reirradiation, RadiotherapyPlan)
    assert reirradiation.to_dict() == {
        "total_dose": {"value": 39.0, "unit": "Gy"},
        "fractions": 26,
        "dose_per_fraction": {"value": 1.5, "unit": "Gy"},
        "cumulative_eqd2": [],
        "nominal": False,
    }
    groin = dose_plan("groin_radiotherapy", patient=patient)
    assert isinstance(groin, RadiotherapyPlan)
    assert groin.total_dose.m_as("Gy") == 50.0
    assert groin.dose_per_fraction.m_as("Gy") == 2.0
    iort = dose_plan("iort", patient=patient)
    assert isinstance(iort, RadiotherapyPlan)
    assert iort.fractions == 1
    assert iort.nominal is True
    screen = reirradiation_feasibility(
        region="pelvis",
        previous_courses=[RadiotherapyCourse("pelvis", dt.date(2025, 3, 1), Q_(54, "Gy"), 30)],
        evaluation_date=dt.date(2026, 11, 26),
        recurrent_after_complete_response=True,
        ecog=1,
    )
    screened = dose_plan("reirradiation", patient=patient, reirradiation=screen)
    assert isinstance(screened, RadiotherapyPlan)
    document = screened.to_dict()
    assert document["total_dose"] == {"value": screen.planned_total_dose_gy, "unit": "Gy"}
    assert document["fractions"] == 25
    assert len(document["cumulative_eqd2"]) == 4  # type: ignore[arg-type]
    json.dumps(document, allow_nan=False)
    with pytest.raises(ValueError, match="reirradiation option"):
        radiotherapy_plan("iort", reirradiation=screen)
    with pytest.raises(ValueError, match="reirradiation option"):
        dose_plan("carboplatin_paclitaxel", patient=patient, reirradiation=screen)
    with pytest.raises(ValueError, match="no radiotherapy plan"):
        radiotherapy_plan("salvage_apr")
    with pytest.raises(ValueError, match="takes no variant"):
        dose_plan("iort", patient=patient, variant="x")


def test_dose_plan_errors() -> None:
    patient = make_patient()
    with pytest.raises(ValueError, match="no regimen"):
        dose_plan("salvage_apr", patient=patient)
    with pytest.raises(ValueError, match="no variant"):
        dose_plan("docetaxel_cisplatin_fluorouracil", patient=patient, variant="weekly")
    with pytest.raises(ValueError, match="no variant for agent"):
        dose_plan("anti_pd1_monotherapy", patient=patient, agent="atezolizumab")
    with pytest.raises(ValueError, match="not a nivolumab schedule"):
        dose_plan(
            "anti_pd1_monotherapy",
            patient=patient,
            agent="nivolumab",
            variant="pembrolizumab_200mg_q3w",
        )
    with pytest.raises(ValueError, match="AUC"):
        dose_plan("cisplatin_fluorouracil", patient=patient, auc=Q_(5, "mg*min/mL"))
    with pytest.raises(ValueError, match="auc"):
        dose_plan("carboplatin_paclitaxel", patient=patient, auc=Q_(5, "mg/mL"))
    with pytest.raises(TypeError, match="auc"):
        dose_plan("carboplatin_paclitaxel", patient=patient, auc=5)
    with pytest.raises(TypeError, match="patient"):
        dose_plan("carboplatin_paclitaxel", patient={"weight": 70})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="regimen_id"):
        dose_plan(1, patient=patient)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="variant"):
        dose_plan("carboplatin_paclitaxel", patient=patient, variant=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="approved_agents"):
        dose_plan("anti_pd1_monotherapy", patient=patient, approved_agents="nivolumab")
    with pytest.raises(TypeError, match="approved_agents"):
        dose_plan("anti_pd1_monotherapy", patient=patient, approved_agents=[1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="reirradiation"):
        dose_plan("reirradiation", patient=patient, reirradiation="feasible")  # type: ignore[arg-type]


@given(
    weight=st.floats(20, 400),
    height=st.floats(100, 250),
    creatinine=st.floats(0.1, 25),
    age=st.integers(18, 120),
    sex=st.sampled_from(list(Sex)),
)
@example(weight=70.0, height=170.0, creatinine=0.7, age=60, sex=Sex.MALE)
@example(weight=400.0, height=250.0, creatinine=0.1, age=18, sex=Sex.MALE)
def test_plan_matches_the_calculators(
    weight: float, height: float, creatinine: float, age: int, sex: Sex
) -> None:
    plan = plan_from_floats(
        "carboplatin_paclitaxel",
        weight_kg=weight,
        height_cm=height,
        creatinine_mg_dl=creatinine,
        age_years=age,
        sex=sex,
    )
    assert isinstance(plan, DosePlan)
    carboplatin = plan.drug("carboplatin").per_administration_mg
    assert carboplatin <= 5 * 150 + 1e-9
    crcl = creatinine_clearance(
        age_years=age,
        weight=Q_(weight / 0.45359237, "lb"),
        serum_creatinine=Q_(creatinine, "mg/dL"),
        sex=sex,
    )
    assert plan.creatinine_clearance_ml_min == pytest.approx(crcl.value.m_as("mL/min"))
    assert plan.creatinine_floor_applied is crcl.creatinine_floor_applied
    bsa = body_surface_area(height=Q_(height / 2.54, "in"), weight=Q_(weight, "kg"))
    assert plan.drug("paclitaxel").per_administration_mg == pytest.approx(
        80 * bsa.value.m_as("m**2")
    )
    json.dumps(plan.to_dict(), allow_nan=False)


@pytest.mark.parametrize("auc", [0.5, 0.99, 10.01, 50.0])
def test_an_auc_outside_the_policy_range_is_refused_in_python_as_on_the_command_line(
    auc: float,
) -> None:
    """``dose --auc 50`` was refused while ``dose_plan(auc=Q_(50, …))`` gave 4,727 mg."""
    patient = make_patient()
    with pytest.raises(ValueError, match=r"auc must be 1 to 10 mg\*min/mL"):
        dose_plan("carboplatin_paclitaxel", patient=patient, auc=Q_(auc, "mg*min/mL"))
    with pytest.raises(ValueError, match="auc must be 1 to 10"):
        plan_from_floats(
            "carboplatin_paclitaxel",
            weight_kg=70.0,
            height_cm=170.0,
            creatinine_mg_dl=1.0,
            age_years=60,
            sex=Sex.MALE,
            auc=auc,
        )


@pytest.mark.parametrize("auc", [1.0, 10.0])
def test_the_ends_of_the_auc_range_are_accepted(auc: float) -> None:
    plan = as_plan(
        dose_plan("carboplatin_paclitaxel", patient=make_patient(), auc=Q_(auc, "mg*min/mL"))
    )
    assert plan.drug("carboplatin").rule_dose == auc
