"""The result of :func:`ascc_salvage.recommend` and its JSON document (result schema 2)."""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import json
import math
import weakref
from typing import TYPE_CHECKING, Any, Final, Protocol

import attrs
import orjson

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
    "result_to_json",
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
        rules: Ids of the pathway rules that set the tier (e.g. ``4.1d``); the last is
            :attr:`rule`.
        label: The option's plain-language name (clinical pathway §8, ``label`` in JSON).
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
    label: str = ""

    @property
    def rule(self) -> str:
        """The id of the rule that set the final tier (clinical pathway §0.2; ``rule`` in JSON)."""
        return self.rules[-1] if self.rules else ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object of the option."""
        return {
            "option": str(self.option),
            "label": self.label,
            "tier": str(self.tier),
            "rule": self.rules[-1] if self.rules else "",
            "intent": str(self.intent),
            "criteria": [criterion.to_dict() for criterion in self.criteria],
            "flags": [str(flag) for flag in self.flags],
            "evidence": list(self.evidence),
            "rationale": self.rationale,
            "dose_plan": None if self.dose_plan is None else self.dose_plan.to_dict(),
        }


@attrs.frozen
class MissingInformation:
    """A missing case field and the options whose evaluation needs it.

    Attributes:
        field: The case path (``patient.ecog``).
        needed_for: The options it would decide, in catalogue order.
        prompt: One plain-language line: what to record and why (clinical pathway §0.1).
    """

    field: str
    needed_for: tuple[OptionId, ...]
    prompt: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON object."""
        return {
            "field": self.field,
            "needed_for": [str(o) for o in self.needed_for],
            "prompt": self.prompt,
        }


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
    """What :func:`ascc_salvage.recommend` returns; attributes mirror the JSON keys.

    ``input_schema_version`` is the schema version of the case document that was read (1 or
    2; a case built in Python counts as schema 2).
    """

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
    input_schema_version: int = attrs.field(kw_only=True)

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
    ``json.dumps(document, ensure_ascii=False, indent=2)``, or use :func:`result_to_json`,
    which writes the same text faster.
    """
    document: dict[str, Any] = {
        "schema_version": result.schema_version,
        "input_schema_version": result.input_schema_version,
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


# --- JSON text ---------------------------------------------------------------------------------
#
# ``result_to_json`` writes exactly what the standard library writes for ``result_to_dict``
# (``json.dumps(..., ensure_ascii=False)``, compact or indented by two spaces), through orjson
# when it is installed and the result holds nothing orjson writes differently. orjson and
# ``float.__repr__`` agree on every float except a non-zero one below 1e-4 in magnitude
# (``1e-05`` against ``0.00001``) and the non-finite ones (``NaN`` against ``null``); orjson
# refuses integers beyond 64 bits and strings with lone surrogates. The floats of a result
# are its ``weeks_from_crt_start`` and the numbers of its dose plans; they are checked first,
# and anything else falls back to the standard library (as does an orjson error).

_COMPACT: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_INDENTED: Final = json.JSONEncoder(ensure_ascii=False, indent=2, allow_nan=False)


def result_to_json(result: Result, *, indent: int | None = None) -> str:
    """Return the JSON text of *result*: the documented serialisation, written fast.

    The text is exactly ``json.dumps(result_to_dict(result), ensure_ascii=False,
    separators=(",", ":"))`` (one line; the ``batch`` command's format) or, with
    ``indent=2``, ``json.dumps(result_to_dict(result), ensure_ascii=False, indent=2)`` (the
    ``recommend --format json`` output, without its final newline). ``NaN`` and
    ``Infinity`` are not JSON: a result holding one raises :class:`ValueError`, as
    ``allow_nan=False`` does.

    The text is written by `orjson <https://github.com/ijl/orjson>`_ where orjson writes the
    same bytes, about ten times faster than the standard library; a result holding a number
    orjson writes differently (a float below 1e-4 in magnitude, a non-finite float, an
    integer beyond 64 bits) or a string orjson refuses (a lone surrogate) is written by the
    standard library. This covers every result whose attributes hold their annotated types
    (floats only where a float is annotated).

    Args:
        result: The result.
        indent: ``None`` for one compact line, or ``2``.

    Raises:
        ValueError: *indent* is neither ``None`` nor ``2``, or the result holds a
            non-finite number.

    >>> from ascc_salvage import load_case, recommend
    >>> from ascc_salvage.examples import example
    >>> result = recommend(load_case(example("persistent_resectable").text()))
    >>> text = result_to_json(result)
    >>> text == json.dumps(result_to_dict(result), ensure_ascii=False, separators=(",", ":"))
    True
    """
    if indent not in (None, 2):
        raise ValueError(f"indent must be None or 2, got {indent!r}")
    text = _json(result, indent)
    return text if isinstance(text, str) else text.decode("utf-8")


def _compact_json_bytes(result: Result) -> bytes:
    """The compact :func:`result_to_json` text of *result*, UTF-8 encoded.

    For writers of bytes (the ``batch`` workers): orjson's output is used as it is, not
    decoded to a string and encoded again.
    """
    text = _json(result, None)
    return text.encode("utf-8") if isinstance(text, str) else text


def _json(result: Result, indent: int | None) -> str | bytes:
    """The JSON of *result*: UTF-8 bytes from orjson, or text from the standard library."""
    numbers: list[Any] = []
    document = _orjson_document(result, numbers, fragments=not indent)
    if _plain(numbers):
        option = orjson.OPT_INDENT_2 if indent else 0
        try:
            return orjson.dumps(document, option=option)
        except TypeError:  # an integer beyond 64 bits, a lone surrogate, a foreign type
            pass
    encoder = _INDENTED if indent else _COMPACT
    return encoder.encode(result_to_dict(result))


def _plain(numbers: list[Any]) -> bool:
    """Whether orjson writes each of *numbers* as ``repr`` does: finite, zero or at least 1e-4.

    ``None`` counts as plain; anything else that is not a number does not. Integers are plain
    (orjson refuses those beyond 64 bits, which falls back). The checks run in C: the sum of
    the magnitudes is finite only if every number is, and the smallest non-zero magnitude
    must be at least 1e-4.
    """
    try:
        magnitudes = [abs(number) for number in numbers if number is not None]
        return math.isfinite(math.fsum(magnitudes)) and (
            min(filter(None, magnitudes), default=1.0) >= 1e-4
        )
    except (TypeError, OverflowError):  # not a number, or an integer too large for a float
        return False


def _document_numbers(node: object, numbers: list[Any]) -> None:
    """Append every number of a JSON-ready document to *numbers*."""
    if isinstance(node, dict):
        for value in node.values():
            _document_numbers(value, numbers)
    elif isinstance(node, list | tuple):
        for value in node:
            _document_numbers(value, numbers)
    elif isinstance(node, int | float) and not isinstance(node, bool):
        numbers.append(node)


def _quantity(value: Any, unit: str, numbers: list[Any]) -> dict[str, Any]:
    numbers.append(value)
    return {"value": value, "unit": unit}


def _orjson_plan(plan: Any, numbers: list[Any]) -> dict[str, Any]:
    """``plan.to_dict()`` for orjson, adding the floats it writes to *numbers*.

    The library's plans (by exact type) are written here, with what their ``to_dict``
    writes (tuples stand for lists); integer attributes are not collected, as an integer is
    always plain (see :func:`_plain`). Objects of other types are written by their
    ``to_dict``, every number of which is collected.
    """
    kind = type(plan)
    classes = _plan_classes()
    if kind is classes.undetermined:
        return {"undetermined": plan.missing}
    if kind is classes.dose:
        bsa, clearance = plan.bsa_m2, plan.creatinine_clearance_ml_min
        basis = {
            "bsa": None if bsa is None else _quantity(bsa, "m2", numbers),
            "bsa_formula": plan.bsa_formula,
            "creatinine_clearance": (
                None if clearance is None else _quantity(clearance, "mL/min", numbers)
            ),
            "weight_basis": plan.weight_basis,
            "creatinine_floor_applied": plan.creatinine_floor_applied,
            "gfr_capped": plan.gfr_capped,
        }
        if plan.adjusted:  # the schema 2 keys (DosePlan.to_dict)
            numbers += (plan.fluorouracil_fraction, plan.paclitaxel_fraction)
            basis["gfr_source"] = plan.gfr_source
            basis["fluorouracil_fraction"] = plan.fluorouracil_fraction
            basis["paclitaxel_fraction"] = plan.paclitaxel_fraction
            basis["hepatic_adjustment"] = plan.hepatic_adjustment
        return {
            "regimen": plan.regimen,
            "variant": plan.variant,
            "basis": basis,
            "cycle_length": {"value": plan.cycle_length_days, "unit": "d"},
            "cycles": plan.cycles,
            "drugs": [
                {
                    "drug": drug.drug,
                    "rule": drug.rule,
                    "rule_dose": _quantity(drug.rule_dose, drug.rule_unit, numbers),
                    "route": drug.route,
                    "days": drug.days,
                    "per_administration": _quantity(drug.per_administration_mg, "mg", numbers),
                    "per_cycle": _quantity(drug.per_cycle_mg, "mg", numbers),
                }
                if type(drug) is classes.drug
                else _numbers_of(drug.to_dict(), numbers)
                for drug in plan.drugs
            ],
            "alternatives": [_orjson_plan(other, numbers) for other in plan.alternatives],
        }
    if kind is classes.radiotherapy:
        return {
            "total_dose": _quantity(plan.total_dose_gy, "Gy", numbers),
            "fractions": plan.fractions,
            "dose_per_fraction": _quantity(plan.dose_per_fraction_gy, "Gy", numbers),
            "cumulative_eqd2": [
                {
                    "organ": organ.organ,
                    "alpha_beta": _quantity(organ.alpha_beta_gy, "Gy", numbers),
                    "value": _quantity(organ.cumulative_eqd2_gy, "Gy", numbers),
                    "limit": (
                        None if organ.limit_gy is None else _quantity(organ.limit_gy, "Gy", numbers)
                    ),
                }
                if type(organ) is classes.organ
                else _numbers_of(organ.to_dict(), numbers)
                for organ in plan.cumulative_eqd2
            ],
            "nominal": plan.nominal,
        }
    return _numbers_of(plan.to_dict(), numbers)


def _numbers_of(document: dict[str, Any], numbers: list[Any]) -> dict[str, Any]:
    """*document*, with every number in it added to *numbers*."""
    _document_numbers(document, numbers)
    return document


@attrs.frozen
class _PlanClasses:
    undetermined: Any
    dose: Any
    drug: Any
    radiotherapy: Any
    organ: Any


@functools.cache
def _plan_classes() -> _PlanClasses:
    """The library's plan classes (imported on first use: the calculators import this module)."""
    from ascc_salvage.calculators.dose_plan import (
        DosePlan,
        DrugPlan,
        RadiotherapyPlan,
        UndeterminedDosePlan,
    )
    from ascc_salvage.calculators.reirradiation import OrganDose

    return _PlanClasses(UndeterminedDosePlan, DosePlan, DrugPlan, RadiotherapyPlan, OrganDose)


def _orjson_option(option: OptionResult, numbers: list[Any]) -> dict[str, Any]:
    """``option.to_dict()`` for orjson, adding the floats it holds to *numbers*."""
    plan = option.dose_plan
    return {
        "option": option.option,
        "label": option.label,
        "tier": option.tier,
        "rule": option.rules[-1] if option.rules else "",
        "intent": option.intent,
        "criteria": [
            {"id": c.id, "result": c.result, "explanation": c.explanation}
            if type(c) is Criterion
            else _numbers_of(c.to_dict(), numbers)
            for c in option.criteria
        ],
        "flags": option.flags,
        "evidence": option.evidence,
        "rationale": option.rationale,
        "dose_plan": None if plan is None else _orjson_plan(plan, numbers),
    }


#: The compact JSON of option results already written, by object identity. An option result
#: is immutable and the engine shares equal ones between results (over a batch most options
#: recur), so each is written once. An entry holds a weak reference whose callback drops it
#: when its option result is freed, before the id can be reused; the value is ``None`` where
#: orjson would not write the standard library's bytes (the result then goes that way).
_FRAGMENTS: Final[dict[int, tuple[weakref.ref[OptionResult], orjson.Fragment | None]]] = {}


def _option_fragment(option: OptionResult) -> orjson.Fragment | None:
    """The compact JSON of *option* (an :class:`OptionResult`), written once per object."""
    key = id(option)
    entry = _FRAGMENTS.get(key)
    if entry is not None and entry[0]() is option:
        return entry[1]
    numbers: list[Any] = []
    document = _orjson_option(option, numbers)
    fragment: orjson.Fragment | None = None
    if _plain(numbers):
        try:
            fragment = orjson.Fragment(orjson.dumps(document))
        except TypeError:  # a lone surrogate, a foreign type
            fragment = None
    # The callback runs when the option result is freed, before its id can be reused.
    _FRAGMENTS[key] = (weakref.ref(option, lambda _: _FRAGMENTS.pop(key, None)), fragment)
    return fragment


def _orjson_document(
    result: Result, numbers: list[Any], *, fragments: bool = False
) -> dict[str, Any]:
    """:func:`result_to_dict` for orjson, adding the floats it holds to *numbers*.

    orjson writes a string enum member as its value and a tuple as an array, which is what
    ``str(member)`` and ``list(items)`` give the standard library; objects of the result
    classes' own types are written inline, any other object through its ``to_dict``. With
    *fragments* (the compact form only: a fragment is inserted as written, never indented),
    each :class:`OptionResult` is its compact JSON, written once per object
    (:func:`_option_fragment`); one orjson would not write as the standard library does puts
    ``inf`` in *numbers*, so the whole result goes to the standard library.
    """
    numbers.append(result.weeks_from_crt_start)
    options: list[Any] = []
    for option in result.options:
        if type(option) is not OptionResult:
            options.append(_numbers_of(option.to_dict(), numbers))
        elif fragments:
            fragment = _option_fragment(option)
            if fragment is None:  # written by the standard library: see _option_fragment
                numbers.append(math.inf)
            options.append(fragment)
        else:
            options.append(_orjson_option(option, numbers))
    return {
        "schema_version": result.schema_version,
        "input_schema_version": result.input_schema_version,
        "library_version": result.library_version,
        "knowledge_base_version": result.knowledge_base_version,
        "evaluation_date": result.evaluation_date.isoformat(),
        "jurisdiction": result.jurisdiction,
        "input_digest": result.input_digest,
        "disease_status": result.disease_status,
        "histologically_confirmed": result.histologically_confirmed,
        "after_salvage_surgery": result.after_salvage_surgery,
        "weeks_from_crt_start": result.weeks_from_crt_start,
        "next_assessment_date": (
            None if result.next_assessment_date is None else result.next_assessment_date.isoformat()
        ),
        "options": options,
        "missing_information": [
            {"field": m.field, "needed_for": m.needed_for, "prompt": m.prompt}
            if type(m) is MissingInformation
            else _numbers_of(m.to_dict(), numbers)
            for m in result.missing_information
        ],
        "warnings": [
            {"code": w.code, "message": w.message, "fields": w.fields}
            if type(w) is ResultWarning
            else _numbers_of(w.to_dict(), numbers)
            for w in result.warnings
        ],
    }
