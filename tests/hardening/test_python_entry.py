"""Every way in is checked: a case built from Python objects is the case ``load_case`` builds.

The Python builder below walks a case document and calls the case classes the way an
integrator would: enum values as strings, measurements as pint quantities, dates as
``datetime.date``, lists as lists. For an accepted document it must give an equal ``Case``,
the same result and the same digest; for a document ``load_case`` rejects because of one
corrupted value, the constructors must raise ``CaseValidationError`` with the same paths.

Key-level corruptions (an unknown or missing key) have no Python equivalent: a missing or
unknown keyword argument is a ``TypeError``, as for any Python callable.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any, Final

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from tests.foundation._support import nodes, set_at

from ascc_salvage import CaseValidationError, dump_case, load_case, recommend, result_to_dict
from ascc_salvage import case as model
from ascc_salvage._modelcheck import field_specs, join
from ascc_salvage.examples import example
from ascc_salvage.io import case_digest
from ascc_salvage.testing.strategies import cases
from ascc_salvage.units import CASE_UNITS, Q_, case_unit_for


class _FailedError(Exception):
    """An object below could not be built; its problems are already recorded."""


def _build(cls: type, raw: dict[str, Any], path: str, problems: list[str]) -> Any:
    """Build *cls* from a document object the way Python code would, recording problems."""
    hints = typing.get_type_hints(cls)
    kwargs: dict[str, Any] = {}
    failed = False
    for spec in field_specs(cls):
        if spec.name not in raw:
            continue
        try:
            kwargs[spec.name] = _value(
                hints[spec.name], raw[spec.name], join(path, spec.name), problems
            )
        except _FailedError:
            failed = True
    if failed:
        raise _FailedError
    try:
        return cls(**kwargs)
    except CaseValidationError as error:
        problems.extend(join(path, problem.path) for problem in error.errors)
        raise _FailedError from None


def _value(tp: Any, raw: Any, path: str, problems: list[str]) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, type(int | None)):
        return None if raw is None else _value(args[0], raw, path, problems)
    if typing.get_origin(tp) is tuple and isinstance(raw, list):
        items, failed = [], False
        for i, item in enumerate(raw):
            try:
                items.append(_value(args[0], item, f"{path}[{i}]", problems))
            except _FailedError:
                failed = True
        if failed:
            raise _FailedError
        return items
    if isinstance(tp, type) and issubclass(tp, model.Measurement):
        return _quantity(raw)
    if attrs.has(tp) and isinstance(raw, dict):
        return _build(tp, raw, path, problems)
    if tp is dt.date and isinstance(raw, str):
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            return raw  # the constructor reports it
    return raw  # enums as their string values, numbers, booleans, anything corrupted


def _quantity(raw: Any) -> Any:
    """A measurement as a pint quantity when it is well formed, else the raw value."""
    if isinstance(raw, dict) and set(raw) == {"value", "unit"}:
        entry = CASE_UNITS.get(raw["unit"]) if isinstance(raw["unit"], str) else None
        value = raw["value"]
        if entry is not None and isinstance(value, int | float) and not isinstance(value, bool):
            return Q_(value, entry.pint_expression)
    return raw


def build_from_python(document: dict[str, Any]) -> tuple[model.Case | None, list[str]]:
    """The case built from Python objects, or the problem paths."""
    problems: list[str] = []
    try:
        return _build(model.Case, document, "$", problems), problems
    except _FailedError:
        return None, problems


def _preferred_spelling(document: dict[str, Any]) -> dict[str, Any]:
    """The document with each unit written as a pint quantity converts back (``in`` …)."""
    copied = copy.deepcopy(document)
    for path, value in list(nodes(copied)):
        if isinstance(value, dict) and set(value) == {"value", "unit"}:
            entry = CASE_UNITS[value["unit"]]
            set_at(
                copied,
                path,
                {**value, "unit": case_unit_for(Q_(1, entry.pint_expression).units, entry.kind)},
            )
    return copied


def _error(document: dict[str, Any]) -> CaseValidationError | None:
    try:
        load_case(document)
    except CaseValidationError as error:
        return error
    return None


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_python_objects_build_the_case_json_builds(case: model.Case) -> None:
    document = json.loads(json.dumps(dump_case(case)))
    built, problems = build_from_python(document)
    assert problems == []
    assert built is not None
    expected = load_case(_preferred_spelling(document))
    assert built == expected
    assert case_digest(built) == case_digest(expected)
    assert result_to_dict(recommend(built)) == result_to_dict(recommend(expected))


_CORRUPTIONS = st.sampled_from(
    [None, "x", "", 2.5, 2.0, -1, 0, 10**6, 1e300, True, [], {}, "2026-02-30", "1899-12-31",
     "2100-01-01", {"value": 1, "unit": "stone"}, {"value": "1", "unit": "kg"}, "female",
     "anal_canal", "T9", "1"]
)  # fmt: skip


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(cases(), st.data())
def test_one_corrupted_value_gives_the_same_paths_from_python(
    case: model.Case, data: st.DataObject
) -> None:
    document = json.loads(json.dumps(dump_case(case)))
    leaves = [path for path, value in nodes(document) if not isinstance(value, dict | list)]
    leaves += [
        path for path, value in nodes(document) if isinstance(value, dict) and "unit" in value
    ]
    path = data.draw(st.sampled_from(sorted(leaves)), label="path")
    set_at(document, path, data.draw(_CORRUPTIONS, label="value"))
    json_error = _error(document)
    # Structural problems of a JSON document have no Python counterpart: a missing or unknown
    # keyword is a TypeError, and the nesting limit is checked on documents only.
    structural = {"required key is missing", "unknown key"}
    assume(json_error is None or not any(p.message in structural for p in json_error.errors))
    assume(json_error is None or [p.path for p in json_error.errors] != ["$"])
    json_paths = None if json_error is None else sorted(p.path for p in json_error.errors)
    built, problems = build_from_python(document)
    if json_paths is None:
        assert problems == []
        # load_case fills in both forms of the PD-L1 CPS (pd_l1_cps and biomarkers.pd_l1), a
        # Python-built case may hold one: the canonical documents are compared.
        assert dump_case(built) == dump_case(load_case(_preferred_spelling(document)))
    else:
        assert built is None
        assert sorted(problems) == json_paths


def test_python_strings_for_enums_dose_carboplatin_for_a_woman() -> None:
    """The 0.1.0 bug: ``Patient(sex="female")`` was accepted and dosed as for a man."""
    loaded = example("first_line_metastatic").load()
    patient = loaded.patient
    built = attrs.evolve(
        loaded,
        patient=model.Patient(
            age_years=patient.age_years,
            sex="female",
            ecog=patient.ecog,
            karnofsky=patient.karnofsky,
            weight=Q_(patient.weight.value, "kg") if patient.weight else None,
            height=Q_(patient.height.canonical, "cm") if patient.height else None,
            serum_creatinine=patient.serum_creatinine,
            fit_for_major_surgery=patient.fit_for_major_surgery,
            accepts_permanent_colostomy=patient.accepts_permanent_colostomy,
            hiv=patient.hiv,
            pd_l1_cps=patient.pd_l1_cps,
            conditions=[str(c) for c in patient.conditions or ()],
        ),
    )
    assert str(loaded.patient.sex) == "female"
    assert built.patient.sex is loaded.patient.sex
    plans = {
        str(o.option): o.dose_plan.to_dict()
        for o in (recommend(built).options)
        if o.dose_plan is not None
    }
    expected = {
        str(o.option): o.dose_plan.to_dict()
        for o in recommend(loaded).options
        if o.dose_plan is not None
    }
    assert plans["carboplatin_paclitaxel"] == expected["carboplatin_paclitaxel"]


@pytest.mark.parametrize(
    ("changes", "paths"),
    [
        ({"sex": "femal"}, ["sex"]),
        ({"fit_for_major_surgery": "yes"}, ["fit_for_major_surgery"]),
        ({"age_years": "61"}, ["age_years"]),
        ({"weight": Q_(70, "Gy")}, ["weight"]),
        ({"weight": 70}, ["weight"]),
        ({"ecog": 9, "karnofsky": 75, "sex": "x"}, ["ecog", "karnofsky", "sex"]),
    ],
)
def test_wrong_python_values_raise_with_every_path(
    changes: dict[str, Any], paths: list[str]
) -> None:
    patient = load_case(json.dumps(dump_case(_example()))).patient
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(patient, **changes)
    assert sorted(p.path for p in info.value.errors) == sorted(paths)


def test_a_crt_ending_before_it_starts_is_refused_from_python() -> None:
    crt = _example().primary.chemoradiotherapy
    assert crt is not None
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(crt, end_date=crt.start_date - dt.timedelta(days=1))
    assert [p.path for p in info.value.errors] == ["end_date"]


def test_case_level_rules_run_on_evolve_with_document_paths() -> None:
    case = _example()
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(case, evaluation_date=dt.date(2025, 1, 1))
    paths = {p.path for p in info.value.errors}
    # the CRT may end after the evaluation date (in progress); it may not start after it
    assert "primary.chemoradiotherapy.start_date" in paths
    assert "primary.chemoradiotherapy.end_date" not in paths
    assert "assessments[0].date" in paths


def test_quantities_in_other_units_convert_to_the_canonical_unit() -> None:
    patient = _example().patient
    built = attrs.evolve(patient, height=Q_(1.65, "m"), weight=Q_(150, "lb"))
    assert built.height is not None
    assert built.height.unit == "cm"
    assert built.height.value == pytest.approx(165.0)
    assert built.weight == model.Mass(150, "lb")


def _example() -> model.Case:
    return example("persistent_resectable").load()


def test_rules_hold_when_only_the_model_is_imported() -> None:
    """The cross-field rules register with the model, not with the JSON loader."""
    import subprocess
    import sys

    code = (
        "import datetime as dt\n"
        "from ascc_salvage.case import Hiv\n"
        "try:\n"
        "    Hiv(status='negative', cd4_count=None, viral_load_undetectable=True)\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("viral_load_undetectable:"), out.stdout + out.stderr


def test_a_measurement_from_any_mapping() -> None:
    """A ``{"value", "unit"}`` mapping that is not a plain dict is read like one."""
    import types

    patient = _example().patient
    built = attrs.evolve(patient, weight=types.MappingProxyType({"value": 70, "unit": "kg"}))
    assert built.weight == model.Mass(70, "kg")
    assert built.weight.canonical == 70


@pytest.mark.parametrize("date", [dt.date(1899, 12, 31), dt.date(2100, 1, 1)])
def test_a_python_date_outside_1900_to_2099_is_refused(date: dt.date) -> None:
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(_example(), evaluation_date=date)
    assert [str(p) for p in info.value.errors] == [
        f"evaluation_date: {date.isoformat()} is outside 1900-01-01–2099-12-31"
    ]


def test_unknown_keys_that_look_like_indexes_keep_their_dot() -> None:
    """A key is joined with a dot even when its text starts with ``[``."""
    document = json.loads(json.dumps(dump_case(_example())))
    document["patient"]["["] = 1
    document["[0]"] = 2
    document["patient"]["weight"]["[x"] = 3
    document["assessments"][0]["[1]"] = 4
    with pytest.raises(CaseValidationError) as info:
        load_case(document)
    assert sorted(p.path for p in info.value.errors) == sorted(
        ["[0]", "patient.[", "patient.weight.[x", "assessments[0].[1]"]
    )


def test_either_form_of_the_pd_l1_cps_gives_the_loaded_result() -> None:
    """A CPS given only as ``pd_l1_cps`` or only as a test decides as after ``load_case``."""
    document = json.loads(example("after_platinum").text())
    document["patient"]["pd_l1_cps"] = 0.5  # below the threshold: demotes anti-PD-1 (§5.3)
    loaded = load_case(document)
    as_cps = attrs.evolve(
        loaded, patient=attrs.evolve(loaded.patient, biomarkers=model.Biomarkers())
    )
    as_test = attrs.evolve(
        loaded,
        patient=attrs.evolve(
            loaded.patient,
            pd_l1_cps=None,
            biomarkers=model.Biomarkers(pd_l1=(model.PdL1Test(cps=0.5),)),
        ),
    )
    expected = result_to_dict(recommend(loaded))
    unknown = attrs.evolve(as_cps, patient=attrs.evolve(as_cps.patient, pd_l1_cps=None))
    assert result_to_dict(recommend(unknown)) != expected  # the CPS decides here
    for built in (as_cps, as_test):
        assert built.patient.effective_pd_l1_cps == 0.5
        assert result_to_dict(recommend(built)) == expected


_WITH_LISTS: Final = {
    "assessments": "persistent_resectable",
    "prior_systemic_therapy": "after_platinum",
}
_ENGINE_CASES: Final = Path(__file__).parents[1] / "engine" / "cases"


@pytest.mark.parametrize("name", ["assessments", "prior_systemic_therapy", "prior_radiotherapy"])
def test_a_python_built_case_keeps_the_documents_list_limit(name: str) -> None:
    """A case object is valid however it was built: no list longer than a document may hold."""
    if name == "prior_radiotherapy":
        source = json.loads(
            (_ENGINE_CASES / "v3_4.4e_groin_irradiated_by_prior_course.json").read_text()
        )["case"]
        case = load_case(json.dumps(source))
    else:
        case = example(_WITH_LISTS[name]).load()
    entry = getattr(case, name)[0]
    attrs.evolve(case, **{name: (entry,) * 500})  # at the limit: accepted
    with pytest.raises(CaseValidationError) as raised:
        attrs.evolve(case, **{name: (entry,) * 501})
    assert [(p.path, p.message) for p in raised.value.errors] == [(name, "more than 500 entries")]
    document = dump_case(case)  # the JSON way in refuses the same list
    document[name] = document[name][:1] * 501
    with pytest.raises(CaseValidationError, match=rf"list at {name} has more than 500"):
        load_case(json.dumps(document))
