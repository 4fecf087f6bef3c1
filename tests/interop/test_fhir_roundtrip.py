from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from hypothesis import assume, given, settings
from tests.interop._support import base_for, example_document, normalised

from ascc_salvage import dump_case, load_case
from ascc_salvage.case import Case
from ascc_salvage.engine import recommend
from ascc_salvage.fhir import case_from_bundle, case_to_bundle, example_bundle
from ascc_salvage.result import result_to_dict
from ascc_salvage.testing.strategies import cases


def _round_trip_base(case: Case) -> dict[str, Any]:
    document = json.loads(json.dumps(dump_case(case)))
    base = base_for(document, "prior_systemic_therapy", "prior_radiotherapy")
    base["primary"] = {"stage": {"edition": document["primary"]["stage"]["edition"]}}
    if document["primary"]["chemoradiotherapy"] is None:
        base["primary"]["chemoradiotherapy"] = None
    return base


def _separate_lines(case: Case) -> bool:
    """No two prior systemic courses overlap: overlapping courses are one line in FHIR
    (docs/fhir.md), so such a case cannot come back as it went."""
    periods = sorted(
        (t.start_date, t.end_date or case.evaluation_date) for t in case.prior_systemic_therapy
    )
    return all(later[0] > earlier[1] for earlier, later in itertools.pairwise(periods))


def _expressible(case: Case) -> bool:
    """Whether FHIR can say it: separate systemic lines, and a groin dose belongs to an
    irradiated groin volume and differs from the primary prescription (otherwise it is the
    prescription itself)."""
    if not _separate_lines(case):
        return False
    crt = case.primary.chemoradiotherapy
    if crt is None or (crt.groin_dose is None and crt.groin_fractions is None):
        return True
    return (
        crt.groins_irradiated is True
        and crt.groin_dose is not None
        and (crt.groin_dose, crt.groin_fractions) != (crt.dose, crt.fractions)
        and (
            crt.groin_fractions is None
            or crt.groin_fractions != crt.fractions
            or crt.groin_dose != crt.dose
        )
    )


def _birth_date(case: Case) -> dt.date | None:
    age = case.patient.age_years
    return None if age is None else dt.date(case.evaluation_date.year - age, 1, 1)


def test_example_bundle_gives_the_example_case() -> None:
    document = example_document()
    expected = load_case(document)
    case, report = case_from_bundle(
        json.dumps(example_bundle()), evaluation_date="2026-11-26", base=base_for(document)
    )
    assert normalised(case) == normalised(expected)
    # the only textual difference: mCODE writes the CRT dose in cGy
    assert dump_case(case)["primary"]["chemoradiotherapy"]["dose"] == {"value": 5040, "unit": "cGy"}
    assert case.primary.chemoradiotherapy is not None
    assert case.primary.chemoradiotherapy.dose.canonical == 50.4
    assert report.unmapped == ()
    assert report.field("patient.ecog") is not None
    assert report.field("patient.ecog").sources == ("Observation/ecog",)  # type: ignore[union-attr]
    assert report.field("patient.karnofsky") is None
    assert set(report.left_null) == {
        "patient.karnofsky",
        "patient.hiv.cd4_count",
        "patient.hiv.viral_load_undetectable",
    }
    assert "assessments" in report.from_base
    assert any("radiosensitising" in note for note in report.notes)


def test_example_bundle_gives_the_same_recommendation() -> None:
    document = example_document()
    expected = result_to_dict(recommend(load_case(document)))
    case, _ = case_from_bundle(
        example_bundle(), evaluation_date=dt.date(2026, 11, 26), base=base_for(document)
    )
    actual = result_to_dict(recommend(case))
    assert actual.pop("input_digest") != expected.pop("input_digest")  # units differ (cGy)
    # A case mapped from FHIR is built in Python (schema 2); the example document is schema 1.
    assert (actual.pop("input_schema_version"), expected.pop("input_schema_version")) == (2, 1)
    assert actual == expected


