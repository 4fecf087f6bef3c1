"""The working draft of a recommendation: one mutable entry per catalogue option.

Rules set tiers, flags and criteria on the draft; :mod:`ascc_salvage.engine` turns the
finished draft into an immutable :class:`~ascc_salvage.result.Result`. A draft never leaves
the engine, so the public objects stay frozen.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Final

import attrs

from ascc_salvage.knowledge import KnowledgeBase, warning_text
from ascc_salvage.result import Criterion
from ascc_salvage.vocabulary import (
    CriterionId,
    CriterionResult,
    DiseaseStatus,
    Flag,
    Intent,
    OptionId,
    Tier,
    WarningCode,
)

TIER_ORDER: Final = {tier: index for index, tier in enumerate(Tier)}
#: The catalogue in order (iterating an enum class is slow on the hot path).
ALL_OPTIONS: Final = tuple(OptionId)
CATALOGUE_INDEX: Final = {option: index for index, option in enumerate(ALL_OPTIONS)}
#: Criterion ids by value (a dict lookup is faster than calling the enum on the hot path).
_CRITERION_IDS: Final[dict[str, str]] = {str(member): str(member) for member in CriterionId}


def criterion(
    criterion_id: CriterionId | str,
    value: bool | None,
    explanation: str,
    missing: Iterable[str] = (),
) -> Criterion:
    """Build a criterion from a three-valued fact (``None`` = unknown, names *missing*).

    Raises:
        AssertionError: *criterion_id* is not a :class:`~ascc_salvage.vocabulary.CriterionId`.
    """
    name = _CRITERION_IDS.get(criterion_id)
    if name is None:
        raise AssertionError(
            f"unknown criterion id {criterion_id!r}: add it to ascc_salvage.vocabulary.CriterionId"
        )
    return _criterion(name, value, explanation, tuple(missing) if value is None else ())


# Criteria are immutable and most recur from case to case with the same explanation, so
# results share them (fewer objects to build and for the garbage collector to track).
@functools.lru_cache(maxsize=4096, typed=True)
def _criterion(
    name: str, value: bool | None, explanation: str, missing: tuple[str, ...]
) -> Criterion:
    if value is None:
        return Criterion(name, CriterionResult.UNKNOWN, explanation, missing)
    return Criterion(name, CriterionResult.MET if value else CriterionResult.NOT_MET, explanation)


@attrs.define
class OptionDraft:
    """Mutable evaluation of one option while rules run."""

    tier: Tier | None = None
    rule: str = ""
    reason: str = ""
    flags: set[Flag] = attrs.Factory(set)
    criteria: dict[str, Criterion] = attrs.Factory(dict)

    def copy(self) -> OptionDraft:
        """Return an independent copy."""
        return OptionDraft(self.tier, self.rule, self.reason, set(self.flags), dict(self.criteria))


@attrs.define
class Draft:
    """All options of one case while the rules run.

    Attributes:
        pathway: Id of the pathway rule that routed the case (for the default reason).
        options: One draft per catalogue option.
        warnings: Result-level warnings raised so far: (code, fields) → message.
    """

    pathway: str = ""
    options: dict[OptionId, OptionDraft] = attrs.Factory(
        lambda: {option: OptionDraft() for option in ALL_OPTIONS}
    )
    warnings: dict[tuple[WarningCode, tuple[str, ...]], str] = attrs.Factory(dict)
    #: The re-irradiation screen behind the ``reirradiation`` tier, when one ran.
    reirradiation_screen: object = None

    def set(
        self,
        option: OptionId,
        tier: Tier,
        rule: str,
        reason: str,
        flags: Iterable[Flag] = (),
        criteria: Iterable[Criterion] = (),
    ) -> None:
        """Give *option* a tier, the rule that set it and the reason."""
        entry = self.options[option]
        entry.tier, entry.rule, entry.reason = tier, rule, reason
        entry.flags.update(flags)
        for item in criteria:
            entry.criteria[item.id] = item

    def set_many(
        self,
        options: Iterable[OptionId],
        tier: Tier,
        rule: str,
        reason: str,
        flags: Iterable[Flag] = (),
    ) -> None:
        """Give several options the same tier and reason."""
        flag_list = tuple(flags)
        for option in options:
            self.set(option, tier, rule, reason, flag_list)

    def flag(self, option: OptionId, *flags: Flag) -> None:
        """Add flags to *option*."""
        self.options[option].flags.update(flags)

    def add_criteria(self, option: OptionId, *criteria: Criterion) -> None:
        """Attach criteria to *option*."""
        for item in criteria:
            self.options[option].criteria[item.id] = item

    def tier(self, option: OptionId) -> Tier | None:
        """Current tier of *option* (``None`` while unassigned)."""
        return self.options[option].tier

    def is_offered(self, option: OptionId) -> bool:
        """Whether *option* is currently preferred or alternative."""
        return self.options[option].tier in (Tier.PREFERRED, Tier.ALTERNATIVE)

    def warn(self, code: WarningCode, message: str, fields: Iterable[str] = ()) -> None:
        """Raise a result-level warning about the case paths *fields*.

        A code is raised once per distinct set of fields (``implausible_value`` once per field).
        """
        self.warnings.setdefault((code, tuple(fields)), message)

    def warn_from(
        self,
        knowledge: KnowledgeBase,
        code: WarningCode,
        fields: Iterable[str] = (),
        **values: object,
    ) -> None:
        """Raise warning *code* with the message of *knowledge* (``warnings.toml``).

        Args:
            knowledge: The case's knowledge base.
            code: The warning code.
            fields: The case paths the warning is about.
            values: The case values its template names.
        """
        self.warn(code, warning_text(code, knowledge, **values), fields)

    def effective_tier(self, option: OptionId) -> Tier:
        """The tier *option* will have (unassigned options end not recommended)."""
        return self.options[option].tier or Tier.NOT_RECOMMENDED


#: Statuses with active disease, where best supportive care is at least an alternative.
ACTIVE_STATUSES: Final = frozenset(
    {
        DiseaseStatus.PERSISTENT,
        DiseaseStatus.PROGRESSIVE,
        DiseaseStatus.RECURRENT,
        DiseaseStatus.UNTREATED_PRIMARY,
    }
)
_CURATIVE_INTENTS: Final = frozenset({Intent.CURATIVE, Intent.CURATIVE_OR_PALLIATIVE})


@functools.cache
def curative_options(kb: KnowledgeBase) -> frozenset[OptionId]:
    """The options of *kb*'s catalogue with curative intent (curative or either)."""
    return frozenset(
        option for option, entry in kb.catalogue.items() if entry.intent in _CURATIVE_INTENTS
    )


