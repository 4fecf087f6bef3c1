"""Prior therapy derived from agents (clinical pathway v3 §5.1, rule ``5.1.prior_therapy``).

Each ``prior_systemic_therapy`` entry contributes its agents: a catalogue regimen the drugs
of its regimen in the knowledge base, a ``regimen: "other"`` its ``agents`` list. The
radiosensitising agents of the primary chemoradiotherapy contribute theirs. Agents fall
into the classes of the §5.1 table (:data:`AGENT_CLASSES`); the facts of the systemic
pathway (:class:`~ascc_salvage.engine._facts.Facts`) read the derived exposure:

* **platinum-pretreated**: platinum in an ``advanced`` course, or radiosensitising (including
  the chemoradiotherapy agents), neoadjuvant or adjuvant platinum whose last dose was at most
  ``platinum_other_setting_window`` days before the current episode opened; a
  radiosensitising agent ``other`` leaves that unknown;
* **ICI exposure** (routes to §5.4): an anti-PD-(L)1 agent in an ``advanced``,
  ``radiosensitising``, ``neoadjuvant`` or ``adjuvant`` course, or in an ``other_cancer``
  course that is ongoing or ended at most ``ici_other_cancer_window`` days before the
  episode opened; a course listing ``investigational`` without an anti-PD-(L)1 agent leaves
  it unknown (when it could count);
* **older ICI for another cancer**: an ``other_cancer`` anti-PD-(L)1 course outside the
  window (§5.2g, and the ``outside_trial_population`` flag at later lines);
* **chemotherapy used**: an ``advanced`` course held the regimen's defining pair.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Final

import attrs

from ascc_salvage._dates import add_days
from ascc_salvage.case import Case, PriorSystemicTherapy
from ascc_salvage.vocabulary import (
    Finding,
    OptionId,
    OtherRegimen,
    RadiosensitisingAgent,
    SystemicAgent,
    TherapyOutcome,
    TherapySetting,
)

if TYPE_CHECKING:  # pragma: no cover - typing only
    from ascc_salvage.knowledge import KnowledgeBase
    from ascc_salvage.status import StatusAssessment

__all__ = [
    "AGENT_CLASSES",
    "DEFINING_PAIRS",
    "PriorTherapy",
    "course_agents",
    "derive_prior_therapy",
]

PLATINUM: Final = "platinum"
TAXANE: Final = "taxane"
FLUOROPYRIMIDINE: Final = "fluoropyrimidine"
ANTI_PD_L1: Final = "anti_pd_l1"
OTHER_ICI: Final = "other_ici"
UNKNOWN: Final = "unknown"

_A = SystemicAgent
#: The drug classes of clinical pathway §5.1, by agent of the case format's vocabulary
#: (agents of no class — mitomycin, irinotecan, anti-EGFR, other cytotoxics — are absent).
AGENT_CLASSES: Final[dict[str, str]] = {
    **dict.fromkeys((_A.CISPLATIN, _A.CARBOPLATIN, _A.OXALIPLATIN), PLATINUM),
    **dict.fromkeys((_A.PACLITAXEL, _A.NAB_PACLITAXEL, _A.DOCETAXEL), TAXANE),
    **dict.fromkeys((_A.FLUOROURACIL, _A.CAPECITABINE), FLUOROPYRIMIDINE),
    **dict.fromkeys(
        (
            _A.RETIFANLIMAB,
            _A.NIVOLUMAB,
            _A.PEMBROLIZUMAB,
            _A.DOSTARLIMAB,
            _A.CEMIPLIMAB,
            _A.TISLELIZUMAB,
            _A.TORIPALIMAB,
            _A.ATEZOLIZUMAB,
            _A.DURVALUMAB,
            _A.AVELUMAB,
            _A.OTHER_ANTI_PD1_PDL1,
        ),
        ANTI_PD_L1,
    ),
    **dict.fromkeys((_A.IPILIMUMAB, _A.TREMELIMUMAB), OTHER_ICI),
    _A.INVESTIGATIONAL: UNKNOWN,
    RadiosensitisingAgent.OTHER: UNKNOWN,
}

#: "Chemotherapy not yet used" (§5.1): an advanced course held one agent of each set.
DEFINING_PAIRS: Final[dict[OptionId, tuple[frozenset[str], frozenset[str]]]] = {
    OptionId.CISPLATIN_FLUOROURACIL: (
        frozenset({_A.CISPLATIN}),
        frozenset({_A.FLUOROURACIL, _A.CAPECITABINE}),
    ),
    OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL: (
        frozenset({_A.DOCETAXEL}),
        frozenset({_A.CISPLATIN}),
    ),
    OptionId.CARBOPLATIN_PACLITAXEL: (
        frozenset({_A.CARBOPLATIN}),
        frozenset({_A.PACLITAXEL, _A.NAB_PACLITAXEL}),
    ),
}

#: Findings that show residual disease (persistent disease opens no episode).
_RESIDUAL: Final = frozenset({Finding.REGRESSING, Finding.STABLE})
#: Settings other than advanced disease in which platinum counts by the 183-day rule.
_OTHER_SETTINGS: Final = frozenset(
    {TherapySetting.RADIOSENSITISING, TherapySetting.NEOADJUVANT, TherapySetting.ADJUVANT}
)
#: Settings in which any anti-PD-(L)1 course is ICI exposure.
_ICI_SETTINGS: Final = _OTHER_SETTINGS | {TherapySetting.ADVANCED}


def course_agents(kb: KnowledgeBase, therapy: PriorSystemicTherapy) -> frozenset[str]:
    """The agents of one prior course: its ``agents``, or its catalogue regimen's drugs."""
    if therapy.regimen is OtherRegimen.OTHER:
        return frozenset(str(agent) for agent in therapy.agents or ())
    return frozenset(
        dose.drug
        for variant in kb.regimens[str(therapy.regimen)].variants
        for dose in variant.drugs
    )


