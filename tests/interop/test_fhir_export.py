from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from tests.interop._support import base_for, example_document, normalised

from ascc_salvage import dump_case, load_case
from ascc_salvage.fhir import case_from_bundle, case_to_bundle


def _document(**changes: Any) -> dict[str, Any]:
    document = example_document()
    document.update(changes)
    return document


def _round_trip(document: dict[str, Any], base: dict[str, Any]) -> Any:
    case = load_case(document)
    bundle = json.loads(json.dumps(case_to_bundle(case)))
    base.setdefault("patient", {})["age_years"] = document["patient"]["age_years"]
    back, report = case_from_bundle(bundle, evaluation_date=case.evaluation_date, base=base)
    return case, back, report


def test_systemic_history_is_exported_when_every_item_is_expressible() -> None:
    history = [
        {
            "regimen": "cisplatin_fluorouracil",
            "setting": "radiosensitising",
            "start_date": "2025-01-06",
            "end_date": "2025-02-14",
            "outcome": "completed",
        },
        {
            "regimen": "carboplatin_paclitaxel",
            "setting": "advanced",
            "start_date": "2025-08-01",
            "end_date": "2025-12-01",
            "outcome": "progression",
        },
        {
            "regimen": "nivolumab_ipilimumab",
            "setting": "advanced",
            "start_date": "2026-01-01",
            "end_date": "2026-03-01",
            "outcome": "intolerance",
        },
        {
            "regimen": "carboplatin_paclitaxel_retifanlimab",
            "setting": "advanced",
            "start_date": "2026-04-01",
            "end_date": None,
            "outcome": "ongoing",
        },
    ]
    document = _document(prior_systemic_therapy=history)
    case, back, report = _round_trip(document, base_for(document))
    assert normalised(back) == normalised(case)
    assert report.field("prior_systemic_therapy") is not None


def test_inexpressible_history_is_left_to_base() -> None:
    history = [
        {
            "regimen": "carboplatin_paclitaxel",
            "setting": "adjuvant",
            "start_date": "2025-08-01",
            "end_date": "2025-12-01",
            "outcome": "completed",
        },
    ]
    document = _document(prior_systemic_therapy=history)
    case = load_case(document)
    bundle = case_to_bundle(case)
    assert not any(e["resource"]["resourceType"] == "MedicationStatement" for e in bundle["entry"])


def test_molar_creatinine_karnofsky_and_hiv_details_are_exported() -> None:
    document = example_document()
    document["patient"].update(
        karnofsky=80,
        serum_creatinine={"value": 80, "unit": "µmol/L"},
        hiv={
            "status": "positive",
            "cd4_count": {"value": 350, "unit": "cells/uL"},
            "viral_load_undetectable": True,
        },
    )
    document["primary"]["chemoradiotherapy"]["groins_irradiated"] = None
    case, back, _ = _round_trip(document, base_for(document, "prior_systemic_therapy"))
    assert normalised(back) == normalised(case)
    assert dump_case(back)["patient"]["serum_creatinine"] == {"value": 80, "unit": "umol/L"}


def test_birth_date_must_match_the_age() -> None:
    case = load_case(example_document())
    with pytest.raises(ValueError, match="birth_date gives age 60"):
        case_to_bundle(case, birth_date=dt.date(1966, 1, 1))


def test_exported_units_are_ucum_codes() -> None:
    """docs/fhir.md "UCUM quantities": the case spellings lb, in, cells/mm3 are not UCUM codes."""
    document = example_document()
    document["patient"].update(
        weight={"value": 150, "unit": "lb"},
        height={"value": 65, "unit": "in"},
        hiv={
            "status": "positive",
            "cd4_count": {"value": 350, "unit": "cells/mm3"},
            "viral_load_undetectable": True,
        },
    )
    case = load_case(document)
    bundle = case_to_bundle(case)
    quantities = {
        entry["resource"]["id"]: entry["resource"]["valueQuantity"]
        for entry in bundle["entry"]
        if "valueQuantity" in entry["resource"]
    }
    assert (quantities["weight"]["code"], quantities["weight"]["unit"]) == ("[lb_av]", "lb")
    assert (quantities["height"]["code"], quantities["height"]["unit"]) == ("[in_i]", "in")
    assert quantities["cd4"]["code"] == "/mm3"
    case, back, _ = _round_trip(document, base_for(document, "prior_systemic_therapy"))
    assert normalised(back) == normalised(case)
