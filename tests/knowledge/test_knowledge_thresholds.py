"""Thresholds: exact attribute names, values, units and sources (the rule engine's contract)."""

from __future__ import annotations

import attrs
import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import KarnofskyEcogRow, Threshold, Thresholds

# name: (value, unit, policy)
EXPECTED = {
    "assessment_window_days": (182, "d", False),
    "regression_window_after_crt_end_days": (183, "d", False),
    "regression_reassessment_interval_days": (42, "d", True),
    "ecog_best_supportive_care_min": (3, "", True),
    "karnofsky_best_supportive_care_max": (40, "", True),
    "cfs_best_supportive_care_min": (7, "", True),
    "cfs_geriatric_assessment": (5, "", True),
    "ecog_max_major_surgery": (2, "", True),
    "ecog_max_trial_population": (1, "", False),
    "ecog_max_carboplatin_paclitaxel": (2, "", False),
    "ecog_max_clinical_trial": (2, "", True),
    "ecog_max_cisplatin": (1, "", False),
    "ecog_max_reirradiation": (2, "", True),
    "ecog_max_metastasis_directed": (1, "", True),
    "ecog_max_standard_dcf": (0, "", True),
    "age_max_standard_dcf": (75, "a", True),
    "cd4_min_checkpoint_inhibitor": (200, "cells/uL", False),
    "cisplatin_min_creatinine_clearance": (60, "mL/min", False),
    "bmi_adjusted_weight_min": (30, "kg/m2", True),
    "carboplatin_pharmacy_check_clearance_below": (30, "mL/min", True),
    "carboplatin_gfr_cap": (125, "mL/min", True),
    "creatinine_floor": (0.7, "mg/dL", True),
    "pd_l1_cps_positive": (1, "", False),
    "oligometastatic_max_lesions": (5, "", False),
    "prior_platinum_recent_months": (6, "mo", True),
    "platinum_free_interval_min_months": (6, "mo", True),
    "platinum_combination_assumed_weeks": (24, "wk", True),
    "reirradiation_min_interval_months": (6, "mo", True),
    "reirradiation_recovery_interval_months": (12, "mo", True),
    "reirradiation_min_total_dose": (30, "Gy", True),
    "reirradiation_dose_per_fraction": (1.5, "Gy", False),
    "groin_reirradiation_min_interval_months": (12, "mo", True),
    "local_excision_max_size": (2, "cm", False),
    "local_excision_alternative_max_size": (5, "cm", True),
    "perineal_excision_max_size": (3, "cm", True),
    "iort_nerve_tolerance_dose": (15, "Gy", True),
    "plausible_cd4_min_without_hiv": (200, "cells/uL", True),
    "plausible_crt_dose_min": (30, "Gy", True),
    "plausible_crt_dose_max": (65, "Gy", True),
    "plausible_crt_overall_time_max": (70, "d", True),
    "plausible_bmi_min": (15, "kg/m2", True),
    "plausible_bmi_max": (60, "kg/m2", True),
    "plausible_record_gap_max": (730, "d", True),
    "plausible_radiosensitising_lead_max": (30, "d", True),
    "plausible_creatinine_max_without_dialysis": (10, "mg/dL", True),
    "plausible_age_max": (100, "a", True),
    "plausible_ecog_max_when_dependent": (1, "", True),
    "plausible_gfr_max_on_dialysis": (30, "mL/min", True),
    "plausible_pregnancy_age_max": (55, "a", True),
    "plausible_pd_l1_test_age_max": (2, "a", True),
    "measured_gfr_calvert": (125, "mL/min", True),
    "carboplatin_dialysis_dose": (0, "mL/min", False),
    "dpyd_poor_metabolizer": (0.5, "", False),
    "dpyd_intermediate_dose": (1.5, "", False),
    "dpyd_partial_no_score": (0.5, "", True),
    "paclitaxel_hepatic_full_dose": (1.25, "", False),
    "paclitaxel_hepatic_reduced_1": (2.0, "", False),
    "paclitaxel_hepatic_reduced_2": (5.0, "", False),
    "paclitaxel_hepatic_exclusion": (10, "", False),
    "docetaxel_hepatic_exclusion": (1, "", False),
    "docetaxel_hepatic_alp_limit": (2.5, "", False),
    "docetaxel_alp_missing": (1.5, "", True),
    "hepatic_values_missing": (1, "", True),
    "cd4_opportunistic_infection_prophylaxis": (200, "cells/uL", False),
    "platinum_other_setting_window": (183, "d", True),
    "ici_other_cancer_window": (84, "d", False),
    "platinum_free_interval_rechallenge": (183, "d", True),
    "tmb_high_tumour_agnostic": (10, "", False),
}

