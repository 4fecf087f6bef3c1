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
from ascc_salvage.case import Assessment, Case, DiseaseSite, SiteFinding
from ascc_salvage.staging import MCategory, NCategory

if TYPE_CHECKING:
    from ascc_salvage.knowledge import KnowledgeBase
from ascc_salvage.vocabulary import (
    Biopsy,
    DiseaseStatus,
    Finding,
    LesionFinding,
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
#: Site findings that make a regressing, stable or equivocal assessment a progression (§2.1).
_WORSE_AT_A_SITE: Final = frozenset(
    {LesionFinding.NEW, LesionFinding.PROGRESSION, LesionFinding.RECURRENCE}
)
#: Site findings at the latest assessment that keep a site from being new by N2 or N3.
_JUDGED_COURSE: Final = frozenset(
    {LesionFinding.REGRESSING, LesionFinding.STABLE, LesionFinding.COMPLETE_RESPONSE}
)
_BIOPSY_ORDER: Final = {biopsy: index for index, biopsy in enumerate(Biopsy)}
_DISTANT_SITES: Final = frozenset(
    {Site.PARA_AORTIC_NODES, Site.LIVER, Site.LUNG, Site.BONE, Site.PERITONEUM, Site.OTHER_DISTANT}
)


def is_distant_site(site: DiseaseSite | SiteFinding) -> bool:
    """Whether *site* (a disease site, or the site of a site finding) is distant (M1, §3).

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

    * ``N1``: the latest assessment has a matching site finding ``new``.
    * ``N2``: a distant site, the stage at diagnosis is M0, and no earlier assessment has a
      matching site finding.
    * ``N3``: a regional nodal site, the stage at diagnosis is N0, and no earlier assessment
      has a matching site finding.
    """

    N1 = "N1"
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
        next_assessment_date: CRT start + 182 days, for ``too_early_to_assess``; inside the
            §2.2 window max(evaluation date, min(latest assessment + 42 days, CRT end + 183
            days)); ``None`` otherwise (or if the date falls past the end of the calendar).
        rule: Number of the status rule (1–9) that applied.
        episode: The open episode, if any.
        complete_response_documented: A ``complete_response`` is recorded at any time.
        extent_check: What the extent cross-check of §2.1 changed (``None``: the findings
            agree with the extent, or no CRT); the engine raises ``finding_contradicts_extent``
            from it.
        confirm_new_distant_site: The open episode was opened by the cross-check (E3 or E4)
            on a new distant site and no site finding at a distant site in the episode has
            biopsy ``positive``: the systemic options and metastasis-directed therapy carry
            flag ``confirm_new_distant_site``. *Library policy:* when the episode records no
            site findings at all (always so in case schema 1), a biopsy cannot be attributed
            to a site, and any positive biopsy in the episode counts as confirming the new
            site.
        crt_in_progress: The evaluation date is before the CRT ``end_date`` (§1).
        deciding_biopsy: The effective biopsy of the latest effective finding (site biopsies
            included, see :func:`effective_assessments`); ``None`` without one.
        assessment_due_from: For ``assessment_due``, CRT start + 182 days: the date from which
            the overdue assessment counts (the missing-information prompt names it).
        regression_window: The §2.2 window applies (persistent disease still regressing
            after week 26, within 183 days of the CRT end): ``observe_and_reassess`` is an
            alternative and ``next_assessment_date`` follows §2.2.
        new_sites: Indices of the ``disease.sites`` entries new by §2.1 (N1–N3), with the
            rule that made each new.
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
    crt_in_progress: bool = False
    deciding_biopsy: Biopsy | None = None
    assessment_due_from: dt.date | None = None
    regression_window: bool = False
    new_sites: tuple[tuple[int, NewSiteRule], ...] = ()


def effective_assessments(case: Case) -> tuple[Assessment, ...]:
    """The assessments with their effective findings before the extent cross-check.

    This is step 2 of §2.1, the per-site upgrade of a mixed response: a ``regressing``,
    ``stable`` or ``equivocal`` finding with a site finding ``new``, ``progression`` or
    ``recurrence`` counts as ``progression`` (the worst site decides; no warning, the
    clinician recorded the mixed response). The date is kept.

    The biopsy of an assessment with site findings becomes the most telling of its own and
    its site biopsies, in the order ``positive``, ``hsil_only``, ``non_viable``, ``negative``,
    ``not_done``: an assessment is biopsy-positive if any of them is positive (§2), and
    *(library policy)* an HSIL-only site biopsy is the deciding biopsy of an otherwise
    negative or unbiopsied assessment. A complete response keeps its recorded biopsy.
    Assessments without site findings are returned unchanged (so always in case schema 1).
    """
    items = case.assessments
    if not any(a.site_findings for a in items):
        return items
    return tuple(_effective(a) for a in items)


def _effective(assessment: Assessment) -> Assessment:
    sites = assessment.site_findings
    if not sites or assessment.finding is Finding.COMPLETE_RESPONSE:
        return assessment
    finding = assessment.finding
    if finding in _NOT_OPENING and any(x.finding in _WORSE_AT_A_SITE for x in sites):
        finding = Finding.PROGRESSION
    biopsy = min((assessment.biopsy, *(x.biopsy for x in sites)), key=_BIOPSY_ORDER.__getitem__)
    if finding is assessment.finding and biopsy is assessment.biopsy:
        return assessment
    return _with_finding(assessment, finding, biopsy)


def _matches(finding: SiteFinding, site: DiseaseSite) -> bool:
    """A site finding matches a ``disease.sites[]`` entry (§2.1).

    Same ``site``, and the same ``laterality`` and ``station`` when both record them.
    """
    return (
        finding.site is site.site
        and (
            finding.laterality is None
            or site.laterality is None
            or finding.laterality is site.laterality
        )
        and (finding.station is None or site.station is None or finding.station is site.station)
    )


def new_site_rule(case: Case, site: DiseaseSite) -> NewSiteRule | None:
    """The rule by which *site* of ``disease`` is new (§2.1 step 3), or ``None``.

    *L* is the latest assessment (none without assessments).

    * **N1**: *L* has a matching site finding ``new`` (any site, local ones included).
    * **N2**: a distant site (§3), stage M0 at diagnosis, and no assessment before *L* has
      a matching site finding: a new organ is new even when another distant site was known.
    * **N3**: a regional nodal site (inguinal nodes, pelvic nodes at a regional or unknown
      station), stage N0 at diagnosis, and no assessment before *L* has a matching site
      finding; with NX or N1–N1c a nodal site is new only by N1.

    A site whose matching site finding at *L* is ``regressing``, ``stable`` or
    ``complete_response`` is never new by N2 or N3 (the clinician saw it and judged its
    course). Local sites are new only by N1. Matching: same ``site``, and the same
    ``laterality`` and ``station`` when both record them.
    """
    items = case.assessments
    at_latest = [x.finding for x in items[-1].site_findings if _matches(x, site)] if items else []
    if LesionFinding.NEW in at_latest:
        return NewSiteRule.N1
    if any(finding in _JUDGED_COURSE for finding in at_latest):
        return None
    stage = case.primary.stage
    if is_distant_site(site):
        rule: NewSiteRule | None = NewSiteRule.N2 if stage.m is MCategory.M0 else None
    elif is_regional_nodal_site(site) and stage.n is NCategory.N0:
        rule = NewSiteRule.N3
    else:
        return None
    if rule is None or any(_matches(x, site) for a in items[:-1] for x in a.site_findings):
        return None
    return rule


def _new_sites(case: Case) -> tuple[tuple[int, NewSiteRule], ...]:
    """Every ``disease.sites`` entry new by §2.1, with its rule (``disease`` lists sites)."""
    assert case.disease is not None
    return tuple(
        (index, rule)
        for index, site in enumerate(case.disease.sites)
        if (rule := new_site_rule(case, site)) is not None
    )


def _cross_check(
    case: Case,
    findings: tuple[Assessment, ...],
    new_sites: tuple[tuple[int, NewSiteRule], ...],
) -> tuple[tuple[Assessment, ...], ExtentCheck | None]:
    """Step 3 of §2.1: make the latest effective finding agree with ``disease``.

    E3 and E4 read the sites new by N2 or N3 (a site new by N1 already upgraded the finding
    of *L* in step 2); E2 reads any new site.
    """
    disease = case.disease
    if disease is None or not disease.sites:  # no evaluable disease (§2.1: [] counts as null)
        return findings, None
    all_fields = tuple(range(len(disease.sites)))
    extent_new = tuple(item for item in new_sites if item[1] is not NewSiteRule.N1)
    new_fields = tuple(j for j, _ in extent_new)
    evaluation = case.evaluation_date
    if not findings:
        if not extent_new:
            return findings, None
        synthetic = Assessment(date=evaluation, finding=Finding.PROGRESSION, biopsy=Biopsy.NOT_DONE)
        check = ExtentCheck(
            ExtentEffect.E4,
            None,
            Finding.PROGRESSION,
            "evaluation_date",
            new_fields,
            extent_new,
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
                extent_new,
            )
            return (*findings, synthetic), check
        earlier_cr = any(a.finding is Finding.COMPLETE_RESPONSE for a in findings[:last])
        upgraded = Finding.PROGRESSION if new_sites or earlier_cr else Finding.STABLE
        check = ExtentCheck(
            ExtentEffect.E2, latest.finding, upgraded, field, all_fields, extent_new
        )
        return (*findings[:last], _with_finding(latest, upgraded)), check
    if extent_new and latest.finding in _NOT_OPENING:
        check = ExtentCheck(
            ExtentEffect.E3, latest.finding, Finding.PROGRESSION, field, new_fields, extent_new
        )
        return (*findings[:last], _with_finding(latest, Finding.PROGRESSION)), check
    return findings, None


_ASSESSMENT_FIELDS: Final = tuple(field.name for field in attrs.fields(Assessment))


def _with_finding(
    assessment: Assessment, finding: Finding, biopsy: Biopsy | None = None
) -> Assessment:
    """``attrs.evolve(assessment, finding=…, biopsy=…)`` without checking every field again.

    The assessment was checked when it was built, and the only rules that read a finding
    (P11) are about a complete response, which the cross-check and the per-site upgrade
    never write.
    """
    assert finding is not Finding.COMPLETE_RESPONSE
    copy: Assessment = object.__new__(Assessment)
    for name in _ASSESSMENT_FIELDS:
        object.__setattr__(copy, name, getattr(assessment, name))
    object.__setattr__(copy, "finding", finding)
    if biopsy is not None:
        object.__setattr__(copy, "biopsy", biopsy)
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
    new_sites = _new_sites(case) if _lists_disease(case) else ()
    findings, check = _cross_check(case, effective_assessments(case), new_sites)
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
        confirm_distant = opened and check.new_distant_site and not _distant_site_confirmed(episode)
    in_progress = case.evaluation_date < crt.end_date

    def result(
        status: DiseaseStatus,
        confirmed: bool,
        rule: int,
        next_date: dt.date | None = None,
        *,
        due_from: dt.date | None = None,
        regression_window: bool = False,
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
            in_progress,
            None if latest is None else latest.biopsy,
            due_from,
            regression_window,
            new_sites,
        )

    if in_progress and not (episode is not None and _nodal_or_distant_progression(case, new_sites)):
        # §1: during CRT the response cannot be assessed whatever the recorded findings,
        # unless a distant or regional nodal site is new (N1-N3): then rules 3-4 apply.
        confirmed = latest is not None and latest.biopsy is Biopsy.POSITIVE
        next_date = add_days_or_none(crt.start_date, window)
        return result(DiseaseStatus.TOO_EARLY_TO_ASSESS, confirmed, 7, next_date)
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
            next_date = _regression_window(case, kb, latest, crt.end_date, new_sites)
            return result(
                DiseaseStatus.PERSISTENT,
                confirmed,
                9,
                next_date,
                regression_window=next_date is not None,
            )
    # Latest finding before day 182 (or a leftover progression closed by resection), or none.
    due = add_days_or_none(crt.start_date, window)
    if day(case.evaluation_date) < window:
        return result(DiseaseStatus.TOO_EARLY_TO_ASSESS, confirmed, 7, due)
    return result(DiseaseStatus.ASSESSMENT_DUE, confirmed, 8, due_from=due)


def _distant_site_confirmed(episode: Episode) -> bool:
    """A positive biopsy confirms the new distant site of an episode (§2.1 flag).

    A site finding at a distant site with biopsy ``positive``. *Library policy:* when the
    episode records no site findings at all, any positive biopsy in it counts (a biopsy
    cannot be attributed to a site; always so in case schema 1).
    """
    site_findings = [x for a in episode.assessments for x in a.site_findings]
    if not site_findings:
        return any(a.biopsy is Biopsy.POSITIVE for a in episode.assessments)
    return any(x.biopsy is Biopsy.POSITIVE and is_distant_site(x) for x in site_findings)


def _nodal_or_distant_progression(
    case: Case, new_sites: tuple[tuple[int, NewSiteRule], ...]
) -> bool:
    """A distant or regional nodal site of ``disease`` is new by N1-N3 (§1 during CRT)."""
    assert case.disease is not None or not new_sites
    sites = () if case.disease is None else case.disease.sites
    return any(is_distant_site(sites[j]) or is_regional_nodal_site(sites[j]) for j, _ in new_sites)


def _regression_window(
    case: Case,
    kb: KnowledgeBase,
    latest: Assessment,
    crt_end: dt.date,
    new_sites: tuple[tuple[int, NewSiteRule], ...],
) -> dt.date | None:
    """§2.2: the next assessment date when regressing disease may be observed, else ``None``.

    Persistent disease (status rule 9, so *latest* is dated at day ≥ 182) whose latest
    effective finding is ``regressing`` and biopsy-positive, evaluated no later than CRT end
    + 183 days, with no site new by §2.1 and no distant site. The date is max(evaluation
    date, min(latest + 42 days, CRT end + 183 days)).
    """
    if latest.finding is not Finding.REGRESSING or latest.biopsy is not Biopsy.POSITIVE:
        return None
    window_end = add_days_or_none(
        crt_end, int(kb.thresholds.regression_window_after_crt_end_days.value)
    )
    evaluation = case.evaluation_date
    if window_end is None or evaluation > window_end or new_sites:
        return None
    disease = case.disease
    if disease is not None and any(is_distant_site(site) for site in disease.sites):
        return None
    interval = int(kb.thresholds.regression_reassessment_interval_days.value)
    follow_up = add_days_or_none(latest.date, interval)
    return max(evaluation, window_end if follow_up is None else min(follow_up, window_end))
