"""Load and validate the knowledge-base TOML files.

Every file is read with :mod:`tomllib`, each item is structured on its own with the library's
one cattrs converter (``ascc_salvage._convert``, the same object as
``ascc_salvage.io.converter``) and its strict leaf hooks: no silent coercion of ``"61"`` to 61
or ``2.5`` to 2, unknown keys are errors. Approval dates may be ``YYYY-MM``: this module
registers a per-field override on :class:`~ascc_salvage.knowledge.Approval` for them, so no
other date accepts a month. The cross-references are checked afterwards. All problems are
collected and reported together in one :class:`KnowledgeBaseError`, each naming its file and
item id.

The packaged data are read through :mod:`importlib.resources`, so loading works from an
installed wheel; :func:`load_directory` loads any directory (a site's own knowledge base, or
the corrupted copies of the tests).
"""

from __future__ import annotations

import functools
import os
import pathlib
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override
from cattrs.v import format_exception

from ascc_salvage._convert import converter, partial_date
from ascc_salvage._resources import read_package_file
from ascc_salvage.knowledge._model import (
    AUC_RANGE,
    DOSE_RULE_UNITS,
    SITE_SET_TYPES,
    Approval,
    ApprovalAbsence,
    CatalogueEntry,
    ConditionPrompt,
    ConditionSets,
    DatePrecision,
    DoseRule,
    DrugDose,
    EvidenceItem,
    GroinOrgan,
    IdentifierKind,
    Indication,
    IndicationLine,
    IndicationScope,
    KarnofskyEcogRow,
    OrganLimit,
    PromptTemplate,
    RadiotherapySchedule,
    Regimen,
    SiteSets,
    Threshold,
    Thresholds,
    Verification,
    WarningTemplate,
)
from ascc_salvage.knowledge._rules import (
    RuleTable,
    check_finite,
    knowledge_value_text,
    load_rule_tables,
    placeholders,
)
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    Condition,
    CriterionId,
    OptionId,
    WarningCode,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["KnowledgeBase", "KnowledgeBaseError", "load_directory", "load_packaged"]

_T = TypeVar("_T")

#: File names of the knowledge base, in loading order.
FILES: Final = (
    "meta.toml",
    "evidence.toml",
    "drugs.toml",
    "regimens.toml",
    "radiotherapy.toml",
    "approvals.toml",
    "options.toml",
    "thresholds.toml",
    "condition_sets.toml",
    "anatomy.toml",
    "catalogue.toml",
    "warnings.toml",
    "prompts.toml",
)

#: Warning codes whose messages are not templates of ``warnings.toml``: the plausibility
#: checks of :mod:`ascc_salvage.plausibility` word each ``implausible_value`` warning.
UNTEMPLATED_WARNINGS: Final = frozenset({WarningCode.IMPLAUSIBLE_VALUE})

IDENTIFIER_PATTERNS: Final[Mapping[IdentifierKind, re.Pattern[str]]] = {
    IdentifierKind.DOI: re.compile(r"10\.\d{4,9}/\S+"),
    IdentifierKind.PMID: re.compile(r"[1-9]\d{0,8}"),
    IdentifierKind.PMCID: re.compile(r"PMC\d+"),
    IdentifierKind.NCT: re.compile(r"NCT\d{8}"),
}

_EVIDENCE_ID: Final = re.compile(r"[A-Z][A-Z0-9_]*")
_SNAKE: Final = re.compile(r"[a-z][a-z0-9_]*")
_VERSION: Final = re.compile(r"\d{4}\.(0[1-9]|1[0-2])(\.[1-9]\d*)?")
_DRUG_CLASSES: Final = frozenset(
    {"platinum", "cisplatin", "carboplatin", "taxane", "fluoropyrimidine", "checkpoint_inhibitor"}
)
_JURISDICTIONS: Final = ("US", "EU")
#: Units a threshold may carry (UCUM; "" for scores and counts).
THRESHOLD_UNITS: Final = frozenset(
    {"", "d", "wk", "mo", "a", "Gy", "cm", "mL/min", "mg/dL", "kg/m2", "cells/uL"}
)


