"""Locoregional failure without distant disease (clinical pathway §4), and §4.7.

Routing inputs that may be unknown (fitness, resectability, expected margin, stoma consent,
groin irradiation) are read through :func:`require`; when one is missing the engine evaluates
each value and merges the drafts (see :func:`ascc_salvage.engine._draft.merge`).
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._inputs import require
from ascc_salvage.engine.radiotherapy import offer_iort, offer_reirradiation
from ascc_salvage.engine.systemic import (
    SystemicContext,
    metastasis_directed_therapy,
    offer_systemic,
    systemic_pathway,
)
from ascc_salvage.vocabulary import (
    Flag,
    InvadedStructure,
    Margin,
    OptionId,
    RadiotherapyRegion,
    Site,
    Tier,
)

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId
APR: Final = Opt.SALVAGE_APR
EXTENDED: Final = Opt.EXTENDED_RESECTION
FLAP: Final = Opt.PERINEAL_FLAP_RECONSTRUCTION
GROIN_DISSECTION: Final = Opt.INGUINAL_LYMPHADENECTOMY
LOCAL_EXCISION: Final = Opt.LOCAL_EXCISION
GROIN_RT: Final = Opt.GROIN_RADIOTHERAPY
REIRRADIATION: Final = Opt.REIRRADIATION
IORT: Final = Opt.IORT
PALLIATIVE_RT: Final = Opt.PALLIATIVE_RADIOTHERAPY
BSC: Final = Opt.BEST_SUPPORTIVE_CARE
TRIAL: Final = Opt.CLINICAL_TRIAL
PD1: Final = Opt.ANTI_PD1_MONOTHERAPY
RESECTIONS: Final = (APR, EXTENDED, FLAP, GROIN_DISSECTION, LOCAL_EXCISION)
PELVIS: Final = RadiotherapyRegion.PELVIS
GROIN: Final = RadiotherapyRegion.GROIN


def _fitness(d: Draft, f: Facts) -> bool:
    """Resolve fitness for major surgery (§4), or raise for the missing input."""
    require(f, "ecog")
    fitness = f.fitness
    if fitness is None:
        require(f, "fit_for_major_surgery")
    assert fitness is not None
    return fitness


def _region(f: Facts) -> RadiotherapyRegion:
    return PELVIS if (f.local or f.regional_pelvic_sites) else GROIN


def unfit(d: Draft, f: Facts) -> None:
    """§4.3: unfit for major surgery (medically inoperable)."""
    rule = "4.3"
    d.pathway = rule
    assert f.ecog is not None
    d.set_many(RESECTIONS, N, rule, "unfit for major surgery")
    d.set(IORT, N, rule, "no resection planned")
    if f.frail or f.ecog >= int(f.kb.thresholds.ecog_best_supportive_care_min.value):
        systemic_pathway(
            d,
            f,
            SystemicContext(rule, alternatives_only=True, offered_flags=(Flag.SHARED_DECISION,)),
        )
        d.set(BSC, P, rule, "frail: best supportive care")
        d.set(PALLIATIVE_RT, A, rule, "symptom control")
        return
    # ECOG 2 is outside most trial populations (ECOG 0–1): a shared decision.
    outside_trials = f.ecog > int(f.kb.thresholds.ecog_max_trial_population.value)
    shared = (Flag.SHARED_DECISION,) if outside_trials else ()
    systemic_pathway(d, f, SystemicContext(rule, offered_flags=shared))
    d.set(BSC, A, rule, "best supportive care")
    d.set(PALLIATIVE_RT, A, rule, "symptom control")
    offer_reirradiation(
        d,
        f,
        _region(f),
        rule,
        "re-irradiation for an unfit patient",
        (Flag.VERY_LOW_EVIDENCE, Flag.INDIVIDUALISED),
    )


def unresectable(d: Draft, f: Facts, rule: str = "4.2") -> None:
    """§4.2: unresectable, or an R2 margin expected."""
    d.pathway = rule
    d.set_many(RESECTIONS, N, rule, "unresectable or R2 resection expected")
    d.set(IORT, N, rule, "no substitute for resection")
    systemic_pathway(
        d, f, SystemicContext(rule, preferred_flags=(Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE,))
    )
    d.set(PALLIATIVE_RT, A, rule, "symptom control")
    offer_reirradiation(
        d,
        f,
        _region(f),
        rule,
        "re-irradiation of inoperable disease",
        (Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE,),
    )


def route_locoregional(d: Draft, f: Facts) -> None:
    """Route locoregional failure (no distant disease) by site (§4.1–4.6)."""
    if f.after_major_resection and (f.local or f.regional_pelvic_sites):
        re_recurrence(d, f)
    elif f.local:
        local_disease(d, f)
    elif f.inguinal and (not f.regional_pelvic_sites or f.external_iliac_only_pelvic):
        inguinal_recurrence(d, f)
    else:
        pelvic_nodes(d, f)


def _resectable(d: Draft, f: Facts, rule: str) -> str:
    """Resolve resectability: ``resectable``, ``unresectable`` or ``needs_opinion`` (§3)."""
    presumed = f.presumed_unresectable_structures - {InvadedStructure.FEMORAL_VESSELS}
    if presumed:
        if f.resectable is True:
            return "resectable_exceptionally"
        if f.resectable is None:
            return "needs_opinion"
        return "unresectable"
    resectable = require(f, "resectable")
    if not resectable:
        return "unresectable"
    margin = require(f, "expected_margin")
    return "unresectable" if margin is Margin.R2 else "resectable"


def local_disease(d: Draft, f: Facts) -> None:
    """§4.1: local disease (with or without regional nodes)."""
    if not _fitness(d, f):
        unfit(d, f)
        return
    resectability = _resectable(d, f, "4.1")
    if resectability == "unresectable":
        unresectable(d, f)
        return
    if resectability == "needs_opinion":
        unresectable(d, f)
        d.set(
            EXTENDED,
            U,
            "3",
            "presumed unresectable: needs an exenteration-centre opinion",
            criteria=[
                criterion(
                    "exenteration_centre_opinion",
                    None,
                    "structures presumed unresectable are invaded and no "
                    "exenteration-centre opinion is recorded",
                    ["disease.resectable"],
                )
            ],
        )
        return
    rule = "4.1"
    d.pathway = rule
    margin = require(f, "expected_margin")
    exceptional = resectability == "resectable_exceptionally"
    resections = _select_resection(d, f, exceptional)
    if resections:
        _modifiers(d, f, resections, margin)


def _select_resection(d: Draft, f: Facts, exceptional: bool) -> tuple[OptionId, ...]:
    """Rows a–d of §4.1; returns the preferred resection(s) (empty for local excision)."""
    limit_cm = float(f.kb.thresholds.local_excision_max_size.value)
    only_margin = bool(f.local_sites) and all(s.site is Site.ANAL_MARGIN for s in f.sites)
    size = f.largest_local_size_cm
    small = None if size is None else size <= limit_cm
    sphincter = InvadedStructure.SPHINCTER in f.invaded
    excision_candidate = (
        only_margin
        and not sphincter
        and f.expected_margin is Margin.R0
        and not f.prior_local_excision
        and small is not False
    )
    excision_criteria = [
        criterion("anal_margin_only", only_margin, "all current disease at the anal margin"),
        criterion(
            "size_at_most_2_cm",
            small,
            f"largest size {size:g} cm (limit {limit_cm:g} cm)"
            if size is not None
            else "size of the anal-margin lesion not recorded",
            ["disease.sites.size"],
        ),
        criterion(
            "sphincter_not_invaded",
            not sphincter,
            "sphincter invasion recorded" if sphincter else "sphincter not invaded",
        ),
        criterion(
            "expected_margin_r0",
            f.expected_margin is Margin.R0,
            f"expected margin {f.expected_margin}",
        ),
        criterion(
            "no_previous_local_excision",
            not f.prior_local_excision,
            "earlier local excision recorded"
            if f.prior_local_excision
            else "no earlier local excision",
        ),
    ]
    d.add_criteria(LOCAL_EXCISION, *excision_criteria)
    if excision_candidate and f.recurrent_after_complete_response:
        if small is None:
            d.set(LOCAL_EXCISION, U, "4.1a", "depends on the lesion size")
        else:
            d.set(
                LOCAL_EXCISION,
                P,
                "4.1a",
                "small anal-margin recurrence after a complete response [ROJI_2023, S3_2020]",
                [Flag.VERY_LOW_EVIDENCE, Flag.SPECIALIST_CENTRE],
            )
            d.set(APR, A, "4.1a", "salvage APR if local excision is not chosen")
            d.set(FLAP, A, "4.1a", "with an APR")
            return ()
    elif excision_candidate and f.status.status.value == "persistent":
        tier = U if small is None else A
        d.set(
            LOCAL_EXCISION,
            tier,
            "4.1b",
            "persistent small anal-margin disease",
            [Flag.VERY_LOW_EVIDENCE, Flag.INDIVIDUALISED],
        )
    else:
        d.set(LOCAL_EXCISION, N, "4.1d", "local excision is only for small anal-margin disease")
    if f.adjacent_organ_invasion or exceptional:
        flags = [Flag.SPECIALIST_CENTRE]
        if exceptional:
            flags.append(Flag.VERY_LOW_EVIDENCE)
        elif f.case.facility.exenteration_centre is True:
            flags = []
        d.set(
            EXTENDED,
            P,
            "4.1c",
            "adjacent-organ invasion: multivisceral resection [BROWN_2023]",
            flags,
        )
        d.set(FLAP, P, "4.1c", "perineal flap closure [SUNESEN_2009, LEFEVRE_2009]")
        d.set(APR, N, "4.1c", "APR alone risks an R1 margin")
        return (EXTENDED,)
    d.set(APR, P, "4.1d", "salvage APR [KO_2019, HAGEMANS_2018]")
    d.set(FLAP, P, "4.1d", "primary myocutaneous flap closure [SUNESEN_2009, LEFEVRE_2009]")
    d.set(REIRRADIATION, N, "4.1d", "no value when an R0 resection is expected")
    return (APR,)


def _modifiers(d: Draft, f: Facts, resections: tuple[OptionId, ...], margin: Margin) -> None:
    """Modifiers e–h of §4.1 and the declined-colostomy rule."""
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
    if f.inguinal:
        _groin_modifier(d, f)
    colostomy = require(f, "accepts_colostomy")
    if not colostomy:
        _declined_colostomy(d, f, resections)


def _groin_modifier(d: Draft, f: Facts) -> None:
    """Modifier f: inguinal nodes involved."""
    flags = [Flag.SPECIALIST_CENTRE] if f.external_iliac_only_pelvic else []
    d.set(GROIN_DISSECTION, P, "4.1f", "inguinal nodes involved [GERARD_2001]", flags)
    irradiated = require(f, "groins_irradiated")
    if not irradiated:
        d.set(
            GROIN_RT, P, "4.1f", "groin not irradiated: about 50 Gy after dissection [GERARD_2001]"
        )
        return
    d.set(GROIN_RT, N, "4.1f", "full-dose radiotherapy to an irradiated groin")
    if d.tier(REIRRADIATION) is not A:
        offer_reirradiation(d, f, GROIN, "4.1f", "re-irradiation of an irradiated groin")


def _declined_colostomy(d: Draft, f: Facts, resections: tuple[OptionId, ...]) -> None:
    """The patient declines a permanent colostomy (§4.1)."""
    rule = "4.1.declined"
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
    if d.tier(PD1) is not A and not f.prior_checkpoint_inhibitor:
        offer_systemic(
            d, f, ctx, PD1, A, rule, "anti-PD-1 before APR [NCCN_2025]", (Flag.VERY_LOW_EVIDENCE,)
        )
    d.set(TRIAL, A, rule, "clinical trial", non_curative)
    if d.tier(REIRRADIATION) is not A:
        offer_reirradiation(d, f, PELVIS, rule, "re-irradiation instead of surgery", non_curative)
    d.set(PALLIATIVE_RT, A, rule, "symptom control", non_curative)
    d.set(BSC, A, rule, "best supportive care", non_curative)


def inguinal_recurrence(d: Draft, f: Facts) -> None:
    """§4.4: isolated inguinal recurrence."""
    if not _fitness(d, f):
        unfit(d, f)
        return
    rule = "4.4"
    d.pathway = rule
    d.set(APR, N, rule, "primary site clear: no APR")
    fixed = InvadedStructure.FEMORAL_VESSELS in f.invaded and f.resectable is not True
    resectable = False if fixed else require(f, "resectable")
    irradiated = require(f, "groins_irradiated")
    if resectable:
        flags = [Flag.SPECIALIST_CENTRE] if f.external_iliac_only_pelvic else []
        d.set(GROIN_DISSECTION, P, rule, "groin dissection [GERARD_2001]", flags)
        if not irradiated:
            d.set(
                GROIN_RT,
                P,
                rule,
                "about 50 Gy ± concurrent chemotherapy after dissection "
                "(or alone as definitive chemoradiotherapy) [GERARD_2001]",
            )
        else:
            d.set(GROIN_RT, N, rule, "full-dose radiotherapy to an irradiated groin")
            offer_reirradiation(d, f, GROIN, rule, "re-irradiation of an irradiated groin")
        return  # a groin dissection needs no stoma: stoma consent does not apply
    d.set(GROIN_DISSECTION, N, rule, "fixed to the femoral vessels: not resectable")
    if fixed and f.resectable is None:
        d.add_criteria(
            GROIN_DISSECTION,
            criterion(
                "groin_resectable",
                None,
                "femoral vessel involvement: resectability presumed "
                "absent; an MDT opinion is not recorded",
                ["disease.resectable"],
            ),
        )
    d.set(PALLIATIVE_RT, A, rule, "symptom control")
    if not irradiated:
        systemic_pathway(d, f, SystemicContext(rule, alternatives_only=True))
        d.set(
            GROIN_RT,
            P,
            rule,
            "definitive groin chemoradiotherapy",
            [Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE],
        )
    else:
        d.set(GROIN_RT, N, rule, "full-dose radiotherapy to an irradiated groin")
        systemic_pathway(
            d,
            f,
            SystemicContext(rule, preferred_flags=(Flag.REASSESS_RESECTABILITY_AFTER_RESPONSE,)),
        )


def pelvic_nodes(d: Draft, f: Facts) -> None:
    """§4.5: pelvic nodal disease without local disease."""
    if not _fitness(d, f):
        unfit(d, f)
        return
    resectability = _resectable(d, f, "4.5")
    if resectability in ("unresectable", "needs_opinion"):
        unresectable(d, f)
        return
    rule = "4.5"
    d.pathway = rule
    margin = require(f, "expected_margin")
    d.set(LOCAL_EXCISION, N, rule, "no local disease")
    if f.lateral_nodes:
        d.set(
            EXTENDED,
            P,
            rule,
            "lateral pelvic nodes: extended resection",
            [Flag.SPECIALIST_CENTRE, Flag.VERY_LOW_EVIDENCE],
        )
        d.set(FLAP, P, rule, "perineal flap closure")
        d.set(APR, N, rule, "APR alone leaves the lateral pelvic nodes")
        offer_iort(d, f, margin)
        offer_reirradiation(d, f, PELVIS, rule, "re-irradiation of pelvic nodal recurrence")
        resections: tuple[OptionId, ...] = (EXTENDED,)
    else:
        d.set(APR, P, rule, "mesorectal nodes: APR with mesorectal excision")
        d.set(FLAP, P, rule, "perineal flap closure")
        offer_iort(d, f, margin)
        d.set(REIRRADIATION, N, rule, "no value when an R0 resection is expected")
        resections = (APR,)
    if margin is Margin.R1 and d.tier(REIRRADIATION) is not A:
        offer_reirradiation(d, f, PELVIS, "4.1e", "pre-operative re-irradiation (R1 expected)")
    if f.inguinal:
        _groin_modifier(d, f)
    if not require(f, "accepts_colostomy"):
        _declined_colostomy(d, f, resections)


def re_recurrence(d: Draft, f: Facts) -> None:
    """§4.6: re-recurrence in the operated field after salvage APR or extended resection."""
    rule = "4.6"
    d.pathway = rule
    require(f, "ecog")
    d.set_many(RESECTIONS, N, rule, "re-recurrence after salvage surgery [HAGEMANS_2018]")
    d.set(IORT, N, rule, "no resection preferred")
    systemic_pathway(d, f, SystemicContext(rule, label_interpretation=True))
    fit = _fitness(d, f)
    resectable = f.resectable if fit else False
    if resectable is None:
        resectable = require(f, "resectable")
    margin = require(f, "expected_margin") if resectable else None
    if resectable and margin is Margin.R0:
        d.set(
            EXTENDED,
            A,
            rule,
            "re-resection only when R0 is expected: median OS 9 months "
            "after re-salvage [HAGEMANS_2018]",
            [Flag.VERY_LOW_EVIDENCE, Flag.SPECIALIST_CENTRE],
        )
    offer_reirradiation(d, f, PELVIS, rule, "re-irradiation of a re-recurrence")
    d.set(PALLIATIVE_RT, A, rule, "symptom control")


def route_distant(d: Draft, f: Facts) -> None:
    """Distant disease (§5), with local disease first treated systemically (§4.7)."""
    rule = "4.7" if (f.local or f.regional_pelvic_sites or f.inguinal) else "5"
    d.pathway = rule
    require(f, "ecog")
    systemic_pathway(d, f, SystemicContext(rule))
    if rule == "4.7":
        for option in (APR, EXTENDED):
            d.set(
                option,
                N,
                rule,
                "distant metastases: systemic therapy first",
                [Flag.RECONSIDER_AFTER_RESPONSE],
            )
        controlled: bool | None = f.resectable
    else:
        controlled = True
    metastasis_directed_therapy(d, f, locoregional_controlled=controlled)
