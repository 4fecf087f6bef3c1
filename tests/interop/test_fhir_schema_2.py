"""Case schema 2 fields from FHIR: one test per mapped field, and the report of the rest.

Resource shapes follow public examples: laboratory Observations with a reference range (FHIR
R4 core lab examples, US Core), the GECCO ``ClinicalFrailtyScaleScore`` example (SNOMED CT
763264000, a level of the GECCO frailty-score code system, method 445414007), the HL7 Genomics
Reporting IG MSI and TMB examples (LOINC 81695-9 with LA26203-2 "MSI-H"; 94076-7 with a bare
value), the MII molecular genetics examples (MSI as interpretation, TMB in ``1/1000000{Base}``)
and mCODE Cancer-Related Medication Statements.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from tests.interop._support import example_document, normalised, reasons
from tests.interop.test_fhir_mapping import (
    LOINC,
    PALLIATIVE,
    RXNORM,
    SNOMED,
    UCUM,
    _body,
    _condition,
    _course,
    _med,
    _volume,
    add,
    base,
    bundle,
    concept,
    fails,
    obs,
    qty,
    remove,
    resource,
    run,
)
from tests.interop.test_fhir_roundtrip import _schema_2_base

from ascc_salvage import dump_case, load_case, recommend
from ascc_salvage.case import Case
from ascc_salvage.fhir import case_from_bundle, case_to_bundle
from ascc_salvage.fhir._schema2 import FRAILTY_SCORE_SYSTEM, NOT_MAPPED

CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def _lab(ident: str, code: str, value: float, unit: str, high: float | None, **more: Any) -> Any:
    """A laboratory Observation with a UCUM value and (optionally) its reference range."""
    resource: dict[str, Any] = obs(
        ident,
        code,
        qty(value, unit),
        category=[
            concept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory")
        ],
        **more,
    )
    if high is not None:
        resource["referenceRange"] = [
            {
                "low": {"value": 0, "unit": unit, "system": UCUM, "code": unit},
                "high": {"value": high, "unit": unit, "system": UCUM, "code": unit},
            }
        ]
    return resource


# ------------------------------------------------------------------ liver tests


def test_liver_tests_are_mapped_as_multiples_of_the_upper_limit() -> None:
    b = bundle()
    add(b, _lab("bili", "1975-2", 1.8, "mg/dL", 1.2))
    add(b, _lab("ast", "1920-8", 80, "U/L", 40))
    add(b, _lab("alt", "1742-6", 22, "U/L", 44))
    add(b, _lab("alp", "6768-6", 130, "U/L", 130))
    case_doc, report = run(b)
    assert case_doc["patient"]["hepatic_function"] == {
        "bilirubin_x_uln": 1.5,
        "ast_x_uln": 2.0,
        "alt_x_uln": 0.5,
        "alp_x_uln": 1.0,
    }
    field = report.field("patient.hepatic_function.bilirubin_x_uln")
    assert field is not None
    assert field.sources == ("Observation/bili",)
    assert "referenceRange.high" in field.note


def test_units_given_as_text_only_are_compared_as_text() -> None:
    b = bundle()
    lab = _lab("ast", "1920-8", 60, "U/L", 40)
    for quantity in (lab["valueQuantity"], lab["referenceRange"][0]["high"]):
        del quantity["system"], quantity["code"]
    add(b, lab)
    case_doc, _ = run(b)
    assert case_doc["patient"]["hepatic_function"]["ast_x_uln"] == 1.5


def test_one_liver_test_leaves_the_others_null() -> None:
    b = bundle()
    add(b, _lab("alt", "1742-6", 66, "U/L", 33))
    case_doc, _ = run(b)
    assert case_doc["patient"]["hepatic_function"] == {
        "bilirubin_x_uln": None,
        "ast_x_uln": None,
        "alt_x_uln": 2.0,
        "alp_x_uln": None,
    }


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.pop("referenceRange"), "(no referenceRange.high)"),
        (
            lambda r: r["referenceRange"][0]["high"].update(unit="umol/L", code="umol/L"),
            "(its referenceRange.high is in another unit)",
        ),
        (
            lambda r: r["referenceRange"][0]["high"].update(value=0),
            "(upper limit not positive)",
        ),
        (lambda r: r["valueQuantity"].update(comparator="<"), "value has comparator '<'"),
        (lambda r: r.pop("valueQuantity"), "no valueQuantity.value"),
    ],
)
def test_a_liver_test_without_a_usable_upper_limit_is_reported(edit: Any, message: str) -> None:
    b = bundle()
    lab = _lab("bili", "1975-2", 0.9, "mg/dL", 1.2)
    edit(lab)
    add(b, lab)
    case_doc, report = run(b)
    assert case_doc["patient"]["hepatic_function"]["bilirubin_x_uln"] is None
    text = reasons(report)
    assert "Observation/bili: patient.hepatic_function.bilirubin_x_uln not mapped" in text
    assert message in text
    if "upper limit" in message or "referenceRange" in message:
        assert "no upper limit of normal to express it as × ULN" in text


def test_a_stale_liver_test_is_not_used_and_an_implausible_one_is_refused() -> None:
    b = bundle()
    add(b, _lab("bili", "1975-2", 0.9, "mg/dL", 1.2, effectiveDateTime="2026-09-01"))
    case_doc, report = run(b)
    assert case_doc["patient"]["hepatic_function"]["bilirubin_x_uln"] is None
    assert "read only within 30 days" in reasons(report)
    b = bundle()
    add(b, _lab("bili", "1975-2", 80, "mg/dL", 1.2))
    error = fails(b)
    assert "patient.hepatic_function.bilirubin_x_uln" in {p.path for p in error.errors}


def test_a_liver_test_contradicting_base_is_a_problem() -> None:
    b = bundle()
    add(b, _lab("alt", "1742-6", 66, "U/L", 33))
    base_doc = base()
    base_doc["patient"]["hepatic_function"] = {"alt_x_uln": 1.0}
    assert "patient.hepatic_function.alt_x_uln" in {p.path for p in fails(b, base_doc).errors}
    base_doc["patient"]["hepatic_function"] = {"alt_x_uln": 2}
    case_doc, _ = run(b, base_doc)
    assert case_doc["patient"]["hepatic_function"]["alt_x_uln"] == 2.0


# ------------------------------------------------------------------ frailty


def _frailty(**value: Any) -> dict[str, Any]:
    # GECCO example "frailty-score-mildly-frail"
    return {
        "resourceType": "Observation",
        "id": "frailty",
        "status": "final",
        "category": [
            concept("http://terminology.hl7.org/CodeSystem/observation-category", "survey")
        ],
        "code": {
            "coding": [{"system": SNOMED, "code": "763264000"}],
            "text": "Frailty Scale Score",
        },
        "effectiveDateTime": "2026-11-01",
        "method": concept(SNOMED, "445414007"),
        **value,
    }


@pytest.mark.parametrize(
    "value",
    [
        {"valueCodeableConcept": concept(FRAILTY_SCORE_SYSTEM, "5")},
        {"valueInteger": 5},
    ],
)
def test_clinical_frailty_scale(value: dict[str, Any]) -> None:
    b = bundle()
    add(b, _frailty(**value))
    case_doc, report = run(b)
    assert case_doc["patient"]["clinical_frailty_scale"] == 5
    assert report.field("patient.clinical_frailty_scale") is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"valueString": "mildly frail"}, "without valueInteger or a level code"),
        (
            {
                "valueCodeableConcept": {
                    "coding": [
                        {"system": FRAILTY_SCORE_SYSTEM, "code": "4"},
                        {"system": FRAILTY_SCORE_SYSTEM, "code": "5"},
                    ]
                }
            },
            "values disagree: [4, 5]",
        ),
    ],
)
def test_unusable_frailty_scale(value: dict[str, Any], message: str) -> None:
    b = bundle()
    add(b, _frailty(**value))
    case_doc, report = run(b)
    assert case_doc["patient"]["clinical_frailty_scale"] is None
    assert message in reasons(report)


# ------------------------------------------------------------------ biomarkers


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        # Genomics Reporting IG gx2 example
        ({"valueCodeableConcept": concept(LOINC, "LA26203-2")}, "dmmr_or_msi_high"),
        # MII example: a ratio with the category as interpretation
        (
            {
                "valueQuantity": {"value": 0.42, "unit": "ratio", "system": UCUM, "code": "1"},
                "interpretation": [concept(LOINC, "LA26203-2")],
            },
            "dmmr_or_msi_high",
        ),
        ({"valueCodeableConcept": concept(LOINC, "LA14122-8")}, "pmmr_and_mss"),
    ],
)
def test_microsatellite_instability(value: dict[str, Any], expected: str) -> None:
    b = bundle()
    add(b, obs("msi", "81695-9", value, when="2025-12-01"))
    case_doc, report = run(b)
    assert case_doc["patient"]["biomarkers"]["mmr_msi"] == expected
    assert report.field("patient.biomarkers.mmr_msi") is not None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"valueCodeableConcept": concept(LOINC, "LA26202-4")}, "MSI-L and indeterminate"),
        (
            {
                "valueCodeableConcept": concept(LOINC, "LA26203-2"),
                "interpretation": [concept(LOINC, "LA14122-8")],
            },
            "MSI results disagree",
        ),
    ],
)
def test_unusable_msi(value: dict[str, Any], message: str) -> None:
    b = bundle()
    add(b, obs("msi", "81695-9", value))
    case_doc, report = run(b)
    assert case_doc["patient"]["biomarkers"]["mmr_msi"] is None
    assert message in reasons(report)


@pytest.mark.parametrize(
    "quantity",
    [
        {"value": 29.8},  # Genomics Reporting IG gx2 example: no unit
        {"value": 29.8, "unit": "Mutations/Megabase", "system": UCUM, "code": "1/1000000{Base}"},
    ],
)
def test_tumour_mutational_burden(quantity: dict[str, Any]) -> None:
    b = bundle()
    add(b, obs("tmb", "94076-7", {"valueQuantity": quantity}, when="2024-02-02"))
    case_doc, report = run(b)
    assert case_doc["patient"]["biomarkers"]["tmb_mut_per_mb"] == 29.8
    assert report.field("patient.biomarkers.tmb_mut_per_mb") is not None


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ({"value": 12, "unit": "%", "system": UCUM, "code": "%"}, "is not mutations per megabase"),
        ({"value": 1, "comparator": "<"}, "comparator"),
        ({"unit": "1/1000000{Base}"}, "no valueQuantity.value"),
    ],
)
def test_unusable_tmb(quantity: dict[str, Any], message: str) -> None:
    b = bundle()
    add(b, obs("tmb", "94076-7", {"valueQuantity": quantity}))
    case_doc, report = run(b)
    assert case_doc["patient"]["biomarkers"]["tmb_mut_per_mb"] is None
    assert message in reasons(report)


# ------------------------------------------------------------------ conditions and dialysis


def _current(ident: str, code: str, status: str = "active") -> dict[str, Any]:
    return _condition(
        ident,
        concept(SNOMED, code),
        clinicalStatus=concept(CLINICAL, status),
        verificationStatus=concept(VERIFICATION, "confirmed"),
        category=[
            concept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")
        ],
        onsetDateTime="2026-08-01",
    )


def test_pregnancy_and_chronic_hepatitis_b_complete_the_list_from_base() -> None:
    b = bundle()
    add(b, _current("pregnancy", "77386006"))
    add(b, _current("hbv", "61977001"))
    base_doc = base()
    base_doc["patient"]["conditions"] = ["peripheral_neuropathy_grade_2_or_more"]
    case_doc, report = run(b, base_doc)
    assert case_doc["patient"]["conditions"] == [
        "peripheral_neuropathy_grade_2_or_more",
        "pregnancy",
        "hepatitis_b_chronic",
    ]
    field = report.field("patient.conditions")
    assert field is not None
    assert field.sources == ("Condition/pregnancy", "Condition/hbv")
    assert "pregnancy, hepatitis_b_chronic added to the list from base" in field.note
    assert "patient.conditions" not in report.from_base
    base_doc["patient"]["conditions"] = ["pregnancy", "hepatitis_b_chronic"]
    case_doc, report = run(b, base_doc)
    assert case_doc["patient"]["conditions"] == ["pregnancy", "hepatitis_b_chronic"]
    assert "agrees with base" in report.field("patient.conditions").note  # type: ignore[union-attr]


def test_conditions_need_the_complete_list_from_base() -> None:
    b = bundle()
    add(b, _current("pregnancy", "77386006"))
    base_doc = base()
    del base_doc["patient"]["conditions"]
    case_doc, report = run(b, base_doc)
    assert case_doc["patient"]["conditions"] is None
    assert "Condition/pregnancy: patient.conditions is a complete list" in reasons(report)


def test_a_resolved_condition_is_not_used() -> None:
    b = bundle()
    add(b, _current("pregnancy", "77386006", status="resolved"))
    add(b, _condition("no-status", concept(SNOMED, "105502003")))
    case_doc, report = run(b)
    assert case_doc["patient"]["conditions"] == []
    assert case_doc["patient"]["dialysis"] is None
    text = reasons(report)
    assert "Condition/pregnancy: clinical status is not active" in text
    assert "Condition/no-status: clinical status is not active" in text


def test_dependence_on_dialysis() -> None:
    b = bundle()
    add(b, _current("dialysis", "105502003"))
    add(b, _current("dialysis-again", "105502003"))
    case_doc, report = run(b)
    assert case_doc["patient"]["dialysis"] is True
    field = report.field("patient.dialysis")
    assert field is not None
    assert field.sources == ("Condition/dialysis", "Condition/dialysis-again")
    base_doc = base()
    base_doc["patient"]["dialysis"] = False
    assert "patient.dialysis" in {p.path for p in fails(b, base_doc).errors}


def _implausible_fields(case_doc: dict[str, Any]) -> list[tuple[str, ...]]:
    result = recommend(load_case(case_doc))
    return [w.fields for w in result.warnings if w.code == "implausible_value"]


def test_plausibility_reads_dialysis_and_pregnancy_mapped_from_fhir() -> None:
    """W7 and W9 apply to a case mapped from FHIR as to one read from JSON.

    A creatinine of 1,060 µmol/L (12 mg/dL, LOINC 14682-9) warns until an active problem-list
    Condition "dependence on renal dialysis" (SNOMED CT 105502003) is in the bundle; a
    pregnancy Condition (77386006) for the 61-year-old patient of the base warns at the
    condition.
    """
    b = bundle()
    remove(b, "Observation/creatinine")
    add(b, obs("creat", "14682-9", qty(1060, "umol/L")))
    without_dialysis, _ = run(b)
    assert _implausible_fields(without_dialysis) == [("patient.serum_creatinine",)]
    add(b, _current("dialysis", "105502003"))
    on_dialysis, _ = run(b)
    assert on_dialysis["patient"]["dialysis"] is True
    assert _implausible_fields(on_dialysis) == []
    add(b, _current("pregnancy", "77386006"))
    pregnant, _ = run(b)
    assert pregnant["patient"]["age_years"] > 55
    assert _implausible_fields(pregnant) == [("patient.conditions[0]",)]


def test_hiv_with_cd4_below_200_flags_every_offered_ici_option_from_fhir() -> None:
    """§5.1 HIV, from FHIR observations (LOINC 24467-3 CD4, 20447-9 viral load, an HIV test
    positive: SNOMED CT 10828004): with R1 expected (§4.1e) the ICI combination is already an
    alternative; it keeps its tier and is flagged as outside the trials' population."""
    b = bundle()
    resource(b, "Observation/hiv-test")["valueCodeableConcept"] = concept(SNOMED, "10828004")
    add(b, obs("vl", "20447-9", {"valueQuantity": {"value": 0, "unit": "copies/mL"}}))
    add(
        b,
        obs(
            "cd4",
            "24467-3",
            {
                "valueQuantity": {
                    "value": 150,
                    "unit": "cells/uL",
                    "system": UCUM,
                    "code": "{cells}/uL",
                }
            },
        ),
    )
    base_doc = base()
    base_doc["disease"]["expected_margin"] = "r1"
    case_doc, _ = run(b, base_doc)
    assert case_doc["patient"]["hiv"] == {
        "status": "positive",
        "cd4_count": {"value": 150, "unit": "cells/uL"},
        "viral_load_undetectable": True,
    }
    options = {str(o.option): o for o in recommend(load_case(case_doc)).options}
    combination = options["carboplatin_paclitaxel_retifanlimab"]
    assert (str(combination.tier), combination.rules) == ("alternative", ("4.1e",))
    assert {"outside_trial_population", "opportunistic_infection_prophylaxis"} <= set(
        map(str, combination.flags)
    )


