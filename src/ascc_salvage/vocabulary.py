"""Closed vocabularies of the case and result formats (case schema 2; schema 1 is a subset).

Every enum is an :class:`enum.StrEnum`, so ``str(member)`` is its JSON value.
"""

from __future__ import annotations

import enum
from typing import Final

__all__ = [
    "RULE_IDS",
    "RULE_ID_CRITERIA",
    "BestResponse",
    "Biopsy",
    "Condition",
    "CriterionId",
    "CriterionResult",
    "DiseaseStatus",
    "Finding",
    "Flag",
    "HivStatus",
    "Intent",
    "InvadedStructure",
    "Jurisdiction",
    "Laterality",
    "LesionFinding",
    "Margin",
    "MarkerStatus",
    "MismatchRepair",
    "Modality",
    "NodalStation",
    "OptionId",
    "OtherRegimen",
    "PdL1Assay",
    "PdL1Specimen",
    "PhaseTarget",
    "PhaseTechnique",
    "PrimarySite",
    "RadiosensitisingAgent",
    "RadiotherapyRegion",
    "RadiotherapyTechnique",
    "Sex",
    "Site",
    "SurgeryProcedure",
    "Symptom",
    "SystemicAgent",
    "TherapyOutcome",
    "TherapySetting",
    "Tier",
    "WarningCode",
    "is_rule_id",
]


class Sex(enum.StrEnum):
    """Sex used by the renal-function and body-weight formulas."""

    FEMALE = "female"
    MALE = "male"


class Jurisdiction(enum.StrEnum):
    """Regulatory jurisdiction whose approvals apply."""

    US = "US"
    EU = "EU"
    OTHER = "other"


class HivStatus(enum.StrEnum):
    """HIV serostatus."""

    NEGATIVE = "negative"
    POSITIVE = "positive"
    UNKNOWN = "unknown"


class Condition(enum.StrEnum):
    """Comorbid conditions that change eligibility for an option."""

    SOLID_ORGAN_TRANSPLANT = "solid_organ_transplant"
    ACTIVE_AUTOIMMUNE_DISEASE = "active_autoimmune_disease"
    INTERSTITIAL_LUNG_DISEASE = "interstitial_lung_disease"
    PRIOR_SEVERE_IMMUNE_RELATED_ADVERSE_EVENT = "prior_severe_immune_related_adverse_event"
    PERIPHERAL_NEUROPATHY_GRADE_2_OR_MORE = "peripheral_neuropathy_grade_2_or_more"
    HEARING_LOSS_GRADE_2_OR_MORE = "hearing_loss_grade_2_or_more"
    HEART_FAILURE_NYHA_3_OR_MORE = "heart_failure_nyha_3_or_more"
    PLATINUM_HYPERSENSITIVITY = "platinum_hypersensitivity"
    TAXANE_HYPERSENSITIVITY = "taxane_hypersensitivity"
    DPD_DEFICIENCY_COMPLETE = "dpd_deficiency_complete"
    PRIOR_SEVERE_FLUOROPYRIMIDINE_TOXICITY = "prior_severe_fluoropyrimidine_toxicity"
    # schema 2
    DPD_DEFICIENCY_PARTIAL = "dpd_deficiency_partial"
    PRIOR_MODERATE_IMMUNE_RELATED_ADVERSE_EVENT = "prior_moderate_immune_related_adverse_event"
    HEPATITIS_B_CHRONIC = "hepatitis_b_chronic"
    HEPATITIS_C_VIRAEMIC = "hepatitis_c_viraemic"
    PREGNANCY = "pregnancy"
    EXISTING_COLOSTOMY = "existing_colostomy"


#: The conditions of case schema 1 (the others are new in schema 2).
SCHEMA_1_CONDITIONS: tuple[Condition, ...] = tuple(Condition)[:11]


class PrimarySite(enum.StrEnum):
    """Site of the primary tumour."""

    ANAL_CANAL = "anal_canal"
    ANAL_MARGIN = "anal_margin"


class Finding(enum.StrEnum):
    """Finding of one response or follow-up assessment."""

    COMPLETE_RESPONSE = "complete_response"
    REGRESSING = "regressing"
    STABLE = "stable"
    PROGRESSION = "progression"
    RECURRENCE = "recurrence"
    EQUIVOCAL = "equivocal"


class Biopsy(enum.StrEnum):
    """Result of a biopsy taken at an assessment."""

    POSITIVE = "positive"
    HSIL_ONLY = "hsil_only"
    NON_VIABLE = "non_viable"
    NEGATIVE = "negative"
    NOT_DONE = "not_done"


