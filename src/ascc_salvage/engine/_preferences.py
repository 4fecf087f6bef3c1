"""Patient preferences, frailty scale, trial availability, palliative RT (pathway v3).

Clinical pathway §2.3 (declined modalities, a stated preference for a trial), §2.4 (the
clinical frailty scale), §5.6 (trial availability, declined options and the fallback list) and
§5.7 (palliative radiotherapy in systemic routes). They act on the draft the route left, in
the order of §0.2: the modifiers (§5.7, §5.6) after the route row, then the preferences
(§2.3), then the confirmation gate. The CFS ≥ 7 override is a row of the §2 table
(``rules/2_status.toml``); effective frailty is :attr:`Facts.frail
<ascc_salvage.engine._facts.Facts.frail>`.

Rule ids reported (§0.2): ``2.3`` for what a preference changed, ``5.6`` for trial availability
and a promotion from the fallback list, ``5.7`` for palliative radiotherapy decided by the
symptoms.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import attrs

from ascc_salvage._conditions import CONDITIONS
from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._locoregional import route_locoregional
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Condition,
    CriterionResult,
    DiseaseStatus,
    Flag,
    Intent,
    Modality,
    OptionId,
    RadiotherapyRegion,
    Site,
    Symptom,
    Tier,
)

__all__ = [
    "DECLINED_OPTIONS",
    "apply_preferences",
    "frailty_flags",
    "palliative_radiotherapy_by_symptoms",
    "route_declined_surgery",
    "site_irradiated",
    "trial_availability",
    "trial_availability_prompt",
]

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId
TRIAL: Final = Opt.CLINICAL_TRIAL
BSC: Final = Opt.BEST_SUPPORTIVE_CARE
PALLIATIVE_RT: Final = Opt.PALLIATIVE_RADIOTHERAPY
MDT: Final = Opt.METASTASIS_DIRECTED_THERAPY

#: Curative-intent options by declined modality (§2.3): never preferred, kept as alternatives.
_CURATIVE: Final[dict[Modality, tuple[OptionId, ...]]] = {
    Modality.SURGERY: (
        Opt.SALVAGE_APR,
        Opt.EXTENDED_RESECTION,
        Opt.PERINEAL_FLAP_RECONSTRUCTION,
        Opt.INGUINAL_LYMPHADENECTOMY,
        Opt.LOCAL_EXCISION,
    ),
    Modality.RADIOTHERAPY: (
        Opt.GROIN_RADIOTHERAPY,
        Opt.REIRRADIATION,
        Opt.IORT,
        Opt.PRIMARY_CHEMORADIOTHERAPY,
    ),
}
#: Palliative options by declined modality (§2.3): not recommended. (``defunctioning_stoma``,
#: surgery, joins when the catalogue has it.)
_PALLIATIVE: Final[dict[Modality, tuple[OptionId, ...]]] = {
    Modality.CHEMOTHERAPY: (
        Opt.CARBOPLATIN_PACLITAXEL,
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
        Opt.CISPLATIN_FLUOROURACIL,
        Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL,
    ),
    Modality.IMMUNOTHERAPY: (
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
        Opt.ANTI_PD1_MONOTHERAPY,
        Opt.NIVOLUMAB_IPILIMUMAB,
    ),
    Modality.RADIOTHERAPY: (PALLIATIVE_RT,),
    # The stoma is decided last (§4.8 reads the final plan), which applies this decline too.
    Modality.SURGERY: (Opt.DEFUNCTIONING_STOMA,),
}
#: The options of each modality (§2.3; ``metastasis_directed_therapy`` counts as surgery and
#: radiotherapy): an option of a declined modality is never preferred.
DECLINED_OPTIONS: Final[dict[Modality, frozenset[OptionId]]] = {
    modality: frozenset(
        {
            *_CURATIVE.get(modality, ()),
            *_PALLIATIVE[modality],
            *((MDT,) if modality in (Modality.SURGERY, Modality.RADIOTHERAPY) else ()),
        }
    )
    for modality in Modality
}
_DECLINED_FLAGS: Final = (Flag.DECLINED_BY_PATIENT, Flag.REVISIT_PATIENT_DECISION)
_RESECTIONS: Final = _CURATIVE[Modality.SURGERY]
_OFFERED_OR_OPEN: Final = (P, A, U)

#: §5.6 fallback list when ``clinical_trial`` was the row's preferred option (rows 5.2f, 5.3b,
#: 5.3c, 5.3f, 5.4). Only options the row offers are allowed, which selects each row's list:
#: after anti-PD-(L)1 or with ICIs not allowed, anti-PD-1 is not offered (5.3c, 5.4); with
#: platinum hypersensitivity the platinum regimens are not (5.3f); 5.3b offers no supportive care.
_TRIAL_FALLBACK: Final = (
    Opt.ANTI_PD1_MONOTHERAPY,
    Opt.CARBOPLATIN_PACLITAXEL,
    Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL,
    Opt.CISPLATIN_FLUOROURACIL,
    BSC,
)
#: §5.6 fallback list when a systemic option was the row's preferred one (rows 5.2a–e, 5.3a,
#: 5.3e): the row's alternatives in catalogue order, ``clinical_trial`` last.
_SYSTEMIC_FALLBACK: Final = (*SYSTEMIC_OPTIONS, TRIAL)
_ROW_PLAN: Final = frozenset({*SYSTEMIC_OPTIONS, TRIAL})
#: Row 5.2f offers the platinum doublets only for §5.1 to exclude them, and declined
#: chemotherapy is one of the exclusions it names: a doublet it leaves preferred and the
#: patient declines is excluded, not the row's preferred option, so no fallback replaces it
#: (at ECOG 2 the row prefers nothing).
_NO_DOUBLET_ROW: Final = "5.2f"

#: Symptoms palliative radiotherapy treats (§5.7).
_PALLIABLE: Final = frozenset(
    {Symptom.BLEEDING, Symptom.PAIN, Symptom.ULCERATION, Symptom.LYMPHOEDEMA}
)
#: Sites in the pelvic or perineal field of the primary chemoradiotherapy (§5.7).
_PELVIC_FIELD: Final = frozenset(
    {
        Site.ANAL_CANAL,
        Site.ANAL_MARGIN,
        Site.PERINEUM,
        Site.ISCHIORECTAL_FOSSA,
        Site.PRESACRAL,
        Site.PELVIC_NODES,
    }
)


# --- §2.3: declined surgery routes local and regional disease as inoperable --------------


def route_declined_surgery(d: Draft, f: Facts) -> None:
    """Route locoregional disease when the patient declines surgery (§2.3).

    The route is evaluated as usual first. If it offers no resection, that is the result.
    Otherwise the other options are routed as inoperable (``disease.resectable`` taken as
    false: §4.2, or the unresectable rows of §4.4 and §4.5; approvals count it as inoperable,
    flag ``label_interpretation``), and the resections the usual route offered stay visible as
    alternatives (flags ``declined_by_patient``, ``revisit_patient_decision``; rule ``2.3``).
    """
    usual = Draft(
        pathway=d.pathway,
        options={option: entry.copy() for option, entry in d.options.items()},
        warnings=dict(d.warnings),
        reirradiation_screen=d.reirradiation_screen,
    )
    route_locoregional(usual, f)
    offered = [option for option in _RESECTIONS if usual.is_offered(option)]
    if not offered:
        d.pathway, d.options, d.warnings = usual.pathway, usual.options, usual.warnings
        d.reirradiation_screen = usual.reirradiation_screen
        return
    route_locoregional(d, attrs.evolve(f, resectable=False, inoperable_by_choice=True))
    for option in offered:
        _keep_declined_curative(d, option, Modality.SURGERY)
    for option in _RESECTIONS:
        # A resection the usual route did not recommend (or did not name) keeps that route's
        # evaluation: the inoperable route would give "unresectable", which the inputs
        # contradict (§0.3).
        if option not in offered and usual.tier(option) in (None, N) and d.tier(option) is N:
            d.options[option] = usual.options[option].copy()


def _keep_declined_curative(d: Draft, option: OptionId, modality: Modality) -> None:
    d.set(
        option,
        A,
        "2.3",
        f"patient declines {modality}: the curative option stays visible to the MDT",
        _DECLINED_FLAGS,
    )


# --- §5.7: palliative radiotherapy in systemic routes -------------------------------------


def _systemic_route(f: Facts) -> bool:
    """Whether the case takes a route through §5 that does not name palliative radiotherapy.

    Those are distant disease (metastatic, §4.7) and an untreated primary with M1 (§7b).
    """
    if f.status.status is DiseaseStatus.UNTREATED_PRIMARY:
        return CONDITIONS["metastatic"].evaluate(f).value is True
    return f.distant


def site_irradiated(f: Facts, site: Site) -> bool:
    """Whether *site* lies in an irradiated region.

    The pelvis or perineum after CRT or a pelvic course; the groin when irradiated (unknown
    counts as irradiated: the flag only asks for a check) or after a groin course; any other
    site when an ``other`` course is recorded (its site is not recorded).
    """
    regions = {course.region for course in f.case.prior_radiotherapy}
    crt = f.case.primary.chemoradiotherapy
    if site in _PELVIC_FIELD:
        return crt is not None or RadiotherapyRegion.PELVIS in regions
    if site is Site.INGUINAL_NODES:
        groins = crt is not None and crt.groins_irradiated is not False
        return groins or RadiotherapyRegion.GROIN in regions
    return RadiotherapyRegion.OTHER in regions


def palliative_radiotherapy_by_symptoms(d: Draft, f: Facts) -> None:
    """§5.7: in a systemic route, ``palliative_radiotherapy`` follows ``disease.symptoms``.

    Where §4 already names the option (its tier is set), that tier stands.
    """
    if d.tier(PALLIATIVE_RT) is not None or not _systemic_route(f):
        return
    disease = f.case.disease
    symptoms = None if disease is None else disease.symptoms
    criterion_id = "palliative_symptom_recorded"
    # §5.1 pregnancy: palliative radiotherapy offered or open carries individualised (the
    # modifiers ran before this rule decided it).
    pregnant = (Flag.INDIVIDUALISED,) if f.has_condition(Condition.PREGNANCY) else ()
    if symptoms is None:
        d.set(
            PALLIATIVE_RT,
            U,
            "5.7",
            "symptoms not recorded: they decide palliative radiotherapy",
            pregnant,
            criteria=[
                criterion(criterion_id, None, "symptoms not recorded", ("disease.symptoms",))
            ],
        )
        return
    palliable = [item for item in symptoms if item.symptom in _PALLIABLE]
    if not palliable:
        text = "no symptom that radiotherapy would palliate is recorded"
        d.set(PALLIATIVE_RT, N, "5.7", text, criteria=[criterion(criterion_id, False, text)])
        return
    found = ", ".join(f"{item.symptom} ({item.site})" for item in palliable)
    flags = pregnant + (
        (Flag.PALLIATIVE_REIRRADIATION_DOSE_CHECK,)
        if any(site_irradiated(f, item.site) for item in palliable)
        else ()
    )
    d.set(
        PALLIATIVE_RT,
        A,
        "5.7",
        f"symptom control: {found} [ESMO_2021, NCCN_2025]",
        flags,
        [criterion(criterion_id, True, f"recorded: {found}")],
    )


# --- §5.6: trial availability and the fallback list ----------------------------------------


def trial_availability(d: Draft, f: Facts) -> None:
    """§5.6: no trial at this centre: ``clinical_trial`` at most alternative, referral flagged.

    A preferred trial becomes an alternative and the row's fallback list supplies the next
    preferred option.
    """
    if f.case.facility.clinical_trial_available is not False:
        return
    tier = d.tier(TRIAL)
    if tier is A:
        d.flag(TRIAL, Flag.REQUIRES_TRIAL_REFERRAL)
    elif tier is P:
        d.set(
            TRIAL,
            A,
            "5.6",
            "no suitable trial at this centre (facility.clinical_trial_available false): refer",
            (Flag.REQUIRES_TRIAL_REFERRAL,),
        )
        _fallback(d, f, TRIAL)


def _fallback(d: Draft, f: Facts, lost: OptionId) -> None:
    """Promote the first allowed option of the fallback list for the preferred option *lost*.

    Allowed: the option is an alternative now (neither excluded nor declined), and a trial
    only when one may be available. Called only when no option of the row's plan is preferred
    any more (the rows that prefer a trial prefer nothing else).
    """
    candidates = _TRIAL_FALLBACK if lost is TRIAL else _SYSTEMIC_FALLBACK
    trial_possible = f.case.facility.clinical_trial_available is not False
    for option in candidates:
        if d.tier(option) is A and (option is not TRIAL or trial_possible):
            entry = d.options[option]
            d.set(
                option,
                P,
                "5.6",
                f"{entry.reason}; first available option of the fallback list (the row's "
                "preferred option is declined or unavailable)",
                (Flag.SHARED_DECISION,),
            )
            return


def trial_availability_prompt(d: Draft, f: Facts) -> None:
    """§5.6: a preferred trial with availability not recorded asks the MDT to check it."""
    if d.tier(TRIAL) is P and f.case.facility.clinical_trial_available is None:
        d.flag(TRIAL, Flag.CHECK_TRIAL_AVAILABILITY)


# --- §2.3: preferences ----------------------------------------------------------------------


def apply_preferences(d: Draft, f: Facts) -> None:
    """§2.3: declined modalities, then a stated preference for a clinical trial."""
    declines = f.declines
    lost: list[OptionId] = []
    for modality in Modality:
        if modality not in declines:
            continue
        for option in _CURATIVE.get(modality, ()):
            if d.is_offered(option):
                _keep_declined_curative(d, option, modality)
        for option in _PALLIATIVE[modality]:
            if d.tier(option) in _OFFERED_OR_OPEN:
                if d.tier(option) is P and d.options[option].rule != _NO_DOUBLET_ROW:
                    lost.append(option)
                _decline(d, option, f"patient declines {modality}")
    if {Modality.SURGERY, Modality.RADIOTHERAPY} <= declines and d.tier(MDT) in _OFFERED_OR_OPEN:
        _decline(d, MDT, "patient declines surgery and radiotherapy")
    if lost and not any(d.tier(option) is P for option in _ROW_PLAN):
        _fallback(d, f, lost[0])
    _prefer_trial(d, f)


def _decline(d: Draft, option: OptionId, reason: str) -> None:
    """Not recommended by the patient's choice; what was unknown no longer decides it."""
    entry = d.options[option]
    entry.criteria = {
        key: item
        for key, item in entry.criteria.items()
        if item.result is not CriterionResult.UNKNOWN
    }
    d.set(option, N, "2.3", reason)


