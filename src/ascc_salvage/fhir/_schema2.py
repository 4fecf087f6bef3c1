"""Case schema 2 fields read from FHIR: verified codes and how each value is read.

Every code below was checked against a public source (given with it and in ``docs/fhir.md``);
a schema 2 field for which no code could be verified is listed in :data:`NOT_MAPPED` with the
reason and is left to the ``base`` document.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Final

from ascc_salvage.fhir._diagnosis import MCODE, SNOMED, codings

__all__ = [
    "CONDITION_CODES",
    "EXT_MODALITY",
    "EXT_MODALITY_AND_TECHNIQUE",
    "FRAILTY_SCORE_SYSTEM",
    "LIVER_TESTS",
    "LOINC_MSI",
    "LOINC_TMB",
    "MSI_ANSWERS",
    "NOT_MAPPED",
    "RT_TECHNIQUES",
    "RXNORM_MORE",
    "SNOMED_CFS",
    "SNOMED_DIALYSIS",
    "TMB_UNIT",
    "frailty_value",
    "msi_value",
    "radiotherapy_technique",
    "times_uln",
    "tmb_value",
]

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"

#: LOINC liver tests (serum or plasma) → ``patient.hepatic_function`` key. Sources: 1975-2
#: Bilirubin.total [Mass/volume] (ARUP test 0020032, loinc.org); 1920-8 AST and 1742-6 ALT
#: [Enzymatic activity/volume]; 6768-6 Alkaline phosphatase [Enzymatic activity/volume]
#: (HL7 Vulcan schedule IG ObservationDefinitions LOINC-1742-6, LOINC-6768-6; 1920-8 in
#: laboratory catalogues, e.g. the University of Kansas Health System test AST).
LIVER_TESTS: Final[Mapping[str, str]] = {
    "1975-2": "bilirubin_x_uln",
    "1920-8": "ast_x_uln",
    "1742-6": "alt_x_uln",
    "6768-6": "alp_x_uln",
}
#: SNOMED CT 763264000 *Canadian Study of Health and Aging Clinical Frailty Scale score* (the
#: observation code of the GECCO/NUM ``ClinicalFrailtyScaleScore`` profile).
SNOMED_CFS: Final = "763264000"
#: The GECCO code system of the scale's levels (codes ``1``–``9``).
FRAILTY_SCORE_SYSTEM: Final = (
    "https://www.netzwerk-universitaetsmedizin.de/fhir/CodeSystem/frailty-score"
)
#: LOINC 81695-9 *Microsatellite instability [Interpretation] in Cancer specimen Qualitative*
#: (HL7 Genomics Reporting IG MSI examples; MII molecular genetics module).
LOINC_MSI: Final = "81695-9"
#: Its answers (LOINC answer list LL3994-2) that the case format can say. MSI-L
#: (LA26202-4), Instable and Indeterminate are not mapped.
MSI_ANSWERS: Final[Mapping[tuple[str, str], str]] = {
    (LOINC, "LA26203-2"): "dmmr_or_msi_high",  # MSI-H
    (LOINC, "LA14122-8"): "pmmr_and_mss",  # Stable
}
#: LOINC 94076-7 *Mutations/Megabase [# Ratio] in Tumor* (HL7 Genomics Reporting IG TMB
#: profile and examples; MII example with UCUM ``1/1000000{Base}``).
LOINC_TMB: Final = "94076-7"
TMB_UNIT: Final = "1/1000000{Base}"
#: SNOMED CT conditions → the case format's ``patient.conditions`` value. 77386006
#: *Pregnancy (finding)* (SNOMED CT International release notes; AU eRequesting IG);
#: 61977001 *Chronic type B viral hepatitis (disorder)*.
CONDITION_CODES: Final[Mapping[str, str]] = {
    "77386006": "pregnancy",
    "61977001": "hepatitis_b_chronic",
}
#: SNOMED CT 105502003 *Dependence on renal dialysis (finding)* (NHS England pharmacy FHIR
#: guidance; renal value sets) → ``patient.dialysis: true``.
SNOMED_DIALYSIS: Final = "105502003"
#: RxNorm ingredients verified for the schema 2 drug vocabulary (in addition to the eight of
#: the catalogue regimens): oxaliplatin, irinotecan, cetuximab (CPIC drug table,
#: cpicpgx/cpic-schema ``drug.sql``), mitomycin (RxNav extract of mitomycin products),
#: paclitaxel protein-bound (nab-paclitaxel; RxNorm display "paclitaxel protein-bound").
RXNORM_MORE: Final[Mapping[str, str]] = {
    "32592": "oxaliplatin",
    "51499": "irinotecan",
    "318341": "cetuximab",
    "632": "mitomycin",
    "486610": "nab_paclitaxel",
}

#: mCODE Radiotherapy Modality And Technique extension and its two parts.
EXT_MODALITY_AND_TECHNIQUE: Final = MCODE + "mcode-radiotherapy-modality-and-technique"
EXT_MODALITY: Final = MCODE + "mcode-radiotherapy-modality"
EXT_TECHNIQUE: Final = MCODE + "mcode-radiotherapy-technique"
#: SNOMED CT modality and technique codes of the mCODE value sets → ``prior_radiotherapy[]
#: .technique`` (mCODE IG, BrachytherapyModalityVS and BrachytherapyTechniqueVS pages and the
#: modality/technique invariants of ``SD_Radiotherapy.fsh``): 394902000 High dose
#: brachytherapy, 1156708005 Low dose rate brachytherapy using temporary radioactive source,
#: 169359004 Internal radiotherapy - permanent seeds, 168524008 Radiotherapy - intraoperative
#: control. mCODE has no stereotactic technique code, so ``sabr`` and ``conventional`` are
#: not read.
RT_TECHNIQUES: Final[Mapping[str, str]] = {
    "394902000": "hdr_brachytherapy",
    "1156708005": "ldr_brachytherapy",
    "169359004": "ldr_brachytherapy",
    "168524008": "iort",
}
#: SNOMED CT 1156506007, photon beam teleradiotherapy (the modality written with IORT).
SNOMED_PHOTON_BEAM: Final = "1156506007"

#: Schema 2 fields never read from FHIR, with the reason (the report names each one the
#: ``base`` document does not supply).
NOT_MAPPED: Final[Mapping[str, str]] = {
    "patient.measured_gfr": (
        "no LOINC code for a measured (not estimated) glomerular filtration rate could be verified"
    ),
    "patient.dpyd_activity_score": "no LOINC code for the CPIC DPYD activity score was verified",
    "patient.biomarkers.pd_l1": (
        "no LOINC code for a PD-L1 combined positive score was verified (LOINC 85147-7, the "
        "22C3 immune stain report, carries a positive/negative result, not a CPS)"
    ),
    "patient.biomarkers.hpv": "no LOINC code for HPV status of the tumour was verified",
    "patient.biomarkers.p16": "no LOINC code for p16 immunohistochemistry was verified",
    "patient.declines": "no mCODE element records a treatment the patient declines",
    "patient.prefers_clinical_trial": "no mCODE element records a preference for a trial",
    "patient.conditions (other schema 2 values)": (
        "dpd_deficiency_partial, prior_moderate_immune_related_adverse_event, "
        "hepatitis_c_viraemic (needs HCV RNA, not a diagnosis) and existing_colostomy have no "
        "verified SNOMED CT code"
    ),
    "primary.chemoradiotherapy.phases": (
        "the mCODE radiotherapy course summary gives totals per volume, not phases in sequence"
    ),
    "prior_radiotherapy[].technique (conventional, sabr)": (
        "mCODE has no stereotactic technique code, and an external beam technique such as "
        "IMRT does not say the fractionation"
    ),
    "prior_systemic_therapy[].cycles": (
        "administrations do not say which cycle they belong to (day 1/8/15 schedules)"
    ),
    "prior_systemic_therapy[].best_response": (
        "mCODE records disease status over time, not the best response of one line"
    ),
    "assessments[].site_findings": "assessments come from base",
    "disease.symptoms": "the current extent (disease) comes from base",
    "facility.clinical_trial_available": "a property of the centre, not of the patient record",
    "facility.reirradiation_expertise": "a property of the centre, not of the patient record",
}


def _unit(quantity: Any) -> tuple[str, str]:
    """The unit of a Quantity for comparison: its UCUM code, else its unit text."""
    if quantity.code:
        return (quantity.system or "", quantity.code)
    return ("", quantity.unit or "")


def times_uln(obs: Any) -> tuple[float | None, str]:
    """``(value / referenceRange.high, "")``, or ``(None, why)`` when it cannot be expressed.

    The reference range's upper limit must be given in the same unit as the value.
    """
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        return None, "no valueQuantity.value"
    if quantity.comparator is not None:
        return None, f"value has comparator {quantity.comparator!r}"
    highs = [r.high for r in obs.referenceRange or [] if r.high is not None]
    same = [h for h in highs if h.value is not None and _unit(h) == _unit(quantity)]
    if not same:
        why = (
            "its referenceRange.high is in another unit"
            if any(h.value is not None for h in highs)
            else "no referenceRange.high"
        )
        return None, f"no upper limit of normal to express it as × ULN ({why})"
    value, high = Decimal(str(quantity.value)), Decimal(str(same[0].value))
    if high <= 0:
        return None, "no upper limit of normal to express it as × ULN (upper limit not positive)"
    return float(value / high), ""


def frailty_value(obs: Any) -> tuple[int | None, str]:
    """The Clinical Frailty Scale level of *obs* (``valueInteger`` or a GECCO level code)."""
    values = {
        int(code)
        for system, code in codings(obs.valueCodeableConcept)
        if system == FRAILTY_SCORE_SYSTEM and code.isdigit()
    }
    if obs.valueInteger is not None:
        values = {int(obs.valueInteger)}
    if len(values) != 1:
        return None, (
            "Clinical Frailty Scale without valueInteger or a level code"
            if not values
            else f"Clinical Frailty Scale values disagree: {sorted(values)}"
        )
    return values.pop(), ""


def msi_value(obs: Any) -> tuple[str | None, str]:
    """``patient.biomarkers.mmr_msi`` from an MSI observation's value or interpretation."""
    concepts = [obs.valueCodeableConcept, *(obs.interpretation or [])]
    found = {MSI_ANSWERS[c] for concept in concepts for c in codings(concept) if c in MSI_ANSWERS}
    if len(found) != 1:
        return None, (
            "MSI result is neither MSI-H (LA26203-2) nor stable (LA14122-8); MSI-L and "
            "indeterminate results have no value in the case format"
            if not found
            else "MSI results disagree"
        )
    return found.pop(), ""


