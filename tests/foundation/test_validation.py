"""Rejected inputs name their paths; every problem is reported at once (case-format.md)."""

from __future__ import annotations

import copy
import json
import pathlib
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ascc_salvage import CaseValidationError, Problem, dump_case, load_case
from ascc_salvage.case import Case
from ascc_salvage.testing.strategies import cases
from ascc_salvage.units import CASE_UNITS

from ._support import (
    delete_at,
    example_document,
    names_path,
    nodes,
    paths_of,
    schema_2_document,
    set_at,
)

INTEGER_FIELDS = {"schema_version", "age_years", "ecog", "karnofsky", "fractions", "lesions",
                  "groin_fractions"}  # fmt: skip
DATE_FIELDS = {"evaluation_date", "date", "start_date", "end_date", "platinum_end_date"}
OPTIONAL_KEYS = {
    "frail",
    "declines_active_treatment",
    "groin_dose",
    "groin_fractions",
    "station",
    "all_lesions_locally_treatable",
    "platinum_end_date",
}
#: Keys a schema 2 document may also omit (every schema 2 key, and ``patient.pd_l1_cps``).
SCHEMA_2_OPTIONAL_KEYS = OPTIONAL_KEYS | {
    "pd_l1_cps",
    "dpyd_activity_score",
    "clinical_frailty_scale",
    "declines",
    "prefers_clinical_trial",
    "measured_gfr",
    "dialysis",
    "hepatic_function",
    "biomarkers",
    "pd_l1",
    "hpv",
    "p16",
    "mmr_msi",
    "tmb_mut_per_mb",
    "agents",
    "phases",
    "site_findings",
    "symptoms",
    "cycles",
    "best_response",
    "technique",
    "clinical_trial_available",
    "reirradiation_expertise",
}


def rejected(document: Any) -> CaseValidationError:
    with pytest.raises(CaseValidationError) as info:
        load_case(document)
    return info.value


def _key(path: str) -> str:
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


# --- all problems at once --------------------------------------------------------------------


def test_ten_different_errors_are_reported_in_one_exception() -> None:
    doc = example_document()
    doc["schema_version"] = 3
    doc["evaluation_date"] = "2026-13-01"
    doc["jurisdiction"] = "UK"
    doc["patient"]["age_years"] = 61.0
    doc["patient"]["karnofsky"] = 75
    doc["patient"]["serum_creatinine"]["unit"] = "kg"
    del doc["patient"]["hiv"]["status"]
    doc["primary"]["stage"]["t"] = "T5"
    doc["assessments"][1]["finding"] = "gone"
    doc["facility"]["helipad"] = True
    error = rejected(doc)
    assert sorted(paths_of(error)) == sorted(
        [
            "schema_version",
            "evaluation_date",
            "jurisdiction",
            "patient.age_years",
            "patient.karnofsky",
            "patient.serum_creatinine.unit",
            "patient.hiv.status",
            "primary.stage.t",
            "assessments[1].finding",
            "facility.helipad",
        ]
    )
    assert len(error.errors) == 10
    lines = str(error).splitlines()
    assert lines == [f"{p.path}: {p.message}" for p in error.errors]
    assert "patient.serum_creatinine.unit: 'kg' is not a creatinine unit" in lines
    assert "facility.helipad: unknown key" in lines
    assert "patient.hiv.status: required key is missing" in lines
    assert isinstance(error, ValueError)
    assert all(isinstance(p, Problem) for p in error.errors)


def test_the_creatinine_unit_message_is_verbatim() -> None:
    doc = example_document()
    doc["patient"]["serum_creatinine"]["unit"] = "kg"
    error = rejected(doc)
    assert str(error) == "patient.serum_creatinine.unit: 'kg' is not a creatinine unit"


