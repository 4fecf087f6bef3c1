"""Rule tables: the tabular parts of the clinical pathway as data (``data/rules/*.toml``).

One file per pathway section. Each row states a situation as named conditions
(:data:`ascc_salvage._conditions.CONDITIONS`) and what it does to the options: a tier, a reason
template, flags, evidence ids, the conditions reported as criteria, and whether the option is
offered through the section's shared criteria (``offer``). The format, the
evaluation order and the three-valued semantics are described in ``docs/rules.md``.

:func:`load_rule_tables` structures the files with the library's one converter and checks
them; every problem names the file and the row. Checks: unknown keys, options, tiers and flags
(the converter); unknown condition names, routines, evidence ids and threshold placeholders;
an option set twice by one row; an offered outcome that is not preferred or alternative; an
``unless_preferred`` naming an option no earlier outcome of the row sets; a
row asking for ``"unknown"`` of a condition that is never unknown; overlapping rows;
unreachable rows; and, without a default row, a combination of condition values that no row
covers.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs

from ascc_salvage._conditions import CONDITIONS, ROUTINES
from ascc_salvage._convert import converter
from ascc_salvage.knowledge._model import (
    EvidenceItem,
    Outcome,
    RadiotherapySchedule,
    Threshold,
    Thresholds,
)
from ascc_salvage.vocabulary import CriterionId, Flag, OptionId, Tier, WarningCode, is_rule_id

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "ENGINE_TABLES",
    "RuleOutcome",
    "RuleRow",
    "RuleTable",
    "RuleWarning",
    "check_finite",
    "load_rule_tables",
]

#: The folder of the knowledge base holding the rule tables.
RULES_DIR: Final = "rules"
#: The sections the engine runs itself (the others are reached by a row's ``table``): a
#: knowledge base without one of them could not evaluate the cases that reach it.
ENGINE_TABLES: Final = frozenset({"2", "4", "4.7", "5.2", "5.3", "5.4", "5.5", "6", "7"})
#: The value a row asks for when it is written for an unknown condition.
UNKNOWN: Final = "unknown"
_RULE_ID: Final = re.compile(r"\d+(\.[0-9a-z_]+|[a-z][0-9a-z_]*)*")
_TABLE_KEYS: Final = frozenset(
    {"section", "title", "pathway", "common", "row", "partial", "routes"}
)
#: Where an outcome's re-irradiation is screened (§6): a region, or that of the disease.
SCREENS: Final = ("pelvis", "groin", "disease")


class _Problems(Protocol):
    def add(self, file: str, item: str, message: str) -> None: ...


@attrs.frozen(cache_hash=True, kw_only=True)
class RuleOutcome:
    """What a row does to one or more options.

    Attributes:
        options: The options it sets (none when ``remaining``).
        tier: Their tier.
        reason: Reason template; ``{name}`` is replaced by the knowledge-base threshold
            ``name`` with its unit, and the evidence ids are appended in brackets.
        flags: Flags added to each option.
        evidence: Evidence ids cited in the reason.
        criteria: Conditions reported as criteria of each option (met / not met / unknown).
        offer: Offer the options through the section's shared criteria (the engine's offer
            hook, e.g. §5.1) instead of setting the tier: the criteria may reject the option
            or leave it undetermined. Only for the tiers preferred and alternative.
        remaining: Instead of ``options``: every option that no rule has given a tier yet
            (the last outcome of its row).
        screen: For ``reirradiation`` offered as an alternative: the region the §6 screen
            checks (``pelvis``, ``groin``, or ``disease``: the pelvis for local or pelvic
            nodal disease, else the groin). The option is an alternative only if the screen
            allows it; otherwise the screen's tier and reason apply. ``""``: no screen.
        unless_preferred: An option an earlier outcome of the row sets (or offers): this
            outcome applies only if that option did not end preferred (best supportive care
            when anti-PD-1 is capped, left open or offered as an alternative only).
    """

    tier: Tier
    reason: str
    options: tuple[OptionId, ...] = ()
    flags: tuple[Flag, ...] = ()
    evidence: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    offer: bool = False
    remaining: bool = False
    screen: str = ""
    unless_preferred: OptionId | None = None


@attrs.frozen
class RuleWarning:
    """A result-level warning a row raises.

    Its message is the code's template in ``warnings.toml`` (one source for every warning
    text); the loader checks that the template needs no case values.

    Attributes:
        code: The warning code (clinical pathway §9).
        fields: The case fields the warning is about.
    """

    code: WarningCode
    fields: tuple[str, ...] = ()


@attrs.frozen
class RuleRow:
    """One row of a rule table.

    Attributes:
        id: Unique id of the row within its table.
        situation: The situation in words (a template like the reasons), for the docs.
        when: Condition name → ``True``, ``False`` or ``"unknown"``; all must hold. Empty for
            the default row ("anything else").
        then: The outcomes, applied in order after the table's common outcomes.
        rule: The rule id reported with the outcomes (clinical pathway §0.2); defaults to
            ``id``.
        route: A registered routine run before the outcomes (``""`` for none).
        warning: Result-level warnings the row raises.
        table: The section of another rule table applied after the routine and before the
            outcomes (``""`` for none): a row hands over to a sub-section.
        after: A registered routine run after the outcomes (``""`` for none): modifiers
            that combine with whatever the row set.
    """

    id: str
    situation: str
    when: dict[str, Any] = attrs.field(factory=dict, hash=False)
    then: tuple[RuleOutcome, ...] = ()
    rule: str = ""
    route: str = ""
    warning: tuple[RuleWarning, ...] = ()
    table: str = ""
    after: str = ""

    @property
    def rule_id(self) -> str:
        """The rule id reported with this row's outcomes."""
        return self.rule or self.id


