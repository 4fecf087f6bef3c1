"""Case → mCODE bundle (the FHIR-mappable part), and the packaged example bundle.

:func:`case_to_bundle` is the inverse of :func:`~ascc_salvage.fhir.case_from_bundle` for the
fields FHIR carries; ``case_from_bundle(case_to_bundle(case), base=<the rest>)`` gives the
case back, with the radiotherapy doses in cGy (mCODE fixes that unit) — equal after unit
normalisation.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from decimal import Decimal
from importlib import resources
from typing import Any, Final

from ascc_salvage.case import Case, Chemoradiotherapy, Dose, PriorSystemicTherapy
from ascc_salvage.fhir._bundle import (
    AJCC,
    CRT_AGENT_ORDER,
    EXT_DOSE_TO_VOLUME,
    EXT_INTENT,
    EXT_SESSIONS,
    LOINC,
    LOINC_CD4,
    LOINC_CREATININE_MASS,
    LOINC_CREATININE_MOLAR,
    LOINC_ECOG,
    LOINC_HEIGHT,
    LOINC_HIV_VIRAL_LOAD,
    LOINC_KARNOFSKY,
    LOINC_WEIGHT,
    METHOD_EDITIONS,
    PROFILE_RT_COURSE,
    RADIOSENSITISING,
    REGIMENS,
    RXNORM,
    RXNORM_INGREDIENTS,
    SNOMED_ANAL_CANAL,
    SNOMED_PALLIATIVE,
    SNOMED_RT_COURSE,
    SNOMED_TNM,
    SYSTEMIC_AGENT_ORDER,
    TERMINATION_OUTCOMES,
    UCUM,
    _number,
)
from ascc_salvage.fhir._diagnosis import (
    EXT_HISTOLOGY,
    ICD10CM,
    ICDO3,
    PROFILE_PRIMARY,
    SNOMED,
)
from ascc_salvage.fhir._schema2 import (
    CONDITION_CODES,
    EXT_MODALITY,
    EXT_MODALITY_AND_TECHNIQUE,
    LIVER_TESTS,
    LOINC_MSI,
    LOINC_TMB,
    MSI_ANSWERS,
    SNOMED_CFS,
    SNOMED_DIALYSIS,
    TMB_UNIT,
)

#: SNOMED CT 394902000 High dose brachytherapy (mCODE BrachytherapyModalityVS). LDR and IORT
#: are not written: the case does not say the source placement (temporary or permanent) or
#: the beam, which the mCODE extension requires as the modality.
_HDR_MODALITY: Final = "394902000"

__all__ = ["EXAMPLE_BUNDLES", "case_to_bundle", "example_bundle"]

_SITE_CODES: Final = {"anal_canal": "C21.1", "anal_margin": "C44.520"}
_SITE_DISPLAY: Final = {
    "C21.1": "Malignant neoplasm of anal canal",
    "C44.520": "Squamous cell carcinoma of anal skin",
}
_CATEGORY_LOINC: Final = {
    ("T", "c"): "21905-5",
    ("N", "c"): "21906-3",
    ("M", "c"): "21907-1",
    ("T", "p"): "21899-0",
    ("N", "p"): "21900-6",
    ("M", "p"): "21901-4",
    ("T", ""): "21911-3",
    ("N", ""): "21912-1",
    ("M", ""): "21913-9",
}
_SNOMED_BY_VALUE: Final = {value: code for code, value in SNOMED_TNM.items()}
_EDITION_METHOD: Final = {edition: code for (_, code), edition in METHOD_EDITIONS.items()}
_INGUINAL_NODES: Final = "8928004"  # Inguinal lymph node structure (body structure)
_REGION_SITE: Final = {"pelvis": "12921003", "groin": _INGUINAL_NODES}
_INGREDIENT_CODES: Final = {name: code for code, name in RXNORM_INGREDIENTS.items()}
_OUTCOME_REASON: Final = {outcome: code for code, outcome in TERMINATION_OUTCOMES.items()}
_LIVER_LOINC: Final = {key: code for code, key in LIVER_TESTS.items()}
_MSI_ANSWER: Final = {value: code for (_, code), value in MSI_ANSWERS.items()}
_CONDITION_SNOMED: Final = {value: code for code, value in CONDITION_CODES.items()}
#: The case records liver tests only as multiples of the upper limit of normal, so they are
#: written with the UCUM annotation ``{ULN}`` and an upper limit of 1 in the same unit
#: (value / referenceRange.high gives the multiple back).
_ULN: Final = "{ULN}"


def _coding(system: str, code: str, display: str = "") -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


#: UCUM codes of the case units that are not UCUM codes themselves (the case spelling stays
#: the human-readable ``unit``): FHIR R4 vital signs use ``[lb_av]`` and ``[in_i]``.
_UCUM_CODES: Final[Mapping[str, str]] = {
    "lb": "[lb_av]",
    "in": "[in_i]",
    "cells/uL": "/uL",
    "cells/µL": "/uL",
    "cells/mm3": "/mm3",
    "µmol/L": "umol/L",
    "μmol/L": "umol/L",
    "mL/min/1.73m2": "mL/min/{1.73_m2}",
}


def _ucum(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM, "code": _UCUM_CODES.get(unit, unit)}


def _cgy(dose: Dose) -> dict[str, Any]:
    """A dose in cGy (mCODE fixes totalDoseDelivered to cGy), computed in decimal."""
    if dose.unit == "cGy":
        return _ucum(dose.value, "cGy")
    return _ucum(_number((Decimal(str(dose.value)) * 100).normalize()), "cGy")


#: Namespace of the name-based UUIDs of exported resources (stable for the same case).
_UUID_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://pypi.org/project/ascc-salvage/")
#: Identifier system of exported resources (their ``Type/id`` within the bundle).
IDENTIFIER_SYSTEM: Final = "urn:ietf:rfc:3986"
_OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
_CONDITION_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/condition-clinical"
_CONDITION_VERIFICATION: Final = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
_CONDITION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/condition-category"
#: Observation category of each exported observation code (FHIR R4 observation-category).
_CATEGORIES: Final = {
    LOINC_ECOG: "survey",
    LOINC_KARNOFSKY: "survey",
    LOINC_WEIGHT: "vital-signs",
    LOINC_HEIGHT: "vital-signs",
}


class _Builder:
    def __init__(self, case: Case, patient_id: str) -> None:
        self.case = case
        self.patient_id = patient_id
        self.patient = self.url("Patient", patient_id)
        self.entries: list[dict[str, Any]] = []

    def url(self, kind: str, ident: str) -> str:
        """The entry's ``urn:uuid`` fullUrl, derived from the patient id and ``Type/id``."""
        name = f"{self.patient_id}/{kind}/{ident}"
        return f"urn:uuid:{uuid.uuid5(_UUID_NAMESPACE, name)}"

    def add(self, resource: dict[str, Any]) -> str:
        kind = resource["resourceType"]
        if kind != "Patient":
            resource.setdefault("subject", {"reference": self.patient})
        if kind == "BodyStructure":
            resource["patient"] = resource.pop("subject")
        url = self.url(kind, resource["id"])
        resource.setdefault("identifier", [{"system": IDENTIFIER_SYSTEM, "value": url}])
        self.entries.append({"fullUrl": url, "resource": resource})
        return url

    def observation(self, ident: str, code: str, when: dt.date, value: dict[str, Any]) -> None:
        category = _CATEGORIES.get(code, "laboratory")
        self.add(
            {
                "resourceType": "Observation",
                "id": ident,
                "status": "final",
                "category": [_coding(_OBSERVATION_CATEGORY, category)],
                "code": _coding(LOINC, code),
                "effectiveDateTime": when.isoformat(),
                **value,
            }
        )


