"""Radiotherapy after radiotherapy (clinical pathway §6): re-irradiation, IORT, groin RT.

IORT beside a resection is the §6 rule table (``knowledge/data/rules/6_radiotherapy.toml``).
The re-irradiation screen is :func:`ascc_salvage.calculators.reirradiation_feasibility`
(float fast path ``assess_floats``; its interval bands and dose limits are knowledge-base
data); :func:`offer_reirradiation` turns its verdict into a tier and stays Python because
it combines: the calling §4 rule supplies the rule id and reason of a feasible screen, and an
infeasible or undetermined screen reports the calculator's own reasons under the §6 step that
decided (:func:`screen_rule`).
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.calculators.reirradiation import (
    ReirradiationAssessment,
    ReirradiationVerdict,
    assess_floats,
    case_courses,
)
from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._rules import run_table
from ascc_salvage.vocabulary import Flag, Margin, OptionId, RadiotherapyRegion, Tier

REIRRADIATION: Final = OptionId.REIRRADIATION
GROIN_RT: Final = OptionId.GROIN_RADIOTHERAPY


def screen(f: Facts, region: RadiotherapyRegion) -> ReirradiationAssessment:
    """Run the §6 screen for *region*.

    The courses come from :func:`~ascc_salvage.calculators.reirradiation.case_courses` with the
    groin irradiation of the branch being evaluated (``Facts.groins_irradiated``).
    """
    return assess_floats(
        region=region,
        courses=case_courses(f.case, groins_irradiated=f.groins_irradiated),
        evaluation_date=f.case.evaluation_date,
        recurrent_after_complete_response=f.recurrent_after_complete_response,
        ecog=f.ecog,
        knowledge=f.kb,
    )


def offer_reirradiation(
    d: Draft,
    f: Facts,
    region: RadiotherapyRegion,
    rule: str,
    reason: str,
    flags: tuple[Flag, ...] = (),
) -> ReirradiationAssessment:
    """Make ``reirradiation`` an alternative if §6 allows it (else not recommended/undetermined)."""
    assessment = screen(f, region)
    d.reirradiation_screen = assessment
    explanation = "; ".join(assessment.reasons) or "within the §6 screen"
    item = criterion(
        "reirradiation_screen",
        {
            ReirradiationVerdict.FEASIBLE: True,
            ReirradiationVerdict.NOT_FEASIBLE: False,
            ReirradiationVerdict.UNDETERMINED: None,
        }[assessment.verdict],
        explanation,
        assessment.missing,
    )
    all_flags = [Flag.REQUIRES_CUMULATIVE_DOSE_PLAN, *flags]
    if region is RadiotherapyRegion.GROIN:
        all_flags += [Flag.INDIVIDUALISED, Flag.VERY_LOW_EVIDENCE]
    if assessment.verdict is ReirradiationVerdict.FEASIBLE:
        d.set(REIRRADIATION, Tier.ALTERNATIVE, rule, reason, all_flags, [item])
    elif assessment.verdict is ReirradiationVerdict.UNDETERMINED:
        step = screen_rule(f, assessment)
        d.set(REIRRADIATION, Tier.UNDETERMINED, step, f"{reason}: {explanation}", all_flags, [item])
    else:
        d.set(
            REIRRADIATION,
            Tier.NOT_RECOMMENDED,
            screen_rule(f, assessment),
            explanation,
            [Flag.REQUIRES_CUMULATIVE_DOSE_PLAN],
            [item],
        )
    return assessment


def screen_rule(f: Facts, assessment: ReirradiationAssessment) -> str:
    """The §6 step (rule id ``6.1``–``6.5``) behind a screen that is not feasible or open.

    The first step in the order of the pathway that fails or lacks a value: status (6.1),
    interval (6.2; the groin's, 6.4), ECOG (6.5), the cumulative dose (pelvis 6.3; a groin
    dose not recorded, 6.4). Status is always known to the engine.
    """
    groin = assessment.region is RadiotherapyRegion.GROIN
    if not f.recurrent_after_complete_response:
        return "6.1"
    t = f.kb.thresholds
    minimum = (
        t.groin_reirradiation_min_interval_months if groin else t.reirradiation_min_interval_months
    )
    interval = assessment.interval_months
    if interval is not None and interval < int(minimum.value):
        return "6.4" if groin else "6.2"
    if f.ecog is None or f.ecog > int(t.ecog_max_reirradiation.value):
        return "6.5"
    return "6.4" if groin else "6.3"


def offer_iort(d: Draft, f: Facts, margin: Margin) -> None:
    """IORT (§6) beside a preferred resection: the §6 rule table (an alternative only if R1).

    Called only once a resection is preferred and the expected *margin* (the routing input
    ``Facts.expected_margin``, which the table's conditions read) is resolved.
    """
    assert margin is f.expected_margin
    run_table(d, f, "6")
