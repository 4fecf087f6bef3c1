"""Typed model of the knowledge base: frozen attrs value objects and one enum per vocabulary.

The clinical content itself lives in the TOML files of ``knowledge/data``; this module only says
what shape it has. Grading systems are kept apart (one :class:`enum.StrEnum` each) and are never
converted into one another; :func:`display_rank` gives a documented sort order *within* one
system for tables.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Mapping
from typing import Final, NamedTuple

import attrs

from ascc_salvage.vocabulary import (
    Condition,
    Intent,
    InvadedStructure,
    NodalStation,
    OptionId,
    Site,
    SurgeryProcedure,
    TherapySetting,
    WarningCode,
)

__all__ = [
    "SITE_SET_TYPES",
    "Approval",
    "ApprovalAbsence",
    "CatalogueEntry",
    "ConditionPrompt",
    "ConditionSets",
    "DatePrecision",
    "DoseRule",
    "DrugDose",
    "EsmoGrade",
    "EsmoLevel",
    "EvidenceItem",
    "GradeCertainty",
    "GradeStrength",
    "GroinOrgan",
    "IdentifierKind",
    "IdentifierStatus",
    "Indication",
    "IndicationBiomarker",
    "IndicationLine",
    "IndicationScope",
    "KarnofskyEcogRow",
    "NccnCategory",
    "NccnPreference",
    "OcebmLevel",
    "OrganLimit",
    "Outcome",
    "OutcomeUnit",
    "PromptTemplate",
    "RadiotherapySchedule",
    "Regimen",
    "RegimenVariant",
    "SiteSets",
    "Threshold",
    "Thresholds",
    "Verification",
    "VerificationScope",
    "WarningTemplate",
    "display_rank",
]


# --------------------------------------------------------------------------- grading systems


class OcebmLevel(enum.StrEnum):
    """Oxford CEBM 2011 level of evidence for treatment benefit (1 is strongest).

    1 systematic review of RCTs; 2 RCT; 3 non-randomised controlled cohort; 4 case series,
    case-control or historically controlled study; 5 mechanism-based reasoning (and expert
    consensus or narrative review).
    """

    LEVEL_1 = "1"
    LEVEL_2 = "2"
    LEVEL_3 = "3"
    LEVEL_4 = "4"
    LEVEL_5 = "5"


class GradeCertainty(enum.StrEnum):
    """GRADE certainty of evidence."""

    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"
    VERY_LOW = "very_low"


class GradeStrength(enum.StrEnum):
    """GRADE strength of recommendation."""

    STRONG = "strong"
    CONDITIONAL = "conditional"


class NccnCategory(enum.StrEnum):
    """NCCN category of evidence and consensus (2A is the default)."""

    CATEGORY_1 = "1"
    CATEGORY_2A = "2A"
    CATEGORY_2B = "2B"
    CATEGORY_3 = "3"


class NccnPreference(enum.StrEnum):
    """NCCN preference label of a regimen."""

    PREFERRED = "preferred"
    OTHER_RECOMMENDED = "other_recommended"
    USEFUL_IN_CERTAIN_CIRCUMSTANCES = "useful_in_certain_circumstances"


class EsmoLevel(enum.StrEnum):
    """ESMO level of evidence, written first in e.g. ``[II, B]``."""

    I = "I"  # noqa: E741 - the ESMO level is literally called "I"
    II = "II"
    III = "III"
    IV = "IV"
    V = "V"


class EsmoGrade(enum.StrEnum):
    """ESMO grade of recommendation, written second in e.g. ``[II, B]``."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


GradingValue = (
    OcebmLevel
    | GradeCertainty
    | GradeStrength
    | NccnCategory
    | NccnPreference
    | EsmoLevel
    | EsmoGrade
)

_DISPLAY_RANK: Final[Mapping[type[enum.StrEnum], tuple[enum.StrEnum, ...]]] = {
    OcebmLevel: tuple(OcebmLevel),
    GradeCertainty: tuple(GradeCertainty),
    GradeStrength: tuple(GradeStrength),
    NccnCategory: tuple(NccnCategory),
    NccnPreference: tuple(NccnPreference),
    EsmoLevel: tuple(EsmoLevel),
    EsmoGrade: tuple(EsmoGrade),
}