def _stage(builder: _Builder, condition: str, when: dt.date) -> None:
    stage = builder.case.primary.stage
    prefix = str(stage.prefix)
    code_prefix = prefix if prefix in ("c", "p") else ""
    method = _EDITION_METHOD.get(str(stage.edition))
    for letter, category in (("T", stage.t), ("N", stage.n), ("M", stage.m)):
        snomed = _SNOMED_BY_VALUE.get((prefix, str(category)))
        value = (
            _coding(SNOMED, snomed) if snomed is not None else _coding(AJCC, f"{prefix}{category}")
        )
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"tnm-{letter.lower()}",
            "status": "final",
            "category": [_coding(_OBSERVATION_CATEGORY, "laboratory")],
            "code": _coding(LOINC, _CATEGORY_LOINC[(letter, code_prefix)]),
            "focus": [{"reference": condition}],
            "effectiveDateTime": when.isoformat(),
            "valueCodeableConcept": value,
        }
        if method is not None:
            resource["method"] = _coding(SNOMED, method)
        builder.add(resource)


def _crt(builder: _Builder, crt: Chemoradiotherapy, condition: str) -> None:
    volumes: list[dict[str, Any]] = []

    def volume(ident: str, location: str | None, dose: Dose | None, fractions: int | None) -> None:
        body: dict[str, Any] = {
            "resourceType": "BodyStructure",
            "id": ident,
            "description": ident.replace("-", " "),
        }
        if location is not None:
            body["location"] = _coding(SNOMED, location)
        reference = builder.add(body)
        parts: list[dict[str, Any]] = [
            {"url": "volume", "valueReference": {"reference": reference}}
        ]
        if dose is not None:
            parts.append({"url": "totalDoseDelivered", "valueQuantity": _cgy(dose)})
        if fractions is not None:
            parts.append({"url": "fractionsDelivered", "valueUnsignedInt": fractions})
        volumes.append({"url": EXT_DOSE_TO_VOLUME, "extension": parts})

    volume("primary-crt-volume", SNOMED_ANAL_CANAL, crt.dose, crt.fractions)
    if crt.groins_irradiated:
        volume(
            "groin-crt-volume",
            _INGUINAL_NODES,
            crt.groin_dose,
            crt.groin_fractions,
        )
    elif crt.groins_irradiated is None:
        volume("unlocated-crt-volume", None, None, None)
    builder.add(
        {
            "resourceType": "Procedure",
            "id": "primary-crt",
            "meta": {"profile": [PROFILE_RT_COURSE]},
            "status": "completed",
            "code": _coding(SNOMED, SNOMED_RT_COURSE),
            "reasonReference": [{"reference": condition}],
            "performedPeriod": {
                "start": crt.start_date.isoformat(),
                "end": crt.end_date.isoformat(),
            },
            "extension": [*volumes, {"url": EXT_SESSIONS, "valueUnsignedInt": crt.fractions}],
        }
    )