#: The unit in which the engine and the calculators read each scalar threshold (its value is
#: used as a number in that unit): a site's threshold must be given in the same unit.
THRESHOLD_ENGINE_UNITS: Final[Mapping[str, str]] = {
    "assessment_window_days": "d",
    "regression_window_after_crt_end_days": "d",
    "regression_reassessment_interval_days": "d",
    "ecog_best_supportive_care_min": "",
    "karnofsky_best_supportive_care_max": "",
    "cfs_best_supportive_care_min": "",
    "cfs_geriatric_assessment": "",
    "ecog_max_major_surgery": "",
    "ecog_max_trial_population": "",
    "ecog_max_carboplatin_paclitaxel": "",
    "ecog_max_clinical_trial": "",
    "ecog_max_cisplatin": "",
    "ecog_max_reirradiation": "",
    "ecog_max_metastasis_directed": "",
    "ecog_max_standard_dcf": "",
    "age_max_standard_dcf": "a",
    "cd4_min_checkpoint_inhibitor": "cells/uL",
    "cisplatin_min_creatinine_clearance": "mL/min",
    "bmi_adjusted_weight_min": "kg/m2",
    "carboplatin_pharmacy_check_clearance_below": "mL/min",
    "carboplatin_gfr_cap": "mL/min",
    "creatinine_floor": "mg/dL",
    "pd_l1_cps_positive": "",
    "oligometastatic_max_lesions": "",
    "prior_platinum_recent_months": "mo",
    "platinum_free_interval_min_months": "mo",
    "platinum_combination_assumed_weeks": "wk",
    "reirradiation_min_interval_months": "mo",
    "reirradiation_recovery_interval_months": "mo",
    "reirradiation_min_total_dose": "Gy",
    "reirradiation_dose_per_fraction": "Gy",
    "groin_reirradiation_min_interval_months": "mo",
    "local_excision_max_size": "cm",
    "local_excision_alternative_max_size": "cm",
    "perineal_excision_max_size": "cm",
    "iort_nerve_tolerance_dose": "Gy",
    "plausible_cd4_min_without_hiv": "cells/uL",
    "plausible_crt_dose_min": "Gy",
    "plausible_crt_dose_max": "Gy",
    "plausible_crt_overall_time_max": "d",
    "plausible_bmi_min": "kg/m2",
    "plausible_bmi_max": "kg/m2",
    "plausible_record_gap_max": "d",
    "plausible_radiosensitising_lead_max": "d",
    "plausible_creatinine_max_without_dialysis": "mg/dL",
    "plausible_age_max": "a",
    "plausible_ecog_max_when_dependent": "",
    "plausible_gfr_max_on_dialysis": "mL/min",
    "plausible_pregnancy_age_max": "a",
    "plausible_pd_l1_test_age_max": "a",
    "measured_gfr_calvert": "mL/min",
    "carboplatin_dialysis_dose": "mL/min",
    "dpyd_poor_metabolizer": "",
    "dpyd_intermediate_dose": "",
    "dpyd_partial_no_score": "",
    "paclitaxel_hepatic_full_dose": "",
    "paclitaxel_hepatic_reduced_1": "",
    "paclitaxel_hepatic_reduced_2": "",
    "paclitaxel_hepatic_exclusion": "",
    "docetaxel_hepatic_exclusion": "",
    "docetaxel_hepatic_alp_limit": "",
    "docetaxel_alp_missing": "",
    "hepatic_values_missing": "",
    "cd4_opportunistic_infection_prophylaxis": "cells/uL",
    "platinum_other_setting_window": "d",
    "ici_other_cancer_window": "d",
    "platinum_free_interval_rechallenge": "d",
    "tmb_high_tumour_agnostic": "",
}


#: Thresholds that 0 would switch off (no cisplatin clearance limit; every GFR capped to 0).
_POSITIVE_THRESHOLDS: Final = frozenset(
    {"cisplatin_min_creatinine_clearance", "carboplatin_gfr_cap"}
)


