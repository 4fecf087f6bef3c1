"""The FHIR mapping never takes a value from the wrong patient, time, unit or course.

Found by a second outside audit with bundles shaped as records are: each test failed on the
mapping before its fix (docs/fhir.md, "One patient, one current value").
"""

from __future__ import annotations

from typing import Any

import pytest

from ascc_salvage import CaseValidationError
from ascc_salvage.fhir import FhirMappingError, case_from_bundle

from .test_fhir_mapping import (
    PALLIATIVE,
    WHEN,
    _creatinine,
    _med,
    add,
    base,
    bundle,
    fails,
    obs,
    reasons,
    remove,
    resource,
    run,
)


def _messages(error: FhirMappingError | CaseValidationError) -> str:
    return "\n".join(f"{p.path}: {p.message}" for p in error.errors)


def test_observations_in_different_time_zones_are_ordered_by_instant() -> None:
    # 23:30 at UTC-10 on the 24th is 09:30 UTC on the 25th: later than 01:00 UTC on the 25th,
    # though its local date is the day before. The local dates decided: 0.8 mg/dL was used.
    b = bundle()
    remove(b, "Observation/creatinine")
    add(b, _creatinine("cr-late", 2.5, "2026-11-24T23:30:00-10:00"))
    add(b, _creatinine("cr-early", 0.8, "2026-11-25T01:00:00+00:00"))
    case_doc, report = run(b)
    assert case_doc["patient"]["serum_creatinine"] == {"value": 2.5, "unit": "mg/dL"}
    assert "Observation/cr-early" in reasons(report)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ({"identifier": {"system": "urn:mrn", "value": "OTHER-999"}}, "by an identifier"),
        ({"display": "Someone Else"}, "by display text"),
        ({"reference": "#p2"}, "subject '#p2' is not the bundle's patient"),
    ],
    ids=["identifier", "display", "contained"],
)
def test_a_subject_that_cannot_be_the_bundles_patient_fails_the_mapping(
    subject: dict[str, Any], text: str
) -> None:
    b = bundle()
    weight = obs("w-other", "29463-7", {"valueQuantity": _kg(120)}, subject=subject)
    if subject.get("reference") == "#p2":
        weight["contained"] = [{"resourceType": "Patient", "id": "p2", "gender": "male"}]
    add(b, weight)
    error = fails(b)
    assert "Observation/w-other: subject" in _messages(error)
    assert text in _messages(error)


def test_a_subject_by_the_patients_own_identifier_is_the_patient() -> None:
    b = bundle()
    patient = resource(b, "Patient/example-patient")
    patient["identifier"] = [{"system": "urn:mrn", "value": "MRN-1"}]
    remove(b, "Observation/weight")
    subject = {"identifier": {"system": "urn:mrn", "value": "MRN-1"}}
    add(b, obs("w-mrn", "29463-7", {"valueQuantity": _kg(70)}, subject=subject))
    case_doc, _ = run(b)
    assert case_doc["patient"]["weight"] == {"value": 70, "unit": "kg"}


def test_without_a_patient_resource_the_subjects_must_agree() -> None:
    b = bundle()
    remove(b, "Patient/example-patient", "Observation/weight")
    add(b, obs("w-a", "29463-7", {"valueQuantity": _kg(120)}, subject={"reference": "Patient/A"}))
    error = fails(b)
    assert "has no Patient and its resources name 2 subjects" in _messages(error)
    assert "Patient/A (Observation/w-a)" in _messages(error)


def _kg(value: float, **unit: Any) -> dict[str, Any]:
    return {
        "value": value,
        "unit": "kg",
        "system": "http://unitsofmeasure.org",
        "code": "kg",
        **unit,
    }


def test_a_unit_coded_in_another_system_is_not_read_from_its_display() -> None:
    # {code "[lb_av]" in a local system, unit "kg"} was read as 150 kg.
    b = bundle()
    remove(b, "Observation/weight")
    local = _kg(150, system="http://example.org/local-units", code="[lb_av]")
    add(b, obs("w-local", "29463-7", {"valueQuantity": local}))
    case_doc, report = run(b)
    assert case_doc["patient"]["weight"] is None
    assert "unit system 'http://example.org/local-units' is not UCUM" in reasons(report)


