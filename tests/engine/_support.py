"""Shared helpers for the engine tests: generated cases steered into the active pathways."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from collections.abc import Callable
from typing import Any, Final

import attrs
from hypothesis import strategies as st

from ascc_salvage import load_case
from ascc_salvage.case import Case, Patient
from ascc_salvage.result import Result
from ascc_salvage.staging import MCategory
from ascc_salvage.testing.strategies import cases, diseases
from ascc_salvage.validation import FRAIL_CFS
from ascc_salvage.vocabulary import (
    Biopsy,
    Condition,
    DiseaseStatus,
    Finding,
    HivStatus,
    NodalStation,
    OptionId,
    Site,
    Tier,
)

CASES_DIR: Final = pathlib.Path(__file__).parent / "cases"

SURGERY: Final = (
    OptionId.SALVAGE_APR,
    OptionId.EXTENDED_RESECTION,
    OptionId.LOCAL_EXCISION,
    OptionId.INGUINAL_LYMPHADENECTOMY,
    OptionId.PERINEAL_FLAP_RECONSTRUCTION,
)
CHECKPOINT_INHIBITOR_OPTIONS: Final = (
    OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
    OptionId.ANTI_PD1_MONOTHERAPY,
    OptionId.NIVOLUMAB_IPILIMUMAB,
)
ICI_CONTRAINDICATIONS: Final = frozenset(
    {
        Condition.SOLID_ORGAN_TRANSPLANT,
        Condition.ACTIVE_AUTOIMMUNE_DISEASE,
        Condition.INTERSTITIAL_LUNG_DISEASE,
        Condition.PRIOR_SEVERE_IMMUNE_RELATED_ADVERSE_EVENT,
    }
)
DISTANT_SITES: Final = frozenset(
    {
        Site.PARA_AORTIC_NODES,
        Site.LIVER,
        Site.LUNG,
        Site.BONE,
        Site.PERITONEUM,
        Site.OTHER_DISTANT,
    }
)
ACTIVE: Final = (DiseaseStatus.PERSISTENT, DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT)
CD4_MIN: Final = 200.0
ASSESSMENT_WINDOW_DAYS: Final = 182


def spec_example_cases() -> list[tuple[str, Case]]:
    """The example cases of ``cases/`` as ``(name, case)`` pairs."""
    return [
        (path.stem, load_case(json.loads(path.read_text("utf-8"))["case"]))
        for path in sorted(CASES_DIR.glob("*.json"))
    ]


def tiers(result: Result) -> dict[OptionId, Tier]:
    """Tier of every option of *result*."""
    return {option.option: option.tier for option in result.options}


def has_distant_disease(case: Case) -> bool:
    """Distant disease now (§3), or M1 at diagnosis for an untreated primary (§7)."""
    if case.primary.chemoradiotherapy is None and case.primary.stage.m is MCategory.M1:
        return True
    if case.disease is None:
        return False
    return any(
        s.site in DISTANT_SITES
        or (s.site is Site.PELVIC_NODES and s.station is NodalStation.COMMON_ILIAC)
        for s in case.disease.sites
    )


def checkpoint_inhibitor_barred(case: Case) -> str | None:
    """Why no checkpoint-inhibitor option may be preferred (§5.1), or ``None``."""
    patient = case.patient
    if patient.conditions is None:
        return "conditions not recorded"
    if set(patient.conditions) & ICI_CONTRAINDICATIONS:
        return "contraindication"
    hiv = patient.hiv
    if hiv.status is HivStatus.POSITIVE:
        if hiv.viral_load_undetectable is not True:
            return "HIV viral load detectable or unknown"
        if hiv.cd4_count is None:
            return "CD4 count unknown"
        if hiv.cd4_count.canonical < CD4_MIN:
            return "CD4 below 200/µL (capped at alternative)"
    return None


def with_patient(case: Case, **changes: Any) -> Case:
    """*case* with patient fields replaced."""
    return attrs.evolve(case, patient=attrs.evolve(case.patient, **changes))


def with_disease(case: Case, **changes: Any) -> Case | None:
    """*case* with disease fields replaced (``None`` when the case has no disease)."""
    if case.disease is None:
        return None
    return attrs.evolve(case, disease=attrs.evolve(case.disease, **changes))


def _hiv(case: Case, **changes: Any) -> Case:
    return with_patient(case, hiv=attrs.evolve(case.patient.hiv, **changes))


def _groins_unknown(case: Case) -> Case | None:
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return None
    # A groin dose is recorded only when the groins were (or may have been) irradiated.
    primary = attrs.evolve(
        case.primary, chemoradiotherapy=attrs.evolve(crt, groins_irradiated=None)
    )
    return attrs.evolve(case, primary=primary)


def _patient_field(name: str) -> Callable[[Case], Case | None]:
    def null(case: Case) -> Case | None:
        return with_patient(case, **{name: None})

    return null


def _disease_field(name: str) -> Callable[[Case], Case | None]:
    def null(case: Case) -> Case | None:
        return with_disease(case, **{name: None})

    return null


#: Every nullable routing input and how to make it unknown (``None``: not applicable).
NULLABLE_INPUTS: Final[dict[str, Callable[[Case], Case | None]]] = {
    "patient.ecog+karnofsky": lambda c: with_patient(c, ecog=None, karnofsky=None),
    "patient.fit_for_major_surgery": _patient_field("fit_for_major_surgery"),
    "patient.accepts_permanent_colostomy": _patient_field("accepts_permanent_colostomy"),
    "patient.conditions": _patient_field("conditions"),
    "patient.hiv.cd4_count": lambda c: _hiv(c, cd4_count=None),
    "patient.hiv.viral_load_undetectable": lambda c: _hiv(c, viral_load_undetectable=None),
    "patient.pd_l1_cps": _patient_field("pd_l1_cps"),
    "patient.weight": _patient_field("weight"),
    "patient.height": _patient_field("height"),
    "patient.serum_creatinine": _patient_field("serum_creatinine"),
    "patient.age_years": _patient_field("age_years"),
    "patient.sex": _patient_field("sex"),
    "primary.chemoradiotherapy.groins_irradiated": _groins_unknown,
    "disease.resectable": _disease_field("resectable"),
    "disease.expected_margin": _disease_field("expected_margin"),
    "disease.restaged": _disease_field("restaged"),
    "disease.all_lesions_locally_treatable": _disease_field("all_lesions_locally_treatable"),
    "jurisdiction": lambda c: attrs.evolve(c, jurisdiction=None),
}


@st.composite
def active_cases(draw: st.DrawFn, **kwargs: Any) -> Case:
    """Persistent, progressive or recurrent cases, mostly confirmed and restaged.

    Plain :func:`cases` rarely pass the confirmation gate (a positive biopsy in the episode
    and restaging), so most draws here record a positive biopsy at the latest assessment
    (which keeps the status) and ``restaged`` true, and the patient is usually fit and
    consenting, so that the resection, systemic and re-irradiation rules are exercised.
    """
    status = draw(st.sampled_from(ACTIVE))
    case: Case = draw(cases(status_hint=status, disease=diseases(), **kwargs))
    last_finding = case.assessments[-1].finding if case.assessments else None
    if draw(st.integers(0, 3)) > 0 and last_finding not in (None, Finding.COMPLETE_RESPONSE):
        last = attrs.evolve(case.assessments[-1], biopsy=Biopsy.POSITIVE)
        case = attrs.evolve(case, assessments=(*case.assessments[:-1], last))
        if case.disease is not None:
            case = attrs.evolve(case, disease=attrs.evolve(case.disease, restaged=True))
    if draw(st.integers(0, 2)) > 0:
        patient: Patient = case.patient
        frail = draw(st.sampled_from((None, False, True)))
        if frail is False and (patient.clinical_frailty_scale or 0) >= FRAIL_CFS:
            frail = None  # frail false with CFS ≥ 6 is invalid (case format P16)
        case = attrs.evolve(
            case,
            patient=attrs.evolve(
                patient,
                ecog=draw(st.integers(0, 2)),
                karnofsky=None,  # no contradiction with the new ECOG (case format P7)
                fit_for_major_surgery=draw(st.sampled_from((True, True, False, None))),
                declines_active_treatment=None,
                frail=frail,
            ),
        )
    return case


def mixed_cases() -> st.SearchStrategy[Case]:
    """Any generated case, or one steered into the active pathways; either kind also with
    the patient's preferences, clinical frailty scale and trial availability (pathway v3 §2.3,
    §2.4, §5.6), or with per-site findings, post-APR sites and evaluations during CRT (§1,
    §2.1, §3), or with every other schema 2 value (the systemic history, organ function,
    symptoms, phases …), so that every invariant is checked with them."""
    return st.one_of(
        cases(),
        active_cases(),
        cases(preferences=True),
        active_cases(preferences=True),
        cases(site_findings=True),
        active_cases(site_findings=True),
        cases(unsupported=True),
        active_cases(unsupported=True),
    )


def days_from_crt_start(case: Case, date: dt.date) -> int | None:
    """Days from the start of chemoradiotherapy to *date* (``None`` when untreated)."""
    crt = case.primary.chemoradiotherapy
    return None if crt is None else (date - crt.start_date).days
