"""The recommendation engine: :func:`recommend` evaluates every catalogue option for a case.

Data flows one way: the validated :class:`~ascc_salvage.case.Case` → disease status
(:mod:`ascc_salvage.status`) → facts (:mod:`._facts`) → the pathway: the rule tables of the
knowledge base (``knowledge/data/rules/*.toml``, one per pathway section), run by the
interpreter of :mod:`._rules`, and the routines that combine rather than tabulate, one
private module per part of the clinical pathway (``_assessment`` §2, ``_locoregional`` §3–4,
``_systemic`` §5, ``_radiotherapy`` §6, ``_primary`` §7, ``_preferences`` §2.3–2.4 and
§5.6–5.7) writing a draft → :func:`_finish` →
an immutable :class:`~ascc_salvage.result.Result`. Rules read thresholds, regimens,
approvals, evidence and rule tables from the knowledge base passed to :func:`recommend` (the
bundled one by default), never from module-level state. The only public name is
:func:`recommend`.
"""

from __future__ import annotations

import datetime as dt
import functools
import weakref
from collections import defaultdict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

import attrs

from ascc_salvage import plausibility
from ascc_salvage._version import __version__
from ascc_salvage.calculators.dose_plan import (
    AnyDosePlan,
    PlanAdjustments,
    RegimenExcludedError,
    plan_from_floats,
    radiotherapy_plan,
)
from ascc_salvage.calculators.reirradiation import ReirradiationAssessment
from ascc_salvage.case import SCHEMA_VERSION, Case
from ascc_salvage.engine._assessment import (
    confirmation_gate,
    crt_in_progress,
    extent_cross_check,
    route_by_status,
)
from ascc_salvage.engine._draft import (
    ALL_OPTIONS,
    CATALOGUE_INDEX,
    SUPPORTIVE_CARE_DEFAULT,
    TIER_ORDER,
    Draft,
    merge,
    supportive_care_by_default,
)
from ascc_salvage.engine._facts import Facts, derive_facts, ecog_from_karnofsky
from ascc_salvage.engine._inputs import ROUTING_INPUTS, UnknownInput
from ascc_salvage.engine._locoregional import route_distant, route_locoregional
from ascc_salvage.engine._missing import missing_information
from ascc_salvage.engine._preferences import (
    apply_preferences,
    frailty_flags,
    palliative_radiotherapy_by_symptoms,
    route_declined_surgery,
    site_irradiated,
    trial_availability,
    trial_availability_prompt,
)
from ascc_salvage.engine._primary import route_untreated
from ascc_salvage.engine._rules import supportive_care_rule
from ascc_salvage.engine._stoma import defunctioning_stoma
from ascc_salvage.engine._systemic import (
    approved_agents,
    option_approvals,
    patient_condition_modifiers,
)
from ascc_salvage.io import case_digest
from ascc_salvage.knowledge import Approval, KnowledgeBase, bundled
from ascc_salvage.result import (
    Criterion,
    OptionResult,
    Result,
    ResultWarning,
)
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Condition,
    CriterionResult,
    DiseaseStatus,
    Flag,
    HivStatus,
    Intent,
    Jurisdiction,
    Modality,
    OptionId,
    Sex,
    Tier,
    WarningCode,
)

__all__ = ["recommend"]

_FLAG_ORDER: Final = {flag: index for index, flag in enumerate(Flag)}
#: The rule id of an option no rule names, and of the best-supportive-care floor (§0.2).
_DEFAULT_RULE: Final = "0.default"
_RADIOTHERAPY_PLANS: Final = (
    OptionId.GROIN_RADIOTHERAPY,
    OptionId.REIRRADIATION,
    OptionId.IORT,
)


