"""Untreated primary (clinical pathway §7): the scope boundary of the salvage pathway."""

from __future__ import annotations

from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._inputs import require
from ascc_salvage.engine.systemic import SystemicContext, systemic_pathway
from ascc_salvage.staging import MCategory, NCategory, TCategory
from ascc_salvage.vocabulary import Flag, InvadedStructure, OptionId, PrimarySite, Site, Tier

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId
_SALVAGE = (
    Opt.SALVAGE_APR,
    Opt.EXTENDED_RESECTION,
    Opt.PERINEAL_FLAP_RECONSTRUCTION,
    Opt.INGUINAL_LYMPHADENECTOMY,
    Opt.REIRRADIATION,
    Opt.IORT,
)


def route_untreated(d: Draft, f: Facts) -> None:
    """Route an untreated primary (§7)."""
    rule = "7"
    d.pathway = rule
    d.set_many(_SALVAGE, N, rule, "no prior chemoradiotherapy: salvage options do not apply")
    primary = f.case.primary
    stage = primary.stage
    if stage.m is MCategory.M1 or f.distant:
        require(f, "ecog")
        systemic_pathway(d, f, SystemicContext("7.m1"))
        d.pathway = "7.m1"
        para_aortic_only = bool(f.distant_sites) and all(
            s.site is Site.PARA_AORTIC_NODES for s in f.distant_sites
        )
        if para_aortic_only:
            d.set(
                Opt.PRIMARY_CHEMORADIOTHERAPY,
                A,
                "7.m1",
                "para-aortic nodes the only distant site: extended-field chemoradiotherapy "
                "with curative intent [EFCRT_PA_2018]",
                [Flag.VERY_LOW_EVIDENCE],
            )
        else:
            d.set(
                Opt.PRIMARY_CHEMORADIOTHERAPY,
                A,
                "7.m1",
                "chemoradiotherapy to the primary after response",
                [Flag.INDIVIDUALISED],
            )
        d.set(Opt.LOCAL_EXCISION, N, "7.m1", "metastatic at diagnosis")
        return
    limit = float(f.kb.thresholds.local_excision_max_size.value)
    size = f.largest_local_size_cm
    disease = f.case.disease
    sphincter: bool | None
    if disease is None or disease.restaged is not True:
        sphincter = True if InvadedStructure.SPHINCTER in f.invaded else None
    else:
        sphincter = InvadedStructure.SPHINCTER in f.invaded
    nodal = any(s.site in (Site.INGUINAL_NODES, Site.PELVIC_NODES) for s in f.sites)
    small_margin = (
        primary.site is PrimarySite.ANAL_MARGIN
        and stage.t is TCategory.T1
        and stage.n is NCategory.N0
        and not nodal
        and (size is None or size <= limit)
    )
    items = [
        criterion(
            "anal_margin_t1_n0_m0",
            small_margin,
            f"{primary.site}, {stage.t} {stage.n} {stage.m}"
            + (f", largest size {size:g} cm" if size is not None else ""),
        ),
        criterion(
            "sphincter_not_invaded",
            None if sphincter is None else not sphincter,
            "sphincter invasion "
            + ("unknown: current extent not restaged" if sphincter is None else str(sphincter)),
            ["disease.restaged"] if disease is not None else ["disease"],
        ),
    ]
    if small_margin and sphincter is False:
        d.set(
            Opt.LOCAL_EXCISION,
            P,
            rule,
            "small anal-margin tumour: local excision with a "
            "clear margin; chemoradiotherapy if margins are involved [ROJI_2023, GAO_2020, "
            "S3_2020]",
            criteria=items,
        )
        d.set(Opt.PRIMARY_CHEMORADIOTHERAPY, A, rule, "primary chemoradiotherapy")
        return
    if small_margin and sphincter is None:
        d.set(Opt.LOCAL_EXCISION, U, rule, "depends on sphincter involvement", criteria=items)
    else:
        d.set(Opt.LOCAL_EXCISION, N, rule, "not a small anal-margin T1 N0 tumour", criteria=items)
    d.set(
        Opt.PRIMARY_CHEMORADIOTHERAPY,
        P,
        rule,
        "untreated primary: outside the salvage scope; refer to primary-treatment guidelines "
        "[ACT2_2013, ESMO_2021]",
    )