def display_rank(value: GradingValue) -> int:
    """Return the display rank of a grade *within its own system* (1 = strongest).

    The mapping is the declaration order of each enum: OCEBM 1→1 … 5→5; GRADE high→1 …
    very_low→4, strong→1, conditional→2; NCCN 1→1, 2A→2, 2B→3, 3→4, preferred→1,
    other_recommended→2, useful_in_certain_circumstances→3; ESMO I→1 … V→5, A→1 … E→5.
    Ranks of different systems are not comparable; the original grade is always kept.

    Args:
        value: A member of one of the grading enums.

    Returns:
        The 1-based rank.

    >>> display_rank(GradeCertainty.LOW)
    3
    >>> display_rank(NccnCategory.CATEGORY_2B)
    3
    """
    return _DISPLAY_RANK[type(value)].index(value) + 1


# --------------------------------------------------------------------------- evidence


class Verification(enum.StrEnum):
    """How far a fact was checked.

    ``verified``: seen at a primary source; ``secondary``: seen only in a summary or a
    reference list; ``unverified``: from recall, must be shown as such.
    """

    VERIFIED = "verified"
    SECONDARY = "secondary"
    UNVERIFIED = "unverified"


class VerificationScope(enum.StrEnum):
    """What part of an item its verification status covers, when not the whole item.

    ``citation``: the bibliographic record only (guideline content not re-read);
    ``content``: the cited definition or statement, without an identifier;
    ``limits``: the numeric limits the library uses.
    """

    CITATION = "citation"
    CONTENT = "content"
    LIMITS = "limits"


class IdentifierKind(enum.StrEnum):
    """Kinds of bibliographic or registry identifier."""

    DOI = "doi"
    PMID = "pmid"
    PMCID = "pmcid"
    NCT = "nct"


@attrs.frozen
class IdentifierStatus:
    """Verification of one identifier that differs from its item's status.

    Attributes:
        kind: Which identifier.
        status: Its own verification status.
    """

    kind: IdentifierKind
    status: Verification


class OutcomeUnit(enum.StrEnum):
    """Unit of an outcome value."""

    PERCENT = "percent"
    MONTHS = "months"
    WEEKS = "weeks"
    RATIO = "ratio"
    COUNT = "count"
    GRAY = "Gy"


@attrs.frozen
class Outcome:
    """One typed result of an evidence item.

    Attributes:
        name: Outcome name in snake case, shared across items so that they can be tabulated
            (e.g. ``objective_response_rate``, ``median_overall_survival``,
            ``overall_survival_5y``, ``hazard_ratio_overall_survival``).
        value: The point estimate.
        unit: Unit of *value* and of the interval.
        arm: Treatment arm or comparison (empty for single-arm results).
        ci_low: Lower bound of the 95 % confidence interval, if reported.
        ci_high: Upper bound of the 95 % confidence interval, if reported.
        population: Population or subgroup the value refers to (empty: whole analysed
            population).
        timepoint: Timepoint of the measure, if any (e.g. ``26 weeks from CRT start``).
        note: Anything else a reader needs (interquartile ranges, p values, caveats).
    """

    name: str
    value: float
    unit: OutcomeUnit
    arm: str = ""
    ci_low: float | None = None
    ci_high: float | None = None
    population: str = ""
    timepoint: str = ""
    note: str = ""


