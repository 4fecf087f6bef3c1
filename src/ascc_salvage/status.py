"""Disease status and the 26-week clock (clinical pathway §2).

Days are counted from the **start** of chemoradiotherapy, as ACT II counted its 11-, 18- and
26-week assessments [ACT2_TIMING_2017]. Residual disease is judged by the date of the
assessment that found it: day ≥ 182 (the knowledge-base threshold
``assessment_window_days``) counts as ≥ 26 weeks.

Episodes of active disease open with the first ``progression`` or ``recurrence`` after the
last ``complete_response`` (or after the last salvage resection) and close with a later
``complete_response`` or with a salvage resection after which no disease is recorded.
*Library policy:* every recorded salvage procedure (APR, extended resection, groin
dissection, local excision) counts as a resection for the episode logic, and a resection
does not close the episode when current ``disease`` is still recorded afterwards.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import attrs

from ascc_salvage.case import Assessment, Case
from ascc_salvage.vocabulary import Biopsy, DiseaseStatus, Finding, SurgeryProcedure

__all__ = ["Episode", "StatusAssessment", "assess_status"]

_EPISODE_OPENERS: Final = frozenset({Finding.PROGRESSION, Finding.RECURRENCE})
_RESIDUAL: Final = frozenset({Finding.REGRESSING, Finding.STABLE})
_DISEASE_FINDINGS: Final = frozenset(
    {Finding.PROGRESSION, Finding.RECURRENCE, Finding.REGRESSING, Finding.STABLE}
)
_NON_MALIGNANT_BIOPSY: Final = frozenset({Biopsy.NEGATIVE, Biopsy.HSIL_ONLY, Biopsy.NON_VIABLE})
_MAJOR_RESECTIONS: Final = frozenset(
    {SurgeryProcedure.SALVAGE_APR, SurgeryProcedure.EXTENDED_RESECTION}
)


@attrs.frozen
class Episode:
    """An open episode of active disease.

    Attributes:
        opened_on: Date of the finding that opened it.
        opening_finding: ``progression`` or ``recurrence``.
        after_complete_response: Whether a complete response was documented before it.
        assessments: The assessments inside the episode, in date order.
    """

    opened_on: dt.date
    opening_finding: Finding
    after_complete_response: bool
    assessments: tuple[Assessment, ...]


@attrs.frozen
class StatusAssessment:
    """Derived disease status of a case.

    Attributes:
        status: One of the nine statuses.
        histologically_confirmed: A positive biopsy in the open episode or, for residual
            disease without an episode, in the latest assessment.
        after_salvage_surgery: A salvage APR or extended resection is recorded.
        weeks_from_crt_start: Weeks from CRT start to the latest assessment (0.1 precision),
            ``None`` without CRT or assessments.
        next_assessment_date: CRT start + 182 days, for ``too_early_to_assess`` (``None``
            if that falls past the end of the calendar).
        rule: Number of the status rule (1–9) that applied.
        episode: The open episode, if any.
        complete_response_documented: A ``complete_response`` is recorded at any time.
    """

    status: DiseaseStatus
    histologically_confirmed: bool
    after_salvage_surgery: bool
    weeks_from_crt_start: float | None
    next_assessment_date: dt.date | None
    rule: int
    episode: Episode | None = None
    complete_response_documented: bool = False


def _shows_disease(assessment: Assessment) -> bool:
    return assessment.finding in _DISEASE_FINDINGS or assessment.biopsy is Biopsy.POSITIVE


def _open_episode(case: Case) -> tuple[Episode | None, bool]:
    """Walk assessments and resections in date order; return the open episode, if any.

    A resection closes an open episode only provisionally: a later finding that shows
    disease (other than a new progression or recurrence, which opens a new episode), or
    current disease recorded at the evaluation date, keeps it open.
    """
    resections = sorted(s.date for s in case.prior_salvage_surgery)
    current: list[Assessment] = []  # assessments of the open episode, opener first
    current_after_cr = False
    closed: tuple[list[Assessment], bool] | None = None  # closed by a resection
    cr_seen = False
    r = 0
    for assessment in case.assessments:
        # Surgery on the same day as an assessment is taken to follow it.
        while r < len(resections) and resections[r] < assessment.date:
            if current:
                closed, current = (current, current_after_cr), []
            r += 1
        if assessment.finding is Finding.COMPLETE_RESPONSE:
            cr_seen, current, closed = True, [], None
            continue
        if not current and assessment.finding in _EPISODE_OPENERS:
            current, current_after_cr, closed = [assessment], cr_seen, None
        elif not current and closed is not None and _shows_disease(assessment):
            (current, current_after_cr), closed = closed, None
            current = [*current, assessment]
        elif current:
            current.append(assessment)
    if r < len(resections) and current:
        closed, current = (current, current_after_cr), []
    if not current and closed is not None and case.disease is not None:
        current, current_after_cr = closed
    if not current:
        return None, cr_seen
    first = current[0]
    return Episode(first.date, first.finding, current_after_cr, tuple(current)), cr_seen


def _add_days(date: dt.date, days: int) -> dt.date | None:
    """*date* + *days*, or ``None`` past the end of the calendar (year 9999)."""
    try:
        return date + dt.timedelta(days=days)
    except OverflowError:
        return None


def assess_status(case: Case) -> StatusAssessment:
    """Derive the disease status of *case* (clinical pathway §2, first rule that applies).

    >>> from ascc_salvage import load_case
    >>> import importlib.resources
    >>> text = importlib.resources.files("ascc_salvage.examples").joinpath(
    ...     "persistent_resectable.json").read_text()
    >>> assessment = assess_status(load_case(text))
    >>> assessment.status, assessment.weeks_from_crt_start, assessment.histologically_confirmed
    (<DiseaseStatus.PERSISTENT: 'persistent'>, 26.0, True)
    """
    from ascc_salvage.knowledge import thresholds  # deferred: the knowledge base loads once

    window = int(thresholds().assessment_window_days.value)
    after_surgery = any(s.procedure in _MAJOR_RESECTIONS for s in case.prior_salvage_surgery)
    crt = case.primary.chemoradiotherapy
    if crt is None:
        return StatusAssessment(
            DiseaseStatus.UNTREATED_PRIMARY, False, after_surgery, None, None, 1
        )

    def day(date: dt.date) -> int:
        return (date - crt.start_date).days

    latest = case.assessments[-1] if case.assessments else None
    weeks = round(day(latest.date) / 7, 1) if latest is not None else None
    episode, cr_seen = _open_episode(case)

    def result(
        status: DiseaseStatus, confirmed: bool, rule: int, next_date: dt.date | None = None
    ) -> StatusAssessment:
        return StatusAssessment(
            status, confirmed, after_surgery, weeks, next_date, rule, episode, cr_seen
        )

    positive_dates = [a.date for a in case.assessments if _shows_disease(a)]
    last_positive = max(positive_dates) if positive_dates else None
    if case.disease is None and any(
        last_positive is None or s.date >= last_positive for s in case.prior_salvage_surgery
    ):
        return result(DiseaseStatus.NO_EVIDENCE_OF_DISEASE, False, 2)
    if episode is not None:
        confirmed = any(a.biopsy is Biopsy.POSITIVE for a in episode.assessments)
        recurrent = episode.opening_finding is Finding.RECURRENCE or episode.after_complete_response
        if recurrent:
            return result(DiseaseStatus.RECURRENT, confirmed, 3)
        return result(DiseaseStatus.PROGRESSIVE, confirmed, 4)
    if latest is not None and latest.finding is Finding.COMPLETE_RESPONSE:
        return result(DiseaseStatus.COMPLETE_CLINICAL_RESPONSE, False, 5)
    confirmed = latest is not None and latest.biopsy is Biopsy.POSITIVE
    if latest is not None and day(latest.date) >= window:
        if latest.finding is Finding.EQUIVOCAL or (
            latest.finding in _RESIDUAL and latest.biopsy in _NON_MALIGNANT_BIOPSY
        ):
            return result(DiseaseStatus.EQUIVOCAL, confirmed, 6)
        # A latest progression or recurrence always leaves an episode open (rule 3/4) or is
        # followed by a resection (rule 2 or a re-opened episode), so this test always holds.
        if latest.finding in _RESIDUAL:  # pragma: no branch - see the comment above
            return result(DiseaseStatus.PERSISTENT, confirmed, 9)
    # Latest finding before day 182 (or a leftover progression closed by resection), or none.
    if day(case.evaluation_date) < window:
        next_date = _add_days(crt.start_date, window)
        return result(DiseaseStatus.TOO_EARLY_TO_ASSESS, confirmed, 7, next_date)
    return result(DiseaseStatus.ASSESSMENT_DUE, confirmed, 8)
