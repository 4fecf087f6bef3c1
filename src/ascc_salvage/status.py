"""Disease status and the 26-week clock (clinical pathway §2 and §2.1).

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

The status rules read the **effective findings** of §2.1, not the recorded ones: the
extent cross-check makes the latest finding agree with the restaged ``disease`` (a listed
site after a complete response is a recurrence; a new distant site, or a new regional node
after N0 at diagnosis, is progression). :class:`ExtentCheck` records what it changed.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Final

import attrs

from ascc_salvage._dates import add_days_or_none, days_from, weeks_from
from ascc_salvage.case import Assessment, Case, DiseaseSite
from ascc_salvage.staging import MCategory, NCategory

if TYPE_CHECKING:
    from ascc_salvage.knowledge import KnowledgeBase
from ascc_salvage.vocabulary import (
    Biopsy,
    DiseaseStatus,
    Finding,
    NodalStation,
    Site,
)

__all__ = [
    "Episode",
    "ExtentCheck",
    "ExtentEffect",
    "NewSiteRule",
    "StatusAssessment",
    "assess_status",
    "effective_assessments",
    "is_distant_site",
    "is_regional_nodal_site",
    "new_site_rule",
]

_EPISODE_OPENERS: Final = frozenset({Finding.PROGRESSION, Finding.RECURRENCE})
_RESIDUAL: Final = frozenset({Finding.REGRESSING, Finding.STABLE})
_NOT_OPENING: Final = frozenset({Finding.REGRESSING, Finding.STABLE, Finding.EQUIVOCAL})
_DISEASE_FINDINGS: Final = frozenset(
    {Finding.PROGRESSION, Finding.RECURRENCE, Finding.REGRESSING, Finding.STABLE}
)
_NON_MALIGNANT_BIOPSY: Final = frozenset({Biopsy.NEGATIVE, Biopsy.HSIL_ONLY, Biopsy.NON_VIABLE})
_DISTANT_SITES: Final = frozenset(
    {Site.PARA_AORTIC_NODES, Site.LIVER, Site.LUNG, Site.BONE, Site.PERITONEUM, Site.OTHER_DISTANT}
)


def is_distant_site(site: DiseaseSite) -> bool:
    """Whether *site* is distant (M1) disease (clinical pathway §3).

    Distant: para-aortic nodes, pelvic nodes at the (non-regional) common iliac station,
    liver, lung, bone, peritoneum and other distant sites.
    """
    return site.site in _DISTANT_SITES or (
        site.site is Site.PELVIC_NODES and site.station is NodalStation.COMMON_ILIAC
    )


def is_regional_nodal_site(site: DiseaseSite) -> bool:
    """Whether *site* is a regional nodal site (§2.1 N3).

    Inguinal nodes, or pelvic nodes at a regional or unknown station.
    """
    return site.site is Site.INGUINAL_NODES or (
        site.site is Site.PELVIC_NODES and not is_distant_site(site)
    )


class ExtentEffect(enum.StrEnum):
    """The effect of the extent cross-check (clinical pathway §2.1, step 3).

    * ``E1``: a complete response before the evaluation date and listed sites: a synthetic
      ``recurrence`` at the evaluation date.
    * ``E2``: a complete response on the evaluation date and listed sites: the finding
      becomes ``progression`` (a new site, or an earlier complete response) or ``stable``.
    * ``E3``: a new distant or regional nodal site while the latest finding is
      ``regressing``, ``stable`` or ``equivocal``: the finding becomes ``progression``.
    * ``E4``: a new distant or regional nodal site and no assessment: a synthetic
      ``progression`` at the evaluation date.
    """

    E1 = "E1"
    E2 = "E2"
    E3 = "E3"
    E4 = "E4"


class NewSiteRule(enum.StrEnum):
    """Why a ``disease.sites[]`` entry is new (clinical pathway §2.1, step 3).

    * ``N2``: a distant site, and the stage at diagnosis is M0.
    * ``N3``: a regional nodal site, and the stage at diagnosis is N0.
    """

    N2 = "N2"
    N3 = "N3"


@attrs.frozen
class ExtentCheck:
    """What the extent cross-check (§2.1) changed, for the warning and the flag.

    Attributes:
        effect: The effect that applied (E1–E4).
        recorded_finding: The recorded finding of the latest assessment (``None`` for E4).
        effective_finding: The finding the status rules read instead (for E1 and E4 the
            synthetic finding dated at the evaluation date).
        assessment_field: Case path of the contradicted finding: ``assessments[i].finding``,
            or ``evaluation_date`` for a synthetic finding (E1, E4).
        sites: Indices *j* in ``disease.sites`` of every contradicting site: every listed
            site for E1 and E2 (any disease contradicts a complete response), the new sites
            for E3 and E4.
        new_sites: Indices of the ``disease.sites`` entries that are new (N2 or N3), with the
            rule that made each new.
        opened_episode: The effective finding opened the current episode.
    """

    effect: ExtentEffect
    recorded_finding: Finding | None
    effective_finding: Finding
    assessment_field: str
    sites: tuple[int, ...]
    new_sites: tuple[tuple[int, NewSiteRule], ...] = ()
    opened_episode: bool = False

    @property
    def site_fields(self) -> tuple[str, ...]:
        """Case paths of the contradicting sites (``disease.sites[j].site``)."""
        return tuple(f"disease.sites[{j}].site" for j in self.sites)

    @property
    def fields(self) -> tuple[str, ...]:
        """The case paths of the ``finding_contradicts_extent`` warning."""
        return (self.assessment_field, *self.site_fields)

    @property
    def new_distant_site(self) -> bool:
        """A site is new by N2 (a new distant site)."""
        return any(rule is NewSiteRule.N2 for _, rule in self.new_sites)


@attrs.frozen
class Episode:
    """An open episode of active disease.

    Attributes:
        opened_on: Date of the finding that opened it.
        opening_finding: ``progression`` or ``recurrence``.
        after_complete_response: Whether a complete response was documented before it.
        assessments: The assessments inside the episode, in date order (effective findings,
            §2.1: a synthetic finding of the cross-check is dated at the evaluation date).
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
        weeks_from_crt_start: Weeks from CRT start to the latest recorded assessment (0.1
            precision), ``None`` without CRT or assessments. A synthetic finding of the
            extent cross-check is not an assessment and does not move it.
        next_assessment_date: CRT start + 182 days, for ``too_early_to_assess`` (``None``
            if that falls past the end of the calendar).
        rule: Number of the status rule (1–9) that applied.
        episode: The open episode, if any.
        complete_response_documented: A ``complete_response`` is recorded at any time.
        extent_check: What the extent cross-check of §2.1 changed (``None``: the findings
            agree with the extent, or no CRT); the engine raises ``finding_contradicts_extent``
            from it.
        confirm_new_distant_site: The open episode was opened by the cross-check (E3 or E4)
            on a new distant site and no positive biopsy is recorded in it: the systemic
            options and metastasis-directed therapy carry flag ``confirm_new_distant_site``.
            *Interpretation for case schema 1:* a biopsy cannot be attributed to a site, so
            any positive biopsy in the episode counts as confirming the new site.
    """

    status: DiseaseStatus
    histologically_confirmed: bool
    after_salvage_surgery: bool
    weeks_from_crt_start: float | None
    next_assessment_date: dt.date | None
    rule: int
    episode: Episode | None = None
    complete_response_documented: bool = False
    extent_check: ExtentCheck | None = None
    confirm_new_distant_site: bool = False


def effective_assessments(case: Case) -> tuple[Assessment, ...]:
    """The assessments with their effective findings before the extent cross-check.

    This is step 2 of §2.1 (per-site upgrade of a mixed response: a ``regressing``,
    ``stable`` or ``equivocal`` finding with a site finding ``new``, ``progression`` or
    ``recurrence`` counts as ``progression``). Case schema 1 records no per-site findings,
    so every effective finding is the recorded one; the per-site upgrade extends this
    function when ``assessments[].site_findings`` arrive with schema 2.
    """
    return case.assessments


def new_site_rule(case: Case, site: DiseaseSite) -> NewSiteRule | None:
    """The rule by which *site* of ``disease`` is new (§2.1 step 3), or ``None``.

    * **N2**: a distant site (§3) with stage M0 at diagnosis.
    * **N3**: a regional nodal site (inguinal nodes, pelvic nodes at a regional or unknown
      station) with stage N0 at diagnosis; with NX or N1–N1c a nodal site is never new here.

    Local sites are never new here. Rule N1 (a site finding ``new`` at the latest
    assessment), the exception for a site that an earlier assessment's site finding already
    records, and the exception for a site whose site finding at the latest assessment is
    ``regressing``, ``stable`` or ``complete_response`` all read per-site findings, which
    case schema 1 does not record: they extend this function with schema 2.
    """
    stage = case.primary.stage
    if is_distant_site(site):
        return NewSiteRule.N2 if stage.m is MCategory.M0 else None
    if is_regional_nodal_site(site) and stage.n is NCategory.N0:
        return NewSiteRule.N3
    return None


def _cross_check(
    case: Case, findings: tuple[Assessment, ...]
) -> tuple[tuple[Assessment, ...], ExtentCheck | None]:
    """Step 3 of §2.1: make the latest effective finding agree with ``disease``."""
    disease = case.disease
    if disease is None or not disease.sites:  # no evaluable disease (§2.1: [] counts as null)
        return findings, None
    new_sites = tuple(
        (index, rule)
        for index, site in enumerate(disease.sites)
        if (rule := new_site_rule(case, site)) is not None
    )
    all_fields = tuple(range(len(disease.sites)))
    new_fields = tuple(j for j, _ in new_sites)
    evaluation = case.evaluation_date
    if not findings:
        if not new_sites:
            return findings, None
        synthetic = Assessment(date=evaluation, finding=Finding.PROGRESSION, biopsy=Biopsy.NOT_DONE)
        check = ExtentCheck(
            ExtentEffect.E4,
            None,
            Finding.PROGRESSION,
            "evaluation_date",
            new_fields,
            new_sites,
        )
        return (synthetic,), check
    last = len(findings) - 1
    latest = findings[last]
    field = f"assessments[{last}].finding"
    if latest.finding is Finding.COMPLETE_RESPONSE:
        if latest.date < evaluation:
            synthetic = Assessment(
                date=evaluation, finding=Finding.RECURRENCE, biopsy=Biopsy.NOT_DONE
            )
            check = ExtentCheck(
                ExtentEffect.E1,
                latest.finding,
                Finding.RECURRENCE,
                "evaluation_date",
                all_fields,
                new_sites,
            )
            return (*findings, synthetic), check
        earlier_cr = any(a.finding is Finding.COMPLETE_RESPONSE for a in findings[:last])
        upgraded = Finding.PROGRESSION if new_sites or earlier_cr else Finding.STABLE
        check = ExtentCheck(ExtentEffect.E2, latest.finding, upgraded, field, all_fields, new_sites)
        return (*findings[:last], _with_finding(latest, upgraded)), check
    if new_sites and latest.finding in _NOT_OPENING:
        check = ExtentCheck(
            ExtentEffect.E3, latest.finding, Finding.PROGRESSION, field, new_fields, new_sites
        )
        return (*findings[:last], _with_finding(latest, Finding.PROGRESSION)), check
    return findings, None


_ASSESSMENT_FIELDS: Final = tuple(field.name for field in attrs.fields(Assessment))


def _with_finding(assessment: Assessment, finding: Finding) -> Assessment:
    """``attrs.evolve(assessment, finding=finding)`` without checking every field again.

    The assessment was checked when it was built, and the only rules that read a finding
    (P11) are about a complete response, which the cross-check never writes.
    """
    assert finding is not Finding.COMPLETE_RESPONSE
    copy: Assessment = object.__new__(Assessment)
    for name in _ASSESSMENT_FIELDS:
        object.__setattr__(copy, name, getattr(assessment, name))
    object.__setattr__(copy, "finding", finding)
    return copy


def _lists_disease(case: Case) -> bool:
    """``disease`` lists at least one site (``[]`` counts as no evaluable disease, §2.1)."""
    return case.disease is not None and bool(case.disease.sites)


def _shows_disease(assessment: Assessment) -> bool:
    return assessment.finding in _DISEASE_FINDINGS or assessment.biopsy is Biopsy.POSITIVE


def _open_episode(case: Case, findings: tuple[Assessment, ...]) -> tuple[Episode | None, bool]:
    """Walk *findings* and resections in date order; return the open episode, if any.

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
    for assessment in findings:
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
    if not current and closed is not None and _lists_disease(case):
        current, current_after_cr = closed
    if not current:
        return None, cr_seen
    first = current[0]
    return Episode(first.date, first.finding, current_after_cr, tuple(current)), cr_seen


