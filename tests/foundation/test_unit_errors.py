"""Unit parsing and conversion errors of ``ascc_salvage.units``."""

from __future__ import annotations

import math

import pytest

from ascc_salvage.units import Q_, Kind, Kinds, magnitude, parse_unit


def test_parse_unit_accepts_ucum_spellings() -> None:
    assert parse_unit("m2") == parse_unit("m**2")


@pytest.mark.parametrize("expression", ["furlong_per_blob", "mg/", "kg kg kg ("])
def test_parse_unit_rejects_unknown_units(expression: str) -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        parse_unit(expression)


def test_magnitude_needs_a_real_magnitude() -> None:
    with pytest.raises(TypeError, match="weight must have a real number magnitude"):
        magnitude(Q_(complex(70, 1), "kg"), Kinds.MASS, "weight")


@pytest.mark.parametrize(
    ("quantity", "kind"),
    [
        (Q_(math.inf, "kg"), Kinds.MASS),
        (Q_(math.nan, "kg"), Kinds.MASS),
        (Q_(-math.inf, "g"), Kinds.MASS),
        (Q_(1e308, "m"), Kinds.LENGTH),  # finite, but overflows on conversion to cm
    ],
)
def test_magnitude_must_be_finite_in_the_canonical_unit(quantity: object, kind: Kind) -> None:
    with pytest.raises(ValueError, match="size must be finite"):
        magnitude(quantity, kind, "size")


def test_magnitude_converts() -> None:
    assert magnitude(Q_(70_000, "g"), Kinds.MASS, "weight") == pytest.approx(70.0)
