"""The mapping's data file (``fhir/data/mapping.json``): terminology, windows, thresholds.

Codes and windows live in data, each with its source or reason, so that a reviewer can change
them in one place; the mapping modules read them through :data:`MAPPING_DATA`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Final

import attrs

__all__ = ["MAPPING_DATA", "MappingData", "RecencyWindow"]


@attrs.frozen
class RecencyWindow:
    """How old an observation filling one case field may be.

    Attributes:
        days: Largest age in days (evaluation date minus effective date) still used.
        reason: Why the window has that length.
    """

    days: int
    reason: str


@attrs.frozen
class MappingData:
    """The parsed data file.

    Attributes:
        anal_disorders: SNOMED CT disorder code → primary site (``None``: site not given).
        squamous_icdo3: ICD-O-3 morphology codes of squamous cell carcinoma.
        squamous_snomed: SNOMED CT morphology codes of squamous cell carcinoma.
        ecog_answers: LOINC answer code → ECOG grade.
        karnofsky_answers: LOINC answer code → Karnofsky score.
        windows: Case field path → recency window.
        course_gap_days: Largest gap between administrations of one course without a request.
        course_gap_reason: Why the course gap has that length.
    """

    anal_disorders: Mapping[str, str | None]
    squamous_icdo3: frozenset[str]
    squamous_snomed: frozenset[str]
    ecog_answers: Mapping[str, int]
    karnofsky_answers: Mapping[str, int]
    windows: Mapping[str, RecencyWindow]
    course_gap_days: int
    course_gap_reason: str


def _load() -> MappingData:
    text = resources.files("ascc_salvage.fhir").joinpath("data", "mapping.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    answers = raw["performance_status_answers"]
    windows = {
        path: RecencyWindow(int(entry["days"]), str(entry["reason"]))
        for path, entry in raw["recency_windows"].items()
        if not path.startswith("_")
    }
    courses = raw["medication_courses"]
    return MappingData(
        anal_disorders={c["code"]: c["site"] for c in raw["anal_cancer_disorders"]["codes"]},
        squamous_icdo3=frozenset(c["code"] for c in raw["squamous_morphology"]["icd_o_3"]),
        squamous_snomed=frozenset(c["code"] for c in raw["squamous_morphology"]["snomed"]),
        ecog_answers={c["code"]: int(c["value"]) for c in answers["ecog"]},
        karnofsky_answers={c["code"]: int(c["value"]) for c in answers["karnofsky"]},
        windows=windows,
        course_gap_days=int(courses["max_gap_days"]),
        course_gap_reason=str(courses["reason"]),
    )


#: The bundled mapping data, loaded once at import.
MAPPING_DATA: Final = _load()