def tmb_value(obs: Any) -> tuple[float | None, str]:
    """``patient.biomarkers.tmb_mut_per_mb``: a value without unit or in ``1/1000000{Base}``."""
    quantity = obs.valueQuantity
    if quantity is None or quantity.value is None:
        return None, "no valueQuantity.value"
    if quantity.comparator is not None:
        return None, f"value has comparator {quantity.comparator!r}"
    unit = quantity.code or quantity.unit
    if unit not in (None, TMB_UNIT):
        return None, f"unit {unit!r} is not mutations per megabase ({TMB_UNIT})"
    return float(quantity.value), ""


def clinical_status_current(condition: Any) -> bool:
    """Whether a Condition's clinical status says it is current (active, recurrence, relapse)."""
    return any(
        code in ("active", "recurrence", "relapse") for _, code in codings(condition.clinicalStatus)
    )


def snomed_codes(concept: Any) -> set[str]:
    """The SNOMED CT codes of a CodeableConcept."""
    return {code for system, code in codings(concept) if system == SNOMED}


def radiotherapy_technique(procedure: Any) -> tuple[str | None, str]:
    """``prior_radiotherapy[].technique`` from the mCODE modality and technique, or why not.

    Intraoperative radiotherapy is ``iort`` whatever the modality (HDR or electrons);
    otherwise the brachytherapy modality gives ``hdr_brachytherapy`` or ``ldr_brachytherapy``.
    """
    found: set[str] = set()
    for ext in procedure.extension or []:
        if ext.url != EXT_MODALITY_AND_TECHNIQUE:
            continue
        for part in ext.extension or []:
            if part.url in (EXT_MODALITY, EXT_TECHNIQUE, "modality", "technique"):
                found |= {
                    RT_TECHNIQUES[code]
                    for code in snomed_codes(part.valueCodeableConcept)
                    if code in RT_TECHNIQUES
                }
    if "iort" in found:
        return "iort", ""
    if len(found) > 1:
        return None, f"modality codes disagree: {', '.join(sorted(found))}"
    return (found.pop() if found else None), ""