# knowledge-base.md §3b: verification status (None: library policy), fraction set.
V3_STATUS = {
    "measured_gfr_calvert": (None, None),
    "carboplatin_dialysis_dose": ("secondary", None),
    "dpyd_poor_metabolizer": ("verified", None),
    "dpyd_intermediate_dose": ("secondary", 0.5),
    "dpyd_partial_no_score": (None, 0.5),
    "paclitaxel_hepatic_full_dose": ("unverified", None),
    "paclitaxel_hepatic_reduced_1": ("unverified", 135 / 175),
    "paclitaxel_hepatic_reduced_2": ("unverified", 90 / 175),
    "paclitaxel_hepatic_exclusion": ("unverified", None),
    "docetaxel_hepatic_exclusion": ("verified", None),
    "docetaxel_hepatic_alp_limit": ("verified", None),
    "docetaxel_alp_missing": (None, None),
    "hepatic_values_missing": (None, 1.0),
    "cd4_opportunistic_infection_prophylaxis": ("secondary", None),
    "platinum_other_setting_window": (None, None),
    "ici_other_cancer_window": ("secondary", None),
    "platinum_free_interval_rechallenge": (None, None),
    "tmb_high_tumour_agnostic": ("verified", None),
}


def test_v3_calculator_thresholds_status_and_fraction() -> None:
    t = knowledge.thresholds()
    for name, (status, fraction) in V3_STATUS.items():
        threshold = getattr(t, name)
        assert (threshold.status, threshold.fraction) == (status, fraction), name
        assert threshold.policy is (status is None), name
        assert threshold.sources or threshold.source or threshold.policy, name
    assert t.dpyd_intermediate_dose.sources == ("CPIC_DPYD_2017", "CPIC_DPYD_2018_UPDATE")
    assert t.carboplatin_dialysis_dose.sources == ("JANUS_2010",)
    assert "Taxol US label" in t.paclitaxel_hepatic_reduced_1.source
    assert "docetaxel US label" in t.docetaxel_hepatic_exclusion.source
    assert t.measured_gfr_calvert.value == t.carboplatin_gfr_cap.value
    assert t.creatinine_floor.status is None


def test_scalar_thresholds_exactly() -> None:
    t = knowledge.thresholds()
    assert [name for name, _ in t.items()] == list(EXPECTED)
    for name, (value, unit, policy) in EXPECTED.items():
        threshold = getattr(t, name)
        assert isinstance(threshold, Threshold)
        assert (threshold.value, threshold.unit, threshold.policy) == (value, unit, policy), name
        assert threshold.note, name
        for source in threshold.sources:
            knowledge.evidence(source)
        if not threshold.policy:
            assert threshold.sources or threshold.source, name


@pytest.mark.parametrize(
    ("name", "sources"),
    [
        ("assessment_window_days", ("ACT2_TIMING_2017", "ESMO_2021", "S3_2020")),
        ("ecog_max_carboplatin_paclitaxel", ("INTERAACT_2020",)),
        ("ecog_max_cisplatin", ("GALSKY_2011",)),
        ("cd4_min_checkpoint_inhibitor", ("POD1UM303_2025", "RETIFANLIMAB_HIV_2025")),
        ("oligometastatic_max_lesions", ("LIEVENS_2020",)),
        ("local_excision_max_size", ("S3_2020",)),
        ("reirradiation_recovery_interval_months", ("SLEVIN_2021",)),
        ("iort_nerve_tolerance_dose", ("HALLEMEIER_2014",)),
    ],
)
def test_sources(name: str, sources: tuple[str, ...]) -> None:
    assert getattr(knowledge.thresholds(), name).sources == sources


def test_integer_thresholds_stay_integers() -> None:
    t = knowledge.thresholds()
    assert type(t.assessment_window_days.value) is int
    assert type(t.creatinine_floor.value) is float


def test_reirradiation_limits() -> None:
    limits = {
        limit.organ: (
            limit.alpha_beta_gy,
            limit.no_recovery_gy,
            limit.recovery_gy,
            limit.sources,
            limit.policy,
        )
        for limit in knowledge.thresholds().reirradiation_limits
    }
    assert limits == {
        "small_bowel": (3, 70, 90, ("SLEVIN_2021",), True),
        "colon_rectum": (3, 80, 100, ("SLEVIN_2021",), True),
        "bladder": (3, 80, 110, ("SLEVIN_2021",), True),
        "sacral_plexus": (2, 67, 85, ("SLEVIN_2021",), True),
    }
    assert knowledge.thresholds().organ_limit("bladder").recovery_gy == 110
    with pytest.raises(KeyError, match="femoral_head"):
        knowledge.thresholds().organ_limit("femoral_head")


def test_karnofsky_to_ecog() -> None:
    t = knowledge.thresholds()
    assert t.karnofsky_to_ecog == (
        KarnofskyEcogRow(90, 100, 0),
        KarnofskyEcogRow(70, 80, 1),
        KarnofskyEcogRow(50, 60, 2),
        KarnofskyEcogRow(30, 40, 3),
        KarnofskyEcogRow(10, 20, 4),
        KarnofskyEcogRow(0, 0, 5),
    )
    assert "other" in t.karnofsky_to_ecog_note
    low, high, ecog = t.karnofsky_to_ecog[0]
    assert (low, high, ecog) == (90, 100, 0)


def test_thresholds_are_frozen() -> None:
    t = knowledge.thresholds()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        t.creatinine_floor = t.creatinine_floor  # type: ignore[misc]
    assert attrs.has(Thresholds)
    assert knowledge.thresholds() is t  # loaded once