def test_cross_field_problems_are_reported_together_with_type_problems() -> None:
    doc = example_document()
    doc["primary"]["chemoradiotherapy"]["end_date"] = "2024-12-31"  # before start
    doc["assessments"][0]["date"] = "2025-08-01"  # out of order
    doc["prior_salvage_surgery"] = [
        {"date": "2027-01-01", "procedure": "salvage_apr", "margin": None}
    ]
    doc["patient"]["ecog"] = "1"
    error = rejected(doc)
    paths = paths_of(error)
    for path in (
        "primary.chemoradiotherapy.end_date",
        "assessments[1].date",
        "prior_salvage_surgery[0].date",
        "patient.ecog",
    ):
        assert path in paths, (path, paths)


# --- strict types ------------------------------------------------------------------------------

INT_PATHS = [
    "schema_version",
    "patient.age_years",
    "patient.ecog",
    "primary.chemoradiotherapy.fractions",
    "disease.sites[0].lesions",
]


@pytest.mark.parametrize("path", [*INT_PATHS, "patient.karnofsky"])
@pytest.mark.parametrize("bad", [2.0, 2.5, "2", True, False, None, [2]])
def test_integer_fields_take_json_integers_only(path: str, bad: Any) -> None:
    doc = example_document()
    set_at(doc, path, bad)
    if bad is None and path.startswith("patient."):
        load_case(doc)  # age, ECOG and Karnofsky are nullable
        return
    assert path in paths_of(rejected(doc))


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ("patient.pd_l1_cps", "50"),
        ("patient.pd_l1_cps", True),
        ("patient.weight.value", "68"),
        ("patient.weight.value", False),
        ("patient.weight.value", None),
        ("patient.fit_for_major_surgery", "true"),
        ("patient.fit_for_major_surgery", 1),
        ("patient.fit_for_major_surgery", 0),
        ("patient.sex", 1),
        ("patient.sex", "Female"),
        ("evaluation_date", 20261126),
        ("evaluation_date", "2026-11-26T00:00:00"),
        ("evaluation_date", "2026-2-3"),
        ("evaluation_date", "2025-02-29"),
        ("assessments[0].date", None),
        ("patient.hiv", None),
        ("patient.hiv.status", None),
        ("primary.site", None),
        ("primary.stage", None),
        ("assessments", None),
        ("disease.sites", None),
        ("disease.invaded_structures", None),
        ("prior_salvage_surgery", None),
        ("facility", None),
        ("patient", []),
        ("assessments", {}),
    ],
)
def test_wrong_types_and_nulls_are_rejected_at_their_path(path: str, bad: Any) -> None:
    doc = example_document()
    set_at(doc, path, bad)
    assert path in paths_of(rejected(doc))


def test_numbers_accept_integers_and_floats() -> None:
    doc = example_document()
    doc["patient"]["pd_l1_cps"] = 5
    doc["patient"]["weight"]["value"] = 68.5
    case = load_case(doc)
    assert case.patient.pd_l1_cps == 5
    assert case.patient.weight is not None
    assert case.patient.weight.value == 68.5


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity"])
@pytest.mark.parametrize(
    ("path", "anchor"),
    [
        ("patient.pd_l1_cps", '"pd_l1_cps": null'),
        ("patient.weight.value", '"weight": {"value": 68'),
        ("patient.ecog", '"ecog": 1'),
    ],
)
def test_non_finite_json_tokens_are_rejected_at_their_path(
    token: str, path: str, anchor: str
) -> None:
    text = json.dumps(example_document())
    assert anchor in text
    key, _, _ = anchor.partition(":")
    replacement = f'{key}: {{"value": {token}' if "weight" in anchor else f"{key}: {token}"
    error = rejected(text.replace(anchor, replacement, 1))
    assert paths_of(error) == [path]


@pytest.mark.parametrize(
    ("parent", "where"),
    [
        ("$", lambda d: d),
        ("patient", lambda d: d["patient"]),
        ("patient.weight", lambda d: d["patient"]["weight"]),
        ("patient.hiv", lambda d: d["patient"]["hiv"]),
        ("assessments[0]", lambda d: d["assessments"][0]),
        ("disease.sites[0]", lambda d: d["disease"]["sites"][0]),
        ("disease.sites[0].size", lambda d: d["disease"]["sites"][0]["size"]),
    ],
)
def test_unknown_keys_are_reported_at_parent_dot_key(parent: str, where: Any) -> None:
    doc = example_document()
    where(doc)["colour"] = "blue"
    expected = "colour" if parent == "$" else f"{parent}.colour"
    error = rejected(doc)
    assert paths_of(error) == [expected]
    assert error.errors[0].message == "unknown key"