def test_case_to_bundle_round_trips_the_example() -> None:
    expected = load_case(example_document())
    bundle = case_to_bundle(expected, birth_date=dt.date(1965, 6, 15))
    case, _report = case_from_bundle(
        bundle, evaluation_date=expected.evaluation_date, base=_round_trip_base(expected)
    )
    assert normalised(case) == normalised(expected)


@given(cases(systemic_history=False))  # schema 2 systemic history: test_fhir_schema_2.py
@settings(max_examples=60, deadline=None)
def test_case_to_bundle_round_trip(case: Case) -> None:
    assume(_expressible(case))
    bundle = case_to_bundle(case, birth_date=_birth_date(case))
    back, _ = case_from_bundle(
        bundle, evaluation_date=case.evaluation_date, base=_round_trip_base(case)
    )
    assert normalised(back) == normalised(case)


@given(cases(full_inputs=True, systemic_history=False))
@settings(max_examples=40, deadline=None)
def test_case_to_bundle_round_trip_full_inputs(case: Case) -> None:
    assume(_expressible(case))
    bundle = case_to_bundle(case, birth_date=_birth_date(case))
    back, _ = case_from_bundle(
        bundle, evaluation_date=case.evaluation_date, base=_round_trip_base(case)
    )
    assert normalised(back) == normalised(case)


#: Patient fields the bundle carries (schema 1 and the schema 2 fields written as FHIR).
_FHIR_PATIENT = (
    "age_years",
    "sex",
    "ecog",
    "karnofsky",
    "weight",
    "height",
    "serum_creatinine",
    "hiv",
    "hepatic_function",
    "clinical_frailty_scale",
)


def _schema_2_base(case: Case) -> dict[str, Any]:
    """Everything FHIR does not carry, from the full schema 2 document.

    The CRT, the therapy lists, ``dialysis: false`` and the PD-L1, HPV and p16 results are
    given too: where the bundle also gives them, the mapping checks that both agree.
    """
    document = json.loads(json.dumps(dump_case(case)))
    keys = (
        "assessments",
        "disease",
        "prior_salvage_surgery",
        "facility",
        "jurisdiction",
        "prior_systemic_therapy",
        "prior_radiotherapy",
    )
    base: dict[str, Any] = {key: document[key] for key in keys}
    patient = {k: v for k, v in document["patient"].items() if k not in _FHIR_PATIENT}
    markers = patient.pop("biomarkers")
    patient["biomarkers"] = {k: markers[k] for k in ("pd_l1", "hpv", "p16")}
    if patient["dialysis"] is not False:
        del patient["dialysis"]
    base["patient"] = patient
    base["primary"] = {
        "stage": {"edition": document["primary"]["stage"]["edition"]},
        "chemoradiotherapy": document["primary"]["chemoradiotherapy"],
    }
    return base


def _expressible_2(case: Case) -> bool:
    """:func:`_expressible`, and prior-radiotherapy techniques FHIR can say (HDR only)."""
    return _expressible(case) and all(
        c.technique in (None, "hdr_brachytherapy") for c in case.prior_radiotherapy
    )


@given(cases(unsupported=True))
@settings(max_examples=60, deadline=None)
def test_case_to_bundle_round_trip_schema_2(case: Case) -> None:
    assume(_expressible_2(case))
    bundle = case_to_bundle(case, birth_date=_birth_date(case))
    back, report = case_from_bundle(
        bundle, evaluation_date=case.evaluation_date, base=_schema_2_base(case)
    )
    assert normalised(back) == normalised(case)
    patient = case.patient
    exported = [
        f"patient.hepatic_function.{key}"
        for key in ("bilirubin_x_uln", "ast_x_uln", "alt_x_uln", "alp_x_uln")
        if getattr(patient.hepatic_function, key) is not None
    ]
    if patient.clinical_frailty_scale is not None:
        exported.append("patient.clinical_frailty_scale")
    if patient.biomarkers.mmr_msi is not None:
        exported.append("patient.biomarkers.mmr_msi")
    if patient.biomarkers.tmb_mut_per_mb is not None:
        exported.append("patient.biomarkers.tmb_mut_per_mb")
    if patient.dialysis:
        exported.append("patient.dialysis")
    assert all(report.field(path) is not None for path in exported)