def _drugs(item: PriorSystemicTherapy) -> list[str]:
    """The drugs of a line: a catalogue regimen's set, or the agents of ``"other"``."""
    if item.agents is not None:
        return [str(agent) for agent in item.agents]
    return sorted({regimen: names for names, regimen in REGIMENS.items()}[str(item.regimen)])


def _exportable(item: PriorSystemicTherapy) -> bool:
    agents = [str(agent) for agent in item.agents or ()]
    other_ok = item.agents is None or (
        all(agent in _INGREDIENT_CODES for agent in agents)
        and agents == [a for a in SYSTEMIC_AGENT_ORDER if a in agents]
        and frozenset(agents) not in REGIMENS
        and frozenset(agents) not in RADIOSENSITISING
    )
    return (
        str(item.setting) in ("advanced", "radiosensitising")
        and item.platinum_end_date is None
        and str(item.regimen) != "anti_pd1_monotherapy"
        and not (str(item.outcome) == "ongoing" and item.end_date is not None)
        and item.cycles is None
        and item.best_response is None
        and other_ok
    )


def _systemic(builder: _Builder, condition: str) -> None:
    """One MedicationRequest per drug and line, with administrations on its first and last day.

    mCODE's Cancer-Related Medication Request and Administration; the administrations name
    their request, so each drug of a line is one course when read back.
    """
    items = builder.case.prior_systemic_therapy
    if not all(_exportable(item) for item in items):
        return  # a partial list would read as complete: leave the whole list to base
    for n, item in enumerate(items):
        outcome = str(item.outcome)
        for drug in _drugs(item):
            code = _INGREDIENT_CODES.get(drug)
            medication = _coding(RXNORM, code, drug) if code else {"text": drug}
            bounds: dict[str, str] = {"start": item.start_date.isoformat()}
            if item.end_date is not None:
                bounds["end"] = item.end_date.isoformat()
            request: dict[str, Any] = {
                "resourceType": "MedicationRequest",
                "id": f"systemic-{n}-{drug}",
                "status": {"ongoing": "active", "completed": "completed"}.get(outcome, "stopped"),
                "intent": "order",
                "medicationCodeableConcept": medication,
                "reasonReference": [{"reference": condition}],
                "authoredOn": item.start_date.isoformat(),
                "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": bounds}}}],
            }
            if outcome in _OUTCOME_REASON:
                request["statusReason"] = _coding(SNOMED, _OUTCOME_REASON[outcome])
            if str(item.setting) == "advanced":
                request["extension"] = [
                    {
                        "url": EXT_INTENT,
                        "valueCodeableConcept": _coding(SNOMED, SNOMED_PALLIATIVE),
                    }
                ]
            request_url = builder.add(request)
            days = [item.start_date]
            if item.end_date is not None and item.end_date != item.start_date:
                days.append(item.end_date)
            for day in days:
                last = day == days[-1]
                builder.add(
                    {
                        "resourceType": "MedicationAdministration",
                        "id": f"systemic-{n}-{drug}-{day.isoformat()}",
                        "status": "in-progress" if outcome == "ongoing" and last else "completed",
                        "medicationCodeableConcept": medication,
                        "request": {"reference": request_url},
                        "reasonReference": [{"reference": condition}],
                        "effectiveDateTime": day.isoformat(),
                    }
                )


