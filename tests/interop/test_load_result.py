"""``load_result``: the exact inverse of ``result_to_dict``, strict about everything else."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ascc_salvage
from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage.calculators import DosePlan, RadiotherapyPlan, UndeterminedDosePlan
from ascc_salvage.case import Case
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.examples import examples
from ascc_salvage.io import converter, load_result
from ascc_salvage.result import Result
from ascc_salvage.testing.strategies import cases

ENGINE_CASES = sorted((Path(__file__).parents[1] / "engine" / "cases").glob("*.json"))


def _written(plan: Any) -> Any:
    """*plan* with the attributes its document does not hold set as ``load_result`` sets them.

    ``previous_eqd2_gy`` is set to 0 here and compared separately (recomputed, so equal only
    up to float rounding).
    """
    if isinstance(plan, DosePlan):
        return attrs.evolve(
            plan,
            agent=None,
            supportive_care=(),
            flags=(),  # the option carries them
            drugs=tuple(attrs.evolve(d, every_n_cycles=1, max_cycles=None) for d in plan.drugs),
            alternatives=tuple(_written(p) for p in plan.alternatives),
        )
    if isinstance(plan, UndeterminedDosePlan):
        return attrs.evolve(plan, variant=None, agent=None)
    if isinstance(plan, RadiotherapyPlan):
        organs = tuple(attrs.evolve(o, previous_eqd2_gy=0.0) for o in plan.cumulative_eqd2)
        return attrs.evolve(plan, cumulative_eqd2=organs)
    return plan


def written(result: Result) -> Result:
    """*result* as far as its document holds it (criteria ``missing``, option ``rules`` …)."""
    options = tuple(
        attrs.evolve(
            option,
            criteria=tuple(attrs.evolve(c, missing=()) for c in option.criteria),
            rules=(),
            dose_plan=_written(option.dose_plan),
        )
        for option in result.options
    )
    return attrs.evolve(result, options=options)


def check_round_trip(case: Case) -> None:
    result = recommend(case)
    document = result_to_dict(result)
    loaded = load_result(document)
    assert result_to_dict(loaded) == document
    assert written(loaded) == written(result)
    for mine, theirs in zip(loaded.options, result.options, strict=True):
        if isinstance(theirs.dose_plan, RadiotherapyPlan):
            assert isinstance(mine.dose_plan, RadiotherapyPlan)
            for a, b in zip(
                mine.dose_plan.cumulative_eqd2, theirs.dose_plan.cumulative_eqd2, strict=True
            ):
                assert math.isclose(a.previous_eqd2_gy, b.previous_eqd2_gy, abs_tol=1e-9)
    text = json.dumps(document, ensure_ascii=False, indent=2)
    again = load_result(text)
    assert json.dumps(result_to_dict(again), ensure_ascii=False, indent=2) == text
    assert load_result(text.encode("utf-8")) == again


@given(cases())
def test_round_trip_of_generated_cases(case: Case) -> None:
    check_round_trip(case)


@given(cases(full_inputs=True))
def test_round_trip_of_generated_cases_with_full_inputs(case: Case) -> None:
    check_round_trip(case)


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_round_trip_of_bundled_examples(example: Any) -> None:
    check_round_trip(example.load())


@pytest.mark.parametrize("path", ENGINE_CASES, ids=lambda p: p.stem)
def test_round_trip_of_engine_cases(path: Path) -> None:
    check_round_trip(load_case(json.loads(path.read_text("utf-8"))["case"]))


def _document(name: str = "after_immunotherapy") -> dict[str, Any]:
    from ascc_salvage.examples import example

    document: dict[str, Any] = result_to_dict(recommend(example(name).load()))
    return copy.deepcopy(document)


def _index(document: dict[str, Any], option: str) -> int:
    return next(i for i, o in enumerate(document["options"]) if o["option"] == option)


def test_plans_come_back_as_plan_classes() -> None:
    document = _document()
    result = load_result(document)
    plans = {type(o.dose_plan) for o in result.options}
    assert plans == {DosePlan, RadiotherapyPlan, type(None)}
    assert result.option("iort").dose_plan.option == "iort"  # type: ignore[union-attr]
    plan = result.option("carboplatin_paclitaxel").dose_plan
    assert isinstance(plan, DosePlan)
    assert plan.drug("paclitaxel").per_cycle_mg == pytest.approx(plan.drugs[1].per_cycle_mg)


def test_undetermined_plans_name_their_regimen() -> None:
    document = _document()
    i = _index(document, "anti_pd1_monotherapy")
    plan = document["options"][i]["dose_plan"]
    plan["alternatives"] = [{"undetermined": ["patient.weight"]}, *plan["alternatives"]]
    j = _index(document, "carboplatin_paclitaxel")
    document["options"][j]["dose_plan"] = {"undetermined": ["patient.height"]}
    result = load_result(document)
    assert result_to_dict(result) == document
    alternative = result.option("anti_pd1_monotherapy").dose_plan.alternatives[0]  # type: ignore[union-attr]
    assert alternative == UndeterminedDosePlan("anti_pd1_monotherapy", ("patient.weight",))
    assert result.option("carboplatin_paclitaxel").dose_plan == UndeterminedDosePlan(
        "carboplatin_paclitaxel", ("patient.height",)
    )


def test_top_level_and_converter() -> None:
    document = _document()
    assert ascc_salvage.load_result is load_result
    result = load_result(document)
    assert converter.unstructure(result) == document
    assert converter.unstructure(result.options[0]) == document["options"][0]
    assert load_result(bytearray(json.dumps(document).encode())) == result


def test_integers_are_read_as_floats() -> None:
    document = _document()
    document["weeks_from_crt_start"] = 30
    result = load_result(document)
    assert result.weeks_from_crt_start == 30.0
    assert isinstance(result.weeks_from_crt_start, float)


def problems(document: Any) -> list[str]:
    with pytest.raises(CaseValidationError) as caught:
        load_result(document)
    return [str(problem) for problem in caught.value.errors]


def test_every_problem_is_reported_by_path() -> None:
    document = _document()
    i = _index(document, "carboplatin_paclitaxel")
    r = _index(document, "reirradiation")
    option = document["options"][i]
    del document["input_digest"]
    document["extra"] = 1
    document["options"][0]["tier"] = "best"
    document["options"][0]["criteria"][0]["result"] = None
    option["dose_plan"]["drugs"][0]["per_cycle"]["value"] = "513"
    option["dose_plan"]["drugs"][1]["per_administration"]["unit"] = "g"
    option["dose_plan"]["basis"]["bsa"] = {"value": 1.8}
    option["dose_plan"]["cycle_length"]["value"] = 28.0
    option["dose_plan"]["alternatives"] = [{"total_dose": {"value": 1, "unit": "Gy"}}]
    document["options"][r]["dose_plan"]["nominal"] = "no"
    document["missing_information"] = {}
    document["warnings"] = [{"code": "nope", "message": 1, "fields": [None]}]
    document["evaluation_date"] = "2026-02-30"
    document["next_assessment_date"] = 20260101
    document["weeks_from_crt_start"] = math.inf
    document["histologically_confirmed"] = 1
    assert problems(document) == [
        "extra: unknown key",
        "input_digest: required key is missing",
        "evaluation_date: '2026-02-30' is not a valid date (YYYY-MM-DD)",
        "histologically_confirmed: expected a boolean, got a number",
        "weeks_from_crt_start: expected a finite number, got inf",
        "next_assessment_date: expected a date string YYYY-MM-DD, got a number",
        "options[0].tier: 'best' is not one of: preferred, alternative, undetermined, "
        "not_recommended",
        "options[0].criteria[0].result: null is not one of: met, not_met, unknown",
        f"options[{i}].dose_plan.basis.bsa.unit: required key is missing",
        f"options[{i}].dose_plan.cycle_length.value: expected an integer, got a number",
        f"options[{i}].dose_plan.drugs[0].per_cycle.value: expected a number, got a string",
        f"options[{i}].dose_plan.drugs[1].per_administration.unit: 'g' is not one of: mg",
        f"options[{i}].dose_plan.alternatives[0]: not a dose plan: expected the key "
        "'undetermined' or 'regimen'",
        f"options[{r}].dose_plan.nominal: expected a boolean, got a string",
        "missing_information: expected a list, got an object",
        "warnings[0].code: 'nope' is not one of: " + ", ".join(str(c) for c in _codes()),
        "warnings[0].message: expected a string, got a number",
        "warnings[0].fields[0]: expected a string, got null",
    ]


def _codes() -> list[str]:
    from ascc_salvage.vocabulary import WarningCode

    return [str(code) for code in WarningCode]


def test_plans_must_fit_their_option() -> None:
    document = _document()
    i = _index(document, "carboplatin_paclitaxel")
    r = _index(document, "reirradiation")
    plans = document["options"][i]["dose_plan"], document["options"][r]["dose_plan"]
    document["options"][i]["dose_plan"], document["options"][r]["dose_plan"] = plans[1], plans[0]
    assert problems(document) == [
        f"options[{i}].dose_plan: the plan of carboplatin_paclitaxel must be a drug plan",
        f"options[{r}].dose_plan: the plan of reirradiation must be a radiotherapy plan",
    ]


def test_plan_problems_when_the_option_is_invalid() -> None:
    document = _document()
    i = _index(document, "carboplatin_paclitaxel")
    option = document["options"][i]
    option["option"] = "chemo"
    option["dose_plan"]["drugs"][0]["rule"] = "per_day"
    option["dose_plan"]["drugs"][1]["rule_dose"]["unit"] = "mg/kg"
    option["dose_plan"]["drugs"][0]["rule_dose"] = 5
    assert problems(document)[1:] == [
        f"options[{i}].dose_plan.drugs[0].rule: 'per_day' is not one of: per_m2, per_kg, flat, auc",
        f"options[{i}].dose_plan.drugs[0].rule_dose: expected an object, got a number",
        f"options[{i}].dose_plan.drugs[1].rule_dose.unit: per_m2 doses are in 'mg/m2'",
    ]
    assert problems(document)[0].startswith(f"options[{i}].option: 'chemo' is not one of: ")
    option["dose_plan"] = result_to_dict(load_result(_document()))["options"][i]["dose_plan"]
    assert len(problems(document)) == 1
    option["dose_plan"] = ["not", "a", "plan"]
    assert problems(document)[1:] == [f"options[{i}].dose_plan: expected an object, got a list"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("[]", "$: a result must be a JSON object, got a list"),
        (
            "{",
            "$: invalid JSON: Expecting property name enclosed in double quotes (line 1, column 2)",
        ),
        (3, "$: cannot read a result from int"),
        (
            {"evaluation_date": "20261126"},
            "evaluation_date: '20261126' is not a valid date (YYYY-MM-DD)",
        ),
        (
            {"schema_version": True},
            "schema_version: expected an integer, got a boolean",
        ),
    ],
)
def test_unreadable_sources(source: Any, message: str) -> None:
    assert any(problem.startswith(message) for problem in problems(source))


@given(st.sampled_from(["options", "missing_information", "warnings"]), st.integers(0, 5))
def test_unknown_keys_in_list_items(key: str, index: int) -> None:
    document = _document()
    items = document[key]
    if not items:
        items.append({"field": "patient.weight", "needed_for": []})
        document[key] = items
    index %= len(items)
    items[index]["surplus"] = True
    assert f"{key}[{index}].surplus: unknown key" in problems(document)
