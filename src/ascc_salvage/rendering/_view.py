"""What every rendering shows, built once from a result (and its case): the view model.

The text, Markdown and HTML renderings read the same view, so that they can never disagree:
options named by their catalogue label, the deciding criteria of the preferred and
alternative options, what is missing for the undetermined ones, the evidence grades beside
each option, and — when the case is given — the patient header and the 26-week clock.
Everything clinical comes from the result and the knowledge base; nothing is recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Final

import attrs

from ascc_salvage.calculators.dose_plan import UndeterminedDosePlan
from ascc_salvage.case import Case, Measurement, SiteFinding
from ascc_salvage.knowledge import KnowledgeBase, Outcome, option_label
from ascc_salvage.result import OptionResult, Result
from ascc_salvage.staging import stage_group
from ascc_salvage.vocabulary import Tier

__all__ = [
    "DISCLAIMER",
    "TIERS",
    "AssessmentView",
    "CaseView",
    "CriterionView",
    "EvidenceGrade",
    "EvidenceView",
    "Fact",
    "OptionView",
    "ReasonGroup",
    "ReportView",
    "build_view",
    "outcome_text",
    "status_facts",
    "words",
]

#: The intended-use statement (docs, "Intended use") every rendering ends with.
DISCLAIMER: Final = (
    "ascc_salvage is a research and reference implementation of published guideline logic, "
    "meant to support discussion in a multidisciplinary team. It is not a medical device, has "
    "not been clinically validated, and never replaces clinical judgement. Do not use it to "
    "make treatment decisions for individual patients."
)

#: The tiers shown in full, in result order, with their headings.
TIERS: Final = (
    (Tier.PREFERRED, "Recommended plan (preferred)"),
    (Tier.ALTERNATIVE, "Alternatives"),
    (Tier.UNDETERMINED, "Undetermined (missing information decides)"),
)

_CRITERION_WORDS: Final = {"met": "met", "not_met": "not met", "unknown": "unknown"}


def words(value: object) -> str:
    """A vocabulary value in words: ``anal_canal`` → ``anal canal``; ``None`` → ``—``."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value).replace("_", " ")


def _unknown_or(value: object) -> str:
    return "not recorded" if value is None else words(value)


@attrs.frozen
class Fact:
    """One labelled value of a header (``Age and sex``: ``61 years, female``)."""

    label: str
    value: str


@attrs.frozen
class MissingView:
    """A missing field, what to record (its prompt; empty in a schema-1 result) and its options."""

    field: str
    prompt: str
    needed_for: str


@attrs.frozen
class EvidenceGrade:
    """An evidence id with its grades, as shown beside an option."""

    id: str
    ocebm: str
    grade: str
    known: bool = True
    #: The item's verification status in words (``verified``, ``secondary``, ``unverified``).
    verification: str = ""

    @property
    def text(self) -> str:
        """``KO_2019 (OCEBM 4, GRADE very low)``; an unverified item says so (knowledge base)."""
        if not self.known:
            return f"{self.id} (not in the knowledge base)"
        unverified = "; unverified" if self.verification == "unverified" else ""
        return f"{self.id} (OCEBM {self.ocebm}, GRADE {self.grade}{unverified})"


@attrs.frozen
class CriterionView:
    """One criterion of an option: id, result in words and explanation."""

    id: str
    result: str
    explanation: str

    @property
    def state(self) -> str:
        """The result as a CSS-friendly word: ``met``, ``not_met`` or ``unknown``."""
        return self.result.replace(" ", "_")


@attrs.frozen
class OptionView:
    """One option as people read it.

    Attributes:
        id: The option id.
        label: Its plain-language name (the catalogue label).
        tier: Its tier.
        intent: Its intent in words.
        reason: The result's rationale.
        rules: The rule ids that set the tier (empty for a result loaded from a schema 1
            document).
        criteria: Its criteria.
        flags: Its flags in words.
        evidence: Its evidence with grades.
        missing: For an undetermined option, the case fields whose absence keeps it open.
        dose_plan: The dose-plan document, or ``None``.
    """

    id: str
    label: str
    tier: str
    intent: str
    reason: str
    rules: tuple[str, ...]
    criteria: tuple[CriterionView, ...]
    flags: tuple[str, ...]
    evidence: tuple[EvidenceGrade, ...]
    missing: tuple[str, ...]
    dose_plan: Mapping[str, Any] | None


