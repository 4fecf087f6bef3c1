"""Status-driven rules (clinical pathway §2).

What each status without active disease does, and the overriding situations of active
disease, are the §2 rule table (``knowledge/data/rules/2_status.toml``), run by
:func:`route_by_status`. The confirmation gate and the §2.1 extent cross-check stay Python:
the gate reports each missing step as an unknown criterion on the options it holds and leaves
the pathway rule to the extent rules; the cross-check writes warnings and flags from the
status assessment.
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._rules import run_table
from ascc_salvage.knowledge import threshold_text
from ascc_salvage.status import ExtentEffect, NewSiteRule
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    DiseaseStatus,
    Flag,
    OptionId,
    Tier,
    WarningCode,
)

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId

#: Options that are neither diagnostic nor supportive: the confirmation gate holds them.
ANTICANCER: Final = tuple(
    o
    for o in OptionId
    if o
    not in (
        Opt.OBSERVE_AND_REASSESS,
        Opt.SURVEILLANCE,
        Opt.BIOPSY_AND_RESTAGE,
        Opt.BEST_SUPPORTIVE_CARE,
        Opt.PALLIATIVE_RADIOTHERAPY,
        Opt.PRIMARY_CHEMORADIOTHERAPY,
        Opt.DEFUNCTIONING_STOMA,  # palliative diversion: the gate never holds it (§2)
    )
)
_ACTIVE: Final = frozenset(
    {DiseaseStatus.PERSISTENT, DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT}
)


def route_by_status(d: Draft, f: Facts) -> bool:
    """Apply §2: a status without active disease, or an overriding situation of active disease.

    For persistent, progressive and recurrent disease, ``observe_and_reassess`` and
    ``surveillance`` are not recommended first (not for an untreated primary). §0.2 has no id
    for this row of the status table: the route rules do not name the two options, so they
    report ``0.default``. Returns whether a row of the §2 table applied; if not, the case is
    routed by extent.
    """
    status = f.status.status
    if status in _ACTIVE:
        for option in (Opt.OBSERVE_AND_REASSESS, Opt.SURVEILLANCE):
            d.set(option, N, "0.default", f"{status} disease needs a decision now")
    applied = run_table(d, f, "2")
    if f.status.regression_window and not (
        f.case.patient.declines_active_treatment is True or f.ongoing_line
    ):
        _regressing_after_week_26(d, f)
    return applied


def _regressing_after_week_26(d: Draft, f: Facts) -> None:
    """§2.2: persistent disease still regressing after week 26, within 183 days of CRT end.

    The route of §3–7 applies unchanged (salvage stays preferred); ``observe_and_reassess``
    becomes an alternative, a shared decision. The ECOG ≥ 3 override does not name it, so it
    stays an alternative there; a patient who declines active treatment, or an ongoing
    systemic line (``observe_and_reassess`` preferred), keeps the override's tier.
    """
    next_date = f.status.next_assessment_date
    assert next_date is not None
    d.set(
        Opt.OBSERVE_AND_REASSESS,
        A,
        "2.2",
        "still regressing after week 26 and within "
        + threshold_text("regression_window_after_crt_end_days", f.kb)
        + f" of the end of chemoradiotherapy: reassess on {next_date.isoformat()} "
        "[ACT2_TIMING_2017, NCCN_2025]",
        [Flag.SHARED_DECISION],
    )


def crt_in_progress(d: Draft, f: Facts) -> None:
    """§1: warn when the evaluation date is before the end of chemoradiotherapy."""
    crt = f.case.primary.chemoradiotherapy
    if crt is None or not f.status.crt_in_progress:
        return
    d.warn_from(
        f.kb,
        WarningCode.CRT_IN_PROGRESS,
        ("evaluation_date", "primary.chemoradiotherapy.end_date"),
        evaluation_date=f.case.evaluation_date.isoformat(),
        end_date=crt.end_date.isoformat(),
    )


def confirmation_gate(d: Draft, f: Facts) -> None:
    """§2 gate: hold anticancer options until confirmed and restaged."""
    confirmed = f.status.histologically_confirmed
    disease = f.case.disease
    restaged = None if disease is None else disease.restaged
    histology_text = (
        "positive biopsy in the current episode"
        if confirmed
        else "no positive biopsy (or node cytology) in the current episode"
    )
    restaging_text = (
        "pelvic MRI and CT chest/abdomen/pelvis or PET-CT done"
        if restaged
        else "restaging (pelvic MRI plus CT or PET-CT) not recorded as done"
    )
    restaging_field = "disease" if disease is None else "disease.restaged"
    if confirmed and restaged:
        histology = criterion("histologically_confirmed", True, histology_text)
        restaging = criterion("restaged", True, restaging_text)
        options = d.options
        for option in ANTICANCER:  # Draft.add_criteria, inlined: 16 options per case
            criteria = options[option].criteria
            criteria[histology.id] = histology
            criteria[restaging.id] = restaging
        return
    rule = "2.gate"
    if not d.pathway:  # no disease recorded: the gate is the rule that applies
        d.pathway = rule
    # The gate itself is known to be unmet …
    d.set(
        Opt.BIOPSY_AND_RESTAGE,
        P,
        rule,
        "confirm histologically and restage before any anticancer treatment",
        criteria=[
            criterion("histologically_confirmed", confirmed, histology_text),
            criterion("restaged", restaged is True, restaging_text),
        ],
    )
    # … and it leaves each anticancer option open until the missing step is recorded.
    held = []
    if not confirmed:
        held.append(
            criterion("histologically_confirmed", None, histology_text, ["assessments.biopsy"])
        )
    if not restaged:
        held.append(criterion("restaged", None, restaging_text, [restaging_field]))
    for option in ANTICANCER:
        d.set(option, U, rule, "pending histological confirmation and restaging", criteria=held)


_NEW_BECAUSE: Final = {
    NewSiteRule.N1: "recorded new at the latest assessment",
    NewSiteRule.N2: "distant, stage M0 at diagnosis",
    NewSiteRule.N3: "regional node, stage N0 at diagnosis",
}


def _site_text(f: Facts, indices: tuple[int, ...], *, why_new: bool = False) -> str:
    """The ``disease.sites`` entries at *indices*, in plain words."""
    check = f.status.extent_check
    rules = dict(check.new_sites) if check is not None else {}
    names = []
    for index in indices:
        site = f.sites[index]
        details = [str(site.station)] if site.station is not None else []
        if why_new:
            details.append(f"new by {rules[index]}: {_NEW_BECAUSE[rules[index]]}")
        names.append(f"{site.site} ({'; '.join(details)})" if details else str(site.site))
    return ", ".join(names)


def extent_cross_check(d: Draft, f: Facts) -> None:
    """§2.1: warn when the status was derived from the extent; flag a new distant site.

    Raises ``finding_contradicts_extent`` with the contradicted finding and every
    contradicting site as ``fields``; the message names the effect (E1–E4) and the status.
    When the episode opened by E3 or E4 rests on a new distant site and no positive biopsy
    is recorded in it, every systemic option and ``metastasis_directed_therapy`` carry flag
    ``confirm_new_distant_site`` (whatever their tier: the flag is about the lesion).
    """
    status = f.status
    check = status.extent_check
    if check is None:
        return
    why_new = check.effect in (ExtentEffect.E3, ExtentEffect.E4)
    sites = _site_text(f, check.sites, why_new=why_new)
    recorded = f.case.assessments[-1] if f.case.assessments else None
    if check.effect is ExtentEffect.E1:
        assert recorded is not None
        what = (
            f"a complete response was recorded on {recorded.date.isoformat()}, but the "
            f"restaged disease lists {sites}: a recurrence after the complete response is "
            "assumed at the evaluation date"
        )
    elif check.effect is ExtentEffect.E2:
        what = (
            "a complete response was recorded on the evaluation date, but the restaged "
            f"disease lists {sites}: the finding counts as {check.effective_finding}"
        )
    elif check.effect is ExtentEffect.E3:
        assert recorded is not None
        what = (
            f"the latest finding is {recorded.finding}, but the restaged disease lists "
            f"new disease: {sites}; the finding counts as progression"
        )
    else:
        what = (
            f"no assessment is recorded, but the restaged disease lists new disease: {sites}; "
            "progression is assumed at the evaluation date"
        )
    d.warn_from(
        f.kb,
        WarningCode.FINDING_CONTRADICTS_EXTENT,
        check.fields,
        contradiction=what,
        effect=check.effect,
        status=status.status,
    )
    if status.confirm_new_distant_site:
        for option in (*SYSTEMIC_OPTIONS, Opt.METASTASIS_DIRECTED_THERAPY):
            d.flag(option, Flag.CONFIRM_NEW_DISTANT_SITE)
