"""The cross-field and plausibility rules of the case format, and the document limits.

Each rule lives here once and is registered on the case class whose fields it relates
(with ``ascc_salvage._modelcheck.rule``). It runs whenever such an object is built — from
Python keywords, by ``attrs.evolve`` or by :func:`ascc_salvage.load_case` — and reports
problems with paths relative to that object; :func:`~ascc_salvage.load_case` places them
under the object's path in the document. A rule runs as soon as every field it reads passed
its own checks, so a document with a bad ECOG still has its dates compared.

Rules of the plausibility table "impossible → validation error" (``case-format.md``) carry
their number (P1–P18) in a comment. Field bounds (P2's 80 Gy and 60 fractions, P3's fraction
count, P8's size and lesion limits) are declared on the fields in :mod:`ascc_salvage.case`.
The rules apply to schema 1 and schema 2 documents alike.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Sequence
from typing import Any, Final

from ascc_salvage import case as model
from ascc_salvage._modelcheck import INVALID, MAX_LIST_ENTRIES, join, key_text, rule
from ascc_salvage.errors import Problem
from ascc_salvage.vocabulary import (
    Biopsy,
    Condition,
    Finding,
    HivStatus,
    LesionFinding,
    Margin,
    OtherRegimen,
    PdL1Specimen,
    PhaseTarget,
    RadiotherapyRegion,
    RadiotherapyTechnique,
    Sex,
    Site,
    SurgeryProcedure,
    TherapyOutcome,
)

__all__ = [
    "BMI_RANGE",
    "DOSE_PER_FRACTION_GY",
    "FRAIL_CFS",
    "LDR_MAX_TOTAL_GY",
    "MAX_CRT_SPAN_DAYS",
    "MAX_CUMULATIVE_PELVIC_GY",
    "MAX_DEPTH",
    "MAX_DOCUMENT_BYTES",
    "MAX_FRACTIONS_PER_DAY",
    "MAX_LIST_ENTRIES",
    "MAX_PRIOR_TOTAL_GY",
    "OTHER_DOSE_PER_FRACTION_GY",
    "PHASE_DOSE_TOLERANCE_GY",
    "check_limits",
]

#: Largest case document accepted, in bytes (1 MiB).
MAX_DOCUMENT_BYTES: Final = 1024 * 1024
#: Deepest nesting the schema has (root → primary → chemoradiotherapy → phases → phase → dose).
MAX_DEPTH: Final = 6

#: Dose per fraction of the primary CRT and of pelvic or groin courses, Gy (case format).
DOSE_PER_FRACTION_GY: Final = (0.5, 25.0)
#: Dose per fraction of other prior courses (single-fraction SABR, e.g. 34 Gy × 1), Gy (P3).
OTHER_DOSE_PER_FRACTION_GY: Final = (0.5, 40.0)
#: Longest CRT course, days from start to end (P2, library policy: longer is two courses).
MAX_CRT_SPAN_DAYS: Final = 180
#: Fractions per calendar day at most (P1: two fractions a day, ≥ 6 h apart).
MAX_FRACTIONS_PER_DAY: Final = 2
#: Cumulative physical pelvic dose, Gy (P4, library policy).
MAX_CUMULATIVE_PELVIC_GY: Final = 200.0
#: BMI range, kg/m² (P9: outside it, almost certainly a unit or entry error).
BMI_RANGE: Final = (10.0, 100.0)
#: Total dose of a prior course other than LDR brachytherapy, Gy (P3).
MAX_PRIOR_TOTAL_GY: Final = 90.0
#: Total dose of a prior LDR brachytherapy course, Gy (P3: I-125 prostate monotherapy 145 Gy).
LDR_MAX_TOTAL_GY: Final = 160.0
#: Clinical frailty scale from which a patient is frail (P16; clinical pathway §2.4).
FRAIL_CFS: Final = 6
#: Tolerance of the phase doses' sum against the CRT dose, Gy (case format, phases).
PHASE_DOSE_TOLERANCE_GY: Final = 0.01
#: Salvage procedures that excise the anus (P6).
_ANUS_EXCISED_BY: Final = (SurgeryProcedure.SALVAGE_APR, SurgeryProcedure.EXTENDED_RESECTION)
#: DPD conditions the CPIC activity score rules out (P16).
_DPD_RULED_OUT: Final = {
    2.0: (Condition.DPD_DEFICIENCY_COMPLETE, Condition.DPD_DEFICIENCY_PARTIAL),
    1.5: (Condition.DPD_DEFICIENCY_COMPLETE,),
    1.0: (Condition.DPD_DEFICIENCY_COMPLETE,),
    0.5: (Condition.DPD_DEFICIENCY_PARTIAL,),
    0.0: (Condition.DPD_DEFICIENCY_PARTIAL,),
}
#: ECOG and the ECOG mapped from Karnofsky may differ by less than this (P7).
_ECOG_KARNOFSKY_MAX_GAP: Final = 2


def _dose_per_fraction(
    path: str, dose: model.Dose, fractions: int, bounds: tuple[float, float]
) -> Iterator[Problem]:
    per_fraction = dose.canonical / fractions
    low, high = bounds
    if not low <= per_fraction <= high:
        yield Problem(
            path, f"dose per fraction {per_fraction:.3g} Gy is outside {low:g}–{high:g} Gy"
        )


# --- patient ---------------------------------------------------------------------------------


@rule(model.Hiv, "status", "viral_load_undetectable")
def _viral_load_only_with_hiv(hiv: model.Hiv) -> Iterator[Problem]:  # P15
    if hiv.viral_load_undetectable is not None and hiv.status is not HivStatus.POSITIVE:
        yield Problem(
            "viral_load_undetectable", "viral load is recorded only for HIV status positive"
        )


@rule(model.Patient, "ecog", "karnofsky")
def _ecog_agrees_with_karnofsky(patient: model.Patient) -> Iterator[Problem]:  # P7
    if patient.ecog is None or patient.karnofsky is None:
        return
    # Imported here, after the usual early return: an import statement costs as much as
    # the rule, and this module is imported before the calculators.
    from ascc_salvage.calculators.performance import ecog_from_karnofsky

    mapped = ecog_from_karnofsky(patient.karnofsky)
    if abs(mapped - patient.ecog) >= _ECOG_KARNOFSKY_MAX_GAP:
        yield Problem(
            "karnofsky",
            f"Karnofsky {patient.karnofsky} maps to ECOG {mapped}, which contradicts "
            f"ECOG {patient.ecog}",
        )


@rule(model.Patient, "weight", "height")
def _bmi_is_human(patient: model.Patient) -> Iterator[Problem]:  # P9
    if patient.weight is None or patient.height is None:
        return
    bmi = patient.weight.canonical / (patient.height.canonical / 100.0) ** 2
    low, high = BMI_RANGE
    if not low <= bmi <= high:
        yield Problem(
            "weight",
            f"BMI {bmi:.1f} kg/m² is outside {low:g}–{high:g} kg/m²: check the weight and "
            "height and their units",
        )


@rule(model.Patient, "sex", "conditions")
def _pregnancy_needs_female(patient: model.Patient) -> Iterator[Problem]:  # P16
    if patient.sex is Sex.MALE and patient.conditions:
        for i, condition in enumerate(patient.conditions):
            if condition is Condition.PREGNANCY:
                yield Problem(f"conditions[{i}]", "pregnancy is recorded for a male patient")


@rule(model.Patient, "frail", "clinical_frailty_scale")
def _frailty_agrees_with_scale(patient: model.Patient) -> Iterator[Problem]:  # P16
    scale = patient.clinical_frailty_scale
    if patient.frail is False and scale is not None and scale >= FRAIL_CFS:
        yield Problem(
            "frail", f"false contradicts clinical frailty scale {scale} (frail from {FRAIL_CFS})"
        )


@rule(model.Patient, "conditions", "dpyd_activity_score")
def _dpd_agrees_with_score(patient: model.Patient) -> Iterator[Problem]:  # P16
    score = patient.dpyd_activity_score
    if score is None or not patient.conditions:
        return
    contradicted = [c for c in _DPD_RULED_OUT[float(score)] if c in patient.conditions]
    if contradicted:
        yield Problem(
            "dpyd_activity_score",
            f"activity score {score:g} contradicts condition {', '.join(contradicted)}",
        )


@rule(model.Patient, "pd_l1_cps", "biomarkers")
def _cps_is_the_effective_one(patient: model.Patient) -> Iterator[Problem]:
    effective = patient.biomarkers.effective_pd_l1
    cps = patient.pd_l1_cps
    if cps is not None and effective is not None and cps != effective.cps:
        yield Problem(
            "pd_l1_cps",
            f"{cps:g} differs from the effective CPS {effective.cps:g} of biomarkers.pd_l1 "
            "(give one of the two, or both equal)",
        )


# --- primary treatment -----------------------------------------------------------------------


@rule(model.Chemoradiotherapy, "start_date", "end_date")
def _crt_dates(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    days = (crt.end_date - crt.start_date).days
    if days < 0:
        yield Problem("end_date", "must not be before start_date")
    elif days > MAX_CRT_SPAN_DAYS:  # P2
        yield Problem(
            "end_date",
            f"the course lasts {days} days (more than {MAX_CRT_SPAN_DAYS}): record a later "
            "course under prior_radiotherapy",
        )


@rule(model.Chemoradiotherapy, "dose", "fractions")
def _crt_dose_per_fraction(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    yield from _dose_per_fraction("dose", crt.dose, crt.fractions, DOSE_PER_FRACTION_GY)


@rule(model.Chemoradiotherapy, "start_date", "end_date", "fractions")
def _crt_fractions_per_day(crt: model.Chemoradiotherapy) -> Iterator[Problem]:  # P1
    days = (crt.end_date - crt.start_date).days + 1
    if days >= 1 and crt.fractions > MAX_FRACTIONS_PER_DAY * days:
        yield Problem(
            "fractions",
            f"{crt.fractions} fractions in {days} days: at most {MAX_FRACTIONS_PER_DAY} a day",
        )


@rule(model.Chemoradiotherapy, "groins_irradiated", "groin_dose", "groin_fractions")
def _crt_groins(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    if crt.groin_fractions is not None:
        if crt.groin_dose is None:
            yield Problem("groin_fractions", "given without groin_dose")
        else:
            yield from _dose_per_fraction(
                "groin_dose", crt.groin_dose, crt.groin_fractions, DOSE_PER_FRACTION_GY
            )
    if crt.groin_dose is not None and crt.groins_irradiated is False:  # P14
        yield Problem("groin_dose", "groin dose given but groins_irradiated is false")


@rule(model.Chemoradiotherapy, "phases", "dose", "fractions")
def _phases_sum_to_the_prescription(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    primary = [phase for phase in crt.phases if phase.target is PhaseTarget.PRIMARY]
    if not crt.phases:
        return
    dose = sum(phase.dose.canonical for phase in primary)
    fractions = sum(phase.fractions for phase in primary)
    if abs(dose - crt.dose.canonical) > PHASE_DOSE_TOLERANCE_GY:
        yield Problem(
            "phases",
            f"the primary phases sum to {dose:g} Gy, not the course dose {crt.dose.canonical:g} Gy",
        )
    if fractions != crt.fractions:
        yield Problem(
            "phases",
            f"the primary phases sum to {fractions} fractions, not the course's {crt.fractions}",
        )


@rule(model.Chemoradiotherapy, "phases")
def _phases_are_consistent(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    seen: set[tuple[int, PhaseTarget]] = set()
    first: dict[int, model.RadiotherapyPhase] = {}
    for i, phase in enumerate(crt.phases):
        key = (phase.sequence, phase.target)
        if key in seen:
            yield Problem(
                "phases", f"phases[{i}]: a second {phase.target} phase in sequence {phase.sequence}"
            )
        seen.add(key)
        same = first.setdefault(phase.sequence, phase)
        if (same.technique, same.fractions) != (phase.technique, phase.fractions):
            yield Problem(
                "phases",
                f"phases[{i}]: phases of sequence {phase.sequence} must share technique and "
                "fractions",
            )


@rule(model.Chemoradiotherapy, "phases", "groins_irradiated", "groin_dose", "groin_fractions")
def _groin_phases(crt: model.Chemoradiotherapy) -> Iterator[Problem]:
    groin = [phase for phase in crt.phases if phase.target is PhaseTarget.GROINS]
    if not groin:
        return
    if crt.groins_irradiated is False:
        yield Problem("phases", "groin phases given but groins_irradiated is false")
    dose = sum(phase.dose.canonical for phase in groin)
    if crt.groin_dose is not None and abs(dose - crt.groin_dose.canonical) > (
        PHASE_DOSE_TOLERANCE_GY
    ):
        yield Problem("phases", f"the groin phases sum to {dose:g} Gy, not groin_dose")
    fractions = sum(phase.fractions for phase in groin)
    if crt.groin_fractions is not None and fractions != crt.groin_fractions:
        yield Problem(
            "phases", f"the groin phases sum to {fractions} fractions, not groin_fractions"
        )


@rule(model.SiteFinding, "site", "station")
def _site_finding_station(finding: model.SiteFinding) -> Iterator[Problem]:  # P14
    if finding.station is not None and finding.site is not Site.PELVIC_NODES:
        yield Problem("station", "a nodal station applies to pelvic_nodes only")


@rule(model.Assessment, "finding", "site_findings")
def _complete_response_everywhere(assessment: model.Assessment) -> Iterator[Problem]:  # P11
    if assessment.finding is not Finding.COMPLETE_RESPONSE:
        return
    for j, item in enumerate(assessment.site_findings):
        if item.finding is not LesionFinding.COMPLETE_RESPONSE:
            yield Problem(
                f"site_findings[{j}].finding",
                f"a site finding {item.finding} contradicts a complete response",
            )


@rule(model.Assessment, "finding", "biopsy")
def _complete_response_is_not_positive(assessment: model.Assessment) -> Iterator[Problem]:  # P11
    if assessment.finding is Finding.COMPLETE_RESPONSE and assessment.biopsy is Biopsy.POSITIVE:
        yield Problem(
            "biopsy", "a positive biopsy (invasive carcinoma) contradicts a complete response"
        )


# --- current disease -------------------------------------------------------------------------


@rule(model.DiseaseSite, "site", "station")
def _station_on_pelvic_nodes(site: model.DiseaseSite) -> Iterator[Problem]:  # P14
    if site.station is not None and site.site is not Site.PELVIC_NODES:
        yield Problem("station", "a nodal station applies to pelvic_nodes only")


@rule(model.Disease, "sites")
def _sites_listed_once(disease: model.Disease) -> Iterator[Problem]:
    seen: dict[tuple[object, ...], int] = {}
    for j, item in enumerate(disease.sites):  # P13
        key = (item.site, item.laterality, item.station)
        if key in seen:
            yield Problem(
                f"sites[{j}]",
                f"same site, laterality and station as sites[{seen[key]}]: merge them "
                "(sum the lesions, keep the largest size)",
            )
        else:
            seen[key] = j


@rule(model.Disease, "sites", "symptoms")
def _symptoms_at_listed_sites(disease: model.Disease) -> Iterator[Problem]:  # P18
    listed = {item.site for item in disease.sites}
    seen: set[tuple[object, object]] = set()
    for i, item in enumerate(disease.symptoms or ()):
        if item.site not in listed:
            yield Problem(f"symptoms[{i}].site", f"{item.site} is not listed in disease.sites")
        if (item.symptom, item.site) in seen:
            yield Problem(f"symptoms[{i}]", "duplicate symptom and site")
        seen.add((item.symptom, item.site))


@rule(model.Disease, "resectable", "expected_margin")
def _margin_only_when_resectable(disease: model.Disease) -> Iterator[Problem]:  # P12
    if disease.resectable is False and disease.expected_margin in (Margin.R0, Margin.R1):
        yield Problem(
            "expected_margin",
            f"a {disease.expected_margin} margin is expected only for resectable disease",
        )


# --- history ---------------------------------------------------------------------------------


@rule(model.PriorSystemicTherapy, "start_date", "end_date", "platinum_end_date", "outcome")
def _systemic_dates(therapy: model.PriorSystemicTherapy) -> Iterator[Problem]:
    for name in ("end_date", "platinum_end_date"):
        date = getattr(therapy, name)
        if date is not None and date < therapy.start_date:
            yield Problem(name, "must not be before start_date")
    end, platinum_end = therapy.end_date, therapy.platinum_end_date
    if platinum_end is not None and end is not None and platinum_end > end:
        yield Problem("platinum_end_date", "must not be after end_date")
    if end is None and therapy.outcome is not TherapyOutcome.ONGOING:
        yield Problem("end_date", "may be null only when the outcome is ongoing")


@rule(model.PriorSystemicTherapy, "regimen", "agents")
def _agents_only_for_other(therapy: model.PriorSystemicTherapy) -> Iterator[Problem]:
    if therapy.regimen is OtherRegimen.OTHER:
        if not therapy.agents:
            yield Problem("agents", 'required (at least one agent) when the regimen is "other"')
    elif therapy.agents is not None:
        yield Problem(
            "agents",
            f'given only for regimen "other" (the regimen {therapy.regimen} implies its agents)',
        )


@rule(model.PriorRadiotherapy, "region", "dose", "fractions", "technique")
def _prior_course(course: model.PriorRadiotherapy) -> Iterator[Problem]:  # P3
    if course.technique is RadiotherapyTechnique.LDR_BRACHYTHERAPY:
        if course.fractions != 1:
            yield Problem("fractions", "an LDR brachytherapy course is recorded as one fraction")
        return  # total at most 160 Gy (field bound); no per-fraction bound
    if course.dose.canonical > MAX_PRIOR_TOTAL_GY:
        yield Problem(
            "dose",
            f"must be at most {MAX_PRIOR_TOTAL_GY:g} Gy (up to {LDR_MAX_TOTAL_GY:g} Gy for "
            "ldr_brachytherapy)",
        )
        return
    bounds = (
        OTHER_DOSE_PER_FRACTION_GY
        if course.region is RadiotherapyRegion.OTHER
        else DOSE_PER_FRACTION_GY
    )
    yield from _dose_per_fraction("dose", course.dose, course.fractions, bounds)


# --- the whole case --------------------------------------------------------------------------


def _dated_crt(case: Any) -> Iterator[tuple[str, dt.date]]:
    crt = case.primary.chemoradiotherapy
    if crt is not None:
        yield "primary.chemoradiotherapy.start_date", crt.start_date
        yield "primary.chemoradiotherapy.end_date", crt.end_date


def _dated_assessments(case: Any) -> Iterator[tuple[str, dt.date]]:
    for i, assessment in enumerate(case.assessments):
        yield f"assessments[{i}].date", assessment.date


def _dated_surgery(case: Any) -> Iterator[tuple[str, dt.date]]:
    for i, surgery in enumerate(case.prior_salvage_surgery):
        yield f"prior_salvage_surgery[{i}].date", surgery.date


def _dated_therapy(case: Any) -> Iterator[tuple[str, dt.date]]:
    for i, therapy in enumerate(case.prior_systemic_therapy):
        for name in ("start_date", "end_date", "platinum_end_date"):
            date = getattr(therapy, name)
            if date is not None:
                yield f"prior_systemic_therapy[{i}].{name}", date


def _dated_radiotherapy(case: Any) -> Iterator[tuple[str, dt.date]]:
    for i, course in enumerate(case.prior_radiotherapy):
        yield f"prior_radiotherapy[{i}].end_date", course.end_date


def _dated_biomarkers(case: Any) -> Iterator[tuple[str, dt.date]]:
    for i, test in enumerate(case.patient.biomarkers.pd_l1):
        if test.date is not None:
            yield f"patient.biomarkers.pd_l1[{i}].date", test.date


#: The dated records of a case, by the field that holds them.
_DATED: Final = {
    "patient": _dated_biomarkers,
    "primary": _dated_crt,
    "assessments": _dated_assessments,
    "prior_salvage_surgery": _dated_surgery,
    "prior_systemic_therapy": _dated_therapy,
    "prior_radiotherapy": _dated_radiotherapy,
}


@functools.lru_cache(maxsize=1024)
def _earliest_birth_date(evaluation: dt.date, age: int) -> dt.date:
    """``evaluation`` − (``age`` + 1) years + 1 day (29 February falls back to the 28th)."""
    year = evaluation.year - age - 1
    day = 28 if (evaluation.month, evaluation.day) == (2, 29) else evaluation.day
    return dt.date(year, evaluation.month, day) + dt.timedelta(days=1)


_CRT_END: Final = "primary.chemoradiotherapy.end_date"


def _available(case: Any) -> Iterator[tuple[str, dt.date]]:
    """The dated records of every field of *case* that passed its own checks."""
    for field, dated in _DATED.items():
        if getattr(case, field, INVALID) is not INVALID:
            yield from dated(case)


# The two date rules read each dated field only when it is valid (see _available), so one bad
# record does not hide another's dates; they declare only the fields they cannot do without.
@rule(model.Case, "evaluation_date")
def _not_after_the_evaluation(case: model.Case) -> Iterator[Problem]:  # and P17
    evaluation = case.evaluation_date
    for path, date in _available(case):
        if date > evaluation and path != _CRT_END:  # evaluated during CRT: allowed (in progress)
            yield Problem(
                path, f"{date.isoformat()} is after the evaluation date ({evaluation.isoformat()})"
            )


@rule(model.Case, "evaluation_date", "patient")
def _not_before_birth(case: model.Case) -> Iterator[Problem]:  # P5
    age = case.patient.age_years
    if age is None:
        return
    earliest = _earliest_birth_date(case.evaluation_date, age)
    for path, date in _available(case):
        if date < earliest:
            yield Problem(
                path,
                f"{date.isoformat()} is before the patient was born (aged {age} on "
                f"{case.evaluation_date.isoformat()}: born on or after {earliest.isoformat()})",
            )


@rule(model.Case, "assessments")
def _assessments_in_order(case: model.Case) -> Iterator[Problem]:
    for i in range(1, len(case.assessments)):
        if case.assessments[i].date < case.assessments[i - 1].date:
            yield Problem(f"assessments[{i}].date", "assessments must be in date order")


@rule(model.Case, "primary", "assessments")
def _assessments_follow_crt_start(case: model.Case) -> Iterator[Problem]:
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    for i, assessment in enumerate(case.assessments):  # during CRT is allowed
        if assessment.date < crt.start_date:
            yield Problem(
                f"assessments[{i}].date",
                f"{assessment.date.isoformat()} is before the start of chemoradiotherapy",
            )


@rule(model.Case, "primary", "patient")
def _recurrence_specimens_follow_crt(case: model.Case) -> Iterator[Problem]:  # P17
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    for i, test in enumerate(case.patient.biomarkers.pd_l1):
        if (
            test.specimen in (PdL1Specimen.RECURRENCE, PdL1Specimen.METASTASIS)
            and test.date is not None
            and test.date < crt.start_date
        ):
            yield Problem(
                f"patient.biomarkers.pd_l1[{i}].date",
                f"a {test.specimen} specimen is taken after the start of chemoradiotherapy "
                f"({crt.start_date.isoformat()})",
            )


@rule(model.Case, "disease", "prior_salvage_surgery")
def _no_anus_after_apr(case: model.Case) -> Iterator[Problem]:  # P6
    # Both versions: the engine reads the post-APR sites (pathway v3 §3), so a schema 1
    # case that recorded a perineal re-recurrence at the anal site is now rejected.
    if case.disease is None or not any(
        surgery.procedure in _ANUS_EXCISED_BY for surgery in case.prior_salvage_surgery
    ):
        return
    for j, item in enumerate(case.disease.sites):
        if item.site in (Site.ANAL_CANAL, Site.ANAL_MARGIN):
            yield Problem(
                f"disease.sites[{j}].site",
                "the anus was excised by the prior APR; record the site as perineum",
            )


@rule(model.Case, "primary", "prior_salvage_surgery")
def _salvage_follows_crt(case: model.Case) -> Iterator[Problem]:  # P10
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return
    for i, surgery in enumerate(case.prior_salvage_surgery):
        if surgery.date < crt.start_date:
            yield Problem(
                f"prior_salvage_surgery[{i}].date",
                "a salvage procedure follows chemoradiotherapy (it starts "
                f"{crt.start_date.isoformat()}); a primary excision is not a salvage procedure",
            )


@rule(model.Case, "primary", "prior_radiotherapy")
def _cumulative_pelvic_dose(case: model.Case) -> Iterator[Problem]:  # P4
    crt = case.primary.chemoradiotherapy
    total = 0.0 if crt is None else crt.dose.canonical
    total += sum(
        course.dose.canonical
        for course in case.prior_radiotherapy
        if course.region is RadiotherapyRegion.PELVIS
    )
    if total > MAX_CUMULATIVE_PELVIC_GY:
        yield Problem(
            "prior_radiotherapy",
            f"cumulative pelvic dose {total:g} Gy exceeds {MAX_CUMULATIVE_PELVIC_GY:g} Gy "
            "(CRT and pelvic courses, physical dose)",
        )


# --- document limits -------------------------------------------------------------------------


def check_limits(document: object) -> list[Problem]:
    """Refuse documents nested deeper than the schema or with over-long lists, early.

    Iterative, so that adversarial nesting cannot exhaust the Python stack. Paths are built
    only to describe a violation (a second walk), not for every node.
    """
    level: list[Any] = [document]
    depth = 1
    while level:
        if depth > MAX_DEPTH:
            return [Problem("$", _limit_message(document))]
        below: list[Any] = []
        append = below.append
        for node in level:
            if isinstance(node, dict):
                node = node.values()
            elif len(node) > MAX_LIST_ENTRIES:
                return [Problem("$", _limit_message(document))]
            for value in node:
                kind = type(value)  # exact types first: this runs for every node of every case
                if kind is dict or kind is list or isinstance(value, dict | list):
                    append(value)
        level, depth = below, depth + 1
    return []


def _limit_message(document: object) -> str:
    """Describe the first limit violation of *document*, with its path."""
    stack: list[tuple[object, int, str]] = [(document, 1, "$")]
    while stack:
        node, depth, path = stack.pop()
        children: Sequence[tuple[object, str]]
        if isinstance(node, dict):
            children = [(v, join(path, key_text(k))) for k, v in node.items()]
        elif isinstance(node, list):
            if len(node) > MAX_LIST_ENTRIES:
                return f"list at {path} has more than {MAX_LIST_ENTRIES} entries"
            children = [(v, f"{path}[{i}]") for i, v in enumerate(node)]
        else:
            continue
        if depth > MAX_DEPTH:
            return f"document is nested deeper than the schema allows (at {path})"
        stack.extend((child, depth + 1, child_path) for child, child_path in children)
    raise AssertionError("no limit violation")  # pragma: no cover - caller found one
