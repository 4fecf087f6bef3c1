"""Clinical pathway §4.8 (v3): a defunctioning stoma for symptomatic local disease.

The stoma is decided after the route, the gate and the overriding situations have run,
because its first row reads the final plan: a planned APR or extended resection already
includes a colostomy. The rows, first match wins:

====  ===========================================================  =====================
row   situation                                                    ``defunctioning_stoma``
====  ===========================================================  =====================
1     ``salvage_apr`` or ``extended_resection`` preferred           not recommended
2     condition ``existing_colostomy``                              not recommended
3     ``obstruction`` or ``fistula`` from a local site             preferred
4     ``incontinence`` from a local site                           alternative
5     ``disease.symptoms`` recorded without these                  not recommended
6     ``disease.symptoms`` not recorded                            undetermined
====  ===========================================================  =====================

The rows apply to persistent, progressive and recurrent disease; row 3 (and rows 1–2 before
it) to every status whenever ``disease`` lists sites, because obstruction and a fistula do
not wait for the response assessment. An overriding situation of §2 (ECOG ≥ 3, declined
active treatment) offers the stoma as an alternative where rows 3–4 would offer it.

*Library policy* (documented in the docs' pathway v3 pages): a symptom counts when it comes
from a local site (§3), as the section title says ("symptomatic local disease"); outside the
active statuses an unrecorded symptom list does not make the stoma undetermined, since only
the obstruction and fistula row applies there. Without a local site (groin or distant disease
only) §4.8 does not apply.
"""

from __future__ import annotations

from typing import Final

from ascc_salvage._conditions import CONDITIONS
from ascc_salvage.engine._draft import Draft, criterion
from ascc_salvage.engine._facts import Facts
from ascc_salvage.result import Criterion
from ascc_salvage.vocabulary import (
    Condition,
    DiseaseStatus,
    Flag,
    Modality,
    OptionId,
    Symptom,
    Tier,
)

__all__ = ["defunctioning_stoma"]

STOMA: Final = OptionId.DEFUNCTIONING_STOMA
RULE: Final = "4.8"
_ACTIVE: Final = frozenset(
    {DiseaseStatus.PERSISTENT, DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT}
)
_DIVERTING: Final = frozenset({Symptom.OBSTRUCTION, Symptom.FISTULA})
_RESECTIONS_WITH_COLOSTOMY: Final = (OptionId.SALVAGE_APR, OptionId.EXTENDED_RESECTION)
_SYMPTOMS_FIELD: Final = "disease.symptoms"


def defunctioning_stoma(d: Draft, f: Facts) -> None:
    """Set ``defunctioning_stoma`` on the finished draft by §4.8 and the overriding situations."""
    disease = f.case.disease
    if disease is None or not f.local_sites:
        # No local disease, so no symptom from a local site: not part of this pathway.
        return
    symptoms = disease.symptoms
    local = f.kb.site_sets.local_sites
    recorded = (
        None if symptoms is None else frozenset(s.symptom for s in symptoms if s.site in local)
    )
    diverting = recorded is not None and bool(recorded & _DIVERTING)
    if f.status.status not in _ACTIVE and not diverting:
        return  # outside §4.8: the default of the pathway the case was routed to
    if any(d.tier(option) is Tier.PREFERRED for option in _RESECTIONS_WITH_COLOSTOMY):
        d.set(STOMA, Tier.NOT_RECOMMENDED, RULE, "the planned resection includes a colostomy")
        return
    tier, reason, criteria = _row(f, recorded)
    rule = RULE
    override = _overriding_situation(d, f)
    if override is not None:
        # §2: the overriding situations offer it at most as an alternative.
        rule = override
        tier = Tier.ALTERNATIVE if tier is Tier.PREFERRED else tier
    if Modality.SURGERY in f.declines and tier is not Tier.NOT_RECOMMENDED:
        # §2.3: a declined palliative option is not recommended, whatever would indicate it.
        d.set(STOMA, Tier.NOT_RECOMMENDED, "2.3", "patient declines surgery")
        return
    flags = [Flag.INDIVIDUALISED] if tier in _OFFERED else []
    if f.conditions is None and tier is not Tier.NOT_RECOMMENDED:
        # §5.1 conditions not recorded: whether a colostomy is already present is unknown.
        flags.append(Flag.CONDITIONS_NOT_RECORDED)
    d.set(STOMA, tier, rule, reason, flags=flags, criteria=criteria)


_OFFERED: Final = frozenset({Tier.PREFERRED, Tier.ALTERNATIVE})


def _row(f: Facts, recorded: frozenset[Symptom] | None) -> tuple[Tier, str, list[Criterion]]:
    """Rows 2–6: the tier, the reason and the criteria."""
    if f.has_condition(Condition.EXISTING_COLOSTOMY):
        explanation = "a colostomy is already present"
        return (
            Tier.NOT_RECOMMENDED,
            explanation,
            [criterion("no_colostomy_present", False, explanation)],
        )
    if recorded is None:
        symptom = criterion("diversion_symptom", None, "symptoms not recorded", [_SYMPTOMS_FIELD])
        reason = "symptoms not recorded: obstruction, a fistula or incontinence would indicate it"
        return Tier.UNDETERMINED, reason, [symptom]
    found = sorted(str(s) for s in recorded & _SYMPTOMS_FOR_DIVERSION)
    if not found:
        explanation = "no obstruction, fistula or incontinence recorded"
        return (
            Tier.NOT_RECOMMENDED,
            explanation,
            [criterion("diversion_symptom", False, explanation)],
        )
    symptom = criterion("diversion_symptom", True, f"{', '.join(found)} from a local site")
    if recorded & _DIVERTING:
        reason = (
            "obstruction or fistula: divert before or with the systemic or radiotherapy plan "
            "(neither resolves reliably with tumour response, and radiotherapy can worsen a "
            "fistula)"
        )
        return Tier.PREFERRED, reason, [symptom]
    return Tier.ALTERNATIVE, "incontinence: faecal diversion for symptom control", [symptom]


_SYMPTOMS_FOR_DIVERSION: Final = _DIVERTING | {Symptom.INCONTINENCE}


def _overriding_situation(d: Draft, f: Facts) -> str | None:
    """The rule id of the §2 overriding situation that applied (ECOG ≥ 3, declined), if any."""
    if f.status.status not in _ACTIVE and f.status.status is not DiseaseStatus.UNTREATED_PRIMARY:
        return None
    for name in ("poor_performance_status", "declines_active_treatment"):
        if CONDITIONS[name].evaluate(f).value:
            return d.options[OptionId.BEST_SUPPORTIVE_CARE].rule
    return None
