"""The clinical knowledge base as versioned, validated data, and its query API.

Evidence items, regimens, radiotherapy schedules, regulatory approvals and thresholds live in
the TOML files of ``ascc_salvage/knowledge/data`` so that a clinician can review every change
in a diff. They are loaded once (on first use), validated, and cached; rules reference them
by id. The query functions below read this bundled knowledge base; :func:`load` validates a
directory of the same files (a site's own knowledge base) for
``recommend(case, knowledge=...)``.

>>> from ascc_salvage import knowledge
>>> knowledge.VERSION
'2026.12'
>>> knowledge.evidence("INTERAACT_2020").pmid
'32530769'
>>> knowledge.thresholds().cd4_min_checkpoint_inhibitor.value
200
"""

from __future__ import annotations

import csv
import datetime as _dt
import difflib
import functools
import io
import os
import re
from collections.abc import Iterable, Mapping
from typing import Final, TypeAlias

from ascc_salvage.knowledge._loader import (
    KnowledgeBase,
    KnowledgeBaseError,
    load_directory,
    load_packaged,
    read_version,
)
from ascc_salvage.knowledge._model import (
    AUC_RANGE,
    DOSE_RULE_UNITS,
    Approval,
    ApprovalAbsence,
    CatalogueEntry,
    ConditionPrompt,
    ConditionSets,
    DatePrecision,
    DoseRule,
    DrugDose,
    EsmoGrade,
    EsmoLevel,
    EvidenceItem,
    GradeCertainty,
    GradeStrength,
    GroinOrgan,
    IdentifierKind,
    IdentifierStatus,
    Indication,
    IndicationBiomarker,
    IndicationLine,
    IndicationScope,
    KarnofskyEcogRow,
    NccnCategory,
    NccnPreference,
    OcebmLevel,
    OrganLimit,
    Outcome,
    OutcomeUnit,
    PromptTemplate,
    RadiotherapySchedule,
    Regimen,
    RegimenVariant,
    SiteSets,
    Threshold,
    Thresholds,
    Verification,
    VerificationScope,
    WarningTemplate,
    display_rank,
)
from ascc_salvage.knowledge._rules import (
    RuleOutcome,
    RuleRow,
    RuleTable,
    RuleWarning,
    knowledge_value_text,
    placeholders,
)
from ascc_salvage.vocabulary import Jurisdiction, OptionId, WarningCode

__all__ = [
    "AUC_RANGE",
    "DOSE_RULE_UNITS",
    "VERSION",
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
    "KnowledgeBase",
    "KnowledgeBaseError",
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
    "Row",
    "RuleOutcome",
    "RuleRow",
    "RuleTable",
    "RuleWarning",
    "SiteSets",
    "Threshold",
    "Thresholds",
    "UnknownIdError",
    "Verification",
    "VerificationScope",
    "WarningTemplate",
    "approval_absences",
    "approvals",
    "approvals_in_force",
    "bundled",
    "catalogue",
    "catalogue_entry",
    "display_rank",
    "evidence",
    "evidence_for_option",
    "evidence_items",
    "evidence_rows",
    "load",
    "option_label",
    "outcome_rows",
    "placeholder_text",
    "prompt_key",
    "prompt_text",
    "radiotherapy_schedule",
    "radiotherapy_schedules",
    "regimen",
    "regimens",
    "rule_table",
    "rule_tables",
    "threshold_text",
    "thresholds",
    "to_csv",
    "warning_text",
]

#: Version of the knowledge-base content (``YYYY.MM`` with an optional ``.N``).
VERSION: Final[str] = read_version()

#: One row of :func:`evidence_rows` or :func:`outcome_rows` (JSON- and CSV-ready values).
Row: TypeAlias = dict[str, str | int | float | None]


class UnknownIdError(KeyError):
    """An id that the knowledge base does not hold (a :class:`KeyError`).

    The message names the id and suggests close matches.
    """

    def __str__(self) -> str:
        return str(self.args[0])


def _kb() -> KnowledgeBase:
    return load_packaged()


def bundled() -> KnowledgeBase:
    """Return the knowledge base shipped with the package (loaded once, then cached).

    >>> bundled().version == VERSION
    True
    """
    return load_packaged()


