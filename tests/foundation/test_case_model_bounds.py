"""The case model checks bounds (``Bounds``, the attrs bounds validator, ``Measurement``)."""

from __future__ import annotations

import math

import attrs
import pytest

from ascc_salvage import CaseValidationError, load_case
from ascc_salvage.case import Bounds, Dose, Length, Mass

from ._support import example_document


@pytest.mark.parametrize(
    ("bounds", "value", "unit", "problem"),
    [
        (Bounds(high=5), -100.0, "", None),  # no lower bound
        (Bounds(high=5), 6.0, "", "must be at most 5"),
        (Bounds(high=2.5), 3.0, "cm", "must be at most 2.5 cm"),
        (Bounds(step=10), 15.0, "", "must be a multiple of 10"),
        (Bounds(), 1e300, "", None),
        (Bounds(0, low_exclusive=True), 0.0, "Gy", "must be greater than 0 Gy"),
        (Bounds(0, low_exclusive=True), 0.5, "Gy", None),
        (Bounds(18, 120), 17.0, "", "must be at least 18"),
        (Bounds(18, 120), 18.0, "", None),
    ],
)
def test_bounds_problem(bounds: Bounds, value: float, unit: str, problem: str | None) -> None:
    assert bounds.problem(value, unit) == problem


def test_model_construction_checks_bounds() -> None:
    patient = load_case(example_document()).patient
    with pytest.raises(CaseValidationError, match=r"^ecog: must be at most 5$"):
        attrs.evolve(patient, ecog=7, karnofsky=None)
    with pytest.raises(CaseValidationError, match=r"^weight: must be at least 20 kg$"):
        attrs.evolve(patient, weight=Mass(10, "kg"))
    assert attrs.evolve(patient, ecog=None).ecog is None


def test_the_model_checks_types_too() -> None:
    """The model refuses what ``load_case`` refuses: no coercion of ``"61"`` or ``True``."""
    patient = load_case(example_document()).patient
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(patient, age_years="61", ecog=True)
    assert [p.path for p in info.value.errors] == ["age_years", "ecog"]


@pytest.mark.parametrize("value", ["2", None, True, [2]])
def test_measurement_value_must_be_a_number(value: object) -> None:
    with pytest.raises(CaseValidationError, match="value: expected a number"):
        Length(value, "cm")  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_measurement_value_must_be_finite(value: float) -> None:
    with pytest.raises(CaseValidationError, match="value: expected a finite number"):
        Dose(value, "Gy")


def test_measurement_converts_to_the_canonical_unit() -> None:
    assert Length(25, "mm").canonical == pytest.approx(2.5)
    assert Dose(5040, "cGy").canonical == pytest.approx(50.4)


def test_the_invalid_marker_has_a_readable_repr() -> None:
    from ascc_salvage._modelcheck import INVALID

    assert repr(INVALID) == "<invalid>"


def test_python_values_of_the_wrong_shape_are_named() -> None:
    from ascc_salvage.case import Length as LengthClass

    case = load_case(example_document())
    patient = case.patient
    with pytest.raises(CaseValidationError) as info:
        attrs.evolve(
            patient,
            weight=LengthClass(170, "cm"),  # a measurement of another kind
            conditions="pregnancy",  # not a list
        )
    assert [str(p) for p in info.value.errors] == [
        "weight: expected mass units, got Length",
        "conditions: expected a list, got a string",
    ]
    with pytest.raises(CaseValidationError, match=r"^patient: expected Patient, got a string$"):
        attrs.evolve(case, patient="61-year-old woman")


def test_a_quantity_with_a_decimal_magnitude_keeps_its_value() -> None:
    from decimal import Decimal

    from ascc_salvage.units import Q_

    patient = load_case(example_document()).patient
    built = attrs.evolve(patient, weight=Q_(Decimal("68.5"), "kg"))
    assert built.weight == Mass(68.5, "kg")
    assert type(built.weight.value) is float