class Site(enum.StrEnum):
    """Site of current disease."""

    ANAL_CANAL = "anal_canal"
    ANAL_MARGIN = "anal_margin"
    INGUINAL_NODES = "inguinal_nodes"
    PELVIC_NODES = "pelvic_nodes"
    PARA_AORTIC_NODES = "para_aortic_nodes"
    LIVER = "liver"
    LUNG = "lung"
    BONE = "bone"
    PERITONEUM = "peritoneum"
    OTHER_DISTANT = "other_distant"
    # schema 2
    PERINEUM = "perineum"
    ISCHIORECTAL_FOSSA = "ischiorectal_fossa"
    PRESACRAL = "presacral"


#: The sites of case schema 1 (the others are new in schema 2).
SCHEMA_1_SITES: tuple[Site, ...] = tuple(Site)[:10]


class LesionFinding(enum.StrEnum):
    """Finding at one site of an assessment (schema 2): the assessment findings plus ``new``."""

    COMPLETE_RESPONSE = "complete_response"
    REGRESSING = "regressing"
    STABLE = "stable"
    PROGRESSION = "progression"
    RECURRENCE = "recurrence"
    EQUIVOCAL = "equivocal"
    NEW = "new"


class Symptom(enum.StrEnum):
    """A symptom of current disease (schema 2)."""

    BLEEDING = "bleeding"
    PAIN = "pain"
    OBSTRUCTION = "obstruction"
    FISTULA = "fistula"
    INCONTINENCE = "incontinence"
    ULCERATION = "ulceration"
    LYMPHOEDEMA = "lymphoedema"


class Modality(enum.StrEnum):
    """A treatment modality a patient may decline (schema 2)."""

    CHEMOTHERAPY = "chemotherapy"
    IMMUNOTHERAPY = "immunotherapy"
    SURGERY = "surgery"
    RADIOTHERAPY = "radiotherapy"


class RadiosensitisingAgent(enum.StrEnum):
    """A radiosensitising agent of the primary chemoradiotherapy (schema 2)."""

    MITOMYCIN = "mitomycin"
    FLUOROURACIL = "fluorouracil"
    CAPECITABINE = "capecitabine"
    CISPLATIN = "cisplatin"
    CARBOPLATIN = "carboplatin"
    OTHER = "other"


class PhaseTechnique(enum.StrEnum):
    """Technique of one phase of the primary radiotherapy (schema 2)."""

    EBRT = "ebrt"
    BRACHYTHERAPY = "brachytherapy"


class PhaseTarget(enum.StrEnum):
    """Target of one phase of the primary radiotherapy (schema 2)."""

    PRIMARY = "primary"
    GROINS = "groins"
    PELVIC_NODES = "pelvic_nodes"


class RadiotherapyTechnique(enum.StrEnum):
    """Technique of a prior radiotherapy course (schema 2)."""

    CONVENTIONAL = "conventional"
    SABR = "sabr"
    HDR_BRACHYTHERAPY = "hdr_brachytherapy"
    LDR_BRACHYTHERAPY = "ldr_brachytherapy"
    IORT = "iort"


class SystemicAgent(enum.StrEnum):
    """The closed drug vocabulary of a prior regimen ``"other"`` (schema 2)."""

    CISPLATIN = "cisplatin"
    CARBOPLATIN = "carboplatin"
    OXALIPLATIN = "oxaliplatin"
    PACLITAXEL = "paclitaxel"
    NAB_PACLITAXEL = "nab_paclitaxel"
    DOCETAXEL = "docetaxel"
    FLUOROURACIL = "fluorouracil"
    CAPECITABINE = "capecitabine"
    MITOMYCIN = "mitomycin"
    IRINOTECAN = "irinotecan"
    CETUXIMAB = "cetuximab"
    PANITUMUMAB = "panitumumab"
    RETIFANLIMAB = "retifanlimab"
    NIVOLUMAB = "nivolumab"
    PEMBROLIZUMAB = "pembrolizumab"
    DOSTARLIMAB = "dostarlimab"
    CEMIPLIMAB = "cemiplimab"
    TISLELIZUMAB = "tislelizumab"
    TORIPALIMAB = "toripalimab"
    ATEZOLIZUMAB = "atezolizumab"
    DURVALUMAB = "durvalumab"
    AVELUMAB = "avelumab"
    OTHER_ANTI_PD1_PDL1 = "other_anti_pd1_pdl1"
    IPILIMUMAB = "ipilimumab"
    TREMELIMUMAB = "tremelimumab"
    OTHER_CYTOTOXIC = "other_cytotoxic"
    INVESTIGATIONAL = "investigational"