#: The rule id and reason of best supportive care made an alternative by default.
SUPPORTIVE_CARE_DEFAULT: Final = (
    "0.default",
    "best supportive care is always an option without curative intent",
)


def supportive_care_by_default(d: Draft, status: DiseaseStatus, kb: KnowledgeBase) -> bool:
    """Whether best supportive care becomes an alternative by default (rule ``0.default``).

    With active disease and no curative option preferred, best supportive care is always an
    option: an alternative unless a rule made it preferred or alternative already.
    """
    options = d.options
    return (
        status in ACTIVE_STATUSES
        and options[OptionId.BEST_SUPPORTIVE_CARE].tier in (None, Tier.NOT_RECOMMENDED)
        and not any(options[option].tier is Tier.PREFERRED for option in curative_options(kb))
    )


#: The rule id of an option made undetermined by branching (clinical pathway §0.1, §0.2).
BRANCHED: Final = "0.1"
#: Rows of the pathway written for an unknown value that the engine evaluates by branching:
#: the rules the branches report → the row's id (§0.1 rule 1). §4.4c is §4.4 a and b
#: merged over groin irradiation; §4.1f decides groin radiotherapy under either value.
_WRITTEN_FOR_UNKNOWN: Final[dict[frozenset[str], str]] = {
    frozenset({"4.4a", "4.4b"}): "4.4c",
    frozenset({"4.1f"}): "4.1f",
}


