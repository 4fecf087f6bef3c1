"""Command-line numbers: quantities such as ``170cm`` or ``88umol/L``, and bounded numbers.

The value and its unit are written together (a space between them is tolerated). The unit
must be on the case-format allow-list for the kind (:data:`ascc_salvage.units.CASE_UNITS`),
exactly as in a case document, and the value must lie within the case-format bounds of the
patient field, so the command line accepts what a case file accepts and nothing else.
Every numeric option has bounds; a value outside them, or not finite, is reported on one
line (exit status 2).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Final, NoReturn, TypeAlias

import attrs
import click

from ascc_salvage.calculators.dose_plan import AUC_RANGE
from ascc_salvage.case import Bounds, Creatinine, Length, Mass, Measurement, Patient
from ascc_salvage.cli._common import OneLineBadParameter
from ascc_salvage.units import CASE_UNITS, UnitKind, case_unit

__all__ = ["AUC_BOUNDS", "BoundedNumber", "QuantityParam", "patient_bounds"]

if TYPE_CHECKING:  # click >= 8.2 makes ParamType generic; older versions are not subscriptable
    _ParamType: TypeAlias = click.ParamType[Measurement, Any]
    _NumberType: TypeAlias = click.ParamType[float, Any]
else:
    _ParamType = _NumberType = click.ParamType

#: ``dose --auc``: the carboplatin target AUC, the range a dose plan accepts
#: (:data:`ascc_salvage.calculators.dose_plan.AUC_RANGE`, library policy).
AUC_BOUNDS: Final = Bounds(*AUC_RANGE)


def patient_bounds(field: str) -> Bounds:
    """The case-format bounds of a patient field (e.g. ``"age_years"``)."""
    bounds: Bounds = attrs.fields_dict(Patient)[field].metadata["bounds"]
    return bounds


def _fail(message: str, param: click.Parameter | None, ctx: click.Context | None) -> NoReturn:
    raise OneLineBadParameter(message, ctx=ctx, param=param)


class BoundedNumber(_NumberType):
    """A click parameter type for a finite number within bounds.

    Args:
        kind: :class:`int` or :class:`float`.
        bounds: The inclusive bounds.
        unit: The unit named in messages (``"years"``).
    """

    def __init__(self, kind: type[int] | type[float], bounds: Bounds, unit: str) -> None:
        self.kind = kind
        self.name = "integer" if kind is int else "number"
        self.bounds = bounds
        self.unit = unit

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        """Report an invalid value on one line (exit status 2)."""
        _fail(message, param, ctx)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        """Parse *value* and check that it is finite and within the bounds."""
        try:
            number = self.kind(str(value).strip())
        except ValueError:
            what = "a whole number" if self.kind is int else "a number"
            self.fail(f"{value!r} is not {what}", param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        problem = self.bounds.problem(number, self.unit)
        if problem is not None:
            self.fail(f"{value!r} {problem}", param, ctx)
        return number


_PATTERN: Final = re.compile(
    r"^\s*(?P<value>[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?)\s*(?P<unit>\S*)\s*$"
)

_MODEL: Final[dict[UnitKind, type[Measurement]]] = {
    UnitKind.LENGTH: Length,
    UnitKind.MASS: Mass,
    UnitKind.CREATININE: Creatinine,
}

_EXAMPLE: Final = {UnitKind.LENGTH: "170cm", UnitKind.MASS: "70kg", UnitKind.CREATININE: "1.0mg/dL"}

_CANONICAL_NAME: Final = {UnitKind.LENGTH: "cm", UnitKind.MASS: "kg", UnitKind.CREATININE: "mg/dL"}


class QuantityParam(_ParamType):
    """A click parameter type for one patient measurement (value and unit together).

    Args:
        kind: The kind of quantity.
        field: The patient field whose bounds apply (e.g. ``"weight"``).
    """

    def __init__(self, kind: UnitKind, field: str) -> None:
        self.kind = kind
        self.name = f"{kind}".replace("_", " ")
        self.bounds = patient_bounds(field)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """Show an example such as ``170cm`` in the help."""
        return f"VALUE+UNIT (e.g. {_EXAMPLE[self.kind]})"

    def fail(
        self, message: str, param: click.Parameter | None = None, ctx: click.Context | None = None
    ) -> NoReturn:
        """Report an invalid value on one line (exit status 2)."""
        _fail(message, param, ctx)

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Measurement:
        """Parse ``<number><unit>`` into the measurement model object."""
        if isinstance(value, Measurement):
            return value
        units = ", ".join(text for text, entry in CASE_UNITS.items() if entry.kind is self.kind)
        match = _PATTERN.match(str(value))
        if match is None:
            self.fail(
                f"{value!r} is not a number followed by a unit; write e.g. "
                f"{_EXAMPLE[self.kind]} (units: {units})",
                param,
                ctx,
            )
        number = float(match["value"])
        if not math.isfinite(number):  # 1e999 is a float overflow
            self.fail(f"{value!r} is not a finite number", param, ctx)
        unit = match["unit"]
        if not unit:
            self.fail(
                f"{value!r} has no unit; write the unit after the number, e.g. "
                f"{_EXAMPLE[self.kind]} (units: {units})",
                param,
                ctx,
            )
        try:
            case_unit(unit, self.kind)
        except ValueError:
            self.fail(
                f"{unit!r} is not an accepted {self.name} unit; use one of {units}", param, ctx
            )
        measurement = _MODEL[self.kind](int(number) if number.is_integer() else number, unit)
        problem = self.bounds.problem(measurement.canonical, _CANONICAL_NAME[self.kind])
        if problem is not None:
            self.fail(f"{value!r} {problem}", param, ctx)
        return measurement