def load(directory: str | os.PathLike[str]) -> KnowledgeBase:
    """Load and validate a knowledge base from a directory of the bundled data files.

    The directory holds the same TOML files as ``ascc_salvage/knowledge/data``
    (``meta.toml``, ``evidence.toml``, ``drugs.toml``, ``regimens.toml``,
    ``radiotherapy.toml``, ``approvals.toml``, ``options.toml``, ``thresholds.toml``,
    ``catalogue.toml``, ``warnings.toml`` and the rule tables of ``rules/``); they are checked
    by the same strict loader as the bundled ones. Pass the result to
    :func:`ascc_salvage.recommend` (``knowledge=``); the result records its version.

    Args:
        directory: Path of the directory.

    Returns:
        The validated knowledge base (a new object on every call; not cached).

    Raises:
        KnowledgeBaseError: Any problem (a :class:`ValueError`), one line per problem naming
            the file and the item, e.g. ``thresholds.toml: cd4_min_checkpoint_inhibitor: ...``.
        TypeError: *directory* is not a path.

    >>> import importlib.resources
    >>> with importlib.resources.as_file(
    ...     importlib.resources.files("ascc_salvage.knowledge").joinpath("data")
    ... ) as path:
    ...     load(path).version
    '2026.12'
    """
    if not isinstance(directory, str | os.PathLike):
        raise TypeError(f"directory must be a path, not {type(directory).__name__}")
    return load_directory(directory)


