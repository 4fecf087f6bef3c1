"""Branch-by-branch tests of the bundle mapping, each editing the example bundle."""

from __future__ import annotations

import copy
import datetime as dt
import pickle
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from tests.interop._support import base_for, example_document, reasons

from ascc_salvage import CaseValidationError, dump_case
from ascc_salvage.fhir import FhirMappingError, MappingReport, case_from_bundle, example_bundle
from ascc_salvage.fhir._bundle import EXT_INTENT, RXNORM, _number
from ascc_salvage.fhir._diagnosis import EXT_HISTOLOGY, SNOMED

WHEN = dt.date(2026, 11, 26)
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"


def bundle() -> dict[str, Any]:
    return copy.deepcopy(example_bundle())


def base() -> dict[str, Any]:
    return base_for(example_document())


def resource(b: dict[str, Any], key: str) -> dict[str, Any]:
    kind, ident = key.split("/")
    for entry in b["entry"]:
        res = entry["resource"]
        if res["resourceType"] == kind and res["id"] == ident:
            return res  # type: ignore[no-any-return]
    raise KeyError(key)


def remove(b: dict[str, Any], *keys: str) -> None:
    b["entry"] = [
        e
        for e in b["entry"]
        if f"{e['resource']['resourceType']}/{e['resource']['id']}" not in keys
    ]


def add(b: dict[str, Any], res: dict[str, Any]) -> None:
    if res["resourceType"] in {
        "Observation",
        "Condition",
        "Procedure",
        "MedicationStatement",
        "MedicationAdministration",
    }:
        res.setdefault("subject", {"reference": "Patient/example-patient"})
    b["entry"].append({"resource": res})


def obs(
    ident: str, code: str, value: dict[str, Any], when: str = "2026-11-20", **more: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": ident,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": code}]},
        "effectiveDateTime": when,
        **value,
        **more,
    }


def qty(value: Any, unit: str, **more: Any) -> dict[str, Any]:
    return {"valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit, **more}}


def concept(system: str, code: str, text: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        out["text"] = text
    return out


def run(
    b: dict[str, Any], base_doc: dict[str, Any] | None = None, **kw: Any
) -> tuple[dict[str, Any], MappingReport]:
    case, report = case_from_bundle(
        b, evaluation_date=WHEN, base=base() if base_doc is None else base_doc, **kw
    )
    return dump_case(case), report


def fails(b: dict[str, Any], base_doc: dict[str, Any] | None = None) -> FhirMappingError:
    with pytest.raises(FhirMappingError) as info:
        case_from_bundle(b, evaluation_date=WHEN, base=base() if base_doc is None else base_doc)
    return info.value


# ------------------------------------------------------------------ input handling


def test_invalid_json_text() -> None:
    with pytest.raises(CaseValidationError, match="bundle: invalid JSON"):
        case_from_bundle("{", evaluation_date=WHEN)


@pytest.mark.parametrize("value", [[], {"resourceType": "Patient"}])
def test_not_a_bundle(value: Any) -> None:
    with pytest.raises(CaseValidationError, match="not a FHIR Bundle"):
        case_from_bundle(value, evaluation_date=WHEN)


def test_structure_errors_name_the_path() -> None:
    b = bundle()
    b["entry"][0]["resource"]["colour"] = "blue"
    with pytest.raises(CaseValidationError) as info:
        case_from_bundle(b, evaluation_date=WHEN)
    assert info.value.errors[0].path == "bundle.entry[0].resource.colour"


def test_bytes_input_and_entries_without_resource_or_id() -> None:
    import json

    b = bundle()
    b["entry"].append({"fullUrl": "urn:x"})
    add(b, {"resourceType": "Practitioner"})
    case_doc, report = run(json.loads(json.dumps(b)))
    assert case_doc["patient"]["ecog"] == 1
    assert any(u.source.startswith("Practitioner/entry") for u in report.unmapped)
    case, _ = case_from_bundle(json.dumps(b).encode(), evaluation_date=WHEN, base=base())
    assert case.patient.ecog == 1


def test_missing_everything_reports_every_required_field() -> None:
    error = fails({"resourceType": "Bundle", "type": "collection"}, {})
    paths = {p.path for p in error.errors}
    assert {
        "primary.site",
        "primary.chemoradiotherapy",
        "assessments",
        "disease",
        "prior_salvage_surgery",
    } <= paths
    assert "null means no CRT" in str(error)
    assert "patient.hiv.status" in error.report.left_null
    assert "jurisdiction" in error.report.left_null
    assert pickle.loads(pickle.dumps(error)).report == error.report


def test_jurisdiction_argument_wins_and_invalid_case_keeps_report() -> None:
    case_doc, report = run(bundle(), jurisdiction="EU")
    assert case_doc["jurisdiction"] == "EU"
    assert "jurisdiction" not in report.from_base
    b = base()
    b["assessments"] = [{"date": "2030-01-01", "finding": "stable", "biopsy": "positive"}]
    error = fails(bundle(), b)
    assert error.report.field("patient.sex") is not None
    assert any(p.path.startswith("assessments") for p in error.errors)


def test_a_contradiction_between_bundle_and_base_is_a_problem_with_both_values() -> None:
    b = base()
    b["patient"]["ecog"] = 3
    error = fails(bundle(), b)
    assert "patient.ecog: the bundle (Observation/ecog) gives 1, base gives 3" in str(error)
    b = base()
    b["patient"]["weight"] = {"value": 68000, "unit": "g"}  # the same weight in other units
    b["patient"]["ecog"] = 1
    case_doc, _ = run(bundle(), b)
    assert case_doc["patient"]["weight"] == {"value": 68, "unit": "kg"}


def test_report_to_dict() -> None:
    _, report = run(bundle())
    document = report.to_dict()
    assert document["mapped"][0]["path"] == "patient.age_years"
    assert set(document) == {"mapped", "unmapped", "from_base", "left_null", "notes"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("68"), 68), (Decimal("1E+1"), 10), (Decimal("50.4"), 50.4), (3, 3), (2.5, 2.5)],
)
def test_number(value: Any, expected: Any) -> None:
    out = _number(value)
    assert out == expected
    assert type(out) is type(expected)