def _crt_agents(builder: _Builder, condition: str) -> None:
    """The CRT's radiosensitising agents, as completed requests over the course.

    Written only when they read back as the agents: a set the mapping recognises, every drug
    with a verified code, the systemic list written too, and no systemic line overlapping
    the CRT (it would join the agents' line).
    """
    case = builder.case
    crt = case.primary.chemoradiotherapy
    if crt is None or not crt.agents:
        return
    agents = [str(agent) for agent in crt.agents]
    items = case.prior_systemic_therapy
    if (
        frozenset(agents) not in RADIOSENSITISING
        or not all(_exportable(item) for item in items)
        or any(
            item.start_date <= crt.end_date
            and (item.end_date or case.evaluation_date) >= crt.start_date
            for item in items
        )
    ):
        return
    for drug in CRT_AGENT_ORDER:
        if drug not in agents:
            continue
        medication = _coding(RXNORM, _INGREDIENT_CODES[drug], drug)
        request = builder.add(
            {
                "resourceType": "MedicationRequest",
                "id": f"crt-{drug}",
                "status": "completed",
                "intent": "order",
                "medicationCodeableConcept": medication,
                "reasonReference": [{"reference": condition}],
                "authoredOn": crt.start_date.isoformat(),
            }
        )
        for day in sorted({crt.start_date, crt.end_date}):
            builder.add(
                {
                    "resourceType": "MedicationAdministration",
                    "id": f"crt-{drug}-{day.isoformat()}",
                    "status": "completed",
                    "medicationCodeableConcept": medication,
                    "request": {"reference": request},
                    "reasonReference": [{"reference": condition}],
                    "effectiveDateTime": day.isoformat(),
                }
            )


def _schema_2_patient(builder: _Builder) -> None:
    """Liver tests, frailty scale, MSI, TMB, schema 2 conditions and dialysis."""
    patient = builder.case.patient
    when = builder.case.evaluation_date
    for key, code in _LIVER_LOINC.items():
        value = getattr(patient.hepatic_function, key)
        if value is not None:
            builder.observation(
                key.removesuffix("_x_uln"),
                code,
                when,
                {
                    "valueQuantity": _ucum(value, _ULN),
                    "referenceRange": [{"high": _ucum(1, _ULN)}],
                },
            )
    if patient.clinical_frailty_scale is not None:
        builder.add(
            {
                "resourceType": "Observation",
                "id": "clinical-frailty-scale",
                "status": "final",
                "category": [_coding(_OBSERVATION_CATEGORY, "survey")],
                "code": _coding(SNOMED, SNOMED_CFS),
                "effectiveDateTime": when.isoformat(),
                "valueInteger": patient.clinical_frailty_scale,
            }
        )
    markers = patient.biomarkers
    if markers.mmr_msi is not None:
        builder.observation(
            "msi",
            LOINC_MSI,
            when,
            {"valueCodeableConcept": _coding(LOINC, _MSI_ANSWER[str(markers.mmr_msi)])},
        )
    if markers.tmb_mut_per_mb is not None:
        builder.observation(
            "tmb", LOINC_TMB, when, {"valueQuantity": _ucum(markers.tmb_mut_per_mb, TMB_UNIT)}
        )
    codes = [
        _CONDITION_SNOMED[str(c)] for c in patient.conditions or () if str(c) in _CONDITION_SNOMED
    ]
    if patient.dialysis:
        codes.append(SNOMED_DIALYSIS)
    for code in codes:
        builder.add(
            {
                "resourceType": "Condition",
                "id": f"condition-{code}",
                "clinicalStatus": _coding(_CONDITION_CLINICAL, "active"),
                "verificationStatus": _coding(_CONDITION_VERIFICATION, "confirmed"),
                "category": [_coding(_CONDITION_CATEGORY, "problem-list-item")],
                "code": _coding(SNOMED, code),
            }
        )