class OtherRegimen(enum.StrEnum):
    """A prior regimen outside the option catalogue, described by its agents (schema 2)."""

    OTHER = "other"


class BestResponse(enum.StrEnum):
    """Best RECIST response to a prior systemic therapy (schema 2)."""

    COMPLETE_RESPONSE = "complete_response"
    PARTIAL_RESPONSE = "partial_response"
    STABLE_DISEASE = "stable_disease"
    PROGRESSIVE_DISEASE = "progressive_disease"
    NOT_EVALUABLE = "not_evaluable"


class PdL1Assay(enum.StrEnum):
    """PD-L1 immunohistochemistry assay (clone) of a test (schema 2)."""

    CLONE_22C3 = "22C3"
    CLONE_28_8 = "28-8"
    SP263 = "SP263"
    SP142 = "SP142"
    CLONE_73_10 = "73-10"
    OTHER = "other"


class PdL1Specimen(enum.StrEnum):
    """Specimen a PD-L1 test was done on (schema 2)."""

    PRIMARY = "primary"
    RECURRENCE = "recurrence"
    METASTASIS = "metastasis"


class MarkerStatus(enum.StrEnum):
    """Result of a positive/negative biomarker (HPV, p16; schema 2)."""

    POSITIVE = "positive"
    NEGATIVE = "negative"


class MismatchRepair(enum.StrEnum):
    """Mismatch-repair / microsatellite status (schema 2)."""

    DMMR_OR_MSI_HIGH = "dmmr_or_msi_high"
    PMMR_AND_MSS = "pmmr_and_mss"


class Laterality(enum.StrEnum):
    """Side of a paired site."""

    LEFT = "left"
    RIGHT = "right"
    BILATERAL = "bilateral"


class NodalStation(enum.StrEnum):
    """Station of pelvic nodal disease."""

    MESORECTAL = "mesorectal"
    INTERNAL_ILIAC = "internal_iliac"
    OBTURATOR = "obturator"
    EXTERNAL_ILIAC = "external_iliac"
    COMMON_ILIAC = "common_iliac"


class InvadedStructure(enum.StrEnum):
    """Structures that current disease invades."""

    SPHINCTER = "sphincter"
    VAGINA = "vagina"
    UTERUS = "uterus"
    PROSTATE = "prostate"
    BLADDER = "bladder"
    URETHRA = "urethra"
    COCCYX = "coccyx"
    SACRUM_LOW = "sacrum_low"
    SACRUM_HIGH = "sacrum_high"
    PELVIC_SIDEWALL = "pelvic_sidewall"
    EXTERNAL_ILIAC_VESSELS = "external_iliac_vessels"
    FEMORAL_VESSELS = "femoral_vessels"
    SCIATIC_NERVE = "sciatic_nerve"


class Margin(enum.StrEnum):
    """Resection margin (achieved or expected)."""

    R0 = "r0"
    R1 = "r1"
    R2 = "r2"


class SurgeryProcedure(enum.StrEnum):
    """Salvage procedures recorded in the history."""

    SALVAGE_APR = "salvage_apr"
    EXTENDED_RESECTION = "extended_resection"
    INGUINAL_LYMPHADENECTOMY = "inguinal_lymphadenectomy"
    LOCAL_EXCISION = "local_excision"


class TherapySetting(enum.StrEnum):
    """Setting in which a prior systemic therapy was given."""

    ADVANCED = "advanced"
    RADIOSENSITISING = "radiosensitising"
    NEOADJUVANT = "neoadjuvant"
    ADJUVANT = "adjuvant"
    OTHER_CANCER = "other_cancer"


class TherapyOutcome(enum.StrEnum):
    """How a prior systemic therapy ended (or that it is ongoing)."""

    PROGRESSION = "progression"
    INTOLERANCE = "intolerance"
    COMPLETED = "completed"
    ONGOING = "ongoing"


class RadiotherapyRegion(enum.StrEnum):
    """Region of a radiotherapy course other than the primary CRT."""

    PELVIS = "pelvis"
    GROIN = "groin"
    OTHER = "other"


class DiseaseStatus(enum.StrEnum):
    """Disease status derived by :func:`ascc_salvage.assess_status`."""

    UNTREATED_PRIMARY = "untreated_primary"
    TOO_EARLY_TO_ASSESS = "too_early_to_assess"
    ASSESSMENT_DUE = "assessment_due"
    COMPLETE_CLINICAL_RESPONSE = "complete_clinical_response"
    NO_EVIDENCE_OF_DISEASE = "no_evidence_of_disease"
    EQUIVOCAL = "equivocal"
    PERSISTENT = "persistent"
    PROGRESSIVE = "progressive"
    RECURRENT = "recurrent"


