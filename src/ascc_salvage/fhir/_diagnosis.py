"""Which Condition is the anal primary: codes, body site, morphology and statuses.

An anal primary is recognised from its ICD-10-CM code (``C21.x``, ``C44.520``), a SNOMED CT
anal-cancer disorder code of the data file, or an mCODE primary cancer condition whose
``bodySite`` is the anal canal. Its morphology (extension ``mcode-histology-morphology-behavior``)
must be squamous cell carcinoma in ICD-O-3 or SNOMED CT (data file); any other coded morphology
is refused, and squamous histology is assumed only when no morphology is coded at all.
"""

from __future__ import annotations

import re
from typing import Any, Final

import attrs

from ascc_salvage.fhir._data import MAPPING_DATA

__all__ = [
    "EXCLUDED_VERIFICATION",
    "EXT_HISTOLOGY",
    "ICD10CM",
    "ICDO3",
    "MCODE",
    "PROFILE_PRIMARY",
    "SNOMED",
    "Diagnosis",
    "classify",
]

SNOMED: Final = "http://snomed.info/sct"
ICD10CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3: Final = "http://terminology.hl7.org/CodeSystem/icd-o-3"
MCODE: Final = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
EXT_HISTOLOGY: Final = MCODE + "mcode-histology-morphology-behavior"
PROFILE_PRIMARY: Final = MCODE + "mcode-primary-cancer-condition"
PROFILE_SECONDARY: Final = MCODE + "mcode-secondary-cancer-condition"
SNOMED_ANAL_CANAL: Final = "34381000"

#: ICD-10-CM condition codes → primary site. C21.2 (cloacogenic zone) is the anal transitional
#: zone, which lies in the anal canal.
ICD10_SITES: Final = {"C21.1": "anal_canal", "C21.2": "anal_canal", "C44.520": "anal_margin"}
#: ICD-10-CM codes of anal cancer whose subsite is not determined.
ICD10_AMBIGUOUS: Final = frozenset({"C21.0", "C21.8"})
#: ICD-10-CM malignant neoplasm codes (chapter II, C00–C96): a cancer, anal or not.
_ICD10_MALIGNANT: Final = re.compile(r"^C[0-9][0-9A-B]")
#: Verification statuses that mean the diagnosis is not established (FHIR R4
#: condition-ver-status): such a Condition is not used.
EXCLUDED_VERIFICATION: Final = frozenset(
    {"provisional", "differential", "unconfirmed", "refuted", "entered-in-error"}
)


def codings(concept: Any) -> list[tuple[str, str]]:
    """``(system, code)`` pairs of a CodeableConcept (empty for ``None``)."""
    if concept is None:
        return []
    return [(c.system or "", c.code or "") for c in (concept.coding or [])]


def has_profile(resource: Any, url: str) -> bool:
    """Whether *resource* claims the profile *url* (any version)."""
    meta = resource.meta
    return meta is not None and any(str(p).split("|")[0] == url for p in (meta.profile or []))


def anal_codes(pairs: list[tuple[str, str]]) -> tuple[bool, str | None]:
    """Whether codes name an anal cancer, and the site they give (``None``: not given)."""
    sites: list[str | None] = []
    for system, code in pairs:
        if system == ICD10CM and code in ICD10_SITES:
            sites.append(ICD10_SITES[code])
        elif (system == ICD10CM and code in ICD10_AMBIGUOUS) or (
            system == SNOMED and code in MAPPING_DATA.anal_disorders
        ):
            sites.append(MAPPING_DATA.anal_disorders.get(code) if system == SNOMED else None)
    return bool(sites), next((s for s in sites if s is not None), None)


@attrs.frozen
class Diagnosis:
    """What a Condition says about cancer.

    Attributes:
        kind: ``anal`` (an anal primary cancer), ``cancer`` (another cancer), ``other``.
        code_site: Site given by the condition code, if any.
        body_site: Site given by ``bodySite`` (anal canal), if any.
        morphology: ``squamous``, ``none`` (nothing coded) or ``other``.
        morphology_codes: The coded morphology as ``system|code`` strings.
        excluded: Why the condition is not used (verification status), or ``""``.
    """

    kind: str
    code_site: str | None
    body_site: str | None
    morphology: str
    morphology_codes: tuple[str, ...]
    excluded: str = ""

    @property
    def site(self) -> str | None:
        """The site, from the code first, else from the body site."""
        return self.code_site or self.body_site


def _morphology(condition: Any) -> tuple[str, tuple[str, ...]]:
    pairs = [
        pair
        for ext in (condition.extension or [])
        if ext.url == EXT_HISTOLOGY
        for pair in codings(ext.valueCodeableConcept)
    ]
    coded = tuple(f"{system}|{code}" for system, code in pairs)
    if not pairs:
        return "none", coded
    squamous = all(
        (system == ICDO3 and code in MAPPING_DATA.squamous_icdo3)
        or (system == SNOMED and code in MAPPING_DATA.squamous_snomed)
        for system, code in pairs
    )
    return ("squamous" if squamous else "other"), coded


def classify(condition: Any) -> Diagnosis:
    """Classify a parsed R4B ``Condition``."""
    pairs = codings(condition.code)
    status = [code for _, code in codings(condition.verificationStatus)]
    excluded = next((code for code in status if code in EXCLUDED_VERIFICATION), "")
    is_anal, code_site = anal_codes(pairs)
    is_primary = has_profile(condition, PROFILE_PRIMARY)
    body_site = (
        "anal_canal"
        if any((SNOMED, SNOMED_ANAL_CANAL) in codings(c) for c in condition.bodySite or [])
        else None
    )
    morphology, coded = _morphology(condition)
    if is_anal or (is_primary and body_site is not None):
        kind = "anal"
    elif (
        is_primary
        or has_profile(condition, PROFILE_SECONDARY)
        or any(system == ICD10CM and _ICD10_MALIGNANT.match(code) for system, code in pairs)
        or coded
    ):
        kind = "cancer"
    else:
        kind = "other"
    return Diagnosis(kind, code_site, body_site, morphology, coded, excluded)