@attrs.frozen
class RuleTable:
    """One section of the pathway as a rule table.

    Attributes:
        section: The pathway section (``"7"``); the engine looks tables up by it.
        title: The section title.
        rows: The rows in order; a default row, if any, is last.
        common: Outcomes applied whichever row matches, with that row's rule id.
        file: The file it was read from.
        partial: The rows need not cover every case: when none applies, the table changes
            nothing (the engine goes on to the next rule). Its conditions are never unknown.
        routes: Whether applying a row routes the case: its rule id is named in the reason
            of the options no rule names (rule ``0.default``). ``False`` for a table that
            refines options within another rule's pathway (IORT beside a resection).
        pathway: The pathway section whose rule ids the rows report, for a table for part
            of a section (``4.1.resection`` names ``4.1``); ``""``: the table's section.
    """

    section: str
    title: str
    rows: tuple[RuleRow, ...]
    common: tuple[RuleOutcome, ...] = ()
    file: str = ""
    partial: bool = False
    routes: bool = True
    pathway: str = ""

    def row(self, row_id: str) -> RuleRow:
        """Return the row with id *row_id*.

        Raises:
            KeyError: No such row.
        """
        for row in self.rows:
            if row.id == row_id:
                return row
        raise KeyError(row_id)


#: The criterion ids (the values of :class:`~ascc_salvage.vocabulary.CriterionId`).
_CRITERION_IDS: Final = frozenset(str(member) for member in CriterionId)


def _not_a_criterion(name: str) -> str:
    return f"criterion id {name!r} is not in ascc_salvage.vocabulary.CriterionId"


#: Schedule fields a template may quote: ``{schedule.<id>.<field>}``.
SCHEDULE_FIELDS: Final = ("total_dose_gy", "fractions", "fractions_per_day")
_OUTCOME_UNITS: Final = {"percent": " %", "months": " mo", "weeks": " wk", "Gy": " Gy"}


def fill_template(template: str, text_of: Callable[[str], str]) -> str:
    """Replace each ``{name}`` of *template* by ``text_of(name)`` (names may contain dots)."""
    parts: list[str] = []
    for literal, name, _, _ in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(text_of(name))
    return "".join(parts)


