"""mCODE / FHIR R4 bundle → case document, with a report of everything mapped or not.

The mapping reads an R4 ``Bundle`` through ``fhir.resources.R4B`` (structure and types are
checked there; value sets and profiles are checked here where the mapping depends on them)
and builds a case document that :func:`ascc_salvage.load_case` validates. Nothing is dropped
silently: every resource and every unused element appears in the :class:`MappingReport`.

Codes used (each verified against a public source; see ``docs`` and the module constants):

* mCODE STU4 (HL7/fhir-mCODE-ig ``input/fsh``): profiles, ECOG ``89247-1``, Karnofsky
  ``89243-0``, TNM category codes (LOINC ``21905-5``/``21906-3``/``21907-1`` clinical,
  ``21899-0``/``21900-6``/``21901-4`` pathological; SNOMED ``399504009``/``399534004``/
  ``399387003`` …), staging methods (SNOMED ``897275008`` AJCC 8th, ``1269566009`` AJCC
  version 9), radiotherapy course summary (SNOMED ``1217123003``, extensions
  ``mcode-radiotherapy-dose-delivered-to-volume``, ``mcode-radiotherapy-sessions``,
  ``mcode-procedure-intent``), treatment termination reasons, anal canal structure
  (SNOMED ``34381000``), ICD-10-CM ``C21.1`` (anal canal).
* ICD-10-CM ``C44.520`` *Squamous cell carcinoma of anal skin* (anal margin / perianal skin).
  No SNOMED body-structure code for the anal margin could be verified, so the anal margin is
  recognised from this ICD-10-CM code only.
* SNOMED AJCC category values (``1228938002`` cT3, ``1229975001`` cN1a, ``1229901006``
  cM0 …): only the codes listed in :data:`SNOMED_TNM` were verified; others are reported as
  unmapped. AJCC-system codes (``http://cancerstaging.org``, e.g. ``cT3``) are read by pattern.
* LOINC vital signs and laboratory codes: ``29463-7`` body weight, ``8302-2`` body height,
  ``2160-0`` creatinine (mass/volume), ``14682-9`` creatinine (moles/volume), ``24467-3``
  CD4 count, ``20447-9`` HIV-1 RNA (viral load), ``75622-1`` and ``56888-1`` HIV tests;
  answers ``LA6576-8``/``LA6577-6`` and SNOMED ``10828004``/``260385009`` (positive/negative),
  ``260415000``/``260373001`` (not detected/detected); SNOMED ``86406008`` (HIV infection)
  and ``165816005`` (HIV positive).
* RxNorm ingredients ``40048`` carboplatin, ``56946`` paclitaxel, ``2555`` cisplatin,
  ``4492`` fluorouracil, ``72962`` docetaxel, ``194000`` capecitabine, ``1597876``
  nivolumab, ``1547545`` pembrolizumab, and (schema 2, :mod:`ascc_salvage.fhir._schema2`)
  ``32592`` oxaliplatin, ``51499`` irinotecan, ``318341`` cetuximab, ``632`` mitomycin,
  ``486610`` nab-paclitaxel. Ipilimumab, retifanlimab and dostarlimab are recognised by
  ingredient name only (their RxNorm codes were not verified); a regimen ``"other"`` and the
  radiosensitising agents of the CRT are read from verified codes only.
* Schema 2 observations and conditions (liver tests, Clinical Frailty Scale, MSI, TMB,
  pregnancy, chronic hepatitis B, dialysis): :mod:`ascc_salvage.fhir._schema2`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final

import attrs

from ascc_salvage._modelcheck import type_name
from ascc_salvage.case import Case
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.fhir._data import MAPPING_DATA
from ascc_salvage.fhir._diagnosis import (
    ICD10_AMBIGUOUS,
    ICD10_SITES,
    MCODE,
    PROFILE_PRIMARY,
    SNOMED,
    Diagnosis,
    anal_codes,
    classify,
)
from ascc_salvage.fhir._limits import check_bundle, parse_json
from ascc_salvage.fhir._medications import Course, Dose, group_courses, group_lines
from ascc_salvage.fhir._references import RESTFUL, Graph
from ascc_salvage.fhir._schema2 import (
    CONDITION_CODES,
    LIVER_TESTS,
    LOINC_MSI,
    LOINC_TMB,
    NOT_MAPPED,
    RXNORM_MORE,
    SNOMED_CFS,
    SNOMED_DIALYSIS,
    clinical_status_current,
    frailty_value,
    msi_value,
    radiotherapy_technique,
    snomed_codes,
    times_uln,
    tmb_value,
)
from ascc_salvage.io import load_case
from ascc_salvage.units import CASE_UNITS, UnitKind
from ascc_salvage.vocabulary import SystemicAgent

__all__ = [
    "ICD10_AMBIGUOUS",
    "ICD10_SITES",
    "FhirMappingError",
    "MappedField",
    "MappingReport",
    "Unmapped",
    "case_from_bundle",
]

LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
AJCC: Final = "http://cancerstaging.org"

EXT_DOSE_TO_VOLUME: Final = MCODE + "mcode-radiotherapy-dose-delivered-to-volume"
EXT_SESSIONS: Final = MCODE + "mcode-radiotherapy-sessions"
EXT_INTENT: Final = MCODE + "mcode-procedure-intent"

PROFILE_RT_COURSE: Final = MCODE + "mcode-radiotherapy-course-summary"

#: LOINC codes of single-value observations and the case field each fills.
LOINC_ECOG: Final = "89247-1"
LOINC_KARNOFSKY: Final = "89243-0"
LOINC_WEIGHT: Final = "29463-7"
LOINC_HEIGHT: Final = "8302-2"
LOINC_CREATININE_MASS: Final = "2160-0"
LOINC_CREATININE_MOLAR: Final = "14682-9"
LOINC_CD4: Final = "24467-3"
LOINC_HIV_VIRAL_LOAD: Final = "20447-9"
LOINC_HIV_TESTS: Final = frozenset({"75622-1", "56888-1"})

SNOMED_RT_COURSE: Final = "1217123003"
SNOMED_ANAL_CANAL: Final = "34381000"
SNOMED_HIV: Final = frozenset({"86406008", "165816005"})
SNOMED_CURATIVE: Final = "373808002"
SNOMED_PALLIATIVE: Final = "363676003"

#: Answers meaning positive / negative (LOINC answer list and SNOMED qualifiers).
POSITIVE: Final = frozenset({(LOINC, "LA6576-8"), (SNOMED, "10828004")})
NEGATIVE: Final = frozenset({(LOINC, "LA6577-6"), (SNOMED, "260385009")})
NOT_DETECTED: Final = frozenset({(SNOMED, "260415000")})
#: Interpretations that make a "<X" viral load undetectable: SNOMED CT not detected, HL7 v3
#: ObservationInterpretation ND (not detected).
_NOT_DETECTED_INTERPRETATIONS: Final = NOT_DETECTED | {
    ("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "ND")
}
#: Procedure statuses of a radiotherapy course that was never given.
_NOT_GIVEN_PROCEDURES: Final = frozenset({"entered-in-error", "not-done"})
#: MedicationRequest intents of an actual order (proposal, plan and option are not orders).
_ORDER_INTENTS: Final = frozenset(
    {"order", "original-order", "reflex-order", "filler-order", "instance-order"}
)
DETECTED: Final = frozenset({(SNOMED, "260373001")})

#: Body sites of radiotherapy volumes: groin (inguinal nodes) and pelvis.
GROIN_SITES: Final = frozenset({"8928004", "279763008"})
PELVIC_SITES: Final = frozenset(
    {"12921003", SNOMED_ANAL_CANAL, "245294005", "118645006", "65349008", "245357003"}
)

#: Staging method → edition.
METHOD_EDITIONS: Final[Mapping[tuple[str, str], str]] = {
    (SNOMED, "897275008"): "AJCC8",
    (SNOMED, "1269566009"): "AJCC9",
}

#: Observation codes of TNM categories → (category letter, prefix or "" if unspecified).
TNM_CATEGORY_CODES: Final[Mapping[tuple[str, str], tuple[str, str]]] = {
    (LOINC, "21905-5"): ("T", "c"),
    (LOINC, "21906-3"): ("N", "c"),
    (LOINC, "21907-1"): ("M", "c"),
    (LOINC, "21899-0"): ("T", "p"),
    (LOINC, "21900-6"): ("N", "p"),
    (LOINC, "21901-4"): ("M", "p"),
    (LOINC, "21911-3"): ("T", ""),
    (LOINC, "21912-1"): ("N", ""),
    (LOINC, "21913-9"): ("M", ""),
    (SNOMED, "78873005"): ("T", ""),
    (SNOMED, "399504009"): ("T", "c"),
    (SNOMED, "384625004"): ("T", "p"),
    (SNOMED, "277206009"): ("N", ""),
    (SNOMED, "399534004"): ("N", "c"),
    (SNOMED, "371494008"): ("N", "p"),
    (SNOMED, "399387003"): ("M", "c"),
}
#: Stage-group observation codes (read for the staging method only).
STAGE_GROUP_CODES: Final = frozenset(
    {
        (LOINC, "21908-9"),
        (LOINC, "21902-2"),
        (LOINC, "21914-7"),
        (SNOMED, "399390009"),
        (SNOMED, "399537006"),
        (SNOMED, "399588009"),
    }
)

#: Verified SNOMED CT equivalents of AJCC category values → (prefix, category).
SNOMED_TNM: Final[Mapping[str, tuple[str, str]]] = {
    "1222604002": ("c", "TX"),
    "1228882005": ("c", "T0"),
    "1228884006": ("c", "Tis"),
    "1228889001": ("c", "T1"),
    "1228929004": ("c", "T2"),
    "1228938002": ("c", "T3"),
    "1228944003": ("c", "T4"),
    "1229859000": ("p", "T3"),
    "1229966003": ("c", "NX"),
    "1229967007": ("c", "N0"),
    "1229973008": ("c", "N1"),
    "1229975001": ("c", "N1a"),
    "1229976000": ("c", "N1b"),
    "1229977009": ("c", "N1c"),
    "1229945006": ("p", "NX"),
    "1229947003": ("p", "N0"),
    "1229951001": ("p", "N1"),
    "1229954009": ("p", "N1a"),
    "1229955005": ("p", "N1b"),
    "1229956006": ("p", "N1c"),
    "1229901006": ("c", "M0"),
    "1229903009": ("c", "M1"),
    "1229916009": ("p", "M1"),
}
_AJCC_PATTERN: Final = re.compile(
    r"^(?P<prefix>yc|yp|c|p|r|a|y)?(?P<cat>TX|T0|Tis|T[1-4]|NX|N0|N1[abc]?|M0|M1)$"
)
_PREFIXES: Final[Mapping[str, str]] = {
    "c": "c",
    "p": "p",
    "y": "y",
    "yc": "y",
    "yp": "y",
    "r": "r",
    "a": "a",
}

#: Drug ingredients recognised in medication resources (RxNorm code → name; names also
#: matched in displays and text, case-insensitively).
RXNORM_INGREDIENTS: Final[Mapping[str, str]] = {
    "40048": "carboplatin",
    "56946": "paclitaxel",
    "2555": "cisplatin",
    "4492": "fluorouracil",
    "72962": "docetaxel",
    "194000": "capecitabine",
    "1597876": "nivolumab",
    "1547545": "pembrolizumab",
    **RXNORM_MORE,
}
#: Words that make a text naming paclitaxel mean nab-paclitaxel (albumin-bound; Abraxane), a
#: different regimen: such a text is read only with nab-paclitaxel's verified code.
_NAB_PACLITAXEL_WORDS: Final = (
    "nab-",
    "nab ",
    "protein-bound",
    "protein bound",
    "albumin",
    "abraxane",
)
_DRUG_NAMES: Final = (
    "carboplatin",
    "paclitaxel",
    "cisplatin",
    "fluorouracil",
    "docetaxel",
    "capecitabine",
    "mitomycin",
    "nivolumab",
    "pembrolizumab",
    "ipilimumab",
    "retifanlimab",
    "dostarlimab",
)
_ANTI_PD1: Final = frozenset({"nivolumab", "pembrolizumab", "retifanlimab", "dostarlimab"})
#: Drug sets of the systemic options.
REGIMENS: Final[Mapping[frozenset[str], str]] = {
    frozenset({"carboplatin", "paclitaxel"}): "carboplatin_paclitaxel",
    frozenset({"carboplatin", "paclitaxel", "retifanlimab"}): "carboplatin_paclitaxel_retifanlimab",
    frozenset({"cisplatin", "fluorouracil"}): "cisplatin_fluorouracil",
    frozenset({"docetaxel", "cisplatin", "fluorouracil"}): "docetaxel_cisplatin_fluorouracil",
    frozenset({"nivolumab", "ipilimumab"}): "nivolumab_ipilimumab",
    **{frozenset({agent}): "anti_pd1_monotherapy" for agent in _ANTI_PD1},
}
#: Radiosensitising chemotherapy of the primary CRT that is not a systemic option (recorded by
#: ``primary.chemoradiotherapy`` itself, not by ``prior_systemic_therapy``).
RADIOSENSITISING: Final = frozenset(
    {
        frozenset({"mitomycin", "fluorouracil"}),
        frozenset({"mitomycin", "capecitabine"}),
        frozenset({"cisplatin", "capecitabine"}),
    }
)
#: Order of the radiosensitising agents and of the schema 2 drug vocabulary (case format).
CRT_AGENT_ORDER: Final = ("mitomycin", "fluorouracil", "capecitabine", "cisplatin", "carboplatin")
SYSTEMIC_AGENT_ORDER: Final = tuple(str(agent) for agent in SystemicAgent)
#: Treatment termination reasons → therapy outcome.
TERMINATION_OUTCOMES: Final[Mapping[str, str]] = {
    "266721009": "progression",  # No response to treatment (situation)
    "407563006": "intolerance",  # Treatment not tolerated (situation)
}

#: Spellings of a per-microlitre cell count in UCUM that the case allow-list writes otherwise.
_UNIT_ALIASES: Final[Mapping[str, str]] = {
    "{cells}/uL": "cells/uL",
    "{cells}/mm3": "cells/mm3",
    "/mm3": "cells/mm3",
}
_FINAL_STATUSES: Final = frozenset({"final", "amended", "corrected"})
#: Elements of medication resources that the mapping reads.
_MEDICATION_ELEMENTS: Final = (
    "medicationCodeableConcept",
    "medicationReference",
    "effectivePeriod",
    "effectiveDateTime",
    "statusReason",
    "extension",
    "reasonReference",
    "reasonCode",
    "dosage",
    "dosageInstruction",
    "category",
    "request",
    "identifier",
    "basedOn",
    "partOf",
    "intent",
    "authoredOn",
)


@attrs.frozen
class MappedField:
    """A case field filled from the bundle.

    Attributes:
        path: Case field path (``patient.ecog``).
        sources: ``ResourceType/id`` of the resources it came from.
        note: How it was derived, when not a plain copy.
    """

    path: str
    sources: tuple[str, ...]
    note: str = ""


@attrs.frozen
class Unmapped:
    """A resource or element of the bundle that did not become a case field, and why.

    Attributes:
        source: ``ResourceType/id``, with ``.element`` names when only some elements are unused.
        reason: Why it was not mapped.
    """

    source: str
    reason: str


@attrs.frozen
class MappingReport:
    """Everything :func:`case_from_bundle` did: nothing is dropped silently.

    Attributes:
        mapped: Case fields filled from the bundle, with their source resources.
        unmapped: Resources and elements not used, each with the reason.
        from_base: Case fields taken from ``base``.
        left_null: Nullable case fields that neither the bundle nor ``base`` supplied (set to
            null = unknown; ``patient.hiv.status`` is set to ``"unknown"``).
        notes: Conflicts and assumptions worth a reader's attention, and the schema 2 fields
            that neither the bundle nor ``base`` gives (each never read from FHIR with the
            reason).
    """

    mapped: tuple[MappedField, ...] = ()
    unmapped: tuple[Unmapped, ...] = ()
    from_base: tuple[str, ...] = ()
    left_null: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def field(self, path: str) -> MappedField | None:
        """Return the mapping record of one case field, or ``None`` if it was not mapped."""
        return next((item for item in self.mapped if item.path == path), None)

    def to_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-ready dict."""
        return {
            "mapped": [
                {"path": m.path, "sources": list(m.sources), "note": m.note} for m in self.mapped
            ],
            "unmapped": [{"source": u.source, "reason": u.reason} for u in self.unmapped],
            "from_base": list(self.from_base),
            "left_null": list(self.left_null),
            "notes": list(self.notes),
        }