@attrs.frozen
class ReasonGroup:
    """Options not recommended for one reason (one line of the short view)."""

    reason: str
    labels: tuple[str, ...]


@attrs.frozen
class AssessmentView:
    """One response assessment on the clock."""

    date: dt.date
    day: int | None
    finding: str
    biopsy: str
    #: The per-site findings (``right inguinal nodes: progression; biopsy positive``): they
    #: can decide the status when the overall finding does not (§2.1).
    site_findings: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """``2025-03-24 (day 77, week 11.0): regressing; biopsy not done``."""
        when = "" if self.day is None else f" (day {self.day}, week {self.day / 7:.1f})"
        return f"{self.date.isoformat()}{when}: {self.finding}; biopsy {self.biopsy}"


@attrs.frozen
class CaseView:
    """The patient header and what the clock figure needs.

    Attributes:
        facts: Labelled values (age and sex, performance status, site and stage, CRT, ...).
        assessments: The response assessments in date order.
        extent: The current extent, one line per site or finding.
        history: Prior salvage surgery, systemic therapy and radiotherapy, one line each.
        crt_start: Start of chemoradiotherapy (``None``: none recorded).
        crt_end: End of chemoradiotherapy.
        evaluation_date: The case's evaluation date.
        window_days: The assessment window (day 182, from the knowledge base).
    """

    facts: tuple[Fact, ...]
    assessments: tuple[AssessmentView, ...]
    extent: tuple[str, ...]
    history: tuple[str, ...]
    crt_start: dt.date | None
    crt_end: dt.date | None
    evaluation_date: dt.date
    window_days: int


@attrs.frozen
class EvidenceView:
    """One cited evidence item with its grades, effect sizes and identifiers."""

    id: str
    citation: str
    design: str
    n: str
    ocebm: str
    grade: str
    verification: str
    effects: tuple[str, ...]
    doi: str = ""
    pmid: str = ""
    pmcid: str = ""
    nct: str = ""
    known: bool = True


@attrs.frozen
class ReportView:
    """Everything a rendering shows, in reading order."""

    evaluation_date: str
    jurisdiction: str
    case: CaseView | None
    status: tuple[Fact, ...]
    tiers: tuple[tuple[str, tuple[OptionView, ...]], ...]
    not_recommended: tuple[OptionView, ...]
    reason_groups: tuple[ReasonGroup, ...]
    flags: tuple[str, ...]
    warnings: tuple[str, ...]
    missing_information: tuple[MissingView, ...]
    evidence: tuple[EvidenceView, ...]
    versions: tuple[Fact, ...]
    rules: tuple[str, ...]
    disclaimer: str = DISCLAIMER


# --------------------------------------------------------------------------- options


def _grade_of(evidence_id: str, kb: KnowledgeBase) -> EvidenceGrade:
    item = kb.evidence.get(evidence_id)
    if item is None:
        return EvidenceGrade(evidence_id, "—", "—", known=False)
    grade = "—" if item.grade is None else words(item.grade)
    return EvidenceGrade(item.id, str(item.ocebm), grade, verification=words(item.verification))


def _missing_fields(option: OptionResult, result: Result) -> tuple[str, ...]:
    fields = [item.field for item in result.missing_information if option.option in item.needed_for]
    if isinstance(option.dose_plan, UndeterminedDosePlan):
        fields += [field for field in option.dose_plan.missing if field not in fields]
    for criterion in option.criteria:
        fields += [field for field in criterion.missing if field not in fields]
    return tuple(fields)