# ------------------------------------------------------------------ medications


def test_coded_radiosensitising_chemotherapy_gives_the_crt_agents() -> None:
    b = bundle()
    mitomycin = resource(b, "MedicationAdministration/crt-mitomycin")
    mitomycin["medicationCodeableConcept"] = concept(RXNORM, "632", "mitomycin")
    case_doc, report = run(b)
    assert case_doc["primary"]["chemoradiotherapy"]["agents"] == ["mitomycin", "fluorouracil"]
    field = report.field("primary.chemoradiotherapy.agents")
    assert field is not None
    assert set(field.sources) == {
        "MedicationAdministration/crt-mitomycin",
        "MedicationAdministration/crt-fluorouracil",
    }
    assert any("its agents fill primary.chemoradiotherapy.agents" in n for n in report.notes)


def test_the_example_bundle_names_mitomycin_without_a_code() -> None:
    case_doc, report = run(bundle())
    assert case_doc["primary"]["chemoradiotherapy"]["agents"] is None
    assert any(
        "primary.chemoradiotherapy.agents not mapped: mitomycin named without a verified RxNorm"
        in n
        for n in report.notes
    )


def test_crt_agents_and_phases_from_base_are_kept() -> None:
    b = bundle()
    mitomycin = resource(b, "MedicationAdministration/crt-mitomycin")
    mitomycin["medicationCodeableConcept"] = concept(RXNORM, "632", "mitomycin")
    base_doc = base()
    base_doc["primary"] = {"chemoradiotherapy": {"agents": ["mitomycin", "fluorouracil"]}}
    crt = example_document()["primary"]["chemoradiotherapy"]
    base_doc["primary"]["chemoradiotherapy"] = {
        **crt,
        "agents": ["mitomycin", "fluorouracil"],
        "phases": [],
    }
    case_doc, report = run(b, base_doc)
    assert case_doc["primary"]["chemoradiotherapy"]["agents"] == ["mitomycin", "fluorouracil"]
    assert "primary.chemoradiotherapy.phases" in report.from_base
    base_doc["primary"]["chemoradiotherapy"]["agents"] = ["mitomycin", "capecitabine"]
    paths = {p.path for p in fails(b, base_doc).errors}
    assert "primary.chemoradiotherapy.agents" in paths
    del base_doc["primary"]["chemoradiotherapy"]["agents"]
    remove(b, "MedicationAdministration/crt-mitomycin", "MedicationAdministration/crt-fluorouracil")
    base_doc["primary"]["chemoradiotherapy"]["agents"] = ["capecitabine"]
    base_doc["prior_systemic_therapy"] = []
    case_doc, report = run(b, base_doc)
    assert case_doc["primary"]["chemoradiotherapy"]["agents"] == ["capecitabine"]
    assert "primary.chemoradiotherapy.agents" in report.from_base