def recommend(case: Case, *, knowledge: KnowledgeBase | None = None) -> Result:
    """Evaluate every catalogue option for *case* (pure; the same case gives the same result).

    Args:
        case: A validated case (:func:`ascc_salvage.load_case`).
        knowledge: The knowledge base whose thresholds, regimens, approvals and evidence the
            rules read, from :func:`ascc_salvage.knowledge.load` (default: the bundled one).
            The result records its version.

    Returns:
        The result: disease status, every option with tier, criteria, flags, evidence,
        rationale and dose plan, missing information and warnings.

    Raises:
        TypeError: *case* is not a :class:`~ascc_salvage.Case` (a JSON document or a dict
            must be read with :func:`ascc_salvage.load_case` first), or *knowledge* is not a
            :class:`~ascc_salvage.knowledge.KnowledgeBase`.

    >>> import importlib.resources, ascc_salvage
    >>> text = importlib.resources.files("ascc_salvage.examples").joinpath(
    ...     "persistent_resectable.json").read_text()
    >>> result = recommend(ascc_salvage.load_case(text))
    >>> [str(option) for option in result.preferred]
    ['salvage_apr', 'perineal_flap_reconstruction']
    """
    if not isinstance(case, Case):
        raise TypeError(
            "case must be a Case from ascc_salvage.load_case (which reads a document), not "
            f"{type(case).__name__}"
        )
    if knowledge is None:
        kb = bundled()
    elif isinstance(knowledge, KnowledgeBase):
        kb = knowledge
    else:
        raise TypeError(
            "knowledge must be a KnowledgeBase from ascc_salvage.knowledge.load, not "
            f"{type(knowledge).__name__}"
        )
    evaluated = case
    if case.disease is not None and not case.disease.sites:
        # §2.1: disease.sites [] counts as no evaluable disease, like disease: null. The
        # pathway reads the case so (its other disease fields presuppose a site); the result
        # still records the digest of the case as given.
        evaluated = attrs.evolve(case, disease=None)
    status = assess_status(evaluated, knowledge=kb)
    facts = derive_facts(evaluated, status, kb)
    draft = _evaluate(facts)
    return _finish(case, facts, draft)


def _evaluate(f: Facts) -> Draft:
    """Run the pathway; evaluate each value of a missing routing input and merge."""
    draft = Draft()
    try:
        _route(draft, f)
    except UnknownInput as unknown:
        spec = ROUTING_INPUTS[unknown.name]
        variants = [
            (label, _evaluate(attrs.evolve(f, **{unknown.name: value})))
            for label, value in spec.values
        ]
        return merge(
            variants,
            criterion_id=spec.criterion_id,
            missing=spec.fields,
            what=spec.label,
            supportive_care=supportive_care_rule(f),
        )
    return draft


def _route(d: Draft, f: Facts) -> None:
    _route_pathway(d, f)
    # §4.8 reads the final plan of every route, overriding situations included.
    defunctioning_stoma(d, f)


def _route_pathway(d: Draft, f: Facts) -> None:
    # §2 first: a status without active disease, or an overriding situation (an untreated
    # primary is active disease: the overriding situations apply to it too).
    if not route_by_status(d, f):
        _route_active(d, f)
    frailty_flags(d, f)  # §2.4: clinical frailty scale 5


def _route_active(d: Draft, f: Facts) -> None:
    """Active disease without an overriding situation: route row, modifiers, preferences."""
    untreated = f.status.status is DiseaseStatus.UNTREATED_PRIMARY
    if untreated:
        route_untreated(d, f)
        patient_condition_modifiers(d, f)
    elif f.case.disease is not None:
        if f.distant:
            route_distant(d, f)
        elif Modality.SURGERY in f.declines:
            route_declined_surgery(d, f)  # §2.3: routed as inoperable
        else:
            route_locoregional(d, f)
        patient_condition_modifiers(d, f)
    # §0.2 order: modifiers (§5.7, §5.6), preferences (§2.3), then the confirmation gate.
    palliative_radiotherapy_by_symptoms(d, f)
    trial_availability(d, f)
    apply_preferences(d, f)
    if not untreated:
        # Holds the anticancer options unless confirmed and restaged; records the criteria.
        confirmation_gate(d, f)
    trial_availability_prompt(d, f)


# --- assembling the result -------------------------------------------------------------


def _warnings(case: Case, f: Facts, d: Draft) -> None:
    patient = case.patient
    if patient.hiv.status is HivStatus.UNKNOWN:
        d.warn_from(f.kb, WarningCode.HIV_TEST_RECOMMENDED, ("patient.hiv.status",))
    if patient.ecog is not None and patient.karnofsky is not None:
        mapped = ecog_from_karnofsky(patient.karnofsky, f.kb)
        if mapped != patient.ecog:
            d.warn_from(
                f.kb,
                WarningCode.ECOG_KARNOFSKY_MISMATCH,
                ("patient.ecog", "patient.karnofsky"),
                ecog=patient.ecog,
                karnofsky=patient.karnofsky,
                mapped=mapped,
            )
    conditions = patient.conditions or ()
    if Condition.PREGNANCY in conditions:
        path = f"patient.conditions[{conditions.index(Condition.PREGNANCY)}]"
        d.warn_from(f.kb, WarningCode.PREGNANCY, (path,))
    # Plausibility warnings W1-W10 of the case format: reported, never a tier change.
    for item in plausibility.implausible_values(case, knowledge=f.kb):
        d.warn(WarningCode.IMPLAUSIBLE_VALUE, item.message, (item.path,))