@attrs.frozen
class EvidenceItem:
    """One published source: a trial, cohort, review, consensus or guideline.

    Attributes:
        id: Stable identifier, e.g. ``INTERAACT_2020``.
        citation: Human-readable citation.
        design: Study design in words.
        n: Number of patients analysed (``None`` if not applicable or not reported).
        population: Who was studied.
        interventions: What was given or compared.
        summary: Key results in words, as in the knowledge-base table.
        ocebm: Oxford CEBM 2011 level.
        grade: GRADE certainty (``None`` for guidelines, consensus and reviews).
        verification: Verification status of the item.
        doi: DOI without the ``doi:`` prefix, or empty.
        pmid: PubMed identifier, or empty.
        pmcid: PubMed Central identifier (``PMC…``), or empty.
        nct: ClinicalTrials.gov identifier, or empty.
        verification_scope: Part of the item the status covers (``None``: the whole item).
        verified_by: Where the item was verified (URL or identifier), if recorded.
        identifier_status: Identifiers whose verification differs from the item's.
        identifier_note: Notes on identifiers left empty (e.g. ``doi not seen``).
        outcomes: Typed results.
    """

    id: str
    citation: str
    design: str
    population: str
    interventions: tuple[str, ...]
    summary: str
    ocebm: OcebmLevel
    verification: Verification
    n: int | None = None
    grade: GradeCertainty | None = None
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    nct: str = ""
    verification_scope: VerificationScope | None = None
    verified_by: str = ""
    identifier_status: tuple[IdentifierStatus, ...] = ()
    identifier_note: str = ""
    outcomes: tuple[Outcome, ...] = ()

    def identifier(self, kind: IdentifierKind | str) -> str:
        """Return one identifier by kind (empty string if absent).

        >>> from ascc_salvage.knowledge import evidence
        >>> evidence("INTERAACT_2020").identifier("pmid")
        '32530769'
        """
        return str(getattr(self, str(IdentifierKind(kind))))

    def identifier_verification(self, kind: IdentifierKind | str) -> Verification | None:
        """Return the verification status of one identifier (``None`` if it is empty).

        An identifier without its own entry in :attr:`identifier_status` shares the item's
        status.

        >>> from ascc_salvage.knowledge import evidence
        >>> str(evidence("KEYNOTE158_2022").identifier_verification("pmid"))
        'secondary'
        >>> str(evidence("KEYNOTE158_2022").identifier_verification("nct"))
        'verified'
        """
        kind = IdentifierKind(kind)
        if not self.identifier(kind):
            return None
        for entry in self.identifier_status:
            if entry.kind is kind:
                return entry.status
        return self.verification

    @property
    def verification_label(self) -> str:
        """Status as printed in the knowledge-base table, e.g. ``verified (citation)``."""
        if self.verification_scope is None:
            return str(self.verification)
        return f"{self.verification} ({self.verification_scope})"


# --------------------------------------------------------------------------- catalogue


@attrs.frozen
class CatalogueEntry:
    """One option of the closed catalogue (clinical pathway §8, ``catalogue.toml``).

    Attributes:
        id: The option id.
        label: The plain-language name shown to clinicians (e.g. ``Salvage abdominoperineal
            resection``).
        kind: The kind of treatment in words (``surgery``, ``systemic``, ...).
        intent: The intent of the option.
        description: What the option is, in one plain-language sentence.
    """

    id: OptionId
    label: str
    kind: str
    intent: Intent
    description: str


@attrs.frozen
class WarningTemplate:
    """The message of one result-level warning (``warnings.toml``).

    Attributes:
        code: The warning code.
        template: The message; ``{name}`` is a case value the engine supplies, or a
            knowledge-base threshold (its value only, as in ``day {assessment_window_days}``).
        values: The case values the engine supplies, in the order the template uses them.
    """

    code: WarningCode
    template: str
    values: tuple[str, ...] = ()


@attrs.frozen
class PromptTemplate:
    """The prompt of one missing case field (``prompts.toml``, clinical pathway §0.1).

    Attributes:
        field: The case path that a result reports missing.
        template: One plain-language line: what to record and why; ``{name}`` is a case value
            the engine supplies or a knowledge-base threshold.
        values: The case values the engine supplies.
    """

    field: str
    template: str
    values: tuple[str, ...] = ()


@attrs.frozen
class ConditionPrompt:
    """The conditions a criterion reads, for the ``patient.conditions`` prompt (§0.1).

    Attributes:
        criterion: The criterion id that reads them.
        conditions: The conditions in plain words.
        purpose: What they decide (``for cisplatin``).
        not_when_male: Conditions not prompted for a male patient (pregnancy).
    """

    criterion: str
    conditions: tuple[str, ...]
    purpose: str
    not_when_male: tuple[str, ...] = ()


# --------------------------------------------------------------------------- regimens


class DoseRule(enum.StrEnum):
    """How a drug dose is computed for a patient.

    ``per_m2``: dose × body surface area; ``per_kg``: dose × actual body weight; ``flat``: the
    dose as given; ``auc``: carboplatin by Calvert, target AUC × (GFR + 25).
    """

    PER_M2 = "per_m2"
    PER_KG = "per_kg"
    FLAT = "flat"
    AUC = "auc"


#: The carboplatin target AUC a regimen or a plan may use, in mg·min/mL (both ends
#: included). Library policy, without a source: the bundled regimens use AUC 5; the Calvert
#: formula is used with targets of about 4 to 7, and the range keeps a slip (50, 0.5) from
#: becoming a dose. It bounds a knowledge base's regimens, ``dose_plan(auc=…)`` and
#: ``dose --auc``.
AUC_RANGE: Final = (1.0, 10.0)

