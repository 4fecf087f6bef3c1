"""Episodes closed by a salvage resection and re-opened (clinical pathway §2)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ascc_salvage import load_case
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import DiseaseStatus, Finding, OptionId, Tier

from ._documents import base_document, run


def _progression_then_apr(*later: dict[str, Any], disease: bool = True) -> dict[str, Any]:
    """Progression on 5 May 2025, salvage APR (R1) on 16 June 2025, then *later* findings."""
    document = base_document()
    document["assessments"] = [
        {"date": "2025-03-24", "finding": "regressing", "biopsy": "not_done"},
        {"date": "2025-05-05", "finding": "progression", "biopsy": "positive"},
        *later,
    ]
    document["prior_salvage_surgery"] = [
        {"date": "2025-06-16", "procedure": "salvage_apr", "margin": "r1"}
    ]
    if not disease:
        document["disease"] = None
    else:  # the anus was excised (P6): the disease is in the perineal scar (schema 2)
        document["schema_version"] = 2
        document["disease"]["sites"][0]["site"] = "perineum"
    return document


def test_resection_without_recorded_disease_ends_the_episode() -> None:
    status = assess_status(load_case(_progression_then_apr(disease=False)))
    assert status.status is DiseaseStatus.NO_EVIDENCE_OF_DISEASE
    assert status.rule == 2
    assert status.episode is None


def test_disease_recorded_after_the_resection_keeps_the_episode_open() -> None:
    """No finding after the APR, but current disease is recorded: still the same episode."""
    document = _progression_then_apr()
    status = assess_status(load_case(document))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.rule == 4
    assert status.histologically_confirmed is True
    assert status.after_salvage_surgery is True
    assert status.episode is not None
    assert status.episode.opened_on == dt.date(2025, 5, 5)
    assert [a.finding for a in status.episode.assessments] == [Finding.PROGRESSION]
    # Local disease after a salvage APR is a re-recurrence in the operated field (§4.6).
    result = run(document)
    assert result.option(OptionId.SALVAGE_APR).tier is Tier.NOT_RECOMMENDED
    assert result.option(OptionId.SALVAGE_APR).rules == ("4.6",)


def test_residual_disease_after_the_resection_reopens_the_episode() -> None:
    """A later stable finding (not a new progression) continues the resected episode."""
    later = {"date": "2025-09-01", "finding": "stable", "biopsy": "positive"}
    status = assess_status(load_case(_progression_then_apr(later, disease=False)))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.episode is not None
    assert status.episode.opened_on == dt.date(2025, 5, 5)
    assert [a.finding for a in status.episode.assessments] == [
        Finding.PROGRESSION,
        Finding.STABLE,
    ]


def test_new_progression_after_the_resection_opens_a_new_episode() -> None:
    later = {"date": "2025-09-01", "finding": "progression", "biopsy": "not_done"}
    status = assess_status(load_case(_progression_then_apr(later)))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.episode is not None
    assert status.episode.opened_on == dt.date(2025, 9, 1)
    assert status.histologically_confirmed is False