def case_to_bundle(
    case: Case, *, patient_id: str = "patient", birth_date: dt.date | None = None
) -> dict[str, Any]:
    """Write the FHIR-mappable part of *case* as an mCODE collection bundle.

    Exported: sex (and *birth_date* if given — an age alone gives no birth date), ECOG,
    Karnofsky, weight, height, serum creatinine, HIV status, CD4 count and viral load (dated
    at the evaluation date), the primary cancer condition (squamous histology), the TNM
    categories with their staging method (dated at the CRT start), the primary CRT and
    later radiotherapy courses (doses in cGy), and prior systemic therapy when every item is
    expressible (advanced or radiosensitising setting, a named regimen or ``"other"`` with
    coded agents, no cycles or best response). Schema 2: liver tests (value in ``{ULN}``
    with an upper limit of 1), Clinical Frailty Scale, MSI, TMB, pregnancy, chronic
    hepatitis B, dialysis (when true) and the CRT's radiosensitising agents (when they read
    back as such). Everything else is left to the ``base`` document of
    :func:`~ascc_salvage.fhir.case_from_bundle`.

    Raises:
        ValueError: *birth_date* does not give the case's age at its evaluation date.
    """
    builder = _Builder(case, patient_id)
    patient_doc = case.patient
    resource: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if patient_doc.sex is not None:
        resource["gender"] = str(patient_doc.sex)
    if birth_date is not None:
        when = case.evaluation_date
        age = (
            when.year
            - birth_date.year
            - ((when.month, when.day) < (birth_date.month, birth_date.day))
        )
        if patient_doc.age_years is not None and age != patient_doc.age_years:
            raise ValueError(f"birth_date gives age {age}, the case says {patient_doc.age_years}")
        resource["birthDate"] = birth_date.isoformat()
    builder.add(resource)
    code = _SITE_CODES[str(case.primary.site)]
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": "primary-cancer",
        "meta": {"profile": [PROFILE_PRIMARY]},
        "clinicalStatus": _coding(_CONDITION_CLINICAL, "active"),
        "verificationStatus": _coding(_CONDITION_VERIFICATION, "confirmed"),
        "category": [_coding(_CONDITION_CATEGORY, "problem-list-item")],
        "code": _coding(ICD10CM, code, _SITE_DISPLAY[code]),
        "extension": [
            {
                "url": EXT_HISTOLOGY,
                "valueCodeableConcept": _coding(ICDO3, "8070/3", "Squamous cell carcinoma, NOS"),
            }
        ],
    }
    if code == "C21.1":
        condition["bodySite"] = [_coding(SNOMED, SNOMED_ANAL_CANAL, "Anal canal structure")]
    condition_key = builder.add(condition)
    crt = case.primary.chemoradiotherapy
    _stage(builder, condition_key, crt.start_date if crt is not None else case.evaluation_date)
    when = case.evaluation_date
    if patient_doc.ecog is not None:
        builder.observation("ecog", LOINC_ECOG, when, {"valueInteger": patient_doc.ecog})
    if patient_doc.karnofsky is not None:
        builder.observation(
            "karnofsky", LOINC_KARNOFSKY, when, {"valueInteger": patient_doc.karnofsky}
        )
    measured = (
        ("weight", LOINC_WEIGHT, patient_doc.weight),
        ("height", LOINC_HEIGHT, patient_doc.height),
        ("cd4", LOINC_CD4, patient_doc.hiv.cd4_count),
    )
    for ident, loinc, measurement in measured:
        if measurement is not None:
            builder.observation(
                ident, loinc, when, {"valueQuantity": _ucum(measurement.value, measurement.unit)}
            )
    creatinine = patient_doc.serum_creatinine
    if creatinine is not None:
        molar = creatinine.unit != "mg/dL"
        builder.observation(
            "creatinine",
            LOINC_CREATININE_MOLAR if molar else LOINC_CREATININE_MASS,
            when,
            {"valueQuantity": _ucum(creatinine.value, "umol/L" if molar else "mg/dL")},
        )
    status = str(patient_doc.hiv.status)
    if status != "unknown":
        answer = ("LA6576-8", "Positive") if status == "positive" else ("LA6577-6", "Negative")
        builder.observation(
            "hiv-test", "75622-1", when, {"valueCodeableConcept": _coding(LOINC, *answer)}
        )
    undetectable = patient_doc.hiv.viral_load_undetectable
    if undetectable is not None:
        value = ("260415000", "Not detected") if undetectable else ("260373001", "Detected")
        builder.observation(
            "viral-load",
            LOINC_HIV_VIRAL_LOAD,
            when,
            {"valueCodeableConcept": _coding(SNOMED, *value)},
        )
    if crt is not None:
        _crt(builder, crt, condition_key)
    for n, course in enumerate(case.prior_radiotherapy):
        body: dict[str, Any] = {
            "resourceType": "BodyStructure",
            "id": f"prior-rt-{n}-volume",
            "description": f"prior radiotherapy {n} ({course.region})",
        }
        site = _REGION_SITE.get(str(course.region))
        if site is not None:
            body["location"] = _coding(SNOMED, site)
        volume = builder.add(body)
        technique: list[dict[str, Any]] = []
        if str(course.technique) == "hdr_brachytherapy":
            technique.append(
                {
                    "url": EXT_MODALITY_AND_TECHNIQUE,
                    "extension": [
                        {
                            "url": EXT_MODALITY,
                            "valueCodeableConcept": _coding(SNOMED, _HDR_MODALITY),
                        }
                    ],
                }
            )
        builder.add(
            {
                "resourceType": "Procedure",
                "id": f"prior-rt-{n}",
                "meta": {"profile": [PROFILE_RT_COURSE]},
                "status": "completed",
                "code": _coding(SNOMED, SNOMED_RT_COURSE),
                "performedPeriod": {"end": course.end_date.isoformat()},
                "extension": [
                    *technique,
                    {
                        "url": EXT_DOSE_TO_VOLUME,
                        "extension": [
                            {"url": "volume", "valueReference": {"reference": volume}},
                            {"url": "totalDoseDelivered", "valueQuantity": _cgy(course.dose)},
                            {"url": "fractionsDelivered", "valueUnsignedInt": course.fractions},
                        ],
                    },
                ],
            }
        )
    _systemic(builder, condition_key)
    _crt_agents(builder, condition_key)
    _schema_2_patient(builder)
    return {"resourceType": "Bundle", "type": "collection", "entry": builder.entries}


#: Names of the packaged example bundles (``fhir/examples/<name>_bundle.json``).
EXAMPLE_BUNDLES: Final = ("persistent_resectable",)


def example_bundle(name: str = "persistent_resectable") -> dict[str, Any]:
    """Return a packaged example mCODE bundle; *name* is one of ``EXAMPLE_BUNDLES``.

    >>> bundle = example_bundle()
    >>> bundle["resourceType"], bundle["type"]
    ('Bundle', 'collection')

    Raises:
        ValueError: *name* is not a packaged example (no paths are accepted).
    """
    if name not in EXAMPLE_BUNDLES:
        raise ValueError(f"unknown example bundle {name!r}; known: {', '.join(EXAMPLE_BUNDLES)}")
    text = (
        resources.files("ascc_salvage.fhir")
        .joinpath("examples", f"{name}_bundle.json")
        .read_text(encoding="utf-8")
    )
    document: dict[str, Any] = json.loads(text)
    return document
