"""Clinical pathway v3 §5.1 organ function and conditions, and the §10 dose plans, through
:func:`ascc_salvage.recommend`.

The worked values are computed by hand in the comments. The patient of every plan below is a
woman of 61 years, 68 kg, 165 cm, serum creatinine 0.9 mg/dL:

* BSA (Mosteller) = √(165 × 68 / 3600) = √3.116 667 = 1.765 408 m²;
* Cockcroft–Gault = (140 − 61) × 68 / (72 × 0.9) × 0.85 = 5372 / 64.8 × 0.85 = 70.466 mL/min;
* carboplatin AUC 5 (Calvert) = 5 × (70.466 + 25) = 477.33 mg; paclitaxel 80 mg/m² × 1.765 408
  = 141.23 mg.

Each test names the knowledge-base threshold its rule comes from and checks its value there, so
that a change of the data is seen here too.
"""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_salvage import knowledge, load_case, recommend, result_to_dict, result_to_json
from ascc_salvage.calculators.dose_plan import DosePlan, PlanAdjustments, plan_from_floats
from ascc_salvage.case import Case
from ascc_salvage.result import Result
from ascc_salvage.testing.strategies import cases
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Condition,
    Flag,
    OptionId,
    Sex,
    Tier,
    WarningCode,
)

from ._support import active_cases, with_patient

CASES = pathlib.Path(__file__).parent / "cases"
THRESHOLDS = knowledge.thresholds()
OFFERED = (Tier.PREFERRED, Tier.ALTERNATIVE)
CISPLATIN_REGIMENS = (
    OptionId.CISPLATIN_FLUOROURACIL,
    OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL,
)
FLUOROPYRIMIDINE_REGIMENS = CISPLATIN_REGIMENS  # the catalogue's two fluorouracil regimens


def _document(**patient: Any) -> dict[str, Any]:
    """The first-line metastatic case of the v3 engine cases, schema 2, patient changed."""
    entry = json.loads((CASES / "s10_dose_plan_carboplatin_paclitaxel.json").read_text("utf-8"))
    document: dict[str, Any] = entry["case"]
    document["schema_version"] = 2
    document["patient"].update(patient)
    return document


def _recommend(**patient: Any) -> Result:
    return recommend(load_case(_document(**patient)))


def _plan(result: Result, option: OptionId) -> DosePlan:
    plan = result.option(option).dose_plan
    assert isinstance(plan, DosePlan), plan
    return plan


def _liver(bilirubin: float | None, ast: float | None = 1, alt: float | None = 1) -> Any:
    return {"bilirubin_x_uln": bilirubin, "ast_x_uln": ast, "alt_x_uln": alt, "alp_x_uln": 1}


# --- §10 worked values --------------------------------------------------------------------


def test_measured_gfr_replaces_cockcroft_gault_in_calvert() -> None:
    # Threshold measured_gfr_calvert (library policy): a measured GFR enters Calvert, with
    # the 125 mL/min cap. Absolute 50 mL/min: 5 × (50 + 25) = 375 mg, although
    # Cockcroft–Gault (70.47 mL/min) would give 477.33 mg.
    assert THRESHOLDS.measured_gfr_calvert.value == 125
    result = _recommend(measured_gfr={"value": 50, "unit": "mL/min"})
    plan = _plan(result, OptionId.CARBOPLATIN_PACLITAXEL)
    assert plan.gfr_source == "measured"
    assert plan.drug("carboplatin").per_administration_mg == pytest.approx(375.0)
    assert plan.creatinine_clearance_ml_min == pytest.approx(70.466, abs=1e-3)  # still shown
    assert plan.to_dict()["basis"]["gfr_source"] == "measured"  # type: ignore[index]


def test_indexed_measured_gfr_is_de_indexed_by_the_bsa() -> None:
    # 60 mL/min/1.73 m² × 1.765 408 m² / 1.73 m² = 61.228 mL/min:
    # carboplatin 5 × (61.228 + 25) = 431.14 mg; cisplatin-eligible (61.2 ≥ 60).
    result = _recommend(measured_gfr={"value": 60, "unit": "mL/min/{1.73_m2}"})
    plan = _plan(result, OptionId.CARBOPLATIN_PACLITAXEL)
    assert plan.drug("carboplatin").per_administration_mg == pytest.approx(431.14, abs=5e-3)
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert dcf.tier is Tier.ALTERNATIVE
    clearance = {c.id: c for c in dcf.criteria}["creatinine_clearance_for_cisplatin"]
    assert clearance.explanation == "measured GFR 61.2 mL/min (needs ≥ 60)"


