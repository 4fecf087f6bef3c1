"""JSON round trip of the bundled example, unit invariance, and pickling."""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Callable

import attrs
import pint
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ascc_salvage import CaseValidationError, calculators, dump_case, load_case
from ascc_salvage.case import Case, Creatinine, Dose, Length, Mass
from ascc_salvage.io import case_digest
from ascc_salvage.testing.strategies import cases
from ascc_salvage.units import Q_, Kinds, as_quantity, magnitude, ureg

from ._support import example_document, example_text, schema_2_document

# --- the bundled example -----------------------------------------------------------------------


def test_the_example_loads_dumps_identically_and_reloads_equal() -> None:
    # Schema 2: the schema 1 example is written as its schema 2 upgrade (was: written as read).
    text = example_text()
    case = load_case(text)
    document = dump_case(case)
    assert document == schema_2_document(json.loads(text))
    # every key in the documented order, ints stay ints
    assert json.dumps(document) == json.dumps(schema_2_document(json.loads(text)))
    assert isinstance(document["patient"]["weight"]["value"], int)
    assert load_case(document) == case
    assert load_case(json.dumps(document)) == case


def test_the_example_has_the_documented_content() -> None:
    case = load_case(example_text())
    assert case.evaluation_date.isoformat() == "2026-11-26"
    assert case.patient.weight is not None
    assert case.patient.weight.canonical == 68
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert crt.dose_per_fraction_gy == pytest.approx(1.8)
    assert case.primary.stage.n == "N1a"


def test_values_and_units_are_written_back_exactly_as_received() -> None:
    doc = example_document()
    doc["patient"]["weight"] = {"value": 149.914, "unit": "[lb_av]"}
    doc["patient"]["height"] = {"value": 65, "unit": "[in_i]"}
    doc["patient"]["serum_creatinine"] = {"value": 79.56, "unit": "\u03bcmol/L"}
    doc["patient"]["hiv"]["cd4_count"] = {"value": 350, "unit": "cells/mm3"}
    doc["primary"]["chemoradiotherapy"]["dose"] = {"value": 5040, "unit": "cGy"}
    doc = schema_2_document(doc)
    doc["patient"]["measured_gfr"] = {"value": 62, "unit": "mL/min/{1.73_m2}"}
    assert dump_case(load_case(json.dumps(doc, ensure_ascii=False))) == doc