def test_number_refuses_booleans() -> None:
    with pytest.raises(TypeError):
        _number(True)


# ------------------------------------------------------------------ patient


def test_patient_gender_birth_date_and_extra_elements() -> None:
    b = bundle()
    patient = resource(b, "Patient/example-patient")
    patient["gender"] = "other"
    patient["birthDate"] = "1965"
    patient["name"] = [{"family": "Doe"}]
    case_doc, report = run(b)
    text = reasons(report)
    assert "gender 'other'" in text
    assert "partial birth date" in text
    assert "Patient/example-patient.name: elements not part of the case format" in text
    assert case_doc["patient"]["sex"] is None
    assert case_doc["patient"]["age_years"] is None


def test_age_before_and_after_the_birthday() -> None:
    b = bundle()
    resource(b, "Patient/example-patient")["birthDate"] = "1965-11-26"
    assert run(b)[0]["patient"]["age_years"] == 61
    resource(b, "Patient/example-patient")["birthDate"] = "1965-11-27"
    assert run(b)[0]["patient"]["age_years"] == 60


def test_two_patients() -> None:
    b = bundle()
    add(b, {"resourceType": "Patient", "id": "second"})
    assert "2 Patient resources" in str(fails(b))


# ------------------------------------------------------------------ conditions


def _condition(ident: str, code: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": ident, "code": code, **more}


ICD = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
PRIMARY_PROFILE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-primary-cancer-condition"


def test_other_conditions_and_refuted_ones() -> None:
    b = bundle()
    add(b, _condition("diabetes", concept(SNOMED, "44054006")))
    add(
        b,
        _condition(
            "refuted-hiv",
            concept(SNOMED, "86406008"),
            verificationStatus=concept(
                "http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted"
            ),
        ),
    )
    case_doc, report = run(b)
    text = reasons(report)
    assert "Condition/diabetes: not an anal primary cancer condition" in text
    assert "Condition/refuted-hiv: verification status refuted" in text
    assert case_doc["patient"]["hiv"]["status"] == "negative"


def test_hiv_condition_outweighs_a_negative_test() -> None:
    b = bundle()
    add(b, _condition("hiv", concept(SNOMED, "86406008")))
    case_doc, report = run(b)
    assert case_doc["patient"]["hiv"]["status"] == "positive"
    assert report.field("patient.hiv.status").sources == ("Condition/hiv",)  # type: ignore[union-attr]
    assert any("outweighs negative" in n for n in report.notes)


def test_site_from_body_site_or_margin_code() -> None:
    b = bundle()
    condition = resource(b, "Condition/primary-cancer")
    condition["code"] = {"text": "anal cancer"}
    assert run(b)[0]["primary"]["site"] == "anal_canal"
    condition["code"] = concept(ICD, "C44.520")
    del condition["bodySite"]
    assert run(b)[0]["primary"]["site"] == "anal_margin"


def test_site_conflict_and_ambiguous_code() -> None:
    b = bundle()
    condition = resource(b, "Condition/primary-cancer")
    condition["code"] = concept(ICD, "C44.520")
    assert "bodySite says anal_canal" in str(fails(b))
    condition["code"] = concept(ICD, "C21.0")
    del condition["bodySite"]
    error = fails(b)
    assert "primary.site" in {p.path for p in error.errors}
    assert "does not say anal canal or anal margin" in reasons(error.report)


def test_profile_without_anal_site_is_not_primary() -> None:
    b = bundle()
    condition = resource(b, "Condition/primary-cancer")
    condition["code"] = {"text": "cancer"}
    del condition["bodySite"]
    error = fails(b)
    assert "no anal squamous cell carcinoma in the bundle" in str(error)
    assert "Condition/primary-cancer (text 'cancer') is not an anal cancer" in str(error)


def test_the_same_diagnosis_twice_is_used_once() -> None:
    b = bundle()
    add(b, _condition("second", concept(ICD, "C21.1")))
    case_doc, report = run(b)
    assert case_doc["primary"]["site"] == "anal_canal"
    assert "Condition/second: records the same anal primary as Condition/primary-cancer" in (
        reasons(report)
    )
    assert report.field("primary.site").sources == ("Condition/primary-cancer",)  # type: ignore[union-attr]


def test_two_primaries() -> None:
    b = bundle()
    add(b, _condition("second", concept(ICD, "C44.520")))
    assert "two primary cancer conditions" in str(fails(b))


@pytest.mark.parametrize(
    ("histology", "outcome"),
    [
        (None, "no morphology coded; squamous cell carcinoma assumed"),
        (concept(ICDO3, "8140/3"), "is not squamous"),
        (concept(SNOMED, "35917007"), "is not squamous"),  # adenocarcinoma (mCODE example)
        (concept(SNOMED, "402815007"), ""),
        (concept(ICDO3, "8083/3"), ""),
    ],
)
def test_histology(histology: dict[str, Any] | None, outcome: str) -> None:
    b = bundle()
    condition = resource(b, "Condition/primary-cancer")
    if histology is None:
        del condition["extension"]
    else:
        condition["extension"] = [{"url": EXT_HISTOLOGY, "valueCodeableConcept": histology}]
    if outcome == "is not squamous":
        assert outcome in str(fails(b))
        return
    _, report = run(b)
    if outcome:
        assert any(outcome in n for n in report.notes)
    else:
        assert not any("histology" in n for n in report.notes)


# ------------------------------------------------------------------ observations


def test_observation_filters() -> None:
    b = bundle()
    add(b, obs("draft", "89247-1", {"valueInteger": 4}, status="preliminary"))
    add(b, obs("undated", "89247-1", {"valueInteger": 4}))
    del resource(b, "Observation/undated")["effectiveDateTime"]
    add(b, obs("future", "89247-1", {"valueInteger": 4}, when="2027-01-01"))
    remove(b, "Observation/ecog")
    add(b, obs("older", "89247-1", {"valueInteger": 3}, when="2026-01-01"))
    add(b, obs("newer", "89247-1", {"valueInteger": 2}, when="2026-11-20"))
    add(b, obs("oldest", "89247-1", {"valueInteger": 4}, when="2025-11-20"))
    add(b, obs("unknown-code", "1234-5", {"valueInteger": 4}))
    add(
        b,
        obs("period", "89243-0", {"valueInteger": 80, "effectivePeriod": {"start": "2026-11-01"}}),
    )
    del resource(b, "Observation/period")["effectiveDateTime"]
    add(b, obs("instant", "8302-2", {**qty(170, "cm"), "effectiveInstant": "2026-11-25T10:00:00Z"}))
    del resource(b, "Observation/instant")["effectiveDateTime"]
    case_doc, report = run(b)
    text = reasons(report)
    assert case_doc["patient"]["ecog"] == 2
    assert case_doc["patient"]["karnofsky"] == 80
    assert case_doc["patient"]["height"] == {"value": 165, "unit": "cm"}
    assert "Observation/draft: status 'preliminary'" in text
    assert "Observation/undated: no effective date" in text
    assert "Observation/future: effective 2027-01-01, after the evaluation date" in text
    assert "Observation/oldest: an observation of the same code is more recent" in text
    assert "Observation/older: superseded by the more recent Observation/newer" in text
    assert "Observation/instant: an observation of the same code is more recent" in text
    assert "Observation/unknown-code: observation code not used" in text


@pytest.mark.parametrize(
    ("code", "value", "message"),
    [
        ("89247-1", {"valueString": "one"}, "performance status without valueInteger"),
        ("29463-7", qty(150, "[lb_av]", comparator=">"), "comparator '>'"),
        ("29463-7", {"valueString": "x"}, "no valueQuantity.value"),
        ("29463-7", qty(68, "kilogram"), "unit 'kilogram' is not an accepted mass unit"),
    ],
)
def test_unusable_values(code: str, value: dict[str, Any], message: str) -> None:
    b = bundle()
    remove(b, "Observation/ecog", "Observation/weight")
    add(b, obs("bad", code, value))
    _, report = run(b)
    assert message in reasons(report)


def test_units_molar_creatinine_and_cd4_spelling() -> None:
    b = bundle()
    remove(b, "Observation/creatinine")
    add(b, obs("creat", "14682-9", qty(79.6, "umol/L")))
    add(
        b,
        obs(
            "cd4",
            "24467-3",
            {
                "valueQuantity": {
                    "value": 350,
                    "unit": "cells/uL",
                    "system": UCUM,
                    "code": "{cells}/uL",
                }
            },
        ),
    )
    remove(b, "Observation/weight")
    add(b, obs("weight-lb", "29463-7", {"valueQuantity": {"value": 150, "unit": "lb"}}))
    case_doc, _ = run(b)
    assert case_doc["patient"]["serum_creatinine"] == {"value": 79.6, "unit": "umol/L"}
    assert case_doc["patient"]["hiv"]["cd4_count"] == {"value": 350, "unit": "cells/uL"}
    assert case_doc["patient"]["weight"] == {"value": 150, "unit": "lb"}


@pytest.mark.parametrize(
    ("value", "expected", "message"),
    [
        # "<X" is below a reporting limit, not always below detection ("<1000" may be
        # detectable): undetectable only with a not-detected interpretation.
        (
            {"valueQuantity": {"value": 1000, "comparator": "<", "unit": "copies/mL"}},
            None,
            "without a not-detected interpretation",
        ),
        (
            {
                "valueQuantity": {"value": 20, "comparator": "<", "unit": "copies/mL"},
                "interpretation": [
                    concept(
                        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "ND"
                    )
                ],
            },
            True,
            "",
        ),
        (
            {
                "valueQuantity": {"value": 40, "comparator": "<", "unit": "copies/mL"},
                "interpretation": [concept(SNOMED, "260415000")],
            },
            True,
            "",
        ),
        ({"valueQuantity": {"value": 0, "unit": "copies/mL"}}, True, ""),
        ({"valueQuantity": {"value": 1500, "unit": "copies/mL"}}, False, ""),
        (
            {"valueQuantity": {"value": 1500, "comparator": ">", "unit": "copies/mL"}},
            None,
            "comparator '>'",
        ),
        ({"valueCodeableConcept": concept(SNOMED, "260415000")}, True, ""),
        ({"valueCodeableConcept": concept(SNOMED, "260373001")}, False, ""),
        ({"valueString": "low"}, None, "without a quantity"),
    ],
)
def test_viral_load(value: dict[str, Any], expected: bool | None, message: str) -> None:
    b = bundle()
    resource(b, "Observation/hiv-test")["valueCodeableConcept"] = concept(SNOMED, "10828004")
    add(b, obs("vl", "20447-9", value))
    case_doc, report = run(b)
    assert case_doc["patient"]["hiv"]["viral_load_undetectable"] is expected
    if message:
        assert message in reasons(report)


def test_a_viral_load_without_hiv_is_reported_not_used() -> None:
    """Case format P15: a viral load only with HIV status positive; the case stays valid."""
    b = bundle()  # a negative HIV test
    add(b, obs("vl", "20447-9", {"valueQuantity": {"value": 0, "unit": "copies/mL"}}))
    case_doc, report = run(b)
    assert case_doc["patient"]["hiv"]["status"] == "negative"
    assert case_doc["patient"]["hiv"]["viral_load_undetectable"] is None
    assert "viral load is recorded only for HIV status positive (here: negative)" in reasons(report)
    assert "patient.hiv.viral_load_undetectable" in report.left_null


def test_hiv_tests() -> None:
    b = bundle()
    resource(b, "Observation/hiv-test")["valueCodeableConcept"] = concept(SNOMED, "10828004")
    add(
        b,
        obs(
            "hiv-old",
            "56888-1",
            {"valueCodeableConcept": concept(LOINC, "LA6577-6")},
            when="2020-01-01",
        ),
    )
    add(b, obs("hiv-odd", "56888-1", {"valueString": "reactive"}))
    case_doc, report = run(b)
    assert case_doc["patient"]["hiv"]["status"] == "positive"
    assert "HIV test without a positive/negative answer" in reasons(report)
    b = bundle()
    remove(b, "Observation/hiv-test")
    add(
        b,
        obs(
            "hiv-1",
            "56888-1",
            {"valueCodeableConcept": concept(SNOMED, "260385009")},
            when="2024-01-01",
        ),
    )
    add(
        b,
        obs(
            "hiv-2",
            "75622-1",
            {"valueCodeableConcept": concept(LOINC, "LA6577-6")},
            when="2025-01-01",
        ),
    )
    case_doc, report = run(b)
    assert case_doc["patient"]["hiv"]["status"] == "negative"
    assert report.field("patient.hiv.status").sources == ("Observation/hiv-2",)  # type: ignore[union-attr]


# ------------------------------------------------------------------ staging

AJCC = "http://cancerstaging.org"


def _tnm(b: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    return (
        resource(b, "Observation/tnm-t"),
        resource(b, "Observation/tnm-n"),
        resource(b, "Observation/tnm-m"),
    )


def test_ajcc_codes_prefixes_and_group_method() -> None:
    b = bundle()
    t, n, m = _tnm(b)
    for o, code in ((t, "ypT2"), (n, "ypN0"), (m, "ypM0")):
        o["code"] = concept(LOINC, {"T": "21911-3", "N": "21912-1", "M": "21913-9"}[code[2]])
        o["valueCodeableConcept"] = concept(AJCC, code)
        del o["method"]
    add(
        b,
        obs(
            "group",
            "21908-9",
            {"valueCodeableConcept": concept(AJCC, "I")},
            when="2025-01-06",
            method=concept(SNOMED, "1269566009"),
            focus=[{"reference": "Condition/primary-cancer"}],
            hasMember=[
                {"reference": "Observation/tnm-t"},
                {"reference": "Observation/tnm-n"},
                {"reference": "Observation/tnm-m"},
            ],
        ),
    )
    case_doc, report = run(b)
    assert case_doc["primary"]["stage"] == {
        "t": "T2",
        "n": "N0",
        "m": "M0",
        "prefix": "y",
        "edition": "AJCC9",
    }
    assert "stage group is derived" in reasons(report)


def test_later_staging_and_unknown_values() -> None:
    b = bundle()
    add(
        b,
        obs(
            "restaged-t",
            "21905-5",
            {"valueCodeableConcept": concept(SNOMED, "1228944003")},
            when="2025-07-07",
            focus=[{"reference": "Condition/primary-cancer"}],
        ),
    )
    add(
        b,
        obs(
            "unfocused-t",
            "21905-5",
            {"valueCodeableConcept": concept(SNOMED, "1228944003")},
            when="2025-01-06",
        ),
    )
    t, _, _ = _tnm(b)
    t["valueCodeableConcept"] = concept(SNOMED, "999999999")
    error = fails(b)
    text = reasons(error.report)
    assert "later staging" in text
    assert "Observation/unfocused-t: staging not tied to the anal primary" in text
    assert "Observation/tnm-t.valueCodeableConcept: category value not among" in text
    assert "primary.stage.t" in {p.path for p in error.errors}


def test_staging_conflicts() -> None:
    b = bundle()
    t, *_ = _tnm(b)
    t["valueCodeableConcept"] = concept(SNOMED, "1229967007")  # cN0 on a T observation
    assert "a T observation has value N0" in str(fails(b))
    b = bundle()
    t, *_ = _tnm(b)
    t["valueCodeableConcept"] = concept(SNOMED, "1229859000")  # pT3 on a clinical code
    assert "code says c, value says p" in str(fails(b))
    b = bundle()
    t, *_ = _tnm(b)
    t["code"] = concept(LOINC, "21899-0")
    t["valueCodeableConcept"] = concept(SNOMED, "1229859000")
    assert "T, N and M disagree" in str(fails(b))
    b = bundle()
    t, _n, _m = _tnm(b)
    t["method"] = concept(SNOMED, "1269566009")
    assert "staging methods disagree" in str(fails(b))


def test_edition_from_base_when_no_method() -> None:
    b = bundle()
    for o in _tnm(b):
        del o["method"]
    base_doc = base()
    base_doc["primary"] = {"stage": {"edition": "UICC8"}}
    case_doc, report = run(b, base_doc)
    assert case_doc["primary"]["stage"]["edition"] == "UICC8"
    assert "primary.stage.edition" in report.from_base


# ------------------------------------------------------------------ radiotherapy

RT_EXT = (
    "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-dose-delivered-to-volume"
)
RT_PROFILE = "http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-radiotherapy-course-summary"


def _course(
    ident: str,
    volumes: list[dict[str, Any]],
    start: str | None = "2020-01-01",
    end: str | None = "2020-02-01",
    **more: Any,
) -> dict[str, Any]:
    period = {k: v for k, v in (("start", start), ("end", end)) if v is not None}
    return {
        "resourceType": "Procedure",
        "id": ident,
        "meta": {"profile": [RT_PROFILE]},
        "status": "completed",
        "code": concept(SNOMED, "1217123003"),
        "performedPeriod": period,
        "extension": [{"url": RT_EXT, "extension": v} for v in volumes],
        **more,
    }


def _volume(
    reference: str | None = None, dose: Any = None, unit: str = "cGy", fractions: int | None = None
) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [
        {"url": "volume", "valueReference": {"reference": reference or "BodyStructure/none"}}
    ]
    if dose is not None:
        parts.append(
            {
                "url": "totalDoseDelivered",
                "valueQuantity": {"value": dose, "unit": unit, "system": UCUM, "code": unit},
            }
        )
    if fractions is not None:
        parts.append({"url": "fractionsDelivered", "valueUnsignedInt": fractions})
    return parts


def _body(ident: str, site: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "BodyStructure",
        "id": ident,
        "patient": {"reference": "Patient/example-patient"},
    }
    if site:
        out["location"] = concept(SNOMED, site)
    return out


def test_prior_courses_regions() -> None:
    b = bundle()
    add(b, _body("pelvis", "12921003"))
    add(b, _body("groin", "279763008"))
    add(
        b,
        _course(
            "rt-pelvis",
            [_volume("BodyStructure/pelvis", 3000, fractions=10)],
            start=None,
            end="2010-01-01",
        ),
    )
    add(b, _course("rt-groin", [_volume("BodyStructure/groin", 20, "Gy", 5)]))
    add(
        b,
        _course(
            "rt-other", [_volume(None, 800, fractions=1)], bodySite=[concept(SNOMED, "39607008")]
        ),
    )
    add(
        b,
        {
            "resourceType": "BodyStructure",
            "id": "orphan",
            "patient": {"reference": "Patient/example-patient"},
        },
    )
    case_doc, report = run(b)
    assert [c["region"] for c in case_doc["prior_radiotherapy"]] == ["pelvis", "groin", "other"]
    assert case_doc["prior_radiotherapy"][1]["dose"] == {"value": 20, "unit": "Gy"}
    assert "BodyStructure/orphan: BodyStructure resources are not mapped" in reasons(report)


def test_unmappable_prior_course_falls_back_to_base() -> None:
    b = bundle()
    add(b, _course("rt-nodose", [_volume(None)]))
    add(b, _course("rt-noperiod", [_volume(None, 800, fractions=1)], start=None, end=None))
    error = fails(b)
    assert "prior_radiotherapy" in {p.path for p in error.errors}
    assert "cannot be mapped" in str(error)
    base_doc = base()
    base_doc["prior_radiotherapy"] = []
    _case_doc, report = run(b, base_doc)
    assert "prior_radiotherapy" in report.from_base
    assert "course without end date or dose and fractions" in reasons(report)


def test_other_procedures_and_unnamed_courses() -> None:
    b = bundle()
    add(
        b,
        {
            "resourceType": "Procedure",
            "id": "apr",
            "status": "completed",
            "code": concept(SNOMED, "265414003"),
        },
    )
    del resource(b, "Procedure/primary-crt")["reasonReference"]
    base_doc = base()
    base_doc["primary"] = {"chemoradiotherapy": example_document()["primary"]["chemoradiotherapy"]}
    base_doc["prior_radiotherapy"] = []
    case_doc, report = run(b, base_doc)
    text = reasons(report)
    assert "Procedure/apr: procedure is not a radiotherapy course summary" in text
    assert "cannot tell which course is the primary CRT" in text
    assert case_doc["primary"]["chemoradiotherapy"]["dose"] == {"value": 50.4, "unit": "Gy"}


def test_primary_named_by_reason_code_and_unlocated_volume() -> None:
    b = bundle()
    crt = resource(b, "Procedure/primary-crt")
    del crt["reasonReference"]
    crt["reasonCode"] = [concept(ICD, "C21.1")]
    crt["extension"][1]["extension"][0]["valueReference"]["reference"] = "BodyStructure/nowhere"
    case_doc, report = run(b)
    assert case_doc["primary"]["chemoradiotherapy"]["groins_irradiated"] is None
    assert any("groins_irradiated unknown" in n for n in report.notes)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c.update(status="in-progress"), "not completed or stopped"),
        (lambda c: c["performedPeriod"].pop("end"), "not completed or stopped"),
        (lambda c: c.update(extension=[c["extension"][-1]]), "no doseDeliveredToVolume"),
        (
            lambda c: c["extension"][0]["extension"][1]["valueQuantity"].update(
                code="rad", unit="rad"
            ),
            "totalDoseDelivered unit 'rad'",
        ),
        (
            lambda c: (c["extension"][0]["extension"].pop(2), c["extension"].pop()),
            "no fractionsDelivered",
        ),
    ],
)
def test_unusable_primary_course(edit: Callable[[dict[str, Any]], Any], message: str) -> None:
    b = bundle()
    edit(resource(b, "Procedure/primary-crt"))
    error = fails(b)
    assert message in reasons(error.report)
    assert "primary.chemoradiotherapy" in {p.path for p in error.errors}