def classes_of(agents: Iterable[str]) -> frozenset[str]:
    """The §5.1 classes of *agents*."""
    return frozenset(AGENT_CLASSES[a] for a in agents if a in AGENT_CLASSES)


@attrs.frozen
class PriorTherapy:
    """The exposure derived from the prior therapy of a case (three-valued where unknown).

    Attributes:
        episode_date: The date the current episode opened (the evaluation date when no
            episode is open and no residual disease was found).
        platinum_pretreated: Platinum-pretreated (§5.1); ``None`` when a radiosensitising
            agent ``other`` decides it.
        platinum_advanced: Platinum in an advanced course.
        platinum_other_setting_only: Platinum-pretreated only through radiosensitising,
            neoadjuvant or adjuvant platinum within the window (row 5.3g).
        platinum_courses: Whether any prior course (any setting) contains a platinum agent.
        ici_exposed: ICI exposure (routes to §5.4); ``None`` when an investigational drug
            decides it.
        older_other_cancer_ici: An anti-PD-(L)1 course for another cancer outside the window
            (and no ICI exposure otherwise).
        missing: The case paths that would decide an unknown value, by fact name.
        used: The catalogue regimens whose defining pair an advanced course held.
        prior_treatment: Any prior systemic treatment of this cancer (a course in a setting
            other than ``other_cancer``, or recorded radiosensitising agents).
    """

    episode_date: dt.date
    platinum_pretreated: bool | None
    platinum_advanced: bool
    platinum_other_setting_only: bool
    platinum_courses: bool
    ici_exposed: bool | None
    older_other_cancer_ici: bool
    missing: dict[str, tuple[str, ...]]
    used: frozenset[OptionId]
    prior_treatment: bool