def test_measured_gfr_keeps_the_cap() -> None:
    # 150 mL/min is capped at 125 (measured_gfr_calvert): 5 × (125 + 25) = 750 mg.
    plan = _plan(
        _recommend(measured_gfr={"value": 150, "unit": "mL/min"}), OptionId.CARBOPLATIN_PACLITAXEL
    )
    assert plan.drug("carboplatin").per_administration_mg == pytest.approx(750.0)
    assert plan.gfr_capped is True


def test_dialysis_doses_carboplatin_with_gfr_zero() -> None:
    # Threshold carboplatin_dialysis_dose (secondary, JANUS_2010): GFR 0 in Calvert, so the
    # dose is AUC × 25 = 5 × (0 + 25) = 125 mg, given after the session; it takes precedence
    # over a measured GFR (here 40 mL/min, which would give 5 × 65 = 325 mg).
    assert THRESHOLDS.carboplatin_dialysis_dose.value == 0
    result = _recommend(
        dialysis=True,
        measured_gfr={"value": 40, "unit": "mL/min"},
        serum_creatinine={"value": 6.0, "unit": "mg/dL"},
    )
    for option in (OptionId.CARBOPLATIN_PACLITAXEL, OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB):
        plan = _plan(result, option)
        assert plan.gfr_source == "dialysis"
        assert plan.drug("carboplatin").per_administration_mg == pytest.approx(125.0)
        assert plan.drug("paclitaxel").per_administration_mg == pytest.approx(141.23, abs=5e-3)
        flags = result.option(option).flags
        assert Flag.DOSE_AFTER_DIALYSIS in flags
        assert Flag.VERIFY_CARBOPLATIN_DOSE_WITH_PHARMACY in flags
    for option in CISPLATIN_REGIMENS:
        assert result.option(option).tier is Tier.NOT_RECOMMENDED