#: UCUM dose unit required for each dose rule.
DOSE_RULE_UNITS: Final[Mapping[DoseRule, str]] = {
    DoseRule.PER_M2: "mg/m2",
    DoseRule.PER_KG: "mg/kg",
    DoseRule.FLAT: "mg",
    DoseRule.AUC: "mg.min/mL",
}


@attrs.frozen
class DrugDose:
    """One drug of a regimen variant, per administration.

    Attributes:
        drug: International non-proprietary name, lower case (e.g. ``paclitaxel``).
        rule: How the dose is computed (:class:`DoseRule`).
        dose: Dose value per administration (per day for continuous infusions).
        dose_unit: UCUM unit of *dose*: ``mg/m2``, ``mg/kg``, ``mg`` or ``mg.min/mL``.
        route: Route, e.g. ``IV`` or ``IV continuous infusion``.
        days: Days of the cycle on which it is given (1-based).
        every_n_cycles: Given in every n-th cycle only (1 = every cycle; e.g. 2 for
            ipilimumab every 8 weeks within 28-day cycles).
        max_cycles: Cap on the cycles of this drug when it stops before the others
            (e.g. carboplatin for 6 cycles alongside retifanlimab for a year).
        note: Anything else (infusion time, premedication, …).
    """

    drug: str
    rule: DoseRule
    dose: float
    dose_unit: str
    route: str
    days: tuple[int, ...]
    every_n_cycles: int = 1
    max_cycles: int | None = None
    note: str = ""

    @property
    def administrations_per_cycle(self) -> int:
        """Number of administrations in a cycle in which the drug is given.

        >>> from ascc_salvage.knowledge import regimen
        >>> regimen("carboplatin_paclitaxel").default.drugs[1].administrations_per_cycle
        3
        """
        return len(self.days)


@attrs.frozen
class RegimenVariant:
    """One schedule of a regimen (e.g. modified DCF, or nivolumab 480 mg every 4 weeks).

    Attributes:
        id: Variant id, unique within its regimen (e.g. ``modified``).
        label: Human-readable label.
        drugs: The drugs given, per administration.
        cycle_length_days: Length of one cycle in days.
        cycles: Planned number of cycles, or ``None`` (to progression, or see *duration*).
        duration: Planned duration in words.
        agent: The checkpoint-inhibitor agent a variant is named for, or ``None``.
        supportive_care: Mandatory supportive care (e.g. ``G-CSF primary prophylaxis``).
        evidence: Evidence ids for this schedule.
        is_default: Whether this is the regimen's default variant.
        note: Anything else.
    """

    id: str
    label: str
    drugs: tuple[DrugDose, ...]
    cycle_length_days: int
    duration: str
    evidence: tuple[str, ...]
    cycles: int | None = None
    agent: str | None = None
    supportive_care: tuple[str, ...] = ()
    is_default: bool = False
    note: str = ""


@attrs.frozen
class Regimen:
    """A systemic regimen; its id is the systemic option id.

    Attributes:
        id: The option id (e.g. ``carboplatin_paclitaxel``).
        name: Human-readable name.
        variants: Its schedules.
        default_variant: Id of the default variant.
        contains_platinum: Contains carboplatin or cisplatin.
        contains_cisplatin: Contains cisplatin.
        contains_carboplatin: Contains carboplatin.
        contains_taxane: Contains paclitaxel or docetaxel.
        contains_fluoropyrimidine: Contains fluorouracil or capecitabine.
        contains_checkpoint_inhibitor: Contains an anti-PD-1 or anti-CTLA-4 antibody.
        evidence: Evidence ids for the regimen as a whole.
    """

    id: str
    name: str
    variants: tuple[RegimenVariant, ...]
    default_variant: str
    contains_platinum: bool
    contains_cisplatin: bool
    contains_carboplatin: bool
    contains_taxane: bool
    contains_fluoropyrimidine: bool
    contains_checkpoint_inhibitor: bool
    evidence: tuple[str, ...]

    @property
    def default(self) -> RegimenVariant:
        """The default variant.

        >>> from ascc_salvage.knowledge import regimen
        >>> regimen("docetaxel_cisplatin_fluorouracil").default.id
        'modified'
        """
        return self.variant(self.default_variant)

    def variant(self, variant_id: str) -> RegimenVariant:
        """Return a variant by id.

        Raises:
            KeyError: No such variant (the message lists the valid ids).

        >>> from ascc_salvage.knowledge import regimen
        >>> regimen("anti_pd1_monotherapy").variant("pembrolizumab_400mg_q6w").cycle_length_days
        42
        """
        for candidate in self.variants:
            if candidate.id == variant_id:
                return candidate
        valid = ", ".join(v.id for v in self.variants)
        raise KeyError(f"regimen {self.id!r} has no variant {variant_id!r} (valid: {valid})")

    def variants_for_agent(self, agent: str) -> tuple[RegimenVariant, ...]:
        """Return the variants named for *agent*, default first (empty if none).

        >>> from ascc_salvage.knowledge import regimen
        >>> [v.id for v in regimen("anti_pd1_monotherapy").variants_for_agent("nivolumab")]
        ['nivolumab_240mg_q2w', 'nivolumab_480mg_q4w', 'nivolumab_3mg_kg_q2w']
        """
        found = [v for v in self.variants if v.agent == agent]
        return tuple(sorted(found, key=lambda v: not v.is_default))

    @property
    def agents(self) -> tuple[str, ...]:
        """Agents that name variants, in data order without repeats."""
        return tuple(dict.fromkeys(v.agent for v in self.variants if v.agent is not None))