@pytest.mark.parametrize(
    "kind", ["MedicationStatement", "MedicationAdministration", "MedicationRequest"]
)
def test_a_medication_of_unknown_status_makes_the_list_incomplete(kind: str) -> None:
    # It was "not a therapy given", and the list without it taken as complete.
    b = bundle()
    extra = {"intent": "order"} if kind == "MedicationRequest" else {}
    med = _med(
        "pembro", "pembrolizumab", "2026-03-01", None, kind=kind, status="unknown",
        extension=PALLIATIVE, **extra,
    )  # fmt: skip
    if kind == "MedicationRequest":
        del med["effectivePeriod"]
        med["authoredOn"] = "2026-03-01"
        med["subject"] = {"reference": "Patient/example-patient"}
    add(b, med)
    error = fails(b)
    assert f"the bundle's {kind}/pembro cannot be mapped" in _messages(error)
    assert "status 'unknown'" in reasons(error.report)


@pytest.mark.parametrize(
    "name", ["nab-paclitaxel (Abraxane)", "paclitaxel protein-bound particles (albumin-bound)"]
)
def test_nab_paclitaxel_by_name_is_not_read_as_paclitaxel(name: str) -> None:
    b = bundle()
    add(b, _med("carbo", "carboplatin", "2025-09-01", "2026-01-15", code="40048",
                extension=PALLIATIVE))  # fmt: skip
    add(b, _med("nab", name, "2025-09-01", "2026-01-15", extension=PALLIATIVE))
    error = fails(b)
    assert "MedicationStatement/nab cannot be mapped" in _messages(error)


def test_every_problem_is_listed_with_an_unknown_resource_type() -> None:
    # The unknown type was reported alone; the invalid decimal only once it was fixed.
    b = bundle()
    b["entry"].append({"resource": {"resourceType": "Observaton", "id": "typo"}})
    broken = obs("bad", "29463-7", {"valueQuantity": {"value": "1,5", "unit": "kg"}})
    add(b, broken)
    with pytest.raises(CaseValidationError) as info:
        case_from_bundle(b, evaluation_date=WHEN, base=base())
    paths = [p.path for p in info.value.errors]
    typo, bad = len(b["entry"]) - 2, len(b["entry"]) - 1
    assert f"bundle.entry[{typo}].resource.resourceType" in paths
    assert any(path.startswith(f"bundle.entry[{bad}].resource.valueQuantity") for path in paths)


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        ("patient", [], "a list"),
        ("primary", "x", "a string"),
        ("patient.hiv", "positive", "a string"),
    ],
)
def test_a_base_value_where_an_object_belongs_is_refused(path: str, value: Any, shown: str) -> None:
    # It was replaced by what the bundle maps, and what base said lost without a word.
    base_doc = base()
    node = base_doc
    *parents, last = path.split(".")
    for part in parents:
        node = node[part]
    node[last] = value
    error = fails(bundle(), base_doc)
    assert f"{path}: expected an object in base, got {shown}" in _messages(error)


def test_without_a_patient_subjects_by_identifier_or_display_count_as_subjects() -> None:
    b = bundle()
    remove(b, "Patient/example-patient", "Observation/weight")
    by_identifier = {"identifier": {"system": "urn:mrn", "value": "MRN-1"}}
    add(b, obs("w-mrn", "29463-7", {"valueQuantity": _kg(70)}, subject=by_identifier))
    add(b, obs("h-name", "8302-2", {"valueQuantity": _kg(1)}, subject={"display": "J. Doe"}))
    add(b, obs("c-urn", "2160-0", {"valueQuantity": _kg(1)}, subject={"reference": "urn:uuid:x"}))
    text = _messages(fails(b))
    assert "urn:uuid:x (Observation/c-urn)" in text
    assert "identifier urn:mrn|MRN-1 (Observation/w-mrn)" in text
    assert "display 'J. Doe' (Observation/h-name)" in text
