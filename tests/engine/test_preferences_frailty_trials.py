"""Patient preferences, the clinical frailty scale and trial availability (pathway v3).

Clinical pathway §2.3, §2.4, §5.6 and §5.7: invariants over generated schema 2 cases
(:func:`._support.mixed_cases` draws the preferences, the frailty scale and the trial
availability), and deterministic examples of the branches the derandomised CI profile may not
reach.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
from hypothesis import given
from hypothesis import strategies as st

from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage.case import Case
from ascc_salvage.result import Result
from ascc_salvage.vocabulary import DiseaseStatus, Flag, Modality, OptionId, Tier, WarningCode

from ._support import CASES_DIR, mixed_cases, tiers, with_patient

O = OptionId  # noqa: E741 - short, as in the engine modules
#: The options of each declinable modality, written from the §2.3 table
#: (``metastasis_directed_therapy`` counts as surgery and radiotherapy).
MODALITY_OPTIONS = {
    Modality.CHEMOTHERAPY: {
        O.CARBOPLATIN_PACLITAXEL,
        O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
        O.CISPLATIN_FLUOROURACIL,
        O.DOCETAXEL_CISPLATIN_FLUOROURACIL,
    },
    Modality.IMMUNOTHERAPY: {
        O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
        O.ANTI_PD1_MONOTHERAPY,
        O.NIVOLUMAB_IPILIMUMAB,
    },
    Modality.SURGERY: {
        O.SALVAGE_APR,
        O.EXTENDED_RESECTION,
        O.PERINEAL_FLAP_RECONSTRUCTION,
        O.INGUINAL_LYMPHADENECTOMY,
        O.LOCAL_EXCISION,
        O.METASTASIS_DIRECTED_THERAPY,
    },
    Modality.RADIOTHERAPY: {
        O.GROIN_RADIOTHERAPY,
        O.REIRRADIATION,
        O.IORT,
        O.PRIMARY_CHEMORADIOTHERAPY,
        O.PALLIATIVE_RADIOTHERAPY,
        O.METASTASIS_DIRECTED_THERAPY,
    },
}
ACTIVE = (
    DiseaseStatus.PERSISTENT,
    DiseaseStatus.PROGRESSIVE,
    DiseaseStatus.RECURRENT,
    DiseaseStatus.UNTREATED_PRIMARY,
)


def _declining(case: Case, modality: Modality) -> Case:
    declines = {*case.patient.declines, modality}
    return with_patient(case, declines=tuple(m for m in Modality if m in declines))


def _without_trials(case: Case, *, prefers: bool | None) -> Case:
    facility = attrs.evolve(case.facility, clinical_trial_available=False)
    return attrs.evolve(with_patient(case, prefers_clinical_trial=prefers), facility=facility)


def _with_scale(case: Case, scale: int | None) -> Case:
    frail = case.patient.frail
    if scale is not None and scale >= 6 and frail is False:
        frail = None  # frail false with CFS ≥ 6 is invalid (case format P16)
    return with_patient(case, clinical_frailty_scale=scale, frail=frail)


# --- invariants ------------------------------------------------------------------------------


def declined_but_preferred(result: Result, case: Case) -> list[str]:
    """Options preferred although the patient declines their modality."""
    preferred = set(result.preferred)
    return [
        f"{option} ({modality})"
        for modality in case.patient.declines
        for option in sorted(preferred & MODALITY_OPTIONS[modality])
    ]


@given(mixed_cases(), st.sampled_from(Modality))
def test_a_declined_modality_is_never_preferred(case: Case, modality: Modality) -> None:
    declined = _declining(case, modality)
    assert declined_but_preferred(recommend(declined), declined) == []


@given(mixed_cases(), st.sampled_from((None, False, True)))
def test_no_trial_is_preferred_when_none_is_available(case: Case, prefers: bool | None) -> None:
    unavailable = _without_trials(case, prefers=prefers)
    trial = recommend(unavailable).option(O.CLINICAL_TRIAL)
    assert trial.tier is not Tier.PREFERRED
    if trial.tier is Tier.ALTERNATIVE:
        assert Flag.REQUIRES_TRIAL_REFERRAL in trial.flags
    assert Flag.PATIENT_PREFERS_TRIAL not in trial.flags


@given(mixed_cases())
def test_a_trial_is_promoted_only_by_the_patients_stated_preference(case: Case) -> None:
    trial = recommend(case).option(O.CLINICAL_TRIAL)
    if Flag.PATIENT_PREFERS_TRIAL in trial.flags:
        assert case.patient.prefers_clinical_trial is True
        assert trial.tier is Tier.PREFERRED


@given(mixed_cases(), st.integers(7, 9))
def test_a_dependent_patient_with_active_disease_gets_best_supportive_care(
    case: Case, scale: int
) -> None:
    result = recommend(_with_scale(case, scale))
    if result.disease_status in ACTIVE:
        assert result.preferred == (O.BEST_SUPPORTIVE_CARE,)


@given(mixed_cases())
def test_a_mildly_frail_patient_gets_a_flag_and_the_same_tiers(case: Case) -> None:
    mild = recommend(_with_scale(case, 5))
    assert tiers(mild) == tiers(recommend(_with_scale(case, None)))
    for option in mild.options:
        if Flag.GERIATRIC_ASSESSMENT_RECOMMENDED in option.flags:
            assert option.tier is not Tier.NOT_RECOMMENDED


# --- deterministic examples ------------------------------------------------------------------


def _without_trial_at_centre(document: dict[str, Any]) -> dict[str, Any]:
    document.setdefault("facility", {"iort_available": None, "exenteration_centre": None})
    document["facility"]["clinical_trial_available"] = False
    return document


def _example(name: str, **patient: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CASES_DIR / f"{name}.json").read_text("utf-8"))["case"]
    document["schema_version"] = 2
    document["patient"].update(patient)
    return document


def _run(document: dict[str, Any]) -> Result:
    return recommend(load_case(document))


def _rule(result: Result, option: OptionId) -> str:
    return result.option(option).rules[-1]


def test_declined_surgery_changes_nothing_when_no_resection_is_offered() -> None:
    # Unfit (§4.3): no resection is offered, so there is nothing to reroute.
    # Only the palliative surgery of §4.8, the stoma, is declined with it (§2.3).
    unfit = tiers(_run(_example("s4_3_unfit_ecog_1")))
    declined = tiers(_run(_example("s4_3_unfit_ecog_1", declines=["surgery"])))
    assert declined.pop(O.DEFUNCTIONING_STOMA) is Tier.NOT_RECOMMENDED
    assert unfit.pop(O.DEFUNCTIONING_STOMA) is Tier.UNDETERMINED  # symptoms not recorded
    assert declined == unfit


def test_declined_chemotherapy_leaves_the_other_preferred_regimen_in_place() -> None:
    # HIV with CD4 below the trial threshold (5.2a): carboplatin–paclitaxel and the capped
    # combination; declining immunotherapy removes the combination only.
    result = _run(_example("s5_1_hiv_cd4_199_capped", declines=["immunotherapy"]))
    assert result.preferred == (O.CARBOPLATIN_PACLITAXEL,)
    assert _rule(result, O.CARBOPLATIN_PACLITAXEL) != "5.6"
    assert _rule(result, O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB) == "2.3"


def test_an_undetermined_option_declined_names_no_missing_field() -> None:
    # Conditions not recorded: the combination is undetermined; declined, it is not
    # recommended and no longer asks for the conditions.
    result = _run(_example("s5_1_conditions_null", declines=["immunotherapy"]))
    combination = result.option(O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB)
    assert combination.tier is Tier.NOT_RECOMMENDED
    assert _rule(result, O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB) == "2.3"
    needed = {m.field: m.needed_for for m in result.missing_information}
    assert O.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB not in needed.get("patient.conditions", ())


def test_nothing_is_preferred_when_the_fallback_list_offers_nothing() -> None:
    # After platinum with platinum hypersensitivity and ICIs not allowed (5.3f): the trial is
    # preferred; without a trial, best supportive care is next (the only item of the list).
    result = _run(
        _without_trial_at_centre(_example("s5_3_row6_platinum_hypersensitivity_ici_not_allowed"))
    )
    assert result.preferred == (O.BEST_SUPPORTIVE_CARE,)
    assert _rule(result, O.BEST_SUPPORTIVE_CARE) == "5.6"
    # Declining every drug as well leaves only supportive care, which is not on 5.3b's list.
    low = _example("s5_3_row2_cps_below_1", declines=["immunotherapy", "chemotherapy"])
    result = _run(_without_trial_at_centre(low))
    assert result.preferred == ()


def test_trial_availability_false_does_not_touch_a_trial_not_offered() -> None:
    result = _run(_without_trial_at_centre(_example("s4_1d_canal_r0")))
    trial = result.option(O.CLINICAL_TRIAL)
    assert trial.tier is Tier.NOT_RECOMMENDED
    assert Flag.REQUIRES_TRIAL_REFERRAL not in trial.flags


def test_declining_both_does_not_touch_a_rejected_metastasis_directed_therapy() -> None:
    result = _run(_example("s5_5_six_lesions", declines=["surgery", "radiotherapy"]))
    assert _rule(result, O.METASTASIS_DIRECTED_THERAPY) != "2.3"


def _palliative_flags(document: dict[str, Any]) -> tuple[Tier, tuple[Flag, ...]]:
    option = _run(document).option(O.PALLIATIVE_RADIOTHERAPY)
    return option.tier, option.flags


def test_palliative_radiotherapy_dose_check_by_the_symptomatic_site() -> None:
    document = _example("s4_7_local_and_oligometastatic_liver")
    document["disease"]["sites"].append(
        {"site": "inguinal_nodes", "size": {"value": 2, "unit": "cm"}, "lesions": 1,
         "laterality": "left"}
    )  # fmt: skip
    document["disease"]["symptoms"] = [{"symptom": "pain", "site": "inguinal_nodes"}]
    crt = document["primary"]["chemoradiotherapy"]
    check = Flag.PALLIATIVE_REIRRADIATION_DOSE_CHECK
    for irradiated, courses, flagged in (
        (False, [], False),
        (None, [], True),  # unknown counts as irradiated: the flag asks for a check
        (True, [], True),
        (False, [{"region": "groin", "end_date": "2020-01-01",
                  "dose": {"value": 45, "unit": "Gy"}, "fractions": 25}], True),
    ):  # fmt: skip
        crt["groins_irradiated"] = irradiated
        crt.pop("groin_dose", None)
        document["prior_radiotherapy"] = courses
        tier, flags = _palliative_flags(document)
        assert tier is Tier.ALTERNATIVE
        assert (check in flags) is flagged, (irradiated, courses)


def test_palliative_radiotherapy_at_a_distant_site_after_an_other_course() -> None:
    document = _example("s5_2_row1_us_approved")
    document["disease"]["symptoms"] = [{"symptom": "pain", "site": "liver"}]
    document["prior_radiotherapy"] = [
        {"region": "other", "end_date": "2020-01-01", "dose": {"value": 30, "unit": "Gy"},
         "fractions": 10}
    ]  # fmt: skip
    assert _palliative_flags(document) == (
        Tier.ALTERNATIVE,
        (Flag.PALLIATIVE_REIRRADIATION_DOSE_CHECK,),
    )


def test_the_frailty_warning_names_the_scale_once() -> None:
    result = _run(_example("s5_2_row1_us_approved", ecog=0, clinical_frailty_scale=9))
    warnings = [w for w in result.warnings if w.code is WarningCode.IMPLAUSIBLE_VALUE]
    assert [w.fields for w in warnings] == [("patient.clinical_frailty_scale",)]
    assert "W6" in warnings[0].message
    document = result_to_dict(result)
    assert document["options"][0]["option"] == "best_supportive_care"


def test_declining_chemotherapy_only_is_the_fact_row_5_2f_reads() -> None:
    from ascc_salvage.engine._facts import derive_facts
    from ascc_salvage.status import assess_status

    for declines, expected in (
        (["chemotherapy"], True),
        (["chemotherapy", "immunotherapy"], False),
        (["immunotherapy"], False),
        ([], False),
    ):
        case = load_case(_example("s5_2_row1_us_approved", declines=declines))
        facts = derive_facts(case, assess_status(case))
        assert facts.declines_chemotherapy_only is expected