class FhirMappingError(CaseValidationError):
    """A bundle (plus ``base``) that does not give a valid case; :attr:`report` says why.

    It is a :class:`~ascc_salvage.CaseValidationError`: its
    :attr:`~ascc_salvage.errors.CaseValidationError.errors` list the problems by case field
    path (``bundle…`` paths for problems in the bundle itself).
    """

    report: MappingReport

    def __init__(self, errors: Iterable[Problem], report: MappingReport) -> None:
        super().__init__(errors)
        self.report = report

    def __reduce__(self) -> Any:
        return (type(self), (self.errors, self.report))


def _require_r4b() -> Any:
    try:
        from fhir.resources.R4B.bundle import Bundle
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "ascc_salvage.fhir.case_from_bundle needs the optional dependency "
            "fhir.resources (FHIR R4B models): pip install 'ascc_salvage[fhir]'"
        ) from exc
    return Bundle


# --------------------------------------------------------------------------- small helpers


def _number(value: Any) -> int | float:
    """Turn a FHIR decimal into a JSON number (integral decimals without a fraction → int)."""
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(value)
        return float(value)
    if isinstance(value, bool):
        raise TypeError("boolean is not a number")
    if isinstance(value, int):
        return value
    return float(value)


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return None


def _key(resource: Any) -> str:
    return f"{resource.get_resource_type()}/{resource.id}"


def _codings(concept: Any) -> list[tuple[str, str]]:
    if concept is None:
        return []
    return [(c.system or "", c.code or "") for c in (concept.coding or [])]


def _concept_text(concept: Any) -> str:
    if concept is None:
        return ""
    parts = [concept.text or ""] + [c.display or "" for c in (concept.coding or [])]
    return " ".join(parts).lower()


def _code_text(condition: Any) -> str:
    pairs = _codings(condition.code)
    if pairs:
        return ", ".join(f"{system.rsplit('/', 1)[-1]} {code}" for system, code in pairs)
    return f"text {condition.code.text!r}" if condition.code is not None else "no code"


def _has_profile(resource: Any, url: str) -> bool:
    meta = resource.meta
    return meta is not None and any(str(p).split("|")[0] == url for p in (meta.profile or []))


def _extensions(element: Any, url: str) -> list[Any]:
    return [e for e in (element.extension or []) if e.url == url]


def _sub(extension: Any, name: str) -> Any:
    return next((e for e in (extension.extension or []) if e.url == name), None)


#: Observation kinds read as single values → the case field each fills.
_SINGLE_PATHS: Final[Mapping[str, str]] = {
    LOINC_ECOG: "patient.ecog",
    LOINC_KARNOFSKY: "patient.karnofsky",
    LOINC_WEIGHT: "patient.weight",
    LOINC_HEIGHT: "patient.height",
    "creatinine": "patient.serum_creatinine",
    LOINC_CD4: "patient.hiv.cd4_count",
    LOINC_HIV_VIRAL_LOAD: "patient.hiv.viral_load_undetectable",
}
#: Schema 2 single-value observations: (system, code) → case field.
_SCHEMA_2_SINGLE: Final[Mapping[tuple[str, str], str]] = {
    **{(LOINC, code): f"patient.hepatic_function.{key}" for code, key in LIVER_TESTS.items()},
    (SNOMED, SNOMED_CFS): "patient.clinical_frailty_scale",
    (LOINC, LOINC_MSI): "patient.biomarkers.mmr_msi",
    (LOINC, LOINC_TMB): "patient.biomarkers.tmb_mut_per_mb",
}


def _effective(resource: Any) -> dt.date | None:
    for name in ("effectiveDateTime", "effectiveInstant"):
        value = getattr(resource, name, None)
        if value is not None:
            return _as_date(value)
    period = getattr(resource, "effectivePeriod", None)
    if period is not None:
        return _as_date(period.end) or _as_date(period.start)
    return None


def _effective_instant(resource: Any) -> dt.datetime | None:
    """The effective time with a time zone, when the resource gives one (else ``None``)."""
    values = [getattr(resource, name, None) for name in ("effectiveDateTime", "effectiveInstant")]
    period = getattr(resource, "effectivePeriod", None)
    if period is not None:
        values += [period.end, period.start]
    value = next((v for v in values if v is not None), None)
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        return value
    return None


def _later(first: Any, second: Any, first_date: dt.date, second_date: dt.date) -> bool | None:
    """Whether *first* is more recent than *second*; ``None`` when the bundle cannot tell.

    When both carry a time with a time zone, the instants decide (a local date can be the
    day before the other's though it was drawn later: 23:30 at UTC−10 is 09:30 UTC the next
    day). Otherwise the dates decide, and the same date cannot tell.
    """
    first_time, second_time = _effective_instant(first), _effective_instant(second)
    if first_time is not None and second_time is not None:
        return None if first_time == second_time else first_time > second_time
    if first_date != second_date:
        return first_date > second_date
    return None


#: The value elements of an observation (two observations with equal values agree).
_VALUE_ELEMENTS: Final = (
    "valueQuantity",
    "valueInteger",
    "valueCodeableConcept",
    "valueString",
    "valueBoolean",
)


def _same_value(first: Any, second: Any) -> bool:
    return all(
        getattr(first, name, None) == getattr(second, name, None) for name in _VALUE_ELEMENTS
    )