def _option_view(option: OptionResult, result: Result, kb: KnowledgeBase) -> OptionView:
    undetermined = option.tier is Tier.UNDETERMINED
    return OptionView(
        id=str(option.option),
        label=option_label(option.option, kb),
        tier=str(option.tier),
        intent=words(option.intent),
        reason=option.rationale,
        rules=option.rules,
        criteria=tuple(
            CriterionView(c.id, _CRITERION_WORDS[str(c.result)], c.explanation)
            for c in option.criteria
        ),
        flags=tuple(words(flag) for flag in option.flags),
        evidence=tuple(_grade_of(e, kb) for e in option.evidence),
        missing=_missing_fields(option, result) if undetermined else (),
        dose_plan=None if option.dose_plan is None else option.dose_plan.to_dict(),
    )


def _reason_groups(options: Sequence[OptionView]) -> tuple[ReasonGroup, ...]:
    groups: dict[str, list[str]] = {}
    for option in options:
        groups.setdefault(option.reason, []).append(option.label)
    return tuple(ReasonGroup(reason, tuple(labels)) for reason, labels in groups.items())


# --------------------------------------------------------------------------- evidence

_OUTCOME_UNITS: Final = {"percent": " %", "months": " months", "weeks": " weeks", "Gy": " Gy"}


def outcome_text(outcome: Outcome) -> str:
    """An effect size in words: ``overall survival 5y: 45 % (persistent disease)``."""
    unit = _OUTCOME_UNITS.get(str(outcome.unit), "")
    text = f"{words(outcome.name)}: {outcome.value:g}{unit}"
    if outcome.ci_low is not None and outcome.ci_high is not None:
        text += f" [95 % CI {outcome.ci_low:g}–{outcome.ci_high:g}]"
    qualifiers = [q for q in (outcome.arm, outcome.population, outcome.timepoint) if q]
    return text + (f" ({'; '.join(qualifiers)})" if qualifiers else "")


def _evidence_view(evidence_id: str, kb: KnowledgeBase) -> EvidenceView:
    item = kb.evidence.get(evidence_id)
    if item is None:
        return EvidenceView(
            evidence_id, "not in the knowledge base", "—", "—", "—", "—", "—", (), known=False
        )
    return EvidenceView(
        id=item.id,
        citation=item.citation,
        design=item.design,
        n="—" if item.n is None else str(item.n),
        ocebm=str(item.ocebm),
        grade="—" if item.grade is None else words(item.grade),
        verification=words(item.verification),
        effects=tuple(outcome_text(outcome) for outcome in item.outcomes),
        doi=item.doi,
        pmid=item.pmid,
        pmcid=item.pmcid,
        nct=item.nct,
    )


# --------------------------------------------------------------------------- case


def _measure(measurement: Measurement | None) -> str:
    if measurement is None:
        return "not recorded"
    return f"{measurement.value:g} {measurement.unit}"


def _patient_facts(case: Case) -> list[Fact]:
    patient = case.patient
    age = "age not recorded" if patient.age_years is None else f"{patient.age_years} years"
    performance = []
    if patient.ecog is not None:
        performance.append(f"ECOG {patient.ecog}")
    if patient.karnofsky is not None:
        performance.append(f"Karnofsky {patient.karnofsky}")
    return [
        Fact("Age and sex", f"{age}, {_unknown_or(patient.sex)}"),
        Fact("Performance status", ", ".join(performance) or "not recorded"),
        Fact(
            "Fit for major surgery",
            _unknown_or(patient.fit_for_major_surgery)
            + "; accepts a permanent colostomy: "
            + _unknown_or(patient.accepts_permanent_colostomy),
        ),
        Fact(
            "Weight, height, creatinine",
            f"{_measure(patient.weight)}, {_measure(patient.height)}, "
            f"{_measure(patient.serum_creatinine)}",
        ),
        Fact("HIV", _hiv_text(case)),
        Fact("Conditions", _conditions_text(case)),
        *_kidney_facts(case),
        *(
            [Fact("Declines", ", ".join(words(m) for m in patient.declines))]
            if patient.declines
            else []
        ),
    ]