def assess_status(case: Case, *, knowledge: KnowledgeBase | None = None) -> StatusAssessment:
    """Derive the disease status of *case* (clinical pathway §2, first rule that applies).

    The rules read the effective findings of §2.1:
    :func:`~ascc_salvage.status.effective_assessments` (step 2),
    then the extent cross-check against ``disease`` (step 3, effects E1–E4), then status
    rules 1–9 (step 4).

    >>> from ascc_salvage import load_case
    >>> import importlib.resources
    >>> text = importlib.resources.files("ascc_salvage.examples").joinpath(
    ...     "persistent_resectable.json").read_text()
    >>> assessment = assess_status(load_case(text))
    >>> assessment.status, assessment.weeks_from_crt_start, assessment.histologically_confirmed
    (<DiseaseStatus.PERSISTENT: 'persistent'>, 26.0, True)
    """
    if knowledge is None:
        from ascc_salvage.knowledge import bundled  # deferred: the knowledge base loads once

        knowledge = bundled()
    kb = knowledge
    window = int(kb.thresholds.assessment_window_days.value)
    major = kb.site_sets.major_resections
    after_surgery = any(s.procedure in major for s in case.prior_salvage_surgery)
    crt = case.primary.chemoradiotherapy
    if crt is None:  # §2.1 step 1
        return StatusAssessment(
            DiseaseStatus.UNTREATED_PRIMARY, False, after_surgery, None, None, 1
        )

    def day(date: dt.date) -> int:
        return days_from(crt.start_date, date)

    recorded = case.assessments[-1] if case.assessments else None
    weeks = weeks_from(crt.start_date, recorded.date) if recorded is not None else None
    findings, check = _cross_check(case, effective_assessments(case))
    latest = findings[-1] if findings else None
    episode, cr_seen = _open_episode(case, findings)
    confirm_distant = False
    if check is not None and episode is not None:
        opened = check.effect in (ExtentEffect.E3, ExtentEffect.E4) and (
            episode.assessments[0] is latest
        )
        check = ExtentCheck(  # attrs.evolve(check, opened_episode=opened), spelled out: faster
            check.effect,
            check.recorded_finding,
            check.effective_finding,
            check.assessment_field,
            check.sites,
            check.new_sites,
            opened_episode=opened,
        )
        confirm_distant = (
            opened
            and check.new_distant_site
            and not any(a.biopsy is Biopsy.POSITIVE for a in episode.assessments)
        )

    def result(
        status: DiseaseStatus, confirmed: bool, rule: int, next_date: dt.date | None = None
    ) -> StatusAssessment:
        return StatusAssessment(
            status,
            confirmed,
            after_surgery,
            weeks,
            next_date,
            rule,
            episode,
            cr_seen,
            check,
            confirm_distant,
        )

    positive_dates = [a.date for a in findings if _shows_disease(a)]
    last_positive = max(positive_dates) if positive_dates else None
    if not _lists_disease(case) and any(
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
        next_date = add_days_or_none(crt.start_date, window)
        return result(DiseaseStatus.TOO_EARLY_TO_ASSESS, confirmed, 7, next_date)
    return result(DiseaseStatus.ASSESSMENT_DUE, confirmed, 8)
