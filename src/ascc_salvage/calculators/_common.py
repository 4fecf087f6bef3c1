"""Argument checks and quantity helpers shared by the calculators (private).

Every public calculator converts its arguments to canonical floats here, once, and does its
arithmetic on floats; quantities are built only for results, with cached unit objects. The
result units are named by their expressions and parsed on first use, so that importing the
calculators (as the engine does) does not import pint.
"""

from __future__ import annotations

import enum
import math
from typing import Final, TypeVar, cast

from ascc_salvage import units
from ascc_salvage.units import Kind, Quantity, magnitude, parse_unit
from ascc_salvage.vocabulary import Sex

_E = TypeVar("_E", bound=enum.StrEnum)

#: The units of the result quantities (expressions of the library's registry, parsed once).
UNIT_M2: Final = "m**2"
UNIT_KG: Final = "kg"
UNIT_MG: Final = "mg"
UNIT_GY: Final = "Gy"
UNIT_ML_MIN: Final = "mL/min"
UNIT_ML_MIN_173: Final = "mL/min/standard_body_surface_area"
UNIT_MG_DL: Final = "mg/dL"
UNIT_AUC: Final = "mg*min/mL"
UNIT_MG_M2: Final = "mg/m**2"
UNIT_MG_KG: Final = "mg/kg"
UNIT_DAY: Final = "d"


def quantity(value: float, unit: str) -> Quantity:
    """Build a result quantity of the library's registry from a float and a unit expression."""
    return cast("Quantity", units.Q_(value, parse_unit(unit)))


def positive(value: object, kind: Kind, argument: str) -> float:
    """Return *value* in the kind's canonical unit, requiring it to be greater than zero."""
    result = magnitude(value, kind, argument)
    if not result > 0.0:
        raise ValueError(f"{argument} must be greater than zero, got {result:g} {kind.canonical}")
    return result


def non_negative(value: object, kind: Kind, argument: str) -> float:
    """Return *value* in the kind's canonical unit, requiring it to be zero or more."""
    result = magnitude(value, kind, argument)
    if result < 0.0:
        raise ValueError(f"{argument} must not be negative, got {result:g} {kind.canonical}")
    return result


#: The largest integer a float holds exactly (2**53); beyond it, float arithmetic is inexact
#: or overflows. Not a clinical bound: any real count is far below it.
_EXACT_FLOAT_INT: Final = 2**53


def integer(value: object, argument: str, *, minimum: int, maximum: int | None = None) -> int:
    """Check a plain integer argument (``bool`` is refused) and its range."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be an int, not {type(value).__name__}")
    if value < minimum or (maximum is not None and value > maximum):
        upper = "" if maximum is None else f" and at most {maximum}"
        raise ValueError(f"{argument} must be at least {minimum}{upper}, got {value}")
    if value > _EXACT_FLOAT_INT:  # the formulas compute in floats: 10**400 would overflow
        # (No float or decimal text of the value: either may overflow or be refused.)
        raise ValueError(
            f"{argument} must be at most 2**53, got a {value.bit_length()}-bit integer"
        )
    return int(value)


def number(value: object, argument: str) -> float:
    """Check a plain real number (``bool`` is refused); it must be finite and not negative."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{argument} must be a number, not {type(value).__name__}")
    result = float(value)
    if not math.isfinite(result) or result < 0.0:
        raise ValueError(f"{argument} must be a finite number of at least zero, got {value}")
    return result


def boolean(value: object, argument: str) -> bool:
    """Check a ``bool`` argument."""
    if not isinstance(value, bool):
        raise TypeError(f"{argument} must be True or False, not {type(value).__name__}")
    return value


def parse_sex(value: object, argument: str = "sex") -> Sex:
    """Return *value* as :class:`~ascc_salvage.vocabulary.Sex` (``"female"`` or ``"male"``)."""
    return member(value, Sex, argument)


def member(value: object, enum_type: type[_E], argument: str) -> _E:
    """Return *value* as a member of the string enum *enum_type* (strings are accepted)."""
    if not isinstance(value, str):
        raise TypeError(f"{argument} must be a string, not {type(value).__name__}")
    try:
        return enum_type(value)
    except ValueError:
        allowed = ", ".join(repr(str(m)) for m in enum_type)
        raise ValueError(f"{argument} must be one of {allowed}, got {value!r}") from None