def test_sessions_give_fractions_and_groin_dose_is_mapped() -> None:
    b = bundle()
    crt = resource(b, "Procedure/primary-crt")
    crt["extension"][0]["extension"].pop(2)  # fractionsDelivered of the primary volume
    crt["extension"][1]["extension"].append(
        {
            "url": "totalDoseDelivered",
            "valueQuantity": {"value": 4500, "unit": "cGy", "system": UCUM, "code": "cGy"},
        }
    )
    crt["extension"][1]["extension"].append({"url": "fractionsDelivered", "valueUnsignedInt": 25})
    case_doc, _ = run(b)
    crt_doc = case_doc["primary"]["chemoradiotherapy"]
    assert crt_doc["fractions"] == 28
    assert crt_doc["groin_dose"] == {"value": 4500, "unit": "cGy"}
    assert crt_doc["groin_fractions"] == 25


def test_groins_from_body_site_and_not_irradiated() -> None:
    b = bundle()
    crt = resource(b, "Procedure/primary-crt")
    crt["extension"].pop(1)
    assert run(b)[0]["primary"]["chemoradiotherapy"]["groins_irradiated"] is False
    crt["bodySite"] = [concept(SNOMED, "8928004")]
    assert run(b)[0]["primary"]["chemoradiotherapy"]["groins_irradiated"] is True