def episode_date(case: Case, status: StatusAssessment, window_days: int) -> dt.date:
    """The date the current episode opened (§5.1).

    The opening finding of the open episode; for persistent disease (no episode), the first
    assessment on or after day *window_days* from the CRT start that found residual
    disease; else the evaluation date.
    """
    if status.episode is not None:
        return status.episode.opened_on
    crt = case.primary.chemoradiotherapy
    if crt is not None:
        from_day = add_days(crt.start_date, window_days)
        for assessment in case.assessments:
            if assessment.date >= from_day and assessment.finding in _RESIDUAL:
                return assessment.date
    return case.evaluation_date


def _days(earlier: dt.date, later: dt.date) -> int:
    return (later - earlier).days


def derive_prior_therapy(case: Case, status: StatusAssessment, kb: KnowledgeBase) -> PriorTherapy:
    """Derive the exposure of *case* (§5.1 prior therapy)."""
    t = kb.thresholds
    opened = episode_date(case, status, int(t.assessment_window_days.value))
    platinum_window = int(t.platinum_other_setting_window.value)
    ici_window = int(t.ici_other_cancer_window.value)

    platinum_advanced = False
    platinum_recent = False
    platinum_unknown: list[str] = []
    platinum_courses = False
    ici: bool = False
    ici_unknown: list[str] = []
    older_ici = False
    used: set[OptionId] = set()
    prior_treatment = False
    for i, therapy in enumerate(case.prior_systemic_therapy):
        agents = course_agents(kb, therapy)
        classes = classes_of(agents)
        setting = therapy.setting
        if setting is not TherapySetting.OTHER_CANCER:
            prior_treatment = True
        if PLATINUM in classes:
            platinum_courses = True
            if setting is TherapySetting.ADVANCED:
                platinum_advanced = True
            elif setting in _OTHER_SETTINGS:
                last = therapy.platinum_end_date or therapy.end_date
                if last is None or _days(last, opened) <= platinum_window:
                    platinum_recent = True
        if setting is TherapySetting.ADVANCED:
            for option, (first, second) in DEFINING_PAIRS.items():
                if agents & first and agents & second:
                    used.add(option)
        # ICI exposure: does this course count, and would it count if it were anti-PD-(L)1?
        if setting in _ICI_SETTINGS:
            counts = True
        else:  # other_cancer: ongoing or within the window
            counts = (
                therapy.outcome is TherapyOutcome.ONGOING
                or therapy.end_date is None
                or _days(therapy.end_date, opened) <= ici_window
            )
        if ANTI_PD_L1 in classes:
            if counts:
                ici = True
            else:
                older_ici = True
        elif UNKNOWN in classes and counts:
            ici_unknown.append(f"prior_systemic_therapy[{i}].agents")
    crt = case.primary.chemoradiotherapy
    if crt is not None and crt.agents:
        prior_treatment = True
        crt_classes = classes_of(str(agent) for agent in crt.agents)
        if crt_classes & {PLATINUM, UNKNOWN} and _days(crt.end_date, opened) <= platinum_window:
            if PLATINUM in crt_classes:
                platinum_recent = True
            else:
                platinum_unknown.append("primary.chemoradiotherapy.agents")
    ici_exposed: bool | None = True if ici else (None if ici_unknown else False)
    pretreated: bool | None = platinum_advanced or platinum_recent
    if not pretreated and platinum_unknown:
        pretreated = None
    missing: dict[str, tuple[str, ...]] = {}
    if ici_exposed is None:
        missing["ici_exposed"] = tuple(ici_unknown)
    if pretreated is None:
        missing["platinum_pretreated"] = tuple(platinum_unknown)
    return PriorTherapy(
        episode_date=opened,
        platinum_pretreated=pretreated,
        platinum_advanced=platinum_advanced,
        platinum_other_setting_only=platinum_recent and not platinum_advanced,
        platinum_courses=platinum_courses,
        ici_exposed=ici_exposed,
        older_other_cancer_ici=older_ici and not ici,
        missing=missing,
        used=frozenset(used),
        prior_treatment=prior_treatment,
    )
