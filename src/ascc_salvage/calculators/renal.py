"""Renal function: Cockcroft–Gault creatinine clearance and CKD-EPI 2021 eGFR.

Formula constants carry their source here; the clinical policy values (the 0.7 mg/dL
creatinine floor) come from the knowledge base:

* Cockcroft DW, Gault MH. Prediction of creatinine clearance from serum creatinine.
  Nephron 1976;16:31–41: (140 − age) × weight / (72 × SCr), × 0.85 for women.
* Inker LA et al. New creatinine- and cystatin C-based equations to estimate GFR without
  race. N Engl J Med 2021;385:1737–1749 (CKD-EPI 2021, race-free).
"""

from __future__ import annotations

import enum
from typing import Final

import attrs

from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import (
    UNIT_KG,
    UNIT_MG_DL,
    UNIT_ML_MIN,
    UNIT_ML_MIN_173,
    boolean,
    integer,
    member,
    parse_sex,
    positive,
    quantity,
)
from ascc_salvage.calculators.body_size import adjusted_body_weight_kg, ideal_body_weight_kg
from ascc_salvage.units import Kinds, Quantity
from ascc_salvage.vocabulary import Sex

__all__ = [
    "CreatinineClearance",
    "EstimatedGfr",
    "WeightBasis",
    "creatinine_clearance",
    "deindex_egfr",
    "egfr_ckd_epi_2021",
]

#: Cockcroft–Gault: the age term is (140 − age) [Cockcroft & Gault 1976].
CG_AGE_OFFSET: Final = 140.0
#: Cockcroft–Gault denominator factor (72 × SCr in mg/dL) [Cockcroft & Gault 1976].
CG_DENOMINATOR: Final = 72.0
#: Cockcroft–Gault factor for women [Cockcroft & Gault 1976].
CG_FEMALE_FACTOR: Final = 0.85

#: CKD-EPI 2021 leading coefficient, mL/min/1.73 m² [Inker 2021].
CKD_EPI_COEFFICIENT: Final = 142.0
#: CKD-EPI 2021 κ (mg/dL) by sex [Inker 2021].
CKD_EPI_KAPPA: Final = {Sex.FEMALE: 0.7, Sex.MALE: 0.9}
#: CKD-EPI 2021 exponent α of min(SCr/κ, 1) by sex [Inker 2021].
CKD_EPI_ALPHA: Final = {Sex.FEMALE: -0.241, Sex.MALE: -0.302}
#: CKD-EPI 2021 exponent of max(SCr/κ, 1) [Inker 2021].
CKD_EPI_HIGH_EXPONENT: Final = -1.200
#: CKD-EPI 2021 age base (per year) [Inker 2021].
CKD_EPI_AGE_BASE: Final = 0.9938
#: CKD-EPI 2021 factor for women [Inker 2021].
CKD_EPI_FEMALE_FACTOR: Final = 1.012

#: Standard body surface area that indexed GFR refers to, m².
STANDARD_BSA_M2: Final = 1.73

#: Ages accepted by the adult formulas (the case format's range), years.
MIN_AGE_YEARS: Final = 18
MAX_AGE_YEARS: Final = 120


class WeightBasis(enum.StrEnum):
    """Body weight used by Cockcroft–Gault."""

    ACTUAL = "actual"
    IDEAL = "ideal"
    ADJUSTED = "adjusted"


@attrs.frozen
class CreatinineClearance:
    """Result of :func:`creatinine_clearance`.

    Attributes:
        value: Estimated creatinine clearance (mL/min).
        weight_basis: Which body weight the estimate used.
        weight: The body weight used (kg).
        creatinine_floor_applied: Whether the serum creatinine was raised to the floor.
        serum_creatinine: The serum creatinine used (mg/dL), after any floor.
    """

    value: Quantity
    weight_basis: WeightBasis
    weight: Quantity
    creatinine_floor_applied: bool
    serum_creatinine: Quantity


