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
from collections.abc import Mapping
from typing import Any, ClassVar, Final

import attrs

from ascc_salvage._modelcheck import (
    Bounds,
    describe_number,
    is_finite,
    join,
    key_path,
    short,
    type_name,
    validate_instance,
)
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.staging import Edition, MCategory, NCategory, StagePrefix, TCategory
from ascc_salvage.units import (
    CALCULATOR_KIND,
    CANONICAL_UNIT,
    CASE_UNITS,
    Q_,
    Quantity,
    UnitKind,
    as_quantity,
    case_unit_for,
    is_quantity,
    magnitude,
)
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
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
    "Bounds",
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


def _field(
    *,
    nullable: bool = False,
    optional: bool = False,
    bounds: Bounds | None = None,
    choices: tuple[Any, ...] | None = None,
    default: Any = attrs.NOTHING,
) -> Any:
    """Declare a model field with its document rules as metadata (checked at construction).

    ``choices`` restricts an enum field to some of its members.
    """
    metadata = {
        "nullable": nullable or optional,
        "optional": optional,
        "bounds": bounds,
        "choices": choices,
    }
    if optional and default is attrs.NOTHING:
        default = None
    return attrs.field(default=default, metadata=metadata)


class _CaseObject:
    """Base of the case classes: every object is checked and converted when it is built."""

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        validate_instance(self)


@attrs.frozen
class Measurement:
    """A measured value with its unit string exactly as written in the case document.

    Build one from a number and an allow-listed unit string (``Mass(68, "kg")``), or let a
    case class convert a pint quantity (``Patient(weight=Q_(68, "kg"), …)``): a quantity in a
    unit of the allow-list keeps its magnitude and takes the list's spelling; any other unit
    of the right kind is converted to the kind's canonical unit.

    Attributes:
        value: The number as received (int or float).
        unit: The unit string as received; must be on the allow-list for the kind.
        canonical: The value in the kind's canonical unit (derived; not compared).

    Raises:
        CaseValidationError: The value is not a finite number or the unit is not allowed.
    """

    KIND: ClassVar[UnitKind]
    #: The canonical unit as written in messages.
    CANONICAL_LABEL: ClassVar[str]
    #: The allow-list spelling of the canonical unit.
    CANONICAL_TEXT: ClassVar[str]

    value: float
    unit: str
    canonical: float = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        problems: list[Problem] = []
        factor = self._check(self.value, self.unit, "$", problems)
        if factor is None:
            raise CaseValidationError(problems)
        object.__setattr__(self, "canonical", self.value * factor)

    @classmethod
    def _check(
        cls, value: object, unit: object, path: str, problems: list[Problem]
    ) -> float | None:
        """Check a value and unit string; return the factor to canonical, or None."""
        factor = None
        entry = CASE_UNITS.get(unit) if isinstance(unit, str) else None
        if entry is None or entry.kind is not cls.KIND:
            noun = str(cls.KIND).replace("_", " ")
            shown = short(unit) if isinstance(unit, str) else type_name(unit)
            article = "an" if noun[0] in "aeiou" else "a"
            problems.append(Problem(join(path, "unit"), f"{shown} is not {article} {noun} unit"))
        else:
            factor = entry.to_canonical
        if isinstance(value, bool) or not isinstance(value, int | float):
            message = f"expected a number, got {type_name(value)}"
            problems.append(Problem(join(path, "value"), message))
            return None
        if not is_finite(value) or not is_finite(value * (factor or 1.0)):
            message = f"expected a finite number, got {describe_number(value)}"
            problems.append(Problem(join(path, "value"), message))
            return None
        return factor

    @classmethod
    def _checked(cls, value: float, unit: str, factor: float) -> Measurement:
        """A measurement whose value and unit were just checked (no second check)."""
        measurement = object.__new__(cls)
        object.__setattr__(measurement, "value", value)
        object.__setattr__(measurement, "unit", unit)
        object.__setattr__(measurement, "canonical", value * factor)
        return measurement

    @classmethod
    def from_input(cls, raw: object, path: str, problems: list[Problem]) -> Measurement | None:
        """Build a measurement from a ``{"value", "unit"}`` mapping or a pint quantity.

        Problems are appended to *problems* (paths under *path*); returns ``None`` then.
        """
        if type(raw) is dict and len(raw) == 2:  # the usual JSON object, checked quickly
            value: Any = raw.get("value")
            unit = raw.get("unit")
            entry = CASE_UNITS.get(unit) if isinstance(unit, str) else None
            if (
                entry is not None
                and entry.kind is cls.KIND
                and type(value) in (int, float)
                and is_finite(value)
                and is_finite(value * entry.to_canonical)
            ):
                return cls._checked(value, entry.text, entry.to_canonical)
        if isinstance(raw, Mapping):
            ok = True
            for key in raw:
                if key not in ("value", "unit"):
                    problems.append(Problem(join(path, key_path(key)), "unknown key"))
                    ok = False
            for key in ("value", "unit"):
                if key not in raw:
                    problems.append(Problem(join(path, key), "required key is missing"))
                    ok = False
            value, unit = raw.get("value", 0), raw.get("unit", cls.CANONICAL_TEXT)
            factor = cls._check(value, unit, path, problems)
            if not ok or factor is None:
                return None
            return cls._checked(value, unit, factor)
        if is_quantity(raw):
            return cls._from_quantity(raw, path, problems)
        if isinstance(raw, Measurement):
            problems.append(
                Problem(path, f"expected {cls.__name__.lower()} units, got {type(raw).__name__}")
            )
            return None
        expected = 'expected a quantity or an object {"value", "unit"}'
        problems.append(Problem(path, f"{expected}, got {type_name(raw)}"))
        return None

    @classmethod
    def _from_quantity(cls, raw: object, path: str, problems: list[Problem]) -> Measurement | None:
        try:
            canonical = magnitude(raw, CALCULATOR_KIND[cls.KIND], path)
        except (TypeError, ValueError) as exc:
            problems.append(Problem(path, str(exc)))
            return None
        quantity = as_quantity(raw, path)
        spelling = case_unit_for(quantity.units, cls.KIND)
        if spelling is not None:
            value: float = quantity.magnitude
            if isinstance(value, bool) or not isinstance(value, int | float):
                value = float(value)
            return cls(value, spelling)
        return cls(canonical, cls.CANONICAL_TEXT)

    @property
    def quantity(self) -> Quantity:
        """The measurement as a pint quantity of the library's registry (canonical unit)."""
        return Q_(self.canonical, CANONICAL_UNIT[self.KIND])


