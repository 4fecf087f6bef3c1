"""Systemic pathway (clinical pathway §5): metastatic or inoperable locally recurrent disease.

Structure: the line of therapy, derived from the prior therapy's agents (§5.1 prior therapy,
:mod:`._prior_therapy`), picks a rule table (§5.2 first line with its row 5.2f table, §5.3
after platinum or with platinum hypersensitivity arising during platinum, §5.4 after
anti-PD-(L)1; ``knowledge/data/rules/5.*.toml``) run by the interpreter of :mod:`._rules`;
their outcomes marked ``offer`` pass through :meth:`_Systemic.offer`. An unknown routing fact
(ICI or platinum exposure, cisplatin eligibility where it decides row 5.2f) is evaluated both
ways and merged (§0.1). The shared criteria of §5.1 (checkpoint-inhibitor contraindications
``5.1.ici_contraindication``, HIV control ``5.1.hiv``, cisplatin eligibility
``5.1.cisplatin``, fluoropyrimidine, hypersensitivity and liver-test conditions) combine
rather than tabulate and stay Python: they confirm, reject (``not_recommended``, rule
``5.1.<criterion>``) or leave open (``undetermined``: rule ``0.1`` as for any unknown routing
input; ``5.1.hepatic`` or ``5.1.conditions_null`` where their table is written for the missing
value; the row's own id where the row is written for unknown ICI eligibility) each offered
option; the v3 organ-function and condition flags, and the pregnancy and HIV-prophylaxis
modifiers of every route (:func:`patient_condition_modifiers`), are here too. Row 5.2g, the
carboplatin–paclitaxel re-challenge, the rejection of anti-PD-1 under §5.1 in §5.3 and the
§5.4 list of unused chemotherapy are routines. Approvals add flags, never change tiers
except where the first-line table says so.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, Final

import attrs

from ascc_salvage._conditions import CONDITIONS
from ascc_salvage._conditions.systemic import (
    dpyd_poor_metabolizer,
    fluoropyrimidines_excluded,
    taxane_regimens_excluded,
)
from ascc_salvage.calculators.adjustments import HepaticOutcome
from ascc_salvage.engine._draft import BRANCHED, Draft, criterion, merge
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._prior_therapy import PLATINUM, TAXANE, classes_of, course_agents
from ascc_salvage.engine._rules import routine, run_table, supportive_care_rule, template_text
from ascc_salvage.knowledge import (
    Approval,
    IndicationBiomarker,
    IndicationLine,
    KnowledgeBase,
    approvals_in_force,
)
from ascc_salvage.result import Criterion
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Condition,
    Flag,
    Jurisdiction,
    MismatchRepair,
    OptionId,
    PdL1Specimen,
    Sex,
    TherapySetting,
    Tier,
    WarningCode,
)

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
CP: Final = OptionId.CARBOPLATIN_PACLITAXEL
CPR: Final = OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB
CF: Final = OptionId.CISPLATIN_FLUOROURACIL
DCF: Final = OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL
PD1: Final = OptionId.ANTI_PD1_MONOTHERAPY
NIVO_IPI: Final = OptionId.NIVOLUMAB_IPILIMUMAB
TRIAL: Final = OptionId.CLINICAL_TRIAL
BSC: Final = OptionId.BEST_SUPPORTIVE_CARE
MDT: Final = OptionId.METASTASIS_DIRECTED_THERAPY
ICI_OPTIONS: Final = (CPR, PD1, NIVO_IPI)
#: The tiers whose systemic options carry the common flags: offered or undetermined.
_FLAGGED_TIERS: Final = (P, A, U)


#: Days per month for the months shown in reason texts (§5.4).
_DAYS_PER_MONTH: Final = 30.4375


@attrs.frozen
class SystemicContext:
    """How the calling pathway wants the systemic options presented.

    Attributes:
        rule: Id of the calling rule (e.g. ``4.2``; ``""`` for metastatic disease, routed
            by the §5 row itself). With ``alternatives_only`` it is the rule reported on the
            options offered.
        inoperable: Metastatic or inoperable locally recurrent disease (approvals count).
        preferred_flags: Flags for the preferred systemic option(s).
        offered_flags: Flags for every offered systemic option.
        alternatives_only: Offer the systemic options as alternatives only.
        label_interpretation: Inoperability is an interpretation (declined/unfit surgery,
            re-recurrence): flag the approved agents.
    """

    rule: str
    inoperable: bool = True
    preferred_flags: tuple[Flag, ...] = ()
    offered_flags: tuple[Flag, ...] = ()
    alternatives_only: bool = False
    label_interpretation: bool = False


@attrs.frozen
class _Eligibility:
    value: bool | None
    criteria: tuple[Criterion, ...]
    reason: str
    capped: bool = False
    #: The §0.2 rule id of the criterion (``5.1.<criterion>``) when it rejects an option.
    rule: str = ""


#: Rows written for unknown checkpoint-inhibitor eligibility (clinical pathway §0.1 rule 1):
#: an ICI option left undetermined there reports the row's id, elsewhere ``0.1``.
_ICI_UNKNOWN_ROWS: Final = frozenset({"5.2d", "5.3h"})
#: §5.1 checks whose table is written for a missing value (§0.1 rule 1): an option they leave
#: undetermined reports their id (the docetaxel rule without alkaline phosphatase, a
#: hypersensitivity unknown because the conditions are not recorded).
_CONDITIONS_NULL: Final = "5.1.conditions_null"
_EXPLICIT_UNKNOWN_RULES: Final = frozenset({"5.1.hepatic", _CONDITIONS_NULL})
_HYPERSENSITIVITY: Final = "5.1.hypersensitivity"


def _ici_rule(f: Facts) -> str:
    """The §5.1 rule that rejects checkpoint inhibitors: a contraindication, else HIV."""
    found = CONDITIONS["no_checkpoint_inhibitor_contraindication"].evaluate(f)
    return "5.1.ici_contraindication" if found.value is False else "5.1.hiv"


def _ici_eligibility(f: Facts) -> _Eligibility:
    """Checkpoint-inhibitor contraindications (5.1.ici) and HIV control (5.1.hiv)."""
    found = CONDITIONS["no_checkpoint_inhibitor_contraindication"].evaluate(f)
    criteria = [
        criterion(
            "no_checkpoint_inhibitor_contraindication",
            found.value,
            found.explanation,
            found.missing,
        )
    ]
    hiv = CONDITIONS["hiv_controlled"].evaluate(f)
    if hiv.applies:
        criteria.append(criterion("hiv_controlled", hiv.value, hiv.explanation, hiv.missing))
    allowed = CONDITIONS["checkpoint_inhibitor_allowed"].evaluate(f)
    if allowed.value is True:
        capped = bool(CONDITIONS["cd4_below_trial_threshold"].evaluate(f).value)
        return _Eligibility(True, tuple(criteria), "", capped)
    if found.value is False and f.has_condition(Condition.PREGNANCY):
        # v3: pregnancy is a checkpoint-inhibitor contraindication (§5.1 row 1).
        reason = f"checkpoint-inhibitor {found.explanation}"  # names every one recorded
        return _Eligibility(False, tuple(criteria), reason, rule="5.1.ici_contraindication")
    rule = _ici_rule(f) if allowed.value is False else ""
    return _Eligibility(allowed.value, tuple(criteria), allowed.explanation, rule=rule)


def _liver_text(f: Facts) -> str:
    """The recorded liver tests in words (reason texts name the deciding values, §0.3)."""
    liver = f.case.patient.hepatic_function
    parts = [
        f"{name} {value:g} × ULN"
        for name, value in (
            ("bilirubin", liver.bilirubin_x_uln),
            ("AST", liver.ast_x_uln),
            ("ALT", liver.alt_x_uln),
            ("alkaline phosphatase", liver.alp_x_uln),
        )
        if value is not None
    ]
    return ", ".join(parts)


def _liver_check(
    value: bool | None, explanation: str, reason: str, missing: tuple[str, ...] = ()
) -> _Eligibility:
    item = criterion("hepatic_function_for_taxane", value, explanation, missing)
    return _Eligibility(value, (item,), reason, rule="5.1.hepatic")


def _condition_check(
    f: Facts, conditions: frozenset[Condition], criterion_id: str, what: str
) -> tuple[bool | None, Criterion]:
    present = f.has_any(conditions)
    if present is None:
        return None, criterion(
            criterion_id, None, f"conditions not recorded: {what} unknown", ["patient.conditions"]
        )
    found = sorted(str(c) for c in (f.conditions or frozenset()) & conditions)
    text = f"recorded: {', '.join(found)}" if present else f"no {what} recorded"
    return not present, criterion(criterion_id, not present, text)


#: Settings of a prior course after which a hypersensitivity to its class may have arisen
#: (5.1.conditions_null; radiosensitising courses do not count).
_SENSITISING_SETTINGS: Final = frozenset(TherapySetting) - {TherapySetting.RADIOSENSITISING}


def _class_given(f: Facts, drug_class: str) -> bool:
    """Whether a prior course (not radiosensitising) contained an agent of *drug_class*."""
    return any(
        drug_class in classes_of(course_agents(f.kb, therapy))
        for therapy in f.case.prior_systemic_therapy
        if therapy.setting in _SENSITISING_SETTINGS
    )


def _hypersensitivity_check(
    f: Facts, condition: Condition, drug_class: str, criterion_id: str, what: str
) -> _Eligibility:
    """Platinum or taxane hypersensitivity (5.1.hypersensitivity, 5.1.conditions_null)."""
    if f.conditions is not None:
        ok, item = _condition_check(f, frozenset({condition}), criterion_id, what)
        return _Eligibility(ok, (item,), what, rule=_HYPERSENSITIVITY)
    if _class_given(f, drug_class):
        item = criterion(
            criterion_id,
            None,
            f"conditions not recorded and a prior {drug_class} course is recorded: {what} unknown",
            ["patient.conditions"],
        )
        return _Eligibility(None, (item,), f"{what} unknown", rule="5.1.conditions_null")
    item = criterion(
        criterion_id,
        True,
        f"conditions not recorded; no prior {drug_class} course: no known {what}",
    )
    return _Eligibility(True, (item,), "", rule="5.1.conditions_null")


#: The hypersensitivity checks of §5.1: condition, drug class, criterion id, what.
_PLATINUM: Final = (
    Condition.PLATINUM_HYPERSENSITIVITY,
    PLATINUM,
    "no_platinum_hypersensitivity",
    "platinum hypersensitivity",
)
_TAXANE: Final = (
    Condition.TAXANE_HYPERSENSITIVITY,
    TAXANE,
    "no_taxane_hypersensitivity",
    "taxane hypersensitivity",
)


def cisplatin_eligibility(f: Facts) -> _Eligibility:
    """Cisplatin eligibility (consensus definition, GALSKY_2011, extrapolated; §5.1).

    v3 (rule ``5.1.cisplatin``): a measured GFR replaces Cockcroft–Gault, and dialysis makes
    the patient ineligible.
    """
    t = f.kb.thresholds
    criteria: list[Criterion] = []
    measured = f.case.patient.measured_gfr is not None
    clearance, missing = f.measured_gfr if measured else f.creatinine_clearance
    minimum = float(t.cisplatin_min_creatinine_clearance.value)
    source = "measured GFR" if measured else "Cockcroft–Gault clearance"
    if clearance is None:
        clearance_ok: bool | None = None
        text = f"{'measured GFR' if measured else 'creatinine clearance'} cannot be computed"
    else:
        clearance_ok = clearance >= minimum
        text = f"{source} {clearance:.1f} mL/min (needs ≥ {minimum:g})"
    criteria.append(criterion("creatinine_clearance_for_cisplatin", clearance_ok, text, missing))
    v3_reasons = [text] if measured and clearance_ok is False else []
    if f.dialysis:
        criteria.append(criterion("not_on_dialysis", False, "on maintenance dialysis"))
        v3_reasons.insert(0, "on maintenance dialysis")
    ecog_max = int(t.ecog_max_cisplatin.value)
    ecog_ok = None if f.ecog is None else f.ecog <= ecog_max
    criteria.append(
        criterion(
            "ecog_for_cisplatin",
            ecog_ok,
            f"ECOG {f.ecog} (cisplatin needs ≤ {ecog_max})",
            [f.ecog_missing_field],
        )
    )
    conditions_ok, item = _condition_check(
        f,
        f.kb.condition_sets.cisplatin_limiting,
        "no_cisplatin_limiting_condition",
        "hearing loss, neuropathy (grade ≥ 2) or heart failure (NYHA ≥ III)",
    )
    criteria.append(item)
    values = (clearance_ok, ecog_ok, conditions_ok, not f.dialysis)
    value = False if False in values else (None if None in values else True)
    if v3_reasons:
        reason = f"not cisplatin-eligible: {'; '.join(v3_reasons)}"
        return _Eligibility(value, tuple(criteria), reason, rule="5.1.cisplatin")
    return _Eligibility(value, tuple(criteria), "not cisplatin-eligible", rule="5.1.cisplatin")


@attrs.define
class _Systemic:
    """One run of the systemic pathway for a case."""

    d: Draft
    f: Facts
    ctx: SystemicContext
    # Computed on first use: many runs offer no checkpoint inhibitor or no cisplatin.
    _ici: _Eligibility | None = attrs.field(init=False, default=None)
    _cisplatin: _Eligibility | None = attrs.field(init=False, default=None)
    #: The drug-class checks of this run by criterion id: the same for every regimen.
    checks: dict[str, _Eligibility | None] = attrs.field(init=False, factory=dict)
    #: The line whose table this run applies (``5.2``, ``5.3`` or ``5.4``).
    line: str = attrs.field(init=False, default="")

    @property
    def ici(self) -> _Eligibility:
        """Checkpoint-inhibitor eligibility (5.1.ici, 5.1.hiv), computed once per run."""
        found = self._ici
        if found is None:
            found = self._ici = _ici_eligibility(self.f)
        return found

    @property
    def cisplatin(self) -> _Eligibility:
        """Cisplatin eligibility (5.1.cisplatin), or the value one branch assumes (5.2f)."""
        found = self._cisplatin
        if found is None:
            assumed = self.f.assumed_cisplatin_eligible
            if assumed is not None:  # one branch of an unknown eligibility (row 5.2f)
                found = _Eligibility(assumed, (), "not cisplatin-eligible", rule="5.1.cisplatin")
            else:
                found = cisplatin_eligibility(self.f)
            self._cisplatin = found
        return found

    # --- per-option eligibility -------------------------------------------------------
    def eligibility(self, option: OptionId) -> _Eligibility:
        if option not in SYSTEMIC_OPTIONS:  # clinical trial: no drug-specific criteria
            return _Eligibility(True, (), "")
        info = self.f.kb.regimens[str(option)]
        checks: list[_Eligibility] = []
        if info.contains_checkpoint_inhibitor:
            checks.append(self.ici)
        if info.contains_platinum:
            checks.append(self._check(*_PLATINUM))
        if info.contains_taxane:
            checks.append(self._check(*_TAXANE))
            liver = self._liver(docetaxel=any(d.drug == "docetaxel" for d in info.default.drugs))
            if liver is not None:
                checks.append(liver)
        if info.contains_fluoropyrimidine:
            checks.append(self._fluoropyrimidine())
        if info.contains_cisplatin:
            checks.append(self.cisplatin)
        criteria = tuple(c for check in checks for c in check.criteria)
        failed = [check for check in checks if check.value is False]
        if failed:
            reason = "; ".join(check.reason for check in failed)
            return _Eligibility(False, criteria, reason, rule=failed[0].rule)
        unknown = [check for check in checks if check.value is None]
        if unknown:
            specific = [check for check in unknown if check.rule in _EXPLICIT_UNKNOWN_RULES]
            if specific:  # a check written for the missing value names what decides
                reason = "; ".join(check.reason for check in specific)
                return _Eligibility(None, criteria, reason, rule=specific[0].rule)
            if any("patient.conditions" in c.missing for check in unknown for c in check.criteria):
                # §5.1 "conditions not recorded" decides every criterion that reads them.
                return _Eligibility(None, criteria, "eligibility unknown", rule=_CONDITIONS_NULL)
            return _Eligibility(None, criteria, "eligibility unknown")
        return _Eligibility(True, criteria, "", any(check.capped for check in checks))

    def _fluoropyrimidine(self) -> _Eligibility:
        """Fluoropyrimidines (§5.1): the v2 conditions, and a DPYD poor metabolizer (v3).

        With the conditions not recorded (5.1.conditions_null) the tier is unchanged:
        ``check_dpd_status`` is the safeguard.
        """
        check = self.checks.get("fluoropyrimidine_safe")
        if check is not None:
            return check
        f = self.f
        what = "complete DPD deficiency or prior severe fluoropyrimidine toxicity"
        if dpyd_poor_metabolizer(f):
            score = f.case.patient.dpyd_activity_score
            poor = float(f.kb.thresholds.dpyd_poor_metabolizer.value)
            text = f"DPYD activity score {score:g} (poor metabolizer: ≤ {poor:g})"
            item = criterion("fluoropyrimidine_safe", False, text)
            check = _Eligibility(False, (item,), text, rule="5.1.fluoropyrimidine")
        elif f.conditions is None:
            item = criterion(
                "fluoropyrimidine_safe",
                None,
                f"conditions not recorded: {what} unknown (test DPD status before treatment)",
                ["patient.conditions"],
            )
            check = _Eligibility(True, (item,), "")
        else:
            exclusions = f.kb.condition_sets.fluoropyrimidine_exclusions
            ok, item = _condition_check(f, exclusions, "fluoropyrimidine_safe", what)
            reason = "DPD deficiency or prior severe toxicity"
            check = _Eligibility(ok, (item,), reason, rule="5.1.fluoropyrimidine")
        self.checks["fluoropyrimidine_safe"] = check
        return check

    def _liver(self, *, docetaxel: bool) -> _Eligibility | None:
        """The taxane's liver-test check (§5.1 hepatic, rule ``5.1.hepatic``).

        ``None`` (no criterion, tier unchanged) when no liver test is recorded, or when a
        value the check needs is not (the plan then carries ``check_hepatic_function``).
        """
        f = self.f
        if not f.liver_tests_recorded:
            return None
        key = "hepatic:docetaxel" if docetaxel else "hepatic:paclitaxel"
        if key in self.checks:
            return self.checks[key]
        t = f.kb.thresholds
        values = _liver_text(f)
        paclitaxel = f.paclitaxel_liver
        found: _Eligibility | None = None
        if paclitaxel.outcome is HepaticOutcome.EXCLUDED:
            text = (
                f"{values}: bilirubin above {float(t.paclitaxel_hepatic_reduced_2.value):g} "
                f"or AST or ALT at least {float(t.paclitaxel_hepatic_exclusion.value):g} × ULN"
            )
            found = _liver_check(False, text, f"taxane regimens excluded by liver tests ({text})")
        elif docetaxel:
            outcome = f.docetaxel_liver
            if outcome.outcome is HepaticOutcome.EXCLUDED:
                text = (
                    f"{values}: bilirubin above "
                    f"{float(t.docetaxel_hepatic_exclusion.value):g} × ULN, or AST or ALT above "
                    f"{float(t.docetaxel_alp_missing.value):g} with alkaline phosphatase above "
                    f"{float(t.docetaxel_hepatic_alp_limit.value):g} × ULN"
                )
                found = _liver_check(False, text, f"docetaxel excluded by liver tests ({text})")
            elif outcome.outcome is HepaticOutcome.UNDETERMINED:
                text = (
                    f"{values}: AST or ALT above {float(t.docetaxel_alp_missing.value):g} × ULN "
                    "and alkaline phosphatase not recorded"
                )
                found = _liver_check(
                    None,
                    text,
                    f"docetaxel depends on alkaline phosphatase ({text})",
                    outcome.missing,
                )
            elif outcome.outcome is HepaticOutcome.NONE:
                found = _liver_check(True, f"{values}: docetaxel at full dose", "")
        elif paclitaxel.outcome is HepaticOutcome.REDUCED:
            assert paclitaxel.fraction is not None
            found = _liver_check(True, f"{values}: paclitaxel dose × {paclitaxel.fraction:.4g}", "")
        elif paclitaxel.outcome is HepaticOutcome.NONE:
            found = _liver_check(True, f"{values}: paclitaxel at full dose", "")
        self.checks[key] = found  # None: no check (cached too)
        return found

    def _check(
        self, condition: Condition, drug_class: str, criterion_id: str, what: str
    ) -> _Eligibility:
        """The hypersensitivity check *criterion_id*, computed once per run."""
        check = self.checks.get(criterion_id)
        if check is None:
            check = self.checks[criterion_id] = _hypersensitivity_check(
                self.f, condition, drug_class, criterion_id, what
            )
        return check
        return check

    def offer(
        self, option: OptionId, tier: Tier, rule: str, reason: str, flags: Iterable[Flag] = ()
    ) -> None:
        """Offer *option* at *tier* if its shared criteria (§5.1) allow it.

        Rejected: ``not_recommended`` under the rule of the first criterion that rejects it
        (``5.1.<criterion>``); unknown: ``undetermined`` (rule ``0.1``, the row's own id for
        an ICI option in a row written for unknown ICI eligibility, or the id of a §5.1 check
        written for the missing value: ``5.1.hepatic``, ``5.1.conditions_null``); a capped
        checkpoint inhibitor (CD4 below the trial threshold; rule ``5.1.hiv``) or
        ``alternatives_only``: at most alternative. With ``alternatives_only`` the calling
        rule sets the tier of every option it offers (its id is reported). The context's
        flags are added to the systemic options, and ``conditions_not_recorded`` to every
        systemic option evaluated with the conditions not recorded.
        """
        eligibility = self.eligibility(option)
        self.d.add_criteria(option, *eligibility.criteria)
        if option in SYSTEMIC_OPTIONS and self.f.conditions is None:
            self.d.flag(option, Flag.CONDITIONS_NOT_RECORDED)
        if eligibility.value is False:
            self.d.set(option, N, eligibility.rule, f"not recommended: {eligibility.reason}")
            if option in ICI_OPTIONS and self.f.case.patient.hiv.viral_load_undetectable is False:
                self.d.flag(option, Flag.REVISIT_WHEN_HIV_CONTROLLED)
            return
        if eligibility.value is None:
            if eligibility.rule in _EXPLICIT_UNKNOWN_RULES:
                unknown_rule = eligibility.rule
            elif option in ICI_OPTIONS and rule in _ICI_UNKNOWN_ROWS:
                unknown_rule = rule
            else:
                unknown_rule = BRANCHED
            self.d.set(option, U, unknown_rule, f"{reason}, but {eligibility.reason}")
            return
        flags = list(flags)
        if self.ctx.alternatives_only and self.ctx.rule:
            rule = self.ctx.rule
        if self.ctx.alternatives_only and tier is P:
            tier = A
        if eligibility.capped and tier is not N:
            # §5.1 HIV, CD4 below the trial threshold: outside the trials' population whatever
            # the tier; a preferred option is capped at alternative.
            flags.append(Flag.OUTSIDE_TRIAL_POPULATION)
            if tier is P:
                tier, rule = A, "5.1.hiv"
                reason += "; capped at alternative (CD4 below the trial threshold)"
        if option in SYSTEMIC_OPTIONS:  # the context's flags describe drug therapy
            if tier is P:
                flags.extend(self.ctx.preferred_flags)
            flags.extend(self.ctx.offered_flags)
        self.d.set(option, tier, rule, reason, flags)

    # --- tables ----------------------------------------------------------------------
    def run(self) -> None:
        f, t = self.f, self.f.kb.thresholds
        ecog = f.ecog
        assert ecog is not None, "ECOG is resolved before the systemic pathway runs"
        # ECOG ≥ 3 is an overriding situation (§2): best supportive care, never this pathway.
        assert ecog <= int(t.ecog_max_clinical_trial.value), "ECOG ≥ 3 is routed by §2"
        exposed = f.prior_checkpoint_inhibitor
        if exposed is None:
            self._branch("assumed_ici_exposed", "checkpoint_inhibitor_exposure_known")
            return
        pretreated = f.platinum_pretreated
        if not exposed and pretreated is None:
            self._branch("assumed_platinum_pretreated", "platinum_exposure_known")
            return
        hypersensitive = f.has_condition(Condition.PLATINUM_HYPERSENSITIVITY)
        if exposed:
            self.line = "5.4"
        elif hypersensitive:  # during platinum treatment → 5.3e/f; else 5.2f
            self.line = "5.3" if f.prior.platinum_advanced else "5.2"
        else:
            self.line = "5.3" if pretreated else "5.2"
        if self.line == "5.2" and self._doublet_decided_by_cisplatin():
            self._branch("assumed_cisplatin_eligible", "cisplatin_eligibility_known")
            return
        self.table(self.line)
        self.common_flags()

    def _doublet_decided_by_cisplatin(self) -> bool:
        """Taxanes excluded, fluoropyrimidines allowed, cisplatin eligibility unknown (5.2f)."""
        f = self.f
        return (
            self.cisplatin.value is None
            and any(taxane_regimens_excluded(f))
            and not f.has_condition(Condition.PLATINUM_HYPERSENSITIVITY)
            and not fluoropyrimidines_excluded(f)
        )

    def _branch(self, assumed: str, criterion_id: str) -> None:
        """Evaluate the pathway for each value of an unknown routing fact and merge (§0.1)."""
        whats = {
            "assumed_ici_exposed": ("anti-PD-(L)1 exposure", "no anti-PD-(L)1 exposure"),
            "assumed_platinum_pretreated": ("platinum exposure", "no platinum exposure"),
            "assumed_cisplatin_eligible": ("cisplatin-eligible", "not cisplatin-eligible"),
        }
        yes, no = whats[assumed]
        if assumed == "assumed_cisplatin_eligible":
            what = "cisplatin eligibility"
            missing = [m for c in self.cisplatin.criteria for m in c.missing]
        else:
            fact = assumed.removeprefix("assumed_")
            what = yes
            missing = list(self.f.prior.missing[fact])
        variants = []
        changes: dict[str, Any]
        for label, value in ((yes, True), (no, False)):
            changes = {assumed: value}
            variant = Draft(
                pathway=self.d.pathway,
                options={option: entry.copy() for option, entry in self.d.options.items()},
                warnings=dict(self.d.warnings),
                reirradiation_screen=self.d.reirradiation_screen,
            )
            _Systemic(variant, attrs.evolve(self.f, **changes), self.ctx).run()
            variants.append((label, variant))
        merged = merge(
            variants,
            criterion_id=criterion_id,
            missing=missing,
            what=what,
            supportive_care=supportive_care_rule(self.f),
        )
        self.d.options, self.d.warnings = merged.options, merged.warnings
        self.common_flags()  # on the options the branches left undetermined

    def table(self, section: str) -> None:
        """Run the rule table of *section*, offering through :meth:`offer`.

        The systemic pathway runs inside the calling rule's pathway, which the table leaves
        as it was; the routines the table hands over to act on this run (``_RUNNER``).
        """
        pathway = self.d.pathway
        token = _RUNNER.set(self)
        try:
            run_table(self.d, self.f, section, offer=self.offer)
        finally:
            _RUNNER.reset(token)
        if pathway:  # metastatic disease: the §5 row that applied routed the case
            self.d.pathway = pathway

    def older_other_cancer_ici(self, rule: str) -> None:
        """5.2g: older anti-PD-(L)1 for another cancer only (rows a, b, d).

        Carboplatin–paclitaxel is preferred; the retifanlimab combination at most an
        alternative, flagged outside the trial population (POD1UM-303 excluded prior
        anti-PD-(L)1) and individualised.
        """
        if not self.f.prior.older_other_cancer_ici:
            return
        d, window = self.d, template_text("{ici_other_cancer_window}", self.f.kb)
        why = f"anti-PD-(L)1 for another cancer more than {window} before this episode"
        if d.tier(CP) is A:
            d.set(CP, P, "5.2g", f"{why}: carboplatin–paclitaxel [INTERAACT_2020]")
        if d.tier(CPR) in (P, A):
            d.set(
                CPR,
                A,
                "5.2g",
                f"{why}: outside POD1UM-303, which excluded prior anti-PD-(L)1",
                (Flag.OUTSIDE_TRIAL_POPULATION, Flag.INDIVIDUALISED),
            )

    def rechallenge(self, rule: str) -> None:
        """Carboplatin–paclitaxel after platinum (§5.3 rows a–d and h, §5.4).

        Platinum-naive (no prior course with a platinum agent): offered, flagged outside the
        trial population (§5.4). Otherwise a re-challenge by the platinum-free interval
        (≥ ``platinum_free_interval_rechallenge`` days: alternative, flag
        ``very_low_evidence``; shorter or platinum-refractory: not recommended; dates
        missing: undetermined). Row 5.3g then adds it whatever the interval.
        """
        f, t = self.f, self.f.kb.thresholds
        assert f.ecog is not None
        shared = (Flag.SHARED_DECISION,) if f.ecog > int(t.ecog_max_trial_population.value) else ()
        if not f.prior.platinum_courses and self.line == "5.4":
            self.offer(
                CP,
                A,
                rule,
                "platinum-naive after anti-PD-(L)1: carboplatin–paclitaxel",
                (Flag.OUTSIDE_TRIAL_POPULATION, *shared),
            )
            return
        days, refractory, missing = f.platinum_free_interval()
        minimum = int(t.platinum_free_interval_rechallenge.value)
        # Reason texts give months as days / 30.4375, rounded to 0.1 (§5.4).
        months = "" if days is None else f"{days / _DAYS_PER_MONTH:.1f} months"
        at_least = f"≥ {minimum / _DAYS_PER_MONTH:.0f} months"
        below = f"< {minimum / _DAYS_PER_MONTH:.0f} months"
        if self._platinum_other_setting_only():
            self.offer(
                CP,
                A,
                "5.3g",
                "platinum only as a radiosensitiser or (neo)adjuvant, not a failed platinum "
                "line: carboplatin–paclitaxel",
                (Flag.OUTSIDE_TRIAL_POPULATION, Flag.VERY_LOW_EVIDENCE, *shared),
            )
        elif refractory:
            self.d.set(CP, N, rule, "platinum-refractory: progression during platinum")
        elif days is None:
            self.d.set(
                CP,
                U,
                rule,
                "re-challenge depends on the platinum-free interval",
                criteria=[
                    criterion(
                        "platinum_free_interval",
                        None,
                        "platinum-free interval cannot be computed",
                        missing,
                    )
                ],
            )
        elif days >= minimum:
            self.offer(
                CP,
                A,
                rule,
                f"re-challenge: platinum-free interval {months} ({at_least})",
                (Flag.VERY_LOW_EVIDENCE, *shared) if self.line == "5.3" else (),
            )
            self.d.add_criteria(
                CP, criterion("platinum_free_interval", True, f"{months} ({at_least})")
            )
        else:
            self.d.set(
                CP,
                N,
                rule,
                f"platinum-free interval {months} ({below})",
                criteria=[criterion("platinum_free_interval", False, f"{months} ({below})")],
            )

    def _platinum_other_setting_only(self) -> bool:
        """Row 5.3g: platinum-pretreated only through another setting (no advanced line)."""
        f = self.f
        if self.line != "5.3" or f.prior.platinum_advanced:
            return False
        return f.assumed_platinum_pretreated is True or f.prior.platinum_other_setting_only

    def unused_chemotherapy(self, rule: str) -> None:
        """Chemotherapy not yet used, and carboplatin–paclitaxel (§5.3c, §5.4)."""
        f, t = self.f, self.f.kb.thresholds
        assert f.ecog is not None
        cis_ecog = int(t.ecog_max_cisplatin.value)
        for option in (CF, DCF):
            if f.used(option):
                self.d.set(option, N, rule, "already given for advanced disease")
            elif f.ecog > cis_ecog:
                reason = template_text("cisplatin regimens need ECOG ≤ {ecog_max_cisplatin}", f.kb)
                self.d.set(option, N, rule, reason)
            else:
                self.offer(option, A, rule, "chemotherapy not yet used")
        self.rechallenge(rule)

    # --- flags shared by every line ------------------------------------------------------
    def _line_matches(self, line: IndicationLine) -> bool:
        """Whether the case is in the line of therapy an indication requires (§5.1)."""
        f = self.f
        if line is IndicationLine.FIRST_LINE:
            return not f.platinum_pretreated and not f.prior_checkpoint_inhibitor
        # Platinum hypersensitivity counts as intolerance of platinum only when it arose
        # during platinum treatment for advanced disease (§5.1 platinum hypersensitivity).
        hypersensitive = bool(f.has_condition(Condition.PLATINUM_HYPERSENSITIVITY))
        return bool(f.platinum_pretreated) or (hypersensitive and f.prior.platinum_advanced)

    def _approval_status(self, option: OptionId) -> str:
        """``approved``, ``off_label``, ``not_approved`` or ``unknown`` for *option*.

        An approval of an agent for an indication covers the options the indication lists
        that contain the agent (``approvals.toml``); it counts when the case is in the
        indication's line and metastatic or inoperable, otherwise the option is off-label.
        """
        jurisdiction = self.f.case.jurisdiction
        if jurisdiction is None or jurisdiction is Jurisdiction.OTHER:
            return "unknown"
        kb = self.f.kb
        held = option_approvals(kb, str(jurisdiction), self.f.case.evaluation_date).get(option)
        if not held:
            return "not_approved"
        line_ok = any(
            self._line_matches(kb.indications[approval.indication].line) for approval in held
        )
        return "approved" if line_ok and self.ctx.inoperable else "off_label"

    def common_flags(self) -> None:
        f, d = self.f, self.d
        clearance, _ = f.creatinine_clearance
        neuropathy = f.has_condition(Condition.PERIPHERAL_NEUROPATHY_GRADE_2_OR_MORE)
        hiv_positive = f.hiv_positive
        uncontrolled = hiv_positive and f.case.patient.hiv.viral_load_undetectable is False
        below = float(f.kb.thresholds.carboplatin_pharmacy_check_clearance_below.value)
        check_carboplatin = clearance is not None and clearance < below
        for option in SYSTEMIC_OPTIONS:
            if d.options[option].tier not in _FLAGGED_TIERS:
                continue
            info = f.kb.regimens[str(option)]
            if info.contains_fluoropyrimidine:
                d.flag(option, Flag.CHECK_DPD_STATUS)
            if info.contains_taxane:
                if hiv_positive:
                    d.flag(option, Flag.CHECK_ANTIRETROVIRAL_INTERACTIONS)
                if neuropathy:
                    d.flag(option, Flag.TAXANE_NEUROPATHY_CAUTION)
            if info.contains_carboplatin and check_carboplatin:
                d.flag(option, Flag.VERIFY_CARBOPLATIN_DOSE_WITH_PHARMACY)
            if not info.contains_checkpoint_inhibitor and uncontrolled:
                d.flag(option, Flag.OPTIMISE_ANTIRETROVIRAL_THERAPY, Flag.JOINT_HIV_ONCOLOGY_CARE)
            if info.contains_checkpoint_inhibitor:
                self._approval_flags(option)
                if self.line == "5.3" and f.prior.older_other_cancer_ici:
                    d.flag(option, Flag.OUTSIDE_TRIAL_POPULATION)
                if self.line == "5.3" and pd_l1_archival_low(f):
                    d.flag(option, Flag.PD_L1_ARCHIVAL_SPECIMEN)
        if self.line == "5.3" and pd_l1_archival_low(f) and d.tier(PD1) in (P, A):
            d.options[PD1].rule = "5.1.pd_l1"
        _v3_systemic_flags(d, f)

    def _approval_flags(self, option: OptionId) -> None:
        status = self._approval_status(option)
        if self._tumour_agnostic(option):
            # 5.1.approvals: a tumour-agnostic approval replaces off-label, no tier change.
            self.d.flag(option, Flag.TUMOUR_AGNOSTIC_APPROVAL)
            self.d.options[option].flags.discard(Flag.OFF_LABEL)
            if status in ("off_label", "not_approved"):
                return
        if status == "unknown":
            self.d.flag(option, Flag.APPROVAL_STATUS_UNKNOWN)
        elif status == "off_label":
            self.d.flag(option, Flag.OFF_LABEL)
        elif status == "not_approved":
            self.d.flag(option, Flag.NOT_APPROVED_IN_JURISDICTION)
            if option is PD1:
                self.d.flag(option, Flag.OFF_LABEL)
        else:
            if self.ctx.label_interpretation or self.f.inoperable_by_choice:  # §2.3
                self.d.flag(option, Flag.LABEL_INTERPRETATION)
            if self.f.case.jurisdiction is Jurisdiction.EU and self.d.is_offered(option):
                self.d.warn_from(
                    self.f.kb, WarningCode.CHECK_NATIONAL_REIMBURSEMENT, ("jurisdiction",)
                )

    def _tumour_agnostic(self, option: OptionId) -> bool:
        """5.1.approvals: a tumour-agnostic approval in force covers *option* for this case.

        Metastatic or inoperable disease after prior systemic therapy of this cancer (any
        setting) with the indication's biomarker finding (dMMR/MSI-H, or TMB at least
        ``tmb_high_tumour_agnostic``), in the case's jurisdiction on the evaluation date
        (the tumour-agnostic indications of ``approvals.toml``).
        """
        f = self.f
        jurisdiction = f.case.jurisdiction
        if jurisdiction is None or not self.ctx.inoperable or not f.prior.prior_treatment:
            return False
        markers = f.case.patient.biomarkers
        tmb = markers.tmb_mut_per_mb
        shown = {
            IndicationBiomarker.DMMR_OR_MSI_HIGH: (
                markers.mmr_msi is MismatchRepair.DMMR_OR_MSI_HIGH
            ),
            IndicationBiomarker.TMB_HIGH: (
                tmb is not None and tmb >= float(f.kb.thresholds.tmb_high_tumour_agnostic.value)
            ),
        }
        found = tumour_agnostic_approvals(f.kb, str(jurisdiction), f.case.evaluation_date)
        return any(shown[biomarker] for biomarker in found.get(str(option), ()))


def pd_l1_archival_low(f: Facts) -> bool:
    """5.1.pd_l1: a CPS below the cut-off measured only on a pre-CRT primary specimen.

    Such a CPS counts as unknown for §5.3 (row a applies) and the checkpoint-inhibitor
    options carry ``pd_l1_archival_specimen`` (library policy).
    """
    test = f.case.patient.biomarkers.effective_pd_l1
    crt = f.case.primary.chemoradiotherapy
    if test is None or crt is None or test.specimen is not PdL1Specimen.PRIMARY:
        return False
    cut = float(f.kb.thresholds.pd_l1_cps_positive.value)
    return test.cps < cut and test.date is not None and test.date < crt.start_date


def _v3_systemic_flags(d: Draft, f: Facts) -> None:
    """The flags §5.1 and §10 add to offered or undetermined systemic options (v3).

    Dose adjustments (dialysis, partial DPD deficiency, liver tests), chronic viral hepatitis,
    a prior grade 2 immune-related adverse event and HIV with CD4 below the prophylaxis
    threshold. No tier changes.
    """
    conditions = f.conditions or frozenset()
    hepatitis = bool(conditions & {Condition.HEPATITIS_B_CHRONIC, Condition.HEPATITIS_C_VIRAEMIC})
    moderate_irae = Condition.PRIOR_MODERATE_IMMUNE_RELATED_ADVERSE_EVENT in conditions
    prophylaxis = opportunistic_infection_prophylaxis(f)
    fraction, _ = f.fluorouracil_fraction
    reduced_fluorouracil = fraction is not None and fraction < 1.0
    paclitaxel, docetaxel = f.paclitaxel_liver.outcome, f.docetaxel_liver.outcome
    for option in SYSTEMIC_OPTIONS:
        if d.options[option].tier not in _FLAGGED_TIERS:
            continue
        info = f.kb.regimens[str(option)]
        drugs = {drug.drug for drug in info.default.drugs}
        if info.contains_carboplatin and f.dialysis:
            d.flag(option, Flag.DOSE_AFTER_DIALYSIS, Flag.VERIFY_CARBOPLATIN_DOSE_WITH_PHARMACY)
        if "fluorouracil" in drugs and reduced_fluorouracil:
            d.flag(option, Flag.DPD_REDUCED_STARTING_DOSE)
        outcome = paclitaxel if "paclitaxel" in drugs else docetaxel
        if info.contains_taxane:
            if outcome is HepaticOutcome.REDUCED:
                d.flag(option, Flag.HEPATIC_DOSE_REDUCTION)
            elif outcome is HepaticOutcome.NOT_RECORDED:
                d.flag(option, Flag.CHECK_HEPATIC_FUNCTION)
        if hepatitis:
            d.flag(option, Flag.HEPATITIS_ANTIVIRAL_MANAGEMENT)
            if info.contains_checkpoint_inhibitor:
                d.flag(option, Flag.OUTSIDE_TRIAL_POPULATION)
        if moderate_irae and info.contains_checkpoint_inhibitor:
            d.flag(option, Flag.PRIOR_IRAE_CAUTION)
        if prophylaxis:
            d.flag(option, Flag.OPPORTUNISTIC_INFECTION_PROPHYLAXIS)


def opportunistic_infection_prophylaxis(f: Facts) -> bool:
    """HIV with CD4 below ``cd4_opportunistic_infection_prophylaxis`` (any viral load; §5.1)."""
    cd4 = f.case.patient.hiv.cd4_count
    limit = float(f.kb.thresholds.cd4_opportunistic_infection_prophylaxis.value)
    return f.hiv_positive and cd4 is not None and cd4.canonical < limit


#: Curative-dose radiotherapy options not recommended in pregnancy (fetal dose, §5.1).
_FETAL_DOSE: Final = (
    OptionId.GROIN_RADIOTHERAPY,
    OptionId.REIRRADIATION,
    OptionId.IORT,
    OptionId.PRIMARY_CHEMORADIOTHERAPY,
)
#: Options that are not anticancer treatment (no ``individualised`` flag in pregnancy).
_NOT_ANTICANCER: Final = frozenset(
    {
        OptionId.OBSERVE_AND_REASSESS,
        OptionId.SURVEILLANCE,
        OptionId.BIOPSY_AND_RESTAGE,
        OptionId.BEST_SUPPORTIVE_CARE,
    }
)


def patient_condition_modifiers(d: Draft, f: Facts) -> None:
    """§5.1 modifiers on every route: pregnancy (rule ``5.1.pregnancy``), HIV prophylaxis.

    Pregnancy: re-irradiation, groin radiotherapy, IORT and primary chemoradiotherapy not
    recommended (fetal dose); every other offered or undetermined anticancer option carries
    ``individualised`` (checkpoint inhibitors are rejected by their contraindication rule).
    Conditions not recorded (not for a male patient): those radiotherapy options carry
    ``conditions_not_recorded``.
    HIV with CD4 below the prophylaxis threshold: ``reirradiation`` carries
    ``opportunistic_infection_prophylaxis`` (the systemic options get it with their flags).
    """
    if f.has_condition(Condition.PREGNANCY):
        pregnant = criterion("not_pregnant", False, "pregnancy recorded")
        for option, entry in d.options.items():
            if entry.tier not in _FLAGGED_TIERS or option in _NOT_ANTICANCER:
                continue
            if option in _FETAL_DOSE:
                d.set(
                    option,
                    N,
                    "5.1.pregnancy",
                    "not recommended: pregnancy (fetal radiation dose)",
                    criteria=[pregnant],
                )
            else:
                d.flag(option, Flag.INDIVIDUALISED)
    elif f.conditions is None and f.case.patient.sex is not Sex.MALE:
        # §5.1 conditions not recorded: pregnancy, which rejects these options, is unknown.
        for option in _FETAL_DOSE:
            if d.tier(option) in _FLAGGED_TIERS:
                d.flag(option, Flag.CONDITIONS_NOT_RECORDED)
    if opportunistic_infection_prophylaxis(f) and d.tier(OptionId.REIRRADIATION) in _FLAGGED_TIERS:
        d.flag(OptionId.REIRRADIATION, Flag.OPPORTUNISTIC_INFECTION_PROPHYLAXIS)


#: The run whose table is being interpreted (the routines below act on it).
_RUNNER: ContextVar[_Systemic] = ContextVar("systemic_runner")


@routine("systemic_older_other_cancer_ici")
def _older_other_cancer_ici_routine(d: Draft, f: Facts) -> None:
    runner = _RUNNER.get()
    assert d is runner.d, "the §5.2 rows a, b and d never branch"
    runner.older_other_cancer_ici(d.pathway)


@routine("systemic_platinum_rechallenge")
def _platinum_rechallenge_routine(d: Draft, f: Facts) -> None:
    runner = _RUNNER.get()
    assert d is runner.d, "the §5.3 tables never branch (each unknown has its row)"
    runner.rechallenge(d.pathway)


@routine("systemic_unused_chemotherapy")
def _unused_chemotherapy_routine(d: Draft, f: Facts) -> None:
    runner = _RUNNER.get()
    assert d is runner.d, "the §5.3 and §5.4 tables never branch (each unknown has its row)"
    runner.unused_chemotherapy(d.pathway)


@routine("systemic_checkpoint_inhibitor_not_allowed")
def _checkpoint_inhibitor_not_allowed_routine(d: Draft, f: Facts) -> None:
    allowed = CONDITIONS["checkpoint_inhibitor_allowed"].evaluate(f)
    assert allowed.value is False, "the §5.3 rows run it only when ICIs are not allowed"
    d.set(PD1, N, _ici_rule(f), f"not recommended: {allowed.explanation}")


@functools.lru_cache(maxsize=256)
def option_approvals(
    kb: KnowledgeBase, jurisdiction: str, as_of: _dt.date
) -> Mapping[str, tuple[Approval, ...]]:
    """The anal-cancer approvals of *kb* in force, by the systemic option each covers.

    An approval of agent X for an indication covers each option of the indication's
    ``options`` whose regimen contains X (knowledge base ``approvals.toml``). Tumour-agnostic
    approvals are left out (:func:`tumour_agnostic_approvals`). Read-only, cached.
    """
    covered: dict[str, list[Approval]] = {}
    for approval in approvals_in_force(kb, jurisdiction, as_of):
        scope = kb.indications[approval.indication]
        if scope.biomarker is not None:
            continue
        for option in scope.options:
            if approval.agent in kb.option_agents[option]:
                covered.setdefault(option, []).append(approval)
    return MappingProxyType({option: tuple(found) for option, found in covered.items()})


@functools.lru_cache(maxsize=256)
def tumour_agnostic_approvals(
    kb: KnowledgeBase, jurisdiction: str, as_of: _dt.date
) -> Mapping[str, frozenset[IndicationBiomarker]]:
    """The biomarkers of the tumour-agnostic approvals in force, by option (read-only, cached).

    >>> import datetime
    >>> from ascc_salvage.knowledge import bundled
    >>> found = tumour_agnostic_approvals(bundled(), "US", datetime.date(2019, 1, 1))
    >>> sorted(str(biomarker) for biomarker in found["anti_pd1_monotherapy"])
    ['dmmr_or_msi_high']
    """
    covered: dict[str, set[IndicationBiomarker]] = {}
    for approval in approvals_in_force(kb, jurisdiction, as_of):
        scope = kb.indications[approval.indication]
        if scope.biomarker is None:
            continue
        for option in scope.options:
            if approval.agent in kb.option_agents[option]:
                covered.setdefault(option, set()).add(scope.biomarker)
    return MappingProxyType({option: frozenset(found) for option, found in covered.items()})


def approved_agents(kb: KnowledgeBase, option: str, held: Iterable[Approval]) -> tuple[str, ...]:
    """The agents of *option* that the approvals *held* name, in the regimen's order."""
    agents = {approval.agent for approval in held}
    if not agents:
        return ()
    return tuple(agent for agent in kb.option_agents[option] if agent in agents)


def systemic_pathway(d: Draft, f: Facts, ctx: SystemicContext) -> None:
    """Run the systemic pathway (§5) on *d* for the calling rule's context."""
    _Systemic(d, f, ctx).run()


def offer_systemic(
    d: Draft,
    f: Facts,
    ctx: SystemicContext,
    option: OptionId,
    tier: Tier,
    rule: str,
    reason: str,
    flags: Iterable[Flag] = (),
) -> None:
    """Offer one systemic option outside its line's table, still applying §5.1."""
    runner = _Systemic(d, f, ctx)
    runner.offer(option, tier, rule, reason, flags)
    runner.common_flags()