def test_case_digest_follows_the_contract() -> None:
    case = load_case(example_text())
    canonical = json.dumps(
        dump_case(case), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    expected = "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert case_digest(case) == expected
    changed = attrs.evolve(case, jurisdiction=None)
    assert case_digest(changed) != expected


@settings(max_examples=30)
@given(cases())
def test_json_text_round_trip_is_stable(case: Case) -> None:
    text = json.dumps(dump_case(case), ensure_ascii=False, allow_nan=False)
    again = json.dumps(dump_case(load_case(text)), ensure_ascii=False, allow_nan=False)
    assert again == text
    assert case_digest(load_case(text)) == case_digest(case)


# --- unit invariance ---------------------------------------------------------------------------

MG_DL_TO_UMOL_L = 88.4


@given(st.floats(min_value=0.1, max_value=25, allow_nan=False))
@example(0.1)
@example(1.0)  # 88.4 µmol/L
@example(1.5)  # a common renal cut-off
@example(25.0)
def test_creatinine_is_the_same_in_mg_dl_and_umol_l(mg_dl: float) -> None:
    reference = Creatinine(mg_dl, "mg/dL").canonical
    for unit in ("umol/L", "\u00b5mol/L", "\u03bcmol/L"):
        converted = Creatinine(mg_dl * MG_DL_TO_UMOL_L, unit).canonical
        assert converted == pytest.approx(reference, rel=1e-4)
        assert magnitude(Q_(mg_dl * MG_DL_TO_UMOL_L, "umol/L"), Kinds.CREATININE, "scr") == (
            pytest.approx(reference, rel=1e-4)
        )
    assert reference == mg_dl


def test_creatinine_conversion_factor_is_88_4() -> None:
    # 10 000 / 113.12 g/mol = 88.402; the spec rounds to 88.4 (tolerance rel 1e-4)
    assert Creatinine(88.4, "umol/L").canonical == pytest.approx(1.0, rel=1e-4)
    doc_mg = example_document()
    doc_umol = example_document()
    doc_umol["patient"]["serum_creatinine"] = {"value": 0.9 * 88.4, "unit": "umol/L"}
    mg = load_case(doc_mg).patient.serum_creatinine
    umol = load_case(doc_umol).patient.serum_creatinine
    assert mg is not None
    assert umol is not None
    assert umol.canonical == pytest.approx(mg.canonical, rel=1e-4)
    assert umol != mg  # value and unit are kept as received


@given(st.floats(min_value=100, max_value=250, allow_nan=False))
@example(165.0)
def test_height_is_the_same_in_cm_mm_and_inches(cm: float) -> None:
    reference = Length(cm, "cm").canonical
    assert Length(cm / 2.54, "in").canonical == pytest.approx(reference, rel=1e-9)
    assert Length(cm / 2.54, "[in_i]").canonical == pytest.approx(reference, rel=1e-9)
    assert Length(cm * 10, "mm").canonical == pytest.approx(reference, rel=1e-9)
    assert magnitude(Q_(cm / 2.54, "inch"), Kinds.LENGTH, "height") == pytest.approx(cm)


@given(st.floats(min_value=20, max_value=400, allow_nan=False))
def test_weight_is_the_same_in_kg_g_and_pounds(kg: float) -> None:
    assert Mass(kg * 1000, "g").canonical == pytest.approx(kg, rel=1e-9)
    assert Mass(kg / 0.45359237, "lb").canonical == pytest.approx(kg, rel=1e-9)
    assert Mass(kg / 0.45359237, "[lb_av]").canonical == pytest.approx(kg, rel=1e-9)


@given(st.floats(min_value=0.5, max_value=100, allow_nan=False))
def test_dose_is_the_same_in_gy_and_cgy(gy: float) -> None:
    assert Dose(gy * 100, "cGy").canonical == pytest.approx(gy, rel=1e-9)


def test_bounds_apply_after_conversion() -> None:
    doc = example_document()
    doc["patient"]["height"] = {"value": 39.37, "unit": "in"}  # 99.99 cm
    with pytest.raises(CaseValidationError, match=r"patient\.height: must"):
        load_case(doc)
    doc["patient"]["height"] = {"value": 39.38, "unit": "in"}  # 100.03 cm
    assert load_case(doc).patient.height is not None


# --- pickling ----------------------------------------------------------------------------------


@settings(max_examples=20)
@given(cases())
def test_cases_pickle_and_compare_equal(case: Case) -> None:
    clone = pickle.loads(pickle.dumps(case))
    assert clone == case
    assert dump_case(clone) == dump_case(case)


def test_the_example_pickles_with_its_canonical_values() -> None:
    case = load_case(example_text())
    clone = pickle.loads(pickle.dumps(case))
    assert clone == case
    assert clone.patient.weight is not None
    assert clone.patient.weight.canonical == 68


@pytest.mark.parametrize(
    ("value", "unit"), [(70, "kg"), (1.2, "mg/dL"), (88.4, "umol/L"), (50.4, "Gy"), (165, "cm")]
)
def test_quantities_unpickle_into_the_library_registry(value: float, unit: str) -> None:
    quantity = Q_(value, unit)
    clone = pickle.loads(pickle.dumps(quantity))
    assert clone._REGISTRY is ureg
    assert clone == quantity
    assert (clone + quantity).magnitude == pytest.approx(2 * value)  # same registry: combinable


def test_measurement_quantities_unpickle_into_the_library_registry() -> None:
    case = load_case(example_text())
    assert case.patient.height is not None
    quantity = case.patient.height.quantity
    clone = pickle.loads(pickle.dumps(quantity))
    assert clone._REGISTRY is ureg
    assert clone.m_as("cm") == 165


@pytest.mark.parametrize(
    ("unit", "call"),
    [
        ("ft", lambda q: calculators.body_surface_area(height=q, weight=Q_(70, "kg"))),
        ("stone", lambda q: calculators.body_surface_area(height=Q_(170, "cm"), weight=q)),
        ("J/kg", lambda q: magnitude(q, Kinds.DOSE, "total_dose")),
    ],
)
def test_a_foreign_quantity_in_a_unit_the_registry_lacks_is_a_value_error(
    unit: str, call: Callable[[object], object]
) -> None:
    """Calculators raise ValueError, never pint's own error (api.md)."""
    foreign = pint.UnitRegistry().Quantity(5.6, unit)
    with pytest.raises(
        ValueError,
        match="a unit of another pint registry that the library's registry does not know",
    ) as raised:
        call(foreign)
    assert not isinstance(raised.value, pint.errors.PintError)


def test_a_foreign_registry_quantity_is_rebuilt_by_as_quantity() -> None:
    foreign_registry = pint.UnitRegistry()
    foreign = foreign_registry.Quantity(70, "kilogram")
    rebuilt = as_quantity(foreign, "weight")
    assert rebuilt._REGISTRY is ureg
    assert rebuilt.m_as("kg") == 70
    assert magnitude(foreign, Kinds.MASS, "weight") == 70
    with pytest.raises(TypeError, match="weight"):
        as_quantity(70, "weight")