def _unknown(kind: str, key: object, known: Iterable[str]) -> UnknownIdError:
    candidates = list(known)
    close = difflib.get_close_matches(str(key), candidates, n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return UnknownIdError(f"unknown {kind} id {str(key)!r}{hint}")


def evidence(evidence_id: str) -> EvidenceItem:
    """Return one evidence item by id.

    Args:
        evidence_id: The item id, e.g. ``"POD1UM303_2025"``.

    Returns:
        The evidence item.

    Raises:
        UnknownIdError: No item has that id (a :class:`KeyError`).

    >>> item = evidence("POD1UM303_2025")
    >>> item.nct, item.n, str(item.ocebm), str(item.grade)
    ('NCT04472429', 308, '2', 'moderate')
    >>> evidence("KO2019")
    Traceback (most recent call last):
    ...
    ascc_salvage.knowledge.UnknownIdError: unknown evidence id 'KO2019'; did you mean KO_2019?
    """
    items = _kb().evidence
    try:
        return items[evidence_id]
    except KeyError:
        raise _unknown("evidence", evidence_id, items) from None


def evidence_items() -> tuple[EvidenceItem, ...]:
    """Return every evidence item, in the order of the knowledge-base table.

    >>> evidence_items()[0].id
    'RACINE_2025'
    """
    return tuple(_kb().evidence.values())


def evidence_for_option(option_id: OptionId | str) -> tuple[str, ...]:
    """Return the evidence ids that support an option.

    The ids of the option-to-evidence map come first, then those of the option's regimen
    (systemic options, all variants) or radiotherapy schedule, without repeats. Every option
    of the catalogue has at least one.

    Args:
        option_id: An :class:`~ascc_salvage.vocabulary.OptionId` or its string value.

    Raises:
        UnknownIdError: Not an option id.

    >>> evidence_for_option("carboplatin_paclitaxel")
    ('INTERAACT_2020',)
    >>> evidence_for_option(OptionId.IORT)
    ('HALLEMEIER_2014', 'WRIGHT_2011')
    """
    table = _kb().option_evidence
    try:
        return table[str(option_id)]
    except KeyError:
        raise _unknown("option", option_id, table) from None


def evidence_rows() -> list[Row]:
    """Return one flat row per evidence item, for tables, CSV and JSON.

    Keys: ``id, citation, doi, pmid, pmcid, nct, design, n, ocebm, grade, verification,
    verification_scope, verified_by, identifiers_not_verified, population, summary``.
    Absent identifiers are ``""``; an absent ``n``, ``grade`` or ``verification_scope`` is
    ``None``. ``identifiers_not_verified`` lists the recorded identifiers whose status is not
    ``verified`` (e.g. ``"pmid"``).

    >>> row = next(r for r in evidence_rows() if r["id"] == "ANDRATSCHKE_2022")
    >>> row["doi"], row["verification"], row["identifiers_not_verified"]
    ('10.1016/S1470-2045(22)00447-8', 'secondary', 'doi')
    """
    rows: list[Row] = []
    for item in evidence_items():
        not_verified = [
            str(kind)
            for kind in IdentifierKind
            if item.identifier_verification(kind) not in (None, Verification.VERIFIED)
        ]
        rows.append(
            {
                "id": item.id,
                "citation": item.citation,
                "doi": item.doi,
                "pmid": item.pmid,
                "pmcid": item.pmcid,
                "nct": item.nct,
                "design": item.design,
                "n": item.n,
                "ocebm": str(item.ocebm),
                "grade": None if item.grade is None else str(item.grade),
                "verification": str(item.verification),
                "verification_scope": (
                    None if item.verification_scope is None else str(item.verification_scope)
                ),
                "verified_by": item.verified_by,
                "identifiers_not_verified": ",".join(not_verified),
                "population": item.population,
                "summary": item.summary,
            }
        )
    return rows


def outcome_rows() -> list[Row]:
    """Return one flat row per typed outcome of every evidence item.

    Keys: ``evidence_id, name, arm, population, timepoint, value, unit, ci_low, ci_high,
    note, verification`` (the item's status).

    >>> rows = [r for r in outcome_rows() if r["evidence_id"] == "NCI9673A_2017"]
    >>> rows[0]["name"], rows[0]["value"], rows[0]["ci_low"], rows[0]["ci_high"]
    ('objective_response_rate', 24.0, 15.0, 33.0)
    """
    return [
        {
            "evidence_id": item.id,
            "name": outcome.name,
            "arm": outcome.arm,
            "population": outcome.population,
            "timepoint": outcome.timepoint,
            "value": outcome.value,
            "unit": str(outcome.unit),
            "ci_low": outcome.ci_low,
            "ci_high": outcome.ci_high,
            "note": outcome.note,
            "verification": str(item.verification),
        }
        for item in evidence_items()
        for outcome in item.outcomes
    ]


def to_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """Write rows as CSV text (header from the keys in first-seen order; ``None`` → empty).

    Lines end with a line feed; fields are quoted only when needed.

    >>> print(to_csv([{"id": "A", "n": 3}, {"id": "B, C", "n": None}]), end="")
    id,n
    A,3
    "B, C",
    """
    materialised = list(rows)
    header = list(dict.fromkeys(key for row in materialised for key in row))
    # With a "\n" terminator the csv module leaves a bare "\r" unquoted, which readers take
    # for a line end: quote every field in the rare tables that hold one.
    carriage_return = any(
        isinstance(value, str) and "\r" in value for row in materialised for value in row.values()
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer,
        fieldnames=header,
        lineterminator="\n",
        restval="",
        quoting=csv.QUOTE_ALL if carriage_return else csv.QUOTE_MINIMAL,
    )
    writer.writeheader()
    for row in materialised:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})
    return buffer.getvalue()


def approvals(
    agent: str, jurisdiction: Jurisdiction | str, *, as_of: _dt.date
) -> tuple[Approval, ...]:
    """Return the anal-cancer approvals of *agent* in force in *jurisdiction* on *as_of*.

    A day-precision decision counts from its day; a month-precision one from the first day
    of the following month. Agents without an anal-cancer approval (pembrolizumab,
    nivolumab) and jurisdiction ``other`` give an empty tuple. Tumour-agnostic approvals
    (the US pembrolizumab ones) are not anal-cancer approvals and are left out; they are in
    :func:`approvals_in_force`.

    Args:
        agent: Agent name, e.g. ``"retifanlimab"`` (case-insensitive).
        jurisdiction: ``"US"``, ``"EU"`` or ``"other"``.
        as_of: The date of the evaluation (a :class:`datetime.datetime` counts by its date).

    Raises:
        ValueError: Unknown jurisdiction.
        TypeError: *as_of* is not a date.

    >>> import datetime
    >>> us = approvals("retifanlimab", "US", as_of=datetime.date(2025, 5, 15))
    >>> [str(a.indication) for a in us]
    ['first_line_combination', 'monotherapy_after_platinum']
    >>> approvals("retifanlimab", "EU", as_of=datetime.date(2026, 3, 15))
    ()
    """
    place = Jurisdiction(jurisdiction)
    if isinstance(as_of, _dt.datetime):
        as_of = as_of.date()
    if not isinstance(as_of, _dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(as_of).__name__}")
    kb = _kb()
    return tuple(
        approval
        for approval in approvals_in_force(kb, str(place), as_of)
        if approval.agent == agent.lower() and kb.indications[approval.indication].biomarker is None
    )


