"""Unit strings from case documents never reach pint: the allow-list maps them to factors.

pint's parser evaluates expressions (``kg**99999999999``), reads ``rad`` as radian and
raises assorted exception types on garbage, so case units are looked up in the closed
allow-list (:data:`ascc_salvage.units.CASE_UNITS`) with factors precomputed at import.
Here every pint parsing entry point is replaced by a spy that records the call and fails:
loading still works for every allowed unit and refuses every other string, and the spy is
never called.
"""

from __future__ import annotations

from typing import Any

import pytest

from ascc_salvage import CaseValidationError, dump_case, load_case
from ascc_salvage import units as units_module
from ascc_salvage.io import case_digest
from ascc_salvage.units import CASE_UNITS, UnitKind, ureg

from ._support import example_document, set_at

#: Where each kind of quantity lives in the example, and a canonical value in range.
FIELDS = {
    UnitKind.LENGTH: ("patient.height", 165.0),
    UnitKind.MASS: ("patient.weight", 68.0),
    UnitKind.CREATININE: ("patient.serum_creatinine", 0.9),
    UnitKind.CELL_COUNT: ("patient.hiv.cd4_count", 350.0),
    UnitKind.RADIATION_DOSE: ("primary.chemoradiotherapy.dose", 50.4),
    UnitKind.GLOMERULAR_FILTRATION_RATE: ("patient.measured_gfr", 62.0),
}


class PintReachedError(Exception):
    """Raised by the spy: input reached pint."""


@pytest.fixture
def pint_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    calls: list[tuple[str, Any]] = []

    def spy(name: str) -> Any:
        def fail(*args: Any, **kwargs: Any) -> Any:
            calls.append((name, args))
            raise PintReachedError(f"{name}{args!r}")

        return fail

    for name in ("parse_units", "parse_expression", "parse_unit_name", "Unit", "Quantity"):
        monkeypatch.setattr(ureg, name, spy(f"ureg.{name}"))
    monkeypatch.setattr(units_module, "parse_unit", spy("units.parse_unit"))
    monkeypatch.setattr(units_module, "Q_", spy("units.Q_"))
    return calls


def test_the_spy_intercepts_pint_parsing(pint_calls: list[tuple[str, Any]]) -> None:
    """Control: with the spy installed, parsing any unit string through pint fails."""
    for call in (
        lambda: ureg.Unit("kg"),
        lambda: ureg.parse_units("kg"),
        lambda: ureg.parse_expression("1 kg"),
        lambda: units_module.parse_unit("kg"),
        lambda: units_module.Q_(1.0, "kg"),
    ):
        with pytest.raises(PintReachedError):
            call()
    assert len(pint_calls) == 5


@pytest.mark.parametrize("text", sorted(CASE_UNITS))
def test_every_allowed_unit_loads_without_pint(text: str, pint_calls: list[Any]) -> None:
    entry = CASE_UNITS[text]
    path, canonical = FIELDS[entry.kind]
    document = dump_case(load_case(example_document()))  # schema 2: every key written
    set_at(document, path, {"value": canonical / entry.to_canonical, "unit": text})
    case = load_case(document)
    assert dump_case(case) == document
    assert case_digest(case).startswith("sha256:")
    node: Any = case
    for step in path.split("."):
        node = getattr(node, step)
    assert node.unit == text
    assert node.canonical == pytest.approx(canonical)
    assert pint_calls == []


HOSTILE_UNITS = [
    "kilogram",
    "rad",
    "Sv",
    "stone",
    "mg/dl",
    "KG",
    " kg",
    "kg ",
    "",
    "kg*1",
    "1e3 g",
    "g*1000",
    "kg**99999999999**99999999",
    "__import__('os').system('false')",
    "1/uL",
    "cells/µl",
    "meter",
    "[lb_av]]",
    "\u00b5",
]


@pytest.mark.parametrize("text", HOSTILE_UNITS)
def test_other_unit_strings_are_refused_before_pint(text: str, pint_calls: list[Any]) -> None:
    document = example_document()
    document["patient"]["weight"]["unit"] = text
    document["primary"]["chemoradiotherapy"]["dose"]["unit"] = text
    with pytest.raises(CaseValidationError) as info:
        load_case(document)
    assert [p.path for p in info.value.errors] == [
        "patient.weight.unit",
        "primary.chemoradiotherapy.dose.unit",
    ]
    assert pint_calls == []


def test_allowed_units_of_another_kind_are_refused_before_pint(pint_calls: list[Any]) -> None:
    for text, entry in CASE_UNITS.items():
        if entry.kind is UnitKind.MASS:
            continue
        document = example_document()
        document["patient"]["weight"]["unit"] = text
        with pytest.raises(CaseValidationError) as info:
            load_case(document)
        assert [p.path for p in info.value.errors] == ["patient.weight.unit"], text
    assert pint_calls == []


def test_the_precomputed_factors_agree_with_pint() -> None:
    """Outside the spy: each allow-list entry's factor is what pint computes for it."""
    mg_dl_per_umol_l = units_module.CREATININE_MOLAR_MASS_G_PER_MOL / 10_000
    for text, entry in CASE_UNITS.items():
        quantity = units_module.Q_(1.0, entry.pint_expression)
        if entry.kind is UnitKind.GLOMERULAR_FILTRATION_RATE:
            # a GFR keeps its unit (absolute or per 1.73 m²): the factor is 1 in that unit
            indexed = "standard_body_surface_area" in entry.pint_expression
            expected = quantity.m_as("mL/min/standard_body_surface_area" if indexed else "mL/min")
        elif entry.kind is UnitKind.CREATININE and "mol" in entry.pint_expression:
            expected = quantity.m_as("umol/L") * mg_dl_per_umol_l
        else:
            expected = quantity.m_as(units_module.CANONICAL_UNIT[entry.kind])
        assert entry.to_canonical == pytest.approx(expected, rel=1e-12), text