REQUIRED_PATHS = [
    path
    for path, _ in nodes(example_document())
    if not path.endswith("]") and _key(path) not in OPTIONAL_KEYS
]


@pytest.mark.parametrize("path", REQUIRED_PATHS)
def test_every_required_key_of_the_example_is_required(path: str) -> None:
    doc = example_document()
    delete_at(doc, path)
    error = rejected(doc)
    assert path in paths_of(error)
    assert any(p.path == path and p.message == "required key is missing" for p in error.errors)


def test_optional_keys_may_be_omitted_or_null_or_given() -> None:
    doc = example_document()
    base = load_case(doc)
    with_nulls = copy.deepcopy(doc)
    with_nulls["patient"]["frail"] = None
    with_nulls["patient"]["declines_active_treatment"] = None
    with_nulls["primary"]["chemoradiotherapy"]["groin_dose"] = None
    with_nulls["disease"]["all_lesions_locally_treatable"] = None
    with_nulls["disease"]["sites"][0]["station"] = None
    assert load_case(with_nulls) == base
    given_doc = copy.deepcopy(doc)
    given_doc["patient"]["frail"] = False
    given_doc["primary"]["chemoradiotherapy"]["groin_dose"] = {"value": 4500, "unit": "cGy"}
    given_doc["primary"]["chemoradiotherapy"]["groin_fractions"] = 25
    given_doc["disease"]["sites"].append(
        {
            "site": "pelvic_nodes",
            "size": None,
            "lesions": 2,
            "laterality": "left",
            "station": "internal_iliac",
        }
    )
    case = load_case(given_doc)
    assert case.patient.frail is False
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert crt.groin_dose is not None
    assert crt.groin_dose.canonical == pytest.approx(45.0)
    assert dump_case(case) == schema_2_document(given_doc)  # written as schema 2


def _crt(**changes: Any) -> Any:
    return lambda d: d["primary"]["chemoradiotherapy"].update(changes)


def _patient(**changes: Any) -> Any:
    return lambda d: d["patient"].update(changes)


def _site(**changes: Any) -> Any:
    return lambda d: d["disease"]["sites"][0].update(changes)


def _history(key: str, **item: Any) -> Any:
    return lambda d: d.update({key: [item]})


def _therapy(regimen: str, start: str, outcome: str) -> Any:
    return _history(
        "prior_systemic_therapy",
        regimen=regimen,
        setting="advanced",
        start_date=start,
        end_date=None,
        outcome=outcome,
    )


def _course(end: str, fractions: int) -> Any:
    dose = {"value": 30, "unit": "Gy"}
    return _history(
        "prior_radiotherapy", region="pelvis", end_date=end, dose=dose, fractions=fractions
    )


def _assessment(index: int, date: str) -> Any:
    return lambda d: d["assessments"][index].update(date=date)


def _q(value: float, unit: str) -> dict[str, Any]:
    return {"value": value, "unit": unit}


