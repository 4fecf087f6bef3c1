"""Command-line quantities such as ``170cm``, ``70kg`` or ``88umol/L``.

The value and its unit are written together (a space between them is tolerated). The unit
must be on the case-format allow-list for the kind (:data:`ascc_salvage.units.CASE_UNITS`),
exactly as in a case document, and the value must lie within the case-format bounds of the
patient field, so the command line accepts what a case file accepts and nothing else.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs
import click

from ascc_salvage.case import Bounds, Creatinine, Length, Mass, Measurement, Patient
from ascc_salvage.units import CASE_UNITS, UnitKind, case_unit

__all__ = ["QuantityParam"]

if TYPE_CHECKING:  # click >= 8.2 makes ParamType generic; older versions are not subscriptable
    _ParamType: TypeAlias = click.ParamType[Measurement, Any]
else:
    _ParamType = click.ParamType

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
        bounds = attrs.fields_dict(Patient)[field].metadata["bounds"]
        self.bounds: Bounds = bounds

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        """Show an example such as ``170cm`` in the help."""
        return f"VALUE+UNIT (e.g. {_EXAMPLE[self.kind]})"

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
        if not math.isfinite(number):  # pragma: no cover - the pattern admits finite numbers only
            self.fail(f"{value!r} is not a finite number", param, ctx)
        measurement = _MODEL[self.kind](int(number) if number.is_integer() else number, unit)
        problem = self.bounds.problem(measurement.canonical, _CANONICAL_NAME[self.kind])
        if problem is not None:
            self.fail(f"{value!r} {problem}", param, ctx)
        return measurement