def approvals_in_force(
    kb: KnowledgeBase, jurisdiction: str, as_of: _dt.date
) -> tuple[Approval, ...]:
    """Every approval of *kb* in force in *jurisdiction* on *as_of*, oldest first.

    Ties are ordered by indication, then agent.

    >>> import datetime
    >>> [a.agent for a in approvals_in_force(bundled(), "US", datetime.date(2025, 6, 1))]
    ['pembrolizumab', 'pembrolizumab', 'retifanlimab', 'retifanlimab']
    """
    return tuple(
        sorted(
            (
                approval
                for approval in kb.approvals
                if approval.jurisdiction == jurisdiction and approval.effective_from <= as_of
            ),
            key=lambda approval: (
                approval.effective_from,
                str(approval.indication),
                approval.agent,
            ),
        )
    )


def approval_absences() -> tuple[ApprovalAbsence, ...]:
    """Return the recorded absences of anal-cancer approvals (pembrolizumab, nivolumab).

    >>> [a.agent for a in approval_absences()]
    ['pembrolizumab', 'nivolumab']
    """
    return _kb().approval_absences


def regimen(regimen_id: OptionId | str) -> Regimen:
    """Return the regimen of a systemic option.

    Args:
        regimen_id: A systemic option id (e.g. ``"carboplatin_paclitaxel"``).

    Raises:
        UnknownIdError: Not a systemic option id.

    >>> cp = regimen("carboplatin_paclitaxel")
    >>> for d in cp.default.drugs:
    ...     print(d.drug, d.rule, d.dose, d.dose_unit, d.days)
    carboplatin auc 5.0 mg.min/mL (1,)
    paclitaxel per_m2 80.0 mg/m2 (1, 8, 15)
    """
    table = _kb().regimens
    try:
        return table[str(regimen_id)]
    except KeyError:
        raise _unknown("regimen", regimen_id, table) from None


def regimens() -> tuple[Regimen, ...]:
    """Return every regimen, in catalogue order.

    >>> [r.id for r in regimens()][:2]
    ['carboplatin_paclitaxel', 'carboplatin_paclitaxel_retifanlimab']
    """
    return tuple(_kb().regimens.values())


def radiotherapy_schedule(schedule_id: OptionId | str) -> RadiotherapySchedule:
    """Return a radiotherapy schedule by id.

    The ids ``groin_radiotherapy``, ``reirradiation`` and ``iort`` are the option plans;
    ``act2_mitomycin``, ``act2_cisplatin`` and ``rtog0529_dose_painted_imrt`` describe
    primary chemoradiotherapy.

    Raises:
        UnknownIdError: No schedule has that id.

    >>> s = radiotherapy_schedule("reirradiation")
    >>> s.total_dose_gy, s.fractions, s.fractions_per_day, s.total_dose_range_gy
    (39.0, 26, 2, (30.0, 39.0))
    """
    table = _kb().schedules
    try:
        return table[str(schedule_id)]
    except KeyError:
        raise _unknown("radiotherapy schedule", schedule_id, table) from None


def radiotherapy_schedules() -> tuple[RadiotherapySchedule, ...]:
    """Return every radiotherapy schedule.

    >>> [s.id for s in radiotherapy_schedules() if s.option_id]
    ['groin_radiotherapy', 'reirradiation', 'iort']
    """
    return tuple(_kb().schedules.values())


def thresholds() -> Thresholds:
    """Return every threshold the rules and calculators use, with its sources.

    >>> t = thresholds()
    >>> t.assessment_window_days.value, t.assessment_window_days.unit
    (182, 'd')
    >>> t.cisplatin_min_creatinine_clearance.sources
    ('GALSKY_2011',)
    >>> t.reirradiation_min_interval_months.policy
    True
    """
    return _kb().thresholds


