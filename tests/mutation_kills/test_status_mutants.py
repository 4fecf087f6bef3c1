"""Episode and status edge cases that mutation testing of ``status.py`` showed untested.

Each test builds a timeline on the bundled persistent example (CRT 2025-01-06 to 2025-02-14,
evaluation 2026-11-26) and checks the status rule the clinical pathway (§2) gives.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from importlib.resources import files
from typing import Any

from ascc_salvage import assess_status, load_case
from ascc_salvage.vocabulary import DiseaseStatus, Finding

_BASE: dict[str, Any] = json.loads(
    files("ascc_salvage.examples").joinpath("persistent_resectable.json").read_text()
)


def _case(
    assessments: list[tuple[str, str, str]],
    surgery: list[tuple[str, str]] = (),  # type: ignore[assignment]
    *,
    disease: bool = True,
) -> Any:
    document = copy.deepcopy(_BASE)
    document["assessments"] = [
        {"date": date, "finding": finding, "biopsy": biopsy}
        for date, finding, biopsy in assessments
    ]
    document["prior_salvage_surgery"] = [
        {"date": date, "procedure": procedure, "margin": "r0"} for date, procedure in surgery
    ]
    if not disease:
        document["disease"] = None
    elif any(procedure in ("salvage_apr", "extended_resection") for _, procedure in surgery):
        document["schema_version"] = 2  # the anus was excised (P6): the perineal scar
        document["disease"]["sites"][0]["site"] = "perineum"
    return load_case(document)


def test_residual_disease_without_biopsy_after_resection_keeps_the_episode_open() -> None:
    # A stable residuum (biopsy not done) after the APR shows disease: no NED.
    case = _case(
        [
            ("2025-03-24", "complete_response", "not_done"),
            ("2025-08-01", "recurrence", "positive"),
            ("2025-11-01", "stable", "not_done"),
        ],
        [("2025-09-01", "salvage_apr")],
        disease=False,
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.RECURRENT
    assert status.episode is not None
    assert status.episode.opened_on == dt.date(2025, 8, 1)


def test_negative_equivocal_finding_after_resection_is_no_evidence_of_disease() -> None:
    case = _case(
        [
            ("2025-03-24", "complete_response", "not_done"),
            ("2025-08-01", "recurrence", "positive"),
            ("2025-11-01", "equivocal", "negative"),
        ],
        [("2025-09-01", "salvage_apr")],
        disease=False,
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.NO_EVIDENCE_OF_DISEASE
    assert status.histologically_confirmed is False
    assert status.after_salvage_surgery is True


def test_new_recurrence_after_resection_opens_a_new_episode() -> None:
    # Progression without a complete response, resected, then a recurrence: the new
    # episode opens with "recurrence" (recurrent), not the old progression (progressive).
    case = _case(
        [
            ("2025-03-24", "stable", "positive"),
            ("2025-05-01", "progression", "positive"),
            ("2025-10-01", "recurrence", "positive"),
        ],
        [("2025-06-01", "local_excision")],
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.RECURRENT
    assert status.episode is not None
    assert status.episode.opening_finding is Finding.RECURRENCE
    assert status.episode.opened_on == dt.date(2025, 10, 1)


def test_an_assessment_on_the_day_of_surgery_precedes_it() -> None:
    # Same-day recurrence finding belongs to the open progression episode; the resection
    # after it does not clear the recorded disease, so the episode stays progressive.
    case = _case(
        [
            ("2025-03-24", "stable", "positive"),
            ("2025-05-01", "progression", "positive"),
            ("2025-06-01", "recurrence", "positive"),
        ],
        [("2025-06-01", "local_excision")],
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.episode is not None
    assert status.episode.opening_finding is Finding.PROGRESSION


def test_resection_after_the_last_finding_with_disease_recorded_keeps_the_episode() -> None:
    case = _case(
        [
            ("2025-03-24", "complete_response", "not_done"),
            ("2025-08-01", "recurrence", "positive"),
        ],
        [("2025-09-01", "salvage_apr")],
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.RECURRENT
    assert status.histologically_confirmed is True


def test_resection_on_the_day_of_the_last_positive_finding_counts_for_ned() -> None:
    case = _case(
        [
            ("2025-03-24", "complete_response", "not_done"),
            ("2025-08-01", "recurrence", "positive"),
        ],
        [("2025-08-01", "salvage_apr")],
        disease=False,
    )
    status = assess_status(case)
    assert status.status is DiseaseStatus.NO_EVIDENCE_OF_DISEASE
    assert status.histologically_confirmed is False


def test_untreated_primary_is_never_reported_confirmed() -> None:
    document = copy.deepcopy(_BASE)
    document["primary"]["chemoradiotherapy"] = None
    document["assessments"] = []
    status = assess_status(load_case(document))
    assert status.status is DiseaseStatus.UNTREATED_PRIMARY
    assert status.histologically_confirmed is False
    assert status.episode is None