# ------------------------------------------------------------------ medications


def _med(
    ident: str,
    drug: str,
    start: str,
    end: str | None,
    *,
    kind: str = "MedicationStatement",
    status: str = "completed",
    code: str | None = None,
    **more: Any,
) -> dict[str, Any]:
    period = {"start": start, **({"end": end} if end else {})}
    medication = concept(RXNORM, code, drug) if code else {"text": drug}
    return {
        "resourceType": kind,
        "id": ident,
        "status": status,
        "medicationCodeableConcept": medication,
        "effectivePeriod": period,
        "reasonReference": [{"reference": "Condition/primary-cancer"}],
        **more,
    }


PALLIATIVE = [{"url": EXT_INTENT, "valueCodeableConcept": concept(SNOMED, "363676003")}]


def test_palliative_regimen_and_ongoing_immunotherapy() -> None:
    b = bundle()
    add(
        b,
        _med(
            "carbo",
            "carboplatin",
            "2025-09-01",
            "2026-01-15",
            code="40048",
            status="stopped",
            statusReason=[concept(SNOMED, "266721009")],
            extension=PALLIATIVE,
        ),
    )
    add(
        b,
        _med(
            "pacli",
            "Paclitaxel 6 MG/ML",
            "2025-09-01",
            "2026-01-15",
            status="stopped",
            statusReason=[concept(SNOMED, "266721009")],
            extension=PALLIATIVE,
        ),
    )
    add(
        b,
        _med(
            "nivo",
            "nivolumab",
            "2026-03-01",
            None,
            kind="MedicationAdministration",
            status="in-progress",
            extension=PALLIATIVE,
        ),
    )
    case_doc, _report = run(b)
    assert case_doc["prior_systemic_therapy"] == _written(
        {
            "regimen": "carboplatin_paclitaxel",
            "setting": "advanced",
            "start_date": "2025-09-01",
            "end_date": "2026-01-15",
            "outcome": "progression",
        },
        {
            "regimen": "anti_pd1_monotherapy",
            "setting": "advanced",
            "start_date": "2026-03-01",
            "end_date": None,
            "outcome": "ongoing",
        },
    )