def _prefer_trial(d: Draft, f: Facts) -> None:
    """``prefers_clinical_trial``: the trial becomes preferred in a systemic route (§2.3).

    Only when the trial is an alternative (so the route is the systemic pathway at ECOG ≤ 2,
    §5.1), may be available, no curative option is preferred (it never displaces one), and the
    confirmation gate, which runs after the preferences (§0.2), will not hold it.
    The options it displaces become alternatives (flag ``shared_decision``).
    """
    catalogue = f.kb.catalogue
    curative = (Intent.CURATIVE, Intent.CURATIVE_OR_PALLIATIVE)
    disease = f.case.disease
    untreated = f.status.status is DiseaseStatus.UNTREATED_PRIMARY  # no gate (§7)
    held = not untreated and (
        not f.status.histologically_confirmed or disease is None or disease.restaged is not True
    )
    if (
        held  # the confirmation gate holds the trial: nothing to promote yet
        or f.case.patient.prefers_clinical_trial is not True
        or f.case.facility.clinical_trial_available is False
        or d.tier(TRIAL) is not A
        or any(d.tier(o) is P and catalogue[o].intent in curative for o in d.options)
    ):
        return
    for option in _preferred(d):
        d.set(
            option,
            A,
            "2.3",
            f"{d.options[option].reason}; the patient prefers a clinical trial",
            (Flag.SHARED_DECISION,),
        )
    d.set(
        TRIAL,
        P,
        "2.3",
        "the patient prefers a clinical trial",
        (Flag.PATIENT_PREFERS_TRIAL,),
    )


def _preferred(d: Draft) -> Iterable[OptionId]:
    return [option for option, entry in d.options.items() if entry.tier is P]


# --- §2.4: clinical frailty scale 5 -------------------------------------------------------


def frailty_flags(d: Draft, f: Facts) -> None:
    """§2.4: clinical frailty scale 5 (mildly frail) asks for a geriatric assessment.

    Flag ``geriatric_assessment_recommended`` on the resections and systemic options that are
    offered or undetermined, with no tier change.
    """
    scale = f.case.patient.clinical_frailty_scale
    if scale != int(f.kb.thresholds.cfs_geriatric_assessment.value):
        return
    for option in (*_RESECTIONS, *SYSTEMIC_OPTIONS):
        if d.tier(option) in _OFFERED_OR_OPEN:
            d.flag(option, Flag.GERIATRIC_ASSESSMENT_RECOMMENDED)
