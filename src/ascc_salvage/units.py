"""The library's one unit registry, the closed allow-list of case units, and kind checks.

Design choices (see the docs page *Units* for the reasoning):

* The registry is **trimmed**: it is built from the few definitions below instead of pint's
  full default file. It builds in milliseconds and cannot parse units that no clinical input
  needs (``rad``, ``stone``, ``kilocalorie`` …), which is a safety feature.
* **Absorbed dose has its own dimension** (``[absorbed_dose]``), so gray cannot be confused
  with sievert (``[equivalent_dose]``) although both are J/kg in SI.
* Case JSON units pass a **closed, case-sensitive allow-list** (:data:`CASE_UNITS`) before
  pint ever sees them; each entry knows its kind and its factor to the canonical unit
  (written out here, and checked against pint by the tests), so loading a case and
  recommending need no pint at all.
* **pint is imported lazily**: :data:`ureg`, :data:`Q_` and every function that builds or
  reads a quantity import pint and build the registry on first use; reading a case,
  recommending and writing the result never do, which keeps the command line's start-up
  fast (importing pint takes longer than the whole recommendation).
* Serum creatinine converts between mass and substance concentration through the molar mass
  of creatinine (113.12 g/mol; 1 mg/dL = 88.4 µmol/L).
* Pickled quantities are rebuilt in this registry (Dask workers, process pools).

The library never touches pint's application registry.
"""

from __future__ import annotations

import copyreg
import enum
import functools
import math
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, TypeAlias, cast

import attrs

if TYPE_CHECKING:
    import pint

__all__ = [
    "CALCULATOR_KIND",
    "CASE_UNITS",
    "CREATININE_MOLAR_MASS_G_PER_MOL",
    "Q_",
    "CaseUnit",
    "Kind",
    "Quantity",
    "UnitKind",
    "as_quantity",
    "case_unit",
    "case_unit_for",
    "is_quantity",
    "magnitude",
    "parse_unit",
    "ureg",
]

_DEFINITIONS: Final = """
meter = [length] = m = metre
gram = [mass] = g
second = [time] = s = sec
mole = [substance] = mol
gray = [absorbed_dose] = Gy
sievert = [equivalent_dose] = Sv
micro- = 1e-6 = µ- = μ- = u-
milli- = 1e-3 = m-
centi- = 1e-2 = c-
deci- = 1e-1 = d-
kilo- = 1e3 = k-
liter = decimeter ** 3 = L = l = litre
inch = 2.54 * centimeter = in = inches
pound = 0.45359237 * kilogram = lb = pounds
minute = 60 * second = min
hour = 60 * minute = h = hr
day = 24 * hour = d
week = 7 * day
cell = [] = cells
percent = 0.01 = %
standard_body_surface_area = 1.73 * meter ** 2 = 1.73m2
""".strip().splitlines()


@functools.cache
def _registry() -> pint.UnitRegistry[float]:
    """Import pint and build the library's registry (once, on first use)."""
    import pint

    registry: pint.UnitRegistry[float] = pint.UnitRegistry(None, cache_folder=None)
    for definition in _DEFINITIONS:
        registry.define(definition)
    copyreg.pickle(type(registry.Quantity(1, "m")), _reduce_quantity)
    return registry


if TYPE_CHECKING:
    #: The library's unit registry. Never mix its quantities with another registry's.
    ureg: pint.UnitRegistry[float]
    #: Constructor of quantities in :data:`ureg`, e.g. ``Q_(70, "kg")``.
    Q_ = ureg.Quantity  # noqa: F821 - declared just above, built by __getattr__


def __getattr__(name: str) -> Any:
    """Build :data:`ureg` (importing pint) when it or :data:`Q_` is first asked for (PEP 562)."""
    if name == "ureg":
        value: Any = _registry()
    elif name == "Q_":
        value = _registry().Quantity
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


#: Type of the quantities of :data:`ureg` (for annotations).
Quantity: TypeAlias = "pint.Quantity[float]"

#: Molar mass of creatinine, g/mol (C4H7N3O; 1 mg/dL = 10 000 µg/L / 113.12 = 88.4 µmol/L).
CREATININE_MOLAR_MASS_G_PER_MOL: Final = 113.12