def test_medication_reference_other_cancer_and_radiosensitising() -> None:
    b = bundle()
    add(
        b, {"resourceType": "Medication", "id": "cis", "code": concept(RXNORM, "2555", "cisplatin")}
    )
    add(
        b,
        _med(
            "cis-1",
            "",
            "2025-01-06",
            "2025-02-10",
            medicationReference={"reference": "Medication/cis"},
        ),
    )
    del resource(b, "MedicationStatement/cis-1")["medicationCodeableConcept"]
    add(b, _med("fu-1", "fluorouracil", "2025-01-06", "2025-02-10", code="4492"))
    for drug in ("docetaxel", "cisplatin", "fluorouracil"):
        add(
            b,
            _med(
                f"other-{drug}",
                drug,
                "2010-01-01",
                "2010-03-01",
                reasonReference=[{"reference": "Condition/lung"}],
            ),
        )
    # mCODE IG example: non-small cell lung cancer, adenocarcinoma
    add(
        b,
        _condition(
            "lung",
            concept(SNOMED, "254637007"),
            extension=[{"url": EXT_HISTOLOGY, "valueCodeableConcept": concept(SNOMED, "35917007")}],
        ),
    )
    remove(b, "MedicationAdministration/crt-mitomycin", "MedicationAdministration/crt-fluorouracil")
    case_doc, report = run(b)
    assert [(t["regimen"], t["setting"]) for t in case_doc["prior_systemic_therapy"]] == [
        ("cisplatin_fluorouracil", "radiosensitising"),
        ("docetaxel_cisplatin_fluorouracil", "other_cancer"),
    ]
    assert report.field("prior_systemic_therapy") is not None