@pytest.mark.parametrize(
    ("drugs", "agents"),
    [
        ([("oxaliplatin", "32592"), ("fluorouracil", "4492")], ["oxaliplatin", "fluorouracil"]),
        ([("irinotecan", "51499"), ("cetuximab", "318341")], ["irinotecan", "cetuximab"]),
        (
            [("carboplatin", "40048"), ("paclitaxel protein-bound", "486610")],
            ["carboplatin", "nab_paclitaxel"],
        ),
        ([("mitomycin", "632")], ["mitomycin"]),
    ],
)
def test_a_regimen_outside_the_catalogue_is_other_with_its_agents(
    drugs: list[tuple[str, str]], agents: list[str]
) -> None:
    b = bundle()
    for name, code in drugs:
        add(
            b,
            _med(
                name.split()[0],
                name,
                "2025-09-01",
                "2026-01-15",
                code=code,
                status="stopped",
                statusReason=[concept(SNOMED, "266721009")],
                extension=PALLIATIVE,
            ),
        )
    case_doc, report = run(b)
    assert [
        (t["regimen"], t["agents"], t["setting"]) for t in case_doc["prior_systemic_therapy"]
    ] == [("other", agents, "advanced")]
    assert report.field("prior_systemic_therapy") is not None


def test_other_needs_every_agent_coded() -> None:
    b = bundle()
    add(
        b, _med("ox", "oxaliplatin", "2025-09-01", "2026-01-15", code="32592", extension=PALLIATIVE)
    )
    add(b, _med("mmc", "mitomycin", "2025-09-01", "2026-01-15", extension=PALLIATIVE))
    error = fails(b)
    assert (
        'is not a systemic option, and a regimen "other" needs verified RxNorm codes '
        "(mitomycin named without one)" in reasons(error.report)
    )