@attrs.frozen
class RadiotherapySchedule:
    """A radiotherapy schedule (salvage options, or a primary CRT schedule for reference).

    Attributes:
        id: Schedule id (the option id for ``groin_radiotherapy``, ``reirradiation``, ``iort``).
        label: Human-readable label.
        total_dose_gy: Nominal total dose in Gy.
        fractions: Number of fractions.
        fractions_per_day: Fractions given per treatment day.
        evidence: Evidence ids.
        option_id: The option this schedule plans, or ``None`` (reference schedules).
        min_hours_between_fractions: Minimum gap between fractions on one day, if required.
        total_dose_range_gy: Accepted range of the total dose ``(low, high)``, if any.
        typical_dose_range_gy: Usual range of the total dose ``(low, high)``, if any.
        duration: Duration in words.
        concurrent_chemotherapy: Concurrent chemotherapy in words (empty if none).
        concurrent_drugs: Concurrent drugs, when a schedule defines them.
        note: Anything else.
    """

    id: str
    label: str
    total_dose_gy: float
    fractions: int
    evidence: tuple[str, ...]
    fractions_per_day: int = 1
    option_id: str | None = None
    min_hours_between_fractions: float | None = None
    total_dose_range_gy: tuple[float, float] | None = None
    typical_dose_range_gy: tuple[float, float] | None = None
    duration: str = ""
    concurrent_chemotherapy: str = ""
    concurrent_drugs: tuple[DrugDose, ...] = ()
    note: str = ""

    @property
    def dose_per_fraction_gy(self) -> float:
        """Nominal dose per fraction in Gy.

        >>> from ascc_salvage.knowledge import radiotherapy_schedule
        >>> radiotherapy_schedule("reirradiation").dose_per_fraction_gy
        1.5
        """
        return self.total_dose_gy / self.fractions


# --------------------------------------------------------------------------- approvals


class Indication(enum.StrEnum):
    """Approved indications: in anal squamous cell carcinoma, and tumour-agnostic ones."""

    FIRST_LINE_COMBINATION = "first_line_combination"
    MONOTHERAPY_AFTER_PLATINUM = "monotherapy_after_platinum"
    TUMOUR_AGNOSTIC_MSI_HIGH = "tumour_agnostic_msi_high"
    TUMOUR_AGNOSTIC_TMB_HIGH = "tumour_agnostic_tmb_high"


class IndicationLine(enum.StrEnum):
    """The line of therapy a case must be in for an approval of an indication to count.

    ``first_line``: no prior platinum and no prior anti-PD-(L)1 (clinical pathway §5.2).
    ``after_platinum``: platinum-pretreated, or platinum hypersensitivity (§5.3).
    ``after_prior_treatment``: a prior systemic treatment of this cancer is recorded (the
    tumour-agnostic approvals, §5.1 approvals).
    """

    FIRST_LINE = "first_line"
    AFTER_PLATINUM = "after_platinum"
    AFTER_PRIOR_TREATMENT = "after_prior_treatment"


class IndicationBiomarker(enum.StrEnum):
    """The biomarker finding a tumour-agnostic indication requires (§5.1 approvals).

    ``dmmr_or_msi_high``: ``biomarkers.mmr_msi`` is ``dmmr_or_msi_high``. ``tmb_high``:
    ``biomarkers.tmb_mut_per_mb`` at least the threshold ``tmb_high_tumour_agnostic``.
    """

    DMMR_OR_MSI_HIGH = "dmmr_or_msi_high"
    TMB_HIGH = "tmb_high"


