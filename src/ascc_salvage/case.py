"""The typed case model (case schema 2; schema 1 documents are upgraded): frozen attrs objects.

Each class mirrors one object of the case format (``case-format.md``). Field metadata
(:func:`_doc`) records what the JSON document may hold — nullable, optional (may be
omitted, with its default), numeric bounds, and the schema version that introduced the
key — so that the document validator in :mod:`ascc_salvage.validation` and the attrs
validators here share one source of truth. :mod:`ascc_salvage.model` imports every class
here together with the enums of their fields.

Constructors take keyword arguments only. A nullable field defaults to ``None`` (unknown)
and an optional key to the format's default (schema 2 fields included, so that a case built
without them means what the schema 1 case meant); ``Case.schema_version`` defaults to
:data:`CASE_SCHEMA_VERSION`. Required without a default are the fields a case document must
state: non-nullable ones (a list whose ``()`` means *none*, an enum, a date, an object) and
the two whose ``None`` is a fact rather than *unknown*, ``Primary.chemoradiotherapy`` (no
chemoradiotherapy given) and ``Case.disease`` (no evaluable disease). A case document must
still spell out every key that is not optional (:func:`~ascc_salvage.load_case`).

Measurements keep the value and unit exactly as received (for an exact round trip) and
expose the magnitude in the canonical unit of their kind as :attr:`Measurement.canonical`
(cm, kg, mg/dL, cells/µL, Gy), so that rules compare floats without touching pint.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeAlias

import attrs

from ascc_salvage import units
from ascc_salvage._modelcheck import (
    Bounds,
    describe_number,
    is_finite,
    join,
    key_path,
    plain_number,
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
    Kinds,
    Quantity,
    UnitKind,
    as_quantity,
    case_unit_for,
    is_quantity,
    magnitude,
)
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    BestResponse,
    Biopsy,
    Condition,
    Finding,
    HivStatus,
    InvadedStructure,
    Jurisdiction,
    Laterality,
    LesionFinding,
    Margin,
    MarkerStatus,
    MismatchRepair,
    Modality,
    NodalStation,
    OptionId,
    OtherRegimen,
    PdL1Assay,
    PdL1Specimen,
    PhaseTarget,
    PhaseTechnique,
    PrimarySite,
    RadiosensitisingAgent,
    RadiotherapyRegion,
    RadiotherapyTechnique,
    Sex,
    Site,
    SurgeryProcedure,
    Symptom,
    SystemicAgent,
    TherapyOutcome,
    TherapySetting,
)

__all__ = [
    "CASE_SCHEMA_VERSION",
    "CASE_SCHEMA_VERSIONS",
    "SCHEMA_VERSION",
    "Assessment",
    "Biomarkers",
    "Bounds",
    "Case",
    "CellCount",
    "Chemoradiotherapy",
    "Creatinine",
    "Disease",
    "DiseaseSite",
    "DiseaseSymptom",
    "Dose",
    "Facility",
    "GlomerularFiltrationRate",
    "HepaticFunction",
    "Hiv",
    "Length",
    "Mass",
    "Measurement",
    "Patient",
    "PdL1Test",
    "Primary",
    "PriorRadiotherapy",
    "PriorSalvageSurgery",
    "PriorSystemicTherapy",
    "RadiotherapyPhase",
    "SiteFinding",
    "Stage",
]

#: The case schema version :func:`~ascc_salvage.dump_case` writes.
CASE_SCHEMA_VERSION: Final = 2
#: The case schema versions :func:`~ascc_salvage.load_case` reads (schema 1 is upgraded).
CASE_SCHEMA_VERSIONS: Final = (1, 2)
#: The result schema version :func:`~ascc_salvage.recommend` writes (``case-format.md``,
#: "Result schema 2"), whichever case version was read.
SCHEMA_VERSION: Final = 2


def _doc(
    *,
    nullable: bool = False,
    optional: bool = False,
    bounds: Bounds | None = None,
    choices: tuple[Any, ...] | None = None,
    since: int = 1,
    optional_since: int | None = None,
) -> dict[str, Any]:
    """The document rules of a model field, kept as its attrs metadata (checked at construction).

    Every field is declared with :func:`attrs.field` itself (so that type checkers see the
    constructor's real signature) and carries these rules as ``metadata``.

    Args:
        nullable: ``None`` is allowed.
        optional: The document key may be omitted; it then takes the field's default.
        bounds: Numeric bounds (canonical unit for measurements).
        choices: Restricts an enum field to some of its members.
        since: The schema version that introduced the key (a later key in an earlier
            document is an unknown key).
        optional_since: The schema version from which a required key may be omitted
            (omitted = null).
    """
    return {
        "nullable": nullable,
        "optional": optional,
        "bounds": bounds,
        "choices": choices,
        "since": since,
        "optional_since": optional_since,
    }


def _new(*, nullable: bool = True, bounds: Bounds | None = None) -> dict[str, Any]:
    """The rules of an optional field new in schema 2 (see :func:`_doc`)."""
    return _doc(nullable=nullable, optional=True, bounds=bounds, since=2)


# The constructors accept, for a measurement field, the measurement itself, a pint quantity or
# a ``(value, unit)`` pair; ``validate_instance`` converts them (collecting every problem with
# its path). These signatures tell type checkers so; at run time no attrs converter is set.
if TYPE_CHECKING:
    _Pair: TypeAlias = tuple[float, str]

    def _mass(value: Mass | Quantity | _Pair | None) -> Mass | None: ...
    def _length(value: Length | Quantity | _Pair | None) -> Length | None: ...
    def _creatinine(value: Creatinine | Quantity | _Pair | None) -> Creatinine | None: ...
    def _cell_count(value: CellCount | Quantity | _Pair | None) -> CellCount | None: ...
    def _gfr(
        value: GlomerularFiltrationRate | Quantity | _Pair | None,
    ) -> GlomerularFiltrationRate | None: ...
    def _dose(value: Dose | Quantity | _Pair) -> Dose: ...
    def _dose_or_none(value: Dose | Quantity | _Pair | None) -> Dose | None: ...
else:
    _mass = _length = _creatinine = _cell_count = _gfr = _dose = _dose_or_none = None


class _CaseObject:
    """Base of the case classes: every object is checked and converted when it is built."""

    __slots__ = ()

    def __attrs_post_init__(self) -> None:
        validate_instance(self)


@attrs.frozen
class Measurement:
    """A measured value with its unit string exactly as written in the case document.

    Build one from a number and an allow-listed unit string (``Mass(68, "kg")``), or let a
    case class convert a pint quantity (``Patient(weight=Q_(68, "kg"), …)``) or a
    ``(value, unit)`` pair (``Patient(weight=(68, "kg"), …)``). A quantity in a unit of the
    allow-list keeps its magnitude and takes the list's spelling; any other unit of the right
    kind is converted to the kind's canonical unit (``Q_(1.7, "m")`` becomes 170 cm). A pair
    is read exactly as the case document's ``{"value", "unit"}``: its unit must be on the
    allow-list. Either way a wrong kind or a bad number is a
    :class:`~ascc_salvage.CaseValidationError` at the field's path.

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
        object.__setattr__(self, "value", plain_number(self.value))
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
        value = plain_number(value)
        object.__setattr__(measurement, "value", value)
        object.__setattr__(measurement, "unit", unit)
        object.__setattr__(measurement, "canonical", value * factor)
        return measurement

    @classmethod
    def from_input(cls, raw: object, path: str, problems: list[Problem]) -> Measurement | None:
        """Build a measurement from a ``{"value", "unit"}`` mapping, a pint quantity or a pair.

        A ``(value, unit)`` tuple is read as the mapping ``{"value": value, "unit": unit}``
        (the unit allow-list applies); a pint quantity is converted (any unit of the kind).

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
        if type(raw) is tuple:
            return cls._from_pair(raw, path, problems)
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
    def _from_pair(
        cls, raw: tuple[Any, ...], path: str, problems: list[Problem]
    ) -> Measurement | None:
        """A ``(value, unit)`` pair: the same checks, and paths, as ``{"value", "unit"}``."""
        if len(raw) != 2:
            message = f"expected a (value, unit) pair, got a tuple of {len(raw)} items"
            problems.append(Problem(path, message))
            return None
        value, unit = raw
        factor = cls._check(value, unit, path, problems)
        if factor is None:
            return None
        return cls._checked(value, unit, factor)

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
        return units.Q_(self.canonical, CANONICAL_UNIT[self.KIND])


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
class GlomerularFiltrationRate(Measurement):
    """A measured glomerular filtration rate (schema 2), absolute or indexed to 1.73 m².

    Units: ``mL/min``; indexed ``mL/min/{1.73_m2}`` or ``mL/min/1.73m2``.

    Absolute and indexed rates cannot be converted into each other without the body surface
    area, so ``canonical`` is the value in the unit it was given; :attr:`indexed` says
    which.

    >>> GlomerularFiltrationRate(62, "mL/min/{1.73_m2}").indexed
    True
    """

    KIND: ClassVar[UnitKind] = UnitKind.GLOMERULAR_FILTRATION_RATE
    CANONICAL_LABEL: ClassVar[str] = ""
    CANONICAL_TEXT: ClassVar[str] = "mL/min"

    @property
    def indexed(self) -> bool:
        """Whether the rate is indexed to a body surface area of 1.73 m²."""
        return self.unit != "mL/min"

    @property
    def quantity(self) -> Quantity:
        """The rate as a pint quantity (mL/min, or mL/min per 1.73 m² when indexed)."""
        return units.Q_(self.value, CASE_UNITS[self.unit].pint_expression)

    @classmethod
    def _from_quantity(cls, raw: object, path: str, problems: list[Problem]) -> Measurement | None:
        for kind, text in (
            (Kinds.CLEARANCE, "mL/min"),
            (Kinds.INDEXED_CLEARANCE, "mL/min/{1.73_m2}"),
        ):
            with contextlib.suppress(TypeError, ValueError):
                return cls(magnitude(raw, kind, path), text)
        problems.append(Problem(path, "expected a finite rate in mL/min or mL/min per 1.73 m²"))
        return None


@attrs.frozen(kw_only=True)
class Hiv(_CaseObject):
    """HIV status and, for people with HIV, immune and virological control."""

    status: HivStatus = attrs.field(metadata=_doc())
    cd4_count: CellCount | None = attrs.field(
        default=None, converter=_cell_count, metadata=_doc(nullable=True, bounds=Bounds(0, 5000))
    )
    viral_load_undetectable: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))


@attrs.frozen(kw_only=True)
class HepaticFunction(_CaseObject):
    """Liver tests as multiples of the laboratory's upper limit of normal (schema 2).

    Plain numbers without a unit: every dosing rule used is written in × ULN, and ULNs
    differ between laboratories. ``None`` is not recorded.
    """

    bilirubin_x_uln: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 50))
    )
    ast_x_uln: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 50))
    )
    alt_x_uln: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 50))
    )
    alp_x_uln: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 50))
    )


@attrs.frozen(kw_only=True)
class PdL1Test(_CaseObject):
    """One PD-L1 test with its provenance (schema 2).

    A schema 1 ``pd_l1_cps`` is upgraded to a test whose assay, specimen and date are
    unknown.
    """

    cps: float = attrs.field(metadata=_doc(bounds=Bounds(0, 100)))
    assay: PdL1Assay | None = attrs.field(default=None, metadata=_doc(nullable=True))
    specimen: PdL1Specimen | None = attrs.field(default=None, metadata=_doc(nullable=True))
    date: _dt.date | None = attrs.field(default=None, metadata=_doc(nullable=True))

    @property
    def upgraded(self) -> bool:
        """Whether the test carries only a CPS (the form an upgraded ``pd_l1_cps`` takes)."""
        return self.assay is None and self.specimen is None and self.date is None


#: Rank of a PD-L1 specimen for the effective CPS (clinical pathway §5.1): higher first.
_SPECIMEN_RANK: Final[Mapping[PdL1Specimen | None, int]] = {
    PdL1Specimen.RECURRENCE: 2,
    PdL1Specimen.METASTASIS: 2,
    PdL1Specimen.PRIMARY: 1,
    None: 0,
}


@attrs.frozen(kw_only=True)
class Biomarkers(_CaseObject):
    """Tumour biomarkers (schema 2); every key may be omitted."""

    pd_l1: tuple[PdL1Test, ...] = attrs.field(default=(), metadata=_doc(optional=True))
    hpv: MarkerStatus | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    p16: MarkerStatus | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    mmr_msi: MismatchRepair | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    tmb_mut_per_mb: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True, bounds=Bounds(0, 1000))
    )

    @property
    def effective_pd_l1(self) -> PdL1Test | None:
        """The test whose CPS counts (clinical pathway §5.1), or ``None`` without tests.

        The most recent test on a recurrence or metastasis specimen; else the most recent on
        a primary specimen; else the most recent with unknown specimen. Undated tests rank
        below dated ones; ties on date go to the highest CPS.

        >>> tests = [PdL1Test(cps=8), PdL1Test(cps=3, assay="22C3", specimen="primary")]
        >>> Biomarkers(pd_l1=tests).effective_pd_l1.cps
        3
        """
        if not self.pd_l1:
            return None
        return max(
            self.pd_l1,
            key=lambda test: (
                _SPECIMEN_RANK[test.specimen],
                test.date is not None,
                test.date or _dt.date.min,
                test.cps,
            ),
        )


_NO_LIVER_TESTS: Final = HepaticFunction()
_NO_BIOMARKERS: Final = Biomarkers()


@attrs.frozen(kw_only=True)
class Patient(_CaseObject):
    """The patient at the evaluation date.

    ``pd_l1_cps`` may be omitted from a schema 2 document. Given together with
    ``biomarkers.pd_l1`` it must equal the effective CPS
    (:attr:`~ascc_salvage.case.Biomarkers.effective_pd_l1`);
    :func:`~ascc_salvage.load_case` fills in whichever of the two a document left out.
    """

    age_years: int | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(18, 120))
    )
    sex: Sex | None = attrs.field(default=None, metadata=_doc(nullable=True))
    ecog: int | None = attrs.field(default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 5)))
    karnofsky: int | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 100, step=10))
    )
    weight: Mass | None = attrs.field(
        default=None, converter=_mass, metadata=_doc(nullable=True, bounds=Bounds(20, 400))
    )
    height: Length | None = attrs.field(
        default=None, converter=_length, metadata=_doc(nullable=True, bounds=Bounds(100, 250))
    )
    serum_creatinine: Creatinine | None = attrs.field(
        default=None, converter=_creatinine, metadata=_doc(nullable=True, bounds=Bounds(0.1, 25))
    )
    fit_for_major_surgery: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    accepts_permanent_colostomy: bool | None = attrs.field(
        default=None, metadata=_doc(nullable=True)
    )
    hiv: Hiv = attrs.field(metadata=_doc())
    pd_l1_cps: float | None = attrs.field(
        default=None, metadata=_doc(nullable=True, bounds=Bounds(0, 100), optional_since=2)
    )
    conditions: tuple[Condition, ...] | None = attrs.field(
        default=None, metadata=_doc(nullable=True)
    )
    frail: bool | None = attrs.field(default=None, metadata=_doc(nullable=True, optional=True))
    declines_active_treatment: bool | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    # schema 2
    dpyd_activity_score: float | None = attrs.field(
        default=None, metadata=_new(bounds=Bounds(0, 2, step=0.5))
    )
    clinical_frailty_scale: int | None = attrs.field(
        default=None, metadata=_new(bounds=Bounds(1, 9))
    )
    declines: tuple[Modality, ...] = attrs.field(default=(), metadata=_new(nullable=False))
    prefers_clinical_trial: bool | None = attrs.field(default=None, metadata=_new())
    measured_gfr: GlomerularFiltrationRate | None = attrs.field(
        default=None, converter=_gfr, metadata=_new(bounds=Bounds(1, 200))
    )
    dialysis: bool | None = attrs.field(default=None, metadata=_new())
    hepatic_function: HepaticFunction = attrs.field(
        default=_NO_LIVER_TESTS, metadata=_new(nullable=False)
    )
    biomarkers: Biomarkers = attrs.field(default=_NO_BIOMARKERS, metadata=_new(nullable=False))

    @property
    def effective_pd_l1_cps(self) -> float | None:
        """The PD-L1 CPS the pathway reads (``pd_l1_cps``, else the effective test's CPS).

        :func:`~ascc_salvage.load_case` fills in both forms; a patient built in Python may
        carry only one of them, and gets the same answer.
        """
        if self.pd_l1_cps is not None:
            return self.pd_l1_cps
        test = self.biomarkers.effective_pd_l1
        return None if test is None else test.cps


@attrs.frozen(kw_only=True)
class Stage(_CaseObject):
    """TNM stage at diagnosis (only enum membership is validated)."""

    t: TCategory = attrs.field(metadata=_doc())
    n: NCategory = attrs.field(metadata=_doc())
    m: MCategory = attrs.field(metadata=_doc())
    prefix: StagePrefix = attrs.field(metadata=_doc())
    edition: Edition = attrs.field(metadata=_doc())


@attrs.frozen(kw_only=True)
class RadiotherapyPhase(_CaseObject):
    """One phase of the primary radiotherapy (schema 2).

    Phases with the same ``sequence`` run simultaneously (a simultaneous integrated boost);
    different sequences run one after another.
    """

    sequence: int = attrs.field(metadata=_doc(bounds=Bounds(1)))
    technique: PhaseTechnique = attrs.field(metadata=_doc())
    target: PhaseTarget = attrs.field(metadata=_doc())
    dose: Dose = attrs.field(converter=_dose, metadata=_doc(bounds=Bounds(0, low_exclusive=True)))
    fractions: int = attrs.field(metadata=_doc(bounds=Bounds(1)))


@attrs.frozen(kw_only=True)
class Chemoradiotherapy(_CaseObject):
    """The primary chemoradiotherapy course."""

    start_date: _dt.date = attrs.field(metadata=_doc())
    end_date: _dt.date = attrs.field(metadata=_doc())
    dose: Dose = attrs.field(
        converter=_dose, metadata=_doc(bounds=Bounds(0, 80, low_exclusive=True))
    )
    fractions: int = attrs.field(metadata=_doc(bounds=Bounds(1, 60)))
    groins_irradiated: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    groin_dose: Dose | None = attrs.field(
        default=None,
        converter=_dose_or_none,
        metadata=_doc(nullable=True, optional=True, bounds=Bounds(0, 70, low_exclusive=True)),
    )
    groin_fractions: int | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True, bounds=Bounds(1))
    )
    # schema 2
    agents: tuple[RadiosensitisingAgent, ...] | None = attrs.field(default=None, metadata=_new())
    phases: tuple[RadiotherapyPhase, ...] = attrs.field(default=(), metadata=_new(nullable=False))

    @property
    def dose_per_fraction_gy(self) -> float:
        """Prescribed dose per fraction in Gy."""
        return self.dose.canonical / self.fractions


@attrs.frozen(kw_only=True)
class Primary(_CaseObject):
    """The primary tumour and its chemoradiotherapy (``None`` = untreated primary)."""

    site: PrimarySite = attrs.field(metadata=_doc())
    stage: Stage = attrs.field(metadata=_doc())
    chemoradiotherapy: Chemoradiotherapy | None = attrs.field(metadata=_doc(nullable=True))


@attrs.frozen(kw_only=True)
class SiteFinding(_CaseObject):
    """The finding at one site of an assessment (schema 2)."""

    site: Site = attrs.field(metadata=_doc())
    finding: LesionFinding = attrs.field(metadata=_doc())
    biopsy: Biopsy = attrs.field(metadata=_doc())
    laterality: Laterality | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    station: NodalStation | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )


@attrs.frozen(kw_only=True)
class Assessment(_CaseObject):
    """One response or follow-up assessment."""

    date: _dt.date = attrs.field(metadata=_doc())
    finding: Finding = attrs.field(metadata=_doc())
    biopsy: Biopsy = attrs.field(metadata=_doc())
    # schema 2
    site_findings: tuple[SiteFinding, ...] = attrs.field(default=(), metadata=_new(nullable=False))


@attrs.frozen(kw_only=True)
class DiseaseSite(_CaseObject):
    """One site of current disease."""

    site: Site = attrs.field(metadata=_doc())
    size: Length | None = attrs.field(
        default=None, converter=_length, metadata=_doc(nullable=True, bounds=Bounds(0.1, 30))
    )
    lesions: int = attrs.field(metadata=_doc(bounds=Bounds(1, 100)))
    laterality: Laterality | None = attrs.field(default=None, metadata=_doc(nullable=True))
    station: NodalStation | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )


@attrs.frozen(kw_only=True)
class DiseaseSymptom(_CaseObject):
    """A symptom of current disease and the site it comes from (schema 2)."""

    symptom: Symptom = attrs.field(metadata=_doc())
    site: Site = attrs.field(metadata=_doc())


@attrs.frozen(kw_only=True)
class Disease(_CaseObject):
    """Current extent of disease at the evaluation date."""

    restaged: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    sites: tuple[DiseaseSite, ...] = attrs.field(metadata=_doc())
    invaded_structures: tuple[InvadedStructure, ...] = attrs.field(metadata=_doc())
    resectable: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    expected_margin: Margin | None = attrs.field(default=None, metadata=_doc(nullable=True))
    all_lesions_locally_treatable: bool | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    # schema 2: null = not recorded, () = asymptomatic
    symptoms: tuple[DiseaseSymptom, ...] | None = attrs.field(default=None, metadata=_new())


@attrs.frozen(kw_only=True)
class PriorSalvageSurgery(_CaseObject):
    """A salvage operation in the history."""

    date: _dt.date = attrs.field(metadata=_doc())
    procedure: SurgeryProcedure = attrs.field(metadata=_doc())
    margin: Margin | None = attrs.field(default=None, metadata=_doc(nullable=True))


@attrs.frozen(kw_only=True)
class PriorSystemicTherapy(_CaseObject):
    """A systemic therapy in the history.

    ``regimen`` is a systemic option id, or (schema 2) ``"other"`` with its ``agents``.
    """

    regimen: OptionId | OtherRegimen = attrs.field(
        metadata=_doc(choices=(*SYSTEMIC_OPTIONS, OtherRegimen.OTHER))
    )
    setting: TherapySetting = attrs.field(metadata=_doc())
    start_date: _dt.date = attrs.field(metadata=_doc())
    end_date: _dt.date | None = attrs.field(default=None, metadata=_doc(nullable=True))
    outcome: TherapyOutcome = attrs.field(metadata=_doc())
    platinum_end_date: _dt.date | None = attrs.field(
        default=None, metadata=_doc(nullable=True, optional=True)
    )
    # schema 2
    agents: tuple[SystemicAgent, ...] | None = attrs.field(default=None, metadata=_new())
    cycles: int | None = attrs.field(default=None, metadata=_new(bounds=Bounds(1, 100)))
    best_response: BestResponse | None = attrs.field(default=None, metadata=_new())


@attrs.frozen(kw_only=True)
class PriorRadiotherapy(_CaseObject):
    """A radiotherapy course other than the primary chemoradiotherapy.

    The total dose is at most 90 Gy, or 160 Gy for LDR brachytherapy (checked with the
    technique, P3).
    """

    region: RadiotherapyRegion = attrs.field(metadata=_doc())
    end_date: _dt.date = attrs.field(metadata=_doc())
    dose: Dose = attrs.field(
        converter=_dose, metadata=_doc(bounds=Bounds(0, 160, low_exclusive=True))
    )
    fractions: int = attrs.field(metadata=_doc(bounds=Bounds(1, 70)))
    # schema 2
    technique: RadiotherapyTechnique | None = attrs.field(default=None, metadata=_new())


@attrs.frozen(kw_only=True)
class Facility(_CaseObject):
    """What the treating facility offers."""

    iort_available: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    exenteration_centre: bool | None = attrs.field(default=None, metadata=_doc(nullable=True))
    # schema 2
    clinical_trial_available: bool | None = attrs.field(default=None, metadata=_new())
    reirradiation_expertise: bool | None = attrs.field(default=None, metadata=_new())


@attrs.frozen(kw_only=True)
class Case(_CaseObject):
    """One patient's situation at an evaluation date (the root of the case format).

    ``schema_version`` records the version of the document read (1 or 2). It is not part of
    equality: a schema 1 document and its schema 2 upgrade describe the same case, and
    :func:`~ascc_salvage.dump_case` writes both as schema 2.
    """

    schema_version: int = attrs.field(
        default=CASE_SCHEMA_VERSION,
        eq=False,
        metadata=_doc(bounds=Bounds(CASE_SCHEMA_VERSIONS[0], CASE_SCHEMA_VERSIONS[-1])),
    )
    evaluation_date: _dt.date = attrs.field(metadata=_doc())
    jurisdiction: Jurisdiction | None = attrs.field(default=None, metadata=_doc(nullable=True))
    patient: Patient = attrs.field(metadata=_doc())
    primary: Primary = attrs.field(metadata=_doc())
    assessments: tuple[Assessment, ...] = attrs.field(metadata=_doc())
    disease: Disease | None = attrs.field(metadata=_doc(nullable=True))
    prior_salvage_surgery: tuple[PriorSalvageSurgery, ...] = attrs.field(metadata=_doc())
    prior_systemic_therapy: tuple[PriorSystemicTherapy, ...] = attrs.field(metadata=_doc())
    prior_radiotherapy: tuple[PriorRadiotherapy, ...] = attrs.field(metadata=_doc())
    facility: Facility = attrs.field(metadata=_doc())


# The cross-field rules register themselves on the classes above: import them with the model,
# so that an object built from Python is checked by every rule even before io is imported.
from ascc_salvage import validation as _validation  # noqa: E402, F401