def _plans(
    case: Case, d: Draft, kb: KnowledgeBase, adjustments: PlanAdjustments | None
) -> dict[OptionId, AnyDosePlan | None]:
    patient = case.patient
    plans: dict[OptionId, AnyDosePlan | None] = dict(
        _systemic_plans(
            kb,
            case.jurisdiction,
            case.evaluation_date,
            None if patient.weight is None else patient.weight.canonical,
            None if patient.height is None else patient.height.canonical,
            None if patient.serum_creatinine is None else patient.serum_creatinine.canonical,
            patient.age_years,
            patient.sex,
            adjustments,
        )
    )
    screen = d.reirradiation_screen
    for option in _RADIOTHERAPY_PLANS:
        if option is OptionId.REIRRADIATION and isinstance(screen, ReirradiationAssessment):
            plans[option] = radiotherapy_plan(str(option), reirradiation=screen, knowledge=kb)
        else:
            plans[option] = _schedule_plan(option, kb)
    return plans


_NO_APPROVALS: Final[Mapping[str, tuple[Approval, ...]]] = MappingProxyType({})


# One lookup for the six systemic plans of a patient; a miss still finds each regimen's plan
# in the cache of plan_from_floats (keyed on the inputs that regimen reads).
@functools.lru_cache(maxsize=1024, typed=True)
def _systemic_plans(
    kb: KnowledgeBase,
    jurisdiction: Jurisdiction | None,
    as_of: dt.date,
    weight: float | None,
    height: float | None,
    creatinine: float | None,
    age: int | None,
    sex: Sex | None,
    adjustments: PlanAdjustments | None = None,
) -> tuple[tuple[OptionId, AnyDosePlan | None], ...]:
    """The plan of each systemic option, its approved agents first (§5.3).

    With *adjustments* (a schema 2 case) the v3 §10 rules apply; a regimen they exclude has
    no plan (``None``: never a dose for a regimen the patient must not receive).
    """
    held = (
        option_approvals(kb, str(jurisdiction), as_of)
        if jurisdiction is Jurisdiction.US or jurisdiction is Jurisdiction.EU
        else _NO_APPROVALS
    )
    plans: list[tuple[OptionId, AnyDosePlan | None]] = []
    for option in SYSTEMIC_OPTIONS:
        try:
            plan: AnyDosePlan | None = plan_from_floats(
                option,
                weight_kg=weight,
                height_cm=height,
                creatinine_mg_dl=creatinine,
                age_years=age,
                sex=sex,
                approved_agents=approved_agents(kb, option, held.get(option, ())),
                knowledge=kb,
                adjustments=adjustments,
            )
        except RegimenExcludedError:
            plan = None
        plans.append((option, plan))
    return tuple(plans)


@functools.lru_cache(maxsize=16)
def _schedule_plan(option: OptionId, kb: KnowledgeBase) -> AnyDosePlan:
    """The knowledge base's default schedule of a radiotherapy option (no screen)."""
    return radiotherapy_plan(str(option), knowledge=kb)


#: Input digests by case object. A case is immutable, so its digest is computed once however
#: often it is recommended (a service, several knowledge bases). Keyed by identity, with a weak
#: reference: an entry is dropped with its case, and an id reused later is never mistaken.
_DIGESTS: Final[dict[int, tuple[weakref.ref[Case], str]]] = {}


def _digest(case: Case) -> str:
    key = id(case)
    entry = _DIGESTS.get(key)
    if entry is not None and entry[0]() is case:
        return entry[1]
    digest = case_digest(case)
    # The callback runs when the case is freed, before its id can be reused.
    _DIGESTS[key] = (weakref.ref(case, lambda _: _DIGESTS.pop(key, None)), digest)
    return digest


# Enum members bound once: attribute access on an enum class is slow in a hot loop.
_ALTERNATIVE: Final = Tier.ALTERNATIVE
_NOT_RECOMMENDED: Final = Tier.NOT_RECOMMENDED
_UNKNOWN: Final = CriterionResult.UNKNOWN


