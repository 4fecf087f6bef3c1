"""Dose plans with the schema-2 facts of clinical pathway v3 §10."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

from ascc_salvage.calculators import DosePlan, UndeterminedDosePlan, dose_plan, plan_from_floats
from ascc_salvage.calculators.dose_plan import PlanAdjustments, RegimenExcludedError
from ascc_salvage.case import GlomerularFiltrationRate, HepaticFunction, Patient
from ascc_salvage.testing.strategies import patients
from ascc_salvage.vocabulary import Condition

from .test_dose_plan import make_patient

NORMAL_LIVER = HepaticFunction(bilirubin_x_uln=0.6, ast_x_uln=0.8, alt_x_uln=0.9)


def schema2(**changes: Any) -> Patient:
    return attrs.evolve(make_patient(), **changes)


def plan(regimen: str, patient: Patient) -> DosePlan:
    found = dose_plan(regimen, patient=patient)
    assert isinstance(found, DosePlan)
    return found


def test_schema1_patient_gives_the_schema1_plan() -> None:
    patient = make_patient()
    assert PlanAdjustments.from_patient(patient) is None
    found = plan("carboplatin_paclitaxel", patient)
    assert not found.adjusted
    assert "gfr_source" not in found.to_dict()["basis"]  # type: ignore[operator]
    # explicit dialysis false changes nothing either
    assert PlanAdjustments.from_patient(schema2(dialysis=False)) is None


def test_a_complete_dpd_deficiency_alone_excludes_fluorouracil_plans() -> None:
    """Like an activity score of 0: no dose for a drug the patient must not receive."""
    patient = schema2(conditions=(Condition.DPD_DEFICIENCY_COMPLETE,))
    assert PlanAdjustments.from_patient(patient) == PlanAdjustments(dpd_complete=True)
    for regimen in ("cisplatin_fluorouracil", "docetaxel_cisplatin_fluorouracil"):
        with pytest.raises(RegimenExcludedError) as raised:
            dose_plan(regimen, patient=patient)
        assert raised.value.threshold == "dpyd_poor_metabolizer"
    assert plan("carboplatin_paclitaxel", patient).fluorouracil_fraction == 1.0


def test_dialysis_doses_carboplatin_with_gfr_zero() -> None:
    found = plan("carboplatin_paclitaxel", schema2(dialysis=True, serum_creatinine=None))
    assert found.drug("carboplatin").per_administration_mg == 125.0
    assert (found.gfr_source, found.gfr_capped, found.creatinine_clearance_ml_min) == (
        "dialysis",
        False,
        None,
    )
    assert found.flags == (
        "dose_after_dialysis",
        "verify_carboplatin_dose_with_pharmacy",
        "check_hepatic_function",  # liver tests not recorded
    )
    basis = found.to_dict()["basis"]
    assert basis == {  # type: ignore[comparison-overlap]
        **basis,  # type: ignore[dict-item]
        "gfr_source": "dialysis",
        "fluorouracil_fraction": 1.0,
        "paclitaxel_fraction": 1.0,
        "hepatic_adjustment": None,
    }
    assert json.loads(json.dumps(found.to_dict()))["basis"]["gfr_source"] == "dialysis"


def test_measured_gfr_takes_precedence_over_cockcroft_gault() -> None:
    found = plan(
        "carboplatin_paclitaxel",
        schema2(measured_gfr=GlomerularFiltrationRate(50, "mL/min"), hepatic_function=NORMAL_LIVER),
    )
    assert found.drug("carboplatin").per_administration_mg == 375.0
    assert found.gfr_source == "measured"
    assert found.creatinine_clearance_ml_min == pytest.approx(77.78, abs=0.01)
    assert found.hepatic_adjustment == "none"
    indexed = plan(
        "carboplatin_paclitaxel",
        schema2(measured_gfr=GlomerularFiltrationRate(173, "mL/min/{1.73_m2}")),
    )
    assert indexed.gfr_capped is True
    assert indexed.drug("carboplatin").per_administration_mg == 750.0
    missing = dose_plan(
        "carboplatin_paclitaxel",
        patient=schema2(measured_gfr=GlomerularFiltrationRate(60, "mL/min/{1.73_m2}"), height=None),
    )
    assert isinstance(missing, UndeterminedDosePlan)
    assert missing.missing == ("patient.height",)


def test_partial_dpd_deficiency_halves_fluorouracil() -> None:
    full = plan("cisplatin_fluorouracil", make_patient())
    found = plan("cisplatin_fluorouracil", schema2(dpyd_activity_score=1.5))
    assert found.drug("fluorouracil").per_administration_mg == pytest.approx(
        full.drug("fluorouracil").per_administration_mg * 0.5
    )
    assert found.drug("fluorouracil").per_cycle_mg == pytest.approx(
        full.drug("fluorouracil").per_cycle_mg * 0.5
    )
    assert (
        found.drug("cisplatin").per_administration_mg
        == full.drug("cisplatin").per_administration_mg
    )
    assert (found.fluorouracil_fraction, found.flags) == (0.5, ("dpd_reduced_starting_dose",))
    assert found.gfr_source is None
    by_condition = plan(
        "docetaxel_cisplatin_fluorouracil",
        schema2(conditions=["dpd_deficiency_partial"], hepatic_function=NORMAL_LIVER),
    )
    assert by_condition.fluorouracil_fraction == 0.5
    assert by_condition.hepatic_adjustment == "none"


def test_poor_metabolizer_excludes_fluorouracil_regimens() -> None:
    with pytest.raises(RegimenExcludedError, match="dpyd_poor_metabolizer") as raised:
        dose_plan("cisplatin_fluorouracil", patient=schema2(dpyd_activity_score=0.5))
    assert raised.value.regimen == "cisplatin_fluorouracil"
    # a regimen without fluorouracil is planned as usual
    assert (
        plan("carboplatin_paclitaxel", schema2(dpyd_activity_score=0)).fluorouracil_fraction == 1.0
    )


@pytest.mark.parametrize(("bilirubin", "fraction"), [(1.5, 135 / 175), (3.0, 90 / 175), (1.0, 1.0)])
def test_paclitaxel_hepatic_fraction(bilirubin: float, fraction: float) -> None:
    liver = HepaticFunction(bilirubin_x_uln=bilirubin, ast_x_uln=1.0, alt_x_uln=1.0)
    full = plan("carboplatin_paclitaxel", make_patient())
    found = plan("carboplatin_paclitaxel", schema2(hepatic_function=liver))
    assert found.paclitaxel_fraction == fraction
    assert found.drug("paclitaxel").per_administration_mg == pytest.approx(
        full.drug("paclitaxel").per_administration_mg * fraction
    )
    assert (
        found.drug("carboplatin").per_administration_mg
        == full.drug("carboplatin").per_administration_mg
    )
    reduced = fraction < 1.0
    assert found.hepatic_adjustment == ("reduced" if reduced else "none")
    assert found.flags == (("hepatic_dose_reduction",) if reduced else ())


def test_hepatic_values_missing_gives_full_dose_with_a_flag() -> None:
    liver = HepaticFunction(bilirubin_x_uln=1.0)
    found = plan("carboplatin_paclitaxel_retifanlimab", schema2(hepatic_function=liver))
    assert (found.paclitaxel_fraction, found.hepatic_adjustment) == (1.0, None)
    assert found.flags == ("check_hepatic_function",)


def test_taxane_exclusions_and_undetermined_docetaxel() -> None:
    with pytest.raises(RegimenExcludedError, match="paclitaxel_hepatic_exclusion"):
        dose_plan(
            "carboplatin_paclitaxel",
            patient=schema2(hepatic_function=HepaticFunction(bilirubin_x_uln=6.0)),
        )
    with pytest.raises(RegimenExcludedError, match="docetaxel_hepatic_exclusion"):
        dose_plan(
            "docetaxel_cisplatin_fluorouracil",
            patient=schema2(hepatic_function=HepaticFunction(bilirubin_x_uln=1.1)),
        )
    found = dose_plan(
        "docetaxel_cisplatin_fluorouracil",
        patient=schema2(
            hepatic_function=HepaticFunction(bilirubin_x_uln=0.5, ast_x_uln=2.0, alt_x_uln=1.0),
            weight=None,
        ),
    )
    assert isinstance(found, UndeterminedDosePlan)
    assert found.missing == ("patient.weight", "patient.hepatic_function.alp_x_uln")


def test_non_taxane_regimen_reports_recorded_liver_tests() -> None:
    found = plan("anti_pd1_monotherapy", schema2(hepatic_function=NORMAL_LIVER))
    assert (found.hepatic_adjustment, found.flags) == ("none", ())
    assert all(isinstance(p, DosePlan) and p.adjusted for p in found.alternatives)
    not_recorded = plan("anti_pd1_monotherapy", schema2(dpyd_activity_score=2))
    assert not_recorded.hepatic_adjustment is None


def test_the_cache_keys_on_the_adjustments() -> None:
    kwargs: dict[str, Any] = {
        "weight_kg": 70.0,
        "height_cm": 170.0,
        "creatinine_mg_dl": 1.0,
        "age_years": 60,
        "sex": make_patient().sex,
    }
    plain = plan_from_floats("carboplatin_paclitaxel", **kwargs)
    dialysis = plan_from_floats(
        "carboplatin_paclitaxel", adjustments=PlanAdjustments(dialysis=True), **kwargs
    )
    measured = plan_from_floats(
        "carboplatin_paclitaxel", adjustments=PlanAdjustments(measured_gfr=50.0), **kwargs
    )
    assert isinstance(plain, DosePlan)
    assert isinstance(dialysis, DosePlan)
    assert isinstance(measured, DosePlan)
    assert [p.drug("carboplatin").per_administration_mg for p in (plain, dialysis, measured)] == [
        pytest.approx(513.89, abs=0.01),
        125.0,
        375.0,
    ]
    assert plan_from_floats("carboplatin_paclitaxel", **kwargs) is plain


def test_per_kg_and_auc_override_with_adjustments() -> None:
    patient = schema2(dialysis=True, height=None)
    ipilimumab = plan("nivolumab_ipilimumab", patient)
    assert ipilimumab.drug("ipilimumab").per_administration_mg == 70.0
    assert ipilimumab.gfr_source is None
    from ascc_salvage.units import Q_

    # AUC 6 on dialysis: 6 × 25 mg; no height, so no BSA for the carboplatin step
    only_carboplatin = plan_from_floats(
        "carboplatin_paclitaxel",
        weight_kg=70.0,
        height_cm=None,
        creatinine_mg_dl=None,
        age_years=60,
        sex=None,
        auc=6.0,
        adjustments=PlanAdjustments(dialysis=True),
    )
    assert isinstance(only_carboplatin, UndeterminedDosePlan)  # paclitaxel still needs height
    found = dose_plan(
        "carboplatin_paclitaxel", patient=schema2(dialysis=True), auc=Q_(6, "mg*min/mL")
    )
    assert isinstance(found, DosePlan)
    assert found.drug("carboplatin").per_administration_mg == 150.0


@settings(max_examples=300)
@given(patients(unsupported=True))
def test_from_patient_is_none_exactly_when_every_field_keeps_its_default(patient: Patient) -> None:
    """The fast test of ``from_patient`` agrees with building the object and comparing it."""
    conditions = {str(condition) for condition in patient.conditions or ()}
    liver, gfr = patient.hepatic_function, patient.measured_gfr
    built = PlanAdjustments(
        dialysis=patient.dialysis is True,
        measured_gfr=None if gfr is None else gfr.canonical,
        measured_gfr_indexed=gfr is not None and gfr.indexed,
        dpyd_activity_score=patient.dpyd_activity_score,
        dpd_partial="dpd_deficiency_partial" in conditions,
        dpd_complete="dpd_deficiency_complete" in conditions,
        bilirubin_x_uln=liver.bilirubin_x_uln,
        ast_x_uln=liver.ast_x_uln,
        alt_x_uln=liver.alt_x_uln,
        alp_x_uln=liver.alp_x_uln,
    )
    found = PlanAdjustments.from_patient(patient)
    assert (found is None) is (built == PlanAdjustments())
    if found is not None:
        assert found == built