@attrs.frozen
class EstimatedGfr:
    """Result of :func:`egfr_ckd_epi_2021`.

    Attributes:
        value: Estimated GFR indexed to 1.73 m² (unit ``mL/min/standard_body_surface_area``).
    """

    value: Quantity


def cockcroft_gault_ml_min(
    age_years: int, weight_kg: float, creatinine_mg_dl: float, sex: Sex
) -> float:
    """Cockcroft–Gault clearance in mL/min from canonical floats (no floor, no checks).

    >>> round(cockcroft_gault_ml_min(60, 80.0, 1.0, Sex.MALE), 3)
    88.889
    """
    value = (CG_AGE_OFFSET - age_years) * weight_kg / (CG_DENOMINATOR * creatinine_mg_dl)
    # == (not is): "female" as a plain string is the same sex (Sex is a StrEnum).
    return value * CG_FEMALE_FACTOR if sex == Sex.FEMALE else value


def ckd_epi_2021(age_years: int, creatinine_mg_dl: float, sex: Sex) -> float:
    """CKD-EPI 2021 eGFR in mL/min/1.73 m² from canonical floats (no checks).

    >>> round(ckd_epi_2021(65, 0.8, Sex.FEMALE), 3)
    81.717
    """
    ratio = creatinine_mg_dl / CKD_EPI_KAPPA[sex]
    value: float = (
        CKD_EPI_COEFFICIENT
        * min(ratio, 1.0) ** CKD_EPI_ALPHA[sex]
        * max(ratio, 1.0) ** CKD_EPI_HIGH_EXPONENT
        * CKD_EPI_AGE_BASE**age_years
    )
    return value * CKD_EPI_FEMALE_FACTOR if sex == Sex.FEMALE else value


def _age(value: object) -> int:
    return integer(value, "age_years", minimum=MIN_AGE_YEARS, maximum=MAX_AGE_YEARS)


def creatinine_clearance(
    *,
    age_years: int,
    weight: object,
    serum_creatinine: object,
    sex: Sex | str,
    weight_basis: WeightBasis | str = WeightBasis.ACTUAL,
    creatinine_floor: bool = True,
    height: object = None,
) -> CreatinineClearance:
    """Creatinine clearance by Cockcroft–Gault.

    (140 − age) × weight / (72 × SCr), × 0.85 for women, with serum creatinine in mg/dL
    (µmol/L is converted through the molar mass of creatinine). By default a serum creatinine
    below the knowledge base's floor (0.7 mg/dL) is raised to it; the result reports it.

    Args:
        age_years: Age in whole years (18–120).
        weight: Actual body weight (a mass quantity).
        serum_creatinine: Serum creatinine (mg/dL or µmol/L quantity).
        sex: ``"female"`` or ``"male"``.
        weight_basis: ``"actual"`` (default), ``"ideal"`` (Devine) or ``"adjusted"``
            (IBW + 0.4 × excess); the latter two need *height*.
        creatinine_floor: Whether to apply the serum creatinine floor.
        height: Body height (a length quantity); required for the ideal and adjusted bases.

    Returns:
        The clearance with the weight basis used and whether the floor applied.

    Raises:
        TypeError: A quantity argument is not a quantity, *age_years* not an int, a flag not
            a bool.
        ValueError: Wrong kind, a non-positive value, an age outside 18–120, an unknown sex or
            weight basis, or *height* missing for the ideal or adjusted basis.

    >>> from ascc_salvage.units import Q_
    >>> crcl = creatinine_clearance(
    ...     age_years=60, weight=Q_(80, "kg"), serum_creatinine=Q_(1.0, "mg/dL"), sex="male")
    >>> round(crcl.value.m_as("mL/min"), 3), crcl.creatinine_floor_applied
    (88.889, False)
    """
    age = _age(age_years)
    weight_kg = positive(weight, Kinds.MASS, "weight")
    creatinine = positive(serum_creatinine, Kinds.CREATININE, "serum_creatinine")
    who = parse_sex(sex)
    basis = member(weight_basis, WeightBasis, "weight_basis")
    floor_on = boolean(creatinine_floor, "creatinine_floor")
    if basis is not WeightBasis.ACTUAL:
        if height is None:
            raise ValueError(f"height is required for weight_basis={str(basis)!r}")
        height_cm = positive(height, Kinds.LENGTH, "height")
        if basis is WeightBasis.IDEAL:
            weight_kg = ideal_body_weight_kg(height_cm, who)
        else:
            weight_kg = adjusted_body_weight_kg(height_cm, weight_kg, who)
    floor_applied = False
    if floor_on:
        floor = _kb.creatinine_floor_mg_dl()
        if creatinine < floor:
            creatinine = floor
            floor_applied = True
    value = cockcroft_gault_ml_min(age, weight_kg, creatinine, who)
    return CreatinineClearance(
        value=quantity(value, UNIT_ML_MIN),
        weight_basis=basis,
        weight=quantity(weight_kg, UNIT_KG),
        creatinine_floor_applied=floor_applied,
        serum_creatinine=quantity(creatinine, UNIT_MG_DL),
    )