def _hiv_text(case: Case) -> str:
    hiv = case.patient.hiv
    parts = [words(hiv.status)]
    if hiv.cd4_count is not None:
        parts.append(f"CD4 {_measure(hiv.cd4_count)}")
    if hiv.viral_load_undetectable is not None:
        parts.append(f"viral load undetectable: {words(hiv.viral_load_undetectable)}")
    return "; ".join(parts)


def _conditions_text(case: Case) -> str:
    """The recorded conditions (they exclude options: the reasons name them by class)."""
    patient = case.patient
    if patient.conditions is None:
        return "not recorded"
    return ", ".join(words(c) for c in patient.conditions) or "none"


def _kidney_facts(case: Case) -> list[Fact]:
    """Measured GFR and dialysis, when recorded (they change the carboplatin dose, §10)."""
    patient = case.patient
    if patient.measured_gfr is None and patient.dialysis is None:
        return []
    return [
        Fact(
            "Measured GFR, dialysis",
            f"{_measure(patient.measured_gfr)}, {_unknown_or(patient.dialysis)}",
        )
    ]


def _primary_facts(case: Case) -> list[Fact]:
    primary = case.primary
    stage = primary.stage
    group = stage_group(stage.t, stage.n, stage.m, edition=stage.edition)
    tnm = f"{stage.prefix}{stage.t} {stage.n} {stage.m} ({stage.edition})"
    facts = [
        Fact("Primary", f"{words(primary.site)}; {tnm}; stage {group}"),
    ]
    crt = primary.chemoradiotherapy
    if crt is None:
        facts.append(Fact("Chemoradiotherapy", "none recorded"))
    else:
        groins = _unknown_or(crt.groins_irradiated)
        agents = "" if not crt.agents else f" with {', '.join(words(a) for a in crt.agents)}"
        facts.append(
            Fact(
                "Chemoradiotherapy",
                f"{crt.start_date.isoformat()} to {crt.end_date.isoformat()}, "
                f"{crt.dose.value:g} {crt.dose.unit} in {crt.fractions} fractions{agents}; "
                f"groins irradiated: {groins}",
            )
        )
    return facts


def _extent(case: Case) -> tuple[str, ...]:
    disease = case.disease
    if disease is None:
        return ("no current disease recorded",)
    lines = [] if disease.sites else ["no evaluable disease listed (read as no current disease)"]
    for site in disease.sites:
        parts = [words(site.site)]
        if site.laterality is not None:
            parts.append(words(site.laterality))
        size = "" if site.size is None else f", {site.size.value:g} {site.size.unit}"
        lesions = "1 lesion" if site.lesions == 1 else f"{site.lesions} lesions"
        lines.append(f"{' '.join(parts)}{size}, {lesions}")
    if disease.invaded_structures:
        lines.append("invades " + ", ".join(words(s) for s in disease.invaded_structures))
    lines.append(
        f"restaged: {_unknown_or(disease.restaged)}; resectable: "
        f"{_unknown_or(disease.resectable)}; expected margin: "
        + (
            "not recorded"
            if disease.expected_margin is None
            else str(disease.expected_margin).upper()
        )
    )
    return tuple(lines)


def _history(case: Case, kb: KnowledgeBase) -> tuple[str, ...]:
    lines = [
        f"salvage surgery {s.date.isoformat()}: {words(s.procedure)}, margin "
        + ("not recorded" if s.margin is None else str(s.margin).upper())
        for s in case.prior_salvage_surgery
    ]
    for therapy in case.prior_systemic_therapy:
        end = "ongoing" if therapy.end_date is None else therapy.end_date.isoformat()
        lines.append(
            f"{option_label(str(therapy.regimen), kb)} ({words(therapy.setting)} setting) "
            f"{therapy.start_date.isoformat()} to {end}: {words(therapy.outcome)}"
        )
    lines += [
        f"radiotherapy to the {words(r.region)}, {r.dose.value:g} {r.dose.unit} in "
        f"{r.fractions} fractions, ended {r.end_date.isoformat()}"
        for r in case.prior_radiotherapy
    ]
    return tuple(lines)


