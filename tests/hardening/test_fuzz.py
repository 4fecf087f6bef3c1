"""Fuzzing: no JSON input makes ``load_case`` raise anything but CaseValidationError.

Two generators:

* arbitrary JSON values (``st.recursive`` over null, booleans, integers, floats including
  NaN and ±infinity, text, lists and objects whose keys are real field names or random
  text), fed as parsed documents, as JSON text (``allow_nan``) and as UTF-8 bytes;
* valid cases from :func:`ascc_salvage.testing.strategies.cases` with exactly one mutation
  (a node replaced by a random JSON value, a key deleted, or a key added).

A document that loads must round-trip exactly (nothing was coerced or guessed) and
``recommend`` must return a JSON-serialisable result. A document that is refused must be
refused at a path that explains the mutation: the mutated path, a path below it or above
it, or a field that a cross-field rule of ``case-format.md`` ties to it.
"""

from __future__ import annotations

import copy
import enum
import json
import re
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from ascc_salvage import dump_case, recommend, result_to_dict, staging
from ascc_salvage import vocabulary as vocab
from ascc_salvage.case import Case
from ascc_salvage.testing.strategies import cases
from ascc_salvage.units import CASE_UNITS

from ._support import (
    DATE_KEYS,
    FIELD_NAMES,
    canonical_text,
    delete_at,
    example_document,
    get_at,
    is_under,
    last_key,
    nodes,
    parent_of,
    problems_of,
    set_at,
    without_null_optionals,
)

ENUM_VALUES: Final = tuple(
    sorted(
        {
            member.value
            for module in (vocab, staging)
            for obj in vars(module).values()
            if isinstance(obj, type) and issubclass(obj, enum.StrEnum) and obj is not enum.StrEnum
            for member in obj
        }
    )
)

#: Values that pass some checks, so that mutations reach the range and cross-field rules.
PLAUSIBLE: Final = (
    "2025-01-06",
    "2025-02-14",
    "2026-11-26",
    "2024-02-29",
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    *ENUM_VALUES,
    *CASE_UNITS,
    "rad",
    "Sv",
    0,
    1,
    -1,
    2.0,
    10,
    28,
    45,
    5000,
    10**40,
    -0.0,
    1e308,
    {"value": 50.4, "unit": "Gy"},
    {"value": 45, "unit": "Gy"},
    {"value": 1, "unit": "cGy"},
    {"value": 2.5, "unit": "cm"},
)

SCALARS: Final = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and infinities included
    | st.text(max_size=12)
    | st.sampled_from(PLAUSIBLE)
)
KEYS: Final = st.sampled_from(FIELD_NAMES) | st.text(max_size=8)
JSON_VALUES: Final = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=20,
)
TOP_KEYS: Final = tuple(example_document())
#: Objects whose top-level keys are all present, so that the walk reaches every section.
SHAPED: Final = st.fixed_dictionaries(dict.fromkeys(TOP_KEYS, JSON_VALUES))
#: Printable keys, so that an added key's path is exactly ``parent.key``.
ADDED_KEYS: Final = st.sampled_from(FIELD_NAMES) | st.text(
    st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=8,
).filter(lambda key: key.isprintable() and not key.isspace())

#: Fields tied to another field of the same object by a cross-field rule: a problem caused
#: by changing the key may be reported at any of the values.
COUPLED: Final[dict[str, frozenset[str]]] = {
    "fractions": frozenset({"dose"}),
    "dose": frozenset({"fractions"}),
    "groin_fractions": frozenset({"groin_dose"}),
    "groin_dose": frozenset({"groin_fractions"}),
    "groins_irradiated": frozenset({"groin_dose"}),
    "outcome": frozenset({"end_date"}),
    "site": frozenset({"station"}),
}