# ------------------------------------------------------------------ prior radiotherapy technique

MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"


def _modality_and_technique(modality: str, technique: str | None = None) -> dict[str, Any]:
    """The mCODE Radiotherapy Modality And Technique extension (as in EX_Radiotherapy.fsh)."""
    parts: list[dict[str, Any]] = [
        {
            "url": MCODE + "mcode-radiotherapy-modality",
            "valueCodeableConcept": concept(SNOMED, modality),
        }
    ]
    if technique is not None:
        parts.append(
            {
                "url": MCODE + "mcode-radiotherapy-technique",
                "valueCodeableConcept": concept(SNOMED, technique),
            }
        )
    return {"url": MCODE + "mcode-radiotherapy-modality-and-technique", "extension": parts}


@pytest.mark.parametrize(
    ("extensions", "fractions", "expected"),
    [
        ([_modality_and_technique("394902000", "113120007")], 4, "hdr_brachytherapy"),
        ([_modality_and_technique("1156708005", "384692006")], 1, "ldr_brachytherapy"),
        ([_modality_and_technique("169359004", "113120007")], 1, "ldr_brachytherapy"),
        # intraoperative electrons, or HDR given during surgery: IORT either way
        ([_modality_and_technique("45643008", "168524008")], 1, "iort"),
        ([_modality_and_technique("394902000", "168524008")], 1, "iort"),
        # photon beam VMAT: a technique the case format cannot tell apart
        ([_modality_and_technique("1156506007", "1156530009")], 4, None),
    ],
)
def test_prior_radiotherapy_technique(
    extensions: list[dict[str, Any]], fractions: int, expected: str | None
) -> None:
    b = bundle()
    add(b, _body("prostate", "41216001"))
    course = _course("rt-prostate", [_volume("BodyStructure/prostate", 1000, fractions=fractions)])
    course["extension"] = [*extensions, *course["extension"]]
    add(b, course)
    case_doc, _ = run(b)
    assert case_doc["prior_radiotherapy"][0]["technique"] == expected


