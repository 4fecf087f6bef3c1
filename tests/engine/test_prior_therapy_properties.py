"""Properties of the prior therapy derived from agents (clinical pathway v3 §5.1).

* An anti-PD-(L)1 course for another cancer that is ongoing, or ended at most
  ``ici_other_cancer_window`` days before the episode opened, is ICI exposure: the case is
  routed as ICI-exposed (§5.4) and no checkpoint-inhibitor option is offered.
* One that ended longer ago never demotes carboplatin–paclitaxel (§5.2g prefers it; at
  later lines it only adds a flag).

The cases are drawn by :func:`ascc_salvage.testing.strategies.cases`, which also draws
schema 2 prior therapy (regimens ``"other"`` with agents, radiosensitising agents).
"""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import assume, given
from hypothesis import strategies as st

from ascc_salvage import recommend
from ascc_salvage.case import Biomarkers, Case, PdL1Test, PriorSystemicTherapy
from ascc_salvage.engine._draft import Draft
from ascc_salvage.engine._facts import derive_facts
from ascc_salvage.knowledge import thresholds
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import (
    OptionId,
    OtherRegimen,
    PdL1Specimen,
    SystemicAgent,
    TherapyOutcome,
    TherapySetting,
    Tier,
)

from ._support import mixed_cases

ANTI_PD_L1 = (
    SystemicAgent.PEMBROLIZUMAB,
    SystemicAgent.NIVOLUMAB,
    SystemicAgent.ATEZOLIZUMAB,
    SystemicAgent.DURVALUMAB,
    SystemicAgent.OTHER_ANTI_PD1_PDL1,
)
ICI_OPTIONS = (
    OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
    OptionId.ANTI_PD1_MONOTHERAPY,
    OptionId.NIVOLUMAB_IPILIMUMAB,
)
RANK = {Tier.PREFERRED: 3, Tier.ALTERNATIVE: 2, Tier.UNDETERMINED: 1, Tier.NOT_RECOMMENDED: 0}
WINDOW = int(thresholds().ici_other_cancer_window.value)


def _episode(case: Case) -> dt.date:
    return derive_facts(case, assess_status(case)).prior.episode_date


def _with_course(case: Case, course: PriorSystemicTherapy) -> Case:
    return attrs.evolve(case, prior_systemic_therapy=(*case.prior_systemic_therapy, course))


def _earliest(case: Case) -> dt.date:
    """The earliest date a course may carry (case format P5: not before birth)."""
    age = case.patient.age_years
    if age is None:
        return dt.date(1900, 1, 1)
    evaluation = case.evaluation_date
    return max(dt.date(1900, 1, 1), evaluation - dt.timedelta(days=366 * (age + 1) - 366))


def _other_cancer(
    case: Case, agent: SystemicAgent, end: dt.date | None, ongoing: bool
) -> PriorSystemicTherapy:
    last = end or min(_episode(case), case.evaluation_date)
    return PriorSystemicTherapy(
        regimen=OtherRegimen.OTHER,
        agents=(agent,),
        setting=TherapySetting.OTHER_CANCER,
        start_date=max(last - dt.timedelta(days=30), _earliest(case)),
        end_date=end,
        outcome=TherapyOutcome.ONGOING if ongoing else TherapyOutcome.COMPLETED,
    )


@given(
    mixed_cases(),
    st.sampled_from(ANTI_PD_L1),
    st.integers(0, WINDOW),
    st.sampled_from(("ended", "ongoing", "ongoing_no_end")),
)
def test_recent_or_ongoing_other_cancer_ici_is_exposure(
    case: Case, agent: SystemicAgent, days: int, how: str
) -> None:
    episode = _episode(case)
    end = None if how == "ongoing_no_end" else episode - dt.timedelta(days=days)
    assume(end is None or end >= _earliest(case))
    exposed = _with_course(case, _other_cancer(case, agent, end, ongoing=how != "ended"))
    facts = derive_facts(exposed, assess_status(exposed))
    assert facts.prior_checkpoint_inhibitor is True
    result = recommend(exposed)
    offered = [o.option for o in result.options if o.option in ICI_OPTIONS]
    for option in offered:
        assert result.option(option).tier not in (Tier.PREFERRED, Tier.ALTERNATIVE), option


@given(mixed_cases(), st.sampled_from(ANTI_PD_L1), st.integers(WINDOW + 1, 5000))
def test_older_other_cancer_ici_never_demotes_carboplatin_paclitaxel(
    case: Case, agent: SystemicAgent, days: int
) -> None:
    episode = _episode(case)
    end = episode - dt.timedelta(days=days)
    assume(end >= _earliest(case) + dt.timedelta(days=30))
    before = recommend(case).option(OptionId.CARBOPLATIN_PACLITAXEL).tier
    older = _with_course(case, _other_cancer(case, agent, end, ongoing=False))
    after = recommend(older).option(OptionId.CARBOPLATIN_PACLITAXEL).tier
    assert RANK[after] >= RANK[before], (before, after)


def test_an_upgraded_pd_l1_test_carries_only_a_cps() -> None:
    """The upgraded form of ``pd_l1_cps`` ranks below any test with a specimen (§5.1)."""
    upgraded = PdL1Test(cps=8)
    primary = PdL1Test(cps=3, specimen=PdL1Specimen.PRIMARY, date=dt.date(2024, 1, 2))
    assert upgraded.upgraded
    assert not primary.upgraded
    assert Biomarkers(pd_l1=(upgraded, primary)).effective_pd_l1 is primary


def test_set_many_gives_several_options_one_tier() -> None:
    draft = Draft()
    draft.set_many(ICI_OPTIONS, Tier.NOT_RECOMMENDED, "5.4", "no re-challenge")
    assert {draft.options[o].rule for o in ICI_OPTIONS} == {"5.4"}
    assert {draft.tier(o) for o in ICI_OPTIONS} == {Tier.NOT_RECOMMENDED}