def _quantity(quantity: Any, kind: UnitKind) -> tuple[dict[str, Any] | None, str]:
    """Return ``({"value", "unit"}, "")`` for an accepted UCUM quantity, else ``(None, why)``."""
    if quantity is None or quantity.value is None:
        return None, "no valueQuantity.value"
    if quantity.comparator is not None:
        return None, f"value has comparator {quantity.comparator!r}"
    if quantity.code and not quantity.system:
        # FHIR qty-3: a coded unit needs its system; the code and the display text may
        # disagree ("[lb_av]" shown as "kg"), and neither can be trusted alone.
        return None, f"unit code {quantity.code!r} without a system (FHIR qty-3)"
    if quantity.system and quantity.system != UCUM:
        # A unit coded in another system: its code cannot be read, and the display text
        # may disagree with it (a local "[lb_av]" shown as "kg"), so neither is used.
        return None, f"unit system {quantity.system!r} is not UCUM"
    text = quantity.code if quantity.system == UCUM and quantity.code else quantity.unit
    text = _UNIT_ALIASES.get(text or "", text or "")
    entry = CASE_UNITS.get(text)
    if entry is None or entry.kind is not kind:
        return None, f"unit {text!r} is not an accepted {kind.value.replace('_', ' ')} unit"
    return {"value": _number(quantity.value), "unit": text}, ""


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    node = document
    for part in parts[:-1]:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = child
    node[parts[-1]] = value


_MISSING: Final = object()