class OptionId(enum.StrEnum):
    """The closed option catalogue, in catalogue order (clinical pathway §8)."""

    OBSERVE_AND_REASSESS = "observe_and_reassess"
    SURVEILLANCE = "surveillance"
    BIOPSY_AND_RESTAGE = "biopsy_and_restage"
    SALVAGE_APR = "salvage_apr"
    EXTENDED_RESECTION = "extended_resection"
    PERINEAL_FLAP_RECONSTRUCTION = "perineal_flap_reconstruction"
    INGUINAL_LYMPHADENECTOMY = "inguinal_lymphadenectomy"
    LOCAL_EXCISION = "local_excision"
    GROIN_RADIOTHERAPY = "groin_radiotherapy"
    REIRRADIATION = "reirradiation"
    IORT = "iort"
    PALLIATIVE_RADIOTHERAPY = "palliative_radiotherapy"
    CARBOPLATIN_PACLITAXEL = "carboplatin_paclitaxel"
    CARBOPLATIN_PACLITAXEL_RETIFANLIMAB = "carboplatin_paclitaxel_retifanlimab"
    CISPLATIN_FLUOROURACIL = "cisplatin_fluorouracil"
    DOCETAXEL_CISPLATIN_FLUOROURACIL = "docetaxel_cisplatin_fluorouracil"
    ANTI_PD1_MONOTHERAPY = "anti_pd1_monotherapy"
    NIVOLUMAB_IPILIMUMAB = "nivolumab_ipilimumab"
    METASTASIS_DIRECTED_THERAPY = "metastasis_directed_therapy"
    CLINICAL_TRIAL = "clinical_trial"
    BEST_SUPPORTIVE_CARE = "best_supportive_care"
    PRIMARY_CHEMORADIOTHERAPY = "primary_chemoradiotherapy"
    #: Appended in pathway v3 so that the order of the 22 earlier ids is unchanged.
    DEFUNCTIONING_STOMA = "defunctioning_stoma"


#: The systemic options (those with a drug dose plan), in catalogue order.
SYSTEMIC_OPTIONS: tuple[OptionId, ...] = (
    OptionId.CARBOPLATIN_PACLITAXEL,
    OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
    OptionId.CISPLATIN_FLUOROURACIL,
    OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL,
    OptionId.ANTI_PD1_MONOTHERAPY,
    OptionId.NIVOLUMAB_IPILIMUMAB,
)


class Tier(enum.StrEnum):
    """Tier of an option in a result, in display order."""

    PREFERRED = "preferred"
    ALTERNATIVE = "alternative"
    UNDETERMINED = "undetermined"
    NOT_RECOMMENDED = "not_recommended"


class Intent(enum.StrEnum):
    """Intent of an option."""

    ASSESSMENT = "assessment"
    SURVEILLANCE = "surveillance"
    CURATIVE = "curative"
    PALLIATIVE = "palliative"
    CURATIVE_OR_PALLIATIVE = "curative_or_palliative"
    ANY = "any"


class CriterionResult(enum.StrEnum):
    """Three-valued result of one criterion."""

    MET = "met"
    NOT_MET = "not_met"
    UNKNOWN = "unknown"


