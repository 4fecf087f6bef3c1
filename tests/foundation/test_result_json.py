"""``result_to_json`` writes exactly the documented serialisation of ``result_to_dict``.

The documented text is the standard library's: ``json.dumps(result_to_dict(r),
ensure_ascii=False, separators=(",", ":"))`` (the ``batch`` lines) and ``json.dumps(...,
ensure_ascii=False, indent=2)`` (``recommend --format json``). ``result_to_json`` writes it
through orjson where orjson writes the same bytes and falls back to the standard library
otherwise; both paths are compared here, including every value orjson writes differently.
"""

from __future__ import annotations

import json
import math
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings

from ascc_salvage import Result, load_case, recommend, result_to_dict, result_to_json
from ascc_salvage import result as result_module
from ascc_salvage.calculators import DosePlan, RadiotherapyPlan, UndeterminedDosePlan
from ascc_salvage.calculators.reirradiation import OrganDose
from ascc_salvage.examples import examples
from ascc_salvage.result import Criterion, MissingInformation, OptionResult, ResultWarning
from ascc_salvage.testing.strategies import cases
from ascc_salvage.vocabulary import CriterionResult, OptionId, WarningCode


def _documented(result: Result, indent: int | None = None) -> str:
    document = result_to_dict(result)
    if indent is None:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(document, ensure_ascii=False, indent=indent)


def _assert_same(result: Result) -> None:
    assert result_to_json(result) == _documented(result)
    assert result_to_json(result, indent=2) == _documented(result, 2)


def _fast(result: Result) -> bool:
    """Whether result_to_json takes the orjson path for *result*."""
    numbers: list[Any] = []
    result_module._orjson_document(result, numbers)
    return result_module._plain(numbers)


def _result(name: str = "first_line_metastatic") -> Result:
    (entry,) = [e for e in examples() if e.name == name]
    return recommend(load_case(entry.text()))


def _with_plan(result: Result, plan: Any, option_id: OptionId | None = None) -> Result:
    """*result* with the plan of its first option holding a plan (or *option_id*) replaced."""
    options = list(result.options)
    index = next(
        i
        for i, option in enumerate(options)
        if (option.option == option_id if option_id else option.dose_plan is not None)
    )
    options[index] = attrs.evolve(options[index], dose_plan=plan)
    return attrs.evolve(result, options=tuple(options))


def _first(result: Result, kind: type) -> Any:
    return next(o.dose_plan for o in result.options if type(o.dose_plan) is kind)


def _screened() -> tuple[Result, OptionId, RadiotherapyPlan]:
    """A result with a re-irradiation plan that screens organs, its option and the plan."""
    result = _result("unresectable")
    option = next(
        o
        for o in result.options
        if isinstance(o.dose_plan, RadiotherapyPlan) and o.dose_plan.cumulative_eqd2
    )
    assert isinstance(option.dose_plan, RadiotherapyPlan)
    return result, option.option, option.dose_plan


@pytest.mark.parametrize("entry", examples(), ids=lambda e: e.name)
def test_every_bundled_example_is_written_as_documented(entry: Any) -> None:
    result = recommend(load_case(entry.text()))
    assert _fast(result)  # the fast path is the one tested
    _assert_same(result)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(full_inputs=True))
def test_generated_cases_are_written_as_documented(case: Any) -> None:
    _assert_same(recommend(case))


@pytest.mark.parametrize(
    "weeks",
    [1e-05, -2.5e-07, 9.999999999999999e-05, 5e-324, 1e16, 1.7976931348623157e308, 0.0, -0.0],
)
def test_floats_orjson_writes_differently_fall_back(weeks: float) -> None:
    result = attrs.evolve(_result(), weeks_from_crt_start=weeks)
    _assert_same(result)
    assert repr(weeks) in result_to_json(result)


def test_a_tiny_dose_in_a_drug_plan_falls_back() -> None:
    result = _result()
    plan = _first(result, DosePlan)
    drug = attrs.evolve(plan.drugs[0], per_cycle_mg=2.5e-07)
    changed = _with_plan(result, attrs.evolve(plan, drugs=(drug, *plan.drugs[1:])))
    assert not _fast(changed)
    _assert_same(changed)
    assert '"value":2.5e-07' in result_to_json(changed)


def test_a_tiny_dose_in_an_alternative_plan_falls_back() -> None:
    result = _result()
    plan = _first(result, DosePlan)
    alternative = attrs.evolve(plan, bsa_m2=1e-05)
    changed = _with_plan(result, attrs.evolve(plan, alternatives=(alternative,)))
    _assert_same(changed)
    assert '"value":1e-05' in result_to_json(changed)


def test_a_tiny_organ_dose_falls_back() -> None:
    result, option, plan = _screened()
    organ = attrs.evolve(plan.cumulative_eqd2[0], limit_gy=3e-06)
    changed = _with_plan(result, attrs.evolve(plan, cumulative_eqd2=(organ,)), option)
    _assert_same(changed)
    assert "3e-06" in result_to_json(changed)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(value: float) -> None:
    result = _result()
    plan = _first(result, DosePlan)
    changed = _with_plan(result, attrs.evolve(plan, creatinine_clearance_ml_min=value))
    for indent in (None, 2):
        with pytest.raises(ValueError, match="not JSON compliant"):
            result_to_json(changed, indent=indent)