@attrs.frozen
class IndicationScope:
    """What an approved indication covers (``[[indication]]`` of ``approvals.toml``).

    Attributes:
        id: The indication code the approval rows use.
        options: The systemic options whose agents the indication covers: an approval of
            an agent for this indication is an approval of each of these options that
            contains the agent.
        line: The line of therapy the case must be in for the approval to count.
        biomarker: For a tumour-agnostic indication, the biomarker finding the case must
            show (line ``after_prior_treatment``). Such an approval gives the option flag
            ``tumour_agnostic_approval`` and never counts as an anal-cancer approval: it
            changes no tier and no approval status.
    """

    id: Indication
    options: tuple[str, ...]
    line: IndicationLine
    biomarker: IndicationBiomarker | None = None


class DatePrecision(enum.StrEnum):
    """Precision of a recorded date."""

    DAY = "day"
    MONTH = "month"


@attrs.frozen
class Approval:
    """A regulatory approval of an agent for an anal-cancer indication.

    Attributes:
        agent: Agent (lower-case INN, e.g. ``retifanlimab``).
        jurisdiction: ``US`` or ``EU``.
        regulator: Deciding body (``FDA``, ``EC``).
        indication: The indication as a code.
        indication_text: The indication in words.
        date: Decision date; for month precision the first day of that month.
        date_precision: ``day`` or ``month``.
        status: Verification status of the record.
        evidence: Evidence ids of the pivotal studies.
        note: Anything else (e.g. the CHMP opinion date).
    """

    agent: str
    jurisdiction: str
    regulator: str
    indication: Indication
    indication_text: str
    date: _dt.date
    date_precision: DatePrecision
    status: Verification
    evidence: tuple[str, ...]
    note: str = ""

    @property
    def effective_from(self) -> _dt.date:
        """First date on which the approval counts.

        A day-precision date counts from that day; a month-precision date counts from the
        first day of the following month (conservative).

        >>> from ascc_salvage.knowledge import approvals
        >>> import datetime
        >>> approvals("retifanlimab", "EU", as_of=datetime.date(2026, 5, 1))[0].effective_from
        datetime.date(2026, 4, 1)
        """
        if self.date_precision is DatePrecision.DAY:
            return self.date
        if self.date.month == 12:
            return _dt.date(self.date.year + 1, 1, 1)
        return _dt.date(self.date.year, self.date.month + 1, 1)

    @property
    def date_text(self) -> str:
        """The date as recorded, e.g. ``2025-05-15`` or ``2026-03``."""
        if self.date_precision is DatePrecision.DAY:
            return self.date.isoformat()
        return self.date.strftime("%Y-%m")


@attrs.frozen
class ApprovalAbsence:
    """A recorded absence of any anal-cancer-specific approval.

    Attributes:
        agent: Agent name.
        jurisdictions: Jurisdictions the statement covers.
        status: Verification status of the statement.
        note: Explanation (e.g. guideline-listed, used off label).
    """

    agent: str
    jurisdictions: tuple[str, ...]
    status: Verification
    note: str


# --------------------------------------------------------------------------- thresholds


@attrs.frozen
class Threshold:
    """One numeric threshold a rule or calculator uses.

    Attributes:
        value: The threshold.
        unit: UCUM unit (``d``, ``mo``, ``wk``, ``a``, ``Gy``, ``cm``, ``mL/min``,
            ``mg/dL``, ``kg/m2``, ``cells/uL``) or ``""`` for scores and counts.
        sources: Evidence ids that support it (may be empty for a library policy).
        note: How it is applied (inclusive or exclusive bound, caveats).
        policy: ``True`` when it is this library's choice rather than a published value.
        status: Verification status of the source, where the knowledge base records one
            (the thresholds of knowledge-base §3b); ``None`` for a library policy and for
            thresholds that keep their sources' statuses.
        source: The source in words when it is not an evidence item (a drug label).
        fraction: The dose fraction the threshold sets, when it sets one (a partial DPD
            deficiency's 0.5, a paclitaxel hepatic reduction's 135/175).
    """

    value: float | int
    unit: str
    sources: tuple[str, ...]
    note: str
    policy: bool = False
    status: Verification | None = None
    source: str = ""
    fraction: float | None = None