class KnowledgeBaseError(ValueError):
    """The knowledge-base data are invalid.

    Attributes:
        problems: One ``file: item: message`` line per problem.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("invalid knowledge base:\n" + "\n".join(self.problems))


@attrs.frozen
class KnowledgeBase:
    """A whole validated knowledge base.

    Returned by :func:`ascc_salvage.knowledge.load` and accepted by
    :func:`ascc_salvage.recommend` (``knowledge=``); read it through the query functions.
    Two loads of the same files compare equal; the hash is the object's identity, so that
    caches keyed on a knowledge base stay cheap.

    Attributes:
        version: The version of ``meta.toml`` (recorded in every result).
        indications: What each approved indication covers (``[[indication]]`` of
            ``approvals.toml``).
        option_agents: The checkpoint-inhibitor agents of each systemic option, from its
            regimen and ``drugs.toml`` (the agents an approval of the option can name).
    """

    version: str
    evidence: Mapping[str, EvidenceItem]
    drug_classes: Mapping[str, frozenset[str]]
    regimens: Mapping[str, Regimen]
    schedules: Mapping[str, RadiotherapySchedule]
    approvals: tuple[Approval, ...]
    approval_absences: tuple[ApprovalAbsence, ...]
    option_evidence: Mapping[str, tuple[str, ...]]
    thresholds: Thresholds
    indications: Mapping[Indication, IndicationScope]
    option_agents: Mapping[str, tuple[str, ...]]
    #: The rule tables (``rules/*.toml``) by pathway section.
    rules: Mapping[str, RuleTable] = attrs.field(factory=dict)
    #: The clinical condition sets of §5.1 (``condition_sets.toml``).
    condition_sets: ConditionSets = attrs.field(kw_only=True)
    #: The named site sets of ``anatomy.toml``.
    site_sets: SiteSets = attrs.field(kw_only=True)
    #: The option catalogue (``catalogue.toml``), in catalogue order.
    catalogue: Mapping[OptionId, CatalogueEntry] = attrs.field(factory=dict)
    #: The message templates of the result warnings (``warnings.toml``) by code.
    warnings: Mapping[WarningCode, WarningTemplate] = attrs.field(factory=dict)
    #: The prompts of missing case fields (``prompts.toml``) by field, in report order.
    prompts: Mapping[str, PromptTemplate] = attrs.field(factory=dict)
    #: The conditions each criterion reads, for the ``patient.conditions`` prompt.
    condition_prompts: tuple[ConditionPrompt, ...] = ()

    # Identity hash (the mappings are unhashable); equal objects may hash apart, which only
    # costs a cache entry.
    __hash__ = object.__hash__


# --------------------------------------------------------------------------- converter


# Approval dates may be recorded to the month: a per-field override, not a date hook.
converter.register_structure_hook(
    Approval,
    make_dict_structure_fn(
        Approval,
        converter,
        _cattrs_forbid_extra_keys=True,
        _cattrs_detailed_validation=True,
        date=override(struct_hook=partial_date),
    ),
)


def _format_exception(exc: BaseException, target: type | None) -> str:
    # Plain TypeError/ValueError come from the strict hooks and enums: their text is clearer.
    if type(exc) in (TypeError, ValueError):
        return str(exc)
    return format_exception(exc, target)


def _message(exc: Exception) -> str:
    if isinstance(exc, cattrs.BaseValidationError):
        return "; ".join(cattrs.transform_error(exc, path="$", format_exception=_format_exception))
    return str(exc)


# --------------------------------------------------------------------------- reading


class _Problems:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, file: str, item: str, message: str) -> None:
        self.lines.append(f"{file}: {item}: {message}")


def _read(directory: Traversable, name: str, problems: _Problems) -> dict[str, Any]:
    resource = directory.joinpath(name)
    try:
        raw = tomllib.loads(resource.read_bytes().decode("utf-8"))
        check_finite(raw, name, "", problems)
        return raw
    except FileNotFoundError:
        problems.add(name, "-", "file is missing")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        problems.add(name, "-", f"not valid TOML: {exc}")
    return {}


def _table_list(
    raw: Mapping[str, Any], key: str, file: str, problems: _Problems
) -> list[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        problems.add(file, "-", f"[[{key}]] must be an array of tables")
        return []
    return value


def _structure_items(
    items: Iterable[Mapping[str, Any]],
    cls: type[_T],
    file: str,
    problems: _Problems,
    key: Callable[[Mapping[str, Any]], str],
) -> list[tuple[str, _T]]:
    result: list[tuple[str, _T]] = []
    for index, raw in enumerate(items):
        label = key(raw) or f"#{index + 1}"
        try:
            result.append((label, converter.structure(raw, cls)))
        except Exception as exc:  # cattrs raises several types; each becomes a problem
            problems.add(file, label, _message(exc))
    return result


def _item_id(raw: Mapping[str, Any]) -> str:
    value = raw.get("id")
    return value if isinstance(value, str) else ""


def _approval_label(raw: Mapping[str, Any]) -> str:
    return f"{raw.get('agent')}/{raw.get('jurisdiction')}/{raw.get('indication')}"


def _unique(
    pairs: list[tuple[str, _T]], ident: Callable[[_T], str], file: str, problems: _Problems
) -> dict[str, _T]:
    table: dict[str, _T] = {}
    for _, item in pairs:
        name = ident(item)
        if name in table:
            problems.add(file, name, "duplicate id")
        else:
            table[name] = item
    return table


def _check_refs(
    refs: Iterable[str], known: Mapping[str, object], file: str, item: str, problems: _Problems
) -> None:
    for ref in refs:
        if ref not in known:
            problems.add(file, item, f"unknown evidence id {ref!r}")


# --------------------------------------------------------------------------- per-file checks


def _check_evidence(item: EvidenceItem, problems: _Problems) -> None:
    file = "evidence.toml"
    if not _EVIDENCE_ID.fullmatch(item.id):
        problems.add(file, item.id, "id must be upper-case letters, digits and underscores")
    for kind, pattern in IDENTIFIER_PATTERNS.items():
        value = item.identifier(kind)
        if value and not pattern.fullmatch(value):
            problems.add(file, item.id, f"malformed {kind} {value!r}")
    if (
        item.verification is Verification.VERIFIED
        and item.verification_scope is None
        and not item.verified_by
        and not any(item.identifier(kind) for kind in IdentifierKind)
    ):
        # knowledge-base.md: an upgrade records where it was verified (verified_by or an
        # identifier); a verification_scope ('content') says what was checked.
        problems.add(
            file,
            item.id,
            "status 'verified' needs an identifier or verified_by (or a verification_scope "
            "such as 'content')",
        )
    seen: set[IdentifierKind] = set()
    for entry in item.identifier_status:
        if entry.kind in seen:
            problems.add(file, item.id, f"identifier_status lists {entry.kind} twice")
        seen.add(entry.kind)
        if not item.identifier(entry.kind):
            problems.add(file, item.id, f"identifier_status for empty {entry.kind}")
    if item.n is not None and item.n < 1:
        problems.add(file, item.id, "n must be positive")
    for outcome in item.outcomes:
        where = f"outcome {outcome.name!r}"
        if not _SNAKE.fullmatch(outcome.name):
            problems.add(file, item.id, f"{where}: name must be snake_case")
        if (outcome.ci_low is None) != (outcome.ci_high is None):
            problems.add(file, item.id, f"{where}: give both ci_low and ci_high or neither")
        elif (
            outcome.ci_low is not None
            and outcome.ci_high is not None
            and not outcome.ci_low <= outcome.value <= outcome.ci_high
        ):
            problems.add(file, item.id, f"{where}: value outside its confidence interval")


def _check_dose(
    dose: DrugDose,
    drugs: Mapping[str, frozenset[str]],
    cycle_days: int | None,
    file: str,
    item: str,
    problems: _Problems,
) -> None:
    where = f"drug {dose.drug!r}"
    if dose.drug not in drugs:
        problems.add(file, item, f"{where}: not listed in drugs.toml")
    if dose.dose_unit != DOSE_RULE_UNITS[dose.rule]:
        problems.add(
            file,
            item,
            f"{where}: rule {dose.rule} needs unit {DOSE_RULE_UNITS[dose.rule]!r},"
            f" got {dose.dose_unit!r}",
        )
    if dose.dose <= 0:
        problems.add(file, item, f"{where}: dose must be positive")
    elif dose.rule is DoseRule.AUC and not AUC_RANGE[0] <= dose.dose <= AUC_RANGE[1]:
        low, high = AUC_RANGE
        problems.add(
            file, item, f"{where}: target AUC {dose.dose:g} is outside {low:g}-{high:g} mg.min/mL"
        )
    if not dose.days or list(dose.days) != sorted(set(dose.days)) or dose.days[0] < 1:
        problems.add(file, item, f"{where}: days must be increasing day numbers from 1")
    elif cycle_days is not None and dose.days[-1] > cycle_days:
        problems.add(file, item, f"{where}: day {dose.days[-1]} is beyond the cycle")
    if dose.every_n_cycles < 1 or (dose.max_cycles is not None and dose.max_cycles < 1):
        problems.add(file, item, f"{where}: every_n_cycles and max_cycles must be >= 1")


_CLASS_FLAGS: Final = {
    "contains_platinum": "platinum",
    "contains_cisplatin": "cisplatin",
    "contains_carboplatin": "carboplatin",
    "contains_taxane": "taxane",
    "contains_fluoropyrimidine": "fluoropyrimidine",
    "contains_checkpoint_inhibitor": "checkpoint_inhibitor",
}


def _check_regimen(
    regimen: Regimen,
    drugs: Mapping[str, frozenset[str]],
    evidence: Mapping[str, object],
    problems: _Problems,
) -> None:
    file = "regimens.toml"
    if regimen.id not in {str(option) for option in SYSTEMIC_OPTIONS}:
        problems.add(file, regimen.id, "id is not a systemic option id")
    _check_refs(regimen.evidence, evidence, file, regimen.id, problems)
    if not regimen.evidence:
        problems.add(file, regimen.id, "regimen has no evidence")
    ids = [variant.id for variant in regimen.variants]
    if len(ids) != len(set(ids)):
        problems.add(file, regimen.id, "duplicate variant id")
    defaults = [variant.id for variant in regimen.variants if variant.is_default]
    if defaults != [regimen.default_variant]:
        problems.add(
            file,
            regimen.id,
            f"default_variant {regimen.default_variant!r} must be the one variant with"
            f" is_default = true (found {defaults})",
        )
    classes: set[str] = set()
    for variant in regimen.variants:
        label = f"{regimen.id}/{variant.id}"
        _check_refs(variant.evidence, evidence, file, label, problems)
        if variant.cycle_length_days < 1 or (variant.cycles is not None and variant.cycles < 1):
            problems.add(file, label, "cycle_length_days and cycles must be >= 1")
        if not variant.drugs:
            problems.add(file, label, "variant has no drugs")
        for dose in variant.drugs:
            _check_dose(dose, drugs, variant.cycle_length_days, file, label, problems)
            classes |= drugs.get(dose.drug, frozenset())
        if variant.agent is not None and variant.agent not in {d.drug for d in variant.drugs}:
            problems.add(file, label, f"agent {variant.agent!r} is not one of its drugs")
    for flag, drug_class in _CLASS_FLAGS.items():
        if getattr(regimen, flag) != (drug_class in classes):
            problems.add(file, regimen.id, f"{flag} disagrees with the drug classes")


def _check_schedule(
    schedule: RadiotherapySchedule,
    drugs: Mapping[str, frozenset[str]],
    evidence: Mapping[str, object],
    problems: _Problems,
) -> None:
    file = "radiotherapy.toml"
    _check_refs(schedule.evidence, evidence, file, schedule.id, problems)
    if schedule.option_id is not None:
        if schedule.option_id not in OptionId.__members__.values():
            problems.add(file, schedule.id, f"unknown option_id {schedule.option_id!r}")
        if not schedule.evidence:
            problems.add(file, schedule.id, "an option's schedule needs evidence")
    if schedule.total_dose_gy <= 0 or schedule.fractions < 1 or schedule.fractions_per_day < 1:
        problems.add(file, schedule.id, "dose, fractions and fractions_per_day must be positive")
    for name in ("total_dose_range_gy", "typical_dose_range_gy"):
        bounds: tuple[float, ...] | None = getattr(schedule, name)
        if bounds is not None and (len(bounds) != 2 or bounds[0] > bounds[1]):
            problems.add(file, schedule.id, f"{name} must be [low, high]")
    allowed = schedule.total_dose_range_gy
    if allowed is not None and len(allowed) == 2:
        for name in ("total_dose_gy", "typical_dose_range_gy"):
            value = getattr(schedule, name)
            values = (value,) if isinstance(value, float) else (value or ())
            if any(not allowed[0] <= v <= allowed[1] for v in values):
                problems.add(file, schedule.id, f"{name} outside total_dose_range_gy")
    for dose in schedule.concurrent_drugs:
        _check_dose(dose, drugs, None, file, schedule.id, problems)


def _check_approval(
    approval: Approval,
    raw: Mapping[str, Any],
    drugs: Mapping[str, frozenset[str]],
    evidence: Mapping[str, object],
    indications: Mapping[Indication, IndicationScope],
    option_agents: Mapping[str, tuple[str, ...]],
    problems: _Problems,
) -> None:
    file = "approvals.toml"
    label = f"{approval.agent}/{approval.jurisdiction}/{approval.indication}"
    if approval.agent not in drugs:
        problems.add(file, label, "agent not listed in drugs.toml")
    scope = indications.get(approval.indication)
    if scope is None:
        problems.add(file, label, f"indication {str(approval.indication)!r} has no [[indication]]")
    elif not any(approval.agent in option_agents.get(option, ()) for option in scope.options):
        problems.add(
            file,
            label,
            f"agent is in no option of indication {str(approval.indication)!r}"
            f" (options {list(scope.options)})",
        )
    if approval.jurisdiction not in _JURISDICTIONS:
        problems.add(file, label, f"jurisdiction must be one of {_JURISDICTIONS}")
    day_precision = len(str(raw.get("date", ""))) == len("YYYY-MM-DD")
    if day_precision != (approval.date_precision is DatePrecision.DAY):
        problems.add(file, label, "date does not match date_precision")
    _check_refs(approval.evidence, evidence, file, label, problems)


# --------------------------------------------------------------------------- thresholds


def _structure_thresholds(
    raw: Mapping[str, Any], evidence: Mapping[str, object], problems: _Problems
) -> Thresholds | None:
    file = "thresholds.toml"
    already = len(problems.lines)  # problems of other files must not hide these checks
    values: dict[str, Any] = {}
    scalar_names = [f.name for f in attrs.fields(Thresholds) if f.type in (Threshold, "Threshold")]
    table_names = {"reirradiation_limits", "karnofsky_to_ecog", "groin_organs"}
    for name in sorted(set(raw) - set(scalar_names) - table_names):
        problems.add(file, name, "unknown threshold")
    for name in scalar_names:
        if name not in raw:
            problems.add(file, name, "missing threshold")
            continue
        try:
            threshold = converter.structure(raw[name], Threshold)
        except Exception as exc:  # each failure becomes a problem
            problems.add(file, name, _message(exc))
            continue
        _check_refs(threshold.sources, evidence, file, name, problems)
        if threshold.unit not in THRESHOLD_UNITS:
            problems.add(file, name, f"unit {threshold.unit!r} is not an accepted unit")
        elif threshold.unit != THRESHOLD_ENGINE_UNITS[name]:
            problems.add(
                file,
                name,
                f"unit {threshold.unit!r}: the engine reads this threshold in "
                f"{THRESHOLD_ENGINE_UNITS[name]!r} (convert the value)",
            )
        if threshold.value < 0 or (name in _POSITIVE_THRESHOLDS and threshold.value == 0):
            problems.add(
                file,
                name,
                f"value {threshold.value:g} must be "
                + ("positive" if name in _POSITIVE_THRESHOLDS else "zero or more"),
            )
        if not threshold.policy and not (threshold.sources or threshold.source):
            problems.add(file, name, "a published threshold (policy = false) needs sources")
        if threshold.policy and threshold.status is not None:
            problems.add(file, name, "a library policy has no verification status")
        values[name] = threshold

    limits = _structure_items(
        _table_list(raw, "reirradiation_limits", file, problems),
        OrganLimit,
        file,
        problems,
        lambda item: str(item.get("organ", "")),
    )
    organs: set[str] = set()
    for _, limit in limits:
        if limit.organ in organs:
            problems.add(file, limit.organ, "duplicate organ")
        organs.add(limit.organ)
        _check_refs(limit.sources, evidence, file, limit.organ, problems)
        if not 0 < limit.no_recovery_gy <= limit.recovery_gy or limit.alpha_beta_gy <= 0:
            problems.add(file, limit.organ, "limits must be positive and recovery >= no recovery")
    values["reirradiation_limits"] = tuple(limit for _, limit in limits)
    groin = _structure_items(
        _table_list(raw, "groin_organs", file, problems),
        GroinOrgan,
        file,
        problems,
        lambda item: str(item.get("organ", "")),
    )
    for _, organ in groin:
        if organ.organ in organs:
            problems.add(file, organ.organ, "duplicate organ")
        organs.add(organ.organ)
        if organ.alpha_beta_gy <= 0:
            problems.add(file, organ.organ, "alpha_beta_gy must be positive")
    values["groin_organs"] = tuple(organ for _, organ in groin)

    rows, note = _karnofsky(raw.get("karnofsky_to_ecog"), problems)
    values["karnofsky_to_ecog"] = rows
    values["karnofsky_to_ecog_note"] = note
    if len(problems.lines) > already:
        return None
    return Thresholds(**values)


def _karnofsky(raw: object, problems: _Problems) -> tuple[tuple[KarnofskyEcogRow, ...], str]:
    file, item = "thresholds.toml", "karnofsky_to_ecog"
    if not isinstance(raw, dict) or set(raw) != {"rows", "note"}:
        problems.add(file, item, "must be a table with 'rows' and 'note'")
        return (), ""
    try:
        rows = tuple(
            KarnofskyEcogRow(**converter.structure(row, dict[str, int])) for row in raw["rows"]
        )
        note = converter.structure(raw["note"], str)
    except Exception as exc:  # malformed rows
        problems.add(file, item, _message(exc))
        return (), ""
    covered = sorted(k for row in rows for k in range(row.karnofsky_min, row.karnofsky_max + 1, 10))
    if covered != list(range(0, 101, 10)) or any(not 0 <= row.ecog <= 5 for row in rows):
        problems.add(file, item, "rows must cover Karnofsky 0-100 once each, ECOG 0-5")
    return rows, note


# --------------------------------------------------------------------------- condition sets


def _condition_sets(raw: Mapping[str, Any], problems: _Problems) -> ConditionSets:
    """Structure ``condition_sets.toml``: each set a list of distinct ``Condition`` values."""
    file = "condition_sets.toml"
    names = [field.name for field in attrs.fields(ConditionSets)]
    for name in sorted(set(raw) - set(names)):
        problems.add(file, name, "unknown condition set")
    known = {str(condition) for condition in Condition}
    sets: dict[str, frozenset[Condition]] = {}
    for name in names:
        members = raw.get(name)
        if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
            problems.add(file, name, "expected a list of condition names")
            members = []
        for member in sorted({m for m in members if members.count(m) > 1}):
            problems.add(file, name, f"{member!r} is listed twice")
        for member in members:
            if member not in known:
                problems.add(file, name, f"unknown condition {member!r}")
        sets[name] = frozenset(Condition(m) for m in members if m in known)
    return ConditionSets(**sets)


# --------------------------------------------------------------------------- assembly


def load_directory(directory: Traversable | str | os.PathLike[str]) -> KnowledgeBase:
    """Load and validate the knowledge base in *directory*.

    Args:
        directory: A directory (or :mod:`importlib.resources` traversable) holding the TOML
            files listed in :data:`FILES`.

    Returns:
        The validated knowledge base.

    Raises:
        KnowledgeBaseError: Any problem, each line naming the file and the item.
    """
    root: Traversable = (
        pathlib.Path(directory) if isinstance(directory, str | os.PathLike) else directory
    )
    problems = _Problems()
    raw = {name: _read(root, name, problems) for name in FILES}

    version = raw["meta.toml"].get("version")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        problems.add("meta.toml", "version", f"expected YYYY.MM[.N], got {version!r}")
        version = ""
    extra_meta = set(raw["meta.toml"]) - {"version"}
    if extra_meta:
        problems.add("meta.toml", "-", f"unknown keys {sorted(extra_meta)}")

    raw_evidence = _table_list(raw["evidence.toml"], "evidence", "evidence.toml", problems)
    items = _structure_items(raw_evidence, EvidenceItem, "evidence.toml", problems, _item_id)
    evidence = _unique(items, lambda item: item.id, "evidence.toml", problems)
    for item in evidence.values():
        _check_evidence(item, problems)
    # References to an item that exists but failed to structure are not reported again.
    known: dict[str, object] = {_item_id(entry): None for entry in raw_evidence}

    drugs: dict[str, frozenset[str]] = {}
    for entry in _table_list(raw["drugs.toml"], "drug", "drugs.toml", problems):
        name, classes = entry.get("name"), entry.get("classes")
        if (
            not isinstance(name, str)
            or not isinstance(classes, list)
            or not set(classes) <= _DRUG_CLASSES
            or set(entry) != {"name", "classes"}
        ):
            problems.add("drugs.toml", str(name), f"needs a name and classes from {_DRUG_CLASSES}")
            continue
        if name in drugs:
            problems.add("drugs.toml", name, "duplicate drug")
        drugs[name] = frozenset(classes)

    regimen_items = _structure_items(
        _table_list(raw["regimens.toml"], "regimen", "regimens.toml", problems),
        Regimen,
        "regimens.toml",
        problems,
        _item_id,
    )
    regimens = _unique(regimen_items, lambda item: item.id, "regimens.toml", problems)
    for regimen in regimens.values():
        _check_regimen(regimen, drugs, known, problems)
    raw_regimen_ids = {
        _item_id(entry)
        for entry in _table_list(raw["regimens.toml"], "regimen", "regimens.toml", _Problems())
    }
    for option in SYSTEMIC_OPTIONS:
        if str(option) not in raw_regimen_ids:
            problems.add("regimens.toml", str(option), "systemic option has no regimen")

    schedule_items = _structure_items(
        _table_list(raw["radiotherapy.toml"], "schedule", "radiotherapy.toml", problems),
        RadiotherapySchedule,
        "radiotherapy.toml",
        problems,
        _item_id,
    )
    schedules = _unique(schedule_items, lambda item: item.id, "radiotherapy.toml", problems)
    for schedule in schedules.values():
        _check_schedule(schedule, drugs, known, problems)

    option_agents = _option_agents(regimens, drugs)
    indications = _indications(raw["approvals.toml"], option_agents, problems)
    raw_approvals = _table_list(raw["approvals.toml"], "approval", "approvals.toml", problems)
    approval_list: list[Approval] = []
    keys: set[tuple[str, str, str]] = set()
    for raw_item in raw_approvals:
        for label, approval in _structure_items(
            [raw_item], Approval, "approvals.toml", problems, _approval_label
        ):
            key = (approval.agent, approval.jurisdiction, str(approval.indication))
            if key in keys:
                problems.add("approvals.toml", label, "duplicate approval")
            keys.add(key)
            _check_approval(approval, raw_item, drugs, known, indications, option_agents, problems)
            approval_list.append(approval)
    absences = _structure_items(
        _table_list(raw["approvals.toml"], "no_approval", "approvals.toml", problems),
        ApprovalAbsence,
        "approvals.toml",
        problems,
        lambda item: str(item.get("agent", "")),
    )
    for label, absence in absences:
        if absence.agent not in drugs or not set(absence.jurisdictions) <= set(_JURISDICTIONS):
            problems.add("approvals.toml", label, "unknown agent or jurisdiction")
        # A tumour-agnostic approval is not an anal-cancer approval: it may coexist with one.
        if any(
            approval.agent == absence.agent
            and (scope := indications.get(approval.indication)) is not None
            and scope.biomarker is None
            for approval in approval_list
        ):
            problems.add("approvals.toml", label, "agent has both approvals and no_approval")
    extra_approval_keys = set(raw["approvals.toml"]) - {"approval", "no_approval", "indication"}
    if extra_approval_keys:
        problems.add("approvals.toml", "-", f"unknown keys {sorted(extra_approval_keys)}")

    option_evidence = _option_evidence(raw["options.toml"], known, regimens, schedules, problems)
    thresholds = _structure_thresholds(raw["thresholds.toml"], known, problems)
    threshold_names = [
        f.name for f in attrs.fields(Thresholds) if f.type in (Threshold, "Threshold")
    ]
    rules = load_rule_tables(root, known, threshold_names, problems)
    condition_sets = _condition_sets(raw["condition_sets.toml"], problems)
    site_sets = _structure_site_sets(raw["anatomy.toml"], problems)
    catalogue = _catalogue(raw["catalogue.toml"], problems)
    warnings = _warnings(raw["warnings.toml"], frozenset(threshold_names), problems)
    prompts, condition_prompts = _prompts(raw["prompts.toml"], frozenset(threshold_names), problems)
    if thresholds is not None:
        _check_knowledge_values(rules, thresholds, schedules, evidence, problems)
    # A row's warning takes its message from warnings.toml: it must need no case values.
    for table in rules.values():
        for row in table.rows:
            for warning in row.warning:
                template = warnings.get(warning.code)
                if template is not None and template.values:
                    problems.add(
                        table.file,
                        row.id,
                        f"warning {warning.code} needs case values {list(template.values)}",
                    )

    if problems.lines or thresholds is None or site_sets is None:
        raise KnowledgeBaseError(problems.lines)
    return KnowledgeBase(
        version=version,
        evidence=evidence,
        drug_classes=drugs,
        regimens=regimens,
        schedules=schedules,
        approvals=tuple(approval_list),
        approval_absences=tuple(absence for _, absence in absences),
        option_evidence=option_evidence,
        thresholds=thresholds,
        indications=indications,
        option_agents=option_agents,
        rules=rules,
        condition_sets=condition_sets,
        site_sets=site_sets,
        catalogue=catalogue,
        warnings=warnings,
        prompts=prompts,
        condition_prompts=condition_prompts,
    )


def _check_knowledge_values(
    rules: Mapping[str, RuleTable],
    thresholds: Thresholds,
    schedules: Mapping[str, RadiotherapySchedule],
    evidence: Mapping[str, EvidenceItem],
    problems: _Problems,
) -> None:
    """Every ``{schedule.…}`` and ``{evidence.…}`` placeholder of the rule tables exists."""
    for table in rules.values():
        labelled = [("common", outcome.reason) for outcome in table.common] + [
            (row.id, template)
            for row in table.rows
            for template in (row.situation, *(outcome.reason for outcome in row.then))
        ]
        for label, template in labelled:
            try:
                names = placeholders(template)
            except ValueError:
                continue  # a malformed template is reported with its table
            for name in names:
                if "." in name:
                    try:
                        knowledge_value_text(name, thresholds, schedules, evidence)
                    except KeyError as exc:
                        problems.add(table.file, label, str(exc.args[0]))


def _structure_site_sets(raw: Mapping[str, Any], problems: _Problems) -> SiteSets | None:
    """The site sets of ``anatomy.toml``: each a table with members and a description."""
    file = "anatomy.toml"
    for name in sorted(set(raw) - set(SITE_SET_TYPES)):
        problems.add(file, name, "unknown set")
    sets: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    for name, kind in SITE_SET_TYPES.items():
        entry = raw.get(name)
        if not isinstance(entry, dict):
            problems.add(file, name, "missing: a table with members and description")
            continue
        extra = sorted(set(entry) - {"members", "description"})
        if extra:
            problems.add(file, name, f"unknown keys {extra}")
        try:
            members = converter.structure(entry.get("members"), list[kind])  # type: ignore[valid-type]
            descriptions[name] = converter.structure(entry.get("description"), str)
        except Exception as exc:  # cattrs raises several types; each becomes a problem
            problems.add(file, name, _message(exc))
            continue
        if len(set(members)) != len(members):
            problems.add(file, name, "a member is listed twice")
        sets[name] = frozenset(members)
    if len(sets) != len(SITE_SET_TYPES):
        return None
    return SiteSets(**sets, descriptions=descriptions)


def _keyed_items(
    raw: Mapping[str, Any],
    key: str,
    field: str,
    cls: type[_T],
    file: str,
    problems: _Problems,
) -> list[tuple[str, _T]]:
    """Structure the ``[[key]]`` tables of a file whose items are named by *field*."""
    extra = sorted(set(raw) - {key})
    if extra:
        problems.add(file, "-", f"unknown keys {extra}")
    return _structure_items(
        _table_list(raw, key, file, problems),
        cls,
        file,
        problems,
        lambda item: str(item.get(field, "")),
    )


def _catalogue(raw: Mapping[str, Any], problems: _Problems) -> dict[OptionId, CatalogueEntry]:
    """The option catalogue: every option once, returned in catalogue order."""
    file = "catalogue.toml"
    entries: dict[OptionId, CatalogueEntry] = {}
    for label, entry in _keyed_items(raw, "option", "id", CatalogueEntry, file, problems):
        if entry.id in entries:
            problems.add(file, label, "option listed twice")
        if not entry.label.strip() or not entry.description.strip() or not entry.kind.strip():
            problems.add(file, label, "label, kind and description must not be empty")
        entries[entry.id] = entry
    for option in OptionId:
        if option not in entries:
            problems.add(file, str(option), "option is missing")
    return {option: entries[option] for option in OptionId if option in entries}


def _warnings(
    raw: Mapping[str, Any], threshold_names: frozenset[str], problems: _Problems
) -> dict[WarningCode, WarningTemplate]:
    """The warning templates by code: one per code whose message the engine builds."""
    file = "warnings.toml"
    templates: dict[WarningCode, WarningTemplate] = {}
    for label, item in _keyed_items(raw, "warning", "code", WarningTemplate, file, problems):
        if item.code in templates:
            problems.add(file, label, "code listed twice")
        elif item.code in UNTEMPLATED_WARNINGS:
            problems.add(file, label, "its messages come from the plausibility checks")
        templates[item.code] = item
        _check_template(item.template, item.values, threshold_names, (file, label), problems)
    for code in WarningCode:
        if code not in templates and code not in UNTEMPLATED_WARNINGS:
            problems.add(file, str(code), "warning code has no template")
    return templates


def _check_template(
    template: str,
    values: tuple[str, ...],
    threshold_names: frozenset[str],
    where: tuple[str, str],
    problems: _Problems,
) -> None:
    """A message template names only its case values and thresholds, and uses every value."""
    try:
        names = set(placeholders(template))
    except ValueError as exc:
        problems.add(*where, f"malformed template {template!r}: {exc}")
        return
    for name in sorted(names - set(values) - threshold_names):
        problems.add(*where, f"unknown placeholder {{{name}}} (not in values)")
    for name in values:
        if name not in names:
            problems.add(*where, f"value {name!r} is not used by the template")


def _prompts(
    raw: Mapping[str, Any], threshold_names: frozenset[str], problems: _Problems
) -> tuple[dict[str, PromptTemplate], tuple[ConditionPrompt, ...]]:
    """The prompts of missing fields in report order, and the condition phrases by criterion."""
    file = "prompts.toml"
    extra = sorted(set(raw) - {"prompt", "condition_prompt"})
    if extra:
        problems.add(file, "-", f"unknown keys {extra}")
    prompts: dict[str, PromptTemplate] = {}
    items = _structure_items(
        _table_list(raw, "prompt", file, problems),
        PromptTemplate,
        file,
        problems,
        lambda item: str(item.get("field", "")),
    )
    for label, item in items:
        if item.field in prompts:
            problems.add(file, label, "field listed twice")
        prompts[item.field] = item
        _check_template(item.template, item.values, threshold_names, (file, label), problems)
    conditions = _structure_items(
        _table_list(raw, "condition_prompt", file, problems),
        ConditionPrompt,
        file,
        problems,
        lambda item: str(item.get("criterion", "")),
    )
    known = {str(member) for member in CriterionId}
    for label, entry in conditions:
        if entry.criterion not in known:
            problems.add(file, label, "not a criterion id")
        if not set(entry.not_when_male) <= set(entry.conditions):
            problems.add(file, label, "not_when_male lists a condition not in conditions")
    return prompts, tuple(entry for _, entry in conditions)


def _option_agents(
    regimens: Mapping[str, Regimen], drugs: Mapping[str, frozenset[str]]
) -> dict[str, tuple[str, ...]]:
    """The checkpoint-inhibitor drugs of each regimen, in data order without repeats."""
    return {
        regimen.id: tuple(
            dict.fromkeys(
                dose.drug
                for variant in regimen.variants
                for dose in variant.drugs
                if "checkpoint_inhibitor" in drugs.get(dose.drug, frozenset())
            )
        )
        for regimen in regimens.values()
    }


def _indications(
    raw: Mapping[str, Any], option_agents: Mapping[str, tuple[str, ...]], problems: _Problems
) -> dict[Indication, IndicationScope]:
    file = "approvals.toml"
    scopes: dict[Indication, IndicationScope] = {}
    items = _structure_items(
        _table_list(raw, "indication", file, problems),
        IndicationScope,
        file,
        problems,
        lambda item: f"indication {item.get('id')}",
    )
    for label, scope in items:
        if scope.id in scopes:
            problems.add(file, label, "duplicate indication")
        scopes[scope.id] = scope
        if not scope.options:
            problems.add(file, label, "options must name at least one systemic option")
        for option in scope.options:
            if option not in {str(o) for o in SYSTEMIC_OPTIONS}:
                problems.add(file, label, f"{option!r} is not a systemic option id")
            elif not option_agents.get(option):
                problems.add(file, label, f"option {option!r} has no checkpoint-inhibitor agent")
        agnostic = scope.line is IndicationLine.AFTER_PRIOR_TREATMENT
        if agnostic != (scope.biomarker is not None):
            problems.add(
                file, label, "a biomarker goes with line 'after_prior_treatment', and only with it"
            )
    return scopes


def _option_evidence(
    raw: Mapping[str, Any],
    evidence: Mapping[str, object],
    regimens: Mapping[str, Regimen],
    schedules: Mapping[str, RadiotherapySchedule],
    problems: _Problems,
) -> dict[str, tuple[str, ...]]:
    file = "options.toml"
    table = raw.get("options", {})
    if set(raw) != {"options"} or not isinstance(table, dict):
        problems.add(file, "-", "expected exactly one [options] table")
        table = {}
    combined: dict[str, tuple[str, ...]] = {}
    for option, refs in table.items():
        if option not in OptionId.__members__.values():
            problems.add(file, option, "unknown option id")
            continue
        if not isinstance(refs, list) or not all(isinstance(ref, str) for ref in refs):
            problems.add(file, option, "expected a list of evidence ids")
            continue
        if len(refs) != len(set(refs)):
            problems.add(file, option, "duplicate evidence id")
        _check_refs(refs, evidence, file, option, problems)
    for option in OptionId:
        ids: list[str] = list(table.get(str(option), []) or [])
        regimen = regimens.get(str(option))
        if regimen is not None:
            ids += regimen.evidence
            for variant in regimen.variants:
                ids += variant.evidence
        for schedule in schedules.values():
            if schedule.option_id == option:
                ids += schedule.evidence
        unique = tuple(dict.fromkeys(ref for ref in ids if isinstance(ref, str)))
        if not unique:
            problems.add(file, str(option), "option has no evidence")
        combined[str(option)] = unique
    return combined


def read_version(directory: Traversable | None = None) -> str:
    """Return the knowledge-base version recorded in ``meta.toml`` (no validation of the rest)."""
    if directory is None:  # without importlib.resources (start-up time)
        meta = read_package_file("ascc_salvage.knowledge", "data/meta.toml")
        version = tomllib.loads(meta.decode("utf-8")).get("version")
    else:
        version = _read(directory, "meta.toml", _Problems()).get("version")
    if not isinstance(version, str) or not _VERSION.fullmatch(version):
        raise KnowledgeBaseError([f"meta.toml: version: expected YYYY.MM[.N], got {version!r}"])
    return version


def _packaged_root() -> Traversable:
    from importlib.resources import files

    return files("ascc_salvage.knowledge").joinpath("data")


@functools.cache
def load_packaged() -> KnowledgeBase:
    """Load the knowledge base shipped with the package (once; cached).

    It is read from the compiled file generated from the bundled TOML
    (:mod:`ascc_salvage.knowledge._compiled`; a test pins it to what the strict loader makes
    of the TOML), or from the TOML when that file is missing.
    """
    from ascc_salvage.knowledge._compiled import read_compiled

    try:
        kb: KnowledgeBase = read_compiled()
    except FileNotFoundError:
        return load_directory(_packaged_root())
    return kb