def test_radiosensitising_chemo_uses_the_base_crt_dates() -> None:
    b = bundle()
    del resource(b, "Procedure/primary-crt")["reasonReference"]
    base_doc = base()
    base_doc["primary"] = {"chemoradiotherapy": example_document()["primary"]["chemoradiotherapy"]}
    base_doc["prior_radiotherapy"] = []
    case_doc, report = run(b, base_doc)
    assert case_doc["prior_systemic_therapy"] == []
    assert any("radiosensitising chemotherapy" in n for n in report.notes)


@pytest.mark.parametrize(
    ("meds", "message"),
    [
        (
            [_med("a", "aspirin", "2025-09-01", "2025-10-01")],
            "not one recognised anticancer ingredient",
        ),
        ([_med("a", "carboplatin", "2025-09-01", "2025-10-01")], "is not a systemic option"),
        (
            [{**_med("a", "carboplatin", "2025-09-01", None), "effectivePeriod": None}],
            "without an effective date",
        ),
        (
            [
                _med("a", "carboplatin", "2025-09-01", "2025-10-01"),
                _med("b", "paclitaxel", "2025-09-01", "2025-10-01"),
            ],
            "setting cannot be determined",
        ),
        (
            [
                _med(
                    "a",
                    "carboplatin",
                    "2025-09-01",
                    "2025-10-01",
                    status="stopped",
                    extension=PALLIATIVE,
                ),
                _med("b", "paclitaxel", "2025-09-01", "2025-10-01", extension=PALLIATIVE),
            ],
            "stopped without a mapped termination reason",
        ),
    ],
)
def test_unmappable_medications_fall_back_to_base(meds: list[dict[str, Any]], message: str) -> None:
    b = bundle()
    for med in meds:
        add(b, {k: v for k, v in med.items() if v is not None})
    error = fails(b)
    assert message in reasons(error.report)
    assert "prior_systemic_therapy" in {p.path for p in error.errors}
    base_doc = base()
    base_doc["prior_systemic_therapy"] = []
    _, report = run(b, base_doc)
    assert "prior_systemic_therapy" in report.from_base