def test_disagreeing_modalities_are_reported() -> None:
    b = bundle()
    course = _course("rt", [_volume(None, 1000, fractions=1)])
    course["extension"] = [
        _modality_and_technique("394902000"),
        _modality_and_technique("169359004"),
        {"url": "http://example.org/other"},
        {
            "url": MCODE + "mcode-radiotherapy-modality-and-technique",
            "extension": [{"url": "http://example.org/device", "valueString": "linac"}],
        },
        *course["extension"],
    ]
    add(b, course)
    case_doc, report = run(b)
    assert case_doc["prior_radiotherapy"][0]["technique"] is None
    assert (
        "Procedure/rt.extension: prior_radiotherapy technique not mapped: modality codes "
        "disagree: hdr_brachytherapy, ldr_brachytherapy" in reasons(report)
    )


# ------------------------------------------------------------------ fields not read from FHIR


def test_the_report_names_every_schema_2_field_nothing_gives() -> None:
    _, report = run(bundle())
    absent = next(n for n in report.notes if n.startswith("schema 2 fields that neither"))
    for path in (
        "patient.hepatic_function.bilirubin_x_uln",
        "patient.clinical_frailty_scale",
        "patient.dialysis",
        "patient.biomarkers.mmr_msi",
        "patient.biomarkers.tmb_mut_per_mb",
        "primary.chemoradiotherapy.agents",
    ):
        assert path in absent
    for label, reason in NOT_MAPPED.items():
        named = [n for n in report.notes if n.startswith(f"{label}: not read from FHIR")]
        base_path = label.split(" ")[0].split("[]")[0]
        if base_path in ("patient.conditions", "assessments", "prior_salvage_surgery"):
            assert named == []  # base gives the list
        else:
            assert named == [f"{label}: not read from FHIR ({reason}); give it in base"]


