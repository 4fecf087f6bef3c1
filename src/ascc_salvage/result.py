"""The result of :func:`ascc_salvage.recommend` and its JSON document (schema version 1)."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import TYPE_CHECKING, Any, Protocol

import attrs

from ascc_salvage.vocabulary import (
    CriterionResult,
    DiseaseStatus,
    Flag,
    Intent,
    Jurisdiction,
    OptionId,
    Tier,
    WarningCode,
)

if TYPE_CHECKING:  # the plans import the calculators (pint): only for type checkers here
    from ascc_salvage.calculators.dose_plan import AnyDosePlan

__all__ = [
    "Criterion",
    "MissingInformation",
    "OptionResult",
    "Plan",
    "Result",
    "ResultWarning",
    "UnknownOptionError",
    "result_to_dict",
]


class Plan(Protocol):
    """A dose or radiotherapy plan that renders itself as the contract's JSON object.

    Every plan in a result is one of the plan classes of
    :data:`~ascc_salvage.calculators.AnyDosePlan`, which :attr:`OptionResult.dose_plan` is
    typed as; this protocol stays for code written against the plans' ``to_dict``.
    """

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready plan."""
        ...  # pragma: no cover - protocol


class UnknownOptionError(KeyError):
    """:meth:`Result.option` was given an id that is not one of the result's options.

    A :class:`KeyError` (so ``except KeyError`` keeps working) whose message names the id
    and suggests the closest option ids.

    Attributes:
        option_id: The id that was asked for.
        suggestions: Up to three close option ids (may be empty).
    """

    option_id: str
    suggestions: tuple[str, ...]

    def __init__(self, option_id: object, known: list[str] | tuple[str, ...] = ()) -> None:
        self.option_id = str(option_id)
        self.suggestions = tuple(difflib.get_close_matches(self.option_id, known, n=3))
        super().__init__(self.option_id)

    def __str__(self) -> str:
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"no option {self.option_id!r} in this result{hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_unknown_option, (self.option_id, self.suggestions))


def _unknown_option(option_id: str, suggestions: tuple[str, ...]) -> UnknownOptionError:
    error = UnknownOptionError(option_id)
    error.suggestions = suggestions
    return error


@attrs.frozen
class Criterion:
    """One criterion of an option, with its three-valued result.

    Attributes:
        id: Stable snake_case id (documented in the docs' criteria reference).
        result: ``met``, ``not_met`` or ``unknown``.
        explanation: Plain-language explanation naming the inputs used.
        missing: Case fields whose absence made the result ``unknown`` (not serialised:
            they appear in the result's ``missing_information``).
    """

    id: str
    result: CriterionResult
    explanation: str
    missing: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the criterion."""
        return {"id": self.id, "result": str(self.result), "explanation": self.explanation}


@attrs.frozen
class OptionResult:
    """One catalogue option evaluated for the case.

    Attributes:
        option: The option id.
        tier: ``preferred``, ``alternative``, ``undetermined`` or ``not_recommended``.
        intent: Intent of the option.
        criteria: The criteria evaluated for it.
        flags: Flags (clinical pathway §9), in vocabulary order.
        evidence: Evidence ids of the knowledge base.
        rationale: Plain-language reason for the tier, naming the rule applied.
        dose_plan: The dose or radiotherapy plan, or ``None``: a
            :class:`~ascc_salvage.calculators.DosePlan` (drug regimens), an
            :class:`~ascc_salvage.calculators.UndeterminedDosePlan` (inputs missing) or a
            :class:`~ascc_salvage.calculators.RadiotherapyPlan`; amounts are available as
            floats and as pint quantities (``plan.drug("paclitaxel").per_cycle``).
        rules: Ids of the pathway rules that set the tier (e.g. ``4.1d``).
    """

    option: OptionId
    tier: Tier
    intent: Intent
    criteria: tuple[Criterion, ...]
    flags: tuple[Flag, ...]
    evidence: tuple[str, ...]
    rationale: str
    dose_plan: AnyDosePlan | None = None
    rules: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the option."""
        return {
            "option": str(self.option),
            "tier": str(self.tier),
            "intent": str(self.intent),
            "criteria": [criterion.to_dict() for criterion in self.criteria],
            "flags": [str(flag) for flag in self.flags],
            "evidence": list(self.evidence),
            "rationale": self.rationale,
            "dose_plan": None if self.dose_plan is None else self.dose_plan.to_dict(),
        }


