"""Systemic therapy (clinical pathway §5): lines of therapy, the HIV cap and §5.5."""

from __future__ import annotations

import pytest

from ascc_salvage.vocabulary import Flag, OptionId, Tier

from ._documents import criteria, metastatic_document, run, site, therapy, tiers

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId


def test_peritoneal_disease_is_never_oligometastatic() -> None:
    """§3 (library policy): peritoneal disease is not counted, so §5.5 does not apply."""
    document = metastatic_document(site("peritoneum"))
    document["disease"]["all_lesions_locally_treatable"] = True
    result = run(document)
    mdt = result.option(Opt.METASTASIS_DIRECTED_THERAPY)
    assert mdt.tier is N
    assert criteria(mdt)["oligometastatic"] == "not_met"
    # The same single lesion in the liver is oligometastatic: §5.5 makes it an alternative.
    document = metastatic_document(site("liver"))
    document["disease"]["all_lesions_locally_treatable"] = True
    mdt = run(document).option(Opt.METASTASIS_DIRECTED_THERAPY)
    assert mdt.tier is A
    assert criteria(mdt)["oligometastatic"] == "met"


def test_platinum_hypersensitivity_with_low_cd4_caps_anti_pd1_and_keeps_supportive_care() -> None:
    """§5.3 hypersensitivity row + §5.1 CD4 cap: anti-PD-1 only alternative, BSC alternative."""
    document = metastatic_document(site("liver"))
    document["patient"]["conditions"] = ["platinum_hypersensitivity"]
    document["patient"]["hiv"] = {
        "status": "positive",
        "cd4_count": {"value": 150, "unit": "cells/uL"},
        "viral_load_undetectable": True,
    }
    result = run(document)
    tier = tiers(result)
    pd1 = result.option(Opt.ANTI_PD1_MONOTHERAPY)
    # No advanced platinum course: row 5.2f (no platinum doublet possible), ECOG ≤ 1 and ICI
    # allowed; CD4 below the trial threshold caps anti-PD-1 at alternative.
    assert pd1.tier is A
    assert {Flag.OUTSIDE_TRIAL_POPULATION, Flag.OFF_LABEL} <= set(pd1.flags)
    assert tier[Opt.BEST_SUPPORTIVE_CARE] is A
    assert result.option(Opt.BEST_SUPPORTIVE_CARE).rules == ("5.2f",)
    assert tier[Opt.CLINICAL_TRIAL] is P
    for option in (Opt.CARBOPLATIN_PACLITAXEL, Opt.CISPLATIN_FLUOROURACIL):
        assert tier[option] is N
    assert result.preferred == (Opt.CLINICAL_TRIAL,)


@pytest.mark.parametrize(
    ("opened", "line", "preferred"),
    [
        # Platinum ended on 31 May; 183 days later is 30 November.
        ("2026-11-30", "5.3a", Opt.ANTI_PD1_MONOTHERAPY),
        ("2026-12-01", "5.2a", Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB),
    ],
)
def test_platinum_within_183_days_of_the_episode_counts_as_pretreated(
    opened: str, line: str, preferred: OptionId
) -> None:
    """§5.1: adjuvant platinum ≤ 183 days before the episode opened is platinum-pretreated."""
    document = metastatic_document(site("liver"))
    document["evaluation_date"] = "2026-12-10"
    document["assessments"][-1]["date"] = opened
    document["prior_systemic_therapy"] = [
        therapy("cisplatin_fluorouracil", "adjuvant", "2026-03-02", "2026-05-31", "completed")
    ]
    result = run(document)
    assert result.preferred == (preferred,)
    assert result.option(preferred).rules == (line,)