def test_medication_statuses_not_given_are_skipped() -> None:
    b = bundle()
    add(b, _med("planned", "carboplatin", "2026-12-01", None, status="intended"))
    case_doc, report = run(b)
    assert "status 'intended': not a therapy given" in reasons(report)
    assert case_doc["prior_systemic_therapy"] == []


def test_date_only_medication_and_intolerance() -> None:
    b = bundle()
    add(
        b,
        {
            **_med(
                "pembro",
                "pembrolizumab",
                "2026-02-01",
                None,
                status="stopped",
                statusReason=[concept(SNOMED, "407563006")],
                extension=PALLIATIVE,
            ),
            "effectivePeriod": None,
            "effectiveDateTime": "2026-02-01",
        },
    )
    b["entry"][-1]["resource"].pop("effectivePeriod")
    case_doc, _ = run(b)
    assert case_doc["prior_systemic_therapy"] == _written(
        {
            "regimen": "anti_pd1_monotherapy",
            "setting": "advanced",
            "start_date": "2026-02-01",
            "end_date": "2026-02-01",
            "outcome": "intolerance",
        }
    )


def test_dangling_references() -> None:
    b = bundle()
    add(
        b,
        _med(
            "ghost",
            "",
            "2025-09-01",
            "2025-10-01",
            medicationReference={"reference": "Medication/missing"},
        ),
    )
    del resource(b, "MedicationStatement/ghost")["medicationCodeableConcept"]
    crt = resource(b, "Procedure/primary-crt")
    crt["extension"][1]["extension"][0]["valueReference"] = {"display": "groin nodes"}
    error = fails(b)
    assert "not one recognised anticancer ingredient" in reasons(error.report)


def test_unprefixed_categories_take_the_prefix_from_base() -> None:
    b = bundle()
    for o, code in zip(_tnm(b), ("T3", "N1a", "M0"), strict=True):
        o["code"] = concept(LOINC, {"T": "21911-3", "N": "21912-1", "M": "21913-9"}[code[0]])
        o["valueCodeableConcept"] = concept(AJCC, code)
    add(
        b,
        obs(
            "group",
            "21908-9",
            {"valueCodeableConcept": concept(AJCC, "IIIB")},
            when="2025-01-06",
            hasMember=[{"display": "T"}],
        ),
    )
    condition = resource(b, "Condition/primary-cancer")
    condition["bodySite"].insert(0, concept(SNOMED, "39607008"))
    base_doc = base()
    base_doc["primary"] = {"stage": {"prefix": "c"}}
    case_doc, report = run(b, base_doc)
    assert case_doc["primary"]["stage"]["prefix"] == "c"
    assert "primary.stage.prefix" in report.from_base


def _written(*therapies: dict[str, Any]) -> list[dict[str, Any]]:
    """Prior therapies as ``dump_case`` writes them (schema 2: every key, at its default)."""
    defaults = {"platinum_end_date": None, "agents": None, "cycles": None, "best_response": None}
    return [{**therapy, **defaults} for therapy in therapies]


# ------------------------------------------------------------------ conflicts and intents


PATIENT = {"reference": "Patient/example-patient"}


def _creatinine(ident: str, value: float, when: str) -> dict[str, Any]:
    return obs(ident, "2160-0", qty(value, "mg/dL"), when=when)


def test_same_day_observations_the_later_time_wins_whatever_the_order() -> None:
    for first, second in (("08:00", "16:00"), ("16:00", "08:00")):
        b = bundle()
        remove(b, "Observation/creatinine")
        values = {"08:00": 2.5, "16:00": 0.8}
        for ident, time in (("creat-a", first), ("creat-b", second)):
            add(b, _creatinine(ident, values[time], f"2026-11-20T{time}:00Z"))
        case_doc, report = run(b)
        assert case_doc["patient"]["serum_creatinine"] == {"value": 0.8, "unit": "mg/dL"}
        assert "superseded by the more recent" in reasons(report) or (
            "an observation of the same code is more recent" in reasons(report)
        )


def test_same_day_observations_with_periods_are_ordered_by_their_end() -> None:
    b = bundle()
    remove(b, "Observation/creatinine")
    for ident, value, end in (("creat-a", 0.8, "18:00"), ("creat-b", 2.5, "09:00")):
        item = _creatinine(ident, value, "2026-11-20")
        del item["effectiveDateTime"]
        item["effectivePeriod"] = {
            "start": "2026-11-20T07:00:00+01:00",
            "end": f"2026-11-20T{end}:00+01:00",
        }
        add(b, item)
    case_doc, _ = run(b)
    assert case_doc["patient"]["serum_creatinine"] == {"value": 0.8, "unit": "mg/dL"}


def test_same_day_observations_that_disagree_without_times_are_a_conflict() -> None:
    b = bundle()
    remove(b, "Observation/creatinine")
    add(b, _creatinine("creat-a", 2.5, "2026-11-20"))
    add(b, _creatinine("creat-b", 0.8, "2026-11-20T16:00:00Z"))  # one has no time
    error = fails(b)
    conflict = [p for p in error.errors if p.path == "patient.serum_creatinine"]
    assert len(conflict) == 1
    assert "Observation/creat-a and Observation/creat-b" in conflict[0].message
    # Equal values on the same date are one measurement recorded twice.
    b = bundle()
    remove(b, "Observation/creatinine")
    add(b, _creatinine("creat-a", 0.9, "2026-11-20"))
    add(b, _creatinine("creat-b", 0.9, "2026-11-20"))
    case_doc, report = run(b)
    assert case_doc["patient"]["serum_creatinine"] == {"value": 0.9, "unit": "mg/dL"}
    assert "Observation/creat-b: duplicate of Observation/creat-a" in reasons(report)


