"""Radiotherapy after radiotherapy (clinical pathway §6): re-irradiation, IORT, groin RT.

IORT beside a resection is the §6 rule table (``knowledge/data/rules/6_radiotherapy.toml``).
The re-irradiation screen is :func:`ascc_salvage.calculators.reirradiation_feasibility`
(float fast path ``assess_floats``; its interval bands and dose limits are knowledge-base
data); :func:`offer_reirradiation` turns its verdict into a tier and stays Python because
it combines: the calling §4 rule supplies the rule id and reason of a feasible screen, and an
infeasible or undetermined screen reports the calculator's own reasons under the §6 point
that decided it (rule ``6.1``–``6.5``, :attr:`ReirradiationAssessment.rule`).

Clinical pathway v3: wherever re-irradiation is offered it carries ``very_low_evidence`` and
``requires_cumulative_dose_plan``, and ``requires_reirradiation_expertise`` when
``facility.reirradiation_expertise`` is false or null (it keeps its tier: refer).
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.calculators.reirradiation import (
    ReirradiationAssessment,
    ReirradiationVerdict,
    assess_floats,
    case_courses,
    groin_irradiated,
)
from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._rules import run_table
from ascc_salvage.vocabulary import (
    Flag,
    InvadedStructure,
    Margin,
    OptionId,
    RadiotherapyRegion,
    Tier,
)

REIRRADIATION: Final = OptionId.REIRRADIATION
GROIN_RT: Final = OptionId.GROIN_RADIOTHERAPY

#: Invaded structures by which the tumour abuts the sacral plexus (§6.3, v3).
PLEXUS_STRUCTURES: Final = frozenset(
    {
        InvadedStructure.SACRUM_LOW,
        InvadedStructure.SACRUM_HIGH,
        InvadedStructure.COCCYX,
        InvadedStructure.SCIATIC_NERVE,
    }
)


def screen(f: Facts, region: RadiotherapyRegion) -> ReirradiationAssessment:
    """Run the §6 screen for *region*.

    The courses come from :func:`~ascc_salvage.calculators.reirradiation.case_courses`. When
    the case leaves the groin irradiation unknown (the engine branches on it), the
    chemoradiotherapy's groin course follows the branch being evaluated
    (``Facts.groins_irradiated``); otherwise the case's own record decides it.
    """
    case = f.case
    if groin_irradiated(case) is None:
        courses = case_courses(case, groins_irradiated=f.groins_irradiated)
    else:
        courses = case_courses(case)
    disease = case.disease
    abutted = disease is not None and not PLEXUS_STRUCTURES.isdisjoint(disease.invaded_structures)
    return assess_floats(
        region=region,
        courses=courses,
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=f.recurrent_after_complete_response,
        ecog=f.ecog,
        plexus_abutted=abutted,
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
    all_flags = [Flag.REQUIRES_CUMULATIVE_DOSE_PLAN, Flag.VERY_LOW_EVIDENCE, *flags]
    if region is RadiotherapyRegion.GROIN:
        all_flags.append(Flag.INDIVIDUALISED)
    if f.case.facility.reirradiation_expertise is not True:
        all_flags.append(Flag.REQUIRES_REIRRADIATION_EXPERTISE)
    if assessment.verdict is ReirradiationVerdict.FEASIBLE:
        d.set(REIRRADIATION, Tier.ALTERNATIVE, rule, reason, all_flags, [item])
    elif assessment.verdict is ReirradiationVerdict.UNDETERMINED:
        d.set(
            REIRRADIATION,
            Tier.UNDETERMINED,
            str(assessment.rule),
            f"{reason}: {explanation}",
            all_flags,
            [item],
        )
    else:
        d.set(
            REIRRADIATION,
            Tier.NOT_RECOMMENDED,
            str(assessment.rule),
            explanation,
            [Flag.REQUIRES_CUMULATIVE_DOSE_PLAN],
            [item],
        )
    return assessment


def offer_iort(d: Draft, f: Facts, margin: Margin) -> None:
    """IORT (§6) beside a preferred resection: the §6 rule table (an alternative only if R1).

    Called only once a resection is preferred and the expected *margin* (the routing input
    ``Facts.expected_margin``, which the table's conditions read) is resolved.
    """
    assert margin is f.expected_margin
    run_table(d, f, "6")
