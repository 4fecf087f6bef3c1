"""The rule-table interpreter: runs a pathway section written as data (``rules/*.toml``).

Semantics (``docs/rules.md``):

1. The conditions a row names are evaluated on the facts, lazily and once per case, to
   ``True``, ``False`` or ``None`` (unknown).
2. A row *matches* when every condition has the value the row asks for (``"unknown"`` matches
   ``None`` only). The rows are mutually exclusive (the loader checks it), so at most one
   matches; it applies. Rows written for an unknown value thus come first (clinical pathway
   §0.1 rule 1).
3. Otherwise, if a row could match once an unknown condition is known, the table is evaluated
   for each value of the first such condition (in row order) and the drafts are merged with
   :func:`~ascc_salvage.engine._draft.merge`: an option with the same tier under both values
   keeps it; the others become ``undetermined`` with a criterion ``<condition>_known`` naming
   the fields (§0.1 rule 2). A missing value never promotes an option.
4. Otherwise the default row (empty ``when``) applies; a *partial* table without a matching
   row changes nothing (:func:`run_table` returns ``False``).

Applying a row: the table's common outcomes, then the row's routine (a named Python rule,
:func:`routine`), then the row's outcomes, each setting its options' tier, reason, flags and
criteria with the row's rule id (an outcome with ``remaining`` sets every option still without
a tier), then the row's ``after`` routine and its warnings. A row may hand over to another
table (``table``) after its routine and before its outcomes. The row's rule id becomes the
case's pathway rule (named in the reason of the options no rule names, which report rule
``0.default``) unless the table does not route (``routes = false``). An outcome marked
``offer`` is handed to the caller's offer hook instead (the shared criteria of §5.1 decide
whether its tier stands); an outcome with a ``screen``
offers re-irradiation only if the §6 screen allows it; an outcome with ``unless_preferred``
applies only if the option it names did not end preferred. A condition that does not apply to the
case (``applies`` false) is not reported as a criterion.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Final, Protocol

from ascc_salvage._conditions import CONDITIONS, ROUTINES, ConditionValue
from ascc_salvage.engine._draft import Draft, criterion, merge, supportive_care_by_default
from ascc_salvage.engine._facts import Facts
from ascc_salvage.knowledge import KnowledgeBase, bundled, placeholder_text
from ascc_salvage.knowledge._rules import RuleOutcome, RuleRow, RuleTable, fill_template
from ascc_salvage.vocabulary import Flag, OptionId, RadiotherapyRegion, Tier

__all__ = [
    "Offer",
    "reason_text",
    "routine",
    "run_table",
    "supportive_care_rule",
    "template_text",
]

Routine = Callable[[Draft, Facts], None]


class Offer(Protocol):
    """Offers an option subject to shared criteria (the hook for outcomes marked ``offer``)."""

    def __call__(
        self, option: OptionId, tier: Tier, rule: str, reason: str, flags: tuple[Flag, ...]
    ) -> None:
        """Offer *option* at *tier* unless the shared criteria reject it or leave it open."""


#: Implementations of the routines declared in :data:`ascc_salvage._conditions.ROUTINES`.
IMPLEMENTATIONS: Final[dict[str, Routine]] = {}


def routine(name: str) -> Callable[[Routine], Routine]:
    """Register the implementation of the routine *name* (declared in ``_conditions``)."""

    def register(function: Routine) -> Routine:
        assert name in ROUTINES, f"routine {name!r} is not declared"
        IMPLEMENTATIONS[name] = function
        return function

    return register


@functools.cache
def template_text(template: str, knowledge: KnowledgeBase | None = None) -> str:
    """Fill a template's placeholders from a knowledge base (default: the bundled one).

    See :func:`ascc_salvage.knowledge.placeholder_text`: thresholds, schedule values and
    evidence outcomes.
    """
    kb = knowledge or bundled()
    return fill_template(template, lambda name: placeholder_text(name, kb))


@functools.cache
def reason_text(outcome: RuleOutcome, knowledge: KnowledgeBase | None = None) -> str:
    """The reason an outcome gives: the filled template and its evidence ids in brackets."""
    text = template_text(outcome.reason, knowledge)
    return f"{text} [{', '.join(outcome.evidence)}]" if outcome.evidence else text


def supportive_care_rule(f: Facts) -> Callable[[Draft], bool]:
    """Whether a branch's draft ends with best supportive care an alternative by default.

    For :func:`~ascc_salvage.engine._draft.merge` (the result's rule ``0.default``).
    """
    status, kb = f.status.status, f.kb
    return lambda d: supportive_care_by_default(d, status, kb)


def run_table(d: Draft, f: Facts, section: str, *, offer: Offer | None = None) -> bool:
    """Apply the rule table of pathway *section*, from the case's knowledge base, to the draft.

    Args:
        d: The draft to write.
        f: The case's facts.
        section: The pathway section (``"7"``).
        offer: The hook for outcomes marked ``offer`` (required when the table has any).

    Returns:
        Whether a row applied (always, except for a partial table without a matching row).
    """
    return _run(d, f, f.kb.rules[section], {}, {}, offer)


def _value(f: Facts, name: str, values: dict[str, ConditionValue]) -> ConditionValue:
    value = values.get(name)
    if value is None:
        value = values[name] = CONDITIONS[name].evaluate(f)
    return value


#: A row compiled for matching: the row and its conditions as (name, wanted value or
#: ``"unknown"``, the condition's function).
_CompiledRow = tuple[RuleRow, tuple[tuple[str, object, Callable[[Facts], ConditionValue]], ...]]

#: Compiled rows by table identity (the table is kept, so its id is never reused).
_COMPILED: Final[dict[int, tuple[RuleTable, tuple[_CompiledRow, ...]]]] = {}


def _compiled(table: RuleTable) -> tuple[_CompiledRow, ...]:
    """The rows of *table* that name conditions, compiled once per table object."""
    entry = _COMPILED.get(id(table))
    if entry is None or entry[0] is not table:
        rows = tuple(
            (row, tuple((n, w, CONDITIONS[n].evaluate) for n, w in row.when.items()))
            for row in table.rows
            if row.when
        )
        entry = _COMPILED[id(table)] = (table, rows)
    return entry[1]


def _select(
    table: RuleTable,
    f: Facts,
    values: dict[str, ConditionValue],
    forced: Mapping[str, bool],
) -> RuleRow | str | None:
    """The row that applies, the unknown condition to branch on, or ``None`` (no row)."""
    branch_on = ""
    for row, conditions in _compiled(table):
        unknown = ""
        for name, wanted, evaluate in conditions:
            value = values.get(name)
            if value is None:
                value = values[name] = evaluate(f)
            got = forced[name] if forced and name in forced else value.value
            if got is None:
                if wanted is True or wanted is False:
                    unknown = unknown or name
            elif got is not wanted:  # also when the row is written for the unknown value
                break
        else:
            if not unknown:
                return row
            branch_on = branch_on or unknown
    if branch_on:
        return branch_on
    if table.partial:
        return None
    default = table.rows[-1]
    assert not default.when, "the loader checks that the rows cover every case"
    return default


def _run(
    d: Draft,
    f: Facts,
    table: RuleTable,
    values: dict[str, ConditionValue],
    forced: Mapping[str, bool],
    offer: Offer | None,
) -> bool:
    chosen = _select(table, f, values, forced)
    if chosen is None:
        return False
    if isinstance(chosen, RuleRow):
        _apply(d, f, table, chosen, values, forced, offer)
        return True
    variants: list[tuple[str, Draft]] = []
    for label, value in (("met", True), ("not met", False)):
        variant = Draft(
            pathway=d.pathway,
            options={option: entry.copy() for option, entry in d.options.items()},
            warnings=dict(d.warnings),
            reirradiation_screen=d.reirradiation_screen,
        )
        _run(variant, f, table, values, {**forced, chosen: value}, offer)
        variants.append((f"{chosen} {label}", variant))
    unknown = _value(f, chosen, values)
    merged = merge(
        variants,
        criterion_id=f"{chosen}_known",
        missing=unknown.missing or CONDITIONS[chosen].fields,
        what=f"whether {chosen}",
        supportive_care=supportive_care_rule(f),
    )
    d.pathway, d.options, d.warnings = merged.pathway, merged.options, merged.warnings
    d.reirradiation_screen = merged.reirradiation_screen
    return True


#: One option set by an outcome: option (``None``: every option still without a tier), tier,
#: reason, flags, the conditions reported as criteria (condition, criterion id), whether it is
#: offered through the hook, the §6 screen region ("" for none), and the option whose
#: preferred tier makes the step a no-op (``unless_preferred``; ``None`` for none).
_Step = tuple[
    OptionId | None,
    Tier,
    str,
    tuple[Flag, ...],
    tuple[tuple[str, str], ...],
    bool,
    str,
    OptionId | None,
]

_REGIONS: Final = {"pelvis": RadiotherapyRegion.PELVIS, "groin": RadiotherapyRegion.GROIN}


@functools.cache
def _steps(outcomes: tuple[RuleOutcome, ...], knowledge: KnowledgeBase) -> tuple[_Step, ...]:
    """The outcomes flattened once per table and knowledge base (the reasons filled in)."""
    return tuple(
        (
            option,
            outcome.tier,
            reason_text(outcome, knowledge),
            outcome.flags,
            tuple((name, CONDITIONS[name].criterion_id) for name in outcome.criteria),
            outcome.offer,
            outcome.screen,
            outcome.unless_preferred,
        )
        for outcome in outcomes
        for option in (outcome.options or (None,))
    )


def _apply(
    d: Draft,
    f: Facts,
    table: RuleTable,
    row: RuleRow,
    values: dict[str, ConditionValue],
    forced: Mapping[str, bool],
    offer: Offer | None,
) -> None:
    rule = row.rule_id
    if table.routes:
        d.pathway = rule
    if table.common:
        _set(d, f, _steps(table.common, f.kb), rule, values, offer)
    if row.route:
        IMPLEMENTATIONS[row.route](d, f)
    if row.table:
        _run(d, f, f.kb.rules[row.table], values, forced, offer)
    _set(d, f, _steps(row.then, f.kb), rule, values, offer)
    if row.after:
        IMPLEMENTATIONS[row.after](d, f)
    for warning in row.warning:
        d.warn_from(f.kb, warning.code, warning.fields)


def _set(
    d: Draft,
    f: Facts,
    steps: tuple[_Step, ...],
    rule: str,
    values: dict[str, ConditionValue],
    offer: Offer | None,
) -> None:
    options = d.options
    for option, tier, reason, flags, names, offered, screen, unless in steps:
        if unless is not None and options[unless].tier is Tier.PREFERRED:
            continue
        if option is None:  # remaining: every option still without a tier
            unset = [o for o, entry in options.items() if entry.tier is None]
            remaining = tuple(
                (o, tier, reason, flags, names, offered, screen, unless) for o in unset
            )
            _set(d, f, remaining, rule, values, offer)
            continue
        if screen:
            # Imported here: the radiotherapy rules run rule tables themselves.
            from ascc_salvage.engine._radiotherapy import offer_reirradiation

            region = _REGIONS.get(screen) or (
                RadiotherapyRegion.PELVIS
                if f.local or f.regional_pelvic_sites
                else RadiotherapyRegion.GROIN
            )
            offer_reirradiation(d, f, region, rule, reason, flags)
            continue
        entry = options[option]
        if offered:
            assert offer is not None, f"{rule}: offered outcomes need the caller's offer hook"
            offer(option, tier, rule, reason, flags)
        else:
            entry.tier, entry.rule, entry.reason = tier, rule, reason
            if flags:
                entry.flags.update(flags)
        for name, criterion_id in names:
            value = _value(f, name, values)
            if value.applies:
                entry.criteria[criterion_id] = criterion(
                    criterion_id, value.value, value.explanation, value.missing
                )