def _site_finding_text(finding: SiteFinding) -> str:
    where = [words(x) for x in (finding.laterality, finding.station) if x is not None]
    site = " ".join([*where, words(finding.site)])
    return f"{site}: {words(finding.finding)}; biopsy {words(finding.biopsy)}"


def _case_view(case: Case, kb: KnowledgeBase) -> CaseView:
    crt = case.primary.chemoradiotherapy
    start = None if crt is None else crt.start_date
    assessments = tuple(
        AssessmentView(
            a.date,
            None if start is None else (a.date - start).days,
            words(a.finding),
            words(a.biopsy),
            tuple(_site_finding_text(x) for x in a.site_findings),
        )
        for a in sorted(case.assessments, key=lambda a: a.date)
    )
    facts = _patient_facts(case) + _primary_facts(case)
    return CaseView(
        facts=tuple(facts),
        assessments=assessments,
        extent=_extent(case),
        history=_history(case, kb),
        crt_start=start,
        crt_end=None if crt is None else crt.end_date,
        evaluation_date=case.evaluation_date,
        window_days=int(kb.thresholds.assessment_window_days.value),
    )


# --------------------------------------------------------------------------- the view


def status_facts(
    status: object,
    histologically_confirmed: bool,
    after_salvage_surgery: bool,
    weeks_from_crt_start: float | None,
    next_assessment_date: dt.date | None,
) -> tuple[Fact, ...]:
    """The disease status and its clock as labelled values (a result's or an assessment's)."""
    weeks = weeks_from_crt_start
    return (
        Fact("Disease status", words(status)),
        Fact("Histologically confirmed", words(histologically_confirmed)),
        Fact("After salvage surgery", words(after_salvage_surgery)),
        Fact(
            "Weeks from CRT start (latest assessment)",
            "— (no CRT or no assessment)" if weeks is None else f"{weeks:.1f}",
        ),
        Fact(
            "Next assessment date",
            "—" if next_assessment_date is None else next_assessment_date.isoformat(),
        ),
    )


def build_view(result: Result, case: Case | None, kb: KnowledgeBase) -> ReportView:
    """Build the view of *result* (and *case*, when given) with the labels of *kb*."""
    options = [_option_view(option, result, kb) for option in result.options]
    tiers = tuple((heading, tuple(o for o in options if o.tier == tier)) for tier, heading in TIERS)
    not_recommended = tuple(o for o in options if o.tier == Tier.NOT_RECOMMENDED)
    shown = [o for o in options if o.tier in (Tier.PREFERRED, Tier.ALTERNATIVE)]
    cited: list[str] = []
    for option in shown:
        cited += [e.id for e in option.evidence if e.id not in cited]
    flags = sorted({flag for option in shown for flag in option.flags})
    rules: list[str] = []
    for evaluated in result.options:
        rules += [rule for rule in evaluated.rules if rule not in rules]
    return ReportView(
        evaluation_date=result.evaluation_date.isoformat(),
        jurisdiction="unspecified" if result.jurisdiction is None else str(result.jurisdiction),
        case=None if case is None else _case_view(case, kb),
        status=status_facts(
            result.disease_status,
            result.histologically_confirmed,
            result.after_salvage_surgery,
            result.weeks_from_crt_start,
            result.next_assessment_date,
        ),
        tiers=tiers,
        not_recommended=not_recommended,
        reason_groups=_reason_groups(not_recommended),
        flags=tuple(flags),
        warnings=tuple(
            f"{words(w.code)}: {w.message}" + (f" [{', '.join(w.fields)}]" if w.fields else "")
            for w in result.warnings
        ),
        missing_information=tuple(
            MissingView(
                item.field, item.prompt, ", ".join(option_label(o, kb) for o in item.needed_for)
            )
            for item in result.missing_information
        ),
        evidence=tuple(_evidence_view(e, kb) for e in cited),
        versions=(
            Fact("Library", f"ascc_salvage {result.library_version}"),
            Fact("Knowledge base", result.knowledge_base_version),
            Fact("Input digest", result.input_digest),
        ),
        rules=tuple(rules),
    )