def test_fields_base_gives_are_not_named_as_missing() -> None:
    base_doc = base()
    patient = base_doc["patient"]
    patient["declines"] = []
    patient["dialysis"] = False
    patient["clinical_frailty_scale"] = None
    patient["hepatic_function"] = dict.fromkeys(
        ("bilirubin_x_uln", "ast_x_uln", "alt_x_uln", "alp_x_uln")
    )
    patient["biomarkers"] = {"mmr_msi": None, "tmb_mut_per_mb": None}
    crt = example_document()["primary"]["chemoradiotherapy"]
    base_doc["primary"] = {"chemoradiotherapy": {**crt, "agents": None}}
    _, report = run(bundle(), base_doc)
    assert not any(n.startswith("patient.declines:") for n in report.notes)
    assert not any(n.startswith("schema 2 fields that neither") for n in report.notes)
    assert "patient.dialysis" in report.from_base


# ------------------------------------------------------------------ export


def _example() -> Case:
    return load_case(example_document())


def _round_trip(case: Case, base_doc: dict[str, Any]) -> tuple[Case, Any]:
    back, report = case_from_bundle(
        case_to_bundle(case, birth_date=dt.date(1965, 6, 15)),
        evaluation_date=case.evaluation_date,
        base=base_doc,
    )
    assert normalised(back) == normalised(case)
    return back, report


