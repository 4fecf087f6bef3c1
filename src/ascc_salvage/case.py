"""The typed case model (schema version 1): frozen attrs value objects.

Each class mirrors one object of the case format (``case-format.md``). Field metadata
(:func:`_field`) records what the JSON document may hold — nullable, optional (may be
omitted), numeric bounds — so that the document validator in :mod:`ascc_salvage.validation`
and the attrs validators here share one source of truth.

Measurements keep the value and unit exactly as received (for an exact round trip) and
expose the magnitude in the canonical unit of their kind as :attr:`Measurement.canonical`
(cm, kg, mg/dL, cells/µL, Gy), so that rules compare floats without touching pint.
"""

from __future__ import annotations

import datetime as _dt
import math
import sys
from typing import Any, ClassVar, Final

import attrs

from ascc_salvage.staging import Edition, MCategory, NCategory, StagePrefix, TCategory
from ascc_salvage.units import CANONICAL_UNIT, Q_, Quantity, UnitKind, case_unit
from ascc_salvage.vocabulary import (
    Biopsy,
    Condition,
    Finding,
    HivStatus,
    InvadedStructure,
    Jurisdiction,
    Laterality,
    Margin,
    NodalStation,
    OptionId,
    PrimarySite,
    RadiotherapyRegion,
    Sex,
    Site,
    SurgeryProcedure,
    TherapyOutcome,
    TherapySetting,
)

__all__ = [
    "SCHEMA_VERSION",
    "Assessment",
    "Case",
    "CellCount",
    "Chemoradiotherapy",
    "Creatinine",
    "Disease",
    "DiseaseSite",
    "Dose",
    "Facility",
    "Hiv",
    "Length",
    "Mass",
    "Measurement",
    "Patient",
    "Primary",
    "PriorRadiotherapy",
    "PriorSalvageSurgery",
    "PriorSystemicTherapy",
    "Stage",
]

#: The case-format schema version this library reads and writes.
SCHEMA_VERSION: Final = 1


@attrs.frozen
class Bounds:
    """Inclusive numeric bounds (``low_exclusive`` makes the lower bound strict)."""

    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    step: int | None = None

    def problem(self, value: float, unit: str = "") -> str | None:
        """Return a message if *value* is outside the bounds, else ``None``."""
        suffix = f" {unit}" if unit else ""
        if self.low is not None:
            if self.low_exclusive and not value > self.low:
                return f"must be greater than {_num(self.low)}{suffix}"
            if not self.low_exclusive and value < self.low:
                return f"must be at least {_num(self.low)}{suffix}"
        if self.high is not None and value > self.high:
            return f"must be at most {_num(self.high)}{suffix}"
        if self.step is not None and value % self.step != 0:
            return f"must be a multiple of {self.step}"
        return None


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bounds_validator(bounds: Bounds) -> Any:
    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None:
            return
        number = value.canonical if isinstance(value, Measurement) else value
        if not isinstance(number, int | float) or isinstance(number, bool):
            return
        message = bounds.problem(float(number))
        if message is not None:
            raise ValueError(f"{attribute.name} {message}")

    return check


def _field(
    *,
    nullable: bool = False,
    optional: bool = False,
    bounds: Bounds | None = None,
    default: Any = attrs.NOTHING,
) -> Any:
    """Declare a model field with its document rules as metadata."""
    metadata = {"nullable": nullable or optional, "optional": optional, "bounds": bounds}
    validator = _bounds_validator(bounds) if bounds is not None else None
    if optional and default is attrs.NOTHING:
        default = None
    return attrs.field(default=default, metadata=metadata, validator=validator)


@attrs.frozen
class Measurement:
    """A measured value with its unit string exactly as written in the case document.

    Attributes:
        value: The number as received (int or float).
        unit: The unit string as received; must be on the allow-list for the kind.
        canonical: The value in the kind's canonical unit (derived; not compared).
    """

    KIND: ClassVar[UnitKind]

    value: float
    unit: str
    canonical: float = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if isinstance(self.value, bool) or not isinstance(self.value, int | float):
            raise TypeError("value must be a number")
        if not math.isfinite(self.value):
            raise ValueError("value must be finite")
        factor = case_unit(self.unit, self.KIND).to_canonical
        object.__setattr__(self, "canonical", self.value * factor)

    @property
    def quantity(self) -> Quantity:
        """The measurement as a pint quantity of the library's registry (canonical unit)."""
        return Q_(self.canonical, CANONICAL_UNIT[self.KIND])


@attrs.frozen
class Length(Measurement):
    """A length (``cm``, ``mm``, ``in``, ``[in_i]``); canonical unit cm."""

    KIND: ClassVar[UnitKind] = UnitKind.LENGTH


@attrs.frozen
class Mass(Measurement):
    """A body mass (``kg``, ``g``, ``lb``, ``[lb_av]``); canonical unit kg."""

    KIND: ClassVar[UnitKind] = UnitKind.MASS


@attrs.frozen
class Creatinine(Measurement):
    """A serum creatinine concentration (``mg/dL`` or ``umol/L``); canonical unit mg/dL."""

    KIND: ClassVar[UnitKind] = UnitKind.CREATININE


@attrs.frozen
class CellCount(Measurement):
    """A cell count per volume (``cells/uL`` …); canonical unit cells/µL."""

    KIND: ClassVar[UnitKind] = UnitKind.CELL_COUNT


@attrs.frozen
class Dose(Measurement):
    """An absorbed radiation dose (``Gy`` or ``cGy``); canonical unit Gy."""

    KIND: ClassVar[UnitKind] = UnitKind.RADIATION_DOSE


@attrs.frozen
class Hiv:
    """HIV status and, for people with HIV, immune and virological control."""

    status: HivStatus = _field()
    cd4_count: CellCount | None = _field(nullable=True, bounds=Bounds(0, 5000))
    viral_load_undetectable: bool | None = _field(nullable=True)