@attrs.frozen
class MissingInformation:
    """A missing case field and the options whose evaluation needs it."""

    field: str
    needed_for: tuple[OptionId, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object."""
        return {"field": self.field, "needed_for": [str(o) for o in self.needed_for]}


@attrs.frozen
class ResultWarning:
    """A result-level warning.

    Attributes:
        code: What kind of warning (``case-format.md``, warning codes).
        message: One plain-language sentence.
        fields: The case paths the warning is about (``[]`` when none).
    """

    code: WarningCode
    message: str
    fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object."""
        return {"code": str(self.code), "message": self.message, "fields": list(self.fields)}


@attrs.frozen
class Result:
    """What :func:`ascc_salvage.recommend` returns; attributes mirror the JSON keys."""

    schema_version: int
    library_version: str
    knowledge_base_version: str
    evaluation_date: dt.date
    jurisdiction: Jurisdiction | None
    input_digest: str
    disease_status: DiseaseStatus
    histologically_confirmed: bool
    after_salvage_surgery: bool
    weeks_from_crt_start: float | None
    next_assessment_date: dt.date | None
    options: tuple[OptionResult, ...]
    missing_information: tuple[MissingInformation, ...]
    warnings: tuple[ResultWarning, ...]

    def option(self, option_id: OptionId | str) -> OptionResult:
        """Return the evaluation of one option.

        Raises:
            UnknownOptionError: *option_id* is not one of the result's options (a
                :class:`KeyError`); the message suggests the closest option ids.

        >>> from ascc_salvage import recommend
        >>> from ascc_salvage.examples import example
        >>> result = recommend(example("persistent_resectable").load())
        >>> str(result.option("salvage_apr").tier)
        'preferred'
        >>> try:
        ...     result.option("salvage_ap")
        ... except KeyError as error:  # an UnknownOptionError
        ...     print(error)
        no option 'salvage_ap' in this result; did you mean salvage_apr?
        """
        for option in self.options:
            if option.option == option_id:
                return option
        raise UnknownOptionError(option_id, [str(option.option) for option in self.options])

    def by_tier(self, tier: Tier | str) -> tuple[OptionResult, ...]:
        """Return the options of one tier, in catalogue order."""
        return tuple(option for option in self.options if option.tier == tier)

    @property
    def preferred(self) -> tuple[OptionId, ...]:
        """Ids of the preferred options, which together form the recommended plan."""
        return tuple(o.option for o in self.options if o.tier is Tier.PREFERRED)


def result_to_dict(result: Result) -> dict[str, Any]:
    """Return the JSON document of *result* (``case-format.md``, Result).

    The same result always gives the same document; serialise it with
    ``json.dumps(document, ensure_ascii=False, indent=2)``.
    """
    document: dict[str, Any] = {
        "schema_version": result.schema_version,
        "library_version": result.library_version,
        "knowledge_base_version": result.knowledge_base_version,
        "evaluation_date": result.evaluation_date.isoformat(),
        "jurisdiction": None if result.jurisdiction is None else str(result.jurisdiction),
        "input_digest": result.input_digest,
        "disease_status": str(result.disease_status),
        "histologically_confirmed": result.histologically_confirmed,
        "after_salvage_surgery": result.after_salvage_surgery,
        "weeks_from_crt_start": result.weeks_from_crt_start,
        "next_assessment_date": (
            None if result.next_assessment_date is None else result.next_assessment_date.isoformat()
        ),
        "options": [option.to_dict() for option in result.options],
        "missing_information": [item.to_dict() for item in result.missing_information],
        "warnings": [warning.to_dict() for warning in result.warnings],
    }
    return document