def knowledge_value_text(
    name: str,
    thresholds: Thresholds,
    schedules: Mapping[str, RadiotherapySchedule],
    evidence: Mapping[str, EvidenceItem],
) -> str:
    """The text a template placeholder stands for.

    ``{threshold}`` is a threshold with its unit; ``{schedule.<id>.<field>}`` a number of a
    radiotherapy schedule (a dose with "Gy"); ``{evidence.<ID>.<outcome>}`` every value of that
    outcome of the evidence item, with its unit and population or arm.

    Raises:
        KeyError: The placeholder names nothing in the knowledge base (the message says why).
    """
    kind, _, rest = name.partition(".")
    if not rest:
        threshold = getattr(thresholds, name, None)
        if not isinstance(threshold, Threshold):
            raise KeyError(f"unknown threshold {{{name}}}")
        return f"{threshold.value:g}" + (f" {threshold.unit}" if threshold.unit else "")
    if kind == "schedule":
        schedule_id, _, field = rest.partition(".")
        schedule = schedules.get(schedule_id)
        value = getattr(schedule, field, None) if field in SCHEDULE_FIELDS else None
        if schedule is None or value is None:
            raise KeyError(
                f"unknown schedule value {{{name}}} (fields: {', '.join(SCHEDULE_FIELDS)})"
            )
        return f"{value:g}" + (" Gy" if field.endswith("_gy") else "")
    if kind == "evidence":
        item_id, _, outcome_name = rest.partition(".")
        item = evidence.get(item_id)
        found = [o for o in item.outcomes if o.name == outcome_name] if item is not None else []
        if not found:
            raise KeyError(f"unknown evidence outcome {{{name}}}")
        return ", ".join(_outcome_text(outcome) for outcome in found)
    raise KeyError(f"unknown placeholder {{{name}}}")


def _outcome_text(outcome: Outcome) -> str:
    text = f"{outcome.value:g}{_OUTCOME_UNITS.get(str(outcome.unit), '')}"
    qualifier = outcome.population or outcome.arm
    return f"{text} ({qualifier})" if qualifier else text


