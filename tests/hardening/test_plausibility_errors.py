"""The case format's "impossible → validation error" table, row by row (P1–P15).

Each row is shown twice: a document ``load_case`` rejects at the row's path, and the same
problem from Python objects (``attrs.evolve`` on the loaded example), with the same path.
Each rejected document is also shown next to its nearest valid neighbour, so that a row
cannot pass because something else in the document is wrong.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
from tests.foundation._support import example_document

from ascc_salvage import CaseValidationError, load_case

Mutation = Callable[[dict[str, Any]], None]
CRT = "primary.chemoradiotherapy"


def _crt(**changes: Any) -> Mutation:
    return lambda d: d["primary"]["chemoradiotherapy"].update(changes)


def _gy(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "Gy"}


def _course(region: str, dose: float, fractions: int, end: str = "2026-01-01") -> Mutation:
    course = {"region": region, "end_date": end, "dose": _gy(dose), "fractions": fractions}
    return lambda d: d["prior_radiotherapy"].append(dict(course))


def _patient(**changes: Any) -> Mutation:
    return lambda d: d["patient"].update(changes)


def _site(**changes: Any) -> Mutation:
    return lambda d: d["disease"]["sites"][0].update(changes)


def _both(*mutations: Mutation) -> Mutation:
    def apply(document: dict[str, Any]) -> None:
        for mutation in mutations:
            mutation(document)

    return apply


def _surgery(date: str) -> Mutation:
    item = {"date": date, "procedure": "local_excision", "margin": None}
    return lambda d: d["prior_salvage_surgery"].append(item)


def _assessment(finding: str, biopsy: str) -> Mutation:
    return lambda d: d["assessments"][1].update(finding=finding, biopsy=biopsy)


def _disease(**changes: Any) -> Mutation:
    return lambda d: d["disease"].update(changes)


def _duplicate_site(document: dict[str, Any]) -> None:
    document["disease"]["sites"].append(copy.deepcopy(document["disease"]["sites"][0]))


#: row → (impossible mutation, its path, the nearest possible mutation)
ROWS: dict[str, tuple[Mutation, str, Mutation]] = {
    # 28 fractions in 10 days; 20 in 10 days is two a day
    "P1": (
        _crt(end_date="2025-01-15"),
        f"{CRT}.fractions",
        _crt(end_date="2025-01-15", fractions=20, dose=_gy(36)),
    ),
    "P2 dose": (_crt(dose=_gy(81), fractions=30), f"{CRT}.dose", _crt(dose=_gy(80))),
    "P2 groin dose": (
        _crt(groin_dose=_gy(71), groin_fractions=30),
        f"{CRT}.groin_dose",
        _crt(groin_dose=_gy(70), groin_fractions=30),
    ),
    "P2 fractions": (_crt(fractions=61), f"{CRT}.fractions", _crt(fractions=60)),
    "P2 length": (
        _crt(start_date="2024-08-17"),  # 181 days before 2025-02-14
        f"{CRT}.end_date",
        _crt(start_date="2024-08-18"),
    ),
    "P3 per fraction": (
        _course("pelvis", 30, 1),
        "prior_radiotherapy[0].dose",
        _course("other", 30, 1),  # single-fraction SABR elsewhere
    ),
    "P3 SABR": (
        _course("other", 41, 1),
        "prior_radiotherapy[0].dose",
        _course("other", 34, 1),  # RTOG 0915 lung
    ),
    "P3 total": (
        _course("other", 91, 70),
        "prior_radiotherapy[0].dose",
        _course("other", 90, 70),
    ),
    "P3 fractions": (
        _course("other", 71, 71),
        "prior_radiotherapy[0].fractions",
        _course("other", 70, 70),
    ),
    "P4": (
        _both(_course("pelvis", 80, 40), _course("pelvis", 70, 35)),  # 50.4 + 150
        "prior_radiotherapy",
        _both(_course("pelvis", 80, 40), _course("pelvis", 69.6, 35)),  # exactly 200
    ),
    "P5": (
        _both(_patient(age_years=18), _course("other", 20, 10, end="2007-11-26")),
        "prior_radiotherapy[0].end_date",
        _both(_patient(age_years=18), _course("other", 20, 10, end="2007-11-27")),
    ),
    "P7": (_patient(ecog=0, karnofsky=50), "patient.karnofsky", _patient(ecog=1, karnofsky=50)),
    "P8 lesions": (_site(lesions=101), "disease.sites[0].lesions", _site(lesions=100)),
    "P8 large": (
        _site(size={"value": 31, "unit": "cm"}),
        "disease.sites[0].size",
        _site(size={"value": 300, "unit": "mm"}),
    ),
    "P8 small": (
        _site(size={"value": 0.9, "unit": "mm"}),
        "disease.sites[0].size",
        _site(size={"value": 1, "unit": "mm"}),
    ),
    "P9 high": (
        _patient(weight={"value": 273, "unit": "kg"}),  # 165 cm: BMI 100.3
        "patient.weight",
        _patient(weight={"value": 272, "unit": "kg"}),
    ),
    "P9 low": (
        _patient(weight={"value": 27, "unit": "kg"}),  # BMI 9.9
        "patient.weight",
        _patient(weight={"value": 28, "unit": "kg"}),
    ),
    "P10": (
        _surgery("2025-01-05"),
        "prior_salvage_surgery[0].date",
        _surgery("2025-01-06"),
    ),
    "P11": (
        _assessment("complete_response", "positive"),
        "assessments[1].biopsy",
        _assessment("complete_response", "hsil_only"),
    ),
    "P12": (
        _disease(resectable=False, expected_margin="r1"),
        "disease.expected_margin",
        _disease(resectable=False, expected_margin="r2"),
    ),
    "P13": (
        _duplicate_site,
        "disease.sites[1]",
        _both(_duplicate_site, lambda d: d["disease"]["sites"][1].update(laterality="left")),
    ),
    "P14 station": (
        _site(site="inguinal_nodes", station="obturator"),
        "disease.sites[0].station",
        _site(site="pelvic_nodes", station="obturator"),
    ),
    "P14 groin dose": (
        _crt(groins_irradiated=False, groin_dose=_gy(40)),
        f"{CRT}.groin_dose",
        _crt(groins_irradiated=None, groin_dose=_gy(40)),
    ),
    "P15": (
        lambda d: d["patient"]["hiv"].update(viral_load_undetectable=True),
        "patient.hiv.viral_load_undetectable",
        lambda d: d["patient"]["hiv"].update(status="positive", viral_load_undetectable=True),
    ),
}


def _mutated(mutation: Mutation) -> dict[str, Any]:
    document = example_document()
    mutation(document)
    return document


@pytest.mark.parametrize("row", list(ROWS))
def test_impossible_combination_is_an_error_at_its_path(row: str) -> None:
    impossible, path, possible = ROWS[row]
    with pytest.raises(CaseValidationError) as info:
        load_case(_mutated(impossible))
    assert [p.path for p in info.value.errors] == [path]
    load_case(_mutated(possible))  # the nearest possible neighbour loads


def test_the_example_itself_is_possible() -> None:
    load_case(example_document())


def test_ecog_and_karnofsky_one_grade_apart_stay_a_warning() -> None:
    from ascc_salvage import recommend

    case = load_case(_mutated(_patient(ecog=1, karnofsky=50)))
    codes = [str(w.code) for w in recommend(case).warnings]
    assert "ecog_karnofsky_mismatch" in codes