def rule_table(section: str) -> RuleTable:
    """Return the rule table of a pathway section (``data/rules/*.toml``).

    >>> table = rule_table("7")
    >>> [row.rule_id for row in table.rows]
    ['7a', '7a', '7b', '7b', '7c']

    Raises:
        UnknownIdError: No table for *section*.
    """
    tables = _kb().rules
    try:
        return tables[section]
    except KeyError:
        raise _unknown("rule table", section, tables) from None


def rule_tables() -> tuple[RuleTable, ...]:
    """Return every rule table, in pathway order.

    >>> print(" ".join(table.section for table in rule_tables()))
    2 3 4 4.1 4.1.resection 4.2 4.3 4.4 4.5 4.6 4.7 5.2 5.2f 5.3 5.4 5.5 6 7
    """
    return tuple(_kb().rules.values())


def threshold_text(name: str, knowledge: KnowledgeBase | None = None) -> str:
    """Return a threshold as rule texts quote it: value and unit (``"2 cm"``).

    Args:
        name: The threshold's name in ``thresholds.toml``.
        knowledge: The knowledge base to read (default: the bundled one).

    >>> threshold_text("local_excision_max_size")
    '2 cm'
    """
    threshold = getattr((knowledge or bundled()).thresholds, name)
    assert isinstance(threshold, Threshold)
    return f"{threshold.value:g}" + (f" {threshold.unit}" if threshold.unit else "")


def placeholder_text(name: str, knowledge: KnowledgeBase | None = None) -> str:
    """Return what a rule-table placeholder ``{name}`` stands for in a knowledge base.

    A threshold name gives its value and unit; ``schedule.<id>.<field>`` a number of a
    radiotherapy schedule (``total_dose_gy``, ``fractions``, ``fractions_per_day``);
    ``evidence.<ID>.<outcome>`` every value of that outcome of an evidence item, with its
    population or arm. Reasons quote the knowledge base this way, never a copied number.

    Args:
        name: The placeholder without braces.
        knowledge: The knowledge base to read (default: the bundled one).

    Raises:
        KeyError: The knowledge base has no such value.

    >>> placeholder_text("local_excision_max_size")
    '2 cm'
    >>> placeholder_text("schedule.groin_radiotherapy.total_dose_gy")
    '50 Gy'
    >>> placeholder_text("evidence.KO_2019.overall_survival_5y")
    '45 % (persistent disease), 51 % (recurrent disease)'
    """
    kb = knowledge or bundled()
    return knowledge_value_text(name, kb.thresholds, kb.schedules, kb.evidence)


def catalogue() -> tuple[CatalogueEntry, ...]:
    """Return the option catalogue (clinical pathway §8), in catalogue order.

    >>> [entry.label for entry in catalogue()][:2]
    ['Observe and reassess response', 'Surveillance (follow-up)']
    """
    return tuple(_kb().catalogue.values())


def catalogue_entry(option_id: OptionId | str) -> CatalogueEntry:
    """Return the catalogue entry of one option: label, description, kind and intent.

    Args:
        option_id: An :class:`~ascc_salvage.vocabulary.OptionId` or its string value.

    Raises:
        UnknownIdError: Not an option id.

    >>> entry = catalogue_entry("salvage_apr")
    >>> entry.label, entry.kind, str(entry.intent)
    ('Salvage abdominoperineal resection', 'surgery', 'curative')
    """
    table = _kb().catalogue
    try:
        return table[OptionId(option_id)]
    except ValueError:
        raise _unknown("option", option_id, map(str, table)) from None


def option_label(option_id: OptionId | str, knowledge: KnowledgeBase | None = None) -> str:
    """Return the plain-language name of an option, as shown to clinicians (``catalogue.toml``).

    The one place the renderers, the CDS cards and the service's pages name options for
    people. An id outside the catalogue is returned with its underscores as spaces, so a label
    is always shown.

    Args:
        option_id: An :class:`~ascc_salvage.vocabulary.OptionId` or its string value.
        knowledge: The knowledge base to read (default: the bundled one).

    >>> option_label("salvage_apr")
    'Salvage abdominoperineal resection'
    >>> option_label("not_an_option")
    'not an option'
    """
    key = str(option_id)
    entry = (knowledge or bundled()).catalogue.get(key)  # type: ignore[call-overload]  # a str finds its member
    return entry.label if entry is not None else key.replace("_", " ")