CRT = "primary.chemoradiotherapy"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (_patient(karnofsky=75), "patient.karnofsky"),
        (_patient(conditions=["dpd_deficiency_complete"] * 2), "patient.conditions[1]"),
        (_site(station="obturator"), "disease.sites[0].station"),
        (lambda d: d["disease"]["invaded_structures"].extend(["vagina"] * 2),
         "disease.invaded_structures[1]"),
        (_crt(fractions=2), f"{CRT}.dose"),  # 25.2 Gy per fraction
        (_crt(fractions=50, dose=_q(20, "Gy")), f"{CRT}.dose"),  # 0.4 Gy per fraction
        (_crt(groins_irradiated=False, groin_dose=_q(45, "Gy")), f"{CRT}.groin_dose"),
        (_crt(groin_dose=_q(45, "Gy"), groin_fractions=1), f"{CRT}.groin_dose"),
        (_crt(groin_fractions=25), f"{CRT}.groin_fractions"),
        # accepted before, although its own dump (null groin_dose omitted) was then rejected
        (_crt(groin_dose=None, groin_fractions=25), f"{CRT}.groin_fractions"),
        (_crt(start_date="2025-02-15"), f"{CRT}.end_date"),
        (
            _crt(start_date="2026-11-27", end_date="2026-11-28", fractions=2, dose=_q(4, "Gy")),
            f"{CRT}.start_date",
        ),
        (_assessment(0, "2025-01-05"), "assessments[0].date"),  # before the start of CRT
        (_assessment(1, "2026-11-27"), "assessments[1].date"),  # after the evaluation
        (_assessment(1, "2025-03-23"), "assessments[1].date"),  # out of order
        (_history("prior_salvage_surgery", date="2026-11-27", procedure="salvage_apr",
                  margin="r0"), "prior_salvage_surgery[0].date"),
        (_therapy("carboplatin_paclitaxel", "2026-01-01", "completed"),
         "prior_systemic_therapy[0].end_date"),
        (_therapy("salvage_apr", "2026-01-01", "ongoing"), "prior_systemic_therapy[0].regimen"),
        (_therapy("carboplatin_paclitaxel", "2026-12-01", "ongoing"),
         "prior_systemic_therapy[0].start_date"),
        (_course("2026-01-01", 1), "prior_radiotherapy[0].dose"),
        (_course("2027-01-01", 10), "prior_radiotherapy[0].end_date"),
        (_patient(weight=_q(19.9, "kg")), "patient.weight"),
        (_patient(weight=_q(900, "lb")), "patient.weight"),
        (_patient(height=_q(99, "cm")), "patient.height"),
        (_patient(height=_q(99, "in")), "patient.height"),
        (_patient(serum_creatinine=_q(2300, "umol/L")), "patient.serum_creatinine"),
        (_patient(serum_creatinine=_q(0.09, "mg/dL")), "patient.serum_creatinine"),
        (lambda d: d["patient"]["hiv"].update(cd4_count=_q(5001, "cells/uL")),
         "patient.hiv.cd4_count"),
        (_patient(age_years=17), "patient.age_years"),
        (_patient(age_years=121), "patient.age_years"),
        (_patient(ecog=6), "patient.ecog"),
        (_patient(ecog=-1), "patient.ecog"),
        (_patient(karnofsky=110), "patient.karnofsky"),
        (_patient(pd_l1_cps=100.5), "patient.pd_l1_cps"),
        (_patient(pd_l1_cps=-0.1), "patient.pd_l1_cps"),
        (_site(lesions=0), "disease.sites[0].lesions"),
        (_site(size=_q(0, "mm")), "disease.sites[0].size"),
        (_site(size=_q(-1, "cm")), "disease.sites[0].size"),
        (lambda d: d.update(schema_version=0), "schema_version"),
    ],
)  # fmt: skip
def test_rules_and_bounds_are_reported_at_their_path(mutate: Any, path: str) -> None:
    doc = example_document()
    mutate(doc)
    assert path in paths_of(rejected(doc))


@pytest.mark.parametrize("unit", ["kilogram", "rad", "Sv", "stone", "KG", "", "mg/dl", "1/uL"])
def test_units_outside_the_allow_list_are_rejected(unit: str) -> None:
    doc = example_document()
    doc["patient"]["weight"]["unit"] = unit
    doc["primary"]["chemoradiotherapy"]["dose"]["unit"] = unit
    paths = paths_of(rejected(doc))
    assert paths == ["patient.weight.unit", "primary.chemoradiotherapy.dose.unit"]