def egfr_ckd_epi_2021(*, age_years: int, serum_creatinine: object, sex: Sex | str) -> EstimatedGfr:
    """Estimated GFR by the race-free CKD-EPI 2021 creatinine equation.

    142 × min(SCr/κ, 1)^α × max(SCr/κ, 1)^−1.200 × 0.9938^age (× 1.012 for women), with
    κ 0.7 (F) / 0.9 (M) and α −0.241 (F) / −0.302 (M). The value is indexed to 1.73 m²; use
    :func:`deindex_egfr` before dosing.

    Args:
        age_years: Age in whole years (18–120).
        serum_creatinine: Serum creatinine (mg/dL or µmol/L quantity).
        sex: ``"female"`` or ``"male"``.

    Returns:
        The indexed eGFR (``mL/min/standard_body_surface_area``).

    Raises:
        TypeError: *serum_creatinine* is not a quantity or *age_years* not an int.
        ValueError: Wrong kind, a non-positive creatinine, an age outside 18–120, or an
            unknown sex.

    >>> from ascc_salvage.units import Q_
    >>> egfr = egfr_ckd_epi_2021(age_years=60, serum_creatinine=Q_(1.0, "mg/dL"), sex="male")
    >>> round(egfr.value.magnitude, 3), str(egfr.value.units)
    (86.163, 'milliliter / minute / standard_body_surface_area')
    """
    age = _age(age_years)
    creatinine = positive(serum_creatinine, Kinds.CREATININE, "serum_creatinine")
    return EstimatedGfr(quantity(ckd_epi_2021(age, creatinine, parse_sex(sex)), UNIT_ML_MIN_173))


def deindex_egfr(egfr: object, *, bsa: object) -> Quantity:
    """Convert an eGFR indexed to 1.73 m² into mL/min for the patient's body surface area.

    eGFR (mL/min/1.73 m²) × BSA / 1.73 m².

    Args:
        egfr: Indexed eGFR (a ``mL/min/standard_body_surface_area`` quantity).
        bsa: The patient's body surface area (an area quantity).

    Returns:
        The de-indexed GFR in mL/min.

    Raises:
        TypeError: An argument is not a quantity.
        ValueError: Wrong kind or a non-positive value.

    >>> from ascc_salvage.units import Q_
    >>> gfr = deindex_egfr(Q_(86.163, "mL/min/standard_body_surface_area"), bsa=Q_(1.73, "m**2"))
    >>> round(gfr.m_as("mL/min"), 3)
    86.163
    """
    indexed = positive(egfr, Kinds.INDEXED_CLEARANCE, "egfr")
    bsa_m2 = positive(bsa, Kinds.AREA, "bsa")
    return quantity(indexed * bsa_m2 / STANDARD_BSA_M2, UNIT_ML_MIN)