#: Four times the profile's example count (``ci``: 400, the local ``dev`` profile: 200).
FUZZ_SETTINGS: Final = settings(
    max_examples=4 * settings.default.max_examples,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def check_loaded(case: Case, document: Any) -> None:
    """A loaded case kept every value as given, and the engine handles it."""
    dumped = dump_case(case)
    assert canonical_text(without_null_optionals(dumped)) == canonical_text(
        without_null_optionals(document)
    )
    json.dumps(dumped, allow_nan=False)  # finite: the input digest can be computed
    json.dumps(result_to_dict(recommend(case)), allow_nan=False)


def outcome(document: Any) -> tuple[Any, tuple[str, ...] | None]:
    """Load *document* as a mapping, as JSON text and as bytes; all three must agree."""
    first, paths = problems_of(document)
    text = json.dumps(document, allow_nan=True)
    for source in (text, text.encode("utf-8")):
        other, other_paths = problems_of(source)
        if paths is None:
            assert other_paths is None
            assert other == first
        else:
            assert other.errors == first.errors
    return first, paths


def explains(problem: str, mutated: str, *, inserted_container: bool) -> bool:
    """Whether a problem at *problem* is a consequence of changing *mutated*."""
    if problem == "$":
        return inserted_container  # nesting limit
    if mutated == "schema_version":
        return True  # schema 1 does not know the schema 2 keys
    if problem == mutated or is_under(problem, mutated) or is_under(mutated, problem):
        return True
    key = last_key(mutated)
    if parent_of(problem) == parent_of(mutated) and last_key(problem) in COUPLED.get(key, ()):
        return True
    if mutated.endswith("]") and parent_of(problem) == parent_of(mutated):
        return True  # duplicate values in one list are reported at the later item
    if key in DATE_KEYS and last_key(problem) in DATE_KEYS:
        return True  # dates in order, salvage after CRT (P10)
    return _related_by_plausibility(problem, mutated)


#: Plausibility rules (case format P1–P18) that report a problem at another field than the one
#: whose value made the combination impossible: (mutated path prefix, problem path pattern).
_PLAUSIBILITY_PAIRS: Final = (
    ("patient.ecog", r"patient\.karnofsky"),  # P7
    ("patient.height", r"patient\.weight"),  # P9: BMI at the weight
    ("patient.hiv.status", r"patient\.hiv\.viral_load_undetectable"),  # P15
    ("disease.resectable", r"disease\.expected_margin"),  # P12
    ("primary.chemoradiotherapy.dose", r"prior_radiotherapy"),  # P4: cumulative pelvic dose
    ("prior_radiotherapy[", r"prior_radiotherapy"),  # P4
    ("primary.chemoradiotherapy.start_date", r"primary\.chemoradiotherapy\.fractions"),  # P1
    ("primary.chemoradiotherapy.end_date", r"primary\.chemoradiotherapy\.fractions"),  # P1
    ("prior_radiotherapy[", r"prior_radiotherapy\[\d+\]\.dose"),  # P3: bounds by region
    ("assessments[", r"assessments\[\d+\]\.biopsy"),  # P11
    ("disease.sites[", r"disease\.sites\[\d+\]"),  # P13: duplicate sites
    ("patient.age_years", r".*(date|end_date|start_date)"),  # P5: dates before birth
    ("prior_radiotherapy[", r"prior_radiotherapy\[\d+\]\.(dose\.value|fractions)"),  # P3
    ("prior_salvage_surgery", r"disease\.sites\[\d+\]\.site"),  # P6
    ("patient.sex", r"patient\.conditions\[\d+\]"),  # P16: pregnancy
    ("patient.conditions", r"patient\.dpyd_activity_score"),  # P16
    ("patient.clinical_frailty_scale", r"patient\.frail"),  # P16
    ("patient.biomarkers.pd_l1", r"patient\.pd_l1_cps"),  # the effective CPS
    ("primary.chemoradiotherapy", r"patient\.biomarkers\.pd_l1\[\d+\]\.date"),  # P17
    ("primary.chemoradiotherapy", r"primary\.chemoradiotherapy\.phases"),  # phases
    ("disease.sites", r"disease\.symptoms\[\d+\]\.site"),  # P18
)


def _related_by_plausibility(problem: str, mutated: str) -> bool:
    return any(
        mutated.startswith(prefix) and re.fullmatch(pattern, problem)
        for prefix, pattern in _PLAUSIBILITY_PAIRS
    )


@FUZZ_SETTINGS
@given(value=JSON_VALUES | SHAPED)
@example(value=[])
@example(value="")
@example(value="{}")
@example(value="[" * 100_000)
@example(value={"schema_version": float("nan")})
@example(value={"patient": {"weight": {"value": float("inf"), "unit": "kg"}}})
@example(value={"patient": {"ecog": 10**400, "weight": {"value": -(10**400), "unit": "lb"}}})
def test_any_json_value_gives_a_case_or_a_case_validation_error(value: Any) -> None:
    if isinstance(value, dict):
        result, paths = outcome(value)
        event(
            "loaded"
            if paths is None
            else f"refused, {'10 or more' if len(paths) >= 10 else 'under 10'} problems"
        )
        if paths is None:
            check_loaded(result, value)
    else:  # not an object: refused at the root, as a Python value and as JSON text
        text = json.dumps(value, allow_nan=True)
        for source in (text, text.encode("utf-8")):
            assert problems_of(source)[1] == ("$",)
        if isinstance(value, str):
            problems_of(value)  # a str source is itself read as JSON text: anything may come
        else:
            assert problems_of(value)[1] == ("$",)


def nearby(old: Any) -> st.SearchStrategy[Any]:
    """Values close to *old*: the same JSON type (so that many mutations still load), null,
    or the same value in another type (``"28"``, ``28.0``, ``1`` for ``true``), which must
    never be coerced.
    """
    if isinstance(old, bool):
        return st.booleans() | st.none() | st.sampled_from([0, 1, "true", "false"])
    if isinstance(old, int):
        return (
            st.integers(-5, 200)
            | st.none()
            | st.just(str(old))
            | st.just(float(old))
            | st.booleans()
        )
    if isinstance(old, float):
        return st.floats(-10, 1000, allow_nan=False) | st.none() | st.just(str(old))
    if isinstance(old, str):
        return st.sampled_from([v for v in PLAUSIBLE if isinstance(v, str)]) | st.none()
    return st.none() | st.just([]) | st.just({})


@st.composite
def mutated_cases(draw: st.DrawFn) -> tuple[dict[str, Any], str, str, bool]:
    """A valid case document with one mutation: (document, mutated path, kind, container)."""
    document = dump_case(draw(cases(max_history=2)))
    kind = draw(st.sampled_from(("replace", "delete", "add")))
    every = list(nodes(document))
    if kind == "replace":
        path, old = draw(st.sampled_from(every), label="replaced")
        value = draw(nearby(old) | JSON_VALUES, label="value")
        set_at(document, path, value)
    elif kind == "delete":
        path = draw(st.sampled_from([p for p, _ in every if not p.endswith("]")]), label="key")
        delete_at(document, path)
        value = None
    else:
        objects = ["$", *(p for p, v in every if isinstance(v, dict))]
        parent = draw(st.sampled_from(objects), label="parent")
        target = document if parent == "$" else get_at(document, parent)
        key = draw(ADDED_KEYS.filter(lambda k: k not in target), label="added")
        value = draw(st.none() | JSON_VALUES, label="value")
        target[key] = value
        path = key if parent == "$" else f"{parent}.{key}"
    return document, path, kind, isinstance(value, dict | list)


@FUZZ_SETTINGS
@given(mutation=mutated_cases())
def test_one_mutation_loads_or_is_reported_where_it_was_made(
    mutation: tuple[dict[str, Any], str, str, bool],
) -> None:
    document, path, kind, container = mutation
    result, paths = outcome(document)
    event(f"{kind}: {'loaded' if paths is None else 'refused'}")
    if paths is None:
        check_loaded(result, document)
        return
    assert any(explains(p, path, inserted_container=container) for p in paths), (kind, path)
    unexplained = [p for p in paths if not explains(p, path, inserted_container=container)]
    assert not unexplained, (kind, path, result.errors)
    if "$" in paths:
        assert paths == ("$",), "limits are checked before anything else"
    if kind == "add" and paths != ("$",):
        assert path in paths  # an unknown key is reported at parent.key, an optional one below


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(case=cases(max_history=2))
def test_valid_cases_load_round_trip_and_recommend(case: Case) -> None:
    """The control: unmutated documents load (as mapping, text and bytes) and recommend."""
    document = dump_case(case)
    result, paths = outcome(copy.deepcopy(document))
    assert paths is None, result
    assert result == case
    check_loaded(result, document)


def test_explains_is_not_vacuous() -> None:
    """The acceptance rule refuses problems unrelated to the mutation."""
    assert not explains("patient.ecog", "patient.age_years", inserted_container=False)
    assert not explains("$", "patient.age_years", inserted_container=False)
    assert not explains("disease.sites[0].station", "primary.site", inserted_container=False)
    assert not explains("primary.chemoradiotherapy.dose", "patient.weight.value",
                        inserted_container=False)  # fmt: skip
    assert explains("primary.chemoradiotherapy.dose", "primary.chemoradiotherapy.fractions",
                    inserted_container=False)  # fmt: skip
    assert explains("assessments[1].date", "evaluation_date", inserted_container=False)
    assert explains("patient.karnofsky", "patient.ecog", inserted_container=False)  # P7
    assert not explains("patient.weight", "patient.ecog", inserted_container=False)


@pytest.mark.parametrize(
    ("evaluation", "start", "end", "assessment"),
    [
        ("1900-12-31", "1900-01-01", "1900-02-09", None),
        ("2099-12-31", "2099-11-01", "2099-12-10", "2099-12-30"),
        ("2099-12-31", "2099-12-01", "2099-12-31", None),
        ("2099-12-31", "2099-08-01", "2099-09-09", "2099-12-31"),
    ],
)
def test_cases_at_the_ends_of_the_calendar_load_and_recommend(
    evaluation: str, start: str, end: str, assessment: str | None
) -> None:
    """Valid dates at the ends of the case-format range (1900–2099) load and recommend."""
    document = example_document()
    document["evaluation_date"] = evaluation
    document["primary"]["chemoradiotherapy"].update(start_date=start, end_date=end)
    document["assessments"] = (
        [{"date": assessment, "finding": "stable", "biopsy": "positive"}] if assessment else []
    )
    case, paths = problems_of(document)
    assert paths is None, case
    check_loaded(case, document)


@pytest.mark.parametrize("date", ["0001-01-01", "1899-12-31", "2100-01-01", "9999-12-31"])
def test_dates_outside_1900_to_2099_are_refused_at_their_path(date: str) -> None:
    document = example_document()
    document["evaluation_date"] = date
    _, paths = problems_of(document)
    assert paths == ("evaluation_date",)