class UnitKind(enum.StrEnum):
    """Kinds of quantity that case documents carry."""

    LENGTH = "length"
    MASS = "mass"
    CREATININE = "creatinine"
    CELL_COUNT = "cell_count"
    RADIATION_DOSE = "radiation_dose"
    GLOMERULAR_FILTRATION_RATE = "glomerular_filtration_rate"


@attrs.frozen
class CaseUnit:
    """One entry of the case-format allow-list.

    Attributes:
        text: The unit string exactly as a case document writes it.
        kind: The kind of quantity it measures.
        pint_expression: The expression this registry parses for it.
        to_canonical: Factor from this unit to the kind's canonical unit.
    """

    text: str
    kind: UnitKind
    pint_expression: str
    to_canonical: float


#: Canonical unit of each kind: models store magnitudes in these units.
CANONICAL_UNIT: Final[Mapping[UnitKind, str]] = {
    UnitKind.LENGTH: "cm",
    UnitKind.MASS: "kg",
    UnitKind.CREATININE: "mg/dL",
    UnitKind.CELL_COUNT: "1/uL",
    UnitKind.RADIATION_DOSE: "Gy",
    # Absolute (mL/min) and indexed (mL/min per 1.73 m²) rates cannot be converted into each
    # other without the body surface area: a GFR keeps the value in the unit it was given.
    UnitKind.GLOMERULAR_FILTRATION_RATE: "mL/min",
}

#: Pint expression of the GFR per 1.73 m² (the registry's standard body surface area).
_INDEXED_GFR: Final = "mL/min/standard_body_surface_area"

_UMOL_PER_L_TO_MG_PER_DL: Final = CREATININE_MOLAR_MASS_G_PER_MOL / 10_000.0


#: The allow-list: unit string, kind, pint expression and the factor to the kind's canonical
#: unit, written out so that loading a case needs no pint (a test checks each factor against
#: the one pint computes, bit for bit). µmol/L → mg/dL is 113.12 / 10 000 (µmol/L → mg/dL
#: through the molar mass); a GFR keeps the unit it was given (factor 1).
_ALLOWED: Final[tuple[tuple[str, UnitKind, str, float], ...]] = (
    ("cm", UnitKind.LENGTH, "cm", 1.0),
    ("mm", UnitKind.LENGTH, "mm", 0.1),
    ("in", UnitKind.LENGTH, "inch", 2.54),
    ("[in_i]", UnitKind.LENGTH, "inch", 2.54),
    ("kg", UnitKind.MASS, "kg", 1.0),
    ("g", UnitKind.MASS, "g", 0.001),
    ("lb", UnitKind.MASS, "pound", 0.45359237),
    ("[lb_av]", UnitKind.MASS, "pound", 0.45359237),
    ("mg/dL", UnitKind.CREATININE, "mg/dL", 1.0),
    ("umol/L", UnitKind.CREATININE, "umol/L", 0.011312000000000001),
    ("\u00b5mol/L", UnitKind.CREATININE, "umol/L", 0.011312000000000001),
    ("\u03bcmol/L", UnitKind.CREATININE, "umol/L", 0.011312000000000001),
    ("cells/uL", UnitKind.CELL_COUNT, "1/uL", 1.0),
    ("cells/\u00b5L", UnitKind.CELL_COUNT, "1/uL", 1.0),
    ("/uL", UnitKind.CELL_COUNT, "1/uL", 1.0),
    ("cells/mm3", UnitKind.CELL_COUNT, "1/mm**3", 1.0000000000000002),
    ("Gy", UnitKind.RADIATION_DOSE, "Gy", 1.0),
    ("cGy", UnitKind.RADIATION_DOSE, "cGy", 0.01),
    ("mL/min", UnitKind.GLOMERULAR_FILTRATION_RATE, "mL/min", 1.0),
    ("mL/min/{1.73_m2}", UnitKind.GLOMERULAR_FILTRATION_RATE, _INDEXED_GFR, 1.0),
    ("mL/min/1.73m2", UnitKind.GLOMERULAR_FILTRATION_RATE, _INDEXED_GFR, 1.0),
)