@attrs.frozen
class Patient:
    """The patient at the evaluation date."""

    age_years: int | None = _field(nullable=True, bounds=Bounds(18, 120))
    sex: Sex | None = _field(nullable=True)
    ecog: int | None = _field(nullable=True, bounds=Bounds(0, 5))
    karnofsky: int | None = _field(nullable=True, bounds=Bounds(0, 100, step=10))
    weight: Mass | None = _field(nullable=True, bounds=Bounds(20, 400))
    height: Length | None = _field(nullable=True, bounds=Bounds(100, 250))
    serum_creatinine: Creatinine | None = _field(nullable=True, bounds=Bounds(0.1, 25))
    fit_for_major_surgery: bool | None = _field(nullable=True)
    accepts_permanent_colostomy: bool | None = _field(nullable=True)
    hiv: Hiv = _field()
    pd_l1_cps: float | None = _field(nullable=True, bounds=Bounds(0, 100))
    conditions: tuple[Condition, ...] | None = _field(nullable=True)
    frail: bool | None = _field(optional=True)
    declines_active_treatment: bool | None = _field(optional=True)


@attrs.frozen
class Stage:
    """TNM stage at diagnosis (only enum membership is validated)."""

    t: TCategory = _field()
    n: NCategory = _field()
    m: MCategory = _field()
    prefix: StagePrefix = _field()
    edition: Edition = _field()


@attrs.frozen
class Chemoradiotherapy:
    """The primary chemoradiotherapy course."""

    start_date: _dt.date = _field()
    end_date: _dt.date = _field()
    dose: Dose = _field(bounds=Bounds(0, low_exclusive=True))
    fractions: int = _field(bounds=Bounds(1))
    groins_irradiated: bool | None = _field(nullable=True)
    groin_dose: Dose | None = _field(optional=True, bounds=Bounds(0, low_exclusive=True))
    groin_fractions: int | None = _field(optional=True, bounds=Bounds(1))

    @property
    def dose_per_fraction_gy(self) -> float:
        """Prescribed dose per fraction in Gy."""
        return self.dose.canonical / self.fractions


@attrs.frozen
class Primary:
    """The primary tumour and its chemoradiotherapy (``None`` = untreated primary)."""

    site: PrimarySite = _field()
    stage: Stage = _field()
    chemoradiotherapy: Chemoradiotherapy | None = _field(nullable=True)


@attrs.frozen
class Assessment:
    """One response or follow-up assessment."""

    date: _dt.date = _field()
    finding: Finding = _field()
    biopsy: Biopsy = _field()


@attrs.frozen
class DiseaseSite:
    """One site of current disease."""

    site: Site = _field()
    size: Length | None = _field(nullable=True, bounds=Bounds(0, low_exclusive=True))
    lesions: int = _field(bounds=Bounds(1))
    laterality: Laterality | None = _field(nullable=True)
    station: NodalStation | None = _field(optional=True)


@attrs.frozen
class Disease:
    """Current extent of disease at the evaluation date."""

    restaged: bool | None = _field(nullable=True)
    sites: tuple[DiseaseSite, ...] = _field()
    invaded_structures: tuple[InvadedStructure, ...] = _field()
    resectable: bool | None = _field(nullable=True)
    expected_margin: Margin | None = _field(nullable=True)
    all_lesions_locally_treatable: bool | None = _field(optional=True)


@attrs.frozen
class PriorSalvageSurgery:
    """A salvage operation in the history."""

    date: _dt.date = _field()
    procedure: SurgeryProcedure = _field()
    margin: Margin | None = _field(nullable=True)


@attrs.frozen
class PriorSystemicTherapy:
    """A systemic therapy in the history (``regimen`` is a systemic option id)."""

    regimen: OptionId = _field()
    setting: TherapySetting = _field()
    start_date: _dt.date = _field()
    end_date: _dt.date | None = _field(nullable=True)
    outcome: TherapyOutcome = _field()
    platinum_end_date: _dt.date | None = _field(optional=True)


@attrs.frozen
class PriorRadiotherapy:
    """A radiotherapy course other than the primary chemoradiotherapy."""

    region: RadiotherapyRegion = _field()
    end_date: _dt.date = _field()
    dose: Dose = _field(bounds=Bounds(0, low_exclusive=True))
    fractions: int = _field(bounds=Bounds(1))


@attrs.frozen
class Facility:
    """What the treating facility offers."""

    iort_available: bool | None = _field(nullable=True)
    exenteration_centre: bool | None = _field(nullable=True)


@attrs.frozen
class Case:
    """One patient's situation at an evaluation date (the root of the case format)."""

    schema_version: int = _field(bounds=Bounds(SCHEMA_VERSION, SCHEMA_VERSION))
    evaluation_date: _dt.date = _field()
    jurisdiction: Jurisdiction | None = _field(nullable=True)
    patient: Patient = _field()
    primary: Primary = _field()
    assessments: tuple[Assessment, ...] = _field()
    disease: Disease | None = _field(nullable=True)
    prior_salvage_surgery: tuple[PriorSalvageSurgery, ...] = _field()
    prior_systemic_therapy: tuple[PriorSystemicTherapy, ...] = _field()
    prior_radiotherapy: tuple[PriorRadiotherapy, ...] = _field()
    facility: Facility = _field()


# Hypothesis may have been imported before this module: register the case strategies now
# (see ascc_salvage.testing._hypothesis_hook for why registration waits for this module).
if "hypothesis.strategies" in sys.modules:  # pragma: no branch - depends on import order
    from ascc_salvage.testing._hypothesis_hook import register as _register_strategies

    _register_strategies()