@attrs.frozen
class Length(Measurement):
    """A length (``cm``, ``mm``, ``in``, ``[in_i]``); canonical unit cm."""

    KIND: ClassVar[UnitKind] = UnitKind.LENGTH
    CANONICAL_LABEL: ClassVar[str] = "cm"
    CANONICAL_TEXT: ClassVar[str] = "cm"


@attrs.frozen
class Mass(Measurement):
    """A body mass (``kg``, ``g``, ``lb``, ``[lb_av]``); canonical unit kg."""

    KIND: ClassVar[UnitKind] = UnitKind.MASS
    CANONICAL_LABEL: ClassVar[str] = "kg"
    CANONICAL_TEXT: ClassVar[str] = "kg"


@attrs.frozen
class Creatinine(Measurement):
    """A serum creatinine concentration (``mg/dL`` or ``umol/L``); canonical unit mg/dL."""

    KIND: ClassVar[UnitKind] = UnitKind.CREATININE
    CANONICAL_LABEL: ClassVar[str] = "mg/dL"
    CANONICAL_TEXT: ClassVar[str] = "mg/dL"


@attrs.frozen
class CellCount(Measurement):
    """A cell count per volume (``cells/uL`` …); canonical unit cells/µL."""

    KIND: ClassVar[UnitKind] = UnitKind.CELL_COUNT
    CANONICAL_LABEL: ClassVar[str] = "cells/µL"
    CANONICAL_TEXT: ClassVar[str] = "cells/uL"


@attrs.frozen
class Dose(Measurement):
    """An absorbed radiation dose (``Gy`` or ``cGy``); canonical unit Gy."""

    KIND: ClassVar[UnitKind] = UnitKind.RADIATION_DOSE
    CANONICAL_LABEL: ClassVar[str] = "Gy"
    CANONICAL_TEXT: ClassVar[str] = "Gy"