def _base_of(case: Case) -> dict[str, Any]:
    return _schema_2_base(case)


def test_export_of_the_crt_agents() -> None:
    case = _example()
    crt = attrs.evolve(case.primary.chemoradiotherapy, agents=("mitomycin", "fluorouracil"))  # type: ignore[misc]
    case = attrs.evolve(case, primary=attrs.evolve(case.primary, chemoradiotherapy=crt))
    bundle_doc = case_to_bundle(case)
    ids = {e["resource"]["id"] for e in bundle_doc["entry"]}
    assert {"crt-mitomycin", "crt-fluorouracil", "crt-mitomycin-2025-01-06"} <= ids
    _, report = _round_trip(case, _base_of(case))
    assert report.field("primary.chemoradiotherapy.agents") is not None


@pytest.mark.parametrize(
    "agents", [(), ("capecitabine",), ("mitomycin", "fluorouracil", "capecitabine")]
)
def test_crt_agents_that_would_not_read_back_are_left_to_base(agents: tuple[str, ...]) -> None:
    case = _example()
    crt = attrs.evolve(case.primary.chemoradiotherapy, agents=agents)  # type: ignore[misc]
    case = attrs.evolve(case, primary=attrs.evolve(case.primary, chemoradiotherapy=crt))
    ids = {e["resource"]["id"] for e in case_to_bundle(case)["entry"]}
    assert not any(i.startswith("crt-") for i in ids)
    _round_trip(case, _base_of(case))


def _with_therapy(*items: dict[str, Any]) -> Case:
    """The example with *items* as prior systemic therapy and coded CRT agents."""
    doc = dump_case(_example())
    doc["prior_systemic_therapy"] = list(items)
    doc["primary"]["chemoradiotherapy"]["agents"] = ["mitomycin", "fluorouracil"]
    return load_case(doc)


def test_export_of_a_regimen_other() -> None:
    other = {
        "regimen": "other",
        "agents": ["oxaliplatin", "fluorouracil"],
        "setting": "advanced",
        "start_date": "2025-09-01",
        "end_date": "2026-01-15",
        "outcome": "progression",
    }
    case = _with_therapy(other)
    ids = {e["resource"]["id"] for e in case_to_bundle(case)["entry"]}
    assert {"systemic-0-oxaliplatin", "systemic-0-fluorouracil", "crt-mitomycin"} <= ids
    _, report = _round_trip(case, _base_of(case))
    assert report.field("prior_systemic_therapy") is not None