def _pint_factor(entry: CaseUnit) -> float:
    """The factor of an allow-list entry as pint computes it (imports pint; for checks).

    >>> _pint_factor(CASE_UNITS["lb"]) == CASE_UNITS["lb"].to_canonical
    True
    """
    if entry.kind is UnitKind.GLOMERULAR_FILTRATION_RATE:
        return 1.0  # kept in its own unit (absolute or indexed)
    quantity = _registry().Quantity(1.0, entry.pint_expression)
    if entry.kind is UnitKind.CREATININE and "mol" in entry.pint_expression:
        return float(quantity.m_as("umol/L")) * _UMOL_PER_L_TO_MG_PER_DL
    return float(quantity.m_as(CANONICAL_UNIT[entry.kind]))


#: The closed, case-sensitive allow-list of unit strings accepted in case documents.
CASE_UNITS: Final[Mapping[str, CaseUnit]] = {
    text: CaseUnit(text, kind, expression, factor) for text, kind, expression, factor in _ALLOWED
}


def case_unit(text: str, kind: UnitKind) -> CaseUnit:
    """Look up a case-document unit string in the allow-list.

    Args:
        text: The unit string as written in the document.
        kind: The kind of quantity the field holds.

    Returns:
        The allow-list entry.

    Raises:
        ValueError: The string is not listed, or is listed for another kind.

    >>> round(case_unit("umol/L", UnitKind.CREATININE).to_canonical, 6)
    0.011312
    """
    entry = CASE_UNITS.get(text)
    if entry is None or entry.kind is not kind:
        raise ValueError(f"{text!r} is not a {_KIND_NOUN[kind]} unit")
    return entry


_KIND_NOUN: Final[Mapping[UnitKind, str]] = {
    UnitKind.LENGTH: "length",
    UnitKind.MASS: "mass",
    UnitKind.CREATININE: "creatinine",
    UnitKind.CELL_COUNT: "cell count",
    UnitKind.RADIATION_DOSE: "radiation dose",
    UnitKind.GLOMERULAR_FILTRATION_RATE: "glomerular filtration rate",
}


@functools.lru_cache(maxsize=256)
def parse_unit(expression: str) -> pint.Unit:
    """Parse a unit expression of this registry once and cache it.

    UCUM-style spellings used in results are accepted too (``m2`` → ``m**2``,
    ``mg.min/mL`` → ``mg*min/mL``).

    Raises:
        ValueError: The registry cannot parse the expression.
    """
    normalized = _ucum_to_pint(expression)
    registry = _registry()
    try:
        return registry.Unit(normalized)
    except Exception as exc:  # pint raises several unrelated types for bad strings
        raise ValueError(f"unknown unit {expression!r}") from exc


_UCUM_ALIASES: Final[Mapping[str, str]] = {
    "m2": "m**2",
    "mg/m2": "mg/m**2",
    "mg.min/mL": "mg*min/mL",
    "mL/min/1.73m2": "mL/min/standard_body_surface_area",
    "cells/mm3": "1/mm**3",
    "cells/uL": "1/uL",
}


def _ucum_to_pint(expression: str) -> str:
    return _UCUM_ALIASES.get(expression, expression)


@attrs.frozen
class Kind:
    """A kind of quantity a calculator accepts: a name, a canonical unit and its dimension.

    Kinds are stricter than dimensions: absorbed dose (Gy) has a dimension of its own here,
    and serum creatinine accepts either a mass or a substance concentration.
    """

    name: str
    canonical: str

    def magnitude(self, value: object, argument: str) -> float:
        """Return *value* in this kind's canonical unit as a float (see :func:`magnitude`)."""
        return magnitude(value, self, argument)


#: Kinds used by the calculators.
class Kinds:
    """Namespace of the calculator kinds."""

    LENGTH: Final = Kind("length", "cm")
    MASS: Final = Kind("mass", "kg")
    CREATININE: Final = Kind("serum creatinine", "mg/dL")
    CELL_COUNT: Final = Kind("cell count", "1/uL")
    DOSE: Final = Kind("absorbed dose", "Gy")
    AREA: Final = Kind("body surface area", "m**2")
    CLEARANCE: Final = Kind("clearance", "mL/min")
    INDEXED_CLEARANCE: Final = Kind("indexed clearance", "mL/min/standard_body_surface_area")
    AUC: Final = Kind("area under the curve", "mg*min/mL")
    TIME: Final = Kind("time", "d")