@attrs.frozen
class Hiv(_CaseObject):
    """HIV status and, for people with HIV, immune and virological control."""

    status: HivStatus = _field()
    cd4_count: CellCount | None = _field(nullable=True, bounds=Bounds(0, 5000))
    viral_load_undetectable: bool | None = _field(nullable=True)


@attrs.frozen
class Patient(_CaseObject):
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
class Stage(_CaseObject):
    """TNM stage at diagnosis (only enum membership is validated)."""

    t: TCategory = _field()
    n: NCategory = _field()
    m: MCategory = _field()
    prefix: StagePrefix = _field()
    edition: Edition = _field()


@attrs.frozen
class Chemoradiotherapy(_CaseObject):
    """The primary chemoradiotherapy course."""

    start_date: _dt.date = _field()
    end_date: _dt.date = _field()
    dose: Dose = _field(bounds=Bounds(0, 80, low_exclusive=True))
    fractions: int = _field(bounds=Bounds(1, 60))
    groins_irradiated: bool | None = _field(nullable=True)
    groin_dose: Dose | None = _field(optional=True, bounds=Bounds(0, 70, low_exclusive=True))
    groin_fractions: int | None = _field(optional=True, bounds=Bounds(1))

    @property
    def dose_per_fraction_gy(self) -> float:
        """Prescribed dose per fraction in Gy."""
        return self.dose.canonical / self.fractions


@attrs.frozen
class Primary(_CaseObject):
    """The primary tumour and its chemoradiotherapy (``None`` = untreated primary)."""

    site: PrimarySite = _field()
    stage: Stage = _field()
    chemoradiotherapy: Chemoradiotherapy | None = _field(nullable=True)


@attrs.frozen
class Assessment(_CaseObject):
    """One response or follow-up assessment."""

    date: _dt.date = _field()
    finding: Finding = _field()
    biopsy: Biopsy = _field()


@attrs.frozen
class DiseaseSite(_CaseObject):
    """One site of current disease."""

    site: Site = _field()
    size: Length | None = _field(nullable=True, bounds=Bounds(0.1, 30))
    lesions: int = _field(bounds=Bounds(1, 100))
    laterality: Laterality | None = _field(nullable=True)
    station: NodalStation | None = _field(optional=True)


@attrs.frozen
class Disease(_CaseObject):
    """Current extent of disease at the evaluation date."""

    restaged: bool | None = _field(nullable=True)
    sites: tuple[DiseaseSite, ...] = _field()
    invaded_structures: tuple[InvadedStructure, ...] = _field()
    resectable: bool | None = _field(nullable=True)
    expected_margin: Margin | None = _field(nullable=True)
    all_lesions_locally_treatable: bool | None = _field(optional=True)


@attrs.frozen
class PriorSalvageSurgery(_CaseObject):
    """A salvage operation in the history."""

    date: _dt.date = _field()
    procedure: SurgeryProcedure = _field()
    margin: Margin | None = _field(nullable=True)


@attrs.frozen
class PriorSystemicTherapy(_CaseObject):
    """A systemic therapy in the history (``regimen`` is a systemic option id)."""

    regimen: OptionId = _field(choices=SYSTEMIC_OPTIONS)
    setting: TherapySetting = _field()
    start_date: _dt.date = _field()
    end_date: _dt.date | None = _field(nullable=True)
    outcome: TherapyOutcome = _field()
    platinum_end_date: _dt.date | None = _field(optional=True)


@attrs.frozen
class PriorRadiotherapy(_CaseObject):
    """A radiotherapy course other than the primary chemoradiotherapy."""

    region: RadiotherapyRegion = _field()
    end_date: _dt.date = _field()
    dose: Dose = _field(bounds=Bounds(0, 90, low_exclusive=True))
    fractions: int = _field(bounds=Bounds(1, 70))


@attrs.frozen
class Facility(_CaseObject):
    """What the treating facility offers."""

    iort_available: bool | None = _field(nullable=True)
    exenteration_centre: bool | None = _field(nullable=True)


@attrs.frozen
class Case(_CaseObject):
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


# The cross-field rules register themselves on the classes above: import them with the model,
# so that an object built from Python is checked by every rule even before io is imported.
from ascc_salvage import validation as _validation  # noqa: E402, F401