def test_every_allowed_unit_string_is_accepted_for_its_kind() -> None:
    fields = {
        "length": ("disease", "sites", 0, "size"),
        "mass": ("patient", "weight"),
        "creatinine": ("patient", "serum_creatinine"),
        "cell_count": ("patient", "hiv", "cd4_count"),
        "radiation_dose": ("primary", "chemoradiotherapy", "dose"),
        "glomerular_filtration_rate": ("patient", "measured_gfr"),
    }
    values = {"length": 2.5, "mass": 68, "creatinine": 1.0, "cell_count": 350,
              "radiation_dose": 50.4, "glomerular_filtration_rate": 62}  # fmt: skip
    for text, entry in CASE_UNITS.items():
        doc = schema_2_document(example_document())
        node: Any = doc
        *parents, last = fields[str(entry.kind)]
        for step in parents:
            node = node[step]
        value = values[str(entry.kind)] / entry.to_canonical
        node[last] = {"value": value, "unit": text}
        case = load_case(doc)
        assert dump_case(case) == doc, text


# --- limits ------------------------------------------------------------------------------------


def test_a_document_over_one_mebibyte_is_refused_at_the_root() -> None:
    text = json.dumps(example_document())
    padded = text[:-1] + " " * (1024 * 1024 - len(text) + 1) + "}"
    assert len(padded.encode()) > 1024 * 1024
    error = rejected(padded)
    assert paths_of(error) == ["$"]
    assert rejected(padded.encode()).errors == error.errors


def test_the_size_limit_counts_utf8_bytes() -> None:
    doc = example_document()
    doc["patient"]["sex"] = "é" * 600_000  # 600 000 characters, 1.2 MB of UTF-8
    error = rejected(json.dumps(doc, ensure_ascii=False))
    assert paths_of(error) == ["$"]


def test_a_list_of_501_entries_is_refused_at_the_root() -> None:
    doc = example_document()
    last = doc["assessments"][-1]
    doc["assessments"] = [dict(last) for _ in range(501)]
    error = rejected(doc)
    assert paths_of(error) == ["$"]
    doc["assessments"] = doc["assessments"][:500]
    assert len(load_case(doc).assessments) == 500


@pytest.mark.parametrize("depth", [6, 1000, 100_000])
def test_deep_nesting_is_refused_at_the_root_without_recursion_error(depth: int) -> None:
    text = '{"schema_version": ' + "[" * depth + "]" * depth + "}"
    error = rejected(text)
    assert paths_of(error) == ["$"]
    bare = "[" * depth + "]" * depth
    assert paths_of(rejected(bare)) == ["$"]


def test_a_deeply_nested_mapping_is_refused_at_the_root() -> None:
    doc = example_document()
    node: dict[str, Any] = {}
    doc["patient"]["hiv"]["cd4_count"] = node
    for _ in range(100_000):
        node["value"] = {}
        node = node["value"]
    assert paths_of(rejected(doc)) == ["$"]


@pytest.mark.parametrize(
    "source",
    [
        "",
        "null",
        "[]",
        "42",
        '"case"',
        "{",
        "{'a': 1}",
        b"\xff\xfe",
        '{"a": 1, "a": 2}',
        "1" * 5000,
    ],
)
def test_unreadable_or_non_object_documents_fail_at_the_root(source: str | bytes) -> None:
    error = rejected(source)
    assert paths_of(error) == ["$"]


def test_every_source_type_loads(tmp_path: pathlib.Path) -> None:
    text = json.dumps(example_document())
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    expected = load_case(text)
    for source in (text, text.encode(), bytearray(text.encode()), path, example_document()):
        assert load_case(source) == expected
    with pytest.raises(OSError):  # noqa: PT011 - only OSError may escape for paths
        load_case(tmp_path / "missing.json")
    with pytest.raises(CaseValidationError):
        load_case(12)  # type: ignore[arg-type]


# --- properties: one mutation, one named path --------------------------------------------------

_CASES = cases(max_history=2)
_SETTINGS = settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(case=_CASES, data=st.data())
def test_a_wrong_type_anywhere_is_reported_at_that_path(case: Case, data: st.DataObject) -> None:
    doc = dump_case(case)
    path, value = data.draw(st.sampled_from(list(nodes(doc))), label="node")
    set_at(doc, path, 12 if isinstance(value, str) else "?")
    error = rejected(doc)
    assert names_path(error, path), (path, paths_of(error))


