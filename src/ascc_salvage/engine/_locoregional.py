"""Locoregional failure without distant disease (clinical pathway §3–§4), and §4.7.

The sections are rule tables in the knowledge base: ``rules/4_locoregional.toml`` routes by
site and fitness to §3 (resectability of local disease), §4.1 (local excision, then the
resection), §4.3, §4.4, §4.5 and §4.6; §4.2 and §4.7 are tables too. They are run by the
interpreter of :mod:`._rules`.

What combines rather than tabulates stays Python, as the routines below: the systemic
hand-offs (the §5 pathway under the context each row asks for), IORT beside a resection,
the modifiers e–h of §4.1 and the declined colostomy, and metastasis-directed therapy beside
§4.7. Routing inputs that may be unknown (fitness, resectability, expected margin, stoma
consent, groin irradiation) are read through :func:`require`, by the conditions of
:mod:`ascc_salvage._conditions.locoregional` or by the routines here; when one is missing the
engine evaluates each value and merges the drafts (see :func:`ascc_salvage.engine._draft.merge`).
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.engine._draft import Draft
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._inputs import require
from ascc_salvage.engine._radiotherapy import offer_iort, offer_reirradiation
from ascc_salvage.engine._rules import routine, run_table, template_text
from ascc_salvage.engine._systemic import (
    SystemicContext,
    offer_systemic,
    systemic_pathway,
)
from ascc_salvage.vocabulary import Flag, Margin, OptionId, RadiotherapyRegion, Tier

P, A, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.NOT_RECOMMENDED
APR: Final = OptionId.SALVAGE_APR
EXTENDED: Final = OptionId.EXTENDED_RESECTION
GROIN_DISSECTION: Final = OptionId.INGUINAL_LYMPHADENECTOMY
GROIN_RT: Final = OptionId.GROIN_RADIOTHERAPY
REIRRADIATION: Final = OptionId.REIRRADIATION
PALLIATIVE_RT: Final = OptionId.PALLIATIVE_RADIOTHERAPY
BSC: Final = OptionId.BEST_SUPPORTIVE_CARE
TRIAL: Final = OptionId.CLINICAL_TRIAL
PD1: Final = OptionId.ANTI_PD1_MONOTHERAPY
PELVIS: Final = RadiotherapyRegion.PELVIS
GROIN: Final = RadiotherapyRegion.GROIN
_SHARED: Final = (Flag.SHARED_DECISION,)
_REASSESS: Final = (Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE,)


def route_locoregional(d: Draft, f: Facts) -> None:
    """Route locoregional failure (no distant disease) through the §4 rule tables."""
    run_table(d, f, "4")


def route_distant(d: Draft, f: Facts) -> None:
    """Distant disease (§5), with local or nodal disease first treated systemically (§4.7)."""
    if f.local or f.regional_pelvic_sites or f.inguinal:
        run_table(d, f, "4.7")
        return
    require(f, "ecog")
    # The §5 row that applies routes the case (its id names the pathway of the options no
    # rule names).
    systemic_pathway(d, f, SystemicContext(""))
    run_table(d, f, "5.5")


# --- the systemic hand-offs (§5 under the row's context) -------------------------------


@routine("systemic_inoperable")
def systemic_inoperable(d: Draft, f: Facts) -> None:
    """The systemic pathway for inoperable disease (§4.3 at ECOG 0–1, §4.7)."""
    require(f, "ecog")
    systemic_pathway(d, f, SystemicContext(d.pathway))


@routine("systemic_shared_decision")
def systemic_shared_decision(d: Draft, f: Facts) -> None:
    """§4.3 outside most trial populations: every offered option is a shared decision."""
    systemic_pathway(d, f, SystemicContext(d.pathway, offered_flags=_SHARED))


@routine("systemic_alternatives_shared_decision")
def systemic_alternatives_shared_decision(d: Draft, f: Facts) -> None:
    """§4.3 frail or ECOG at the best-supportive-care threshold: alternatives only."""
    ctx = SystemicContext(d.pathway, alternatives_only=True, offered_flags=_SHARED)
    systemic_pathway(d, f, ctx)


@routine("systemic_alternatives")
def systemic_alternatives(d: Draft, f: Facts) -> None:
    """§4.4 unresectable, groin not irradiated: the systemic options as alternatives."""
    systemic_pathway(d, f, SystemicContext(d.pathway, alternatives_only=True))


@routine("systemic_reassess_resectability")
def systemic_reassess_resectability(d: Draft, f: Facts) -> None:
    """§4.2 and §4.4: the preferred option(s) ask to reassess resectability after response."""
    systemic_pathway(d, f, SystemicContext(d.pathway, preferred_flags=_REASSESS))


@routine("systemic_label_interpretation")
def systemic_label_interpretation(d: Draft, f: Facts) -> None:
    """§4.6: inoperability is an interpretation, so approved agents are flagged."""
    systemic_pathway(d, f, SystemicContext(d.pathway, label_interpretation=True))


# --- IORT and the modifiers of §4.1 and §4.5 -------------------------------------------


@routine("iort_by_margin")
def iort_by_margin(d: Draft, f: Facts) -> None:
    """IORT (§6) beside the preferred resection, by the expected margin (a routing input)."""
    offer_iort(d, f, require(f, "expected_margin"))


def _preferred_resections(d: Draft) -> tuple[OptionId, ...]:
    """The resection the row made preferred: the APR, or the extended resection."""
    return tuple(option for option in (APR, EXTENDED) if d.tier(option) is P)


@routine("resection_modifiers")
def resection_modifiers(d: Draft, f: Facts) -> None:
    """Modifiers e–h of §4.1, then the declined colostomy, on the preferred resection."""
    margin = require(f, "expected_margin")
    resections = _preferred_resections(d)
    if f.lateral_nodes and APR in resections:
        d.set(
            EXTENDED,
            P,
            "4.1h",
            "APR with lateral pelvic node dissection",
            [Flag.SPECIALIST_CENTRE, Flag.VERY_LOW_EVIDENCE],
        )
        d.set(APR, N, "4.1h", "APR alone leaves the lateral pelvic nodes")
        resections = (EXTENDED,)
    offer_iort(d, f, margin)
    if margin is Margin.R1:
        offer_reirradiation(d, f, PELVIS, "4.1e", "pre-operative re-irradiation (R1 expected)")
        systemic_pathway(
            d,
            f,
            SystemicContext(
                "4.1e",
                inoperable=False,
                alternatives_only=True,
                offered_flags=(
                    Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE,
                    Flag.VERY_LOW_EVIDENCE,
                ),
            ),
        )
        d.set(BSC, N, "4.1e", "curative-intent resection planned")
    else:
        d.set(REIRRADIATION, N, "4.1d", "no value when an R0 resection is expected")
    _groin_and_colostomy(d, f, resections)


@routine("pelvic_node_modifiers")
def pelvic_node_modifiers(d: Draft, f: Facts) -> None:
    """§4.5: pre-operative re-irradiation when R1 is expected, then §4.1f and the colostomy."""
    margin = require(f, "expected_margin")
    if margin is Margin.R1 and d.tier(REIRRADIATION) is not A:
        offer_reirradiation(d, f, PELVIS, "4.1e", "pre-operative re-irradiation (R1 expected)")
    _groin_and_colostomy(d, f, _preferred_resections(d))


def _groin_and_colostomy(d: Draft, f: Facts, resections: tuple[OptionId, ...]) -> None:
    """Modifier f when inguinal nodes are involved, then the declined colostomy."""
    if f.inguinal:
        _groin_modifier(d, f)
    if not require(f, "accepts_colostomy"):
        _declined_colostomy(d, f, resections)
    elif f.colostomy_consent_assumed:
        # §4 (v3): an existing colostomy; the consent to keep it permanently is not recorded.
        for option in resections:
            d.flag(option, Flag.REVISIT_PATIENT_DECISION)


def _groin_modifier(d: Draft, f: Facts) -> None:
    """Modifier f: inguinal nodes involved."""
    flags = [Flag.SPECIALIST_CENTRE] if f.external_iliac_only_pelvic else []
    d.set(GROIN_DISSECTION, P, "4.1f", "inguinal nodes involved [GERARD_2001]", flags)
    irradiated = require(f, "groins_irradiated")
    if not irradiated:
        d.set(
            GROIN_RT,
            P,
            "4.1f",
            template_text(
                "groin not irradiated: about {schedule.groin_radiotherapy.total_dose_gy} after "
                "dissection [GERARD_2001]",
                f.kb,
            ),
        )
        return
    d.set(GROIN_RT, N, "4.1f", "full-dose radiotherapy to an irradiated groin")
    if d.tier(REIRRADIATION) is not A:
        offer_reirradiation(d, f, GROIN, "4.1f", "re-irradiation of an irradiated groin")


def _declined_colostomy(d: Draft, f: Facts, resections: tuple[OptionId, ...]) -> None:
    """The patient declines a permanent colostomy (§4.1)."""
    rule = "4.1.colostomy_declined"
    for option in resections:
        d.flag(option, Flag.DECLINED_BY_PATIENT, Flag.REVISIT_PATIENT_DECISION)
    non_curative = (Flag.NON_CURATIVE_INTENT,)
    ctx = SystemicContext(
        rule,
        inoperable=True,
        alternatives_only=True,
        offered_flags=(Flag.NON_CURATIVE_INTENT, Flag.LABEL_INTERPRETATION),
        label_interpretation=True,
    )
    systemic_pathway(d, f, ctx)
    # §5.4: after any anti-PD-(L)1 no checkpoint inhibitor is re-offered.
    if d.tier(PD1) is not A and f.prior_checkpoint_inhibitor is False:
        offer_systemic(
            d, f, ctx, PD1, A, rule, "anti-PD-1 before APR [NCCN_2025]", (Flag.VERY_LOW_EVIDENCE,)
        )
    d.set(TRIAL, A, rule, "clinical trial", non_curative)
    if d.tier(REIRRADIATION) is not A:
        # v3: curative intent, but a lower expected cure rate than the declined resection.
        lower = (Flag.LOWER_EXPECTED_CURE_RATE,)
        offer_reirradiation(d, f, PELVIS, rule, "re-irradiation instead of surgery", lower)
    d.set(PALLIATIVE_RT, A, rule, "symptom control", non_curative)
    d.set(BSC, A, rule, "best supportive care", non_curative)