class Flag(enum.StrEnum):
    """Flags attached to an option (clinical pathway §9)."""

    VERY_LOW_EVIDENCE = "very_low_evidence"
    OUTSIDE_TRIAL_POPULATION = "outside_trial_population"
    NOT_APPROVED_IN_JURISDICTION = "not_approved_in_jurisdiction"
    OFF_LABEL = "off_label"
    APPROVAL_STATUS_UNKNOWN = "approval_status_unknown"
    LABEL_INTERPRETATION = "label_interpretation"
    LOW_EXPECTED_BENEFIT = "low_expected_benefit"
    SPECIALIST_CENTRE = "specialist_centre"
    REQUIRES_IORT_CAPABLE_CENTRE = "requires_iort_capable_centre"
    REQUIRES_CUMULATIVE_DOSE_PLAN = "requires_cumulative_dose_plan"
    PALLIATIVE_REIRRADIATION_DOSE_CHECK = "palliative_reirradiation_dose_check"
    DECLINED_BY_PATIENT = "declined_by_patient"
    REVISIT_PATIENT_DECISION = "revisit_patient_decision"
    NON_CURATIVE_INTENT = "non_curative_intent"
    REASSESS_RESECTABILITY_AFTER_RESPONSE = "reassess_resectability_after_response"
    RECONSIDER_AFTER_RESPONSE = "reconsider_after_response"
    AFTER_RESPONSE_TO_SYSTEMIC_THERAPY = "after_response_to_systemic_therapy"
    REVISIT_WHEN_HIV_CONTROLLED = "revisit_when_hiv_controlled"
    OPTIMISE_ANTIRETROVIRAL_THERAPY = "optimise_antiretroviral_therapy"
    JOINT_HIV_ONCOLOGY_CARE = "joint_hiv_oncology_care"
    CHECK_ANTIRETROVIRAL_INTERACTIONS = "check_antiretroviral_interactions"
    CHECK_DPD_STATUS = "check_dpd_status"
    TAXANE_NEUROPATHY_CAUTION = "taxane_neuropathy_caution"
    VERIFY_CARBOPLATIN_DOSE_WITH_PHARMACY = "verify_carboplatin_dose_with_pharmacy"
    HIGHER_TOXICITY_VARIANT = "higher_toxicity_variant"
    SHARED_DECISION = "shared_decision"
    CONTINUE_CURRENT_THERAPY = "continue_current_therapy"
    INDIVIDUALISED = "individualised"
    CONFIRM_NEW_DISTANT_SITE = "confirm_new_distant_site"
    REQUIRES_REIRRADIATION_EXPERTISE = "requires_reirradiation_expertise"
    PATIENT_PREFERS_TRIAL = "patient_prefers_trial"
    GERIATRIC_ASSESSMENT_RECOMMENDED = "geriatric_assessment_recommended"
    CHECK_TRIAL_AVAILABILITY = "check_trial_availability"
    REQUIRES_TRIAL_REFERRAL = "requires_trial_referral"
    PRIOR_IRAE_CAUTION = "prior_irae_caution"
    OPPORTUNISTIC_INFECTION_PROPHYLAXIS = "opportunistic_infection_prophylaxis"
    HEPATITIS_ANTIVIRAL_MANAGEMENT = "hepatitis_antiviral_management"
    DPD_REDUCED_STARTING_DOSE = "dpd_reduced_starting_dose"
    CHECK_HEPATIC_FUNCTION = "check_hepatic_function"
    HEPATIC_DOSE_REDUCTION = "hepatic_dose_reduction"
    DOSE_AFTER_DIALYSIS = "dose_after_dialysis"
    MANAGE_HSIL = "manage_hsil"
    LOWER_EXPECTED_CURE_RATE = "lower_expected_cure_rate"
    CONDITIONS_NOT_RECORDED = "conditions_not_recorded"
    PD_L1_ARCHIVAL_SPECIMEN = "pd_l1_archival_specimen"
    TUMOUR_AGNOSTIC_APPROVAL = "tumour_agnostic_approval"


class WarningCode(enum.StrEnum):
    """Result-level warnings (clinical pathway §9)."""

    REASSESSMENT_OVERDUE = "reassessment_overdue"
    HIV_TEST_RECOMMENDED = "hiv_test_recommended"
    CHECK_NATIONAL_REIMBURSEMENT = "check_national_reimbursement"
    ECOG_KARNOFSKY_MISMATCH = "ecog_karnofsky_mismatch"
    FINDING_CONTRADICTS_EXTENT = "finding_contradicts_extent"
    IMPLAUSIBLE_VALUE = "implausible_value"
    PREGNANCY = "pregnancy"
    CRT_IN_PROGRESS = "crt_in_progress"