def test_integers_beyond_64_bits_fall_back() -> None:
    result, option, plan = _screened()
    changed = _with_plan(result, attrs.evolve(plan, fractions=2**70), option)
    _assert_same(changed)
    assert str(2**70) in result_to_json(changed)


def test_a_huge_integer_where_a_float_is_written_falls_back() -> None:
    result = _result()
    plan = _first(result, DosePlan)
    changed = _with_plan(result, attrs.evolve(plan, bsa_m2=10**400))
    assert not _fast(changed)
    _assert_same(changed)


def test_text_is_written_unescaped_and_control_characters_escaped() -> None:
    result = _result()
    option = result.options[0]
    text = 'µ “quoted” \\ "q" \n\t\x00\x1f\x7f \u2028 é 😀'
    criterion = attrs.evolve(option.criteria[0], explanation=text)
    changed = attrs.evolve(
        result,
        options=(attrs.evolve(option, criteria=(criterion,), rationale=text), *result.options[1:]),
    )
    _assert_same(changed)
    assert "µ “quoted”" in result_to_json(changed)


def test_a_lone_surrogate_is_written_as_the_standard_library_writes_it() -> None:
    result = _result()
    option = attrs.evolve(result.options[0], rationale="lone \ud800 surrogate")
    changed = attrs.evolve(result, options=(option, *result.options[1:]))
    _assert_same(changed)


def test_a_string_where_a_number_is_annotated_falls_back() -> None:
    changed = attrs.evolve(_result(), weeks_from_crt_start="twelve")
    assert not _fast(changed)
    _assert_same(changed)


@attrs.frozen
class _Plan:
    """A plan of the caller's own (the Plan protocol): written through its to_dict."""

    numbers: tuple[Any, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"numbers": list(self.numbers), "nested": {"flag": True, "items": self.numbers}}


@pytest.mark.parametrize(
    ("numbers", "fast"),
    [((1, 2.5, True, None, "x"), True), ((1, 1e-07), False), ((math.nan,), False)],
)
def test_plans_of_other_types_are_checked_through_their_documents(
    numbers: tuple[Any, ...], fast: bool
) -> None:
    changed = _with_plan(_result(), _Plan(numbers))
    assert _fast(changed) is fast
    if any(isinstance(n, float) and not math.isfinite(n) for n in numbers):
        with pytest.raises(ValueError, match="not JSON compliant"):
            result_to_json(changed)
    else:
        _assert_same(changed)


@attrs.frozen
class _Drug:
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"drug": "other", "per_cycle": {"value": self.value, "unit": "mg"}}


@attrs.frozen
class _Organ:
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"organ": "other", "value": {"value": self.value, "unit": "Gy"}}


@pytest.mark.parametrize(("value", "fast"), [(12.5, True), (1e-06, False)])
def test_drugs_and_organs_of_other_types_are_checked_through_their_documents(
    value: float, fast: bool
) -> None:
    result = _result()
    plan = _first(result, DosePlan)
    with_drug = _with_plan(result, attrs.evolve(plan, drugs=(_Drug(value), *plan.drugs)))
    assert _fast(with_drug) is fast
    _assert_same(with_drug)
    rt_result, option, rt_plan = _screened()
    with_organ = _with_plan(
        rt_result, attrs.evolve(rt_plan, cumulative_eqd2=(_Organ(value),)), option
    )
    assert _fast(with_organ) is fast
    _assert_same(with_organ)


class _Criterion(Criterion):
    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "extra": 1}


class _Option(OptionResult):
    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "extra": 2}


class _Missing(MissingInformation):
    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "extra": 3}


class _Warning(ResultWarning):
    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "extra": 4}


def test_subclasses_of_the_result_classes_are_written_through_their_to_dict() -> None:
    result = _result()
    first, second, *rest = result.options
    criterion = _Criterion("own", CriterionResult.MET, "an own criterion")
    changed = attrs.evolve(
        result,
        options=(
            _Option(**attrs.asdict(first, recurse=False)),
            attrs.evolve(second, criteria=(criterion, *second.criteria)),
            *rest,
        ),
        missing_information=(_Missing("patient.weight", (OptionId.SALVAGE_APR,)),),
        warnings=(_Warning(next(iter(WarningCode)), "a warning", ("x",)),),
    )
    _assert_same(changed)
    assert '"extra":1' in result_to_json(changed)
    assert '"extra":4' in result_to_json(changed)


def test_organ_doses_of_the_library_are_read_by_attribute() -> None:
    result, _, plan = _screened()
    assert all(type(organ) is OrganDose for organ in plan.cumulative_eqd2)
    assert _fast(result)


@pytest.mark.parametrize("indent", [0, 4, True])
def test_only_compact_or_two_space_indent(indent: Any) -> None:
    with pytest.raises(ValueError, match="indent must be None or 2"):
        result_to_json(_result(), indent=indent)


def test_undetermined_plans_hold_no_numbers() -> None:
    result = _result()
    plan = UndeterminedDosePlan("carboplatin_paclitaxel", ("patient.weight",))
    changed = _with_plan(result, plan)
    assert _fast(changed)
    _assert_same(changed)