def test_a_resource_about_another_patient_is_refused() -> None:
    b = bundle()
    remove(b, "Observation/weight")
    add(
        b,
        obs(
            "weight-other",
            "29463-7",
            qty(120, "kg"),
            subject={"reference": "Patient/someone-else"},
        ),
    )
    error = fails(b)
    messages = [p.message for p in error.errors if p.path == "bundle"]
    assert any("Observation/weight-other: subject 'Patient/someone-else'" in m for m in messages)
    # The same patient named on another server, or an unresolvable urn:uuid, is the
    # bundle's only patient (the latter noted).
    b = bundle()
    resource(b, "Observation/weight")["subject"] = {
        "reference": "https://ehr.test.invalid/fhir/Patient/example-patient"
    }
    resource(b, "Observation/height")["subject"] = {
        "reference": "urn:uuid:6f1c1a59-0f1e-4d1f-9d1c-000000000001"
    }
    case_doc, report = run(b)
    assert case_doc["patient"]["weight"]["value"] == 68
    assert any("Observation/height: subject 'urn:uuid:" in note for note in report.notes)
    assert not any("Observation/weight" in note for note in report.notes)


@pytest.mark.parametrize("status", ["entered-in-error", "not-done"])
def test_a_radiotherapy_course_never_given_is_not_a_prior_course(status: str) -> None:
    b = bundle()
    add(b, _body("groin", "279763008"))
    add(b, _course("rt-groin", [_volume("BodyStructure/groin", 20, "Gy", 5)], status=status))
    case_doc, report = run(b)
    assert case_doc["prior_radiotherapy"] == []
    assert f"radiotherapy course with status {status!r}: not given" in reasons(report)


def test_an_unfinished_prior_course_falls_back_to_base() -> None:
    b = bundle()
    add(b, _body("groin", "279763008"))
    add(b, _course("rt-groin", [_volume("BodyStructure/groin", 20, "Gy", 5)], status="in-progress"))
    error = fails(b)
    assert "prior_radiotherapy" in {p.path for p in error.errors}
    assert "status 'in-progress': not finished" in reasons(error.report)


def _carboplatin_paclitaxel_requests(intent: str) -> dict[str, Any]:
    """A bundle with carboplatin and paclitaxel requests of *intent* (no administrations)."""
    b = bundle()
    for ident, drug in (("req-carbo", "carboplatin"), ("req-pacli", "paclitaxel")):
        request = _med(
            ident,
            drug,
            "2026-11-01",
            None,
            kind="MedicationRequest",
            status="active",
            extension=PALLIATIVE,
        )
        del request["effectivePeriod"]
        add(b, {**request, "intent": intent, "authoredOn": "2026-11-01", "subject": PATIENT})
    return b


@pytest.mark.parametrize("intent", ["proposal", "plan", "option"])
def test_a_proposed_or_planned_request_is_not_a_therapy_given(intent: str) -> None:
    case_doc, report = run(_carboplatin_paclitaxel_requests(intent))
    assert case_doc["prior_systemic_therapy"] == []
    assert f"intent {intent!r}: a proposed or planned treatment, not one given" in reasons(report)
    # An order is a therapy given (the same requests, intent order).
    case_doc, _ = run(_carboplatin_paclitaxel_requests("order"))
    assert [item["regimen"] for item in case_doc["prior_systemic_therapy"]] == [
        "carboplatin_paclitaxel"
    ]


def test_two_stagings_of_one_category_at_diagnosis() -> None:
    """Never decided by resource id: the same value is a duplicate, another a conflict."""
    b = bundle()
    t, *_ = _tnm(b)
    copy_t = {**copy.deepcopy(t), "id": "tnm-t-copy"}
    add(b, copy_t)
    case_doc, report = run(b)
    assert case_doc["primary"]["stage"]["t"] == "T3"
    assert "Observation/tnm-t-copy: duplicate of Observation/tnm-t (stage T)" in reasons(report)
    b = bundle()
    t, *_ = _tnm(b)
    other = {**copy.deepcopy(t), "id": "tnm-t-other"}
    other["valueCodeableConcept"] = concept(SNOMED, "1228944003")  # cT4
    add(b, other)
    error = fails(b)
    messages = [p.message for p in error.errors if p.path == "primary.stage.t"]
    assert any("Observation/tnm-t (cT3) and Observation/tnm-t-other (cT4)" in m for m in messages)


def test_a_unit_code_without_its_system_is_not_read() -> None:
    """FHIR qty-3: "[lb_av]" displayed as "kg" must not be read as 150 kg."""
    b = bundle()
    remove(b, "Observation/weight")
    add(
        b,
        obs(
            "weight-x",
            "29463-7",
            {"valueQuantity": {"value": 150, "code": "[lb_av]", "unit": "kg"}},
        ),
    )
    case_doc, report = run(b)
    assert case_doc["patient"]["weight"] is None  # unknown, never 150 kg
    assert "unit code '[lb_av]' without a system (FHIR qty-3)" in reasons(report)


def test_every_problem_is_listed_at_once() -> None:
    """A contradiction with base does not hide an invalid value the bundle gives."""
    b = bundle()
    resource(b, "Observation/ecog")["valueInteger"] = 7
    base_doc = base()
    base_doc["patient"]["weight"] = {"value": 90, "unit": "kg"}
    error = fails(b, base_doc)
    paths = [p.path for p in error.errors]
    assert paths.count("patient.weight") == 1
    assert "patient.ecog" in paths
    # A field the mapping names is not named again by the case's validation ("required").
    b2 = bundle()
    t, *_ = _tnm(b2)
    add(
        b2,
        {
            **copy.deepcopy(t),
            "id": "tnm-t-other",
            "valueCodeableConcept": concept(SNOMED, "1228944003"),
        },
    )
    error = fails(b2)
    assert [p.path for p in error.errors].count("primary.stage.t") == 2  # conflict, not supplied
    assert all(not p.path.startswith("primary.stage.t.") for p in error.errors)