class CriterionId(enum.StrEnum):
    """Every criterion id the engine can emit (the ``id`` of a result criterion).

    Each member carries the pathway sections that use it (:attr:`sections`) and its meaning in
    one line (:attr:`meaning`); a ``{name}`` in a meaning is a knowledge-base threshold, filled
    in by the generated documentation. The ids ending in ``_known`` are reported ``unknown``
    when a routing input or a three-valued condition is missing and decides the option. The
    condition names of the rule tables that are reported as criteria are members too (the
    knowledge-base loader checks it), and the engine refuses to build a criterion whose id is
    not a member.
    """

    _value_: str
    sections: str
    meaning: str

    def __new__(cls, value: str, sections: str, meaning: str) -> CriterionId:  # noqa: D102
        member = str.__new__(cls, value)
        member._value_ = value
        member.sections = sections
        member.meaning = meaning
        return member

    PERFORMANCE_STATUS_KNOWN = (
        "performance_status_known",
        "any",
        "ECOG/Karnofsky not recorded and the option's tier differs between ECOG 0, 1, 2 and 3 "
        "(always `unknown`)",
    )
    FITNESS_FOR_MAJOR_SURGERY_KNOWN = (
        "fitness_for_major_surgery_known",
        "4",
        "fitness for major surgery not recorded and it decides the option (always `unknown`)",
    )
    RESECTABILITY_KNOWN = (
        "resectability_known",
        "3, 4",
        "resectability not recorded and it decides the option (always `unknown`)",
    )
    EXPECTED_MARGIN_KNOWN = (
        "expected_margin_known",
        "3, 4, 6",
        "expected margin not recorded and the tier differs between R0, R1 and R2 "
        "(always `unknown`)",
    )
    STOMA_CONSENT_KNOWN = (
        "stoma_consent_known",
        "4.1",
        "consent to a permanent colostomy not recorded and it decides the option "
        "(always `unknown`)",
    )
    GROIN_IRRADIATION_KNOWN = (
        "groin_irradiation_known",
        "4.1f, 4.4, 6",
        "whether the groins were irradiated is not recorded and it decides the option "
        "(always `unknown`)",
    )
    CISPLATIN_ELIGIBILITY_KNOWN = (
        "cisplatin_eligibility_known",
        "5.1, 5.2",
        "taxanes excluded with unknown cisplatin eligibility: the tier differs between the "
        "eligible (cisplatin–fluorouracil) and ineligible (row 5.2f) branches (always "
        "`unknown`)",
    )
    RESPONSE_ASSESSED_AT_26_WEEKS = (
        "response_assessed_at_26_weeks",
        "2",
        "status `assessment_due`: the 26-week response is not yet assessed (always `unknown`; "
        "missing `assessments`)",
    )
    HISTOLOGICALLY_CONFIRMED = (
        "histologically_confirmed",
        "2 (gate)",
        "a positive biopsy (or node cytology) is recorded in the current episode",
    )
    RESTAGED = (
        "restaged",
        "2 (gate)",
        "pelvic MRI plus CT of chest, abdomen and pelvis, or PET-CT, recorded as done "
        "(`disease.restaged`)",
    )
    ANAL_MARGIN_ONLY = (
        "anal_margin_only",
        "4.1a–b",
        "all current disease is at the anal margin (local excision)",
    )
    SIZE_AT_MOST_2_CM = (
        "size_at_most_2_cm",
        "4.1a–b",
        "the largest anal-margin lesion is at most {local_excision_max_size} (local excision)",
    )
    SPHINCTER_NOT_INVADED = (
        "sphincter_not_invaded",
        "4.1a–b, 7",
        "the sphincter is not invaded (local excision; for an untreated primary `unknown` "
        "until restaged)",
    )
    SPHINCTER_NOT_INVADED_KNOWN = (
        "sphincter_not_invaded_known",
        "7",
        "whether the sphincter is invaded is unknown and decides the option, where a rule table "
        "has no row for the unknown value (always `unknown`)",
    )
    CHECKPOINT_INHIBITOR_ALLOWED_KNOWN = (
        "checkpoint_inhibitor_allowed_known",
        "5.2",
        "whether a checkpoint inhibitor is allowed (contraindications, HIV control) is unknown "
        "and decides the option, where the rule table has no row for the unknown value "
        "(always `unknown`)",
    )
    EXPECTED_MARGIN_R0 = (
        "expected_margin_r0",
        "4.1a–b",
        "an R0 margin is expected (local excision)",
    )
    NO_PREVIOUS_LOCAL_EXCISION = (
        "no_previous_local_excision",
        "4.1a–b",
        "no earlier local excision at the site",
    )
    SIZE_AT_MOST_5_CM = (
        "size_at_most_5_cm",
        "4.1a2",
        "the largest anal-margin lesion is at most {local_excision_alternative_max_size} "
        "(local excision as an alternative)",
    )
    SIZE_AT_MOST_5_CM_KNOWN = (
        "size_at_most_5_cm_known",
        "4.1a2",
        "the size of the anal-margin lesion is not recorded and decides the option "
        "(always `unknown`)",
    )
    NOTHING_INVADED = (
        "nothing_invaded",
        "4.1a2",
        "no invaded structure is recorded (local excision as an alternative)",
    )
    ISOLATED_PERINEAL_RECURRENCE = (
        "isolated_perineal_recurrence",
        "4.6",
        "after an APR: a single perineal lesion of at most {perineal_excision_max_size}, "
        "nothing invaded (wide local excision)",
    )
    ISOLATED_PERINEAL_RECURRENCE_KNOWN = (
        "isolated_perineal_recurrence_known",
        "4.6",
        "the size of the perineal lesion is not recorded and decides the option (always `unknown`)",
    )
    ANAL_MARGIN_T1_N0_M0 = (
        "anal_margin_t1_n0_m0",
        "7",
        "untreated anal-margin tumour T1 N0 M0, at most {local_excision_max_size} when the size "
        "is recorded, no nodal site",
    )
    EXENTERATION_CENTRE_OPINION = (
        "exenteration_centre_opinion",
        "3",
        "structures presumed unresectable are invaded and no exenteration-centre opinion "
        "(`disease.resectable`) is recorded (`extended_resection`)",
    )
    GROIN_RESECTABLE = (
        "groin_resectable",
        "4.4",
        "groin disease fixed to the femoral vessels: resectability presumed absent, no MDT "
        "opinion recorded",
    )
    EXPECTED_MARGIN_R1 = (
        "expected_margin_r1",
        "6",
        "an R1 margin is expected (`iort`)",
    )
    REIRRADIATION_SCREEN = (
        "reirradiation_screen",
        "6",
        "the re-irradiation screen: status, interval, cumulative dose (pelvis) or prior groin "
        "dose (groin), ECOG",
    )
    NO_CHECKPOINT_INHIBITOR_CONTRAINDICATION = (
        "no_checkpoint_inhibitor_contraindication",
        "5.1",
        "no transplant, active autoimmune disease, interstitial lung disease, prior severe "
        "immune-related adverse event or pregnancy (ICI options)",
    )
    HIV_CONTROLLED = (
        "hiv_controlled",
        "5.1",
        "HIV positive: viral load undetectable and CD4 recorded (CD4 below "
        "{cd4_min_checkpoint_inhibitor} caps ICI options at alternative)",
    )
    NO_PLATINUM_HYPERSENSITIVITY = (
        "no_platinum_hypersensitivity",
        "5.1",
        "no platinum hypersensitivity recorded (platinum regimens)",
    )
    NO_TAXANE_HYPERSENSITIVITY = (
        "no_taxane_hypersensitivity",
        "5.1",
        "no taxane hypersensitivity recorded (taxane regimens)",
    )
    FLUOROPYRIMIDINE_SAFE = (
        "fluoropyrimidine_safe",
        "5.1",
        "no complete DPD deficiency, prior severe fluoropyrimidine toxicity or DPYD activity "
        "score at most {dpyd_poor_metabolizer} (fluoropyrimidine regimens)",
    )
    CREATININE_CLEARANCE_FOR_CISPLATIN = (
        "creatinine_clearance_for_cisplatin",
        "5.1",
        "creatinine clearance at least {cisplatin_min_creatinine_clearance}: Cockcroft–Gault, "
        "or the measured GFR when recorded (cisplatin regimens)",
    )
    ECOG_FOR_CISPLATIN = (
        "ecog_for_cisplatin",
        "5.1",
        "ECOG at most {ecog_max_cisplatin} (cisplatin regimens)",
    )
    NOT_ON_DIALYSIS = (
        "not_on_dialysis",
        "5.1",
        "not on maintenance dialysis (cisplatin regimens; reported when dialysis is recorded)",
    )
    HEPATIC_FUNCTION_FOR_TAXANE = (
        "hepatic_function_for_taxane",
        "5.1",
        "liver tests (× ULN) within the taxane labels' limits: for paclitaxel bilirubin at "
        "most {paclitaxel_hepatic_reduced_2} and AST, ALT below {paclitaxel_hepatic_exclusion}; "
        "for docetaxel bilirubin at most {docetaxel_hepatic_exclusion} and not AST or ALT above "
        "{docetaxel_alp_missing} with alkaline phosphatase above {docetaxel_hepatic_alp_limit} "
        "(reported when a liver test is recorded)",
    )
    NOT_PREGNANT = (
        "not_pregnant",
        "5.1",
        "no pregnancy recorded (re-irradiation, groin radiotherapy, IORT, primary "
        "chemoradiotherapy: fetal dose)",
    )
    NO_CISPLATIN_LIMITING_CONDITION = (
        "no_cisplatin_limiting_condition",
        "5.1",
        "no hearing loss or peripheral neuropathy grade 2 or more, no heart failure NYHA III "
        "or IV (cisplatin regimens)",
    )
    PLATINUM_FREE_INTERVAL = (
        "platinum_free_interval",
        "5.3, 5.4",
        "platinum-free interval at least {platinum_free_interval_rechallenge} "
        "({platinum_free_interval_min_months}) for a carboplatin–paclitaxel re-challenge",
    )
    CHECKPOINT_INHIBITOR_EXPOSURE_KNOWN = (
        "checkpoint_inhibitor_exposure_known",
        "5.1",
        "a prior course lists an investigational drug and no anti-PD-(L)1 agent: whether it "
        "was an anti-PD-(L)1 agent (routes to 5.4) is unknown and decides the option "
        "(always `unknown`)",
    )
    PLATINUM_EXPOSURE_KNOWN = (
        "platinum_exposure_known",
        "5.1",
        "the radiosensitising agent is recorded as `other`: whether it was a platinum "
        "(platinum-pretreated within {platinum_other_setting_window}) is unknown and decides "
        "the option (always `unknown`)",
    )
    OLIGOMETASTATIC = (
        "oligometastatic",
        "5.5",
        "at most {oligometastatic_max_lesions} counted distant lesions, every one locally "
        "treatable",
    )
    ECOG_FOR_METASTASIS_DIRECTED_THERAPY = (
        "ecog_for_metastasis_directed_therapy",
        "5.5",
        "ECOG at most {ecog_max_metastasis_directed}",
    )
    LOCOREGIONAL_DISEASE_CONTROLLED_OR_RESECTABLE = (
        "locoregional_disease_controlled_or_resectable",
        "5.5",
        "local and nodal disease absent or resectable",
    )
    DIVERSION_SYMPTOM = (
        "diversion_symptom",
        "4.8",
        "obstruction, fistula or incontinence from a local disease site recorded "
        "(`unknown` while `disease.symptoms` is not recorded)",
    )
    NO_COLOSTOMY_PRESENT = (
        "no_colostomy_present",
        "4.8",
        "no colostomy already present (condition `existing_colostomy`)",
    )
    PALLIATIVE_SYMPTOM_RECORDED = (
        "palliative_symptom_recorded",
        "5.7",
        "bleeding, pain, ulceration or lymphoedema recorded at a disease site "
        "(`palliative_radiotherapy` in a systemic route; `unknown` while symptoms are not "
        "recorded)",
    )