@pytest.mark.parametrize(
    ("patient", "threshold"),
    [
        ({"dpyd_activity_score": 1}, "dpyd_intermediate_dose"),
        ({"dpyd_activity_score": 1.5}, "dpyd_intermediate_dose"),
        ({"conditions": ["dpd_deficiency_partial"]}, "dpyd_partial_no_score"),
    ],
)
def test_partial_dpd_deficiency_halves_fluorouracil(
    patient: dict[str, Any], threshold: str
) -> None:
    # dpyd_intermediate_dose (secondary; CPIC 2017/2018) and dpyd_partial_no_score (library
    # policy) both set fraction 0.5. Modified DCF: fluorouracil 1200 mg/m² × 1.765 408 × 0.5
    # = 1059.25 mg per day, days 1–2: 2118.49 mg per cycle; docetaxel and cisplatin 40 mg/m²
    # unchanged (70.62 mg). Tier unchanged; flag dpd_reduced_starting_dose.
    assert getattr(THRESHOLDS, threshold).fraction == 0.5
    result = _recommend(**patient)
    option = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert option.tier is Tier.ALTERNATIVE
    assert Flag.DPD_REDUCED_STARTING_DOSE in option.flags
    plan = _plan(result, OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert plan.fluorouracil_fraction == 0.5
    assert plan.drug("fluorouracil").per_administration_mg == pytest.approx(1059.25, abs=5e-3)
    assert plan.drug("fluorouracil").per_cycle_mg == pytest.approx(2118.49, abs=5e-3)
    assert plan.drug("docetaxel").per_administration_mg == pytest.approx(70.62, abs=5e-3)


@pytest.mark.parametrize(
    ("bilirubin", "threshold", "dose", "cycle"),
    [
        # 1.26–2.0 × ULN: × 135/175 (paclitaxel_hepatic_reduced_1): 141.2327 × 0.771 429
        # = 108.95 mg per dose, days 1, 8, 15: 326.85 mg per cycle.
        (1.5, "paclitaxel_hepatic_reduced_1", 108.95, 326.85),
        # 2.01–5.0 × ULN: × 90/175 (paclitaxel_hepatic_reduced_2): 141.2327 × 0.514 286
        # = 72.63 mg per dose, 217.90 mg per cycle.
        (3.0, "paclitaxel_hepatic_reduced_2", 72.63, 217.90),
    ],
)
def test_bilirubin_reduces_paclitaxel(
    bilirubin: float, threshold: str, dose: float, cycle: float
) -> None:
    found = getattr(THRESHOLDS, threshold)
    assert found.fraction == pytest.approx(dose / 141.2326685532305, abs=1e-4)
    result = _recommend(hepatic_function=_liver(bilirubin))
    for option in (OptionId.CARBOPLATIN_PACLITAXEL, OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB):
        plan = _plan(result, option)
        assert plan.hepatic_adjustment == "reduced"
        assert plan.paclitaxel_fraction == found.fraction
        assert plan.drug("paclitaxel").per_administration_mg == pytest.approx(dose, abs=5e-3)
        assert plan.drug("paclitaxel").per_cycle_mg == pytest.approx(cycle, abs=5e-3)
        assert plan.drug("carboplatin").per_administration_mg == pytest.approx(477.33, abs=5e-3)
        assert Flag.HEPATIC_DOSE_REDUCTION in result.option(option).flags
    assert result.option(OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB).tier is Tier.PREFERRED
    # Docetaxel has no reduced row: bilirubin > 1 × ULN (docetaxel_hepatic_exclusion).
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert (dcf.tier, dcf.rules[-1], dcf.dose_plan) == (Tier.NOT_RECOMMENDED, "5.1.hepatic", None)


# --- §5.1 rules: the remaining branches -----------------------------------------------------


def test_an_adjusted_plan_is_written_as_documented() -> None:
    # result_to_json writes the schema 2 basis keys as result_to_dict does (orjson path).
    result = _recommend(dpyd_activity_score=1.5, hepatic_function=_liver(1.5))
    document = result_to_dict(result)
    assert result_to_json(result) == json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    basis = document["options"][0]["dose_plan"]["basis"]
    assert basis["hepatic_adjustment"] == "reduced"


def test_a_case_without_the_new_facts_gets_unadjusted_doses_with_the_schema_2_basis() -> None:
    # Result schema 2: every drug plan reports the §10 basis keys, neutral here; a schema 1
    # document and its schema 2 form give the same plans.
    schema_1 = json.loads((CASES / "s10_dose_plan_carboplatin_paclitaxel.json").read_text())
    one = recommend(load_case(schema_1["case"]))
    two = _recommend()
    for option in SYSTEMIC_OPTIONS:
        assert one.option(option).dose_plan == two.option(option).dose_plan
        plan = two.option(option).dose_plan
        assert isinstance(plan, DosePlan)
        assert plan.adjusted
        basis = plan.to_dict()["basis"]
        assert basis["fluorouracil_fraction"] == basis["paclitaxel_fraction"] == 1.0
        assert basis["hepatic_adjustment"] is None  # liver tests not recorded
    carboplatin = two.option("carboplatin_paclitaxel")
    assert carboplatin.dose_plan.to_dict()["basis"]["gfr_source"] == "cockcroft_gault"  # type: ignore[union-attr]
    assert Flag.CHECK_HEPATIC_FUNCTION in carboplatin.flags
    cisplatin = two.option("cisplatin_fluorouracil").dose_plan
    assert cisplatin.to_dict()["basis"]["creatinine_clearance"] is not None  # type: ignore[union-attr]


def test_the_merged_builder_gives_the_schema_1_plan_without_adjustments() -> None:
    inputs: dict[str, Any] = {
        "weight_kg": 68.0,
        "height_cm": 165.0,
        "creatinine_mg_dl": 0.9,
        "age_years": 61,
        "sex": Sex.FEMALE,
    }
    plain = plan_from_floats("carboplatin_paclitaxel", **inputs)
    neutral = plan_from_floats("carboplatin_paclitaxel", **inputs, adjustments=PlanAdjustments())
    assert isinstance(plain, DosePlan)
    assert isinstance(neutral, DosePlan)
    assert plain.drugs == neutral.drugs
    assert (plain.adjusted, neutral.adjusted) == (False, True)
    assert set(neutral.to_dict()["basis"]) - set(plain.to_dict()["basis"]) == {  # type: ignore[arg-type]
        "gfr_source",
        "fluorouracil_fraction",
        "paclitaxel_fraction",
        "hepatic_adjustment",
    }


def test_an_indexed_measured_gfr_without_height_leaves_cisplatin_open() -> None:
    result = _recommend(measured_gfr={"value": 70, "unit": "mL/min/1.73m2"}, height=None)
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert dcf.tier is Tier.UNDETERMINED
    clearance = {c.id: c for c in dcf.criteria}["creatinine_clearance_for_cisplatin"]
    assert clearance.missing == ("patient.height",)
    assert clearance.explanation == "measured GFR cannot be computed"


def test_a_low_measured_gfr_rejects_cisplatin_under_its_rule() -> None:
    result = _recommend(measured_gfr={"value": 45, "unit": "mL/min"})
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert (dcf.tier, dcf.rules) == (Tier.NOT_RECOMMENDED, ("5.1.cisplatin",))
    assert "measured GFR 45.0 mL/min (needs ≥ 60)" in dcf.rationale


def test_taxanes_excluded_by_the_liver_with_unknown_cisplatin_eligibility_branch() -> None:
    # Bilirubin 6 × ULN excludes the taxanes; ECOG unknown branches (cisplatin needs ECOG ≤ 1).
    result = _recommend(hepatic_function=_liver(6), ecog=None)
    cf = result.option(OptionId.CISPLATIN_FLUOROURACIL)
    assert cf.tier is Tier.UNDETERMINED
    for option in (OptionId.CARBOPLATIN_PACLITAXEL, OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL):
        assert result.option(option).tier is Tier.NOT_RECOMMENDED


def test_taxane_exclusion_by_aminotransferases_names_the_values() -> None:
    result = _recommend(hepatic_function=_liver(1, ast=12))
    cp = result.option(OptionId.CARBOPLATIN_PACLITAXEL)
    assert (cp.tier, cp.rules) == (Tier.NOT_RECOMMENDED, ("5.1.hepatic",))
    assert "bilirubin 1 × ULN, AST 12 × ULN, ALT 1 × ULN, alkaline phosphatase 1 × ULN" in (
        cp.rationale
    )
    assert result.option(OptionId.CISPLATIN_FLUOROURACIL).tier is Tier.PREFERRED


def test_taxane_exclusion_with_the_docetaxel_alkaline_phosphatase_rule() -> None:
    # AST 2 × ULN with alkaline phosphatase 3 × ULN: docetaxel excluded, paclitaxel full dose.
    liver = {"bilirubin_x_uln": 0.8, "ast_x_uln": 2, "alt_x_uln": 1, "alp_x_uln": 3}
    result = _recommend(hepatic_function=liver)
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert (dcf.tier, dcf.rules) == (Tier.NOT_RECOMMENDED, ("5.1.hepatic",))
    assert _plan(result, OptionId.CARBOPLATIN_PACLITAXEL).paclitaxel_fraction == 1.0


def test_normal_liver_tests_give_full_docetaxel_and_a_met_criterion() -> None:
    result = _recommend(hepatic_function=_liver(0.5))
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert dcf.tier is Tier.ALTERNATIVE
    liver = {c.id: c for c in dcf.criteria}["hepatic_function_for_taxane"]
    assert str(liver.result) == "met"
    assert _plan(result, OptionId.CISPLATIN_FLUOROURACIL).hepatic_adjustment == "none"


def test_pregnancy_on_an_untreated_primary() -> None:
    entry = json.loads((CASES / "s2_untreated_primary.json").read_text("utf-8"))
    document = entry["case"]
    document["schema_version"] = 2
    document["patient"].update(sex="female", conditions=["solid_organ_transplant", "pregnancy"])
    result = recommend(load_case(document))
    crt = result.option(OptionId.PRIMARY_CHEMORADIOTHERAPY)
    assert (crt.tier, crt.rules) == (Tier.NOT_RECOMMENDED, ("5.1.pregnancy",))
    (warning,) = [w for w in result.warnings if w.code is WarningCode.PREGNANCY]
    assert warning.fields == ("patient.conditions[1]",)


def test_hiv_prophylaxis_flags_reirradiation() -> None:
    entry = json.loads((CASES / "s4_1e_r1_recurrent.json").read_text("utf-8"))
    document = entry["case"]
    hiv = {"status": "positive", "cd4_count": {"value": 120, "unit": "cells/uL"}}
    document["patient"]["hiv"] = {**hiv, "viral_load_undetectable": True}
    result = recommend(load_case(document))
    reirradiation = result.option(OptionId.REIRRADIATION)
    assert reirradiation.tier in (Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED)
    assert Flag.OPPORTUNISTIC_INFECTION_PROPHYLAXIS in reirradiation.flags
    # CD4 exactly 200 is not below the threshold (cd4_opportunistic_infection_prophylaxis).
    assert THRESHOLDS.cd4_opportunistic_infection_prophylaxis.value == 200
    document["patient"]["hiv"]["cd4_count"]["value"] = 200
    again = recommend(load_case(document)).option(OptionId.REIRRADIATION)
    assert Flag.OPPORTUNISTIC_INFECTION_PROPHYLAXIS not in again.flags


# --- properties ---------------------------------------------------------------------------


def _offered(result: Result, options: tuple[OptionId, ...]) -> list[OptionId]:
    return [option for option in options if result.option(option).tier in OFFERED]


@given(st.one_of(cases(), active_cases()))
def test_a_patient_on_dialysis_is_never_offered_a_cisplatin_regimen(case: Case) -> None:
    result = recommend(with_patient(case, dialysis=True))
    assert _offered(result, CISPLATIN_REGIMENS) == []
    for option in (OptionId.CARBOPLATIN_PACLITAXEL, OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB):
        plan = result.option(option).dose_plan
        if isinstance(plan, DosePlan):  # AUC × 25 mg
            assert plan.gfr_source == "dialysis"
            carboplatin = plan.drug("carboplatin")
            assert carboplatin.per_administration_mg == pytest.approx(carboplatin.rule_dose * 25)


@given(st.one_of(cases(), active_cases()), st.sampled_from([0.0, 0.5, None]))
def test_a_dpd_poor_metabolizer_is_never_offered_a_fluoropyrimidine(
    case: Case, score: float | None
) -> None:
    # Activity score 0 or 0.5, or complete deficiency (score not recorded).
    conditions = case.patient.conditions
    if score is None:
        conditions = (*(c for c in conditions or () if c is not Condition.DPD_DEFICIENCY_PARTIAL),)
        conditions = (*conditions, Condition.DPD_DEFICIENCY_COMPLETE)
        conditions = tuple(dict.fromkeys(conditions))
    elif conditions is not None:
        conditions = tuple(c for c in conditions if c is not Condition.DPD_DEFICIENCY_PARTIAL)
    result = recommend(with_patient(case, dpyd_activity_score=score, conditions=conditions))
    assert _offered(result, FLUOROPYRIMIDINE_REGIMENS) == []
    if score is not None:  # no plan for the excluded regimens (a v2 condition keeps its plan)
        for option in FLUOROPYRIMIDINE_REGIMENS:
            assert result.option(option).dose_plan is None


def test_the_engine_reads_every_organ_function_fact_together() -> None:
    document = _document(
        dialysis=True,
        measured_gfr={"value": 20, "unit": "mL/min"},
        dpyd_activity_score=1.5,
        hepatic_function=_liver(1.0),
        conditions=[
            "dpd_deficiency_partial",
            "prior_moderate_immune_related_adverse_event",
            "hepatitis_b_chronic",
            "hepatitis_c_viraemic",
            "pregnancy",
        ],
    )
    result = recommend(load_case(document))
    # Pregnancy rejects the checkpoint inhibitors; dialysis makes the patient cisplatin-ineligible.
    assert result.option(OptionId.ANTI_PD1_MONOTHERAPY).tier is Tier.NOT_RECOMMENDED
    assert result.option(OptionId.CISPLATIN_FLUOROURACIL).tier is Tier.NOT_RECOMMENDED