def merge(
    variants: Sequence[tuple[str, Draft]],
    *,
    criterion_id: CriterionId | str,
    missing: Sequence[str],
    what: str,
    supportive_care: Callable[[Draft], bool] | None = None,
) -> Draft:
    """Merge the drafts computed for each value of an unknown routing input.

    Options whose tier is the same under every value keep the first variant's evaluation,
    with the flags of every variant (clinical pathway §0.1 rule 2: the union) and, where the
    variants give different reasons, each value's reason ("whatever …: if …, …"; §0.3: the
    first value's reason alone would assert a value that is unknown); the others
    become ``undetermined`` (rule ``0.1``), with an ``unknown`` criterion naming the missing
    field and the tier each value would give, and the ``unknown`` criteria of the variants in
    which they were undetermined (every decisive field is reported at once). So a missing
    input never promotes an option that a known value would reject.
    ``best_supportive_care`` is never undetermined: when its tier differs it is an
    ``alternative`` (flag ``individualised``, rule ``0.1``; clinical pathway §0.1 rule 3).
    With *supportive_care* (:func:`supportive_care_by_default` for the case), a branch where
    best supportive care would become an alternative by default gets that default before the
    comparison, so that the floor and the reasons compare the tiers the result would give.
    Where the branches together are a row the pathway writes for the unknown value (§4.4c),
    the options report that row's id.
    """
    first = variants[0][1]
    pathways = frozenset(draft.pathway for _, draft in variants)
    merged = Draft(
        pathway=_WRITTEN_FOR_UNKNOWN.get(pathways, first.pathway),
        reirradiation_screen=first.reirradiation_screen,
    )
    for _, draft in variants:
        for (code, fields), message in draft.warnings.items():
            merged.warn(code, message, fields)
    if supportive_care is not None:
        rule, reason = SUPPORTIVE_CARE_DEFAULT
        for _, draft in variants:
            if supportive_care(draft):
                entry = draft.options[OptionId.BEST_SUPPORTIVE_CARE]
                entry.tier, entry.rule, entry.reason = Tier.ALTERNATIVE, rule, reason
    for option in ALL_OPTIONS:
        tiers = [draft.effective_tier(option) for _, draft in variants]
        written = _WRITTEN_FOR_UNKNOWN.get(
            frozenset(draft.options[option].rule for _, draft in variants)
        )
        if all(tier is tiers[0] for tier in tiers):
            entry = merged.options[option] = first.options[option].copy()
            entry.rule = written or entry.rule
            for _, draft in variants[1:]:  # §0.1 rule 2: the flags are the union
                entry.flags |= draft.options[option].flags
            labels_by_reason: dict[str, list[str]] = {}
            for label, draft in variants:
                labels_by_reason.setdefault(draft.options[option].reason, []).append(label)
            if len(labels_by_reason) > 1:
                # §0.3: the first value's reason alone would assert a value that is unknown.
                # "whatever ECOG", but "whether the groins were irradiated or not"
                lead = f"{what} or not" if what.startswith("whether ") else f"whatever {what}"
                entry.reason = f"{lead}: " + "; ".join(
                    f"if {' or '.join(labels)}, {reason}"
                    for reason, labels in labels_by_reason.items()
                )
            continue
        outcomes = "; ".join(
            f"{tier} if {label}" for (label, _), tier in zip(variants, tiers, strict=True)
        )
        explanation = f"{what} is not recorded and decides this option: {outcomes}"
        unknown = criterion(criterion_id, None, explanation, missing)
        if option is OptionId.BEST_SUPPORTIVE_CARE:
            merged.set(
                option,
                Tier.ALTERNATIVE,
                BRANCHED,
                f"at least an alternative while {what} is not recorded ({outcomes})",
                [Flag.INDIVIDUALISED],
                [unknown],
            )
            continue
        merged.set(
            option,
            Tier.UNDETERMINED,
            written or BRANCHED,
            f"undetermined until {what} is known ({outcomes})",
            criteria=[unknown, *_open_criteria(option, variants, unknown.id)],
        )
    return merged


def _open_criteria(
    option: OptionId, variants: Sequence[tuple[str, Draft]], branched: str
) -> list[Criterion]:
    """The unknown criteria that leave *option* undetermined in some variant, first ones first.

    They stay on the merged option, so that every field that decides it is reported at once
    (clinical pathway §0.1), not only the input branched on.
    """
    found: dict[str, Criterion] = {}
    for _, draft in variants:
        entry = draft.options[option]
        if entry.tier is not Tier.UNDETERMINED:
            continue
        for item in entry.criteria.values():
            if item.result is CriterionResult.UNKNOWN and item.missing and item.id != branched:
                found.setdefault(item.id, item)
    return list(found.values())