def _get(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return _MISSING
        node = node[part]
    return node


# --------------------------------------------------------------------------- the mapper


PRIMARY: Final = "primary"
#: Reference elements followed from a resource to what it is about (its owner).
_OWNER_LINKS: Final = ("focus", "reasonReference", "partOf", "basedOn", "request")
#: Clinical statuses of a primary cancer condition that the report draws attention to.
_QUIET_CLINICAL: Final = frozenset({"active", "recurrence", "relapse"})


def _references(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@attrs.define
class _Mapper:
    evaluation_date: dt.date
    graph: Graph
    values: dict[str, tuple[Any, tuple[str, ...], str]] = attrs.Factory(dict)
    unmapped: list[Unmapped] = attrs.Factory(list)
    notes: list[str] = attrs.Factory(list)
    problems: list[Problem] = attrs.Factory(list)
    untrusted_lists: dict[str, str] = attrs.Factory(dict)
    primary_key: str | None = None
    crt_period: tuple[dt.date, dt.date] | None = None
    hiv_evidence: list[tuple[str, dt.date | None, str]] = attrs.Factory(list)
    consumed: set[str] = attrs.Factory(set)
    owner: dict[int, str] = attrs.Factory(dict)
    stale: dict[str, str] = attrs.Factory(dict)
    position: dict[int, int] = attrs.Factory(dict)
    #: Schema 2 conditions found (case value → Condition keys), in bundle order.
    found_conditions: dict[str, list[str]] = attrs.Factory(dict)

    # -- bookkeeping

    def put(self, path: str, value: Any, sources: Iterable[str], note: str = "") -> None:
        self.values[path] = (value, tuple(sources), note)

    def skip(self, source: str, reason: str) -> None:
        self.unmapped.append(Unmapped(source, reason))

    def unused(self, resource: Any, used: Iterable[str]) -> None:
        """Report the elements of *resource* that the mapping did not read."""
        ignored = {"resourceType", "id", "meta", "text", "subject", "patient", "status"}
        rest = sorted(set(resource.model_fields_set) - ignored - set(used))
        if rest:
            self.skip(
                f"{_key(resource)}.{','.join(rest)}",
                "elements not part of the case format",
            )

    def resolve(self, reference: Any, source: Any) -> Any:
        return self.graph.resolve(reference, source)

    def owner_of(self, resource: Any) -> str | None:
        """``primary``, another cancer's key, or ``None`` (not tied to a cancer)."""
        return self.owner.get(id(resource))

    def not_tied(self, resource: Any) -> str:
        """Why a staging or treatment resource is not used for the anal primary."""
        owner = self.owner_of(resource)
        if owner is None:
            return (
                "not tied to the anal primary: no focus, hasMember, Condition.stage.assessment, "
                "reasonReference, partOf or basedOn chain reaches it"
            )
        return f"belongs to {owner}, another cancer, not the anal primary"

    # -- dispatch

    def run(self, resources: list[Any]) -> None:
        self.position = {id(r): n for n, r in enumerate(resources)}
        by_type: dict[str, list[Any]] = {}
        for resource in resources:
            by_type.setdefault(resource.get_resource_type(), []).append(resource)
        patients = by_type.pop("Patient", [])
        if len(patients) > 1:
            self.problems.append(
                Problem("bundle", f"holds {len(patients)} Patient resources; expected one")
            )
        for patient in patients[:1]:
            self.patient(patient)
        if len(patients) == 1:
            self.same_subject(patients[0], resources)
        elif not patients:
            self.one_subject(resources)
        self.conditions(by_type.pop("Condition", []))
        self.tie(resources)
        observations = by_type.pop("Observation", [])
        self.observations(observations)
        procedures = by_type.pop("Procedure", [])
        self.procedures(procedures)
        self.medications(
            by_type.pop("MedicationRequest", []),
            by_type.pop("MedicationAdministration", []),
            by_type.pop("MedicationStatement", []),
        )
        referenced = self.referenced_keys()
        for kind in sorted(by_type):
            for resource in by_type[kind]:
                if _key(resource) in referenced:
                    continue
                self.skip(_key(resource), f"{kind} resources are not mapped to the case")

    def same_subject(self, patient: Any, resources: list[Any]) -> None:
        """Every resource's ``subject`` must be the bundle's Patient (one problem per other).

        A subject that resolves to another resource, or names ``Patient/<id>`` with another
        id, is another patient's record; so is a contained resource (``#id``), and a subject
        given only by an identifier the Patient does not carry, or by a display text (it
        cannot be checked). One that does not resolve inside the bundle (a ``urn:uuid:`` of an
        entry without ``fullUrl``, as in a CDS Hooks prefetch) is taken to be the bundle's
        only Patient, and the report notes it.
        """
        identifiers = {(item.system, item.value) for item in patient.identifier or [] if item.value}
        for resource in resources:
            reference = getattr(resource, "subject", None)
            if resource is patient or reference is None:
                continue
            if reference.reference is None:
                identifier = reference.identifier
                if identifier is None or (identifier.system, identifier.value) not in identifiers:
                    self.problems.append(
                        Problem(
                            "bundle",
                            f"{_key(resource)}: subject without a reference, by "
                            f"{'an identifier' if identifier else 'display text'} that "
                            f"{_key(patient)} does not carry; a bundle must hold one "
                            "patient's record",
                        )
                    )
                continue
            target = self.resolve(reference, resource)
            if target is patient:
                continue
            named = RESTFUL.match(reference.reference)
            if (
                target is None
                and not reference.reference.startswith("#")
                and (named is None or (named["type"] == "Patient" and named["id"] == patient.id))
            ):
                if named is None:
                    self.notes.append(
                        f"{_key(resource)}: subject {reference.reference!r} does not resolve "
                        f"inside the bundle; taken to be its only patient {_key(patient)}"
                    )
                continue
            self.problems.append(
                Problem(
                    "bundle",
                    f"{_key(resource)}: subject {reference.reference!r} is not the bundle's "
                    f"patient {_key(patient)}; a bundle must hold one patient's record",
                )
            )

    def one_subject(self, resources: list[Any]) -> None:
        """Without a Patient resource, every ``subject`` must name the same patient."""
        subjects: dict[str, list[str]] = {}
        for resource in resources:
            reference = getattr(resource, "subject", None)
            if reference is None:
                continue
            text = reference.reference
            named = RESTFUL.match(text) if text is not None else None
            if named is not None:
                text = f"{named['type']}/{named['id']}"
            elif text is None:
                identifier = reference.identifier
                text = (
                    f"identifier {identifier.system}|{identifier.value}"
                    if identifier is not None
                    else f"display {reference.display!r}"
                )
            subjects.setdefault(text, []).append(_key(resource))
        if len(subjects) > 1:
            named_subjects = ", ".join(
                f"{subject} ({', '.join(keys)})" for subject, keys in sorted(subjects.items())
            )
            self.problems.append(
                Problem(
                    "bundle",
                    f"has no Patient and its resources name {len(subjects)} subjects: "
                    f"{named_subjects}; a bundle must hold one patient's record",
                )
            )

    def referenced_keys(self) -> set[str]:
        keys: set[str] = set()
        for value in self.values.values():
            keys.update(value[1])
        return keys | self.consumed

    def tie(self, resources: list[Any]) -> None:
        """Find, for every resource, the cancer condition its references reach.

        A resource belongs to a condition when one of ``focus``, ``reasonReference``,
        ``partOf``, ``basedOn`` or ``request`` resolves to the condition or to a resource that
        belongs to it; the members (``hasMember``) of a resource and the assessments
        (``Condition.stage.assessment``) of a condition belong to it too. Breadth first over
        the reversed links, so each resource is visited once.
        """
        followers: dict[int, list[Any]] = {}
        for resource in resources:
            for name in _OWNER_LINKS:
                for reference in _references(getattr(resource, name, None)):
                    target = self.resolve(reference, resource)
                    if target is not None:
                        followers.setdefault(id(target), []).append(resource)
            for reference in _references(getattr(resource, "hasMember", None)):
                member = self.resolve(reference, resource)
                if member is not None:
                    followers.setdefault(id(resource), []).append(member)
            if resource.get_resource_type() == "Condition":
                for stage in resource.stage or []:
                    for reference in stage.assessment or []:
                        target = self.resolve(reference, resource)
                        if target is not None:
                            followers.setdefault(id(resource), []).append(target)
        queue = [r for r in resources if id(r) in self.owner]
        while queue:
            resource = queue.pop(0)
            for follower in followers.get(id(resource), []):
                if id(follower) not in self.owner:
                    self.owner[id(follower)] = self.owner[id(resource)]
                    queue.append(follower)

    # -- Patient

    def patient(self, patient: Any) -> None:
        key = _key(patient)
        if patient.gender in ("female", "male"):
            self.put("patient.sex", patient.gender, [key])
        elif patient.gender is not None:
            self.skip(
                f"{key}.gender",
                f"gender {patient.gender!r} has no value in the case format (female/male)",
            )
        birth = patient.birthDate
        if isinstance(birth, dt.date):
            years = self.evaluation_date.year - birth.year
            if (self.evaluation_date.month, self.evaluation_date.day) < (birth.month, birth.day):
                years -= 1
            self.put(
                "patient.age_years",
                years,
                [key],
                f"age in full years at {self.evaluation_date.isoformat()} from birthDate",
            )
        elif birth is not None:
            self.skip(f"{key}.birthDate", f"partial birth date {birth!r} gives no exact age")
        self.unused(patient, ["gender", "birthDate"])

    # -- Conditions

    def conditions(self, conditions: list[Any]) -> None:
        anal: list[tuple[Any, Diagnosis]] = []
        others: list[tuple[Any, Diagnosis]] = []
        for condition in conditions:
            key = _key(condition)
            diagnosis = classify(condition)
            if diagnosis.excluded:
                self.skip(
                    key,
                    f"verification status {diagnosis.excluded}: the diagnosis is not "
                    "established, so the condition is not used",
                )
                continue
            codings = _codings(condition.code)
            if any(system == SNOMED and code in SNOMED_HIV for system, code in codings):
                self.hiv_evidence.append(("positive", None, key))
                self.unused(condition, ["code", "verificationStatus", "clinicalStatus"])
            elif snomed_codes(condition.code) & {*CONDITION_CODES, SNOMED_DIALYSIS}:
                self.comorbid(condition, key)
            elif diagnosis.kind == "anal":
                anal.append((condition, diagnosis))
            elif diagnosis.kind == "cancer":
                others.append((condition, diagnosis))
                self.owner[id(condition)] = key
            else:
                self.skip(
                    key,
                    "not an anal primary cancer condition (comorbid conditions are not mapped; "
                    "give patient.conditions in base)",
                )
        for condition, _ in others:
            reason = (
                f"{_key(condition)} is a cancer that is not anal ({_code_text(condition)}); "
                "it and the staging and treatments tied to it are not used for the primary"
            )
            if anal:
                self.skip(_key(condition), reason)
        if not anal:
            if others:
                self.problems.append(
                    Problem(
                        "primary",
                        "no anal squamous cell carcinoma in the bundle: "
                        + "; ".join(
                            f"{_key(c)} ({_code_text(c)}) is not an anal cancer" for c, _ in others
                        ),
                    )
                )
            return
        self.primary(anal)

    def comorbid(self, condition: Any, key: str) -> None:
        """A schema 2 condition (pregnancy, chronic hepatitis B) or dependence on dialysis."""
        codes = snomed_codes(condition.code)
        if not clinical_status_current(condition):
            self.skip(
                key,
                "clinical status is not active, recurrence or relapse: not a current condition",
            )
            return
        for code in sorted(codes & set(CONDITION_CODES)):
            self.found_conditions.setdefault(CONDITION_CODES[code], []).append(key)
        if SNOMED_DIALYSIS in codes:
            previous = self.values.get("patient.dialysis")
            sources = (*previous[1], key) if previous else (key,)
            self.put(
                "patient.dialysis",
                True,
                sources,
                "Condition SNOMED CT 105502003 (dependence on renal dialysis)",
            )
        self.consumed.add(key)
        self.unused(
            condition,
            [
                "code",
                "verificationStatus",
                "clinicalStatus",
                "category",
                "identifier",
                "onsetDateTime",
                "onsetPeriod",
                "recordedDate",
            ],
        )

    def primary(self, anal: list[tuple[Any, Diagnosis]]) -> None:
        """Choose the anal primary among conditions recording it (duplicates allowed)."""
        sites = {d.site for _, d in anal if d.site is not None}
        if len(sites) > 1:
            keys = ", ".join(_key(c) for c, _ in anal)
            self.problems.append(
                Problem("primary", f"two primary cancer conditions: {keys} ({sorted(sites)})")
            )
            return
        for condition, _ in anal:
            self.owner[id(condition)] = PRIMARY

        def rank(item: tuple[Any, Diagnosis]) -> tuple[int, ...]:
            condition, diagnosis = item
            return (
                -_has_profile(condition, PROFILE_PRIMARY),
                -(diagnosis.morphology != "none"),
                -(diagnosis.code_site is not None),
                -(diagnosis.body_site is not None),
            )

        chosen, diagnosis = min(anal, key=rank)
        key = _key(chosen)
        self.primary_key = key
        for condition, _ in anal:
            if condition is not chosen:
                self.skip(
                    _key(condition),
                    f"records the same anal primary as {key}, which is used (duplicate)",
                )
                self.notes.append(
                    f"{_key(condition)} and {key} record the same diagnosis; {key} is used"
                )
        refused = [(c, d) for c, d in anal if d.morphology == "other"]
        if refused:
            condition, other = refused[0]
            self.problems.append(
                Problem(
                    "primary",
                    f"{_key(condition)}: histology {', '.join(other.morphology_codes)} is not "
                    "squamous cell carcinoma; the library covers anal squamous cell carcinoma "
                    "only",
                )
            )
            return
        self.primary_condition(chosen, key, diagnosis, [d for _, d in anal])

    def primary_condition(
        self, condition: Any, key: str, diagnosis: Diagnosis, all_records: list[Diagnosis]
    ) -> None:
        from_code = diagnosis.code_site or next(
            (d.code_site for d in all_records if d.code_site), None
        )
        from_site = diagnosis.body_site or next(
            (d.body_site for d in all_records if d.body_site), None
        )
        if from_code and from_site and from_code != from_site:
            self.problems.append(
                Problem(
                    "primary.site",
                    f"{key}: condition code says {from_code}, bodySite says {from_site}",
                )
            )
        elif from_code or from_site:
            note = "from the condition code" if from_code else "from bodySite (SNOMED 34381000)"
            self.put("primary.site", from_code or from_site, [key], note)
        else:
            self.skip(
                f"{key}.code",
                f"{_code_text(condition)} does not say anal canal or anal margin",
            )
        if all(d.morphology == "none" for d in all_records):
            self.notes.append(
                f"{key}: no morphology coded; squamous cell carcinoma assumed (the library "
                "covers anal squamous cell carcinoma only)"
            )
        else:
            self.consumed.add(key)
        status = [code for _, code in _codings(condition.clinicalStatus)]
        if status and not set(status) & _QUIET_CLINICAL:
            self.notes.append(f"{key}: clinical status {', '.join(status)}")
        self.unused(
            condition,
            [
                "code",
                "bodySite",
                "extension",
                "verificationStatus",
                "clinicalStatus",
                "category",
                "stage",
                "identifier",
                "onsetDateTime",
                "recordedDate",
            ],
        )

    # -- Observations

    def observations(self, observations: list[Any]) -> None:
        latest: dict[str, tuple[dt.date, Any]] = {}
        staging: list[tuple[dt.date, str, str, str, Any]] = []
        methods: dict[str, str] = {}
        for obs in observations:
            key = _key(obs)
            if obs.status not in _FINAL_STATUSES:
                self.skip(key, f"status {obs.status!r} is not final, amended or corrected")
                continue
            when = _effective(obs)
            if when is None:
                self.skip(key, "no effective date: cannot tell whether it is current")
                continue
            if when > self.evaluation_date:
                self.skip(key, f"effective {when.isoformat()}, after the evaluation date")
                continue
            codings = _codings(obs.code)
            loinc = {code for system, code in codings if system == LOINC}
            single: str | None = next(
                (
                    code
                    for code in (
                        LOINC_ECOG,
                        LOINC_KARNOFSKY,
                        LOINC_WEIGHT,
                        LOINC_HEIGHT,
                        LOINC_CD4,
                        LOINC_HIV_VIRAL_LOAD,
                    )
                    if code in loinc
                ),
                None,
            )
            if loinc & {LOINC_CREATININE_MASS, LOINC_CREATININE_MOLAR}:
                single = "creatinine"
            if single is None:
                single = next((_SCHEMA_2_SINGLE[c] for c in codings if c in _SCHEMA_2_SINGLE), None)
            if single is not None:
                previous = latest.get(single)
                later = None if previous is None else _later(obs, previous[1], when, previous[0])
                if previous is not None and later is None:
                    # The same date (and no times that tell them apart): equal values are a
                    # duplicate; different ones a conflict only the sender can resolve.
                    if _same_value(obs, previous[1]):
                        self.skip(key, f"duplicate of {_key(previous[1])} ({single})")
                        continue
                    self.problems.append(
                        Problem(
                            _SINGLE_PATHS.get(single, single),
                            f"{_key(previous[1])} and {key} are final observations of the same "
                            f"code ({single}) of {when.isoformat()} with different values, and "
                            "no effective times with a time zone tell which is the more recent; "
                            "correct or remove one",
                        )
                    )
                    continue
                if previous is not None and not later:
                    self.skip(key, f"an observation of the same code is more recent ({single})")
                    continue
                if previous is not None:
                    self.skip(
                        _key(previous[1]),
                        f"superseded by the more recent {key} ({single})",
                    )
                latest[single] = (when, obs)
                continue
            if loinc & LOINC_HIV_TESTS:
                self.hiv_test(obs, key, when)
                continue
            category = next(
                (TNM_CATEGORY_CODES[c] for c in codings if c in TNM_CATEGORY_CODES), None
            )
            is_group = any(c in STAGE_GROUP_CODES for c in codings)
            if (category is not None or is_group) and self.owner_of(obs) != PRIMARY:
                self.skip(key, "staging " + self.not_tied(obs))
                continue
            if category is not None:
                staging.append((when, category[0], category[1], key, obs))
                continue
            if is_group:
                edition = self.edition(obs)
                for member in obs.hasMember or []:
                    target = self.resolve(member, obs)
                    if edition is not None and target is not None:
                        methods[_key(target)] = edition
                self.skip(
                    key,
                    "stage group is derived from T, N and M by ascc_salvage.staging "
                    "(read for its staging method only)",
                )
                continue
            self.skip(key, "observation code not used by the case format")
        for name, (when, obs) in latest.items():
            path = _SINGLE_PATHS.get(name, name)
            window = MAPPING_DATA.windows.get(path)
            age = (self.evaluation_date - when).days
            if window is not None and age > window.days:
                self.skip(
                    _key(obs),
                    f"stale: observed {when.isoformat()}, {age} days before the evaluation date; "
                    f"{path} is read only within {window.days} days ({window.reason})",
                )
                self.stale[path] = f"{_key(obs)} of {when.isoformat()}"
                continue
            self.single(name, obs, when)
        self.stage(staging, methods)

    def edition(self, obs: Any) -> str | None:
        return next(
            (METHOD_EDITIONS[c] for c in _codings(obs.method) if c in METHOD_EDITIONS), None
        )

    def single(self, name: str, obs: Any, when: dt.date) -> None:
        key = _key(obs)
        used = ["code", "effectiveDateTime", "effectivePeriod", "valueInteger", "valueQuantity"]
        if name in (LOINC_ECOG, LOINC_KARNOFSKY):
            path = _SINGLE_PATHS[name]
            answers = (
                MAPPING_DATA.ecog_answers if name == LOINC_ECOG else MAPPING_DATA.karnofsky_answers
            )
            coded = {
                answers[code]
                for concept in [obs.valueCodeableConcept, *(obs.interpretation or [])]
                for system, code in _codings(concept)
                if system == LOINC and code in answers
            }
            values = coded | ({obs.valueInteger} if obs.valueInteger is not None else set())
            if len(values) != 1:
                self.skip(
                    key,
                    "performance status without valueInteger or a LOINC answer code"
                    if not values
                    else f"performance status values disagree: {sorted(values)}",
                )
                return
            note = f"observed {when.isoformat()}"
            if obs.valueInteger is None:
                note += "; from the LOINC answer code"
            self.put(path, values.pop(), [key], note)
            used += ["valueCodeableConcept"]
        elif name == LOINC_HIV_VIRAL_LOAD:
            self.viral_load(obs, key, when)
            used += ["valueCodeableConcept"]
        elif name not in _SINGLE_PATHS:
            if not self.schema_2_single(name, obs, when):
                return
            used += ["valueCodeableConcept", "referenceRange"]
        else:
            path, kind = {
                LOINC_WEIGHT: ("patient.weight", UnitKind.MASS),
                LOINC_HEIGHT: ("patient.height", UnitKind.LENGTH),
                "creatinine": ("patient.serum_creatinine", UnitKind.CREATININE),
                LOINC_CD4: ("patient.hiv.cd4_count", UnitKind.CELL_COUNT),
            }[name]
            value, why = _quantity(obs.valueQuantity, kind)
            if value is None:
                self.skip(key, why)
                return
            self.put(path, value, [key], f"observed {when.isoformat()}")
        self.unused(obs, [*used, "category", "method", "interpretation", "issued", "performer"])

    def schema_2_single(self, path: str, obs: Any, when: dt.date) -> bool:
        """Map a liver test, frailty scale, MSI or TMB observation to *path*."""
        key = _key(obs)
        value: Any
        note = f"observed {when.isoformat()}"
        if path.startswith("patient.hepatic_function."):
            value, why = times_uln(obs)
            note += "; value / referenceRange.high (× ULN)"
        elif path == "patient.clinical_frailty_scale":
            value, why = frailty_value(obs)
        elif path == "patient.biomarkers.mmr_msi":
            value, why = msi_value(obs)
        else:
            value, why = tmb_value(obs)
        if value is None:
            self.skip(key, f"{path} not mapped: {why}")
            return False
        self.put(path, value, [key], note)
        return True

    def viral_load(self, obs: Any, key: str, when: dt.date) -> None:
        quantity = obs.valueQuantity
        codings = set(_codings(obs.valueCodeableConcept))
        if quantity is not None and quantity.value is not None:
            if quantity.comparator == "<":
                # "<X" is below the assay's reporting limit X, which is not always below
                # detection (a "<1000" result may be detectable): only a not-detected
                # interpretation makes it undetectable.
                if not any(
                    set(_codings(c)) & _NOT_DETECTED_INTERPRETATIONS
                    for c in obs.interpretation or []
                ):
                    self.skip(
                        key,
                        f"viral load below a reporting limit ({quantity.comparator}"
                        f"{_number(quantity.value)}) without a not-detected interpretation: "
                        "whether it is undetectable depends on the assay (record "
                        "patient.hiv.viral_load_undetectable in base)",
                    )
                    return
                undetectable, why = True, "below the assay's limit, interpreted not detected"
            elif quantity.comparator is None:
                undetectable = _number(quantity.value) == 0
                why = "quantified value" if not undetectable else "value 0"
            else:
                self.skip(key, f"viral load with comparator {quantity.comparator!r}")
                return
        elif codings & NOT_DETECTED:
            undetectable, why = True, "not detected"
        elif codings & DETECTED:
            undetectable, why = False, "detected"
        else:
            self.skip(key, "viral load without a quantity or a detected/not-detected code")
            return
        self.put(
            "patient.hiv.viral_load_undetectable",
            undetectable,
            [key],
            f"{why}, observed {when.isoformat()}",
        )

    def hiv_test(self, obs: Any, key: str, when: dt.date) -> None:
        codings = set(_codings(obs.valueCodeableConcept))
        if codings & POSITIVE:
            self.hiv_evidence.append(("positive", when, key))
        elif codings & NEGATIVE:
            self.hiv_evidence.append(("negative", when, key))
        else:
            self.skip(key, "HIV test without a positive/negative answer code")

    def resolve_hiv(self) -> None:
        if not self.hiv_evidence:
            return
        positives = [key for status, _, key in self.hiv_evidence if status == "positive"]
        if positives:
            negatives = [key for status, _, key in self.hiv_evidence if status == "negative"]
            if negatives:
                self.notes.append(
                    f"HIV: positive evidence ({', '.join(positives)}) outweighs negative "
                    f"tests ({', '.join(negatives)})"
                )
                self.consumed.update(negatives)
            self.put("patient.hiv.status", "positive", positives)
            return
        dated = sorted(
            ((when or dt.date.min, key) for _, when, key in self.hiv_evidence), reverse=True
        )
        self.consumed.update(key for _, key in dated)
        self.put(
            "patient.hiv.status",
            "negative",
            [dated[0][1]],
            f"negative HIV test {dated[0][0].isoformat()}",
        )

    def stage(
        self,
        staging: list[tuple[dt.date, str, str, str, Any]],
        methods: Mapping[str, str],
    ) -> None:
        if not staging:
            return
        first = min(when for when, *_ in staging)
        chosen: dict[str, tuple[str, str, Any]] = {}
        conflicted: set[str] = set()
        paths = {"T": "primary.stage.t", "N": "primary.stage.n", "M": "primary.stage.m"}
        for when, letter, code_prefix, key, obs in sorted(staging, key=lambda s: (s[0], s[3])):
            if when != first:
                self.skip(key, "later staging; the case records the stage at diagnosis")
                continue
            value = self.category_value(obs, letter)
            if value is None:
                continue
            prefix, category = value
            if code_prefix and prefix and code_prefix != prefix and prefix != "y":
                self.problems.append(
                    Problem(
                        "primary.stage.prefix",
                        f"{key}: code says {code_prefix}, value says {prefix}",
                    )
                )
                continue
            previous = chosen.get(letter)
            if previous is not None:
                # Two staging observations of one category at diagnosis: the same value is
                # a duplicate; different ones a conflict (never decided by resource id).
                if previous[:2] == (prefix or code_prefix, category):
                    self.skip(key, f"duplicate of {_key(previous[2])} (stage {letter})")
                else:
                    self.problems.append(
                        Problem(
                            paths[letter],
                            f"{_key(previous[2])} ({previous[0]}{previous[1]}) and {key} "
                            f"({prefix or code_prefix}{category}) stage the primary on "
                            f"{when.isoformat()} differently; correct or remove one",
                        )
                    )
                    conflicted.add(letter)
                continue
            chosen[letter] = (prefix or code_prefix, category, obs)
        for letter in conflicted:
            del chosen[letter]
        prefixes: set[str] = set()
        editions: dict[str, str] = {}
        for letter, (prefix, category, obs) in chosen.items():
            key = _key(obs)
            self.put(paths[letter], category, [key])
            if prefix:
                prefixes.add(prefix)
            edition = self.edition(obs) or methods.get(key)
            if edition is not None:
                editions[key] = edition
            self.unused(
                obs, ["code", "effectiveDateTime", "valueCodeableConcept", "method", "focus"]
            )
        keys = [_key(obs) for *_, obs in chosen.values()]
        if len(prefixes) == 1:
            self.put("primary.stage.prefix", prefixes.pop(), keys)
        elif prefixes:
            self.problems.append(
                Problem("primary.stage.prefix", f"T, N and M disagree: {sorted(prefixes)}")
            )
        if len(set(editions.values())) == 1:
            self.put(
                "primary.stage.edition",
                next(iter(editions.values())),
                sorted(editions),
                "from the staging method",
            )
        elif editions:
            self.problems.append(
                Problem("primary.stage.edition", f"staging methods disagree: {editions}")
            )

    def category_value(self, obs: Any, letter: str) -> tuple[str, str] | None:
        key = _key(obs)
        for system, code in _codings(obs.valueCodeableConcept):
            if system == SNOMED and code in SNOMED_TNM:
                prefix, category = SNOMED_TNM[code]
            elif system == AJCC and (match := _AJCC_PATTERN.match(code)) is not None:
                prefix = _PREFIXES.get(match["prefix"] or "", "")
                category = match["cat"]
            else:
                continue
            if category[0] != letter:
                self.problems.append(
                    Problem("primary.stage", f"{key}: a {letter} observation has value {category}")
                )
                return None
            return prefix, category
        self.skip(
            f"{key}.valueCodeableConcept",
            "category value not among the verified SNOMED codes or AJCC codes of anal cancer",
        )
        return None

    # -- Procedures

    def procedures(self, procedures: list[Any]) -> None:
        courses: list[tuple[dt.date, Any]] = []
        for procedure in procedures:
            key = _key(procedure)
            is_course = _has_profile(procedure, PROFILE_RT_COURSE) or (
                SNOMED,
                SNOMED_RT_COURSE,
            ) in _codings(procedure.code)
            if not is_course:
                self.skip(
                    key,
                    "procedure is not a radiotherapy course summary (salvage surgery history "
                    "comes from base prior_salvage_surgery)",
                )
                continue
            if procedure.status in _NOT_GIVEN_PROCEDURES:
                self.skip(key, f"radiotherapy course with status {procedure.status!r}: not given")
                continue
            period = procedure.performedPeriod
            start = None if period is None else _as_date(period.start) or _as_date(period.end)
            if start is None:
                self.skip(key, "radiotherapy course without performedPeriod")
                self.untrusted_lists["prior_radiotherapy"] = key
                continue
            courses.append((start, procedure))
        if not courses:
            return
        courses.sort(key=lambda c: (c[0], _key(c[1])))
        for_primary = [c for _, c in courses if self.treats_primary(c)]
        if for_primary:
            primary = for_primary[0]
            note = "earliest course treating the primary cancer condition"
        else:
            for _, course in courses:
                self.skip(
                    _key(course),
                    "no course names the anal primary as its reason (reasonReference or "
                    "reasonCode): cannot tell which course is the primary CRT",
                )
            self.untrusted_lists["prior_radiotherapy"] = _key(courses[0][1])
            return
        crt = self.course(primary)
        if crt is not None:
            self.put(
                "primary.chemoradiotherapy",
                crt,
                [_key(primary), *self._volume_keys(primary)],
                note + "; dose and fractions of its highest-dose volume outside the groins",
            )
            self.crt_period = (
                dt.date.fromisoformat(crt["start_date"]),
                dt.date.fromisoformat(crt["end_date"]),
            )
        prior: list[dict[str, Any]] = []
        sources: list[str] = [_key(primary)]
        for procedure in procedures:  # bundle order
            if procedure is primary or all(procedure is not c for _, c in courses):
                continue
            item = self.prior_course(procedure)
            if item is None:
                self.untrusted_lists["prior_radiotherapy"] = _key(procedure)
            else:
                prior.append(item)
                sources.append(_key(procedure))
        if "prior_radiotherapy" not in self.untrusted_lists:
            self.put(
                "prior_radiotherapy",
                prior,
                sources,
                "radiotherapy courses other than the primary CRT (the bundle is taken as complete)",
            )

    def treats_primary(self, resource: Any) -> bool:
        """Whether a treatment's references reach the anal primary, or its reasonCode is anal."""
        if self.owner_of(resource) == PRIMARY:
            return True
        return self.primary_key is not None and any(
            anal_codes(_codings(concept))[0] for concept in resource.reasonCode or []
        )

    def _volume_keys(self, procedure: Any) -> list[str]:
        keys = []
        for ext in _extensions(procedure, EXT_DOSE_TO_VOLUME):
            volume = _sub(ext, "volume")
            target = self.resolve(volume.valueReference, procedure) if volume is not None else None
            if target is not None:
                keys.append(_key(target))
        return keys

    def _doses(
        self, procedure: Any
    ) -> tuple[list[tuple[dict[str, Any], int | None, set[str]]], str]:
        """Return (dose, fractions, location codes) per volume, or a reason to give up."""
        key = _key(procedure)
        doses: list[tuple[dict[str, Any], int | None, set[str]]] = []
        for ext in _extensions(procedure, EXT_DOSE_TO_VOLUME):
            volume = _sub(ext, "volume")
            target = self.resolve(volume.valueReference, procedure) if volume is not None else None
            sites: set[str] = set()
            if target is not None:
                sites = {code for system, code in _codings(target.location) if system == SNOMED}
                self.consumed.add(_key(target))
            total = _sub(ext, "totalDoseDelivered")
            fractions = _sub(ext, "fractionsDelivered")
            if total is None:
                doses.append(({}, None, sites))
                continue
            value, why = _quantity(total.valueQuantity, UnitKind.RADIATION_DOSE)
            if value is None:
                return [], f"{key}: totalDoseDelivered {why}"
            doses.append((value, fractions.valueUnsignedInt if fractions else None, sites))
        return doses, ""

    def course(self, procedure: Any) -> dict[str, Any] | None:
        key = _key(procedure)
        period = procedure.performedPeriod
        end = _as_date(period.end)
        if (
            procedure.status not in ("completed", "stopped")
            or end is None
            or _as_date(period.start) is None
        ):
            self.skip(key, "radiotherapy course not completed or stopped with an end date")
            return None
        doses, why = self._doses(procedure)
        dosed = [d for d in doses if d[0]]
        if why or not dosed:
            self.skip(key, why or "no doseDeliveredToVolume with totalDoseDelivered")
            return None

        def gray(item: tuple[dict[str, Any], int | None, set[str]]) -> float:
            value = item[0]
            return float(value["value"]) * CASE_UNITS[value["unit"]].to_canonical

        not_groin = [d for d in dosed if not d[2] & GROIN_SITES]
        main = max(not_groin or dosed, key=gray)
        sessions = _extensions(procedure, EXT_SESSIONS)
        fractions = main[1]
        if fractions is None and sessions:
            fractions = sessions[0].valueUnsignedInt
        if fractions is None:
            self.skip(key, "no fractionsDelivered or actualNumberOfSessions")
            return None
        crt: dict[str, Any] = {
            "start_date": _as_date(period.start).isoformat(),  # type: ignore[union-attr]
            "end_date": end.isoformat(),
            "dose": main[0],
            "fractions": fractions,
        }
        body_sites = {
            code
            for site in procedure.bodySite or []
            for system, code in _codings(site)
            if system == SNOMED
        }
        groin = [d for d in doses if d[2] & GROIN_SITES]
        if groin or body_sites & GROIN_SITES:
            crt["groins_irradiated"] = True
        elif all(d[2] for d in doses):
            crt["groins_irradiated"] = False
        else:
            crt["groins_irradiated"] = None
            self.notes.append(f"{key}: a volume has no location; groins_irradiated unknown")
        dosed_groin = [d for d in groin if d[0]]
        if dosed_groin and (dosed_groin[0][0] != main[0] or dosed_groin[0][1] != fractions):
            crt["groin_dose"] = dosed_groin[0][0]
            if dosed_groin[0][1] is not None:
                crt["groin_fractions"] = dosed_groin[0][1]
        self.unused(
            procedure,
            ["code", "performedPeriod", "extension", "bodySite", "reasonReference", "reasonCode"],
        )
        return crt

    def prior_course(self, procedure: Any) -> dict[str, Any] | None:
        key = _key(procedure)
        if procedure.status not in ("completed", "stopped"):
            # Planned, in progress or of unknown status: not a finished course (the list
            # then comes from base).
            self.skip(key, f"radiotherapy course with status {procedure.status!r}: not finished")
            return None
        end = _as_date(procedure.performedPeriod.end)
        doses, why = self._doses(procedure)
        dosed = [d for d in doses if d[0] and d[1] is not None]
        if end is None or why or not dosed:
            self.skip(key, why or "course without end date or dose and fractions")
            return None
        main = dosed[0]
        sites = set(main[2]) | {
            code
            for s in procedure.bodySite or []
            for system, code in _codings(s)
            if system == SNOMED
        }
        region = "groin" if sites & GROIN_SITES else "pelvis" if sites & PELVIC_SITES else "other"
        self.unused(
            procedure, ["code", "performedPeriod", "extension", "bodySite", "reasonReference"]
        )
        item: dict[str, Any] = {
            "region": region,
            "end_date": end.isoformat(),
            "dose": main[0],
            "fractions": main[1],
        }
        technique, why = radiotherapy_technique(procedure)
        if technique is not None:
            item["technique"] = technique
        elif why:
            self.skip(f"{key}.extension", f"prior_radiotherapy technique not mapped: {why}")
        return item

    # -- Medications

    def medications(self, requests: list[Any], given: list[Any], statements: list[Any]) -> None:
        """Map requests, administrations and statements to ``prior_systemic_therapy``."""
        if not (requests or given or statements):
            return
        order = self.position
        fulfilled: dict[int, str] = {}
        doses: list[Dose] = []
        for resource in given:
            request = self.resolve(resource.request, resource)
            if request is not None and request.get_resource_type() == "MedicationRequest":
                fulfilled[id(request)] = _key(request)
            else:
                request = None
            dose = self.dose(resource, order[id(resource)], request)
            if dose is not None:
                doses.append(dose)
        outcomes: dict[str, str | None] = {}
        for request in requests:
            key = _key(request)
            if id(request) in fulfilled:
                outcome = self.outcome(request)
                if outcome != "skip":
                    outcomes[key] = outcome
                self.consumed.add(key)
                self.unused(request, [*_MEDICATION_ELEMENTS, "intent", "authoredOn", "requester"])
                continue
            if request.intent not in _ORDER_INTENTS:
                self.skip(
                    key,
                    f"intent {request.intent!r}: a proposed or planned treatment, not one given",
                )
                continue
            dose = self.dose(request, order[id(request)], None)
            if dose is not None:
                doses.append(dose)
        for statement in statements:
            dose = self.dose(statement, order[id(statement)], None)
            if dose is not None:
                doses.append(dose)
        courses = group_courses(
            doses, max_gap_days=MAPPING_DATA.course_gap_days, request_outcomes=outcomes
        )
        items: list[dict[str, Any]] = []
        sources: list[str] = []
        for line in group_lines(courses, evaluation_date=self.evaluation_date):
            item = self.regimen(line)
            sources.extend(d.key for course in line for d in course.doses)
            if item is not None:
                items.append(item)
        if "prior_systemic_therapy" not in self.untrusted_lists:
            self.put(
                "prior_systemic_therapy",
                items,
                sources,
                "administrations grouped into courses (by MedicationRequest, else by drug with "
                f"gaps up to {MAPPING_DATA.course_gap_days} days) and overlapping courses into "
                "lines (the bundle is taken as complete)",
            )

    def drug_name(self, resource: Any) -> tuple[str | None, bool]:
        """The ingredient of a medication resource, and whether a verified RxNorm code gave it."""
        concept = resource.medicationCodeableConcept
        if concept is None and resource.medicationReference is not None:
            medication = self.resolve(resource.medicationReference, resource)
            if medication is not None and medication.get_resource_type() == "Medication":
                concept = medication.code
                self.consumed.add(_key(medication))
        coded = {
            RXNORM_INGREDIENTS[code]
            for system, code in _codings(concept)
            if system == RXNORM and code in RXNORM_INGREDIENTS
        }
        text = _concept_text(concept)
        if coded != {"nab_paclitaxel"} and any(word in text for word in _NAB_PACLITAXEL_WORDS):
            return None, False  # nab-paclitaxel by name only, or a code that disagrees
        named = {name for name in _DRUG_NAMES if name in text}
        if coded == {"nab_paclitaxel"} and named <= {"paclitaxel"}:
            named = set()  # "paclitaxel protein-bound" names the same drug
        names = coded | named
        if len(names) != 1:
            return None, False
        return names.pop(), bool(coded)

    def outcome(self, resource: Any) -> str | None:
        """Outcome a medication resource's status implies; ``"skip"`` if nothing was given."""
        status = resource.status
        if status in ("active", "in-progress", "on-hold"):
            return "ongoing"
        if status == "completed":
            return "completed"
        if status == "stopped":
            reasons = [
                TERMINATION_OUTCOMES[code]
                for concept in _references(resource.statusReason)
                for system, code in _codings(concept)
                if system == SNOMED and code in TERMINATION_OUTCOMES
            ]
            return reasons[0] if reasons else None
        return "skip"

    def period(self, resource: Any) -> tuple[dt.date | None, dt.date | None]:
        kind = resource.get_resource_type()
        if kind == "MedicationRequest":
            bounds = next(
                (
                    d.timing.repeat.boundsPeriod
                    for d in resource.dosageInstruction or []
                    if d.timing is not None
                    and d.timing.repeat is not None
                    and d.timing.repeat.boundsPeriod is not None
                ),
                None,
            )
            if bounds is not None:
                start = _as_date(bounds.start)
                return start, _as_date(bounds.end) or start
            start = _as_date(resource.authoredOn)
            return start, start
        period = resource.effectivePeriod
        if period is not None:
            start = _as_date(period.start)
            return start, _as_date(period.end) or start
        start = _as_date(resource.effectiveDateTime)
        return start, start

    def dose(self, resource: Any, order: int, request: Any) -> Dose | None:
        key = _key(resource)
        name, coded = self.drug_name(resource)
        if name is None:
            self.skip(key, "medication is not one recognised anticancer ingredient")
            self.untrusted_lists["prior_systemic_therapy"] = key
            return None
        if resource.status == "unknown":
            # It may have been given: the list cannot be complete (never guess either way).
            self.skip(key, "status 'unknown': whether this therapy was given is not recorded")
            self.untrusted_lists["prior_systemic_therapy"] = key
            return None
        outcome = self.outcome(resource)
        if outcome == "skip":
            self.skip(key, f"status {resource.status!r}: not a therapy given")
            return None
        start, end = self.period(resource)
        if start is None:
            self.skip(key, "medication without an effective date")
            self.untrusted_lists["prior_systemic_therapy"] = key
            return None
        carriers = [resource] if request is None else [resource, request]
        intent = next(
            (
                code
                for carrier in carriers
                for ext in _extensions(carrier, EXT_INTENT)
                for system, code in _codings(ext.valueCodeableConcept)
                if system == SNOMED
            ),
            None,
        )
        owner = (
            PRIMARY if any(self.treats_primary(c) for c in carriers) else self.owner_of(resource)
        )
        if owner is None:
            self.skip(key, "treatment " + self.not_tied(resource))
            self.untrusted_lists["prior_systemic_therapy"] = key
            return None
        self.unused(resource, _MEDICATION_ELEMENTS)
        return Dose(
            key,
            name,
            start,
            None if outcome == "ongoing" else end,
            None if request is None else _key(request),
            outcome,
            intent,
            owner,
            order,
            coded,
        )

    def regimen(self, line: list[Course]) -> dict[str, Any] | None:
        names = frozenset(c.drug for c in line)
        keys = ", ".join(d.key for c in line for d in c.doses)
        if len(names) < len(line):
            self.skip(keys, "the same drug twice in overlapping periods: regimens are ambiguous")
            self.untrusted_lists["prior_systemic_therapy"] = keys
            return None
        start = min(c.start for c in line)
        ends = [c.end for c in line]
        end = None if None in ends else max(e for e in ends if e is not None)
        crt = self.crt_period
        overlaps_crt = crt is not None and start <= crt[1] and (end or start) >= crt[0]
        owners = {d.owner for c in line for d in c.doses}
        uncoded = sorted({d.drug for c in line for d in c.doses if not d.coded})
        if overlaps_crt and names in RADIOSENSITISING and owners == {PRIMARY}:
            self.radiosensitising(line, names, uncoded, keys)
            return None
        regimen = REGIMENS.get(names)
        agents: list[str] | None = None
        if regimen is None and not uncoded and names <= set(SYSTEMIC_AGENT_ORDER):
            regimen = "other"
            agents = [agent for agent in SYSTEMIC_AGENT_ORDER if agent in names]
        if regimen is None:
            self.skip(
                keys,
                f"drug combination {sorted(names)} is not a systemic option"
                + (
                    f', and a regimen "other" needs verified RxNorm codes ({", ".join(uncoded)} '
                    "named without one)"
                    if uncoded
                    else ""
                ),
            )
            self.untrusted_lists["prior_systemic_therapy"] = keys
            return None
        intents = {d.intent for c in line for d in c.doses} - {None}
        if owners - {PRIMARY}:
            setting = "other_cancer"
        elif intents == {SNOMED_PALLIATIVE}:
            setting = "advanced"
        elif overlaps_crt:
            setting = "radiosensitising"
        else:
            self.skip(
                keys,
                "setting cannot be determined (advanced needs palliative intent; neoadjuvant "
                "and adjuvant have no mCODE code)",
            )
            self.untrusted_lists["prior_systemic_therapy"] = keys
            return None
        outcomes = {c.outcome for c in line}
        if None in outcomes:
            self.skip(keys, "stopped without a mapped termination reason")
            self.untrusted_lists["prior_systemic_therapy"] = keys
            return None
        outcome = next(
            o for o in ("ongoing", "progression", "intolerance", "completed") if o in outcomes
        )
        item: dict[str, Any] = {
            "regimen": regimen,
            "setting": setting,
            "start_date": start.isoformat(),
            "end_date": None if outcome == "ongoing" or end is None else end.isoformat(),
            "outcome": outcome,
        }
        if agents is not None:
            item["agents"] = agents
        return item

    def radiosensitising(
        self, line: list[Course], names: frozenset[str], uncoded: list[str], keys: str
    ) -> None:
        """The CRT's own chemotherapy: its agents, when every drug has a verified code."""
        note = (
            f"{keys}: radiosensitising chemotherapy of the primary chemoradiotherapy "
            "(recorded by primary.chemoradiotherapy, not prior_systemic_therapy)"
        )
        if uncoded:
            self.notes.append(
                f"{note}; primary.chemoradiotherapy.agents not mapped: {', '.join(uncoded)} "
                "named without a verified RxNorm code"
            )
            return
        self.notes.append(f"{note}; its agents fill primary.chemoradiotherapy.agents")
        self.put(
            "primary.chemoradiotherapy.agents",
            [agent for agent in CRT_AGENT_ORDER if agent in names],
            [d.key for c in line for d in c.doses],
            "radiosensitising chemotherapy given during the CRT (verified RxNorm codes)",
        )


# --------------------------------------------------------------------------- assembly

#: Case fields the bundle can supply, whether each is nullable, and its default if absent.
_BUNDLE_FIELDS: Final[tuple[tuple[str, bool], ...]] = (
    ("patient.age_years", True),
    ("patient.sex", True),
    ("patient.ecog", True),
    ("patient.karnofsky", True),
    ("patient.weight", True),
    ("patient.height", True),
    ("patient.serum_creatinine", True),
    ("patient.hiv.status", False),
    ("patient.hiv.cd4_count", True),
    ("patient.hiv.viral_load_undetectable", True),
    ("primary.site", False),
    ("primary.stage.t", False),
    ("primary.stage.n", False),
    ("primary.stage.m", False),
    ("primary.stage.prefix", False),
    ("primary.stage.edition", False),
    ("primary.chemoradiotherapy", False),
    ("prior_systemic_therapy", False),
    ("prior_radiotherapy", False),
)
#: Case fields only ``base`` supplies; ``True`` = null (unknown) when absent.
_BASE_FIELDS: Final[tuple[tuple[str, bool], ...]] = (
    ("patient.fit_for_major_surgery", True),
    ("patient.accepts_permanent_colostomy", True),
    ("patient.pd_l1_cps", True),
    ("patient.conditions", True),
    ("assessments", False),
    ("disease", False),
    ("prior_salvage_surgery", False),
    ("facility.iort_available", True),
    ("facility.exenteration_centre", True),
)
#: Schema 2 fields the bundle can supply (optional keys: left at their default when neither
#: the bundle nor ``base`` gives them).
_SCHEMA_2_FIELDS: Final = (
    *(f"patient.hepatic_function.{key}" for key in LIVER_TESTS.values()),
    "patient.clinical_frailty_scale",
    "patient.dialysis",
    "patient.biomarkers.mmr_msi",
    "patient.biomarkers.tmb_mut_per_mb",
    "primary.chemoradiotherapy.agents",
)
#: Schema 2 keys of ``primary.chemoradiotherapy`` kept from ``base`` when the bundle gives
#: the course.
_CRT_BASE_KEYS: Final = ("agents", "phases")
_REQUIRED_HINT: Final[Mapping[str, str]] = {
    "primary.chemoradiotherapy": "null means no CRT was given, so it is never defaulted",
    "disease": "null means no evaluable disease, so it is never defaulted",
}


def _entry_problems(bundle: Mapping[str, Any]) -> tuple[list[Problem], set[int]]:
    """Problems with each entry's ``resourceType``, and the positions of those entries.

    Found before the model is built: fhir.resources builds a bare ``Resource`` for an entry
    without ``resourceType`` and fails with ``KeyError``/``TypeError`` on unknown or
    non-string ones.
    """
    from fhir.resources.R4B import get_fhir_model_class
    from fhir.resources.R4B.domainresource import DomainResource
    from fhir.resources.R4B.resource import Resource

    problems: list[Problem] = []
    positions: set[int] = set()
    entries = bundle.get("entry")
    for position, entry in enumerate(entries if isinstance(entries, list) else []):
        if not isinstance(entry, Mapping) or "resource" not in entry:
            continue
        path = f"bundle.entry[{position}].resource"
        count = len(problems)
        resource = entry["resource"]
        kind = resource.get("resourceType") if isinstance(resource, Mapping) else None
        if not isinstance(resource, Mapping):
            problems.append(Problem(path, "not a JSON object"))
        elif not isinstance(kind, str):
            problems.append(Problem(f"{path}.resourceType", "missing or not a string"))
        else:
            try:
                model = get_fhir_model_class(kind)
            except (ValueError, KeyError):
                model = None
            if (
                model is None
                or not issubclass(model, Resource)
                or model
                in (
                    Resource,
                    DomainResource,
                )
            ):
                problems.append(
                    Problem(f"{path}.resourceType", f"{kind!r} is not a FHIR R4 resource type")
                )
        if len(problems) > count:
            positions.add(position)
    return problems, positions


def _parse(bundle: Any) -> Any:
    if isinstance(bundle, str | bytes | bytearray):
        bundle = parse_json(bundle)
    if not isinstance(bundle, Mapping) or bundle.get("resourceType") != "Bundle":
        raise CaseValidationError([Problem("bundle", "not a FHIR Bundle resource")])
    check_bundle(bundle)
    if not all(isinstance(key, str) for key in bundle):
        raise CaseValidationError([Problem("bundle", "object keys must be strings")])
    model = _require_r4b()
    problems, bad = _entry_problems(bundle)
    if problems:
        # The other entries are still checked, so that every problem is listed at once (only
        # a list of entries has problems here).
        entries: list[Any] = bundle["entry"]
        kept = [i for i in range(len(entries)) if i not in bad]
        rest = {**bundle, "entry": [entries[i] for i in kept]}
        problems += _model_problems(model, rest, kept)[1]
        raise CaseValidationError(problems)
    parsed, problems = _model_problems(model, dict(bundle), None)
    if problems:
        raise CaseValidationError(problems)
    return parsed


def _model_problems(
    model: Any, document: dict[str, Any], positions: list[int] | None
) -> tuple[Any, list[Problem]]:
    """Build the bundle model: ``(model, [])``, or ``(None, problems)`` by path.

    *positions* maps the entries of *document* back to those of the bundle as given (when
    some were left out).
    """

    def path(loc: Any) -> str:
        parts = list(loc)
        if positions is not None and len(parts) > 1 and parts[0] == "entry":
            parts[1] = positions[parts[1]]  # pydantic names a kept entry by its position
        return "bundle" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in parts)

    try:
        return model.model_validate(document), []
    except ValueError as exc:
        errors = getattr(exc, "errors", None)
        return None, [
            Problem(path(e["loc"]), str(e["msg"])) for e in (errors() if callable(errors) else [])
        ] or [Problem("bundle", str(exc))]
    except (TypeError, KeyError, AttributeError, RecursionError) as exc:
        # fhir.resources raises these for shapes pydantic does not catch (a non-string key or
        # resourceType deep inside, an unknown type in ``contained``)
        return None, [
            Problem("bundle", f"not a valid FHIR R4 bundle ({type(exc).__name__}: {exc})")
        ]


def _resources(parsed: Any) -> tuple[list[Any], Graph]:
    resources: list[Any] = []
    entries: list[tuple[str | None, Any]] = []
    for position, entry in enumerate(parsed.entry or []):
        resource = entry.resource
        if resource is None:
            continue
        if not resource.id:
            resource.id = f"entry{position}"
        resources.append(resource)
        entries.append((str(entry.fullUrl) if entry.fullUrl else None, resource))
    return resources, Graph(entries)


def _evaluation_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise CaseValidationError([Problem("evaluation_date", f"not an ISO date: {value!r}")])


def _check_agrees(
    path: str, sources: Sequence[str], value: Any, previous: Any, problems: list[Problem]
) -> None:
    """A value the bundle gives must agree with the one *base* gives for the same field."""
    if previous is not _MISSING and _comparable(previous) != _comparable(value):
        problems.append(
            Problem(
                path,
                f"the bundle ({', '.join(sources)}) gives {_show(value)}, base gives "
                f"{_show(previous)}: resolve the contradiction in one of them",
            )
        )


def _comparable(value: Any) -> Any:
    """*value* with every measurement in its kind's canonical unit (for comparisons)."""
    if isinstance(value, Mapping):
        unit = value.get("unit")
        number = value.get("value")
        if (
            set(value) == {"value", "unit"}
            and isinstance(unit, str)
            and unit in CASE_UNITS
            and isinstance(number, int | float)
            and not isinstance(number, bool)
        ):
            entry = CASE_UNITS[unit]
            return (str(entry.kind), round(float(number) * entry.to_canonical, 9))
        # An optional key at its default (null, or an empty list) says nothing the bundle
        # could contradict: a schema 2 base carries them, the mapping does not.
        return {
            key: _comparable(item) for key, item in value.items() if item is not None and item != []
        }
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def _base_crt_period(base: Mapping[str, Any] | None) -> tuple[dt.date, dt.date] | None:
    """Return the CRT dates of *base* (or ``None``).

    They recognise radiosensitising chemotherapy when the bundle's own course cannot be
    mapped; invalid dates are left to validation.
    """
    crt = _get(base or {}, "primary.chemoradiotherapy")
    try:
        return dt.date.fromisoformat(crt["start_date"]), dt.date.fromisoformat(crt["end_date"])
    except (TypeError, KeyError, ValueError):
        return None


def case_from_bundle(
    bundle: str | bytes | bytearray | Mapping[str, Any],
    *,
    evaluation_date: dt.date | str,
    base: Mapping[str, Any] | None = None,
    jurisdiction: str | None = None,
) -> tuple[Case, MappingReport]:
    """Build a case from an mCODE / FHIR R4 ``Bundle``, reporting how every part was used.

    The bundle supplies the patient (sex, age at *evaluation_date*), performance status,
    weight, height, serum creatinine, HIV status, CD4 count and viral load (the most recent
    final observation on or before *evaluation_date*), the primary site and TNM stage at
    diagnosis, the primary chemoradiotherapy (the earliest radiotherapy course summary),
    later radiotherapy courses and prior systemic therapy (medications grouped into
    regimens). Schema 2: liver tests as × ULN, the Clinical Frailty Scale, MSI, TMB,
    pregnancy and chronic hepatitis B (added to ``base``'s conditions), dialysis, the
    technique of a prior course, the CRT's radiosensitising agents and regimen ``"other"``,
    each from verified codes only (``docs/fhir.md``). A list is taken from the bundle only
    when every resource of its kind maps;
    otherwise it comes from *base*. Clinical judgements and findings that FHIR does not carry
    here (assessments, current disease, fitness, facility …) come from *base*.

    Args:
        bundle: The bundle as JSON text or a parsed dict.
        evaluation_date: The case's evaluation date (``date`` or ISO string).
        base: A (partial) case document giving the fields the bundle does not supply; the
            bundle wins where both give a value (the report notes it).
        jurisdiction: ``US``, ``EU`` or ``other``; overrides *base*.

    Returns:
        The validated case and the mapping report.

    Raises:
        FhirMappingError: A :class:`~ascc_salvage.CaseValidationError` with ``.report``:
            required fields missing from both, conflicts in the bundle, or an invalid case.
        CaseValidationError: The bundle is not valid FHIR R4 JSON (problems at ``bundle…``).
        ImportError: ``fhir.resources`` is not installed (extra ``fhir``).
    """
    when = _evaluation_date(evaluation_date)
    if base is not None:
        if not isinstance(base, Mapping):
            raise CaseValidationError([Problem("base", "not a case document (JSON object)")])
        check_bundle(base, name="base")
    parsed = _parse(bundle)
    resources, graph = _resources(parsed)
    mapper = _Mapper(when, graph)
    mapper.crt_period = _base_crt_period(base)
    mapper.run(resources)
    mapper.resolve_hiv()
    base_doc: Mapping[str, Any] = base if base is not None else {}
    document: dict[str, Any] = copy.deepcopy(dict(base_doc))
    # Schema 2 reads every schema 1 key, so a base document of either version fits.
    document["schema_version"] = 2
    document["evaluation_date"] = when.isoformat()
    mapped: list[MappedField] = []
    from_base: list[str] = []
    left_null: list[str] = []
    notes = list(mapper.notes)
    problems = list(mapper.problems) + _base_shape_problems(base_doc)
    if jurisdiction is not None:
        document["jurisdiction"] = jurisdiction
    elif "jurisdiction" in base_doc:
        from_base.append("jurisdiction")
    else:
        document["jurisdiction"] = None
        left_null.append("jurisdiction")
    for path, nullable in _BUNDLE_FIELDS:
        if path in mapper.values:
            value, sources, note = mapper.values[path]
            previous = _get(base_doc, path)
            if path == "primary.chemoradiotherapy" and isinstance(previous, Mapping):
                kept = [key for key in _CRT_BASE_KEYS if key in previous]
                value = {**value, **{key: previous[key] for key in kept}}
                from_base.extend(f"{path}.{key}" for key in kept)
            _check_agrees(path, sources, value, previous, problems)
            _set(document, path, value)
            mapped.append(MappedField(path, sources, note))
            continue
        if _get(base_doc, path) is not _MISSING:
            from_base.append(path)
            if path in mapper.untrusted_lists:
                notes.append(
                    f"{path}: taken from base because the bundle's "
                    f"{mapper.untrusted_lists[path]} cannot be mapped"
                )
            elif path in mapper.stale:
                notes.append(
                    f"{path}: taken from base; the bundle's {mapper.stale[path]} is too old"
                )
            continue
        if path in mapper.untrusted_lists:
            problems.append(
                Problem(
                    path,
                    f"the bundle's {mapper.untrusted_lists[path]} cannot be mapped, so the list "
                    "is incomplete; give the list in base",
                )
            )
        elif nullable:
            _set(document, path, None)
            left_null.append(path)
            if path in mapper.stale:
                notes.append(
                    f"{path}: left null; the most recent observation, {mapper.stale[path]}, "
                    "is older than the recency window"
                )
        elif path == "patient.hiv.status":
            _set(document, path, "unknown")
            left_null.append(path)
        else:
            hint = _REQUIRED_HINT.get(path, "")
            problems.append(
                Problem(path, "not supplied by the bundle or base" + (f" ({hint})" if hint else ""))
            )
    for path, nullable in _BASE_FIELDS:
        if _get(base_doc, path) is not _MISSING:
            from_base.append(path)
        elif nullable:
            _set(document, path, None)
            left_null.append(path)
        else:
            hint = _REQUIRED_HINT.get(path, "")
            problems.append(
                Problem(
                    path,
                    "not supplied by base (FHIR does not carry it here)"
                    + (f"; {hint}" if hint else ""),
                )
            )
    _schema_2(document, base_doc, mapper, mapped, from_base, notes, problems)
    _drop_viral_load_without_hiv(document, mapped, left_null, mapper)
    report = MappingReport(
        mapped=tuple(mapped),
        unmapped=tuple(mapper.unmapped),
        from_base=tuple(from_base),
        left_null=tuple(left_null),
        notes=tuple(notes),
    )
    try:
        case = load_case(document)
    except CaseValidationError as exc:
        # Every problem at once: the case's own problems join the mapping's, except at a
        # path the mapping already names (a field it could not supply is also missing).
        named = [problem.path for problem in problems]
        problems += [
            problem
            for problem in exc.errors
            if not any(_related(problem.path, path) for path in named)
        ]
    if problems:
        raise FhirMappingError(problems, report)
    return case, report


def _base_shape_problems(base_doc: Mapping[str, Any]) -> list[Problem]:
    """The objects of ``base`` the mapping writes into that are not objects.

    The mapping writes a field it maps at its path in a copy of ``base``; a list or a
    string where an object belongs (``base.patient.hiv: "positive"``) would be replaced
    silently, and what it said lost, so it is refused instead.
    """
    containers = sorted(
        {
            ".".join(parts[:end])
            for path in (
                *(path for path, _ in _BUNDLE_FIELDS),
                *(path for path, _ in _BASE_FIELDS),
                *_SCHEMA_2_FIELDS,
            )
            for parts in [path.split(".")]
            for end in range(1, len(parts))
        }
    )
    problems = []
    for path in containers:
        value = _get(base_doc, path)
        # (null is a valid value of some: no chemoradiotherapy, no liver tests recorded)
        if value is not _MISSING and value is not None and not isinstance(value, Mapping):
            problems.append(Problem(path, f"expected an object in base, got {type_name(value)}"))
    return problems


def _related(path: str, other: str) -> bool:
    """Whether one case path is, or lies inside, the other (``a.b`` and ``a.b.c``)."""
    return any(
        longer == shorter or longer.startswith((shorter + ".", shorter + "["))
        for longer, shorter in ((path, other), (other, path))
    )


def _schema_2(
    document: dict[str, Any],
    base_doc: Mapping[str, Any],
    mapper: _Mapper,
    mapped: list[MappedField],
    from_base: list[str],
    notes: list[str],
    problems: list[Problem],
) -> None:
    """Fill the schema 2 fields the bundle gives, and name those nothing gives."""
    absent: list[str] = []
    for path in _SCHEMA_2_FIELDS:
        previous = _get(base_doc, path)
        if path in mapper.values:
            value, sources, note = mapper.values[path]
            _check_agrees(path, sources, value, previous, problems)
            _set(document, path, value)
            mapped.append(MappedField(path, sources, note))
        elif previous is not _MISSING:
            from_base.append(path)
        else:
            absent.append(path)
    liver = _get(document, "patient.hepatic_function")
    if isinstance(liver, dict):  # its four keys are required once the object is given
        for key in LIVER_TESTS.values():
            liver.setdefault(key, None)
    if absent:
        notes.append(
            "schema 2 fields that neither the bundle nor base gives, left at their defaults: "
            + ", ".join(absent)
        )
    _conditions(document, base_doc, mapper, mapped, from_base)
    for label, reason in NOT_MAPPED.items():
        if _get(base_doc, label.split(" ")[0].split("[]")[0]) is _MISSING:
            notes.append(f"{label}: not read from FHIR ({reason}); give it in base")


def _conditions(
    document: dict[str, Any],
    base_doc: Mapping[str, Any],
    mapper: _Mapper,
    mapped: list[MappedField],
    from_base: list[str],
) -> None:
    """Add the schema 2 conditions found in the bundle to base's (complete) list."""
    found = mapper.found_conditions
    if not found:
        return
    listed = _get(base_doc, "patient.conditions")
    keys = [key for name in found for key in found[name]]
    if not isinstance(listed, list):
        for key in keys:
            mapper.skip(
                key,
                "patient.conditions is a complete list, which the bundle cannot give (most "
                "conditions have no verified code): give patient.conditions in base, and "
                f"{', '.join(found)} is added to it",
            )
        return
    added = [name for name in found if name not in listed]
    _set(document, "patient.conditions", [*listed, *added])
    from_base.remove("patient.conditions")
    mapped.append(
        MappedField(
            "patient.conditions",
            tuple(keys),
            (f"{', '.join(added)} added to the list from base" if added else "agrees with base")
            + " (Condition with a verified SNOMED CT code, clinically current)",
        )
    )


def _drop_viral_load_without_hiv(
    document: dict[str, Any], mapped: list[MappedField], left_null: list[str], mapper: _Mapper
) -> None:
    """A viral load from the bundle is kept only with HIV status positive (case format P15).

    An HIV RNA test may be done without HIV infection (screening for acute infection); the
    case format records a viral load only for people with HIV, so the observation is
    reported as not used instead of making the whole case invalid.
    """
    path = "patient.hiv.viral_load_undetectable"
    status = _get(document, "patient.hiv.status")
    field = next((m for m in mapped if m.path == path), None)
    if field is None or status == "positive":
        return
    _set(document, path, None)
    mapped.remove(field)
    left_null.append(path)
    for source in field.sources:
        mapper.skip(source, f"viral load is recorded only for HIV status positive (here: {status})")