@attrs.frozen
class OrganLimit:
    """Cumulative EQD2 point-dose limit of one organ at risk for pelvic re-irradiation.

    Attributes:
        organ: Organ code (``small_bowel``, ``colon_rectum``, ``bladder``, ``sacral_plexus``).
        alpha_beta_gy: α/β ratio in Gy used for its EQD2.
        no_recovery_gy: Limit when the interval is below the recovery interval.
        recovery_gy: Limit when the interval is at least the recovery interval.
        sources: Evidence ids.
        policy: ``True``: applied as a library screening policy.
        note: Caveats (e.g. where the consensus was reached).
    """

    organ: str
    alpha_beta_gy: float
    no_recovery_gy: float
    recovery_gy: float
    sources: tuple[str, ...]
    policy: bool = True
    note: str = ""


@attrs.frozen
class GroinOrgan:
    """An organ at risk of groin re-irradiation, reported without a limit (§6.4, v3).

    Attributes:
        organ: Organ code (``femoral_head_neck``, ``femoral_nerve``).
        alpha_beta_gy: α/β ratio in Gy used for its EQD2.
    """

    organ: str
    alpha_beta_gy: float


@attrs.frozen
class ConditionSets:
    """Clinical condition sets read by the shared criteria of §5.1 (``condition_sets.toml``).

    Attributes:
        checkpoint_inhibitor_contraindications: Any of these makes every
            checkpoint-inhibitor option not recommended (rule 5.1.ici).
        cisplatin_limiting: Any of these makes the patient ineligible for cisplatin.
        fluoropyrimidine_exclusions: Any of these makes the fluoropyrimidine regimens not
            recommended.
    """

    checkpoint_inhibitor_contraindications: frozenset[Condition]
    cisplatin_limiting: frozenset[Condition]
    fluoropyrimidine_exclusions: frozenset[Condition]


class KarnofskyEcogRow(NamedTuple):
    """One row of the Karnofsky → ECOG mapping: ``karnofsky_min`` to ``karnofsky_max`` → ``ecog``.

    A plain tuple, so ``for low, high, ecog in thresholds().karnofsky_to_ecog`` works.
    """

    karnofsky_min: int
    karnofsky_max: int
    ecog: int