@pytest.mark.parametrize(
    "item",
    [
        {"agents": ["fluorouracil", "oxaliplatin"]},  # not in vocabulary order
        {"agents": ["retifanlimab"]},  # no verified code
        {"agents": ["carboplatin", "paclitaxel"]},  # reads back as the catalogue regimen
        {"agents": ["oxaliplatin"], "cycles": 6},
        {"agents": ["oxaliplatin"], "best_response": "stable_disease"},
        {"agents": ["oxaliplatin"], "start_date": "2025-01-10", "end_date": "2025-02-01"},
    ],
)
def test_a_list_that_would_not_read_back_is_left_to_base(item: dict[str, Any]) -> None:
    therapy = {
        "regimen": "other",
        "setting": "advanced",
        "start_date": "2025-09-01",
        "end_date": "2026-01-15",
        "outcome": "progression",
        **item,
    }
    case = _with_therapy(therapy)
    ids = {e["resource"]["id"] for e in case_to_bundle(case)["entry"]}
    if (
        "cycles" in item
        or "best_response" in item
        or item["agents"][0]
        in (
            "fluorouracil",
            "retifanlimab",
            "carboplatin",
        )
    ):
        assert not any(i.startswith(("systemic-", "crt-")) for i in ids)
    else:  # the line overlaps the CRT: the list is written, the agents are not
        assert not any(i.startswith("crt-") for i in ids)
    _round_trip(case, _base_of(case))


def test_export_of_an_hdr_course_and_not_of_other_techniques() -> None:
    doc = dump_case(_example())
    course = {"region": "other", "end_date": "2020-02-01", "fractions": 4}
    doc["prior_radiotherapy"] = [
        {**course, "dose": {"value": 28, "unit": "Gy"}, "technique": "hdr_brachytherapy"},
        {**course, "dose": {"value": 20, "unit": "Gy"}, "technique": None},
    ]
    case = load_case(doc)
    by_id = {e["resource"]["id"]: e["resource"] for e in case_to_bundle(case)["entry"]}
    assert by_id["prior-rt-0"]["extension"][0]["url"].endswith("modality-and-technique")
    assert by_id["prior-rt-1"]["extension"][0]["url"].endswith("dose-delivered-to-volume")
    _round_trip(case, _base_of(case))
    doc["prior_radiotherapy"][0]["technique"] = "sabr"
    by_id = {e["resource"]["id"]: e["resource"] for e in case_to_bundle(load_case(doc))["entry"]}
    assert by_id["prior-rt-0"]["extension"][0]["url"].endswith("dose-delivered-to-volume")


def test_export_of_schema_2_patient_fields() -> None:
    case = _example()
    patient = attrs.evolve(
        case.patient,
        hepatic_function=attrs.evolve(
            case.patient.hepatic_function, bilirubin_x_uln=0.6, alp_x_uln=1.25
        ),
        clinical_frailty_scale=4,
        dialysis=True,
        conditions=("pregnancy", "hepatitis_b_chronic"),
        biomarkers=attrs.evolve(
            case.patient.biomarkers, mmr_msi="pmmr_and_mss", tmb_mut_per_mb=3.5
        ),
    )
    case = attrs.evolve(case, patient=patient)
    bundle_doc = case_to_bundle(case)
    by_id = {e["resource"]["id"]: e["resource"] for e in bundle_doc["entry"]}
    assert by_id["bilirubin"]["referenceRange"] == [
        {"high": {"value": 1, "unit": "{ULN}", "system": UCUM, "code": "{ULN}"}}
    ]
    assert by_id["clinical-frailty-scale"]["valueInteger"] == 4
    assert by_id["condition-77386006"]["code"]["coding"][0]["code"] == "77386006"
    _, report = _round_trip(case, _base_of(case))
    for path in (
        "patient.hepatic_function.bilirubin_x_uln",
        "patient.hepatic_function.alp_x_uln",
        "patient.clinical_frailty_scale",
        "patient.dialysis",
        "patient.conditions",
        "patient.biomarkers.mmr_msi",
        "patient.biomarkers.tmb_mut_per_mb",
    ):
        assert report.field(path) is not None, path