def warning_text(
    code: WarningCode | str, knowledge: KnowledgeBase | None = None, **values: object
) -> str:
    """Return the message of a result warning, its template filled in (``warnings.toml``).

    Args:
        code: The warning code.
        knowledge: The knowledge base to read (default: the bundled one).
        values: The case values the template names (exactly its ``values``); a threshold
            placeholder is filled from *knowledge*.

    Raises:
        UnknownIdError: The code has no template (``implausible_value``, or not a code).
        TypeError: *values* are not exactly the template's values.

    >>> warning_text("ecog_karnofsky_mismatch", ecog=1, karnofsky=60, mapped=2)
    'ECOG 1 and Karnofsky 60 (ECOG 2 by the mapping table) disagree: ECOG is used'
    """
    kb = knowledge or bundled()
    template = kb.warnings.get(code)  # type: ignore[arg-type]  # a str finds its member
    if template is None:
        raise _unknown("warning template", code, map(str, kb.warnings))
    return _fill("warning", code, template.template, template.values, kb, values)


def prompt_text(field: str, knowledge: KnowledgeBase | None = None, **values: object) -> str:
    """Return the prompt of a missing case field, its template filled in (``prompts.toml``).

    A field without a prompt gets a plain "Record <field>" line, so a result never lacks one
    (a test keeps every field the engine can report in ``prompts.toml``).

    Args:
        field: The case path a result reports missing.
        knowledge: The knowledge base to read (default: the bundled one).
        values: The case values the template names (exactly its ``values``); a threshold
            placeholder is filled from *knowledge*.

    Raises:
        TypeError: *values* are not exactly the template's values.

    >>> prompt_text("patient.ecog")
    'Record ECOG performance status (decides surgery vs systemic therapy)'
    >>> prompt_text("patient.conditions", conditions="hearing loss (for cisplatin)")
    'Record comorbidities: hearing loss (for cisplatin)'

    A list item's field takes the prompt of its path without the index
    (:func:`prompt_key`).
    """
    kb = knowledge or bundled()
    template = kb.prompts.get(prompt_key(field))
    if template is None:
        return f"Record {field}"
    return _fill("prompt", field, template.template, template.values, kb, values)


_LIST_INDEX: Final = re.compile(r"\[\d+\]")


@functools.lru_cache(maxsize=1024)  # the engine asks for the same few fields case after case
def prompt_key(field: str) -> str:
    """The ``prompts.toml`` key of a missing case field: its path without list indices.

    >>> prompt_key("prior_systemic_therapy[1].agents")
    'prior_systemic_therapy.agents'
    """
    return _LIST_INDEX.sub("", field)


def _fill(
    kind: str,
    key: str,
    template: str,
    names: tuple[str, ...],
    kb: KnowledgeBase,
    values: Mapping[str, object],
) -> str:
    """*template* with the case *values* (exactly *names*) and its thresholds filled in."""
    if not values and not names:
        return _knowledge_filled(template, kb)
    if set(values) != set(names):
        raise TypeError(f"{kind} {key} needs the values {list(names)}, got {sorted(values)}")
    return template.format_map({**_knowledge_values(template, names, kb), **values})


# A template's thresholds are the same for every case: read once per template and knowledge
# base (warnings and prompts are filled on the engine's hot path).
@functools.lru_cache(maxsize=512)
def _knowledge_values(
    template: str, names: tuple[str, ...], kb: KnowledgeBase
) -> Mapping[str, str]:
    """The thresholds *template* quotes: its placeholders other than the case values *names*."""
    return {name: threshold_text(name, kb) for name in placeholders(template) if name not in names}


@functools.lru_cache(maxsize=512)
def _knowledge_filled(template: str, kb: KnowledgeBase) -> str:
    """*template* without case values, its thresholds filled in."""
    return template.format_map(_knowledge_values(template, (), kb))