@_SETTINGS
@given(case=_CASES, data=st.data())
def test_an_unknown_enum_value_is_reported_at_its_path(case: Case, data: st.DataObject) -> None:
    doc = dump_case(case)
    enum_leaves = [
        path
        for path, value in nodes(doc)
        if isinstance(value, str) and _key(path) not in DATE_FIELDS | {"unit"}
    ]
    path = data.draw(st.sampled_from(enum_leaves), label="enum")
    set_at(doc, path, data.draw(st.sampled_from(["not_a_value", "", "T9", "POSITIVE"])))
    error = rejected(doc)
    assert path in paths_of(error)


@_SETTINGS
@given(case=cases(full_inputs=True, max_history=2), data=st.data())
def test_a_bad_unit_is_reported_at_its_path(case: Case, data: st.DataObject) -> None:
    doc = dump_case(case)
    units = [path for path, value in nodes(doc) if _key(path) == "unit"]
    path = data.draw(st.sampled_from(units), label="unit")
    kind = CASE_UNITS[_get(doc, path)].kind
    foreign = [text for text, entry in CASE_UNITS.items() if entry.kind is not kind]
    bad = data.draw(st.sampled_from(["kilogram", "rad", "Sv", "stone", "m", *foreign]))
    set_at(doc, path, bad)
    assert paths_of(rejected(doc)) == [path]


@_SETTINGS
@given(case=_CASES, data=st.data())
def test_integers_as_floats_strings_or_booleans_are_rejected(
    case: Case, data: st.DataObject
) -> None:
    doc = dump_case(case)
    ints = [
        path for path, value in nodes(doc) if _key(path) in INTEGER_FIELDS and value is not None
    ]
    path = data.draw(st.sampled_from(ints), label="int")
    value = _get(doc, path)
    set_at(doc, path, data.draw(st.sampled_from([float(value), str(value), True])))
    assert path in paths_of(rejected(doc))


@_SETTINGS
@given(case=_CASES, data=st.data())
def test_missing_required_and_unknown_keys_are_reported(case: Case, data: st.DataObject) -> None:
    doc = dump_case(case)
    required = [
        p for p, _ in nodes(doc) if not p.endswith("]") and _key(p) not in SCHEMA_2_OPTIONAL_KEYS
    ]
    path = data.draw(st.sampled_from(required), label="required")
    missing = copy.deepcopy(doc)
    delete_at(missing, path)
    assert path in paths_of(rejected(missing))
    objects = ["$", *(p for p, v in nodes(doc) if isinstance(v, dict))]
    parent = data.draw(st.sampled_from(objects), label="parent")
    extra = copy.deepcopy(doc)
    (extra if parent == "$" else _get(extra, parent))["zz_extra"] = 1
    expected = "zz_extra" if parent == "$" else f"{parent}.zz_extra"
    assert paths_of(rejected(extra)) == [expected]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(case=_CASES, data=st.data(), junk=_JSON)
@example(case=None, data=None, junk=10**400)
@example(case=None, data=None, junk=-(10**400))
@example(case=None, data=None, junk=1e308)
def test_any_value_anywhere_gives_a_case_or_a_case_validation_error(
    case: Case | None, data: st.DataObject | None, junk: Any
) -> None:
    if case is None or data is None:  # the pinned examples: replace every leaf in turn
        doc = example_document()
        targets = [p for p, v in nodes(doc) if not isinstance(v, dict | list)]
    else:
        doc = dump_case(case)
        targets = [data.draw(st.sampled_from([p for p, _ in nodes(doc)]), label="node")]
    for path in targets:
        mutated = copy.deepcopy(doc)
        set_at(mutated, path, junk)
        for source in (mutated, json.dumps(mutated)):
            problems = _problems_or_none(source)
            if problems is not None:
                assert problems
                assert all(p.path and p.message for p in problems)


def _problems_or_none(source: Any) -> tuple[Problem, ...] | None:
    """Load *source*; return the problems, or None when it is a valid case."""
    try:
        load_case(source)
    except CaseValidationError as error:
        return error.errors
    return None


def _get(doc: Any, path: str) -> Any:
    from ._support import steps as _steps

    node = doc
    for step in _steps(path):
        node = node[step]
    return node