#: The §5.1 criteria that have a rule id of their own, ``5.1.<criterion>`` (clinical pathway
#: §0.2), in the order of the specification.
RULE_ID_CRITERIA: Final = (
    "ici_contraindication",
    "hiv",
    "cisplatin",
    "fluoropyrimidine",
    "hypersensitivity",
    "hepatic",
    "pregnancy",
    "conditions_null",
    "prior_therapy",
    "pd_l1",
    "approvals",
)

#: Every rule id a result may report (clinical pathway §0.2; closed), in the order of the
#: specification's table: the id of the rule that set an option's final tier.
RULE_IDS: Final = (
    "0.default",
    "2.too_early",
    "2.assessment_due",
    "2.surveillance",
    "2.equivocal",
    "2.gate",
    "2.ecog3",
    "2.declined_all",
    "2.ongoing_line",
    "2.1",
    "2.2",
    "2.3",
    "2.4",
    "3.resectability",
    "4.1a",
    "4.1a2",
    *(f"4.1{row}" for row in "bcdefgh"),
    "4.1.colostomy_declined",
    "4.2",
    "4.3a",
    "4.3b",
    *(f"4.4{row}" for row in "abcdef"),
    "4.5",
    "4.6",
    "4.7",
    "4.8",
    *(f"5.1.{name}" for name in RULE_ID_CRITERIA),
    *(f"5.2{row}" for row in "abcdefg"),
    *(f"5.3{row}" for row in "abcdefgh"),
    "5.4",
    "5.5",
    "5.6",
    "5.7",
    *(f"6.{step}" for step in range(1, 6)),
    "6.iort",
    "7a",
    "7b",
    "7c",
    "0.1",
)

_RULE_ID_SET: Final = frozenset(RULE_IDS)


def is_rule_id(rule: str) -> bool:
    """Whether *rule* is a rule id of the clinical pathway (§0.2), e.g. ``"4.4a"``.

    The list is closed: a pattern such as ``5.1.<criterion>`` admits only the criteria of
    :data:`RULE_ID_CRITERIA`, a lettered row only the letters its table has.

    >>> is_rule_id("5.1.hiv"), is_rule_id("4.4g"), is_rule_id("5.1.eyesight")
    (True, False, False)
    """
    return rule in _RULE_ID_SET