@attrs.frozen
class Thresholds:
    """Every threshold the rules and calculators use, each with its source.

    Attribute names are a contract with the rule engine and the calculators; see the
    knowledge-base TOML ``thresholds.toml`` for values, units, sources and notes.
    ``reirradiation_limits`` and ``karnofsky_to_ecog`` are typed tables.
    """

    assessment_window_days: Threshold
    regression_window_after_crt_end_days: Threshold
    regression_reassessment_interval_days: Threshold
    ecog_best_supportive_care_min: Threshold
    karnofsky_best_supportive_care_max: Threshold
    cfs_best_supportive_care_min: Threshold
    cfs_geriatric_assessment: Threshold
    ecog_max_major_surgery: Threshold
    ecog_max_trial_population: Threshold
    ecog_max_carboplatin_paclitaxel: Threshold
    ecog_max_clinical_trial: Threshold
    ecog_max_cisplatin: Threshold
    ecog_max_reirradiation: Threshold
    ecog_max_metastasis_directed: Threshold
    ecog_max_standard_dcf: Threshold
    age_max_standard_dcf: Threshold
    cd4_min_checkpoint_inhibitor: Threshold
    cisplatin_min_creatinine_clearance: Threshold
    bmi_adjusted_weight_min: Threshold
    carboplatin_pharmacy_check_clearance_below: Threshold
    carboplatin_gfr_cap: Threshold
    creatinine_floor: Threshold
    pd_l1_cps_positive: Threshold
    oligometastatic_max_lesions: Threshold
    prior_platinum_recent_months: Threshold
    platinum_free_interval_min_months: Threshold
    platinum_combination_assumed_weeks: Threshold
    reirradiation_min_interval_months: Threshold
    reirradiation_recovery_interval_months: Threshold
    reirradiation_min_total_dose: Threshold
    reirradiation_dose_per_fraction: Threshold
    groin_reirradiation_min_interval_months: Threshold
    local_excision_max_size: Threshold
    local_excision_alternative_max_size: Threshold
    perineal_excision_max_size: Threshold
    iort_nerve_tolerance_dose: Threshold
    plausible_cd4_min_without_hiv: Threshold
    plausible_crt_dose_min: Threshold
    plausible_crt_dose_max: Threshold
    plausible_crt_overall_time_max: Threshold
    plausible_bmi_min: Threshold
    plausible_bmi_max: Threshold
    plausible_record_gap_max: Threshold
    plausible_radiosensitising_lead_max: Threshold
    plausible_creatinine_max_without_dialysis: Threshold
    plausible_age_max: Threshold
    plausible_ecog_max_when_dependent: Threshold
    plausible_gfr_max_on_dialysis: Threshold
    plausible_pregnancy_age_max: Threshold
    plausible_pd_l1_test_age_max: Threshold
    measured_gfr_calvert: Threshold
    carboplatin_dialysis_dose: Threshold
    dpyd_poor_metabolizer: Threshold
    dpyd_intermediate_dose: Threshold
    dpyd_partial_no_score: Threshold
    paclitaxel_hepatic_full_dose: Threshold
    paclitaxel_hepatic_reduced_1: Threshold
    paclitaxel_hepatic_reduced_2: Threshold
    paclitaxel_hepatic_exclusion: Threshold
    docetaxel_hepatic_exclusion: Threshold
    docetaxel_hepatic_alp_limit: Threshold
    docetaxel_alp_missing: Threshold
    hepatic_values_missing: Threshold
    cd4_opportunistic_infection_prophylaxis: Threshold
    platinum_other_setting_window: Threshold
    ici_other_cancer_window: Threshold
    platinum_free_interval_rechallenge: Threshold
    tmb_high_tumour_agnostic: Threshold
    reirradiation_limits: tuple[OrganLimit, ...]
    karnofsky_to_ecog: tuple[KarnofskyEcogRow, ...]
    karnofsky_to_ecog_note: str = ""
    groin_organs: tuple[GroinOrgan, ...] = ()

    def items(self) -> tuple[tuple[str, Threshold], ...]:
        """Return ``(name, threshold)`` pairs of the scalar thresholds in declaration order.

        >>> from ascc_salvage.knowledge import thresholds
        >>> thresholds().items()[0][0]
        'assessment_window_days'
        """
        return tuple(
            (field.name, value)
            for field in attrs.fields(Thresholds)
            if isinstance(value := getattr(self, field.name), Threshold)
        )

    def organ_limit(self, organ: str) -> OrganLimit:
        """Return the re-irradiation limit of one organ.

        Raises:
            KeyError: Unknown organ.

        >>> from ascc_salvage.knowledge import thresholds
        >>> thresholds().organ_limit("sacral_plexus").no_recovery_gy
        67.0
        """
        for limit in self.reirradiation_limits:
            if limit.organ == organ:
                return limit
        raise KeyError(f"no re-irradiation limit for organ {organ!r}")


@attrs.frozen
class SiteSets:
    """Named sets of anatomical sites, structures and treatment-history values the rules use.

    Read from ``anatomy.toml``; each set's members are values of its vocabulary enum.

    Attributes:
        local_sites: Disease sites that are local disease (§3).
        oligometastatic_sites: Distant sites that may count towards oligometastatic disease
            (library policy, §3).
        lateral_pelvic_stations: Pelvic nodal stations that are lateral (§4.1h, §4.5).
        adjacent_organs: Invaded structures that need a multivisceral resection (§4.1c).
        presumed_unresectable: Invaded structures that make disease presumed unresectable (§3).
        major_resections: Salvage procedures that count as a major resection (§4.6).
        treatment_settings: Settings in which an earlier regimen counts as used for later
            palliative lines (§5).
        descriptions: What each set is, by name (for the generated documentation).
    """

    local_sites: frozenset[Site]
    oligometastatic_sites: frozenset[Site]
    lateral_pelvic_stations: frozenset[NodalStation]
    adjacent_organs: frozenset[InvadedStructure]
    presumed_unresectable: frozenset[InvadedStructure]
    major_resections: frozenset[SurgeryProcedure]
    treatment_settings: frozenset[TherapySetting]
    descriptions: Mapping[str, str] = attrs.field(factory=dict, eq=False)


#: The vocabulary enum of each site set's members.
SITE_SET_TYPES: Final[Mapping[str, type[enum.Enum]]] = {
    "local_sites": Site,
    "oligometastatic_sites": Site,
    "lateral_pelvic_stations": NodalStation,
    "adjacent_organs": InvadedStructure,
    "presumed_unresectable": InvadedStructure,
    "major_resections": SurgeryProcedure,
    "treatment_settings": TherapySetting,
}