#: Option results already built, by what decides them (see :func:`_finish`), per knowledge base.
_Shared = dict[tuple[object, ...], tuple[OptionResult, tuple[tuple[str, str], ...]]]
#: Entries kept per knowledge base before the memo starts afresh (each holds a few objects).
_SHARED_MAX: Final = 8192


@functools.cache
def _catalogue(
    kb: KnowledgeBase,
) -> tuple[tuple[tuple[OptionId, Intent, tuple[str, ...], str], ...], _Shared]:
    """The options of *kb* in catalogue order (intent, evidence, label), and the memo."""
    rows = tuple(
        (
            option,
            kb.catalogue[option].intent,
            kb.option_evidence[option],
            kb.catalogue[option].label,
        )
        for option in ALL_OPTIONS
    )
    return rows, {}


# The engine builds an OptionResult per option per case. attrs' __init__ of a frozen class
# sets each field through object.__setattr__; writing the slots directly is about a third
# faster. Valid only while OptionResult has no defaults computed at init, validators,
# converters or hooks, which the check below enforces.
_OPTION_FIELDS: Final = (
    "option", "tier", "intent", "criteria", "flags", "evidence", "rationale", "dose_plan", "rules",
    "label",
)  # fmt: skip
# Checked at import with a real exception (not assert, which ``python -O`` strips).
if (
    tuple(a.name for a in attrs.fields(OptionResult)) != _OPTION_FIELDS
    or any(a.validator or a.converter for a in attrs.fields(OptionResult))
    or set(vars(OptionResult)["__slots__"]) != {*_OPTION_FIELDS, "__weakref__"}
    or hasattr(OptionResult, "__attrs_post_init__")
):  # pragma: no cover - a change of OptionResult must update _option_result
    raise ImportError("OptionResult changed: update engine._option_result and _OPTION_FIELDS")
(_OPTION, _TIER, _INTENT, _CRITERIA, _FLAGS, _EVIDENCE, _RATIONALE, _PLAN, _RULES, _LABEL) = (
    getattr(OptionResult, name).__set__ for name in _OPTION_FIELDS
)


def _option_result(
    option: OptionId,
    tier: Tier,
    intent: Intent,
    criteria: tuple[Criterion, ...],
    flags: tuple[Flag, ...],
    evidence: tuple[str, ...],
    rationale: str,
    plan: AnyDosePlan | None,
    rules: tuple[str, ...],
    label: str,
) -> OptionResult:
    """``OptionResult(option, tier, …)``, the slots written directly."""
    result: OptionResult = object.__new__(OptionResult)
    _OPTION(result, option)
    _TIER(result, tier)
    _INTENT(result, intent)
    _CRITERIA(result, criteria)
    _FLAGS(result, flags)
    _EVIDENCE(result, evidence)
    _RATIONALE(result, rationale)
    _PLAN(result, plan)
    _RULES(result, rules)
    _LABEL(result, label)
    return result


def _new_option_result(
    option: OptionId,
    tier: Tier,
    intent: Intent,
    criteria: tuple[Criterion, ...],
    flags: set[Flag],
    evidence: tuple[str, ...],
    rule: str,
    rationale: str,
    plan: AnyDosePlan | None,
    label: str,
) -> tuple[OptionResult, tuple[tuple[str, str], ...]]:
    """The option's result and the fields it reports missing, with the criterion reading each.

    The fields are those of its unknown criteria and of its plan (criterion id ``""``). A
    not-recommended option asks for none: another criterion decided it, whatever the unknown
    ones turn out to be (clinical pathway §0.1 rule 4 lists the fields that leave an option
    open).
    """
    if tier is _NOT_RECOMMENDED:
        needs: list[tuple[str, str]] = []
    else:
        needs = [
            (field, item.id)
            for item in criteria
            if item.result is _UNKNOWN
            for field in item.missing
        ]
        if plan is not None:
            needs.extend((field, "") for field in getattr(plan, "missing", ()))
    made = _option_result(
        option,
        tier,
        intent,
        criteria,
        tuple(sorted(flags, key=_FLAG_ORDER.__getitem__)) if len(flags) > 1 else tuple(flags),
        evidence,
        rationale,
        plan,
        (rule,) if rule else (),
        label,
    )
    return made, tuple(needs)