def placeholders(template: str) -> tuple[str, ...]:
    """The ``{name}`` placeholders of a reason or situation template."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name is not None)


def _overlap(a: RuleRow, b: RuleRow) -> bool:
    # Each row is a conjunction of "condition = value": two rows can both match one
    # assignment of values exactly when they agree on every condition both name.
    return all(b.when[name] == value for name, value in a.when.items() if name in b.when)


def _matches(row: RuleRow, assignment: Mapping[str, bool]) -> bool:
    return all(assignment[name] == value for name, value in row.when.items())


def _check_parts(
    templates: list[str],
    outcomes: Iterable[RuleOutcome],
    file: str,
    label: str,
    known: Mapping[str, object],
    threshold_names: frozenset[str],
    problems: _Problems,
    before: Iterable[OptionId] = (),
) -> None:
    outcomes = tuple(outcomes)
    earlier: set[OptionId] = set(before)
    for index, outcome in enumerate(outcomes):
        if outcome.unless_preferred is not None and outcome.unless_preferred not in earlier:
            problems.add(
                file,
                label,
                f"unless_preferred {outcome.unless_preferred}: not set by an earlier outcome",
            )
        earlier.update(outcome.options)
        if outcome.remaining and (outcome.options or index != len(outcomes) - 1):
            problems.add(file, label, "remaining = true: names no options and is the last outcome")
        elif not outcome.remaining and not outcome.options:
            problems.add(file, label, "an outcome names its options (or remaining = true)")
        templates.append(outcome.reason)
        for ref in outcome.evidence:
            if ref not in known:
                problems.add(file, label, f"unknown evidence id {ref!r}")
        for name in outcome.criteria:
            if name not in CONDITIONS:
                problems.add(file, label, f"unknown condition {name!r} in criteria")
            elif CONDITIONS[name].criterion_id not in _CRITERION_IDS:
                problems.add(file, label, _not_a_criterion(CONDITIONS[name].criterion_id))
        if outcome.offer and outcome.tier not in (Tier.PREFERRED, Tier.ALTERNATIVE):
            problems.add(
                file, label, f"offer = true needs tier preferred or alternative, not {outcome.tier}"
            )
        if outcome.screen and (
            outcome.screen not in SCREENS
            or outcome.options != (OptionId.REIRRADIATION,)
            or outcome.tier is not Tier.ALTERNATIVE
        ):
            problems.add(
                file,
                label,
                f"screen {outcome.screen!r}: only reirradiation offered as an alternative is "
                f"screened, in one of {', '.join(SCREENS)}",
            )
    for template in templates:
        try:
            names = placeholders(template)
        except ValueError as exc:
            problems.add(file, label, f"malformed template {template!r}: {exc}")
            continue
        for name in names:
            # Schedule and evidence values are checked once those files are loaded.
            if "." not in name and name not in threshold_names:
                problems.add(file, label, f"unknown threshold {{{name}}} in {template!r}")


def _check_table(table: RuleTable, problems: _Problems) -> None:
    file = table.file
    default = [row for row in table.rows if not row.when]
    if len(default) > 1 or (default and table.rows[-1] is not default[0]):
        problems.add(file, default[0].id, "unreachable: the default row (empty when) is last")
    # An unknown condition with no row written for its unknown value is branched on, which
    # reports the criterion `<name>_known` (it must be an id).
    written_for_unknown = {n for row in table.rows for n, v in row.when.items() if v == UNKNOWN}
    for row in table.rows:
        for name, value in row.when.items():
            spec = CONDITIONS.get(name)
            if spec is None:
                problems.add(file, row.id, f"unknown condition {name!r}")
            elif value == UNKNOWN and not spec.three_valued:
                problems.add(file, row.id, f"unreachable: condition {name!r} is never unknown")
            elif value is not True and value is not False and value != UNKNOWN:
                problems.add(file, row.id, f"condition {name!r}: expected true, false or 'unknown'")
            if (
                spec is not None
                and spec.three_valued
                and name not in written_for_unknown
                and f"{name}_known" not in _CRITERION_IDS
            ):
                problems.add(file, row.id, _not_a_criterion(f"{name}_known"))
        for routine in (row.route, row.after):
            if routine and routine not in ROUTINES:
                problems.add(file, row.id, f"unknown routine {routine!r}")
        # A §0.2 rule id (a row may report another section's id: §5.3 rows that v3 names
        # 5.2f), or an id of the table's own section (tables outside the pathway).
        section = table.pathway or table.section
        if not is_rule_id(row.rule_id) and (
            not _RULE_ID.fullmatch(row.rule_id) or not row.rule_id.startswith(section)
        ):
            problems.add(
                file, row.id, f"rule id {row.rule_id!r} is neither a §0.2 id nor a §{section} id"
            )
    explicit = [row for row in table.rows if row.when]
    for a, b in itertools.combinations(explicit, 2):
        if _overlap(a, b):
            problems.add(file, b.id, f"overlaps row {a.id}: both match when {_union(a, b)}")
    names = sorted({name for row in explicit for name in row.when})
    if not set(names) <= set(CONDITIONS):
        return  # coverage is undefined with an unknown condition (reported above)
    uncovered = [
        assignment
        for values in itertools.product((True, False), repeat=len(names))
        for assignment in [dict(zip(names, values, strict=True))]
        if not any(_matches(row, assignment) for row in explicit)
    ]
    if table.partial:
        if default:
            problems.add(file, default[0].id, "a partial table has no default row")
        for name in names:
            if CONDITIONS[name].three_valued:
                problems.add(file, "-", f"a partial table: condition {name!r} can be unknown")
        return
    if default and not uncovered:
        problems.add(file, default[0].id, "unreachable: the other rows cover every case")
    if not default and uncovered:
        problems.add(file, "-", f"no row covers {_words(uncovered[0])} (add a default row)")


def _union(a: RuleRow, b: RuleRow) -> str:
    return _words({**a.when, **b.when})


def _words(assignment: Mapping[str, object]) -> str:
    return ", ".join(f"{name} = {str(value).lower()}" for name, value in assignment.items())


def _pathway_order(name: str) -> tuple[tuple[int, ...], str]:
    """Sort key of a rule file: its section in pathway order (``4`` before ``4.1``)."""
    prefix = name.split("_", 1)[0]
    numbers = tuple(int(part) for part in prefix.split(".") if part.isdigit())
    return numbers, name


def _check_hand_overs(tables: Mapping[str, RuleTable], problems: _Problems) -> None:
    """Every table a row hands over to exists, and no chain of hand-overs returns."""
    for table in tables.values():
        for row in table.rows:
            if row.table and row.table not in tables:
                problems.add(table.file, row.id, f"unknown table {row.table!r}")
    for start in tables.values():
        seen, todo = {start.section}, [start]
        while todo:
            for row in todo.pop().rows:
                target = tables.get(row.table)
                if target is None:
                    continue
                if target.section == start.section:
                    problems.add(start.file, "-", f"hands over to itself through row {row.id}")
                elif target.section not in seen:
                    seen.add(target.section)
                    todo.append(target)


def check_finite(node: object, file: str, where: str, problems: _Problems) -> None:
    """Report every ``nan`` and ``inf`` of a TOML document (TOML has them; no value may be).

    A NaN dose or threshold compares false with everything: it would pass every range check
    and give "nan mg" or no decision at all.
    """
    if isinstance(node, float) and not math.isfinite(node):
        problems.add(file, where or "-", f"{node} is not a finite number")
    elif isinstance(node, dict):
        for key, value in node.items():
            check_finite(value, file, f"{where}.{key}" if where else str(key), problems)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_finite(value, file, f"{where}[{index}]", problems)


def load_rule_tables(
    root: Traversable,
    known: Mapping[str, object],
    threshold_names: Iterable[str],
    problems: _Problems,
) -> dict[str, RuleTable]:
    """Read and check every ``rules/*.toml`` file under *root*.

    Args:
        root: The knowledge-base directory.
        known: Evidence ids (for the references).
        threshold_names: Names a template may interpolate.
        problems: Collects one ``file: row: message`` line per problem.

    Returns:
        The tables by section.
    """
    import tomllib

    from ascc_salvage.knowledge._loader import _message

    folder = root.joinpath(RULES_DIR)
    if not folder.is_dir():
        problems.add(RULES_DIR, "-", "folder is missing")
        return {}
    names = frozenset(threshold_names)
    tables: dict[str, RuleTable] = {}
    files = sorted(
        (item for item in folder.iterdir() if item.name.endswith(".toml")),
        key=lambda item: _pathway_order(item.name),
    )
    for resource in files:
        file = f"{RULES_DIR}/{resource.name}"
        try:
            raw = tomllib.loads(resource.read_bytes().decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            problems.add(file, "-", f"not valid TOML: {exc}")
            continue
        check_finite(raw, file, "", problems)
        extra = sorted(set(raw) - _TABLE_KEYS)
        if extra:
            problems.add(file, "-", f"unknown keys {extra}")
        section, title = raw.get("section"), raw.get("title")
        if not isinstance(section, str) or not isinstance(title, str):
            problems.add(file, "-", "needs a section and a title (strings)")
            continue
        partial, routes = raw.get("partial", False), raw.get("routes", True)
        if not isinstance(partial, bool) or not isinstance(routes, bool):
            problems.add(file, "-", "partial and routes are true or false")
            continue
        pathway = raw.get("pathway", "")
        if not isinstance(pathway, str) or not section.startswith(pathway):
            problems.add(file, "-", f"pathway {pathway!r} is not the section {section} or above")
            pathway = ""
        try:
            common = converter.structure(raw.get("common", []), tuple[RuleOutcome, ...])
        except Exception as exc:  # cattrs raises several types; each becomes a problem
            problems.add(file, "common", _message(exc))
            common = ()
        _check_parts([], common, file, "common", known, names, problems)
        if any(outcome.remaining for outcome in common):
            problems.add(file, "common", "remaining = true is for a row's last outcome")
        rows: list[RuleRow] = []
        raw_rows = raw.get("row", [])
        for index, raw_row in enumerate(raw_rows if isinstance(raw_rows, list) else [raw_rows]):
            label = raw_row.get("id") if isinstance(raw_row, dict) else None
            label = label if isinstance(label, str) else f"#{index + 1}"
            try:
                row = converter.structure(raw_row, RuleRow)
            except Exception as exc:  # cattrs raises several types; each becomes a problem
                problems.add(file, label, _message(exc))
                continue
            if any(row.id == other.id for other in rows):
                problems.add(file, row.id, "duplicate row id")
            templates = [row.situation]
            before = (option for outcome in common for option in outcome.options)
            _check_parts(templates, row.then, file, row.id, known, names, problems, before)
            options = [option for outcome in (*common, *row.then) for option in outcome.options]
            for option in sorted({o for o in options if options.count(o) > 1}):
                problems.add(file, row.id, f"option {option} is set twice")
            rows.append(row)
        if not rows:
            problems.add(file, "-", "no valid rows")
            continue
        table = RuleTable(section, title, tuple(rows), common, file, partial, routes, pathway)
        _check_table(table, problems)
        if section in tables:
            problems.add(file, "-", f"section {section} is also in {tables[section].file}")
        tables[section] = table
    for section in sorted(ENGINE_TABLES - set(tables)):
        problems.add(RULES_DIR, section, "rule table missing (the engine runs it)")
    _check_hand_overs(tables, problems)
    return tables