#: The calculator kind that checks a quantity given for a case measurement of each kind.
CALCULATOR_KIND: Final[Mapping[UnitKind, Kind]] = {
    UnitKind.LENGTH: Kinds.LENGTH,
    UnitKind.MASS: Kinds.MASS,
    UnitKind.CREATININE: Kinds.CREATININE,
    UnitKind.CELL_COUNT: Kinds.CELL_COUNT,
    UnitKind.RADIATION_DOSE: Kinds.DOSE,
    UnitKind.GLOMERULAR_FILTRATION_RATE: Kinds.CLEARANCE,
}


def is_quantity(value: object) -> bool:
    """Whether *value* is a pint quantity (of any registry).

    Does not import pint: while pint is not imported, nothing is a quantity.
    """
    pint = sys.modules.get("pint")
    return pint is not None and isinstance(value, pint.Quantity)


@functools.lru_cache(maxsize=256)
def _spelling(units: str, kind: UnitKind) -> str | None:
    target = _registry().Quantity(1.0, units)
    for text, entry in CASE_UNITS.items():
        if (
            entry.kind is kind
            and target.is_compatible_with(entry.pint_expression)
            and math.isclose(target.m_as(entry.pint_expression), 1.0, rel_tol=1e-12)
        ):
            return text
    return None


def case_unit_for(units: object, kind: UnitKind) -> str | None:
    """The allow-list spelling of a pint unit of *kind*, or ``None`` if it is not listed.

    The first spelling of the list wins (``cells/uL`` for ``1/µL``, ``in`` for inch).
    """
    return _spelling(str(units), kind)


def as_quantity(value: object, argument: str) -> Quantity:
    """Return *value* as a quantity of :data:`ureg`, rebuilding foreign ones.

    Raises:
        TypeError: *value* is not a pint quantity (a bare number, a string …).
        ValueError: *value* comes from another registry in a unit this one does not know
            (``ft``, ``stone``): pint's own error never escapes.
    """
    if not is_quantity(value):
        raise TypeError(
            f"{argument} must be a quantity such as Q_(70, 'kg'), not {type(value).__name__}"
        )
    quantity = cast("pint.Quantity[Any]", value)
    registry = _registry()
    if quantity._REGISTRY is not registry:
        # A quantity of another registry would silently become dimensionless if wrapped.
        units = str(quantity.units)
        try:
            return cast("Quantity", registry.Quantity(quantity.magnitude, units))
        except Exception as exc:  # pint raises several unrelated types for unknown units
            raise ValueError(
                f"{argument} is in {units!r}, a unit of another pint registry that the "
                "library's registry does not know; convert it first (e.g. to cm, kg, mg/dL or Gy)"
            ) from exc
    return cast("Quantity", quantity)


def magnitude(value: object, kind: Kind, argument: str) -> float:
    """Check *value*'s kind and return its magnitude in the kind's canonical unit.

    Args:
        value: A quantity.
        kind: The kind expected.
        argument: The argument name, used in error messages.

    Raises:
        TypeError: *value* is not a quantity.
        ValueError: *value* has the wrong dimension or kind, or is not finite.

    >>> round(magnitude(Q_(88.4, "umol/L"), Kinds.CREATININE, "serum_creatinine"), 4)
    1.0
    """
    import pint

    quantity = as_quantity(value, argument)
    try:
        if kind is Kinds.CREATININE and quantity.check("[substance]/[length]**3"):
            result = float(quantity.m_as(parse_unit("umol/L"))) * _UMOL_PER_L_TO_MG_PER_DL
        else:
            result = float(quantity.m_as(parse_unit(kind.canonical)))
    except (pint.DimensionalityError, pint.UndefinedUnitError, ValueError) as exc:
        raise ValueError(
            f"{argument} must be of kind {kind.name!r} (convertible to {kind.canonical}), "
            f"got {quantity.units:~}"
        ) from exc
    except TypeError as exc:
        raise TypeError(f"{argument} must have a real number magnitude") from exc
    if not math.isfinite(result):
        raise ValueError(f"{argument} must be finite, got {result}")
    return result


def _rebuild_quantity(value: Any, units: str) -> Quantity:
    """Unpickle a quantity into :data:`ureg` (module level so that pickle can find it)."""
    return cast("Quantity", _registry().Quantity(value, units))


def _reduce_quantity(quantity: pint.Quantity[Any]) -> tuple[Any, tuple[Any, str]]:
    return _rebuild_quantity, (quantity.magnitude, str(quantity.units))