def _finish(case: Case, f: Facts, d: Draft) -> Result:
    status = f.status
    entries = d.options
    # An option the applicable rule does not name: rule 0.default, the reason naming the row
    # that routed the case (clinical pathway §0, §0.2).
    fallback = f"not part of this pathway (rule {d.pathway})" if d.pathway else ""
    kb = f.kb
    catalogue, shared = _catalogue(kb)
    # An option without a tier ends not recommended under the pathway rule (below).
    if supportive_care_by_default(d, status.status, kb):
        bsc = entries[OptionId.BEST_SUPPORTIVE_CARE]
        bsc.tier = _ALTERNATIVE
        bsc.rule, bsc.reason = SUPPORTIVE_CARE_DEFAULT
    palliative = entries[OptionId.PALLIATIVE_RADIOTHERAPY]
    offered = palliative.tier not in (None, _NOT_RECOMMENDED)
    # §5.7 decides the dose check of the palliative radiotherapy it offers by the symptomatic
    # site; another rule's offer is checked when a site of the disease lies in an irradiated
    # region (without a site, after any CRT).
    if offered and palliative.rule != "5.7":
        sites = () if f.case.disease is None else f.case.disease.sites
        if (
            any(site_irradiated(f, item.site) for item in sites)
            if sites
            else case.primary.chemoradiotherapy is not None
        ):
            palliative.flags.add(Flag.PALLIATIVE_REIRRADIATION_DOSE_CHECK)
    extent_cross_check(d, f)
    crt_in_progress(d, f)
    _warnings(case, f, d)
    plans = _plans(case, d, kb, f.plan_adjustments)

    missing: dict[str, set[OptionId]] = defaultdict(set)
    readers: dict[str, set[str]] = defaultdict(set)
    by_tier: dict[Tier, list[OptionResult]] = {tier: [] for tier in TIER_ORDER}
    plan_of, known = plans.get, shared.get
    for option, intent, evidence, label in catalogue:
        entry = entries[option]
        tier = entry.tier
        unset = tier is None
        if tier is None:
            tier, rule, reason = _NOT_RECOMMENDED, _DEFAULT_RULE, fallback
        else:
            rule, reason = entry.rule, entry.reason
        # A regimen a §5.1 criterion rules out (dialysis for cisplatin, a hepatic or DPD
        # exclusion, a hypersensitivity) has no plan: never a dose of a drug the patient
        # must not receive.
        plan = None if tier is _NOT_RECOMMENDED and rule.startswith("5.1.") else plan_of(option)
        # Option results are immutable and most recur from case to case, so results share
        # them: equal keys mean equal fields. Criteria and plans are shared objects already
        # (caches) and are keyed by identity; the memo holds them, so an id is never reused
        # while its entry lives.
        # (Flags are strings and ids integers, so the flat key is unambiguous.)
        criteria, flags = entry.criteria, entry.flags
        if criteria or flags:
            key = (option, tier, rule, reason, id(plan), *flags, *map(id, criteria.values()))
        else:  # the same key, built faster
            key = (option, tier, rule, reason, id(plan))
        hit = known(key)
        if hit is None:
            if unset:
                rationale = fallback or "not part of this pathway"
            else:
                rationale = f"{reason} (rule {rule})" if rule else reason
            hit = shared[key] = _new_option_result(
                option,
                tier,
                intent,
                tuple(criteria.values()),
                flags,
                evidence,
                rule,
                rationale,
                plan,
                label,
            )
        made, needs = hit
        if needs:
            for field, reader in needs:
                missing[field].add(option)
                readers[field].add(reader)
        by_tier[tier].append(made)
    if len(shared) > _SHARED_MAX:
        shared.clear()
    options = [option for tier_options in by_tier.values() for option in tier_options]
    return Result(
        schema_version=SCHEMA_VERSION,
        input_schema_version=case.schema_version,
        library_version=__version__,
        knowledge_base_version=kb.version,
        evaluation_date=case.evaluation_date,
        jurisdiction=case.jurisdiction,
        input_digest=_digest(case),
        disease_status=status.status,
        histologically_confirmed=status.histologically_confirmed,
        after_salvage_surgery=status.after_salvage_surgery,
        weeks_from_crt_start=status.weeks_from_crt_start,
        next_assessment_date=status.next_assessment_date,
        options=tuple(options),
        missing_information=missing_information(
            case,
            kb,
            {
                field: tuple(sorted(needed, key=CATALOGUE_INDEX.__getitem__))
                for field, needed in missing.items()
            },
            readers,
        ),
        warnings=tuple(
            ResultWarning(code, message, fields)
            for (code, fields), message in sorted(
                d.warnings.items(), key=lambda item: (item[0][0].value, item[0][1])
            )
        ),
    )
